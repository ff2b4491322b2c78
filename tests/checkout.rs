//! Paying for orders through the real router and the built-in test gateway: repeat-safe
//! placement, forged requests, declines and the bank's check, charging only what ships
//! now, the receipt mail and the offers consent. Run with `cargo test --features ssr`.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::shop::TestShop;
use common::{call, checkout_body, VISA_APPROVED};
use serde_json::{json, Value};
use storefront::server::db::Dialect;
use storefront::server::AppState;

const DECLINED: &str = "4000 0000 0000 0002";
const NO_FUNDS: &str = "4000 0000 0000 9995";
const NEEDS_BANK: &str = "4000 0027 6000 3184";
/// Approved, the bank's answer 3 seconds late.
const SLOW_BANK: &str = "4000 0000 0000 0077";

async fn shop() -> (axum::Router, AppState, tempfile::TempDir) {
    let shop = TestShop::new()
        .with("STOREFRONT_PUBLIC_URL", "https://shop.example")
        .start()
        .await;
    (shop.app, shop.state, shop.dir)
}

async fn scalar(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

/// One order in the shop, the card asked once, and that authorization is the order's
/// payment.
async fn one_order_one_authorization(state: &AppState) {
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        scalar(state, "SELECT COUNT(*) FROM test_gateway_authorizations").await,
        1,
        "the card was asked once"
    );
    assert_eq!(
        scalar(
            state,
            "SELECT COUNT(*) FROM payments p JOIN test_gateway_authorizations a ON a.id = p.\"authorization\"
             WHERE a.status = 'authorized'"
        )
        .await,
        1,
        "the authorization is the order's payment"
    );
}

/// Everything an order writes, counted, plus the stock left.
async fn footprint(state: &AppState) -> [i64; 7] {
    [
        scalar(state, "SELECT COUNT(*) FROM orders").await,
        scalar(state, "SELECT COUNT(*) FROM order_lines").await,
        scalar(state, "SELECT COUNT(*) FROM payments").await,
        scalar(state, "SELECT COUNT(*) FROM checkout_attempts").await,
        scalar(state, "SELECT COUNT(*) FROM mail_outbox").await,
        scalar(state, "SELECT COUNT(*) FROM test_gateway_authorizations").await,
        scalar(state, "SELECT SUM(quantity) FROM stock").await,
    ]
}

/// A variant with `levels` units at Leeds, Bristol, Glasgow, priced `price_minor`, and
/// nothing on its way unless `expected` is given.
async fn variant_with(
    state: &AppState,
    levels: [i64; 3],
    price_minor: i64,
    expected: Option<&str>,
) -> i64 {
    let (variant, product): (i64, i64) =
        sqlx::query_as("SELECT id, product_id FROM variants ORDER BY id LIMIT 1 OFFSET 7")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    let w = &state.db.write;
    sqlx::query("UPDATE products SET price_minor = $1 WHERE id = $2")
        .bind(price_minor)
        .bind(product)
        .execute(w)
        .await
        .unwrap();
    sqlx::query("DELETE FROM incoming WHERE variant_id = $1")
        .bind(variant)
        .execute(w)
        .await
        .unwrap();
    sqlx::query("UPDATE variants SET restock_on = $1 WHERE id = $2")
        .bind(expected)
        .bind(variant)
        .execute(w)
        .await
        .unwrap();
    if let Some(day) = expected {
        sqlx::query(
            "INSERT INTO incoming (variant_id, centre_id, quantity, expected_on) VALUES ($1, 1, 10, $2)",
        )
        .bind(variant)
        .bind(day)
        .execute(w)
        .await
        .unwrap();
    }
    for (i, q) in levels.iter().enumerate() {
        sqlx::query("UPDATE stock SET quantity = $1 WHERE variant_id = $2 AND centre_id = $3")
            .bind(q)
            .bind(variant)
            .bind(i as i64 + 1)
            .execute(w)
            .await
            .unwrap();
    }
    variant
}

