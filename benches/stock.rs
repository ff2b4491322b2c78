//! Stock figures at scale (default 10,000 products), printed as medians and tails:
//!
//! 1. Stock reads (`POST /api/stock`, one variant, real router and SQLite) at a fixed
//!    offered rate (default 2,000 requests/s), beside a plain axum JSON endpoint measured
//!    the same way in the same run; the ratio of their p99s is reported. The load is open
//!    loop: each request has a scheduled start, and latency counts from that start, so a
//!    slow server cannot hide its queueing.
//! 2. Whole checkouts per second (test card tokenized, cart quoted, order placed with
//!    nearest-first allocation and authorized by the test gateway; random carts, 16 at a
//!    time), and a check that nothing was oversold.
//! 3. Time from a checkout (ending in a stock change) to the `stock` event reaching an
//!    open live-stock stream (p50, p95).
//! 4. Checkout latency (p50, p95) alone, and while a flood of anonymous chat messages
//!    (each a new shopper, from one address or from as many addresses as messages) is
//!    offered at `STOREFRONT_BENCH_FLOOD_RPS` (default 2,000/s; 0 for as fast as 8
//!    senders go), with how many the flood got in and how many were turned away.
//!
//! 5. Order status page reads (`POST /api/order_status`: the order, its lines and each
//!    parcel's timeline, half of them shipped) at `STOREFRONT_BENCH_STATUS_RPS` (default
//!    1,000/s) beside the plain axum endpoint, p99 ratio.
//!
//! `make bench-stock`; `STOREFRONT_BENCH_PRODUCTS`, `STOREFRONT_BENCH_RPS` and
//! `STOREFRONT_BENCH_SECONDS` change the size, rate and duration;
//! `STOREFRONT_BENCH_ONLY=status` runs part 5 alone.

#[path = "../tests/common/mod.rs"]
mod common;

use common::load::{ms, open_loop, report, Conn};
use common::{env_or, percentile};

use common::shop::TestShop;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use storefront::domain::cart::CartLine;
use storefront::server::{http, AppState};
use tokio::io::AsyncBufReadExt;

