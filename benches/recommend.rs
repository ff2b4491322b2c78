//! Recommendation figures (`make bench-recommend`):
//!
//! 1. Quality offline: a generated purchase history with hidden tastes (10,000 products,
//!    30,000 customers, 100,000 orders; `tests/common/tastes.rs`); each returning
//!    customer's last order hidden; hit rate at 10 for ours and for "most bought". Exits
//!    non-zero if ours is not at least twice the baseline.
//! 2. Reads at scale: a shop of 10,000 products (`STOREFRONT_BENCH_PRODUCTS`) with that
//!    history written as 100,000 orders; the time to load the counts from the database,
//!    then "Goes well with" a product and "Picked for you" for a customer, each read
//!    2,000 times (p50, p95), through the service the server functions call.
//! 3. The monthly offers mail at 100,000 subscribers (`STOREFRONT_BENCH_SUBSCRIBERS`):
//!    every customer of that history and as many more addresses, all confirmed, a fifth
//!    with a saved item now cheaper; one run from start to the last batch (each person's
//!    mail composed and written to the outbox): time, mails, and the process's peak
//!    memory during the run. `make bench-offers` runs this part alone (with 2).

#[path = "../tests/common/mod.rs"]
mod common;

use common::offers::{save, subscribe, Saved};
use common::{env_or, percentile};

use common::shop::TestShop;
use common::tastes::{generate, hit_rates};
use std::time::{Duration, Instant};

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what}: p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms ({} reads)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        times.len()
    );
}

/// The process's resident memory now and at its peak, in MiB (`/proc/self/status`).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