fn lines(variant: i64, quantity: u32) -> Value {
    json!([{"variant_id": variant, "quantity": quantity}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submits_with_one_key_make_one_order_and_the_same_answer() {
    let (app, state, _dir) = shop().await;
    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;
    let body = checkout_body(
        &app,
        lines(variant, 2),
        VISA_APPROVED,
        "double-click-key-0001",
    )
    .await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (app, body, barrier) = (app.clone(), body.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                call(&app, "/api/place_order", &body).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::OK),
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|a| a.1 == answers[0].1),
        "identical answers"
    );
    assert!(
        answers[0].1["Placed"]["number"].is_string(),
        "{:?}",
        answers[0]
    );
    one_order_one_authorization(&state).await;
    assert_eq!(
        scalar(
            &state,
            &format!("SELECT SUM(quantity) FROM stock WHERE variant_id = {variant}")
        )
        .await,
        3
    );

    // Later, after a timeout say, the same key still answers the same order.
    let again = call(&app, "/api/place_order", &body).await;
    assert_eq!(again, answers[0]);

    // The same key with a different cart is refused, and changes nothing.
    let before = footprint(&state).await;
    let mut other = body.clone();
    other["request"]["lines"] = lines(variant, 1);
    let (status, answer) = call(&app, "/api/place_order", &other).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer
            .to_string()
            .contains("already used for a different order"),
        "{answer}"
    );
    assert_eq!(footprint(&state).await, before);
}

#[tokio::test]
async fn an_answer_cut_off_after_the_bank_said_yes_and_retried_makes_one_order_and_one_authorization(
) {
    let (app, state, _dir) = shop().await;
    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;
    let key = "cut-off-answer-key-0001";
    let body = checkout_body(&app, lines(variant, 1), SLOW_BANK, key).await;
    // The browser gives up (its connection drops, or the answer times out) while the
    // bank is still answering: the request's future is dropped mid-way.
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(800),
        call(&app, "/api/place_order", &body),
    )
    .await;
    assert!(cut.is_err(), "the slow bank answers after the cut");
    assert_eq!(
        scalar(
            &state,
            "SELECT COUNT(*) FROM checkout_attempts WHERE state = 'pending'"
        )
        .await,
        1,
        "written as pending before the bank was asked"
    );
    // Asked again under the same key, as the review step does after an unclear answer.
    let (status, answer) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, again) = call(&app, "/api/place_order", &body).await;
    assert_eq!((status, &again), (StatusCode::OK, &answer));
    one_order_one_authorization(&state).await;
}

#[tokio::test]
async fn the_answer_never_waits_for_the_mail_server() {
    // A mail server that takes connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = silent.accept().await {
            held.push(conn);
        }
    });
    let shop = TestShop::new()
        .with("STOREFRONT_SMTP_URL", format!("smtp://127.0.0.1:{port}"))
        .start()
        .await;
    let (app, state) = (shop.app, shop.state);
    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;
    let body = checkout_body(
        &app,
        lines(variant, 1),
        VISA_APPROVED,
        "silent-mail-key-0001",
    )
    .await;
    let (status, answer) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // Answered while the receipt's first try is still waiting on the server.
    assert_eq!(
        scalar(
            &state,
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts = 0"
        )
        .await,
        1
    );
}

/// `POST /api/card_token` from a browser at `address`.
async fn tokenize_from(app: &axum::Router, address: [u8; 4]) -> (StatusCode, String) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::post("/api/card_token")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(
            json!({"card": {"name": "X", "number": VISA_APPROVED, "expiry": "12/39", "cvc": "123"}})
                .to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            address, 50_000,
        ))));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn card_checks_from_one_address_are_limited_before_the_gateway_is_asked() {
    use storefront::server::checkout::CARD_TOKENS;
    let (app, state, _dir) = shop().await;
    for _ in 0..CARD_TOKENS.max {
        let (status, answer) = tokenize_from(&app, [198, 51, 100, 7]).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let cards = scalar(&state, "SELECT COUNT(*) FROM test_gateway_cards").await;
    let (status, answer) = tokenize_from(&app, [198, 51, 100, 7]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.contains("try again in 60 minutes"), "{answer}");
    assert_eq!(
        scalar(&state, "SELECT COUNT(*) FROM test_gateway_cards").await,
        cards,
        "the gateway was not asked"
    );
    let (status, _) = tokenize_from(&app, [198, 51, 100, 8]).await;
    assert_eq!(status, StatusCode::OK, "another shopper is not held up");
}

#[tokio::test]
async fn the_gateway_answers_a_repeated_idempotency_key_with_the_first_authorization() {
    let (_app, state, _dir) = shop().await;
    let token = common::card(&state, VISA_APPROVED).await;
    let amount = storefront::domain::money::Money::gbp(12_00);
    let first = state
        .gateway
        .authorize(&token, amount, "same-key-000000001", true)
        .await
        .unwrap();
    let second = state
        .gateway
        .authorize(&token, amount, "same-key-000000001", true)
        .await
        .unwrap();
    assert_eq!(first, second);
    let found = state.gateway.find("same-key-000000001").await.unwrap();
    assert_eq!(found, Some(first.clone()));
    assert_eq!(
        state.gateway.find("never-used-key-0001").await.unwrap(),
        None
    );
    state.gateway.void(&first.id).await.unwrap();
    let voided = state
        .gateway
        .find("same-key-000000001")
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        voided.status,
        storefront::server::payment::AuthStatus::Declined(_)
    ));
}

