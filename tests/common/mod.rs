//! Buying as the checkout does, for the integration tests: a test card through the
//! gateway, the shop's own prices as the amounts the shopper reviewed, a fresh
//! idempotency key per attempt.
#![allow(
    dead_code,
    reason = "each test binary and bench uses a different part of these helpers"
)]

pub mod load;
pub mod offers;
pub mod process;
pub mod router;
pub mod shop;
pub mod smtp;
pub mod tastes;

use storefront::api::checkout::{CheckoutOutcome, CheckoutRequest};
use storefront::api::orders::PlacedOrder;
use storefront::api::ShopError;
use storefront::domain::cart::CartLine;
use storefront::domain::delivery::DeliveryOption;
use storefront::domain::money::Money;
use storefront::domain::payment::CardEntry;
use storefront::domain::validation::{Address, CheckoutDetails};
use storefront::server::AppState;

pub const VISA_APPROVED: &str = "4242 4242 4242 4242";

/// A shopper at an address in `region` (`london`, `scotland`, `yorkshire`).
pub fn details_in(region: &str) -> CheckoutDetails {
    let (city, postcode) = match region {
        "scotland" => ("Glasgow", "G2 1DY"),
        "london" => ("London", "SW1A 1AA"),
        "wales" => ("Cardiff", "CF10 1AA"),
        "north-east" => ("Newcastle", "NE1 4ST"),
        _ => ("Leeds", "LS1 4AP"),
    };
    CheckoutDetails {
        email: "sam@example.com".into(),
        phone: "07700 900123".into(),
        address: Address {
            name: "Sam Shopper".into(),
            line1: "1 High Street".into(),
            city: city.into(),
            postcode: postcode.into(),
            country: "GB".into(),
            ..Default::default()
        },
    }
}

/// The gateway's token for a test card.
pub async fn card(state: &AppState, number: &str) -> String {
    state
        .checkout()
        .tokenize(&CardEntry {
            name: "Sam Shopper".into(),
            number: number.into(),
            expiry: "12/39".into(),
            cvc: "123".into(),
        })
        .await
        .unwrap()
        .token
}

/// A checkout request with the amounts the review step would show now.
pub async fn request(
    state: &AppState,
    details: &CheckoutDetails,
    lines: &[CartLine],
    accept_backorder: bool,
    token: &str,
) -> CheckoutRequest {
    let region = storefront::domain::location::region_for_address(
        &details.address.country,
        &details.address.postcode,
    )
    .map_or("london", |r| r.code);
    let (now, total) = match state
        .orders()
        .price_cart(lines, region, DeliveryOption::Standard)
        .await
    {
        Ok(p) => (p.charges.now, p.total),
        Err(_) => (Money::gbp(0), Money::gbp(0)),
    };
    CheckoutRequest {
        key: format!("test-{}", rand_key()),
        details: details.clone(),
        lines: lines.to_vec(),
        region: region.into(),
        delivery: DeliveryOption::Standard,
        card_token: token.into(),
        accept_backorder,
        offers: false,
        save_address: false,
        expected_now: now,
        expected_total: total,
    }
}

fn rand_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}-{n}")
}

/// Checks out `lines` for `details` with an approved test card.
pub async fn buy(
    state: &AppState,
    details: &CheckoutDetails,
    lines: &[CartLine],
    accept_backorder: bool,
) -> Result<PlacedOrder, ShopError> {
    let token = card(state, VISA_APPROVED).await;
    let request = request(state, details, lines, accept_backorder, &token).await;
    match state.checkout().place(&request).await? {
        CheckoutOutcome::Placed(order) => Ok(order),
        other => panic!("an approved card needs no bank check: {other:?}"),
    }
}

/// Posts JSON to the router and answers the status and the JSON body.
pub async fn call(
    app: &axum::Router,
    uri: &str,
    body: &serde_json::Value,
) -> (axum::http::StatusCode, serde_json::Value) {
    call_with_headers(app, uri, &[], body).await
}

/// [`call`] with more headers (`authorization`, say).
pub async fn call_with_headers(
    app: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> (axum::http::StatusCode, serde_json::Value) {
    use tower::ServiceExt;
    let mut req =
        axum::http::Request::post(uri).header(axum::http::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = app
        .clone()
        .oneshot(req.body(axum::body::Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
    });
    (status, json)
}

/// The body of `POST /api/place_order` for `lines` (JSON), as the review step sends it:
/// the card tokenized over HTTP, the amounts from `POST /api/price_cart`.
pub async fn checkout_body(
    app: &axum::Router,
    lines: serde_json::Value,
    card_number: &str,
    key: &str,
) -> serde_json::Value {
    let (status, token) = call(
        app,
        "/api/card_token",
        &serde_json::json!({"card": {"name": "X", "number": card_number, "expiry": "12/39", "cvc": "123"}}),
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{token}");
    let (status, priced) = call(
        app,
        "/api/price_cart",
        &serde_json::json!({"lines": lines, "region": "yorkshire"}),
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{priced}");
    serde_json::json!({"request": {
        "key": key,
        "details": serde_json::to_value(details_in("yorkshire")).unwrap(),
        "lines": lines,
        "region": "yorkshire",
        "card_token": token["token"],
        "expected_now": priced["charges"]["now"],
        "expected_total": priced["total"],
    }})
}

/// The first call-back slot the shop offers: its day (ISO 8601) and window, as the
/// call-back form would send them.
pub async fn first_call_slot(app: &axum::Router) -> (String, serde_json::Value) {
    let slots = router::call_fn(app, "/api/help/call_slots", None, &[]).await;
    let slot = &slots.json[0];
    let day = format!(
        "{}-{:02}-{:02}",
        slot["day"]["year"],
        slot["day"]["month"].as_u64().unwrap(),
        slot["day"]["day"].as_u64().unwrap()
    );
    (day, slot["window"].clone())
}

/// A setting for a benchmark from the environment, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p` quantile (0 to 1) of sorted durations (zero for none).
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