fn stock_request(variant: i64) -> Vec<u8> {
    let body = format!(r#"{{"variant_ids":[{variant}],"region":"london"}}"#);
    format!(
        "POST /api/stock HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const PLAIN_REQUEST: &[u8] = b"GET /plain HTTP/1.1\r\nHost: bench\r\n\r\n";

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Part 5: 100 orders (half shipped, so their pages carry a timeline with tracking),
/// their status read at `rps` beside the plain endpoint.
async fn status_reads(
    state: &AppState,
    app: &axum::Router,
    shop: SocketAddr,
    plain: SocketAddr,
    rps: f64,
    seconds: f64,
) {
    use tower::ServiceExt;
    let in_stock: Vec<i64> = sqlx::query_scalar(
        "SELECT variant_id FROM stock WHERE quantity >= 3 GROUP BY variant_id ORDER BY variant_id LIMIT 100",
    )
    .fetch_all(&state.db.read)
    .await
    .unwrap();
    let mut orders = Vec::new();
    for v in &in_stock {
        let line = CartLine {
            variant_id: *v,
            quantity: 1,
        };
        if let Ok(placed) =
            common::buy(state, &common::details_in("yorkshire"), &[line], false).await
        {
            orders.push(placed);
        }
    }
    // Half of them packed and shipped (the staff session signed in as the warehouse).
    let staff_key = "benchWarehouseSessionKey00000000";
    sqlx::query(
        "INSERT INTO agent_sessions (token_hash, agent, created_at, expires_at, role) VALUES ($1, 'bench', 0, 9999999999, 'warehouse')",
    )
    .bind(storefront::server::session::digest(staff_key))
    .execute(&state.db.write)
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM shipments ORDER BY id")
        .fetch_all(&state.db.read)
        .await
        .unwrap();
    let cookie = format!(
        "{}={staff_key}",
        storefront::server::session::WAREHOUSE_COOKIE
    );
    let mut shipped = 0;
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        for (name, body) in [
            ("pack", serde_json::json!({"id": id})),
            (
                "ship",
                serde_json::json!({"id": id, "carrier": "test-courier", "tracking": format!("TC{:010}", 5_000_000 + i)}),
            ),
        ] {
            let res = app
                .clone()
                .oneshot(
                    axum::http::Request::post(format!("/api/warehouse/{name}"))
                        .header("content-type", "application/json")
                        .header("cookie", &cookie)
                        .body(axum::body::Body::from(body.to_string()))
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{name} {id}");
            if name == "ship" {
                shipped += 1;
            }
        }
    }
    println!(
        "\norder status reads ({} orders, {shipped} shipped) at {rps:.0} requests/s offered for {seconds:.0} s, 32 connections:",
        orders.len()
    );
    let plain_result = open_loop(&[plain], rps, seconds, 32, |_| PLAIN_REQUEST.to_vec()).await;
    let plain_p99 = report("plain axum JSON", &plain_result);
    let orders = Arc::new(orders);
    let status_result = open_loop(&[shop], rps, seconds, 32, move |i| {
        let o = &orders[(i * 7919) % orders.len()];
        let body = format!(r#"{{"number":"{}","key":"{}"}}"#, o.number, o.key);
        format!(
            "POST /api/order_status HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    })
    .await;
    let status_p99 = report("POST /api/order_status", &status_result);
    println!(
        "  ratio (status / plain): p99 {:.1}×, p50 {:.1}×",
        status_p99.as_secs_f64() / plain_p99.as_secs_f64().max(1e-9),
        percentile(&status_result.latencies, 0.5).as_secs_f64()
            / percentile(&plain_result.latencies, 0.5)
                .as_secs_f64()
                .max(1e-9)
    );
}

async fn total_stock(state: &AppState) -> i64 {
    sqlx::query_scalar("SELECT SUM(quantity) FROM stock")
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

#[tokio::main]
async fn main() {
    let products: usize = env_or("STOREFRONT_BENCH_PRODUCTS", 10_000);
    let rps: f64 = env_or("STOREFRONT_BENCH_RPS", 2_000.0);
    let seconds: f64 = env_or("STOREFRONT_BENCH_SECONDS", 10.0);
    let started = Instant::now();
    // `STOREFRONT_DURABILITY=normal make bench-stock` measures the faster setting.
    let durability = std::env::var("STOREFRONT_DURABILITY").unwrap_or_else(|_| "full".into());
    let test_shop = TestShop::new()
        .products(products)
        .with("STOREFRONT_DURABILITY", durability.clone())
        .with(
            "STOREFRONT_WAREHOUSE",
            format!(
                "bench:{}",
                storefront::server::agents::hash_password("bench warehouse password").unwrap()
            ),
        )
        .start()
        .await;
    let state = test_shop.state.clone();
    let variants: Vec<i64> = sqlx::query_scalar("SELECT id FROM variants ORDER BY id")
        .fetch_all(&state.db.read)
        .await
        .unwrap();
    println!(
        "shop: {products} products, {} variants, durability {durability}, ready in {:.1} s; 2 cores shared by server and load",
        variants.len(),
        started.elapsed().as_secs_f64()
    );

    // 1. Stock reads beside a plain endpoint.
    let shop = serve(http::router(state.clone())).await;
    let plain = serve(axum::Router::new().route(
        "/plain",
        axum::routing::get(|| async {
            axum::Json(serde_json::json!([{"variant_id": 1, "availability": {"InStock": {"available": 12}}, "delivery": null}]))
        }),
    ))
    .await;
    let status_rps: f64 = env_or("STOREFRONT_BENCH_STATUS_RPS", 1_000.0);
    if std::env::var("STOREFRONT_BENCH_ONLY").as_deref() == Ok("status") {
        status_reads(&state, &test_shop.app, shop, plain, status_rps, seconds).await;
        return;
    }
    println!("\nstock reads at {rps:.0} requests/s offered for {seconds:.0} s, 32 connections:");
    let plain_result = open_loop(&[plain], rps, seconds, 32, |_| PLAIN_REQUEST.to_vec()).await;
    let plain_p99 = report("plain axum JSON", &plain_result);
    let ids = Arc::new(variants.clone());
    let stock_result = open_loop(&[shop], rps, seconds, 32, move |i| {
        stock_request(ids[(i * 7919) % ids.len()])
    })
    .await;
    let stock_p99 = report("POST /api/stock", &stock_result);
    println!(
        "  ratio (stock / plain): p99 {:.1}×, p50 {:.1}×",
        stock_p99.as_secs_f64() / plain_p99.as_secs_f64().max(1e-9),
        percentile(&stock_result.latencies, 0.5).as_secs_f64()
            / percentile(&plain_result.latencies, 0.5)
                .as_secs_f64()
                .max(1e-9)
    );

    // 2. Orders per second with allocation.
    let orders: usize = env_or("STOREFRONT_BENCH_ORDERS", 2_000);
    let before = total_stock(&state).await;
    let state = Arc::new(state);
    let started = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let state = state.clone();
            let variants = variants.clone();
            tokio::spawn(async move {
                let regions = ["london", "scotland", "wales", "north-east", "south-west"];
                let (mut placed, mut refused, mut latencies) = (0, 0, Vec::new());
                let mut i = t;
                while i < orders {
                    let lines: Vec<CartLine> = (0..1 + i % 3)
                        .map(|k| CartLine {
                            variant_id: variants[(i * 104_729 + k * 7_901) % variants.len()],
                            quantity: 1 + (i % 2) as u32,
                        })
                        .collect();
                    let at = Instant::now();
                    match common::buy(
                        &state,
                        &common::details_in(regions[i % regions.len()]),
                        &lines,
                        false,
                    )
                    .await
                    {
                        Ok(_) => placed += 1,
                        // Short, or only possible as a backorder this shopper didn't accept.
                        Err(
                            storefront::api::ShopError::OutOfStock(_)
                            | storefront::api::ShopError::Invalid(_),
                        ) => refused += 1,
                        Err(e) => panic!("order failed: {e:?}"),
                    }
                    latencies.push(at.elapsed());
                    i += 16;
                }
                (placed, refused, latencies)
            })
        })
        .collect();
    let (mut placed, mut refused, mut latencies) = (0, 0, Vec::new());
    for t in tasks {
        let (p, r, l) = t.await.unwrap();
        placed += p;
        refused += r;
        latencies.extend(l);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let after = total_stock(&state).await;
    let allocated: i64 =
        sqlx::query_scalar("SELECT COALESCE(SUM(quantity), 0) FROM order_allocations")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    let negative: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stock WHERE quantity < 0")
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    println!(
        "\ncheckouts (tokenize, quote, place with nearest-first allocation, authorize), 16 at a time: {orders} attempted in {:.1} s → {:.0} orders/s ({placed} placed, {refused} refused: short, or a backorder not accepted)",
        elapsed.as_secs_f64(),
        orders as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  per order: p50 {} · p95 {} · p99 {}",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.95)),
        ms(percentile(&latencies, 0.99))
    );
    println!(
        "  oversold: {} (stock fell by {}, allocations {}, rows below zero {negative})",
        if before - after == allocated && negative == 0 {
            0
        } else {
            (before - after - allocated).abs() + negative
        },
        before - after,
        allocated
    );

    // 3. Stock change → live event.
    let variant = variants[variants.len() / 2];
    sqlx::query("UPDATE stock SET quantity = 10000 WHERE variant_id = $1")
        .bind(variant)
        .execute(&state.db.write)
        .await
        .unwrap();
    let mut stream = Conn::open(shop).await.unwrap();
    let (status, _) = stream
        .head(format!("GET /api/live/stock?variants={variant}&region=london HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(status, 200);
    let mut delays = Vec::new();
    for _ in 0..200 {
        let at = Instant::now();
        let state = state.clone();
        let order = tokio::spawn(async move {
            common::buy(
                &state,
                &common::details_in("london"),
                &[CartLine {
                    variant_id: variant,
                    quantity: 1,
                }],
                false,
            )
            .await
        });
        let mut line = String::new();
        loop {
            line.clear();
            stream.io.read_line(&mut line).await.unwrap();
            if line.starts_with("event: stock") {
                delays.push(at.elapsed());
                break;
            }
        }
        order.await.unwrap().expect("order");
    }
    delays.sort();
    println!(
        "\nstock change → live event on an open stream (checkout started to event received), 200 changes: p50 {} · p95 {} · max {}",
        ms(percentile(&delays, 0.5)),
        ms(percentile(&delays, 0.95)),
        ms(delays.last().copied().unwrap_or_default())
    );

    status_reads(&state, &test_shop.app, shop, plain, status_rps, seconds).await;

    // 4. Checkouts beside a flood of anonymous chat messages.
    let flood_orders: usize = env_or("STOREFRONT_BENCH_FLOOD_ORDERS", 1_600);
    // Offered flood rate in all (0: as fast as 8 in-process senders go, which measures
    // the CPU the load generator takes from the shop as much as the shop).
    let flood_rps: f64 = env_or("STOREFRONT_BENCH_FLOOD_RPS", 2_000.0);
    let app = http::router((*state).clone());
    let pace = (flood_rps > 0.0).then(|| Duration::from_secs_f64(8.0 / flood_rps));
    println!(
        "\ncheckouts ({flood_orders}, 16 at a time) beside anonymous chat floods (8 senders, {}):",
        if flood_rps > 0.0 {
            format!("{flood_rps:.0} messages/s offered")
        } else {
            "as fast as they go".into()
        }
    );
    for flood in [Flood::None, Flood::OneAddress, Flood::ManyAddresses] {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let senders: Vec<_> = (0..8u32)
            .map(|s| {
                let (app, stop) = (app.clone(), stop.clone());
                tokio::spawn(async move {
                    let (mut taken, mut refused, mut n) = (0u32, 0u32, 0u32);
                    let mut tick = pace.map(tokio::time::interval);
                    if let Some(t) = tick.as_mut() {
                        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                    }
                    while flood != Flood::None && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        if let Some(t) = tick.as_mut() {
                            t.tick().await;
                        }
                        n += 1;
                        let address = match flood {
                            Flood::OneAddress => [203, 0, 113, 50],
                            _ => {
                                let [_, a, b, c] = (s * 1_000_000 + n).to_be_bytes();
                                [10, a, b, c]
                            }
                        };
                        match chat_from(&app, address, n).await {
                            200 => taken += 1,
                            _ => refused += 1,
                        }
                        // A sender over the network waits for its socket; in process, a
                        // refusal is ready at once, and a loop that never waits would
                        // keep the runtime's threads from everything else.
                        tokio::task::yield_now().await;
                    }
                    (taken, refused)
                })
            })
            .collect();
        let started = Instant::now();
        let latencies = checkouts(&state, &variants, flood_orders).await;
        let elapsed = started.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (mut taken, mut refused) = (0, 0);
        for s in senders {
            let (t, r) = s.await.unwrap();
            taken += t;
            refused += r;
        }
        println!(
            "  {:<44} checkout p50 {} · p95 {} · {:.0} orders/s; flood: {:.0} messages/s stored, {:.0}/s turned away",
            flood.label(),
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.95)),
            flood_orders as f64 / elapsed.as_secs_f64(),
            f64::from(taken) / elapsed.as_secs_f64(),
            f64::from(refused) / elapsed.as_secs_f64(),
        );
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flood {
    None,
    OneAddress,
    ManyAddresses,
}

impl Flood {
    fn label(self) -> &'static str {
        match self {
            Flood::None => "no flood",
            Flood::OneAddress => "flood from one address",
            Flood::ManyAddresses => "flood from a new address per message",
        }
    }
}

/// An anonymous shopper's first chat message, from `address`, as the help panel sends it.
async fn chat_from(app: &axum::Router, address: [u8; 4], n: u32) -> u16 {
    use tower::ServiceExt;
    let body = serde_json::json!({
        "text": format!("Flood message {n}"),
        "context": {"page": "/"},
        "email": "flood@example.com",
    });
    let mut req = axum::http::Request::post("/api/help/send")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(SocketAddr::from((
            address, 40_000,
        ))));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let _ = axum::body::to_bytes(res.into_body(), 1 << 20).await;
    status
}

/// `orders` whole checkouts of one unit, 16 at a time; each one's latency.
async fn checkouts(state: &Arc<AppState>, variants: &[i64], orders: usize) -> Vec<Duration> {
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let state = state.clone();
            let variants = variants.to_vec();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = t;
                while i < orders {
                    let line = CartLine {
                        variant_id: variants[(i * 7_919 + 13) % variants.len()],
                        quantity: 1,
                    };
                    let at = Instant::now();
                    let _ = common::buy(&state, &common::details_in("london"), &[line], true).await;
                    latencies.push(at.elapsed());
                    i += 16;
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    all
}
