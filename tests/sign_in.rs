//! A burst of agent sign-ins cannot exhaust the shop: every attempt takes its place in
//! the failure windows before any password is hashed, hashing runs a few at a time, and
//! over-long input is refused unhashed. One test in its own binary, so the process-wide
//! counts of password checks see only its own sign-ins.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::router::call_fn;
use common::shop::TestShop;
use storefront::server::agents::{password_checks, HASHING_AT_ONCE};

const PASSWORD: &str = "correct horse battery staple";

/// 50 sign-ins at once, the `i`-th as `attempt(i)` gives (name, password); their statuses.
async fn burst(app: &axum::Router, attempt: fn(usize) -> (String, String)) -> Vec<StatusCode> {
    let attempts = (0..50).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            let (name, password) = attempt(i);
            call_fn(
                &app,
                "/api/agent/sign_in",
                None,
                &[("name", &name), ("password", &password)],
            )
            .await
            .status
        })
    });
    futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// The parts run one after the other: they read the same process-wide counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_are_bounded() {
    a_burst_of_wrong_sign_ins_hashes_only_what_the_limits_allow_a_few_at_a_time().await;
    over_long_input_is_refused_unhashed_and_a_good_sign_in_gives_its_place_back().await;
}

async fn a_burst_of_wrong_sign_ins_hashes_only_what_the_limits_allow_a_few_at_a_time() {
    let shop = TestShop::new()
        .products(20)
        .agents(&["alex"], PASSWORD)
        .start()
        .await;
    let (checks_before, _) = password_checks();

    // 50 at once for one name: 5 failures per name are allowed in the window.
    let statuses = burst(&shop.app, |i| {
        ("alex".into(), format!("wrong password {i}"))
    })
    .await;
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let too_many = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((refused, too_many), (5, 45), "{statuses:?}");
    let (checks, peak) = password_checks();
    assert_eq!(
        checks - checks_before,
        5,
        "only the allowed attempts were hashed"
    );
    assert!(peak <= HASHING_AT_ONCE, "{peak} hashed at once");

    // 50 at once under 50 names from the same address: 20 failures per address are
    // allowed, and the burst above already used 5 of them.
    let statuses = burst(&shop.app, |i| {
        (format!("agent{i}"), "wrong password".into())
    })
    .await;
    let hashed_now = password_checks().0 - checks;
    assert_eq!(hashed_now, 15, "{statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        35
    );
    assert!(password_checks().1 <= HASHING_AT_ONCE);
}

async fn over_long_input_is_refused_unhashed_and_a_good_sign_in_gives_its_place_back() {
    let shop = TestShop::new()
        .products(20)
        .agents(&["sam"], PASSWORD)
        .start()
        .await;
    // Signing in and out again and again never locks an agent out.
    for _ in 0..8 {
        let ok = call_fn(
            &shop.app,
            "/api/agent/sign_in",
            None,
            &[("name", "sam"), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    }
    let before = password_checks().0;
    // Over the 1,000-character cap (a body over 64 KB is refused before that, with 413).
    let huge = "x".repeat(10_000);
    let long = call_fn(
        &shop.app,
        "/api/agent/sign_in",
        None,
        &[("name", "sam"), ("password", &huge)],
    )
    .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long_name = "n".repeat(500);
    let long = call_fn(
        &shop.app,
        "/api/agent/sign_in",
        None,
        &[("name", &long_name), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        password_checks().0,
        before,
        "nothing hashed for over-long input"
    );
}
