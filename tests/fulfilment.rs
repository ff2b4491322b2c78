//! After "Place order": shipments per centre, the warehouse's pack and ship (capturing
//! each shipment's money then, and only then), the courier's signed reports, the status
//! page's timeline and live events, the mails, "Find my order", and after delivery: the
//! follow-up and reviews, price alerts and the monthly offers mail. Against a real
//! SQLite database through the real router. Run with `cargo test --features ssr`.
#![cfg(feature = "ssr")]

#[path = "fulfilment/changes.rs"]
mod changes;
mod common;
#[path = "fulfilment/offers.rs"]
mod offers;
#[path = "fulfilment/phone.rs"]
mod phone;
#[path = "fulfilment/returns.rs"]
mod returns;
#[path = "fulfilment/reviews.rs"]
mod reviews;
#[path = "fulfilment/sequences.rs"]
mod sequences;

use axum::http::StatusCode;
use common::router::{call_fn, json_fn, next_event, Answer};
use common::shop::{Shop, TestShop};
use common::{buy, details_in};
use serde_json::{json, Value};
use storefront::domain::cart::CartLine;
use storefront::domain::fulfilment::ShipmentStatus;
use storefront::domain::order::OrderStatus;
use storefront::server::courier::{sign, SIGNATURE_HEADER};
use storefront::server::AppState;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";
const SECRET: &str = "test-courier-secret-0123456789abcdef";
const ADMIN: &str = "test-admin-token-0123456789";

async fn shop() -> Shop {
    let hash = storefront::server::agents::hash_password(PASSWORD).unwrap();
    TestShop::new()
        .products(30)
        .agents(&["alex"], PASSWORD)
        .with("STOREFRONT_WAREHOUSE", format!("wes:{hash}"))
        .with("STOREFRONT_COURIER_SECRET", SECRET)
        .with("STOREFRONT_ADMIN_TOKEN", ADMIN)
        .start()
        .await
}

