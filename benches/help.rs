//! Help desk figures through the real router and SQLite (in process, no network):
//!
//! 1. Agent sign-in (Argon2id verification and a new session), p50 and p95.
//! 2. A shopper's message → the `queue` event on an open agent console, p50 and p95, with
//!    five shoppers taking turns.
//! 3. An agent's reply → the `chat` event on that shopper's open stream, p50 and p95.
//!
//! The counts stay inside the shop's own limits (60 messages a minute from one address,
//! 10 per shopper, 40 replies a minute per agent), so one run takes a few seconds.
//! `make bench-help`.

#[path = "../tests/common/mod.rs"]
mod common;

use axum::body::Body;
use axum::http::{header, Request};
use common::router::{call_fn, json_fn, next_event};
use common::shop::TestShop;
use serde_json::json;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const PASSWORD: &str = "a long benchmark password";
const SHOPPERS: usize = 5;
const MESSAGES_EACH: usize = 10;
const REPLIES_EACH: usize = 8;

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{label:<44} n={:<3} p50 {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}

async fn stream(app: &axum::Router, uri: &str, cookie: &str) -> axum::body::BodyDataStream {
    app.clone()
        .oneshot(
            Request::get(uri)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
        .into_body()
        .into_data_stream()
}

#[tokio::main]
async fn main() {
    let shop = TestShop::new()
        .products(20)
        .agents(&["alex"], PASSWORD)
        .start()
        .await;
    let app = shop.app.clone();

    let mut sign_ins = Vec::new();
    let mut agent = String::new();
    for _ in 0..10 {
        let started = Instant::now();
        let answer = call_fn(
            &app,
            "/api/agent/sign_in",
            None,
            &[("name", "alex"), ("password", PASSWORD)],
        )
        .await;
        sign_ins.push(started.elapsed());
        agent = answer.cookie.expect("signed in");
    }
    let mut console = stream(&app, "/api/agent/events", &agent).await;
    next_event(&mut console).await; // presence

    let context = json!({"page": "/p/linen-shirt", "cart": [], "orders": [], "region": "london"});
    let mut shoppers: Vec<(String, i64)> = Vec::new();
    let mut arrivals = Vec::new();
    for round in 0..MESSAGES_EACH {
        for s in 0..SHOPPERS {
            let cookie = shoppers.get(s).map(|(c, _)| c.clone());
            let started = Instant::now();
            let answer = json_fn(
                &app,
                "/api/help/send",
                cookie.as_deref(),
                json!({"text": format!("question {round} from shopper {s}"), "context": context}),
            )
            .await;
            assert!(answer.status.is_success(), "{}", answer.json);
            let id = answer.json["conversation"]["id"].as_i64().unwrap();
            loop {
                let (name, data) = next_event(&mut console).await;
                if name == "queue" && data["conversation"] == id {
                    break;
                }
            }
            arrivals.push(started.elapsed());
            if cookie.is_none() {
                shoppers.push((answer.cookie.expect("a shopper key"), id));
            }
        }
    }

    let mut streams = Vec::new();
    for (cookie, _) in &shoppers {
        let mut events = stream(&app, "/api/help/events", cookie).await;
        next_event(&mut events).await; // presence
        streams.push(events);
    }
    let mut replies = Vec::new();
    for round in 0..REPLIES_EACH {
        for (s, (_, id)) in shoppers.iter().enumerate() {
            let started = Instant::now();
            let id = id.to_string();
            let text = format!("answer {round}");
            let answer = call_fn(
                &app,
                "/api/agent/reply",
                Some(&agent),
                &[("id", &id), ("text", &text)],
            )
            .await;
            assert!(answer.status.is_success(), "{}", answer.json);
            while next_event(&mut streams[s]).await.0 != "chat" {}
            replies.push(started.elapsed());
        }
    }
    println!("help desk, in process (real router and SQLite, bench profile):");
    summary("agent sign-in (Argon2id + session)", sign_ins);
    summary("shopper message → agent console event", arrivals);
    summary("agent reply → shopper's stream event", replies);
}
