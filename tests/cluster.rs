//! Several shop processes on one PostgreSQL database: the last units sold once across
//! them, one order per idempotency key whichever process gets it, no acknowledged order
//! lost when one is killed, and what one process tells its pages reaching the pages of
//! the others. These run in `make test`'s PostgreSQL pass (`STOREFRONT_TEST_POSTGRES`);
//! SQLite is one process, so the SQLite pass says so and checks nothing here.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::process::{
    call_from, database, database_url, log_of, on_postgres, order_body, Process,
};
use common::router::{call_fn, json_fn, next_event};
use common::shop::{fresh_postgres_database, Shop, TestShop};
use serde_json::json;
use std::time::{Duration, Instant};
use storefront::server::db::Pool;
use tempfile::TempDir;

const PASSWORD: &str = "correct horse battery staple";

/// Three processes over one fresh database, each in a data directory of its own, the
/// proxy in front of them trusted for the shopper's address; started at once (the demo
/// catalog is seeded once however many start together).
async fn three_processes() -> (Vec<Process>, Vec<TempDir>, Pool) {
    let dirs: Vec<TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let url = database_url(dirs[0].path()).await;
    for dir in &dirs[1..] {
        std::fs::write(dir.path().join("database_url"), &url).unwrap();
    }
    let settings = [("STOREFRONT_TRUSTED_PROXIES", "127.0.0.1")];
    let (a, b, c) = tokio::join!(
        Process::start_with(dirs[0].path(), &settings),
        Process::start_with(dirs[1].path(), &settings),
        Process::start_with(dirs[2].path(), &settings),
    );
    let db = database(dirs[0].path()).await;
    let products: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(products, 20, "the demo catalog seeded once");
    (vec![a, b, c], dirs, db)
}

/// A variant with exactly `units` in stock, at one centre, and nothing on its way.
async fn last_units(db: &Pool, units: i64) -> i64 {
    let variant: i64 = sqlx::query_scalar("SELECT MIN(variant_id) FROM stock")
        .fetch_one(db)
        .await
        .unwrap();
    for (sql, value) in [
        ("DELETE FROM incoming WHERE variant_id = $1", None),
        ("UPDATE stock SET quantity = 0 WHERE variant_id = $1", None),
        (
            "UPDATE stock SET quantity = $2 WHERE variant_id = $1 AND centre_id = (SELECT MIN(id) FROM centres)",
            Some(units),
        ),
    ] {
        let mut q = sqlx::query(sql).bind(variant);
        if let Some(v) = value {
            q = q.bind(v);
        }
        q.execute(db).await.unwrap();
    }
    variant
}

async fn stock_of(db: &Pool, variant: i64) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(SUM(quantity), 0) FROM stock WHERE variant_id = $1")
        .bind(variant)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Shopper `n`'s address, as the proxy passes it on (each has their own rate budget).
fn shopper(n: usize) -> String {
    format!("10.1.{}.{}", n / 250, n % 250 + 1)
}

