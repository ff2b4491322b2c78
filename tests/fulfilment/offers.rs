//! Mail the customer asked for: "tell me if it goes on sale" (a lower price set through
//! the admin API mails each confirmed watcher once), the monthly offers mail (only to
//! confirmed consents, within the owner's cap, in batches with progress for staff), and
//! one-click unsubscribe from the mail's header and its link.

use super::common::offers::{save, subscribe, Saved};
use super::*;
use proptest::prelude::*;
use storefront::domain::account::sends_offers;
use storefront::domain::offers::{days, EVERY_DAYS};
use storefront::server::offers::RUN_BATCH;

/// The token after `marker` (`token=`) in `text`.
fn token_after(text: &str, marker: &str) -> String {
    let start = text.find(marker).expect("a link") + marker.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// (body, headers) of each mail to `to` whose subject has `subject_part`, oldest first.
async fn mail_to(state: &AppState, to: &str, subject_part: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT body, headers FROM mail_outbox WHERE recipient = $1 AND subject LIKE $2 ORDER BY id",
    )
    .bind(to)
    .bind(format!("%{subject_part}%"))
    .fetch_all(&state.db.read)
    .await
    .unwrap()
}

async fn set_price(
    app: &axum::Router,
    slug: &str,
    price: i64,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("authorization", b.as_str()))
        .collect();
    let body = json!({"slug": slug, "price_minor": price});
    super::common::call_with_headers(app, "/api/admin/price", &headers, &body).await
}

/// A mail program's one click on `List-Unsubscribe`: a POST from no page at all.
async fn one_click(app: &axum::Router, link: &str) -> StatusCode {
    let path = link
        .split_once("://")
        .map_or(link, |(_, rest)| &rest[rest.find('/').unwrap()..]);
    app.clone()
        .oneshot(
            axum::http::Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .unwrap(),
        )
        .await
        .unwrap()
        .status()
}

/// The link in a mail's `List-Unsubscribe` header.
fn header_link(headers: &str) -> String {
    let line = headers
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .expect("a List-Unsubscribe header");
    line.trim_end_matches('>').to_owned()
}