#[tokio::test]
async fn forged_prices_and_quantities_are_refused_and_nothing_is_written() {
    let (app, state, _dir) = shop().await;
    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;
    let body = checkout_body(
        &app,
        lines(variant, 2),
        VISA_APPROVED,
        "forged-request-key-01",
    )
    .await;
    let before = footprint(&state).await;

    // A cheaper amount than the shop's price.
    let mut cheap = body.clone();
    cheap["request"]["expected_now"]["minor"] = 1.into();
    cheap["request"]["expected_total"]["minor"] = 1.into();
    let (status, answer) = call(&app, "/api/place_order", &cheap).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(
        answer.to_string().contains("£27.95"),
        "says the real price: {answer}"
    );

    // A price of its own on a line.
    let mut priced = body.clone();
    priced["request"]["lines"][0]["unit_price"] = json!({"minor": 1, "currency": "Gbp"});
    let (status, _) = call(&app, "/api/place_order", &priced).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Negative and absurd quantities.
    for quantity in [
        json!(-1),
        json!(-2_000_000_000),
        json!(1.5),
        json!(1_000_000),
    ] {
        let mut negative = body.clone();
        negative["request"]["lines"][0]["quantity"] = quantity.clone();
        let (status, answer) = call(&app, "/api/place_order", &negative).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{quantity}: {answer}"
        );
    }
    assert_eq!(footprint(&state).await, before, "nothing written");

    // The honest request still goes through.
    let (status, answer) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn declined_cards_change_nothing_and_say_why() {
    let (app, state, _dir) = shop().await;
    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;
    for (card, words) in [(DECLINED, "declined"), (NO_FUNDS, "insufficient funds")] {
        let before = footprint(&state).await;
        let body = checkout_body(
            &app,
            lines(variant, 1),
            card,
            &format!("declined-{}", card.replace(' ', "")),
        )
        .await;
        let (status, answer) = call(&app, "/api/place_order", &body).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{answer}");
        let message = answer["Declined"].as_str().unwrap();
        assert!(
            message.contains(words) && message.contains("nothing was charged"),
            "{message}"
        );
        let after = footprint(&state).await;
        assert_eq!(after[0], before[0], "no order");
        assert_eq!(after[6], before[6], "no stock taken");
        // Asking again with the same key gets the same answer without asking the bank.
        let again = call(&app, "/api/place_order", &body).await;
        assert_eq!(again, (status, answer));
        assert_eq!(footprint(&state).await[5], after[5]);
    }
}