async fn warehouse(app: &axum::Router) -> String {
    let a = call_fn(
        app,
        "/api/warehouse/sign_in",
        None,
        &[("name", "wes"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let cookie = a.cookie.expect("a session cookie");
    assert!(cookie.starts_with("__Host-sf_warehouse="), "{cookie}");
    cookie
}

/// The agent console's session cookie, signed in as alex.
async fn agent(app: &axum::Router) -> String {
    call_fn(
        app,
        "/api/agent/sign_in",
        None,
        &[("name", "alex"), ("password", PASSWORD)],
    )
    .await
    .cookie
    .unwrap()
}

async fn scalar(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

/// Sets a variant's stock at Leeds, Bristol and Glasgow; `incoming` units expected at
/// Leeds in a week make the rest orderable as a backorder.
async fn set_stock(state: &AppState, variant: i64, levels: [i64; 3], incoming: i64) {
    sqlx::query("DELETE FROM incoming WHERE variant_id = $1")
        .bind(variant)
        .execute(&state.db.write)
        .await
        .unwrap();
    let back_on = (incoming > 0).then(|| storefront::server::today().add_days(7).to_string());
    sqlx::query("UPDATE variants SET restock_on = $1 WHERE id = $2")
        .bind(&back_on)
        .bind(variant)
        .execute(&state.db.write)
        .await
        .unwrap();
    if let Some(on) = &back_on {
        sqlx::query("INSERT INTO incoming (variant_id, centre_id, quantity, expected_on) VALUES ($1, 1, $2, $3)")
            .bind(variant)
            .bind(incoming)
            .bind(on)
            .execute(&state.db.write)
            .await
            .unwrap();
    }
    for (i, q) in levels.iter().enumerate() {
        sqlx::query(
            "INSERT INTO stock (variant_id, centre_id, quantity) VALUES ($1, $2, $3)
             ON CONFLICT (variant_id, centre_id) DO UPDATE SET quantity = excluded.quantity",
        )
        .bind(variant)
        .bind(i as i64 + 1)
        .bind(q)
        .execute(&state.db.write)
        .await
        .unwrap();
    }
}

fn line(variant_id: i64, quantity: u32) -> CartLine {
    CartLine {
        variant_id,
        quantity,
    }
}

async fn work(app: &axum::Router, cookie: &str, centre: &str) -> Value {
    let a = call_fn(
        app,
        "/api/warehouse/work",
        Some(cookie),
        &[("centre", centre)],
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    a.json
}

async fn pack(app: &axum::Router, cookie: &str, id: i64) -> Answer {
    json_fn(app, "/api/warehouse/pack", Some(cookie), json!({"id": id})).await
}

async fn ship(app: &axum::Router, cookie: &str, id: i64, carrier: &str, tracking: &str) -> Answer {
    json_fn(
        app,
        "/api/warehouse/ship",
        Some(cookie),
        json!({"id": id, "carrier": carrier, "tracking": tracking}),
    )
    .await
}

/// Posts a courier report with a signature made at `at` under `secret`.
async fn report(app: &axum::Router, body: &Value, secret: &str, at: i64) -> (StatusCode, Value) {
    let bytes = body.to_string();
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::post("/api/courier/events")
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, sign(secret, at, bytes.as_bytes()))
                .body(axum::body::Body::from(bytes))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Opens the status page's event stream for an order, as its open page does.
async fn order_events(app: &axum::Router, number: &str, key: &str) -> axum::body::BodyDataStream {
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::get(format!("/api/live/order?number={number}&key={key}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.into_body().into_data_stream()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The order's private key as the test shop's mail gives it: the receipt's link.
fn key_of(placed: &storefront::api::orders::PlacedOrder) -> &str {
    &placed.key
}

/// An order of `units` of variant 1, all from Leeds: one parcel (its id).
async fn one_parcel(state: &AppState, units: u32) -> (storefront::api::orders::PlacedOrder, i64) {
    set_stock(state, 1, [3, 0, 0], 0).await;
    let placed = buy(state, &details_in("yorkshire"), &[line(1, units)], false)
        .await
        .unwrap();
    let id = shipments(state, &placed.number).await[0].0;
    (placed, id)
}

/// [`one_parcel`], packed and shipped by the warehouse with `carrier` and `tracking`.
async fn on_its_way(
    app: &axum::Router,
    state: &AppState,
    carrier: &str,
    tracking: &str,
) -> (storefront::api::orders::PlacedOrder, i64) {
    let (placed, id) = one_parcel(state, 1).await;
    let staff = warehouse(app).await;
    assert_eq!(pack(app, &staff, id).await.status, StatusCode::OK);
    let shipped = ship(app, &staff, id, carrier, tracking).await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.json);
    (placed, id)
}

/// The ids of the shipments of an order, oldest first.
async fn shipments(state: &AppState, number: &str) -> Vec<(i64, String, i64, i64)> {
    sqlx::query_as(
        "SELECT s.id, s.status, s.centre_id, s.amount_minor FROM shipments s JOIN orders o ON o.id = s.order_id
         WHERE o.number = $1 ORDER BY s.id",
    )
    .bind(number)
    .fetch_all(&state.db.read)
    .await
    .unwrap()
}

/// `units` of `variant` arriving at the centre `centre` (its code), as the admin API takes them.
async fn receive(
    state: &AppState,
    variant: i64,
    centre: &str,
    units: u32,
) -> storefront::api::warehouse::Received {
    let sku: String = sqlx::query_scalar("SELECT sku FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    state.stock().receive(&sku, centre, units).await.unwrap()
}

async fn captured(state: &AppState) -> i64 {
    scalar(
        state,
        "SELECT COALESCE(SUM(amount_minor), 0) FROM test_gateway_captures",
    )
    .await
}

async fn mails_to(state: &AppState, subject_part: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM mail_outbox WHERE subject LIKE $1 ORDER BY id")
        .bind(format!("%{subject_part}%"))
        .fetch_all(&state.db.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_split_order_ships_as_three_parcels_each_charged_when_it_ships() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    // 2 at Leeds, 1 at Bristol, none at Glasgow, more expected: 4 ordered from Yorkshire
    // → 2 from Leeds, 1 from Bristol, 1 to follow.
    set_stock(state, 1, [2, 1, 0], 10).await;
    let placed = buy(state, &details_in("yorkshire"), &[line(1, 4)], true)
        .await
        .unwrap();
    let parcels = shipments(state, &placed.number).await;
    assert_eq!(parcels.len(), 2, "{parcels:?}");
    assert_eq!((parcels[0].2, parcels[1].2), (1, 2), "nearest centre first");
    let authorized = scalar(
        state,
        "SELECT amount_minor FROM payments WHERE purpose = 'checkout'",
    )
    .await;
    assert_eq!(
        parcels[0].3 + parcels[1].3,
        authorized,
        "the checkout hold is split between them"
    );
    assert_eq!(
        captured(state).await,
        0,
        "nothing is taken before anything ships"
    );

    let staff = warehouse(app).await;
    let leeds = work(app, &staff, "LDS").await;
    assert_eq!(leeds["to_pack"].as_array().unwrap().len(), 1, "{leeds}");
    assert_eq!(leeds["to_pack"][0]["order_number"], placed.number.as_str());

    // Shipping before packing is refused, and changes nothing.
    let early = ship(app, &staff, parcels[0].0, "dpd", "15501234567890").await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.json
    );
    assert_eq!(captured(state).await, 0);

    assert_eq!(pack(app, &staff, parcels[0].0).await.status, StatusCode::OK);
    assert_eq!(
        pack(app, &staff, parcels[0].0).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "packing twice is refused"
    );
    // A tracking number that isn't the carrier's form is refused next to its field.
    let bad = ship(app, &staff, parcels[0].0, "royal-mail", "AB123456789GB").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json.to_string().contains("Tracking"), "{}", bad.json);
    assert_eq!(captured(state).await, 0);

    let ok = ship(app, &staff, parcels[0].0, "royal-mail", "ab 1234 5678 5gb").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    assert_eq!(
        captured(state).await,
        parcels[0].3,
        "the first parcel's money, and only that"
    );
    let view = state
        .orders()
        .view(&placed.number, key_of(&placed))
        .await
        .unwrap();
    assert_eq!(view.status, OrderStatus::Shipped);
    assert_eq!(view.shipments[0].status, ShipmentStatus::Shipped);
    assert_eq!(view.shipments[0].tracking.as_deref(), Some("AB123456785GB"));
    assert!(view.shipments[0]
        .tracking_url
        .as_deref()
        .unwrap()
        .contains("royalmail"));
    assert_eq!(view.shipments[1].status, ShipmentStatus::ToPack);
    let dispatched = mails_to(state, "is on its way").await;
    assert_eq!(dispatched.len(), 1);
    assert!(
        dispatched[0].contains("AB123456785GB") && dispatched[0].contains("Leeds"),
        "{}",
        dispatched[0]
    );
    assert!(
        dispatched[0].contains("follows in its own parcel"),
        "{}",
        dispatched[0]
    );

    // The tracking number of one parcel can't be given to another.
    assert_eq!(pack(app, &staff, parcels[1].0).await.status, StatusCode::OK);
    let reused = ship(app, &staff, parcels[1].0, "royal-mail", "AB123456785GB").await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reused.json
    );
    assert_eq!(
        ship(app, &staff, parcels[1].0, "dpd", "15501234567890")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        captured(state).await,
        authorized,
        "both parcels: the whole checkout hold"
    );

    // The stock arrives: the waiting unit becomes a third parcel, its money held now.
    let received = receive(state, 1, "LDS", 5).await;
    assert_eq!(received.to_backorders, 1);
    let parcels = shipments(state, &placed.number).await;
    assert_eq!(parcels.len(), 3, "{parcels:?}");
    assert_eq!(
        scalar(
            state,
            "SELECT COUNT(*) FROM payments WHERE purpose = 'backorder' AND status = 'authorized'"
        )
        .await,
        1
    );
    assert_eq!(
        captured(state).await,
        authorized,
        "held, not taken, until it ships"
    );
    pack(app, &staff, parcels[2].0).await;
    assert_eq!(
        ship(app, &staff, parcels[2].0, "evri", "H01HYA0012345678")
            .await
            .status,
        StatusCode::OK
    );
    let total = scalar(state, "SELECT total_minor FROM orders").await;
    assert_eq!(
        captured(state).await,
        total,
        "everything shipped: the order's total, taken once"
    );
    assert_eq!(
        scalar(state, "SELECT SUM(captured_minor) FROM payments").await,
        total,
        "the shop's books agree with the gateway's"
    );
    assert_eq!(mails_to(state, "is on its way").await.len(), 3);

    // The courier reports; all three delivered → the order is delivered.
    for (carrier, tracking) in [
        ("royal-mail", "AB123456785GB"),
        ("dpd", "15501234567890"),
        ("evri", "H01HYA0012345678"),
    ] {
        for (i, event) in ["collected", "in_transit", "out_for_delivery", "delivered"]
            .iter()
            .enumerate()
        {
            let body = json!({"id": format!("{tracking}-{i}"), "carrier": carrier, "tracking": tracking,
                              "event": event, "at": now(), "detail": "Leeds hub"});
            let (status, answer) = report(app, &body, SECRET, now()).await;
            assert_eq!(status, StatusCode::OK, "{answer}");
        }
    }
    let view = state
        .orders()
        .view(&placed.number, key_of(&placed))
        .await
        .unwrap();
    assert_eq!(view.status, OrderStatus::Delivered);
    let steps: Vec<ShipmentStatus> = view.shipments[0]
        .timeline
        .iter()
        .map(|t| t.status)
        .collect();
    assert_eq!(
        steps,
        [
            ShipmentStatus::ToPack,
            ShipmentStatus::Packed,
            ShipmentStatus::Shipped,
            ShipmentStatus::Collected,
            ShipmentStatus::InTransit,
            ShipmentStatus::OutForDelivery,
            ShipmentStatus::Delivered
        ]
    );
    assert_eq!(view.charged.minor, total);
    let delivered = mails_to(state, "Delivered:").await;
    assert_eq!(delivered.len(), 3);
    assert!(delivered[0].contains("/help/returns"), "{}", delivered[0]);
}

#[tokio::test]
async fn courier_reports_must_be_signed_fresh_and_new() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (_, id) = on_its_way(app, state, "test-courier", "TC0000000001").await;
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM shipments WHERE id = $1")
            .bind(id)
            .fetch_one(&state.db.read)
            .await
            .unwrap()
    };
    let event = json!({"id": "evt-1", "carrier": "test-courier", "tracking": "TC0000000001",
                       "event": "delivered", "at": now()});
    // Wrong secret, and a signature from too long ago: refused, nothing changed.
    let (code, _) = report(app, &event, "not-the-secret-but-long-enough-000000", now()).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _) = report(app, &event, SECRET, now() - 3_600).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(status().await, "shipped");
    // Unsigned: refused.
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::post("/api/courier/events")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(event.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Unknown parcel: refused.
    let stranger = json!({"id": "evt-x", "carrier": "dpd", "tracking": "15509999999999", "event": "delivered", "at": now()});
    assert_eq!(
        report(app, &stranger, SECRET, now()).await.0,
        StatusCode::NOT_FOUND
    );
    // Signed and fresh: applied, once.
    let (code, answer) = report(app, &event, SECRET, now()).await;
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(status().await, "delivered");
    let mails = mails_to(state, "Delivered:").await.len();
    // The same event again (a replay, even re-signed): refused, no second mail.
    assert_eq!(
        report(app, &event, SECRET, now()).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(mails_to(state, "Delivered:").await.len(), mails);
    // A late scan after delivery is taken as seen but moves nothing.
    let late = json!({"id": "evt-2", "carrier": "test-courier", "tracking": "TC0000000001", "event": "in_transit", "at": now()});
    let (code, answer) = report(app, &late, SECRET, now()).await;
    assert_eq!(code, StatusCode::OK);
    assert!(answer["ignored"].is_string(), "{answer}");
    assert_eq!(status().await, "delivered");
}

#[tokio::test]
async fn a_delay_is_mailed_when_the_courier_moves_the_date_or_cannot_deliver() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, _) = on_its_way(app, state, "test-courier", "TC0000000002").await;
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    let promised = view.shipments[0].promised.unwrap();
    // The test courier, as the demo clock and the tests drive it: the next usual step.
    let step = state
        .fulfilment()
        .test_courier_step("TC0000000002", None, "Leeds depot", None)
        .await
        .unwrap();
    assert_eq!(step.unwrap().status, "collected");
    assert!(mails_to(state, "running late").await.is_empty());
    let later = promised.add_days(2).to_string();
    state
        .fulfilment()
        .test_courier_step("TC0000000002", None, "Held at depot", Some(&later))
        .await
        .unwrap();
    let late = mails_to(state, "running late").await;
    assert_eq!(late.len(), 1);
    assert!(late[0].contains("now expect"), "{}", late[0]);
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    assert_eq!(view.shipments[0].expected, Some(promised.add_days(2)));
    state
        .fulfilment()
        .test_courier_step(
            "TC0000000002",
            Some(storefront::domain::fulfilment::CourierEvent::DeliveryFailed),
            "No one in, card left",
            None,
        )
        .await
        .unwrap();
    let late = mails_to(state, "running late").await;
    assert_eq!(late.len(), 2);
    assert!(late[1].contains("No one in, card left"), "{}", late[1]);
}

#[tokio::test]
async fn a_parcel_past_its_day_is_owned_up_to_once() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (_, id) = on_its_way(app, state, "test-courier", "TC0000000004").await;
    assert_eq!(
        state.fulfilment().mail_overdue(now()).await,
        0,
        "not due yet"
    );
    // Its day was yesterday.
    let yesterday = storefront::server::today().add_days(-1).to_string();
    sqlx::query("UPDATE shipments SET expected_on = $1 WHERE id = $2")
        .bind(&yesterday)
        .bind(id)
        .execute(&state.db.write)
        .await
        .unwrap();
    assert_eq!(state.fulfilment().mail_overdue(now()).await, 1);
    assert_eq!(state.fulfilment().mail_overdue(now()).await, 0, "told once");
    let late = mails_to(state, "running late").await;
    assert_eq!(late.len(), 1);
    assert!(late[0].contains("Their latest: Shipped"), "{}", late[0]);
    // Delivered parcels are never late.
    state
        .fulfilment()
        .test_courier_step(
            "TC0000000004",
            Some(storefront::domain::fulfilment::CourierEvent::Delivered),
            "",
            None,
        )
        .await
        .unwrap();
    sqlx::query("UPDATE shipments SET overdue_mailed_for = NULL WHERE id = $1")
        .bind(id)
        .execute(&state.db.write)
        .await
        .unwrap();
    assert_eq!(state.fulfilment().mail_overdue(now()).await, 0);
}

#[tokio::test]
async fn a_lapsed_authorization_is_asked_for_again_when_the_parcel_ships() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, id) = one_parcel(state, 2).await;
    let amount = shipments(state, &placed.number).await[0].3;
    // Eight days later the bank has let the hold lapse.
    sqlx::query("UPDATE test_gateway_authorizations SET created_at = created_at - 8 * 86400")
        .execute(&state.db.write)
        .await
        .unwrap();
    let staff = warehouse(app).await;
    pack(app, &staff, id).await;
    let shipped = ship(app, &staff, id, "dpd", "15501234567891").await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.json);
    assert_eq!(captured(state).await, amount);
    assert_eq!(
        scalar(state, "SELECT COUNT(*) FROM payments WHERE purpose = 'renewed' AND captured_minor = amount_minor").await,
        1
    );
    assert_eq!(
        scalar(
            state,
            "SELECT captured_minor FROM payments WHERE purpose = 'checkout'"
        )
        .await,
        0,
        "nothing was taken from the lapsed hold"
    );
}

