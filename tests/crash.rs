//! The shop process killed (`kill -9`) while the bank holds the money for an order and
//! before the order is written, round after round. After each restart nothing stays held
//! without an order: the shopper's retry (same key) carries the attempt on to one order
//! with the one authorization, or, with no retry, the shop voids the authorization and
//! the attempt answers "not placed". And killed in the middle of background work (the
//! follow-ups, the monthly offers mail): after the restart each mail goes once.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::offers::{save, subscribe, Saved};
use common::process::{call, database, log_of, on_postgres, order_body, Process};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use storefront::server::checkout::ATTEMPT_LEASE;
use storefront::server::db::Pool;

/// Approved, with the bank's answer 3 seconds late (`TestCardBehaviour::SlowApprove`).
const SLOW_CARD: &str = "4000 0000 0000 0077";

async fn scalar(db: &Pool, sql: &str, key: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(key)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Authorizations the gateway holds that no order's payment uses.
async fn held_without_an_order(db: &Pool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM test_gateway_authorizations a
         WHERE a.status = 'authorized' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.\"authorization\" = a.id)",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

/// The body of `POST /api/place_order` for one unit of `variant`, paid with the slow card.
async fn slow_checkout(shop: &Process, variant: i64, key: &str) -> Value {
    order_body(shop.port, variant, key, SLOW_CARD, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_authorization_and_order_leaves_nothing_held() {
    let dir = tempfile::tempdir().unwrap();
    let mut shop = Process::start(dir.path()).await;
    let db = database(dir.path()).await;
    let variant: i64 = sqlx::query_scalar(
        "SELECT variant_id FROM stock GROUP BY variant_id HAVING SUM(quantity) >= 10 ORDER BY variant_id LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();

    for round in 0..3 {
        let key = format!("crash-round-{round}-{}", std::process::id());
        let body = slow_checkout(&shop, variant, &key).await;
        let port = shop.port;
        let submit = tokio::spawn({
            let body = body.clone();
            async move {
                // The connection dies with the shop; its answer never comes.
                call(port, "POST", "/api/place_order", Some(&body)).await
            }
        });
        // The bank has said yes; its answer is still on the way to the shop.
        let held_by = Instant::now() + Duration::from_secs(20);
        while scalar(
            &db,
            "SELECT COUNT(*) FROM test_gateway_authorizations WHERE reference = $1 AND status = 'authorized'",
            &key,
        )
        .await
            == 0
        {
            assert!(Instant::now() < held_by, "round {round}: nothing authorized: {}", log_of(dir.path()));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        shop.kill();
        assert!(submit
            .await
            .unwrap()
            .is_none_or(|(status, _)| status != 200));
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM checkout_attempts WHERE key = $1 AND state = 'pending'",
                &key
            )
            .await,
            1,
            "round {round}: the attempt was written before the bank was asked"
        );
        assert_eq!(
            held_without_an_order(&db).await,
            1,
            "round {round}: held at the kill"
        );

        shop = Process::start(dir.path()).await;
        if round % 2 == 0 {
            // The shopper's browser asks again under the same key: the attempt is taken
            // over once its lease runs out and ends in one order with the one authorization.
            let (status, answer) = shop.post("/api/place_order", &body).await;
            assert_eq!(
                status,
                200,
                "round {round}: {answer} {}",
                log_of(dir.path())
            );
            let number = answer["Placed"]["number"].as_str().unwrap().to_owned();
            assert_eq!(
                scalar(
                    &db,
                    "SELECT COUNT(*) FROM test_gateway_authorizations WHERE reference = $1",
                    &key
                )
                .await,
                1,
                "round {round}: one authorization"
            );
            assert_eq!(
                scalar(
                    &db,
                    "SELECT COUNT(*) FROM payments p JOIN test_gateway_authorizations a ON a.id = p.\"authorization\"
                     WHERE a.reference = $1 AND a.status = 'authorized'",
                    &key
                )
                .await,
                1,
                "round {round}: the order's payment is that authorization"
            );
            let (status, again) = shop.post("/api/place_order", &body).await;
            assert_eq!(
                (status, again["Placed"]["number"].as_str()),
                (200, Some(number.as_str()))
            );
        } else {
            // No retry: the shop settles the attempt itself, voiding what the bank holds.
            let settled_by = Instant::now() + ATTEMPT_LEASE * 3 + Duration::from_secs(10);
            while scalar(
                &db,
                "SELECT COUNT(*) FROM checkout_attempts WHERE key = $1 AND state = 'pending'",
                &key,
            )
            .await
                == 1
            {
                assert!(
                    Instant::now() < settled_by,
                    "round {round}: never settled: {}",
                    log_of(dir.path())
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            assert_eq!(
                scalar(&db, "SELECT COUNT(*) FROM test_gateway_authorizations WHERE reference = $1 AND status = 'voided'", &key).await,
                1,
                "round {round}: voided"
            );
            // A late retry is told plainly, and makes no order.
            let (status, answer) = shop.post("/api/place_order", &body).await;
            assert_eq!(status, 422, "round {round}: {answer}");
            assert!(
                answer
                    .to_string()
                    .contains("wasn't placed and nothing was charged"),
                "{answer}"
            );
            assert_eq!(
                scalar(&db, "SELECT COUNT(*) FROM payments p JOIN test_gateway_authorizations a ON a.id = p.\"authorization\" WHERE a.reference = $1", &key).await,
                0
            );
        }
        assert_eq!(
            held_without_an_order(&db).await,
            0,
            "round {round}: orphaned authorization"
        );
    }
    drop(shop);
}

/// Inserts a row into `table` with `values`, every other required column given an empty
/// value of its type, so the test says only what matters to it; the row's id.
async fn insert_row(db: &Pool, table: &str, values: &[(&str, Value)]) -> i64 {
    let columns: Vec<(String, String, i64, Option<String>, i64)> = if on_postgres() {
        sqlx::query_as(
            "SELECT column_name::text, data_type::text, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END,
                    column_default::text, CASE WHEN is_identity = 'YES' THEN 1 ELSE 0 END
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
             ORDER BY ordinal_position",
        )
        .bind(table)
    } else {
        sqlx::query_as(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1)",
        )
        .bind(table)
    }
    .fetch_all(db)
    .await
    .unwrap();
    let has_id = columns.iter().any(|(name, ..)| name == "id");
    let mut names = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    for (name, kind, not_null, default, pk) in columns {
        if let Some((_, v)) = values.iter().find(|(n, _)| *n == name) {
            names.push(name);
            params.push(v.clone());
        } else if not_null != 0 && default.is_none() && pk == 0 {
            names.push(name);
            params.push(
                if kind.eq_ignore_ascii_case("INTEGER") || kind.eq_ignore_ascii_case("BIGINT") {
                    json!(0)
                } else {
                    json!("")
                },
            );
        }
    }
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING {}",
        names.join(", "),
        storefront::server::db::placeholders(1, names.len()),
        if has_id { "id" } else { "0" }
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for p in params {
        q = match p {
            Value::Number(n) => q.bind(n.as_i64().unwrap()),
            Value::String(s) => q.bind(s),
            other => panic!("{other}"),
        };
    }
    q.fetch_one(db).await.unwrap()
}

/// The shop's database in `dir` after the shop opened once (migrations, demo catalog, the
/// first offers run planned) and was stopped, for a test to fill before the next start.
async fn opened_once(dir: &std::path::Path) -> Pool {
    Process::start(dir).await.kill();
    database(dir).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_the_follow_ups_go_once_each() {
    const ORDERS: i64 = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let db = opened_once(dir.path()).await;
    // Delivered orders whose follow-ups are all due now, as a shop finds them after a
    // quiet month.
    let (variant, product): (i64, String) = sqlx::query_as(
        "SELECT v.id, p.name FROM variants v JOIN products p ON p.id = v.product_id LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    for n in 0..ORDERS {
        let order = insert_row(
            &db,
            "orders",
            &[
                ("number", json!(format!("SF-CRASH{n:05}"))),
                ("status", json!("delivered")),
                ("email", json!(format!("buyer{n}@example.com"))),
                ("ship_name", json!("Sam Shopper")),
                ("currency", json!("GBP")),
            ],
        )
        .await;
        let line = insert_row(
            &db,
            "order_lines",
            &[
                ("order_id", json!(order)),
                ("variant_id", json!(variant)),
                ("product_name", json!(product)),
                ("quantity", json!(1)),
            ],
        )
        .await;
        let parcel = insert_row(
            &db,
            "shipments",
            &[
                ("order_id", json!(order)),
                ("centre_id", json!(1)),
                ("status", json!("delivered")),
            ],
        )
        .await;
        insert_row(
            &db,
            "shipment_lines",
            &[
                ("shipment_id", json!(parcel)),
                ("order_line_id", json!(line)),
                ("quantity", json!(1)),
            ],
        )
        .await;
        insert_row(
            &db,
            "jobs",
            &[
                ("kind", json!("follow_up")),
                ("subject", json!(order)),
                ("run_at", json!(0)),
            ],
        )
        .await;
    }
    let done = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM jobs WHERE done_at IS NOT NULL")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    // Killed once some have gone and before all have.
    let shop = Process::start(dir.path()).await;
    let started = Instant::now() + Duration::from_secs(30);
    while done().await == 0 {
        assert!(
            Instant::now() < started,
            "no follow-up ran: {}",
            log_of(dir.path())
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    shop.kill();
    let at_kill = done().await;
    assert!(
        at_kill < ORDERS,
        "the run finished before the kill ({at_kill}); nothing was tested"
    );
    // Restarted: the rest go, and none twice.
    let _shop = Process::start(dir.path()).await;
    let by = Instant::now() + Duration::from_secs(60);
    while done().await < ORDERS {
        assert!(
            Instant::now() < by,
            "follow-ups stopped at {}: {}",
            done().await,
            log_of(dir.path())
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mails, people): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT recipient) FROM mail_outbox WHERE subject LIKE 'How did it go?%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        (mails, people),
        (ORDERS, ORDERS),
        "killed after {at_kill} of {ORDERS}"
    );
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM review_links")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(links, ORDERS);
    eprintln!("killed after {at_kill} of {ORDERS} follow-ups; each went once after the restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_the_offers_mail_goes_once_to_each() {
    const SUBSCRIBERS: i64 = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let db = opened_once(dir.path()).await;
    // Subscribers with a saved item now cheaper than when they saved it, and the
    // planned run due now.
    let (product, price): (i64, i64) = sqlx::query_as(
        "SELECT p.id, p.price_minor FROM products p JOIN variants v ON v.product_id = p.id
         JOIN stock s ON s.variant_id = v.id GROUP BY p.id HAVING SUM(s.quantity) > 0 LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    for n in 0..SUBSCRIBERS {
        let email = format!("reader{n:05}@example.com");
        subscribe(&mut tx, &email).await;
        save(
            &mut tx,
            &email,
            Saved {
                product,
                saved_minor: price + 1_000,
                told_minor: price,
                in_stock_then: true,
            },
        )
        .await;
    }
    for sql in [
        "UPDATE offer_runs SET due_at = 0 WHERE started_at IS NULL",
        "UPDATE jobs SET run_at = 0 WHERE kind = 'offers_run' AND done_at IS NULL",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let seen = || async {
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seen), 0) FROM offer_runs")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    // Killed once a batch or more has gone and before the last.
    let shop = Process::start(dir.path()).await;
    let by = Instant::now() + Duration::from_secs(60);
    while seen().await == 0 {
        assert!(Instant::now() < by, "no batch ran: {}", log_of(dir.path()));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    shop.kill();
    let at_kill = seen().await;
    assert!(
        at_kill < SUBSCRIBERS,
        "the run finished before the kill ({at_kill}); nothing was tested"
    );
    // Restarted: the run goes on from where its last batch ended, and none twice.
    let _shop = Process::start(dir.path()).await;
    let finished = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM offer_runs WHERE finished_at IS NOT NULL",
        )
        .fetch_one(&db)
        .await
        .unwrap()
    };
    let by = Instant::now() + Duration::from_secs(120);
    while finished().await == 0 {
        assert!(
            Instant::now() < by,
            "the run stopped at {}: {}",
            seen().await,
            log_of(dir.path())
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mails, people): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT recipient) FROM mail_outbox WHERE headers LIKE 'List-Unsubscribe:%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        (mails, people),
        (SUBSCRIBERS, SUBSCRIBERS),
        "killed after {at_kill} of {SUBSCRIBERS}"
    );
    assert_eq!(seen().await, SUBSCRIBERS);
    eprintln!(
        "killed after {at_kill} of {SUBSCRIBERS} subscribers; each mailed once after the restart"
    );
}
