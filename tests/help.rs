//! Help through the real router: chat both ways with cookies, privacy between shoppers,
//! agent sign-in and sessions, offline messages answered by mail (outbox and SMTP),
//! call-backs in the queue, and the limits. Run with `cargo test --features ssr`.
#![cfg(feature = "ssr")]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::router::{call_fn, json_fn, next_event, Answer};
use common::shop::{Shop, TestShop};
use common::smtp::SmtpServer;
use serde_json::{json, Value};
use storefront::server::AppState;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";

async fn shop_with(extra: &[(&str, String)]) -> Shop {
    let mut shop = TestShop::new()
        .products(20)
        .agents(&["alex", "sam"], PASSWORD);
    for (name, value) in extra {
        shop = shop.with(name, value.clone());
    }
    shop.start().await
}

async fn shop() -> Shop {
    shop_with(&[]).await
}

async fn sign_in(app: &axum::Router, name: &str) -> String {
    let a = call_fn(
        app,
        "/api/agent/sign_in",
        None,
        &[("name", name), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let cookie = a.cookie.expect("a session cookie");
    assert!(cookie.starts_with("__Host-sf_agent="), "{cookie}");
    cookie
}

/// Opens the console's event stream: the agent counts as online while it is held.
async fn console_events(app: &axum::Router, cookie: &str) -> axum::body::BodyDataStream {
    let res = app
        .clone()
        .oneshot(
            Request::get("/api/agent/events")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.into_body().into_data_stream()
}

fn context(page: &str) -> Value {
    json!({"page": page, "cart": [], "orders": [], "region": "yorkshire"})
}

async fn say(app: &axum::Router, cookie: Option<&str>, text: &str, email: &str) -> Answer {
    json_fn(
        app,
        "/api/help/send",
        cookie,
        json!({"text": text, "context": context("/p/linen-shirt"), "email": email}),
    )
    .await
}

async fn count(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn shopper_and_agent_chat_both_ways_and_no_one_else_sees_it() {
    let s = shop().await;
    let agent = sign_in(&s.app, "alex").await;
    let mut console = console_events(&s.app, &agent).await;
    assert_eq!(next_event(&mut console).await.0, "presence");

    // A shopper with no cookie yet sees that someone is online, and writes.
    let before = call_fn(&s.app, "/api/help/chat", None, &[]).await;
    assert_eq!(before.json["agents_online"], true);
    assert!(before.json["conversation"].is_null());
    let xss = "<img src=x onerror=alert(1)> do you have this in blue?";
    let first = say(&s.app, None, xss, "").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json);
    let shopper = first.cookie.expect("the shopper gets a help cookie");
    assert!(shopper.starts_with("__Host-sf_help="));
    let id = first.json["conversation"]["id"].as_i64().unwrap();
    assert_eq!(
        first.json["conversation"]["messages"][0]["body"], xss,
        "stored as typed"
    );

    // The console hears of it and sees it queued, with the page the shopper is on.
    assert_eq!(
        next_event(&mut console).await,
        ("queue".into(), json!({"conversation": id}))
    );
    let queue = call_fn(&s.app, "/api/agent/queue", Some(&agent), &[]).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.json);
    assert_eq!(queue.json["chats"][0]["id"], id);
    assert_eq!(queue.json["chats"][0]["unanswered"], 1);
    let detail = call_fn(
        &s.app,
        "/api/agent/chat",
        Some(&agent),
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(detail.json["context"]["page"], "/p/linen-shirt");
    assert!(
        detail.json["conversation"]["agent_read"].as_i64().unwrap() > 0,
        "opened = read"
    );

    // The shopper's stream hears the agent typing and the reply; the reply is there on reload.
    let res = s
        .app
        .clone()
        .oneshot(
            Request::get("/api/help/events")
                .header(header::COOKIE, &shopper)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut shopper_events = res.into_body().into_data_stream();
    assert_eq!(
        next_event(&mut shopper_events).await,
        ("presence".into(), json!({"online": true}))
    );
    assert_eq!(
        call_fn(
            &s.app,
            "/api/agent/typing",
            Some(&agent),
            &[("id", &id.to_string())]
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(next_event(&mut shopper_events).await.0, "typing");
    let reply = call_fn(
        &s.app,
        "/api/agent/reply",
        Some(&agent),
        &[
            ("id", &id.to_string()),
            ("text", "Yes, in navy. Shall I add it?"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let heard = loop {
        let event = next_event(&mut shopper_events).await;
        if event.0 == "chat" {
            break event;
        }
    };
    assert_eq!(heard.1["conversation"], id);
    let reloaded = call_fn(&s.app, "/api/help/chat", Some(&shopper), &[]).await;
    let messages = reloaded.json["conversation"]["messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["author"], "agent");
    assert_eq!(messages[1]["agent"], "alex");
    assert!(reloaded.json["conversation"]["open"].as_bool().unwrap());

    // Another shopper, or a made-up key, sees nothing of it.
    let other = say(&s.app, None, "Hello, is anyone there?", "").await;
    assert_ne!(other.json["conversation"]["id"], id);
    assert_eq!(
        other.json["conversation"]["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let forged = format!("__Host-sf_help={}", "a".repeat(32));
    let nothing = call_fn(&s.app, "/api/help/chat", Some(&forged), &[]).await;
    assert!(nothing.json["conversation"].is_null(), "{}", nothing.json);

    // Closed: the shopper sees it ended, and the next message opens a new conversation.
    assert_eq!(
        call_fn(
            &s.app,
            "/api/agent/close",
            Some(&agent),
            &[("id", &id.to_string())]
        )
        .await
        .status,
        StatusCode::OK
    );
    let closed = call_fn(&s.app, "/api/help/chat", Some(&shopper), &[]).await;
    assert_eq!(closed.json["conversation"]["open"], false);
    let again = say(&s.app, Some(&shopper), "One more thing", "").await;
    assert_ne!(again.json["conversation"]["id"], id);
}

#[tokio::test]
async fn agent_functions_refuse_shoppers_and_strangers() {
    let s = shop().await;
    let shopper = say(&s.app, None, "hi", "sam@example.com")
        .await
        .cookie
        .unwrap();
    let key = shopper.split_once('=').unwrap().1;
    let as_agent_cookie = format!("__Host-sf_agent={key}");
    for cookie in [None, Some(shopper.as_str()), Some(as_agent_cookie.as_str())] {
        for uri in ["/api/agent/queue", "/api/agent/me"] {
            let a = call_fn(&s.app, uri, cookie, &[]).await;
            assert_eq!(
                a.status,
                StatusCode::UNAUTHORIZED,
                "{uri} with {cookie:?}: {}",
                a.json
            );
        }
        let a = call_fn(&s.app, "/api/agent/chat", cookie, &[("id", "1")]).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        let a = call_fn(
            &s.app,
            "/api/agent/orders",
            cookie,
            &[("query", "sam@example.com")],
        )
        .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        let mut req = Request::get("/api/agent/events");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let res = s
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }

    // Wrong passwords are refused alike for unknown names, then slowed down.
    let wrong = call_fn(
        &s.app,
        "/api/agent/sign_in",
        None,
        &[("name", "alex"), ("password", "guess")],
    )
    .await;
    let unknown = call_fn(
        &s.app,
        "/api/agent/sign_in",
        None,
        &[("name", "mallory"), ("password", "guess")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json, unknown.json);
    assert!(wrong.cookie.is_none());
    for _ in 0..5 {
        call_fn(
            &s.app,
            "/api/agent/sign_in",
            None,
            &[("name", "sam"), ("password", "guess")],
        )
        .await;
    }
    let limited = call_fn(
        &s.app,
        "/api/agent/sign_in",
        None,
        &[("name", "sam"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.json
    );

    // Sessions are stored hashed, and end at sign-out.
    let agent = sign_in(&s.app, "alex").await;
    let raw = agent.split_once('=').unwrap().1.to_owned();
    assert_eq!(
        count(
            &s.state,
            &format!("SELECT COUNT(*) FROM agent_sessions WHERE token_hash = '{raw}'")
        )
        .await,
        0
    );
    assert_eq!(
        call_fn(&s.app, "/api/agent/me", Some(&agent), &[])
            .await
            .json["name"],
        "alex"
    );
    let out = call_fn(&s.app, "/api/agent/sign_out", Some(&agent), &[]).await;
    assert!(out.cookie.unwrap().ends_with('='), "the cookie is cleared");
    assert_eq!(
        call_fn(&s.app, "/api/agent/me", Some(&agent), &[])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// The outbox once it holds `n` mails (they are delivered just after the answer), or
/// as it is after 5 seconds.
async fn delivered(s: &Shop, n: usize) -> Vec<String> {
    for _ in 0..100 {
        let mail = outbox(s);
        if mail.len() >= n {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    outbox(s)
}

fn outbox(s: &Shop) -> Vec<String> {
    let dir = s.dir.path().join("outbox");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[tokio::test]
async fn a_flood_of_new_chats_from_many_addresses_is_capped_for_the_whole_shop() {
    use tower::ServiceExt;
    let s = shop().await;
    let mut statuses = Vec::new();
    for n in 0..130u32 {
        let [_, a, b, c] = n.to_be_bytes();
        let body = json!({"text": format!("Flood {n}"), "context": {"page": "/"}, "email": "f@example.com"});
        let mut req = axum::http::Request::post("/api/help/send")
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [10, a, b, c],
                40_000,
            ))));
        statuses.push(s.app.clone().oneshot(req).await.unwrap().status());
    }
    let taken = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(taken, 120, "{statuses:?}");
    assert!(statuses[120..]
        .iter()
        .all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(
        count(&s.state, "SELECT COUNT(*) FROM conversations").await,
        120
    );
}

#[tokio::test]
async fn a_typed_address_gets_a_few_acknowledgements_a_day_however_many_chats_name_it() {
    let s = shop().await;
    for n in 0..6 {
        // A new browser each time (no cookie), the same stranger's address.
        let sent = say(&s.app, None, &format!("Message {n}"), "victim@example.com").await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.json);
    }
    assert_eq!(
        count(&s.state, "SELECT COUNT(*) FROM conversations").await,
        6,
        "every message is kept for an agent"
    );
    assert_eq!(
        count(
            &s.state,
            "SELECT COUNT(*) FROM mail_outbox WHERE recipient = 'victim@example.com'"
        )
        .await,
        3,
        "acknowledgements to one address are capped"
    );
}

#[tokio::test]
async fn with_no_one_online_a_message_is_answered_by_email() {
    let s = shop().await;
    let before = call_fn(&s.app, "/api/help/chat", None, &[]).await;
    assert_eq!(before.json["agents_online"], false);

    let no_email = say(&s.app, None, "Do you ship to Jersey?", "").await;
    assert_eq!(no_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_email.json["Invalid"][0]["field"], "Email",
        "{}",
        no_email.json
    );
    assert_eq!(
        count(&s.state, "SELECT COUNT(*) FROM chat_messages").await,
        0
    );

    let sent = say(&s.app, None, "Do you ship to Jersey?", "ann@example.com").await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.json);
    assert_eq!(sent.json["conversation"]["reply_email"], "ann@example.com");
    let mail = delivered(&s, 1).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("To: ann@example.com") && mail[0].contains("We've got your message"));
    // Never the message itself: the address was typed by whoever wrote it.
    assert!(!mail[0].contains("Jersey"), "{}", mail[0]);
    assert!(mail[0].contains("If you didn't write to us"), "{}", mail[0]);

    // Later an agent answers from the console: the answer goes by mail too.
    let agent = sign_in(&s.app, "sam").await;
    let queue = call_fn(&s.app, "/api/agent/queue", Some(&agent), &[]).await;
    assert_eq!(queue.json["chats"][0]["reply_email"], "ann@example.com");
    let id = queue.json["chats"][0]["id"].as_i64().unwrap().to_string();
    let reply = call_fn(
        &s.app,
        "/api/agent/reply",
        Some(&agent),
        &[("id", &id), ("text", "We do, in 3 to 5 days.")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let mail = delivered(&s, 2).await;
    assert_eq!(mail.len(), 2);
    assert!(
        mail[1].contains("To: ann@example.com") && mail[1].contains("> We do, in 3 to 5 days."),
        "{}",
        mail[1]
    );
    assert!(mail[1].contains("sam from Storefront"));
}

#[tokio::test]
async fn a_call_back_request_is_checked_and_lands_in_the_queue() {
    let s = shop().await;
    let (day, window) = common::first_call_slot(&s.app).await;

    let bad = json_fn(
        &s.app,
        "/api/help/callback",
        None,
        json!({"request": {"name": "", "country": "GB", "phone": "12345", "day": "2000-01-01", "window": "evening", "topic": "Gossip"}, "context": context("/cart")}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = bad.json["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["Name", "Phone", "CallTime", "Topic"]);
    assert_eq!(count(&s.state, "SELECT COUNT(*) FROM callbacks").await, 0);

    let agent = sign_in(&s.app, "alex").await;
    let mut console = console_events(&s.app, &agent).await;
    next_event(&mut console).await;
    let ok = json_fn(
        &s.app,
        "/api/help/callback",
        None,
        json!({"request": {"name": "Ann", "country": "GB", "phone": "07700 900123", "day": day, "window": window, "topic": "Delivery", "note": "After 6 if possible"}, "context": context("/cart")}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    assert!(ok.json["reference"].as_str().unwrap().starts_with("CB-"));
    assert_eq!(ok.json["phone"], "+447700900123");
    assert_eq!(next_event(&mut console).await.0, "queue");

    let queue = call_fn(&s.app, "/api/agent/queue", Some(&agent), &[]).await;
    let queued = &queue.json["callbacks"][0];
    assert_eq!(queued["reference"], ok.json["reference"]);
    assert_eq!(queued["phone"], "+447700900123");
    assert_eq!(queued["note"], "After 6 if possible");
    let id = queued["id"].as_i64().unwrap().to_string();
    let detail = call_fn(&s.app, "/api/agent/callback", Some(&agent), &[("id", &id)]).await;
    assert_eq!(detail.json["context"]["page"], "/cart");
    let done = call_fn(
        &s.app,
        "/api/agent/callback_done",
        Some(&agent),
        &[("id", &id)],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK);
    let queue = call_fn(&s.app, "/api/agent/queue", Some(&agent), &[]).await;
    assert!(queue.json["callbacks"].as_array().unwrap().is_empty());
    assert_eq!(
        count(
            &s.state,
            "SELECT COUNT(*) FROM callbacks WHERE status = 'done' AND done_by = 'alex'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn messages_are_limited_in_length_and_rate() {
    let s = shop().await;
    let agent = sign_in(&s.app, "alex").await;
    let _console = console_events(&s.app, &agent).await;
    let long = say(&s.app, None, &"x".repeat(1001), "").await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(long.json["Invalid"][0]["field"], "Message");
    let empty = say(&s.app, None, "   ", "").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    let cookie = say(&s.app, None, "message 1", "").await.cookie.unwrap();
    for n in 2..=10 {
        assert_eq!(
            say(&s.app, Some(&cookie), &format!("message {n}"), "")
                .await
                .status,
            StatusCode::OK
        );
    }
    let refused = say(&s.app, Some(&cookie), "message 11", "").await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.json
    );
    assert_eq!(
        count(&s.state, "SELECT COUNT(*) FROM chat_messages").await,
        10
    );
}

#[tokio::test]
async fn agents_find_orders_by_number_or_email_and_see_the_customers_orders() {
    let s = shop().await;
    let variant: i64 = sqlx::query_scalar(
        "SELECT v.id FROM variants v JOIN stock s ON s.variant_id = v.id WHERE s.quantity > 2 LIMIT 1",
    )
    .fetch_one(&s.state.db.read)
    .await
    .unwrap();
    let lines = [storefront::domain::cart::CartLine {
        variant_id: variant,
        quantity: 1,
    }];
    let placed = common::buy(&s.state, &common::details_in("yorkshire"), &lines, false)
        .await
        .unwrap();
    let agent = sign_in(&s.app, "alex").await;

    let by_number = call_fn(
        &s.app,
        "/api/agent/orders",
        Some(&agent),
        &[("query", &placed.number.to_lowercase())],
    )
    .await;
    assert_eq!(
        by_number.json[0]["number"],
        placed.number.as_str(),
        "{}",
        by_number.json
    );
    let by_email = call_fn(
        &s.app,
        "/api/agent/orders",
        Some(&agent),
        &[("query", "SAM@example.com")],
    )
    .await;
    assert_eq!(by_email.json.as_array().unwrap().len(), 1);
    let nonsense = call_fn(
        &s.app,
        "/api/agent/orders",
        Some(&agent),
        &[("query", "blue shirt")],
    )
    .await;
    assert_eq!(nonsense.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A chat from the browser that placed it shows the order and the cart; a made-up key shows nothing.
    let ctx = json!({"page": "/cart", "cart": [{"variant_id": variant, "quantity": 2}], "region": "yorkshire",
        "orders": [{"number": placed.number, "key": placed.key}, {"number": placed.number, "key": "guess"}]});
    let chat = json_fn(
        &s.app,
        "/api/help/send",
        None,
        json!({"text": "Where is my order?", "context": ctx, "email": "x@example.com"}),
    )
    .await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.json);
    let id = chat.json["conversation"]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let detail = call_fn(&s.app, "/api/agent/chat", Some(&agent), &[("id", &id)]).await;
    let context = &detail.json["context"];
    assert_eq!(context["orders"].as_array().unwrap().len(), 1, "{context}");
    assert_eq!(context["orders"][0]["status"], "Placed");
    assert_eq!(context["cart"]["lines"][0]["quantity"], 2);
    let forged = json!({"page": "/", "orders": [{"number": placed.number, "key": "guess"}]});
    let other = json_fn(
        &s.app,
        "/api/help/send",
        None,
        json!({"text": "hi", "context": forged, "email": "y@example.com"}),
    )
    .await;
    let id = other.json["conversation"]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let detail = call_fn(&s.app, "/api/agent/chat", Some(&agent), &[("id", &id)]).await;
    assert!(detail.json["context"]["orders"]
        .as_array()
        .unwrap()
        .is_empty());

    // Someone else's email typed into a chat: the orders under it are shown apart, as
    // unverified, never as the chatter's own.
    let stranger = json_fn(
        &s.app,
        "/api/help/send",
        None,
        json!({"text": "Where is my order?", "context": {"page": "/"}, "email": "sam@example.com"}),
    )
    .await;
    let id = stranger.json["conversation"]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let detail = call_fn(&s.app, "/api/agent/chat", Some(&agent), &[("id", &id)]).await;
    let context = &detail.json["context"];
    assert!(
        context["orders"].as_array().unwrap().is_empty(),
        "{context}"
    );
    assert_eq!(
        context["unverified_orders"][0]["number"],
        placed.number.as_str(),
        "{context}"
    );
}

#[tokio::test]
async fn mail_goes_over_smtp_when_configured() {
    let mut smtp = SmtpServer::start().await;
    let s = shop_with(&[("STOREFRONT_SMTP_URL", smtp.url())]).await;
    let sent = say(&s.app, None, "Is the linen shirt lined?", "ann@example.com").await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.json);
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), smtp.received.recv())
        .await
        .expect("mail within 10 s")
        .unwrap();
    assert!(message.contains("To: ann@example.com"), "{message}");
    assert!(
        message.contains("Subject: We've got your message"),
        "{message}"
    );
    // The reply never repeats what was written: it must not carry a stranger's words
    // to whatever address they typed.
    assert!(!message.contains("Is the linen shirt lined?"), "{message}");
    assert!(
        outbox(&s).is_empty(),
        "nothing written to the outbox directory"
    );
    // Marked sent once the server has taken it.
    let mut unsent = 1;
    for _ in 0..100 {
        unsent = count(
            &s.state,
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL",
        )
        .await;
        if unsent == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(unsent, 0);
}

#[tokio::test]
async fn help_content_comes_from_the_owners_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("help.json");
    let edited = include_str!("../content/help.json")
        .replace("0113 496 0000", "0113 496 0999")
        .replace("+441134960000", "+441134960999");
    std::fs::write(&file, edited).unwrap();
    let s = shop_with(&[("STOREFRONT_HELP", file.to_str().unwrap().to_owned())]).await;
    let content = call_fn(&s.app, "/api/help/content", None, &[]).await;
    assert_eq!(content.json["phone_display"], "0113 496 0999");
    assert!(content.json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["page"] == "checkout"));
    // The help bar's "Call us" asks for the number alone; it too is the owner's.
    let phone = call_fn(&s.app, "/api/help/phone", None, &[]).await;
    assert_eq!(phone.json, "+441134960999");
}

#[test]
fn the_bars_built_in_number_is_the_built_in_files() {
    assert_eq!(
        storefront::BUNDLED_PHONE_TEL,
        storefront::content::HelpContent::bundled().phone_tel
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quick_messages_at_once_open_one_conversation() {
    let s = shop().await;
    let cookie = say(&s.app, None, "first", "ann@example.com")
        .await
        .cookie
        .unwrap();
    let agent = sign_in(&s.app, "alex").await;
    let id = count(&s.state, "SELECT MAX(id) FROM conversations")
        .await
        .to_string();
    call_fn(&s.app, "/api/agent/close", Some(&agent), &[("id", &id)]).await;
    // Nine messages sent together after the chat ended: one new conversation holds them all.
    let sends = (0..9).map(|n| {
        let (app, cookie) = (s.app.clone(), cookie.clone());
        tokio::spawn(async move {
            say(
                &app,
                Some(&cookie),
                &format!("again {n}"),
                "ann@example.com",
            )
            .await
            .status
        })
    });
    for send in sends {
        assert_eq!(send.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(
        count(
            &s.state,
            "SELECT COUNT(*) FROM conversations WHERE status = 'open'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&s.state, "SELECT COUNT(*) FROM chat_messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.status = 'open'").await,
        9
    );
}