#[tokio::test]
async fn the_gateway_captures_in_parts_and_refunds_no_more_than_it_took() {
    use storefront::domain::money::Money;
    use storefront::server::payment::Capture;
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, id) = one_parcel(state, 2).await;
    let amount = shipments(state, &placed.number).await[0].3;
    let staff = warehouse(app).await;
    pack(app, &staff, id).await;
    assert_eq!(
        ship(app, &staff, id, "dpd", "15501234567894").await.status,
        StatusCode::OK
    );
    let auth: String =
        sqlx::query_scalar("SELECT \"authorization\" FROM payments WHERE purpose = 'checkout'")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    let gateway = &state.gateway;
    // The whole hold is taken: nothing more can be.
    assert_eq!(
        gateway
            .capture(&auth, Money::gbp(1), "extra")
            .await
            .unwrap(),
        Capture::NotHeld
    );
    // A refund of part, asked twice under one key, gives it back once.
    let half = Money::gbp(amount / 2);
    assert!(matches!(
        gateway.refund(&auth, half, "refund-1").await.unwrap(),
        Capture::Done(_)
    ));
    assert!(matches!(
        gateway.refund(&auth, half, "refund-1").await.unwrap(),
        Capture::Done(_)
    ));
    assert_eq!(captured(state).await, amount - amount / 2);
    // More than was taken cannot be given back.
    assert_eq!(
        gateway
            .refund(&auth, Money::gbp(amount), "refund-2")
            .await
            .unwrap(),
        Capture::NotHeld
    );
    assert_eq!(captured(state).await, amount - amount / 2);
}

