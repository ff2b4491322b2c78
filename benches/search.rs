//! Search engine figures at scale: index build time and memory, and latency (p50, p95,
//! max) for a query mix, on a generated catalog (default 10,000 products).
//!
//! `make bench-search` (or `cargo bench --features ssr --bench search`);
//! `STOREFRONT_BENCH_PRODUCTS=N` changes the catalog size.

use std::time::{Duration, Instant};
use storefront::domain::search::{SearchParams, SortOrder, Synonyms};
use storefront::server::db::Db;
use storefront::server::search::SearchEngine;
use storefront::server::{seed, today};

/// Resident memory of this process, in KiB (Linux).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("STOREFRONT_BENCH_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(
        &format!("sqlite://{}/bench.db", dir.path().display()),
        Default::default(),
    )
    .await
    .expect("database");
    let started = Instant::now();
    let catalog = seed::generate(seed::DEMO_SEED, n, today());
    let variants: usize = catalog.products.iter().map(|p| p.variants.len()).sum();
    seed::insert(&db, &catalog).await.expect("seed");
    println!(
        "catalog: {n} products, {variants} variants, generated and stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let synonyms = Synonyms::parse(include_str!("../content/synonyms.txt"));
    let before = rss_kib();
    let started = Instant::now();
    let engine = SearchEngine::load(&db.read, synonyms).await.expect("index");
    let build = started.elapsed();
    let after = rss_kib();
    println!(
        "index build: {:.0} ms for {} products; resident memory +{:.1} MiB",
        build.as_secs_f64() * 1e3,
        engine.len(),
        (after.saturating_sub(before)) as f64 / 1024.0
    );

    let q = |query: &str| SearchParams {
        query: query.into(),
        ..Default::default()
    };
    let mix: Vec<(&str, Vec<SearchParams>)> = vec![
        (
            "exact",
            vec![
                q("shirt"),
                q("linen"),
                q("merino jumper"),
                q("canvas tote"),
                q("chelsea boots"),
            ],
        ),
        (
            "prefix",
            vec![q("lin"), q("merin"), q("chel"), q("backp"), q("classic sh")],
        ),
        (
            "one typo",
            vec![
                q("shrit"),
                q("jeams"),
                q("hoodei"),
                q("canvsa"),
                q("lether"),
            ],
        ),
        (
            "two typos",
            vec![
                q("lamswoool"),
                q("cashmre blnd"),
                q("weekendre"),
                q("needlecrod"),
                q("crossbdoy"),
            ],
        ),
        (
            "with facets",
            vec![
                SearchParams {
                    colours: vec!["Navy".into()],
                    in_stock_only: true,
                    ..q("classic")
                },
                SearchParams {
                    price_bands: vec![1, 2],
                    sort: SortOrder::PriceLowHigh,
                    ..q("shirt")
                },
                SearchParams {
                    categories: vec!["shoes".into()],
                    sizes: vec!["UK 8".into()],
                    ..q("leather")
                },
                SearchParams {
                    sort: SortOrder::Rating,
                    in_stock_only: true,
                    ..q("cotton")
                },
                SearchParams {
                    colours: vec!["Black".into(), "Olive".into()],
                    ..q("jacket")
                },
            ],
        ),
    ];
    const ROUNDS: usize = 60;
    println!(
        "\n{:<12} {:>8} {:>10} {:>10} {:>10} {:>9}",
        "queries", "runs", "p50", "p95", "max", "results"
    );
    let mut all = Vec::new();
    for (kind, queries) in &mix {
        for p in queries {
            let _ = engine.search(p, 48); // warm up
        }
        let mut times = Vec::with_capacity(ROUNDS * queries.len());
        let mut results = 0u64;
        let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
        for _ in 0..ROUNDS {
            for (i, p) in queries.iter().enumerate() {
                let t = Instant::now();
                let o = engine.search(p, 48).expect("search");
                let took = t.elapsed();
                times.push(took);
                per_query[i].push(took);
                results += u64::from(o.total);
            }
        }
        if std::env::var_os("STOREFRONT_BENCH_VERBOSE").is_some() {
            for (p, t) in queries.iter().zip(per_query.iter_mut()) {
                t.sort();
                println!(
                    "    {:<24} p50 {:>9} p95 {:>9}",
                    format!("{:?}", p.query),
                    micros(percentile(t, 0.5)),
                    micros(percentile(t, 0.95))
                );
            }
        }
        times.sort();
        println!(
            "{:<12} {:>8} {:>10} {:>10} {:>10} {:>9}",
            kind,
            times.len(),
            micros(percentile(&times, 0.5)),
            micros(percentile(&times, 0.95)),
            micros(*times.last().unwrap()),
            results / times.len() as u64
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "{:<12} {:>8} {:>10} {:>10} {:>10}",
        "all",
        all.len(),
        micros(percentile(&all, 0.5)),
        micros(percentile(&all, 0.95)),
        micros(*all.last().unwrap())
    );
    let p95 = percentile(&all, 0.95);
    println!(
        "\ngoal p95 <= 2 ms: {}",
        if p95 <= Duration::from_millis(2) {
            "met"
        } else {
            "NOT met"
        }
    );
}