async fn in_stock_product(state: &AppState) -> (i64, String, i64) {
    sqlx::query_as(
        "SELECT p.id, p.slug, p.price_minor FROM products p JOIN variants v ON v.product_id = p.id
         JOIN stock s ON s.variant_id = v.id GROUP BY p.id HAVING SUM(s.quantity) > 0 ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_lower_price_is_mailed_once_to_each_confirmed_watcher_and_one_click_stops_it() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let (_, slug, price) = in_stock_product(state).await;

    // Bad input: each problem by its field, nothing written.
    let bad = json_fn(
        app,
        "/api/watch_price",
        None,
        json!({"slug": slug, "email": "not an address", "consent": false}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.json);
    let said = bad.json.to_string();
    assert!(said.contains("Email") && said.contains("Consent"), "{said}");
    assert_eq!(scalar(state, "SELECT COUNT(*) FROM price_watches").await, 0);

    for who in ["ann@example.com", "bob@example.com"] {
        let a = json_fn(
            app,
            "/api/watch_price",
            None,
            json!({"slug": slug, "email": who, "consent": true}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    }
    // Only Ann opens her link; it works once.
    let (confirm, _) = mail_to(state, "ann@example.com", "Please confirm")
        .await
        .remove(0);
    let token = token_after(&confirm, "/alerts/price?token=");
    let yes = json_fn(
        app,
        "/api/confirm_price_watch",
        None,
        json!({"token": token}),
    )
    .await;
    assert_eq!(yes.status, StatusCode::OK, "{}", yes.json);
    let again = json_fn(
        app,
        "/api/confirm_price_watch",
        None,
        json!({"token": token}),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // The admin API needs its token and a sensible price.
    assert_eq!(
        set_price(app, &slug, price / 2, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        set_price(app, &slug, 0, Some(ADMIN)).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        set_price(app, "no-such-thing", 100, Some(ADMIN)).await.0,
        StatusCode::BAD_REQUEST
    );

    // A rise tells no one.
    let (status, rise) = set_price(app, &slug, price + 500, Some(ADMIN)).await;
    assert_eq!(status, StatusCode::OK, "{rise}");
    assert_eq!(rise["watchers_told"], false);
    state.jobs().run_due(now()).await;
    assert!(mail_to(state, "ann@example.com", "is now").await.is_empty());

    // A drop below what she saved it at: Ann once (however often the jobs run), Bob
    // (never confirmed) not at all; the search index has the new price at once.
    let lower = price * 7 / 10;
    let (status, drop) = set_price(app, &slug, lower, Some(ADMIN)).await;
    assert_eq!(status, StatusCode::OK, "{drop}");
    assert_eq!(drop["watchers_told"], true);
    state.jobs().run_due(now()).await;
    state.jobs().run_due(now()).await;
    let told = mail_to(state, "ann@example.com", "is now").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(mail_to(state, "bob@example.com", "is now").await.is_empty());
    let (body, headers) = &told[0];
    let money = |minor: i64| storefront::domain::money::Money::gbp(minor).to_string();
    assert!(
        body.contains(&format!(
            "is now {}: it was {} when you asked us to watch it",
            money(lower),
            money(price)
        )),
        "{body}"
    );
    assert!(
        headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{headers}"
    );
    let card = state
        .search
        .cards(&[u32::try_from(in_stock_product(state).await.0).unwrap()]);
    assert_eq!(card[0].price.minor, lower);

    // Back up and down again to a price she has already been told of: nothing; lower
    // still: one more mail.
    set_price(app, &slug, price, Some(ADMIN)).await;
    set_price(app, &slug, lower, Some(ADMIN)).await;
    state.jobs().run_due(now()).await;
    assert_eq!(mail_to(state, "ann@example.com", "is now").await.len(), 1);
    set_price(app, &slug, lower * 9 / 10, Some(ADMIN)).await;
    state.jobs().run_due(now()).await;
    let told = mail_to(state, "ann@example.com", "is now").await;
    assert_eq!(told.len(), 2);
    assert!(
        told[1]
            .0
            .contains(&format!("it was {} in our last email", money(lower))),
        "{}",
        told[1].0
    );

    // One click from the header, as a mail program sends it (from no page of ours):
    // the watch is gone and the next drop mails no one.
    let link = header_link(&told[1].1);
    assert!(told[1].0.contains(&link), "the same link is in the words");
    assert_eq!(one_click(app, &link).await, StatusCode::OK);
    assert_eq!(
        scalar(
            state,
            "SELECT COUNT(*) FROM price_watches WHERE confirmed_at IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        one_click(app, &link).await,
        StatusCode::NOT_FOUND,
        "a token is used once"
    );
    set_price(app, &slug, lower * 8 / 10, Some(ADMIN)).await;
    state.jobs().run_due(now()).await;
    assert_eq!(mail_to(state, "ann@example.com", "is now").await.len(), 2);
}

/// A population of people and what each did about offers: their consents (confirmed,
/// withdrawn) and whether they click "stop" in the first mail they get.
fn population() -> impl Strategy<Value = Vec<(Vec<(bool, bool)>, bool)>> {
    prop::collection::vec(
        (
            prop::collection::vec((any::<bool>(), any::<bool>()), 0..3),
            any::<bool>(),
        ),
        1..16,
    )
}

/// Everyone mailed offers so far, with how many times.
async fn offers_mailed(state: &AppState) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT recipient, COUNT(*) FROM mail_outbox WHERE body LIKE '%because you asked for offers%'
         GROUP BY recipient ORDER BY recipient",
    )
    .fetch_all(&state.db.read)
    .await
    .unwrap()
}

/// Starts the offers mail now, as staff do, and runs it to the end.
async fn run_offers(app: &axum::Router, state: &AppState, cookie: &str) {
    let a = json_fn(app, "/api/agent/send_offers_now", Some(cookie), json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    state.jobs().run_due(now()).await;
}

/// A month passes (the runs and mails so far moved back by the cap).
async fn a_month_passes(state: &AppState) {
    for sql in [
        "UPDATE offer_mails SET run_at = run_at - $1",
        "UPDATE offer_runs SET started_at = started_at - $1, finished_at = finished_at - $1 WHERE started_at IS NOT NULL",
    ] {
        sqlx::query(sql)
            .bind(days(EVERY_DAYS))
            .execute(&state.db.write)
            .await
            .unwrap();
    }
}

/// A saved item now cheaper than when it was saved.
fn cheaper(product: i64, price: i64, in_stock_then: bool) -> Saved {
    Saved {
        product,
        saved_minor: price + 1_000,
        told_minor: price,
        in_stock_then,
    }
}

/// Someone with something to tell them: a saved item now cheaper than when saved.
async fn saved_cheaper(state: &AppState, email: &str, product: i64, price: i64) {
    let mut conn = state.db.write.acquire().await.unwrap();
    save(&mut conn, email, cheaper(product, price, true)).await;
}

#[test]
fn no_offers_mail_reaches_anyone_without_a_confirmed_consent_standing() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 8,
        ..ProptestConfig::default()
    });
    runner
        .run(&population(), |people| {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let s = shop().await;
                let (app, state) = (&s.app, &s.state);
                let cookie = agent(app).await;
                let (product, _, price) = in_stock_product(state).await;
                let mut wanted = Vec::new();
                for (i, (consents, _)) in people.iter().enumerate() {
                    let email = format!("p{i:02}@example.com");
                    for (confirmed, withdrawn) in consents {
                        sqlx::query(
                            "INSERT INTO marketing_consents (email, wording, given_at, confirmed_at, withdrawn_at) VALUES ($1, 'offers', 1, $2, $3)",
                        )
                        .bind(&email)
                        .bind(confirmed.then_some(2))
                        .bind(withdrawn.then_some(3))
                        .execute(&state.db.write)
                        .await
                        .unwrap();
                    }
                    saved_cheaper(state, &email, product, price).await;
                    let rule: Vec<(bool, Option<i64>)> =
                        consents.iter().map(|(c, w)| (*c, w.then_some(3))).collect();
                    if sends_offers(&rule) {
                        wanted.push(email);
                    }
                }

                // The first run: exactly those with a confirmed consent standing, once each.
                run_offers(app, state, &cookie).await;
                let mailed = offers_mailed(state).await;
                assert!(mailed.iter().all(|(_, n)| *n == 1), "{mailed:?}");
                let first: Vec<String> = mailed.into_iter().map(|(e, _)| e).collect();
                assert_eq!(first, wanted);

                // Some stop in one click from the mail; a run at once mails no one (the
                // cap); a month on, everyone still subscribed once more.
                let mut stopped = Vec::new();
                for (i, (_, stops)) in people.iter().enumerate() {
                    let email = format!("p{i:02}@example.com");
                    if !stops || !wanted.contains(&email) {
                        continue;
                    }
                    let (_, headers) = mail_to(state, &email, "").await.pop().unwrap();
                    assert_eq!(one_click(app, &header_link(&headers)).await, StatusCode::OK);
                    assert_eq!(one_click(app, &header_link(&headers)).await, StatusCode::OK, "clicking again is fine");
                    stopped.push(email);
                }
                run_offers(app, state, &cookie).await;
                let again: Vec<String> = offers_mailed(state).await.into_iter().map(|(e, _)| e).collect();
                assert_eq!(again, first, "the cap: no second mail within {EVERY_DAYS} days");
                a_month_passes(state).await;
                run_offers(app, state, &cookie).await;
                let after = offers_mailed(state).await;
                for email in &wanted {
                    let times = after.iter().find(|(e, _)| e == email).map_or(0, |(_, n)| *n);
                    let expected = if stopped.contains(email) { 1 } else { 2 };
                    assert_eq!(times, expected, "{email}: {after:?}");
                }
                assert_eq!(after.len(), wanted.len(), "{after:?}");
            });
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn the_monthly_mail_goes_in_batches_says_what_is_for_each_and_staff_see_it_go() {
    let s = shop().await;
    let (app, state) = (&s.app, &s.state);
    let cookie = agent(app).await;

    // Staff only.
    let anyone = json_fn(app, "/api/agent/offers", None, json!({})).await;
    assert_eq!(anyone.status, StatusCode::UNAUTHORIZED);
    let before = json_fn(app, "/api/agent/offers", Some(&cookie), json!({})).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.json);
    assert_eq!(before.json["every_days"], EVERY_DAYS);
    assert!(
        before.json["next_run"].is_string(),
        "a first run is planned: {}",
        before.json
    );
    assert!(before.json["latest"].is_null());

    // More subscribers than one batch takes; one with nothing to tell them.
    let (product, slug, price) = in_stock_product(state).await;
    let count = RUN_BATCH * 2 + 7;
    let mut tx = state.db.write.begin().await.unwrap();
    for i in 0..count {
        let email = format!("s{i:05}@example.com");
        subscribe(&mut tx, &email).await;
        if i > 0 {
            save(&mut tx, &email, cheaper(product, price, i % 2 == 1)).await;
        }
    }
    tx.commit().await.unwrap();

    run_offers(app, state, &cookie).await;
    let mailed = offers_mailed(state).await;
    assert_eq!(
        mailed.len() as i64,
        count - 1,
        "everyone but the one with nothing new"
    );
    assert!(mailed.iter().all(|(_, n)| *n == 1));
    assert!(!mailed.iter().any(|(e, _)| e == "s00000@example.com"));

    // What it says: the saved item's lower price, and back in stock for those who saw it
    // sold out, with the cap and the way out in the words.
    let (body, headers) = mail_to(state, "s00001@example.com", "")
        .await
        .pop()
        .unwrap();
    let money = |minor: i64| storefront::domain::money::Money::gbp(minor).to_string();
    assert!(
        body.contains(&format!(
            "now {} (was {})",
            money(price),
            money(price + 1_000)
        )),
        "{body}"
    );
    assert!(body.contains(&format!("/p/{slug}")), "{body}");
    assert!(
        body.contains(&format!("at most one every {EVERY_DAYS} days")),
        "{body}"
    );
    assert!(body.contains(&header_link(&headers)), "{body}\n{headers}");
    let (sold_out_then, _) = mail_to(state, "s00002@example.com", "")
        .await
        .pop()
        .unwrap();
    assert!(sold_out_then.contains("Back in stock") || sold_out_then.contains("Lower prices"));

    // Staff see the run through, and the next one planned a cap later.
    let after = json_fn(app, "/api/agent/offers", Some(&cookie), json!({})).await;
    let latest = &after.json["latest"];
    assert_eq!(latest["subscribers"], count, "{}", after.json);
    assert_eq!(latest["seen"], count);
    assert_eq!(latest["sent"], count - 1);
    assert!(latest["finished"].is_string());
    assert!(after.json["next_run"].is_string());
    let (started, next): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT MAX(started_at) FROM offer_runs), (SELECT due_at FROM offer_runs WHERE started_at IS NULL)",
    )
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    assert_eq!(next - started, days(EVERY_DAYS));
    assert_eq!(
        scalar(
            state,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'offers_run' AND done_at IS NULL"
        )
        .await,
        1,
        "the next run's job waits"
    );

    // The link in the words stops offers too (the account shows them stopped), and an
    // erased customer's mails and watches go with them.
    let token = token_after(&body, "/unsubscribe?token=");
    let stop = json_fn(app, "/api/unsubscribe", None, json!({"token": token})).await;
    assert_eq!(stop.status, StatusCode::OK, "{}", stop.json);
    assert!(
        stop.json.as_str().unwrap().contains("won't email offers"),
        "{}",
        stop.json
    );
    let standing = scalar(
        state,
        "SELECT COUNT(*) FROM marketing_consents WHERE email = 's00001@example.com' AND withdrawn_at IS NULL",
    )
    .await;
    assert_eq!(standing, 0);
    let unknown = json_fn(app, "/api/unsubscribe", None, json!({"token": "nope"})).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