#[tokio::test]
async fn two_people_shipping_one_parcel_at_once_take_the_money_once() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, id) = one_parcel(state, 1).await;
    let amount = shipments(state, &placed.number).await[0].3;
    let staff = warehouse(app).await;
    pack(app, &staff, id).await;
    let (a, b) = tokio::join!(
        ship(app, &staff, id, "dpd", "15501234567892"),
        ship(app, &staff, id, "evri", "H01HYA0012345679"),
    );
    let oks = [a.status, b.status]
        .iter()
        .filter(|s| **s == StatusCode::OK)
        .count();
    assert_eq!(oks, 1, "{} / {}", a.json, b.json);
    assert_eq!(captured(state).await, amount);
    assert_eq!(mails_to(state, "is on its way").await.len(), 1);
}

#[tokio::test]
async fn only_the_warehouse_team_can_move_parcels() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (_, id) = one_parcel(state, 1).await;
    assert_eq!(pack(app, "", id).await.status, StatusCode::UNAUTHORIZED);
    // An agent's session opens nothing here.
    let agent = call_fn(
        app,
        "/api/agent/sign_in",
        None,
        &[("name", "alex"), ("password", PASSWORD)],
    )
    .await;
    let agent = agent.cookie.unwrap();
    assert_eq!(pack(app, &agent, id).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        call_fn(
            app,
            "/api/warehouse/work",
            Some(&agent),
            &[("centre", "LDS")]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    // Nor does a forged warehouse cookie with the agent's key.
    let forged = agent.replace("__Host-sf_agent", "__Host-sf_warehouse");
    assert_eq!(
        pack(app, &forged, id).await.status,
        StatusCode::UNAUTHORIZED
    );
    // An agent name and password are not a warehouse account.
    let a = call_fn(
        app,
        "/api/warehouse/sign_in",
        None,
        &[("name", "alex"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        scalar(
            state,
            "SELECT COUNT(*) FROM shipment_events WHERE status = 'packed'"
        )
        .await,
        0
    );
    // Receiving from the screen: bad input is named next to its field.
    let staff = warehouse(app).await;
    let a = json_fn(
        app,
        "/api/warehouse/receive",
        Some(&staff),
        json!({"centre": "LDS", "sku": "NOPE", "quantity": 3}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.json.to_string().contains("Sku"), "{}", a.json);
    let a = json_fn(
        app,
        "/api/warehouse/receive",
        Some(&staff),
        json!({"centre": "LDS", "sku": "x", "quantity": 0}),
    )
    .await;
    assert!(a.json.to_string().contains("Quantity"), "{}", a.json);
}

#[tokio::test]
async fn the_status_page_hears_each_change_while_open() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, id) = one_parcel(state, 1).await;
    // Without the key there is nothing to listen to.
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::get(format!(
                "/api/live/order?number={}&key=wrong",
                placed.number
            ))
            .body(axum::body::Body::empty())
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let mut events = order_events(app, &placed.number, &placed.key).await;
    let staff = warehouse(app).await;
    pack(app, &staff, id).await;
    assert_eq!(next_event(&mut events).await.0, "order");
    ship(app, &staff, id, "test-courier", "TC0000000003").await;
    assert_eq!(next_event(&mut events).await.0, "order");
}

#[tokio::test]
async fn private_links_are_kept_as_hashes_and_find_my_order_mails_one_telling_a_guesser_nothing() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, _) = one_parcel(state, 1).await;
    assert_eq!(
        scalar(state, "SELECT COUNT(*) FROM orders WHERE access_key != ''").await,
        0
    );
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM order_keys")
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    assert_ne!(stored, placed.key);
    assert!(state
        .orders()
        .view(&placed.number, "not-the-key")
        .await
        .is_err());
    assert!(state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .is_ok());

    let mails = || async { mails_to(state, "The link to your order").await };
    let find = |number: String, email: &'static str| async move {
        call_fn(
            app,
            "/api/find_order",
            None,
            &[("number", &number), ("email", email)],
        )
        .await
    };
    // A wrong email: the same answer as a right one, and no mail.
    let wrong = find(placed.number.clone(), "someone@example.com").await;
    let right = find(placed.number.clone(), "SAM@example.com").await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(wrong.json, right.json, "the answer tells nothing");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sent = mails().await;
    assert_eq!(sent.len(), 1);
    let link = sent[0]
        .split_whitespace()
        .find(|w| w.contains("?key="))
        .unwrap();
    let key = link.split("?key=").nth(1).unwrap();
    assert!(
        state.orders().view(&placed.number, key).await.is_ok(),
        "the mailed link opens the order"
    );
    assert!(
        state
            .orders()
            .view(&placed.number, &placed.key)
            .await
            .is_ok(),
        "and the receipt's still does"
    );
    // Bad input is named next to its field.
    let bad = find("SF-1".into(), "nope").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json.to_string().contains("OrderNumber") && bad.json.to_string().contains("Email"),
        "{}",
        bad.json
    );

    // 10,000 guesses from one address: the limit comes quickly, every answer before it is
    // the same, and no link is mailed.
    let mut answers = std::collections::HashSet::new();
    let mut limited = 0;
    for i in 0..10_000u64 {
        let number = storefront::domain::order::order_number_from_bits(i * 7_919);
        let a = find(number, "guess@example.com").await;
        match a.status {
            StatusCode::OK => {
                answers.insert(a.json.to_string());
            }
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("{other}"),
        }
    }
    assert_eq!(answers.len(), 1);
    assert!(answers.contains(&right.json.to_string()));
    assert!(limited >= 9_990, "{limited}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(mails().await.len(), 1);
}