#[tokio::main]
async fn main() {
    let products: u32 = env_or("STOREFRONT_BENCH_PRODUCTS", 10_000);
    let orders: u32 = env_or("STOREFRONT_BENCH_ORDERS", 100_000);
    let subscribers: u32 = env_or("STOREFRONT_BENCH_SUBSCRIBERS", 100_000);
    let offers_only = std::env::args().any(|a| a == "offers");
    let history = generate(products, products * 3, orders, 7);

    let good_enough = if offers_only {
        true
    } else {
        let started = Instant::now();
        let (ours, popular, customers) = hit_rates(&history, 10);
        println!(
            "quality: hit rate at 10 over {customers} returning customers: ours {ours:.3}, most bought {popular:.3} ({:.1}×) [{:.1} s]",
            ours / popular.max(f64::EPSILON),
            started.elapsed().as_secs_f64()
        );
        ours >= 2.0 * popular
    };

    // The same history as orders in a real shop.
    let started = Instant::now();
    let shop = TestShop::new().products(products as usize).start().await;
    let state = &shop.state;
    println!(
        "shop of {products} products seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM products ORDER BY id")
        .fetch_all(&state.db.read)
        .await
        .unwrap();
    let variant_of: Vec<i64> =
        sqlx::query_scalar("SELECT MIN(id) FROM variants GROUP BY product_id ORDER BY product_id")
            .fetch_all(&state.db.read)
            .await
            .unwrap();
    let mut tx = state.db.write.begin().await.unwrap();
    for (n, (customer, basket)) in history.orders.iter().enumerate() {
        let order: i64 = sqlx::query_scalar(
            "INSERT INTO orders (number, access_key, status, email, ship_name, ship_line1, ship_line2, ship_city,
                                 ship_postcode, ship_country, currency, subtotal_minor, delivery_minor, total_minor, placed_at)
             VALUES ($1, '', 'delivered', $2, 'Bench', '', '', '', '', 'GB', 'GBP', 0, 0, 0, 0) RETURNING id",
        )
        .bind(format!("SF-BENCH{n:06}"))
        .bind(format!("customer{customer}@example.com"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        for p in basket {
            sqlx::query(
                "INSERT INTO order_lines (order_id, variant_id, product_name, variant_label, quantity, unit_price_minor, line_total_minor)
                 VALUES ($1, $2, '', '', 1, 0, 0)",
            )
            .bind(order)
            .bind(variant_of[*p as usize % variant_of.len()])
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
    println!(
        "{} orders written in {:.1} s",
        history.orders.len(),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let counted = state.recommender.catch_up(&state.db.read).await.unwrap();
    println!(
        "counts loaded from {counted} orders in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    if !offers_only {
        reads_at_scale(state, &ids, products).await;
    }
    offers_run(state, products, subscribers).await;
    if !good_enough {
        eprintln!("ours is not twice the baseline");
        std::process::exit(1);
    }
}

/// "Goes well with" and "Picked for you", 2,000 reads each.
async fn reads_at_scale(state: &storefront::server::AppState, ids: &[i64], products: u32) {
    let reads = 2_000;
    let mut rng = storefront::server::seed::SplitMix64::new(11);
    let slugs: Vec<String> = sqlx::query_scalar("SELECT slug FROM products ORDER BY id")
        .fetch_all(&state.db.read)
        .await
        .unwrap();
    let mut times = Vec::with_capacity(reads);
    let mut shown = 0;
    for _ in 0..reads {
        // Popular products are viewed most.
        let i =
            (rng.below(ids.len() as u64) * rng.below(ids.len() as u64) / ids.len() as u64) as usize;
        let t = Instant::now();
        let cards = state
            .recommendations()
            .goes_with(Some(&slugs[i]), &[])
            .await
            .unwrap();
        times.push(t.elapsed());
        shown += cards.len();
    }
    report("\"Goes well with\" a product", times);
    println!(
        "  {:.1} products shown per read",
        shown as f64 / reads as f64
    );
    let mut times = Vec::with_capacity(reads);
    for _ in 0..reads {
        let customer = rng.below(u64::from(products) * 3);
        let t = Instant::now();
        let cards = state
            .recommendations()
            .for_customer(&format!("customer{customer}@example.com"));
        times.push(t.elapsed());
        std::hint::black_box(cards);
    }
    report("\"Picked for you\"", times);
}

/// One monthly offers mail to `subscribers` confirmed addresses, start to finish.
async fn offers_run(state: &storefront::server::AppState, products: u32, subscribers: u32) {
    let started = Instant::now();
    let prices: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, price_minor FROM products ORDER BY id")
            .fetch_all(&state.db.read)
            .await
            .unwrap();
    let mut tx = state.db.write.begin().await.unwrap();
    for i in 0..subscribers {
        // The history's customers first, then addresses that never bought.
        let email = if i < products * 3 {
            format!("customer{i}@example.com")
        } else {
            format!("subscriber{i}@example.com")
        };
        subscribe(&mut tx, &email).await;
        if i % 5 == 0 {
            let (product, price) = prices[i as usize % prices.len()];
            let item = Saved {
                product,
                saved_minor: price + 500,
                told_minor: price,
                in_stock_then: true,
            };
            save(&mut tx, &email, item).await;
        }
    }
    tx.commit().await.unwrap();
    println!(
        "{subscribers} subscribers written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The peak from here on is the run's (Linux: 5 resets the high-water mark).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (before, _) = memory_mib();
    let started = Instant::now();
    state.offers().start_now().await.unwrap();
    state
        .jobs()
        .run_due(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64,
        )
        .await;
    let took = started.elapsed();
    let (_, peak) = memory_mib();
    let (seen, sent): (i64, i64) =
        sqlx::query_as("SELECT seen, sent FROM offer_runs WHERE finished_at IS NOT NULL")
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    println!(
        "monthly offers mail: {seen} subscribers gone through, {sent} mails written to the outbox in {:.1} s ({:.0} subscribers/s); memory {before:.0} MiB before, peak {peak:.0} MiB during the run (+{:.0} MiB)",
        took.as_secs_f64(),
        seen as f64 / took.as_secs_f64(),
        peak - before
    );
}