#[tokio::test]
async fn the_banks_check_places_the_order_only_when_approved() {
    let (app, state, _dir) = shop().await;
    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;

    let body = checkout_body(&app, lines(variant, 1), NEEDS_BANK, "bank-check-key-000001").await;
    let (status, answer) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["ConfirmWithBank"]["amount"]["minor"], 15_95,
        "{answer}"
    );
    assert_eq!(
        scalar(&state, "SELECT COUNT(*) FROM orders").await,
        0,
        "not before the bank says yes"
    );
    let (status, placed) = call(
        &app,
        "/api/confirm_payment",
        &json!({"key": "bank-check-key-000001", "approve": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{placed}");
    assert!(placed["Placed"]["number"].is_string(), "{placed}");
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM orders").await, 1);
    // Placing again with the key answers the order, not a second check.
    assert_eq!(call(&app, "/api/place_order", &body).await.1, placed);

    let body = checkout_body(&app, lines(variant, 1), NEEDS_BANK, "bank-check-key-000002").await;
    let (_, answer) = call(&app, "/api/place_order", &body).await;
    assert!(answer["ConfirmWithBank"].is_object());
    let (status, refused) = call(
        &app,
        "/api/confirm_payment",
        &json!({"key": "bank-check-key-000002", "approve": false}),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(
        refused["Declined"]
            .as_str()
            .unwrap()
            .contains("wasn't confirmed"),
        "{refused}"
    );
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        scalar(
            &state,
            &format!("SELECT SUM(quantity) FROM stock WHERE variant_id = {variant}")
        )
        .await,
        4
    );
}

#[tokio::test]
async fn a_mixed_cart_authorizes_only_what_ships_now_and_the_rest_when_it_arrives() {
    let (app, state, _dir) = shop().await;
    // 3 in stock at £18, 1 more expected on 3 Dec: £72 in all, free delivery.
    let variant = variant_with(&state, [3, 0, 0], 18_00, Some("2026-12-03")).await;
    let (_, priced) = call(
        &app,
        "/api/price_cart",
        &json!({"lines": lines(variant, 4), "region": "yorkshire"}),
    )
    .await;
    let summary = {
        let charges: storefront::domain::pricing::ChargePlan =
            serde_json::from_value(priced["charges"].clone()).unwrap();
        charges.summary("today")
    };
    assert_eq!(
        summary,
        "Held on your card now: £54.00 for 3 items shipping today, taken when it ships. £18.00 for 1 item will be charged when it ships (around 3 Dec)."
    );
    let mut body = checkout_body(
        &app,
        lines(variant, 4),
        VISA_APPROVED,
        "mixed-cart-key-000001",
    )
    .await;
    // Without the shopper's yes to waiting, nothing happens.
    let (status, _) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        scalar(&state, "SELECT COUNT(*) FROM test_gateway_authorizations").await,
        0
    );
    body["request"]["accept_backorder"] = true.into();
    let (status, answer) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let authorized: Vec<i64> = sqlx::query_scalar(
        "SELECT amount_minor FROM test_gateway_authorizations WHERE status = 'authorized' ORDER BY created_at, id",
    )
    .fetch_all(&state.db.read)
    .await
    .unwrap();
    assert_eq!(authorized, vec![54_00], "only the in-stock amount");

    // The last unit arrives: it ships, and only now is it charged.
    let sku: String = sqlx::query_scalar("SELECT sku FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    let received = state.stock().receive(&sku, "LDS", 5).await.unwrap();
    assert_eq!(received.to_backorders, 1);
    let authorized: Vec<i64> = sqlx::query_scalar(
        "SELECT amount_minor FROM test_gateway_authorizations WHERE status = 'authorized' ORDER BY rowid",
    )
    .fetch_all(&state.db.read)
    .await
    .unwrap();
    assert_eq!(authorized, vec![54_00, 18_00]);
    let order = &answer["Placed"];
    let view = state
        .orders()
        .view(
            order["number"].as_str().unwrap(),
            order["key"].as_str().unwrap(),
        )
        .await
        .unwrap();
    // Both amounts are held; nothing is taken until a parcel ships (tests/fulfilment.rs).
    assert_eq!(view.charged.minor, 0);
    assert!(view.to_charge_later.is_empty());
}

#[tokio::test]
async fn the_receipt_mail_has_items_amounts_and_contacts_and_consent_is_only_kept_when_given() {
    let (app, state, dir) = shop().await;
    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;
    let name: String = sqlx::query_scalar(
        "SELECT p.name FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
    )
    .bind(variant)
    .fetch_one(&state.db.read)
    .await
    .unwrap();

    let body = checkout_body(
        &app,
        lines(variant, 2),
        VISA_APPROVED,
        "receipt-key-000000001",
    )
    .await;
    let (status, answer) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let number = answer["Placed"]["number"].as_str().unwrap();
    let key = answer["Placed"]["key"].as_str().unwrap();
    assert_eq!(
        scalar(&state, "SELECT COUNT(*) FROM marketing_consents").await,
        0,
        "box unticked: nothing kept"
    );

    // The receipt goes out after the answer, not on its path.
    let outbox = dir.path().join("outbox");
    let subject = format!("Subject: Thank you for your order {number}");
    let mut receipt = None;
    for _ in 0..100 {
        receipt = std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .find(|m| m.contains(&subject));
        if receipt.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let receipt = receipt.expect("a receipt in the outbox");
    let help = storefront::content::HelpContent::bundled();
    for expected in [
        "To: sam@example.com",
        &format!("2 × {name}"),
        "£24.00",
        "Held on your card now: £27.95 for 2 items shipping",
        "including £3.95 delivery",
        "Visa ending 4242",
        "Arriving by",
        &format!("https://shop.example/orders/{number}?key={key}"),
        &help.returns.summary,
        &help.phone_display,
        &help.email,
        "Chat",
    ] {
        assert!(
            receipt.contains(expected),
            "missing {expected:?} in\n{receipt}"
        );
    }

    // With the box ticked, the words and the time are kept.
    let mut body = checkout_body(
        &app,
        lines(variant, 1),
        VISA_APPROVED,
        "receipt-key-000000002",
    )
    .await;
    body["request"]["offers"] = true.into();
    let (status, _) = call(&app, "/api/place_order", &body).await;
    assert_eq!(status, StatusCode::OK);
    let (email, wording, at): (String, String, i64) =
        sqlx::query_as("SELECT email, wording, given_at FROM marketing_consents")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    assert_eq!(email, "sam@example.com");
    assert_eq!(wording, storefront::api::checkout::OFFERS_CONSENT);
    assert!(at > 1_700_000_000);

    // It counts only once the address's owner opens the link mailed to it: anyone can type
    // anyone's address at checkout.
    let unconfirmed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM marketing_consents WHERE confirmed_at IS NULL AND confirm_hash IS NOT NULL",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    assert_eq!(unconfirmed, 1);
    let mail: String = sqlx::query_scalar(
        "SELECT body FROM mail_outbox WHERE recipient = 'sam@example.com' AND subject LIKE 'Please confirm: offers%'",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    let token = mail
        .split_whitespace()
        .find_map(|w| {
            w.split_once("/offers/confirm?token=")
                .map(|(_, t)| t.to_owned())
        })
        .expect("a confirm link");
    let confirm = |token: String| {
        let app = app.clone();
        async move { call(&app, "/api/confirm_offers", &json!({ "token": token })).await }
    };
    assert_eq!(confirm("x".repeat(32)).await.0, StatusCode::NOT_FOUND);
    let (status, words) = confirm(token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{words}");
    assert!(words.to_string().contains("sam@example.com"));
    let (status, words) = confirm(token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "once only");
    assert!(
        words
            .to_string()
            .contains(&storefront::domain::account::offers_link_refused()),
        "{words}"
    );
    let confirmed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM marketing_consents WHERE confirmed_at IS NOT NULL AND confirm_hash IS NULL",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    assert_eq!(confirmed, 1);
}

#[tokio::test]
async fn card_numbers_are_never_stored_and_bad_cards_are_explained() {
    let (app, state, dir) = shop().await;
    let (status, answer) = call(
        &app,
        "/api/card_token",
        &json!({"card": {"name": "", "number": "4242 4242 4242 4241", "expiry": "01/20", "cvc": "1"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = answer.to_string();
    for field in ["CardName", "CardNumber", "CardExpiry", "CardCvc"] {
        assert!(text.contains(field), "{field} in {text}");
    }

    let variant = variant_with(&state, [5, 0, 0], 12_00, None).await;
    let body = checkout_body(
        &app,
        lines(variant, 1),
        VISA_APPROVED,
        "no-card-numbers-00001",
    )
    .await;
    assert_eq!(
        call(&app, "/api/place_order", &body).await.0,
        StatusCode::OK
    );
    let (brand, last4, token): (String, String, String) =
        sqlx::query_as("SELECT card_brand, card_last4, card_token FROM orders")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    assert_eq!((brand.as_str(), last4.as_str()), ("Visa", "4242"));
    assert!(token.starts_with("tok_test_"));
    if state.db.dialect == Dialect::Postgres {
        // Not in any text column of any table, in any spelling.
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type = 'text'",
        )
        .fetch_all(&state.db.read)
        .await
        .unwrap();
        assert!(columns.len() > 100, "{columns:?}");
        for (table, column) in columns {
            let found: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE \"{column}\" LIKE '%4242424242424242%' OR \"{column}\" LIKE '%4242 4242 4242 4242%'"
            ))
            .fetch_one(&state.db.read)
            .await
            .unwrap();
            assert_eq!(found, 0, "card number found in {table}.{column}");
        }
        return;
    }
    // Not in the database file (nor its write-ahead log), in any spelling.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&state.db.write)
        .await
        .unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("4242424242424242") && !text.contains("4242 4242 4242 4242"),
                "card number found in {}",
                path.display()
            );
        }
    }
}