/// 10 units, 300 shoppers at once spread over 3 processes: exactly 10 orders, 290 clear
/// "out of stock" answers, no 5xx, stock 0. Then the same idempotency key sent to two
/// processes at once: one order, the same answer to both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_sell_the_last_ten_units_once_and_one_order_per_key() {
    if !on_postgres() {
        eprintln!("several processes need PostgreSQL: this runs in make test's PostgreSQL pass");
        return;
    }
    let (shops, dirs, db) = three_processes().await;
    let variant = last_units(&db, 10).await;
    let mut bodies = Vec::new();
    for n in 0..300 {
        let shop = &shops[n % 3];
        bodies.push(
            order_body(
                shop.port,
                variant,
                &format!("cluster-race-{n:04}"),
                common::VISA_APPROVED,
                Some(&shopper(n)),
            )
            .await,
        );
    }
    let ports: Vec<u16> = shops.iter().map(|s| s.port).collect();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(300));
    let tasks: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(n, body)| {
            let port = ports[n % 3];
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                call_from(
                    port,
                    "POST",
                    "/api/place_order",
                    Some(&body),
                    Some(&shopper(n)),
                )
                .await
            })
        })
        .collect();
    let (mut placed, mut out_of_stock) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Some((200, _)) => placed += 1,
            Some((409, answer)) if answer.get("OutOfStock").is_some() => out_of_stock += 1,
            other => panic!("unexpected answer: {other:?}\n{}", log_of(dirs[0].path())),
        }
    }
    assert_eq!((placed, out_of_stock), (10, 290));
    assert_eq!(stock_of(&db, variant).await, 0);
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(orders, 10);

    // One key, two processes, the same moment: one order.
    let variant = last_units(&db, 5).await;
    let body = order_body(
        shops[0].port,
        variant,
        "cluster-one-key-0001",
        common::VISA_APPROVED,
        Some(&shopper(900)),
    )
    .await;
    let client = shopper(900);
    let (first, second) = tokio::join!(
        call_from(
            ports[0],
            "POST",
            "/api/place_order",
            Some(&body),
            Some(&client)
        ),
        call_from(
            ports[2],
            "POST",
            "/api/place_order",
            Some(&body),
            Some(&client)
        ),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!((first.0, second.0), (200, 200), "{first:?} {second:?}");
    assert_eq!(
        first.1["Placed"]["number"].as_str().expect("placed"),
        second.1["Placed"]["number"].as_str().expect("placed"),
        "the same order answered to both"
    );
    let (orders, left): (i64, i64) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(&db)
            .await
            .unwrap(),
        stock_of(&db, variant).await,
    );
    assert_eq!((orders, left), (11, 4));
}

/// Orders going to three processes; one is killed mid-way. Every order any process
/// acknowledged is in the database, the other two keep answering, and nothing is sold
/// twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_process_killed_mid_load_loses_no_acknowledged_order() {
    if !on_postgres() {
        eprintln!("several processes need PostgreSQL: this runs in make test's PostgreSQL pass");
        return;
    }
    let (mut shops, dirs, db) = three_processes().await;
    let variant = last_units(&db, 1_000).await;
    let mut bodies = Vec::new();
    for n in 0..150 {
        bodies.push(
            order_body(
                shops[n % 3].port,
                variant,
                &format!("cluster-kill-{n:04}"),
                common::VISA_APPROVED,
                Some(&shopper(n)),
            )
            .await,
        );
    }
    let ports: Vec<u16> = shops.iter().map(|s| s.port).collect();
    let tasks: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(n, body)| {
            let port = ports[n % 3];
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(5 * n as u64)).await;
                let answer = call_from(
                    port,
                    "POST",
                    "/api/place_order",
                    Some(&body),
                    Some(&shopper(n)),
                )
                .await;
                (n, answer)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    shops.remove(1).kill();
    let mut acknowledged = Vec::new();
    for task in tasks {
        let (n, answer) = task.await.unwrap();
        match answer {
            Some((200, answer)) => {
                acknowledged.push(answer["Placed"]["number"].as_str().unwrap().to_owned())
            }
            Some((status, answer)) => {
                assert!(n % 3 == 1, "a live process answered {status}: {answer}");
            }
            None => assert_eq!(n % 3, 1, "a live process did not answer"),
        }
    }
    for number in &acknowledged {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE number = $1")
            .bind(number)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(found, 1, "acknowledged order {number} is kept");
    }
    let killed_ones = acknowledged.len();
    assert!(
        killed_ones >= 100,
        "the two live processes took their share: {killed_ones}"
    );
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(
        stock_of(&db, variant).await,
        1_000 - orders,
        "every order took its unit once"
    );
    // The two left keep serving.
    for shop in &shops {
        assert_eq!(shop.call("GET", "/healthz", None).await.unwrap().0, 200);
    }
    drop(dirs);
}

/// Two shops on one database, as two processes are: each with its own listener, live
/// events and search index.
async fn shops_on_one_database() -> Vec<Shop> {
    let url = fresh_postgres_database(&std::env::var("STOREFRONT_TEST_POSTGRES").unwrap()).await;
    let mut shops = Vec::new();
    for _ in 0..3 {
        shops.push(
            TestShop::new()
                .products(20)
                .agents(&["alex"], PASSWORD)
                .with("STOREFRONT_DATABASE_URL", url.clone())
                .start()
                .await,
        );
    }
    shops
}