#[tokio::test]
async fn the_agent_console_shows_the_timeline_and_can_mail_the_link_again() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, _) = on_its_way(app, state, "dpd", "15501234567893").await;
    let agent = call_fn(
        app,
        "/api/agent/sign_in",
        None,
        &[("name", "alex"), ("password", PASSWORD)],
    )
    .await;
    let agent = agent.cookie.unwrap();
    let found = call_fn(
        app,
        "/api/agent/orders",
        Some(&agent),
        &[("query", &placed.number)],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.json);
    let parcel = &found.json[0]["shipments"][0];
    assert_eq!(parcel["tracking"], "15501234567893");
    assert_eq!(parcel["timeline"].as_array().unwrap().len(), 3, "{parcel}");
    let again = call_fn(
        app,
        "/api/agent/resend_order_link",
        Some(&agent),
        &[("number", &placed.number)],
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json);
    assert_eq!(mails_to(state, "The link to your order").await.len(), 1);
    assert_eq!(
        call_fn(
            app,
            "/api/agent/resend_order_link",
            None,
            &[("number", &placed.number)]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn stock_at(state: &AppState, variant: i64, centre: i64) -> i64 {
    sqlx::query_scalar("SELECT quantity FROM stock WHERE variant_id = $1 AND centre_id = $2")
        .bind(variant)
        .bind(centre)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

async fn cancel(app: &axum::Router, number: &str, key: &str) -> Answer {
    call_fn(
        app,
        "/api/cancel_order",
        None,
        &[("number", number), ("key", key)],
    )
    .await
}

#[tokio::test]
async fn the_customer_cancels_before_it_ships_and_everything_goes_back() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    // 2 now from Leeds, 1 to follow when stock arrives.
    set_stock(state, 1, [2, 0, 0], 10).await;
    let placed = buy(state, &details_in("yorkshire"), &[line(1, 3)], true)
        .await
        .unwrap();
    assert_eq!(stock_at(state, 1, 1).await, 0);
    let id = shipments(state, &placed.number).await[0].0;
    let staff = warehouse(app).await;
    pack(app, &staff, id).await;
    // Not with a wrong key.
    assert_eq!(
        cancel(app, &placed.number, "wrong").await.status,
        StatusCode::NOT_FOUND
    );
    let done = cancel(app, &placed.number, &placed.key).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(done.json["status"], "Cancelled");
    assert_eq!(
        stock_at(state, 1, 1).await,
        2,
        "the units are back on the shelf"
    );
    assert_eq!(
        scalar(
            state,
            "SELECT COUNT(*) FROM test_gateway_authorizations WHERE status = 'voided'"
        )
        .await,
        1,
        "the hold is released"
    );
    assert_eq!(
        scalar(state, "SELECT SUM(backordered) FROM order_lines").await,
        0
    );
    let mail = mails_to(state, "is cancelled").await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("Nothing was taken from your card"),
        "{}",
        mail[0]
    );
    // The warehouse no longer sees it, and can't ship it.
    let leeds = work(app, &staff, "LDS").await;
    assert!(leeds["packed"].as_array().unwrap().is_empty(), "{leeds}");
    let refused = ship(app, &staff, id, "dpd", "15501234567895").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.json.to_string().contains("cancelled"),
        "{}",
        refused.json
    );
    assert_eq!(captured(state).await, 0);
    // Cancelling twice is refused; the stock arriving later serves nobody.
    assert_eq!(
        cancel(app, &placed.number, &placed.key).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let sku: String = sqlx::query_scalar("SELECT sku FROM variants WHERE id = 1")
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    assert_eq!(
        state
            .stock()
            .receive(&sku, "LDS", 4)
            .await
            .unwrap()
            .to_backorders,
        0
    );
}

#[tokio::test]
async fn once_anything_has_shipped_it_cannot_be_cancelled() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, _) = on_its_way(app, state, "dpd", "15501234567896").await;
    let refused = cancel(app, &placed.number, &placed.key).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.json.to_string().contains("already shipped"),
        "{}",
        refused.json
    );
    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    assert_eq!(view.status, OrderStatus::Shipped);
}

