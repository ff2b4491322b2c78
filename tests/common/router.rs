//! Calling the real router as a browser would: server functions in JSON or form
//! encoding with a cookie, the cookie set in the answer, and server-sent events.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use futures_util::StreamExt;
use serde_json::Value;
use tower::ServiceExt;

/// An answer: status, JSON body, and the `name=value` of any cookie set.
pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
    pub cookie: Option<String>,
}

pub async fn send(
    app: &axum::Router,
    uri: &str,
    cookie: Option<&str>,
    body: Body,
    kind: &str,
) -> Answer {
    let mut req = Request::post(uri).header(header::CONTENT_TYPE, kind);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        json,
        cookie,
    }
}

/// A server function taking JSON.
pub async fn json_fn(app: &axum::Router, uri: &str, cookie: Option<&str>, body: Value) -> Answer {
    send(
        app,
        uri,
        cookie,
        Body::from(body.to_string()),
        "application/json",
    )
    .await
}

/// A server function called with `pairs` as its JSON arguments: ids (`id`, `up_to`,
/// `variant_id`) as numbers, `consent` as a boolean, everything else as text.
pub async fn call_fn(
    app: &axum::Router,
    uri: &str,
    cookie: Option<&str>,
    pairs: &[(&str, &str)],
) -> Answer {
    let args: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| {
            let value = match *k {
                "id" | "up_to" | "variant_id" => {
                    v.parse::<i64>().map_or(Value::from(*v), Value::from)
                }
                "consent" => Value::from(*v == "true"),
                _ => Value::from(*v),
            };
            ((*k).to_owned(), value)
        })
        .collect();
    json_fn(app, uri, cookie, Value::Object(args)).await
}

/// The next event's name and data from a stream.
pub async fn next_event(events: &mut axum::body::BodyDataStream) -> (String, Value) {
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), events.next())
            .await
            .expect("an event within 5 s")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let name = text
        .lines()
        .find_map(|l| l.strip_prefix("event: "))
        .unwrap_or("")
        .to_owned();
    let data = text
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or("null");
    (name, serde_json::from_str(data).unwrap_or(Value::Null))
}
