//! One shop process on SQLite against PostgreSQL with one and with three processes, in
//! the same run, on the same machine, each set-up a fresh database with the same demo
//! catalog (1,000 products, `STOREFRONT_BENCH_PRODUCTS`), the shop binary in processes of
//! its own as production runs it:
//!
//! 1. Stock reads (`POST /api/stock`, one variant) at a fixed offered rate (default
//!    1,000 requests/s for 10 s, `STOREFRONT_BENCH_RPS`, `STOREFRONT_BENCH_SECONDS`),
//!    open loop, over keep-alive connections spread over the processes: p50, p99.
//! 2. Whole checkouts per second (card tokenized, cart quoted, order placed and
//!    authorized; 16 shoppers at a time spread over the processes,
//!    `STOREFRONT_BENCH_ORDERS` orders, default 600), and a check that nothing was
//!    oversold: the stock that left equals the units ordered, none below zero.
//! 3. On PostgreSQL, where its sessions spend the checkouts (`pg_stat_activity` sampled
//!    every 50 ms): the mean number waiting for a lock, inside a transaction waiting for
//!    their shop process, working, flushing the WAL; this says where the next bottleneck is.
//!
//! Each request names its own shopper's address (`X-Forwarded-For`, the processes trust
//! the loopback proxy), as nginx in front would, so the per-address limits count
//! shoppers, not the benchmark. PostgreSQL is a throw-away cluster
//! (`scripts/postgres.sh`, fsync on), or `STOREFRONT_TEST_POSTGRES` when set.
//! `make bench-cluster`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::load::{ms, open_loop, report};
use common::process::{call_from, database, order_body, Process};
use common::{env_or, percentile, VISA_APPROVED};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use storefront::server::db::Pool;
use tempfile::TempDir;

/// A set-up under test: its processes, their directories, the database.
struct Setup {
    name: String,
    shops: Vec<Process>,
    _dirs: Vec<TempDir>,
    db: Pool,
    postgres: bool,
}

/// `processes` shop processes on one database: SQLite when `postgres` is `None`.
async fn start(name: &str, processes: usize, postgres: Option<&str>) -> Setup {
    let dirs: Vec<TempDir> = (0..processes)
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let url = match postgres {
        Some(server) => common::shop::fresh_postgres_database(server).await,
        None => format!(
            "sqlite://{}",
            dirs[0].path().join("storefront.db").display()
        ),
    };
    for dir in &dirs {
        std::fs::write(dir.path().join("database_url"), &url).unwrap();
    }
    let products = env_or("STOREFRONT_BENCH_PRODUCTS", 1_000usize).to_string();
    let settings = [
        ("STOREFRONT_TRUSTED_PROXIES", "127.0.0.1"),
        ("STOREFRONT_DEMO_PRODUCTS", products.as_str()),
        ("RUST_LOG", "error"),
    ];
    // The first seeds the catalog; the others find it there.
    let mut shops = vec![Process::start_with(dirs[0].path(), &settings).await];
    for dir in &dirs[1..] {
        shops.push(Process::start_with(dir.path(), &settings).await);
    }
    let db = database(dirs[0].path()).await;
    Setup {
        name: name.to_owned(),
        shops,
        _dirs: dirs,
        db,
        postgres: postgres.is_some(),
    }
}

/// The address shopper `n` is known by.
fn shopper(n: usize) -> String {
    format!(
        "10.{}.{}.{}",
        n / 62_500 % 250 + 1,
        n / 250 % 250,
        n % 250 + 1
    )
}

/// Variants with plenty of stock at every centre, and their stock in all.
async fn stocked(db: &Pool) -> (Vec<i64>, i64) {
    sqlx::query("UPDATE stock SET quantity = 100000 WHERE variant_id IN (SELECT id FROM variants ORDER BY id LIMIT 50)")
        .execute(db)
        .await
        .unwrap();
    let variants: Vec<i64> = sqlx::query_scalar("SELECT id FROM variants ORDER BY id LIMIT 50")
        .fetch_all(db)
        .await
        .unwrap();
    (variants, total_stock(db).await)
}