#[tokio::test]
async fn a_cancel_racing_the_warehouse_has_one_winner_and_no_money_moves_for_the_loser() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let staff = warehouse(app).await;
    let (mut cancels, mut ships) = (0, 0);
    for round in 0..100 {
        let (placed, id) = one_parcel(state, 1).await;
        let amount = shipments(state, &placed.number).await[0].3;
        pack(app, &staff, id).await;
        let before = captured(state).await;
        let tracking = format!("TC{:010}", 7_000 + round);
        // The cancel starts up to a few milliseconds after "Ship", so both orders of
        // arrival (and the moment in between, after the capture) are tried.
        let delay = std::time::Duration::from_micros((round % 20) * 400);
        let (c, sh) = tokio::join!(
            async {
                tokio::time::sleep(delay).await;
                cancel(app, &placed.number, &placed.key).await
            },
            ship(app, &staff, id, "test-courier", &tracking),
        );
        let taken = captured(state).await - before;
        match (c.status, sh.status) {
            (StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYMENT_REQUIRED) => {
                cancels += 1;
                assert_eq!(taken, 0, "round {round}: cancelled, and nothing kept");
                assert_eq!(
                    stock_at(state, 1, 1).await,
                    3,
                    "round {round}: the unit back once"
                );
            }
            (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::OK) => {
                ships += 1;
                assert_eq!(taken, amount, "round {round}: shipped, and charged once");
                assert_eq!(
                    stock_at(state, 1, 1).await,
                    2,
                    "round {round}: nothing back"
                );
            }
            other => panic!("round {round}: {other:?} {} {}", c.json, sh.json),
        }
    }
    println!("cancel won {cancels}, ship won {ships}");
    assert_eq!(cancels + ships, 100);
}

#[tokio::test]
async fn an_agent_cancels_for_the_customer_on_the_same_terms() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (placed, _) = one_parcel(state, 1).await;
    let agent = agent(app).await;
    assert_eq!(
        call_fn(
            app,
            "/api/agent/cancel_order",
            None,
            &[("number", &placed.number)]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    let done = call_fn(
        app,
        "/api/agent/cancel_order",
        Some(&agent),
        &[("number", &placed.number)],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    let by: String =
        sqlx::query_scalar("SELECT by_whom FROM shipment_events WHERE status = 'cancelled'")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    assert_eq!(by, "agent alex");
}