/// A page open on process A sees a stock change made through C within a second; a chat
/// message sent through B reaches an agent console on C (and B knows C's agent is
/// online); a product sold out through C leaves A's search results.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_one_process_tells_its_pages_reaches_the_others() {
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;
    if !on_postgres() {
        eprintln!("several processes need PostgreSQL: this runs in make test's PostgreSQL pass");
        return;
    }
    let shops = shops_on_one_database().await;
    let (a, b, c) = (&shops[0], &shops[1], &shops[2]);
    let (variant, sku, product): (i64, String, i64) =
        sqlx::query_as("SELECT id, sku, product_id FROM variants ORDER BY id LIMIT 1")
            .fetch_one(&a.state.db.read)
            .await
            .unwrap();

    // Stock: A's page, C's change.
    let res = a
        .app
        .clone()
        .oneshot(
            Request::get(format!("/api/live/stock?variants={variant}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut page = res.into_body().into_data_stream();
    let changed = Instant::now();
    c.state.stock().receive(&sku, "LDS", 5).await.unwrap();
    let (name, live) = tokio::time::timeout(Duration::from_secs(1), next_event(&mut page))
        .await
        .expect("A's page heard of C's change within a second");
    assert_eq!(
        (name.as_str(), live["variant_id"].as_i64()),
        ("stock", Some(variant))
    );
    eprintln!("stock change on C → page on A: {:?}", changed.elapsed());

    // Chat: the agent signs in on C, the shopper writes through B.
    let agent = call_fn(
        &c.app,
        "/api/agent/sign_in",
        None,
        &[("name", "alex"), ("password", PASSWORD)],
    )
    .await
    .cookie
    .expect("signed in");
    let res = c
        .app
        .clone()
        .oneshot(
            Request::get("/api/agent/events")
                .header(header::COOKIE, &agent)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut console = res.into_body().into_data_stream();
    assert_eq!(next_event(&mut console).await.0, "presence");
    let online_by = Instant::now() + Duration::from_secs(1);
    loop {
        let chat = call_fn(&b.app, "/api/help/chat", None, &[]).await;
        if chat.json["agents_online"] == true {
            break;
        }
        assert!(
            Instant::now() < online_by,
            "B never heard that C has an agent online"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = Instant::now();
    let said = json_fn(
        &b.app,
        "/api/help/send",
        None,
        json!({"text": "Is this in blue?", "context": {"page": "/", "cart": [], "orders": [], "region": "yorkshire"}, "email": ""}),
    )
    .await;
    assert_eq!(said.status, StatusCode::OK, "{}", said.json);
    let id = said.json["conversation"]["id"].as_i64().unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let (name, data) = next_event(&mut console).await;
            if name == "queue" && data["conversation"] == id {
                break;
            }
        }
    })
    .await;
    assert!(
        heard.is_ok(),
        "C's console heard of B's chat within a second"
    );
    eprintln!("chat message on B → console on C: {:?}", sent.elapsed());

    // Search: sold out through C, gone from A's in-stock results.
    let id = u32::try_from(product).unwrap();
    assert!(a.state.search.in_stock(id));
    sqlx::query("UPDATE stock SET quantity = 0 WHERE variant_id IN (SELECT id FROM variants WHERE product_id = $1)")
        .bind(product)
        .execute(&c.state.db.write)
        .await
        .unwrap();
    c.state.refresh_search(Some(&[product])).await.unwrap();
    let by = Instant::now() + Duration::from_secs(1);
    while a.state.search.in_stock(id) {
        assert!(Instant::now() < by, "A's index still shows it in stock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The sign-in throttle (5 failures per name in 15 minutes) counts failures made
/// through any process: 2 through A, 2 through B, 1 through C, and the sixth try is
/// refused wherever it is made, even with the right password.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_throttle_holds_across_processes() {
    use axum::http::StatusCode;
    if !on_postgres() {
        eprintln!("several processes need PostgreSQL: this runs in make test's PostgreSQL pass");
        return;
    }
    let shops = shops_on_one_database().await;
    for shop in [0, 0, 1, 1, 2] {
        let wrong = call_fn(
            &shops[shop].app,
            "/api/agent/sign_in",
            None,
            &[("name", "alex"), ("password", "not the password")],
        )
        .await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            wrong.json
        );
    }
    for shop in &shops {
        let right = call_fn(
            &shop.app,
            "/api/agent/sign_in",
            None,
            &[("name", "alex"), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(
            right.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            right.json
        );
    }
}

/// A charge another process is making is left alone by a process that starts; one left
/// behind longer than the lease (its process stopped mid-way) is put back and charged.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_starting_process_takes_over_only_charges_left_behind() {
    use storefront::server::checkout::CHARGE_LEASE;
    if !on_postgres() {
        eprintln!("several processes need PostgreSQL: this runs in make test's PostgreSQL pass");
        return;
    }
    let url = fresh_postgres_database(&std::env::var("STOREFRONT_TEST_POSTGRES").unwrap()).await;
    let start = || {
        TestShop::new()
            .products(20)
            .with("STOREFRONT_DATABASE_URL", url.clone())
            .start()
    };
    let a = start().await;
    // 1 in stock, 1 on its way: the second unit is charged when it arrives.
    let variant: i64 = sqlx::query_scalar("SELECT MIN(variant_id) FROM stock")
        .fetch_one(&a.state.db.read)
        .await
        .unwrap();
    let now = i64::try_from(std::time::UNIX_EPOCH.elapsed().unwrap().as_secs()).unwrap();
    let expected =
        storefront::domain::date::CalendarDate::from_days_since_epoch(now / 86_400 + 7).to_string();
    for sql in [
        "DELETE FROM incoming WHERE variant_id = $1",
        "UPDATE stock SET quantity = 0 WHERE variant_id = $1",
        "UPDATE stock SET quantity = 1 WHERE variant_id = $1 AND centre_id = 1",
        "UPDATE variants SET restock_on = $2 WHERE id = $1",
        "INSERT INTO incoming (variant_id, centre_id, quantity, expected_on) VALUES ($1, 1, 5, $2)",
    ] {
        sqlx::query(sql)
            .bind(variant)
            .bind(&expected)
            .execute(&a.state.db.write)
            .await
            .unwrap();
    }
    let mut body = common::checkout_body(
        &a.app,
        json!([{"variant_id": variant, "quantity": 2}]),
        common::VISA_APPROVED,
        "cluster-charge-0001",
    )
    .await;
    body["request"]["accept_backorder"] = true.into();
    let (status, answer) = common::call(&a.app, "/api/place_order", &body).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{answer}");
    // The unit arrives: it is charged at once.
    let sku: String = sqlx::query_scalar("SELECT sku FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(&a.state.db.read)
        .await
        .unwrap();
    a.state.stock().receive(&sku, "LDS", 1).await.unwrap();
    let payment: i64 = sqlx::query_scalar("SELECT id FROM payments WHERE purpose = 'backorder'")
        .fetch_one(&a.state.db.read)
        .await
        .unwrap();
    let status_of = |db: Pool| async move {
        sqlx::query_scalar::<_, String>("SELECT status FROM payments WHERE id = $1")
            .bind(payment)
            .fetch_one(&db)
            .await
            .unwrap()
    };

    assert_eq!(status_of(a.state.db.read.clone()).await, "authorized");

    // As if process A were still charging it: the bank has answered, A hasn't written it.
    sqlx::query("UPDATE payments SET status = 'charging', charging_at = $1, \"authorization\" = NULL WHERE id = $2")
        .bind(now)
        .bind(payment)
        .execute(&a.state.db.write)
        .await
        .unwrap();
    let b = start().await;
    assert_eq!(
        status_of(b.state.db.read.clone()).await,
        "charging",
        "left to A"
    );

    // Process A stopped mid-way, longer ago than the lease.
    sqlx::query("UPDATE payments SET charging_at = $1 WHERE id = $2")
        .bind(now - CHARGE_LEASE - 1)
        .bind(payment)
        .execute(&a.state.db.write)
        .await
        .unwrap();
    let c = start().await;
    assert_eq!(
        status_of(c.state.db.read.clone()).await,
        "authorized",
        "taken over"
    );
    let holds: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM test_gateway_authorizations WHERE reference LIKE '%-backorder-%'",
    )
    .fetch_one(&c.state.db.read)
    .await
    .unwrap();
    assert_eq!(
        holds, 1,
        "asked again under the same reference: one hold at the bank"
    );
}