async fn total_stock(db: &Pool) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(SUM(quantity), 0) FROM stock")
        .fetch_one(db)
        .await
        .unwrap()
}

/// What each of the shop's PostgreSQL sessions is doing, one row per kind.
const SESSIONS: &str = "SELECT CASE
        WHEN wait_event_type = 'Lock' THEN 'waiting for a lock'
        WHEN state = 'idle in transaction' THEN 'in a transaction, waiting for its shop'
        WHEN wait_event LIKE 'WAL%' THEN 'flushing the WAL'
        WHEN wait_event_type IS NULL THEN 'working'
        ELSE 'other' END,
        COUNT(*)
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND state IN ('active', 'idle in transaction')
    GROUP BY 1";

/// Samples [`SESSIONS`] every 50 ms until `done`: how many samples, and the sessions
/// counted in each kind over all of them.
async fn sample_sessions(db: Pool, done: Arc<AtomicBool>) -> (usize, BTreeMap<String, i64>) {
    let mut every = tokio::time::interval(Duration::from_millis(50));
    let mut samples = 0;
    let mut seen = BTreeMap::new();
    while !done.load(Ordering::Relaxed) {
        every.tick().await;
        let rows: Vec<(String, i64)> = sqlx::query_as(SESSIONS).fetch_all(&db).await.unwrap();
        samples += 1;
        for (kind, n) in rows {
            *seen.entry(kind).or_default() += n;
        }
    }
    (samples, seen)
}

struct Figures {
    name: String,
    read_p50: Duration,
    read_p99: Duration,
    read_errors: usize,
    checkouts_per_second: f64,
    checkout_p50: Duration,
    checkout_p95: Duration,
    placed: usize,
    oversold: i64,
}

async fn measure(setup: Setup, rps: f64, seconds: f64, orders: usize) -> Figures {
    println!("\n{}", setup.name);
    let addrs: Vec<SocketAddr> = setup
        .shops
        .iter()
        .map(|s| SocketAddr::from(([127, 0, 0, 1], s.port)))
        .collect();
    let (variants, before) = stocked(&setup.db).await;

    // 1. Stock reads at a fixed rate.
    let read_variant = variants[0];
    let reads = open_loop(&addrs, rps, seconds, 48, move |i| {
        let body = format!(r#"{{"variant_ids":[{read_variant}],"region":"london"}}"#);
        format!(
            "POST /api/stock HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nX-Forwarded-For: {}\r\nContent-Length: {}\r\n\r\n{body}",
            shopper(i / 20),
            body.len()
        )
        .into_bytes()
    })
    .await;
    let read_p99 = report("POST /api/stock", &reads);

    // 2. Whole checkouts, 16 shoppers at a time (and 3., PostgreSQL's sessions sampled).
    let done = Arc::new(AtomicBool::new(false));
    let sampler = setup
        .postgres
        .then(|| tokio::spawn(sample_sessions(setup.db.clone(), done.clone())));
    let started = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|lane| {
            let ports: Vec<u16> = setup.shops.iter().map(|s| s.port).collect();
            let variants = variants.clone();
            tokio::spawn(async move {
                let mut placed = 0;
                let mut latencies = Vec::new();
                for n in (lane..orders).step_by(16) {
                    let port = ports[n % ports.len()];
                    let client = shopper(1_000_000 + n);
                    let began = Instant::now();
                    let body = order_body(
                        port,
                        variants[n % variants.len()],
                        &format!("bench-cluster-{n:06}"),
                        VISA_APPROVED,
                        Some(&client),
                    )
                    .await;
                    let answer =
                        call_from(port, "POST", "/api/place_order", Some(&body), Some(&client))
                            .await;
                    if matches!(answer, Some((200, _))) {
                        placed += 1;
                        latencies.push(began.elapsed());
                    }
                }
                (placed, latencies)
            })
        })
        .collect();
    let mut placed = 0;
    let mut latencies = Vec::new();
    for task in tasks {
        let (p, l) = task.await.unwrap();
        placed += p;
        latencies.extend(l);
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    latencies.sort();
    let after = total_stock(&setup.db).await;
    let negative: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stock WHERE quantity < 0")
        .fetch_one(&setup.db)
        .await
        .unwrap();
    let units: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(quantity), 0) FROM order_lines")
        .fetch_one(&setup.db)
        .await
        .unwrap();
    let oversold = (before - after - units).abs() + negative;
    let checkouts_per_second = placed as f64 / elapsed.as_secs_f64();
    println!(
        "  checkouts, 16 at a time: {placed} of {orders} placed in {:.1} s → {checkouts_per_second:.0}/s · p50 {} · p95 {} · oversold {oversold}",
        elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.95)),
    );
    if let Some(sampler) = sampler {
        let (samples, seen) = sampler.await.unwrap();
        let kinds: Vec<String> = seen
            .iter()
            .map(|(kind, n)| format!("{:.2} {kind}", *n as f64 / samples.max(1) as f64))
            .collect();
        println!(
            "  PostgreSQL sessions during the checkouts (mean of {samples} samples, 50 ms apart): {}",
            kinds.join(" · ")
        );
    }
    Figures {
        name: setup.name,
        read_p50: percentile(&reads.latencies, 0.5),
        read_p99,
        read_errors: reads.errors,
        checkouts_per_second,
        checkout_p50: percentile(&latencies, 0.5),
        checkout_p95: percentile(&latencies, 0.95),
        placed,
        oversold,
    }
}

