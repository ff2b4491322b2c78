//! The customer's account without a password: a sign-in link mailed to the address,
//! used once and only within its minutes, a session cookie, the orders under that address,
//! signing out. Against a real SQLite database through the real router. Run with
//! `cargo test --features ssr`.
#![cfg(feature = "ssr")]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::router::{call_fn, json_fn, Answer};
use common::shop::{Shop, TestShop};
use common::{buy, details_in};
use serde_json::{json, Value};
use storefront::domain::account::{link_refused, link_sent_answer, LINK_MINUTES};
use storefront::domain::cart::CartLine;
use storefront::server::db::Dialect;
use storefront::server::session::ACCOUNT_COOKIE;
use storefront::server::AppState;
use storefront_model::offline::KEEP_OFFLINE_HEADER;
use tower::ServiceExt;

async fn shop() -> Shop {
    TestShop::new().products(30).start().await
}

async fn ask(app: &axum::Router, email: &str) -> Answer {
    call_fn(app, "/api/account_link", None, &[("email", email)]).await
}

async fn sign_in(app: &axum::Router, token: &str) -> Answer {
    call_fn(app, "/api/account_sign_in", None, &[("token", token)]).await
}

async fn account(app: &axum::Router, cookie: Option<&str>) -> Value {
    let a = json_fn(app, "/api/account", cookie, json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    a.json
}

async fn count(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

/// The token in the newest sign-in mail to `to`.
async fn token_mailed_to(state: &AppState, to: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body FROM mail_outbox WHERE recipient = $1 AND subject LIKE '%sign-in link%' ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/account/sign-in?token="))
        .expect("the mail carries the link");
    assert!(link.starts_with(&state.config.public_url), "{link}");
    link.split("token=").nth(1).unwrap().to_owned()
}

/// A variant with more than 3 units in stock.
async fn in_stock_variant(state: &AppState) -> i64 {
    sqlx::query_scalar(
        "SELECT variant_id FROM stock GROUP BY variant_id HAVING SUM(quantity) > 3 ORDER BY variant_id LIMIT 1",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap()
}

/// A variant with no stock anywhere (what "tell me when it's back" is for).
async fn sold_out_variant(state: &AppState) -> i64 {
    sqlx::query_scalar(
        "SELECT v.id FROM variants v LEFT JOIN stock s ON s.variant_id = v.id
         GROUP BY v.id HAVING COALESCE(SUM(s.quantity), 0) = 0 ORDER BY v.id LIMIT 1",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap()
}

/// An order of one unit of something in stock, for `email`; its number.
async fn order_for(state: &AppState, email: &str) -> String {
    let variant = in_stock_variant(state).await;
    let mut details = details_in("london");
    details.email = email.into();
    buy(
        state,
        &details,
        &[CartLine {
            variant_id: variant,
            quantity: 2,
        }],
        false,
    )
    .await
    .unwrap()
    .number
}

#[tokio::test]
async fn a_mailed_link_signs_in_once_and_shows_the_orders_under_that_address() {
    let Shop {
        app,
        state,
        dir: _dir,
    } = shop().await;
    let mine = order_for(&state, "sam@example.com").await;
    let theirs = order_for(&state, "other@example.com").await;

    // The same answer for an address with orders and one without; both are mailed.
    let known = ask(&app, "SAM@example.com").await;
    let unknown = ask(&app, "nobody@example.com").await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.json);
    assert_eq!(known.json, unknown.json, "the answer tells nothing");
    assert_eq!(known.json, json!(link_sent_answer()));
    assert_eq!(
        count(
            &state,
            "SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%sign-in link%'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &state,
            "SELECT COUNT(*) FROM sign_in_links WHERE length(token_hash) = 64"
        )
        .await,
        2,
        "only hashes of the tokens are kept"
    );
    let token = token_mailed_to(&state, "SAM@example.com").await;

    // A forged link, or a mangled one, signs nobody in.
    for forged in ["x".repeat(32), token[..31].to_owned(), String::new()] {
        let a = sign_in(&app, &forged).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{forged}");
        assert!(a.json.to_string().contains(&link_refused()), "{}", a.json);
        assert!(a.cookie.is_none());
    }
    assert_eq!(account(&app, None).await, Value::Null, "not signed in");

    // The real one: a session cookie, and every order under the address (any case).
    let a = sign_in(&app, &token).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let cookie = a.cookie.clone().expect("a session cookie");
    assert!(cookie.starts_with(&format!("{ACCOUNT_COOKIE}=")));
    let numbers = |v: &Value| -> Vec<String> {
        v["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(numbers(&a.json), vec![mine.clone()]);
    assert_eq!(a.json["orders"][0]["items"], json!(2));
    assert_eq!(a.json["orders"][0]["status"], json!("Placed"));
    let seen = account(&app, Some(&cookie)).await;
    assert_eq!(seen["email"], json!("SAM@example.com"));
    assert_eq!(numbers(&seen), vec![mine.clone()]);

    // Used once: the same link again is refused.
    let again = sign_in(&app, &token).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.cookie.is_none());

    // Signed in, the order's page opens without its private key; another's doesn't.
    let status = |number: String, cookie: Option<String>| {
        let app = app.clone();
        async move {
            json_fn(
                &app,
                "/api/order_status",
                cookie.as_deref(),
                json!({ "number": number, "key": "" }),
            )
            .await
            .status
        }
    };
    assert_eq!(
        status(mine.clone(), Some(cookie.clone())).await,
        StatusCode::OK
    );
    // ...and isn't marked for the service worker to keep: signed out, it must not open.
    let answer = app
        .clone()
        .oneshot(
            Request::post("/api/order_status")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, &cookie)
                .body(Body::from(json!({ "number": mine, "key": "" }).to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(!answer.headers().contains_key(KEEP_OFFLINE_HEADER));
    assert_eq!(status(mine.clone(), None).await, StatusCode::NOT_FOUND);
    assert_eq!(
        status(theirs.clone(), Some(cookie.clone())).await,
        StatusCode::NOT_FOUND
    );

    // A link older than its minutes is refused.
    assert_eq!(ask(&app, "sam@example.com").await.status, StatusCode::OK);
    let old = token_mailed_to(&state, "sam@example.com").await;
    sqlx::query("UPDATE sign_in_links SET created_at = created_at - $1 WHERE used_at IS NULL")
        .bind(LINK_MINUTES * 60)
        .execute(&state.db.write)
        .await
        .unwrap();
    assert_eq!(sign_in(&app, &old).await.status, StatusCode::NOT_FOUND);

    // One link opened twice at once (two tabs) starts one session.
    assert_eq!(ask(&app, "pat@example.com").await.status, StatusCode::OK);
    let twice = token_mailed_to(&state, "pat@example.com").await;
    let (a, b) = tokio::join!(sign_in(&app, &twice), sign_in(&app, &twice));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::NOT_FOUND]);
    assert_eq!(
        count(
            &state,
            "SELECT COUNT(*) FROM account_sessions WHERE email = 'pat@example.com'"
        )
        .await,
        1
    );

    // Signing out ends the session on the server, not only the cookie.
    let out = json_fn(&app, "/api/account_sign_out", Some(&cookie), json!({})).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(out.cookie.as_deref(), Some(&*format!("{ACCOUNT_COOKIE}=")));
    assert_eq!(account(&app, Some(&cookie)).await, Value::Null);
    assert_eq!(status(mine, Some(cookie)).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn asking_for_links_is_limited_and_bad_addresses_are_named_and_change_nothing() {
    let Shop {
        app,
        state,
        dir: _dir,
    } = shop().await;
    let links = || count(&state, "SELECT COUNT(*) FROM sign_in_links");
    for (bad, words) in [
        ("", "sign-in link"),
        ("not-an-address", "name@example.com"),
        ("a@b", "name@example.com"),
    ] {
        let a = ask(&app, bad).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let text = a.json.to_string();
        assert!(
            text.contains("Email") && text.contains(words),
            "{bad}: {text}"
        );
    }
    assert_eq!(links().await, 0);
    assert_eq!(count(&state, "SELECT COUNT(*) FROM mail_outbox").await, 0);

    // Three for one address in an hour, then a refusal saying when to try again.
    for _ in 0..3 {
        assert_eq!(ask(&app, "sam@example.com").await.status, StatusCode::OK);
    }
    let refused = ask(&app, "Sam@Example.com").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.json.to_string().contains("minutes"),
        "{}",
        refused.json
    );
    assert_eq!(links().await, 3);

    // From one sender, ten requests in an hour whatever the addresses (the refused one
    // above counts: asking is what is limited).
    for i in 0..6 {
        assert_eq!(
            ask(&app, &format!("person{i}@example.com")).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        ask(&app, "someone-new@example.com").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(links().await, 9);
}

#[tokio::test]
async fn consents_alerts_and_the_data_download_are_the_customers_own() {
    let Shop {
        app,
        state,
        dir: _dir,
    } = shop().await;
    // An order with "Send me offers" ticked, and back-in-stock sign-ups for two people.
    let variant = in_stock_variant(&state).await;
    let mut details = details_in("london");
    details.email = "sam@example.com".into();
    let lines = [CartLine {
        variant_id: variant,
        quantity: 1,
    }];
    let token = common::card(&state, common::VISA_APPROVED).await;
    let mut request = common::request(&state, &details, &lines, false, &token).await;
    request.offers = true;
    state.checkout().place(&request).await.unwrap();
    let sold_out = sold_out_variant(&state).await;
    for who in ["sam@example.com", "other@example.com"] {
        state.stock().watch(sold_out, who, true).await.unwrap();
    }
    let theirs: i64 =
        sqlx::query_scalar("SELECT id FROM stock_alerts WHERE email = 'other@example.com'")
            .fetch_one(&state.db.read)
            .await
            .unwrap();

    assert_eq!(ask(&app, "sam@example.com").await.status, StatusCode::OK);
    let signed = sign_in(&app, &token_mailed_to(&state, "sam@example.com").await).await;
    let cookie = signed.cookie.expect("signed in");
    let view = signed.json;
    // Ticked at checkout: not counted until the mailed link is opened.
    assert_eq!(view["offers"], json!(false));
    assert_eq!(view["consents"][0]["confirmed"], json!(false));
    let mail: String = sqlx::query_scalar(
        "SELECT body FROM mail_outbox WHERE subject LIKE 'Please confirm: offers%'",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    let link = mail
        .split_whitespace()
        .find_map(|w| w.split_once("/offers/confirm?token="))
        .expect("a confirm link")
        .1
        .to_owned();
    let confirmed = call_fn(&app, "/api/confirm_offers", None, &[("token", &link)]).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.json);
    let view = account(&app, Some(&cookie)).await;
    assert_eq!(view["offers"], json!(true));
    assert_eq!(view["consents"].as_array().unwrap().len(), 1);
    assert_eq!(
        view["consents"][0]["wording"],
        json!(storefront_model::checkout::OFFERS_CONSENT)
    );
    assert_eq!(view["consents"][0]["withdrawn_on"], Value::Null);
    let alerts = view["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "only the customer's own: {alerts:?}");
    assert_eq!(alerts[0]["confirmed"], json!(false));
    let mine = alerts[0]["id"].as_i64().unwrap();

    // Withdrawn in one click; the record stays, with when it ended; given again.
    let offers = |send: bool| {
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            json_fn(
                &app,
                "/api/account_offers",
                Some(&cookie),
                json!({ "send": send }),
            )
            .await
        }
    };
    let off = offers(false).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.json);
    assert_eq!(off.json["offers"], json!(false));
    assert_ne!(off.json["consents"][0]["withdrawn_on"], Value::Null);
    assert_eq!(
        count(
            &state,
            "SELECT COUNT(*) FROM marketing_consents WHERE email = 'sam@example.com' AND withdrawn_at IS NOT NULL"
        )
        .await,
        1
    );
    let on = offers(true).await;
    assert_eq!(on.json["offers"], json!(true));
    assert_eq!(on.json["consents"].as_array().unwrap().len(), 2);
    assert_eq!(
        offers(true).await.json["consents"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "a second click adds nothing"
    );

    // Another's sign-up can't be cancelled from this account; their own can.
    let cancel = |id: i64| {
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            json_fn(
                &app,
                "/api/account_cancel_alert",
                Some(&cookie),
                json!({ "id": id }),
            )
            .await
        }
    };
    cancel(theirs).await;
    assert_eq!(count(&state, "SELECT COUNT(*) FROM stock_alerts").await, 2);
    let after = cancel(mine).await;
    assert_eq!(after.json["alerts"], json!([]));
    assert_eq!(count(&state, "SELECT COUNT(*) FROM stock_alerts").await, 1);

    // The download: the session's owner only, a file, never cached; everything in it.
    let download = |cookie: Option<String>| {
        let app = app.clone();
        async move {
            let mut req = Request::get(storefront_model::account::ACCOUNT_DATA_PATH);
            if let Some(c) = cookie {
                req = req.header(header::COOKIE, c);
            }
            app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
        }
    };
    assert_eq!(download(None).await.status(), StatusCode::UNAUTHORIZED);
    let file = download(Some(cookie.clone())).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(file.headers()[header::CACHE_CONTROL], "no-store");
    let body = axum::body::to_bytes(file.into_body(), usize::MAX)
        .await
        .unwrap();
    let data: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(data["email"], json!("sam@example.com"));
    assert_eq!(data["orders"].as_array().unwrap().len(), 1);
    assert_eq!(
        data["orders"][0]["phone"],
        json!("+447700900123"),
        "as stored"
    );
    assert_eq!(
        data["orders"][0]["address"]["postcode"],
        json!(details.address.postcode)
    );
    assert_eq!(data["consents"].as_array().unwrap().len(), 2);
    assert_eq!(data["signed_in_devices"], json!(1));
    for field in [
        "about",
        "exported_at",
        "alerts",
        "conversations",
        "callbacks",
    ] {
        assert!(data.get(field).is_some(), "{field}");
    }

    // Signed out, none of it answers.
    json_fn(&app, "/api/account_sign_out", Some(&cookie), json!({})).await;
    assert_eq!(offers(false).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        download(Some(cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Every text value in every table that contains one of `needles` (case-insensitive), as
/// "table.column: value".
async fn scan_database(state: &AppState, needles: &[&str]) -> Vec<String> {
    use sqlx::{Column, Row};
    let tables: Vec<String> = sqlx::query_scalar(match state.db.dialect {
        Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_sqlx_migrations'",
        Dialect::Postgres => "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name != '_sqlx_migrations'",
    })
    .fetch_all(&state.db.read)
    .await
    .unwrap();
    let mut found = Vec::new();
    for table in tables {
        let rows = sqlx::query(&format!("SELECT * FROM \"{table}\""))
            .fetch_all(&state.db.read)
            .await
            .unwrap();
        for row in rows {
            for (i, column) in row.columns().iter().enumerate() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    let lower = text.to_lowercase();
                    if needles.iter().any(|n| lower.contains(&n.to_lowercase())) {
                        found.push(format!("{table}.{}: {text}", column.name()));
                    }
                }
            }
        }
    }
    found
}

/// Mail files in the outbox directory that contain one of `needles`.
fn scan_mail_files(state: &AppState, needles: &[&str]) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(state.outbox.dir()) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|f| {
            let text = std::fs::read_to_string(f.path()).ok()?.to_lowercase();
            needles
                .iter()
                .any(|n| text.contains(&n.to_lowercase()))
                .then(|| f.path().display().to_string())
        })
        .collect()
}

#[tokio::test]
async fn deleting_my_data_leaves_nothing_personal_anywhere_and_keeps_the_sales() {
    let Shop {
        app,
        state,
        dir: _dir,
    } = shop().await;
    // A customer known through every feature: two orders (one with offers ticked), a
    // back-in-stock sign-up, a chat answered by mail, a call-back, a sign-in.
    let mut details = details_in("london");
    details.email = "ida@example.com".into();
    details.address.name = "Ida Quilter".into();
    details.address.postcode = "N1 9GU".into();
    details.phone = "07700 900456".into();
    details.address.line1 = "7 Quilter Mews".into();
    let needles = [
        "ida@example.com",
        "ida.gift@example.com",
        "Ida Quilter",
        "900456",
        "N1 9GU",
        "Quilter Mews",
    ];
    let variant = in_stock_variant(&state).await;
    let lines = [CartLine {
        variant_id: variant,
        quantity: 1,
    }];
    let mut placed = Vec::new();
    for offers in [true, false] {
        let token = common::card(&state, common::VISA_APPROVED).await;
        let mut request = common::request(&state, &details, &lines, false, &token).await;
        request.offers = offers;
        match state.checkout().place(&request).await.unwrap() {
            storefront::api::checkout::CheckoutOutcome::Placed(o) => placed.push(o),
            other => panic!("{other:?}"),
        }
    }
    let sold_out = sold_out_variant(&state).await;
    state
        .stock()
        .watch(sold_out, "ida@example.com", true)
        .await
        .unwrap();
    let context = json!({"page": "/cart", "cart": [], "orders": [], "region": "london"});
    let chat = json_fn(
        &app,
        "/api/help/send",
        None,
        json!({"text": "Is the N1 9GU delivery on time?", "context": context, "email": "ida@example.com"}),
    )
    .await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.json);
    let device = chat.cookie.expect("the shopper's help key");
    let (day, window) = common::first_call_slot(&app).await;
    let call = json_fn(
        &app,
        "/api/help/callback",
        Some(&device),
        json!({"request": {"name": "Ida Quilter", "country": "GB", "phone": "07700 900456", "day": day, "window": window, "topic": "Delivery", "note": ""}, "context": context}),
    )
    .await;
    assert_eq!(call.status, StatusCode::OK, "{}", call.json);
    assert_eq!(ask(&app, "ida@example.com").await.status, StatusCode::OK);
    let signed = sign_in(&app, &token_mailed_to(&state, "ida@example.com").await).await;
    let session = signed.cookie.expect("signed in");
    let cookies = format!("{session}; {device}");
    // Signed in: a present sent under another address (its address saved), a region
    // and a size.
    let mut gift = details.clone();
    gift.email = "ida.gift@example.com".into();
    gift.address.line1 = "7 Quilter Mews, flat 2".into();
    let number = place_with(&app, &state, Some(&session), &gift, true).await;
    let key: String = String::new();
    placed.push(storefront::api::orders::PlacedOrder { number, key });
    let region = json_fn(
        &app,
        "/api/account_region",
        Some(&session),
        json!({ "region": "wales" }),
    )
    .await;
    let category = region.json["sizes"][0]["category"].clone();
    let size = region.json["sizes"][0]["sizes"][0].clone();
    let sized = json_fn(
        &app,
        "/api/account_size",
        Some(&session),
        json!({ "category": category, "size": size }),
    )
    .await;
    assert_eq!(sized.status, StatusCode::OK, "{}", sized.json);
    for table in ["saved_addresses", "account_regions", "account_sizes"] {
        assert_eq!(
            count(&state, &format!("SELECT COUNT(*) FROM {table}")).await,
            1,
            "{table}"
        );
    }
    state.outbox.flush(&state.db.write).await;
    assert!(!scan_database(&state, &needles).await.is_empty());
    assert!(
        !scan_mail_files(&state, &needles).is_empty(),
        "mail files were written"
    );

    let erase = || {
        let (app, cookies) = (app.clone(), cookies.clone());
        async move { json_fn(&app, "/api/account_erase", Some(&cookies), json!({})).await }
    };
    // Not while an order is on its way: said, and nothing changes.
    let before = scan_database(&state, &needles).await;
    let refused = erase().await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(
        refused.json.to_string().contains("still on their way"),
        "{}",
        refused.json
    );
    assert_eq!(scan_database(&state, &needles).await, before);
    for order in &placed {
        let id: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1")
            .bind(&order.number)
            .fetch_one(&state.db.read)
            .await
            .unwrap();
        state.fulfilment().cancel(id, "customer").await.unwrap();
    }
    state.outbox.flush(&state.db.write).await;

    let done = erase().await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert!(
        done.json.to_string().contains("sales records"),
        "{}",
        done.json
    );
    assert_eq!(done.cookie.as_deref(), Some(&*format!("{ACCOUNT_COOKIE}=")));
    let left = scan_database(&state, &needles).await;
    assert!(left.is_empty(), "personal data left: {left:#?}");
    let files = scan_mail_files(&state, &needles);
    assert!(files.is_empty(), "mail files left: {files:?}");
    // The sales stay, without the person.
    assert_eq!(
        count(&state, "SELECT COUNT(*) FROM orders WHERE email = ''").await,
        3
    );
    assert_eq!(
        count(&state, "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.email = ''").await,
        3
    );
    for table in ["saved_addresses", "account_regions", "account_sizes"] {
        assert_eq!(
            count(&state, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    // Signed out, and the old links open nothing.
    assert_eq!(account(&app, Some(&session)).await, Value::Null);
    assert!(state
        .orders()
        .view(&placed[0].number, &placed[0].key)
        .await
        .is_err());
}

#[tokio::test]
async fn an_agent_finds_one_customer_by_order_email_or_phone_and_sees_what_is_proved() {
    const PASSWORD: &str = "correct horse battery staple";
    let Shop {
        app,
        state,
        dir: _dir,
    } = TestShop::new()
        .products(30)
        .agents(&["alex"], PASSWORD)
        .start()
        .await;
    let signed = call_fn(
        &app,
        "/api/agent/sign_in",
        None,
        &[("name", "alex"), ("password", PASSWORD)],
    )
    .await;
    let agent = signed.cookie.expect("the agent's session");
    let variant = in_stock_variant(&state).await;
    let mut details = details_in("london");
    details.email = "kim@example.com".into();
    details.phone = "07700 900789".into();
    let lines = [CartLine {
        variant_id: variant,
        quantity: 1,
    }];
    let first = buy(&state, &details, &lines, false).await.unwrap();
    // A chat where someone typed Kim's address, and a call-back to Kim's phone.
    let context = json!({"page": "/cart", "cart": [], "orders": [], "region": "london"});
    let chat = json_fn(
        &app,
        "/api/help/send",
        None,
        json!({"text": "Where is my parcel?", "context": context, "email": "kim@example.com"}),
    )
    .await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.json);
    let (day, window) = common::first_call_slot(&app).await;
    let call = json_fn(
        &app,
        "/api/help/callback",
        None,
        json!({"request": {"name": "Kim", "country": "GB", "phone": "+44 7700 900789", "day": day, "window": window, "topic": "Delivery", "note": ""}, "context": context}),
    )
    .await;
    assert_eq!(call.status, StatusCode::OK, "{}", call.json);

    let find = |query: &str| {
        let (app, agent, query) = (app.clone(), agent.clone(), query.to_owned());
        async move {
            call_fn(
                &app,
                "/api/agent/customer",
                Some(&agent),
                &[("query", &query)],
            )
            .await
        }
    };
    let numbers = |v: &Value| -> Vec<String> {
        v["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_owned())
            .collect()
    };
    for query in [
        "KIM@example.com",
        "07700 900789",
        &first.number.to_lowercase(),
    ] {
        let p = find(query).await;
        assert_eq!(p.status, StatusCode::OK, "{query}: {}", p.json);
        assert_eq!(
            p.json["email"].as_str().unwrap().to_lowercase(),
            "kim@example.com",
            "{query}"
        );
        assert_eq!(numbers(&p.json), vec![first.number.clone()], "{query}");
        assert_eq!(p.json["verified_on"], Value::Null, "typed, never proved");
        assert_eq!(p.json["chats"].as_array().unwrap().len(), 1, "{query}");
        assert_eq!(p.json["callbacks"].as_array().unwrap().len(), 1, "{query}");
        assert_eq!(p.json["callbacks"][0]["phone"], json!("+447700900789"));
    }
    // Asked about one order: that one, and how many more there are.
    let second = buy(&state, &details, &lines, false).await.unwrap();
    let by_number = find(&first.number).await;
    assert_eq!(numbers(&by_number.json), vec![first.number.clone()]);
    assert_eq!(by_number.json["more_orders"], json!(1));
    assert_eq!(
        numbers(&find("kim@example.com").await.json),
        vec![second.number.clone(), first.number.clone()]
    );

    // Once Kim opens a link we mailed, the address is shown as verified.
    assert_eq!(ask(&app, "kim@example.com").await.status, StatusCode::OK);
    let kim = sign_in(&app, &token_mailed_to(&state, "kim@example.com").await).await;
    assert_ne!(
        find("kim@example.com").await.json["verified_on"],
        Value::Null
    );

    // Bad input is named; a shopper (even signed in) is no agent.
    let nonsense = find("blue shirt").await;
    assert_eq!(nonsense.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(find("SF-AAAAAAAA").await.status, StatusCode::NOT_FOUND);
    let as_shopper = call_fn(
        &app,
        "/api/agent/customer",
        kim.cookie.as_deref(),
        &[("query", "kim@example.com")],
    )
    .await;
    assert_eq!(as_shopper.status, StatusCode::UNAUTHORIZED);
}

/// Places `lines` through the real server function, as the browser does, with `cookie`
/// (an account session, or none); the order's number.
async fn place_with(
    app: &axum::Router,
    state: &AppState,
    cookie: Option<&str>,
    details: &storefront::domain::validation::CheckoutDetails,
    save_address: bool,
) -> String {
    let variant = in_stock_variant(state).await;
    let lines = [CartLine {
        variant_id: variant,
        quantity: 1,
    }];
    let token = common::card(state, common::VISA_APPROVED).await;
    let mut request = common::request(state, details, &lines, false, &token).await;
    request.save_address = save_address;
    let a = json_fn(
        app,
        "/api/place_order",
        cookie,
        json!({ "request": request }),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    a.json["Placed"]["number"]
        .as_str()
        .expect("placed")
        .to_owned()
}

#[tokio::test]
async fn what_a_signed_in_customer_keeps_orders_addresses_sizes_region_and_chats() {
    let Shop {
        app,
        state,
        dir: _dir,
    } = shop().await;
    assert_eq!(ask(&app, "kim@example.com").await.status, StatusCode::OK);
    let session = sign_in(&app, &token_mailed_to(&state, "kim@example.com").await)
        .await
        .cookie
        .expect("signed in");
    let profile = json_fn(&app, "/api/checkout_profile", Some(&session), json!({})).await;
    assert_eq!(profile.json["email"], json!("kim@example.com"));
    assert_eq!(profile.json["addresses"], json!([]));
    assert_eq!(
        json_fn(&app, "/api/checkout_profile", None, json!({}))
            .await
            .json,
        Value::Null,
        "a guest's checkout fills in nothing"
    );

    // Signed in, an order under another address (a present) joins the account, and
    // its address is kept because the box was ticked.
    let mut gift = details_in("london");
    gift.email = "present@example.com".into();
    gift.address.name = "Ola Gift".into();
    gift.address.line1 = "3 Parcel Row".into();
    let number = place_with(&app, &state, Some(&session), &gift, true).await;
    let seen = account(&app, Some(&session)).await;
    assert_eq!(seen["orders"][0]["number"], json!(number));
    let opened = json_fn(
        &app,
        "/api/order_status",
        Some(&session),
        json!({ "number": number, "key": "" }),
    )
    .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.json);
    assert_eq!(seen["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(seen["addresses"][0]["address"]["name"], json!("Ola Gift"));
    assert!(seen["addresses"][0]["phone"]
        .as_str()
        .is_some_and(|p| p.ends_with("900123")));

    // The same address typed differently is the same saved address; unticked, a new
    // one is not kept; a guest ticking it keeps nothing anywhere.
    let mut again = gift.clone();
    again.address.name = "  ola   GIFT ".into();
    again.address.postcode = again.address.postcode.replace(' ', "").to_lowercase();
    place_with(&app, &state, Some(&session), &again, true).await;
    let mut elsewhere = gift.clone();
    elsewhere.address.line1 = "9 Other Road".into();
    place_with(&app, &state, Some(&session), &elsewhere, false).await;
    let guest = place_with(&app, &state, None, &elsewhere, true).await;
    assert_eq!(
        count(&state, "SELECT COUNT(*) FROM saved_addresses").await,
        1
    );
    let seen = account(&app, Some(&session)).await;
    assert_eq!(seen["orders"].as_array().unwrap().len(), 3);
    assert!(
        !seen.to_string().contains(&guest),
        "a guest's order is not Kim's"
    );
    let id = seen["addresses"][0]["id"].as_i64().unwrap();

    // Signed in, paid with a card whose bank asks first: the order is written when the
    // bank says yes (a request without the session), and still joins the account.
    let variant = in_stock_variant(&state).await;
    let lines = [CartLine {
        variant_id: variant,
        quantity: 1,
    }];
    let token = common::card(&state, "4000 0027 6000 3184").await;
    let mut request = common::request(&state, &gift, &lines, false, &token).await;
    request.key = "signed-in-bank-check-0001".into();
    let asked = json_fn(
        &app,
        "/api/place_order",
        Some(&session),
        json!({ "request": request }),
    )
    .await;
    assert!(asked.json["ConfirmWithBank"].is_object(), "{}", asked.json);
    let confirmed = json_fn(
        &app,
        "/api/confirm_payment",
        None,
        json!({ "key": "signed-in-bank-check-0001", "approve": true }),
    )
    .await;
    let checked = confirmed.json["Placed"]["number"]
        .as_str()
        .expect("placed")
        .to_owned();
    assert_eq!(
        account(&app, Some(&session)).await["orders"][0]["number"],
        json!(checked)
    );

    // Another account can't forget Kim's address; Kim can.
    assert_eq!(ask(&app, "lee@example.com").await.status, StatusCode::OK);
    let lee = sign_in(&app, &token_mailed_to(&state, "lee@example.com").await)
        .await
        .cookie
        .unwrap();
    let theirs = json_fn(
        &app,
        "/api/account_forget_address",
        Some(&lee),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_eq!(
        count(&state, "SELECT COUNT(*) FROM saved_addresses").await,
        1
    );
    assert_eq!(
        theirs.json["orders"],
        json!([]),
        "Lee sees none of Kim's orders"
    );

    // Region and sizes: only what the shop has is kept, a refusal changes nothing.
    let bad = json_fn(
        &app,
        "/api/account_region",
        Some(&session),
        json!({ "region": "atlantis" }),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.json);
    assert!(
        bad.json.to_string().contains("regions listed"),
        "{}",
        bad.json
    );
    let set = json_fn(
        &app,
        "/api/account_region",
        Some(&session),
        json!({ "region": "scotland" }),
    )
    .await;
    assert_eq!(set.json["region"], json!("scotland"), "{}", set.json);
    let sized = set.json["sizes"][0].clone();
    let category = sized["category"].as_str().unwrap().to_owned();
    let size = sized["sizes"][1].as_str().unwrap().to_owned();
    assert_eq!(sized["preferred"], Value::Null);
    let wrong = json_fn(
        &app,
        "/api/account_size",
        Some(&session),
        json!({ "category": category, "size": "XXXXL" }),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.json
    );
    let chosen = json_fn(
        &app,
        "/api/account_size",
        Some(&session),
        json!({ "category": category, "size": size.to_lowercase() }),
    )
    .await;
    assert_eq!(
        chosen.json["sizes"][0]["preferred"],
        json!(size),
        "{}",
        chosen.json
    );

    // The download holds all of it.
    let data = app
        .clone()
        .oneshot(
            Request::get(storefront_model::account::ACCOUNT_DATA_PATH)
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = axum::body::to_bytes(data.into_body(), usize::MAX)
        .await
        .unwrap();
    let data: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(data["orders"].as_array().unwrap().len(), 4);
    assert_eq!(
        data["saved_addresses"][0]["address"]["line1"],
        json!("3 Parcel Row")
    );
    assert_eq!(data["region"], json!("scotland"));
    assert_eq!(
        data["sizes"],
        json!([{ "category": category, "name": sized["name"], "sizes": sized["sizes"], "preferred": size }])
    );

    // A chat started on this device (answered by mail to another address) is on the
    // account's page when it is opened on this device, and not elsewhere.
    let context = json!({"page": "/account", "cart": [], "orders": [], "region": "london"});
    let chat = json_fn(&app, "/api/help/send", None, json!({"text": "Where is my present?", "context": context, "email": "kim.at.work@example.com"})).await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.json);
    let device = chat.cookie.expect("the shopper's help key");
    let both = format!("{session}; {device}");
    let seen = account(&app, Some(&both)).await;
    assert_eq!(
        seen["chats"][0]["messages"][0]["text"],
        json!("Where is my present?")
    );
    assert_eq!(
        account(&app, Some(&session)).await["chats"],
        json!([]),
        "another device's chat is not shown"
    );

    // Forgetting the size and the address.
    let cleared = json_fn(
        &app,
        "/api/account_size",
        Some(&session),
        json!({ "category": category, "size": null }),
    )
    .await;
    assert_eq!(cleared.json["sizes"][0]["preferred"], Value::Null);
    let gone = json_fn(
        &app,
        "/api/account_forget_address",
        Some(&session),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(gone.json["addresses"], json!([]));
}