#[tokio::main]
async fn main() {
    let rps: f64 = env_or("STOREFRONT_BENCH_RPS", 1_000.0);
    let seconds: f64 = env_or("STOREFRONT_BENCH_SECONDS", 10.0);
    let orders: usize = env_or("STOREFRONT_BENCH_ORDERS", 600);
    let own_cluster = std::env::var("STOREFRONT_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
        .is_none()
        .then(|| tempfile::tempdir().unwrap());
    let postgres = match &own_cluster {
        Some(dir) => {
            let out = std::process::Command::new("bash")
                .args(["scripts/postgres.sh", "start"])
                .arg(dir.path())
                .env("STOREFRONT_PG_FSYNC", "on")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        }
        None => std::env::var("STOREFRONT_TEST_POSTGRES").unwrap(),
    };
    println!(
        "Stock reads at {rps:.0}/s for {seconds:.0} s, then {orders} whole checkouts, per set-up (2 cores, the bench profile)"
    );
    let setups = [
        ("SQLite, 1 process", 1, None),
        ("PostgreSQL, 1 process", 1, Some(postgres.as_str())),
        ("PostgreSQL, 3 processes", 3, Some(postgres.as_str())),
    ];
    let mut figures = Vec::new();
    for (name, processes, database) in setups {
        figures.push(measure(start(name, processes, database).await, rps, seconds, orders).await);
    }
    println!("\n| set-up | stock read p50 | stock read p99 | read errors | checkouts/s | checkout p50 | checkout p95 | placed | oversold |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for f in &figures {
        println!(
            "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            f.name,
            ms(f.read_p50),
            ms(f.read_p99),
            f.read_errors,
            f.checkouts_per_second,
            ms(f.checkout_p50),
            ms(f.checkout_p95),
            f.placed,
            f.oversold
        );
    }
    if let Some(dir) = &own_cluster {
        let _ = std::process::Command::new("bash")
            .args(["scripts/postgres.sh", "stop"])
            .arg(dir.path())
            .status();
    }
    assert!(figures.iter().all(|f| f.oversold == 0), "oversold");
}
