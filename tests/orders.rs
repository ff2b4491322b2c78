//! Orders against a real SQLite database: pricing from the catalog, bad input that changes
//! nothing, and stock under concurrency. Run with `cargo test --features ssr`.
#![cfg(feature = "ssr")]

mod common;

use common::shop::TestShop;
use common::{buy, details_in};
use std::sync::Arc;
use storefront::api::ShopError;
use storefront::domain::cart::CartLine;
use storefront::domain::date::CalendarDate;
use storefront::domain::delivery::DeliveryOption;
use storefront::domain::money::Money;
use storefront::domain::validation::{CheckoutDetails, Field};
use storefront::server::{seed, AppState};

/// A fresh shop with the demo catalog in a temporary directory.
async fn shop() -> (AppState, tempfile::TempDir) {
    let shop = TestShop::new().start().await;
    (shop.state, shop.dir)
}

fn line(variant_id: i64, quantity: u32) -> CartLine {
    CartLine {
        variant_id,
        quantity,
    }
}

fn details() -> CheckoutDetails {
    details_in("london")
}

async fn scalar(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

/// Sets a variant's stock at the three centres (Leeds, Bristol, Glasgow), with nothing
/// on its way.
async fn set_stock(state: &AppState, variant_id: i64, levels: [i64; 3]) {
    sqlx::query("DELETE FROM incoming WHERE variant_id = $1")
        .bind(variant_id)
        .execute(&state.db.write)
        .await
        .unwrap();
    sqlx::query("UPDATE variants SET restock_on = NULL WHERE id = $1")
        .bind(variant_id)
        .execute(&state.db.write)
        .await
        .unwrap();
    for (i, q) in levels.iter().enumerate() {
        sqlx::query("UPDATE stock SET quantity = $1 WHERE variant_id = $2 AND centre_id = $3")
            .bind(q)
            .bind(variant_id)
            .bind(i as i64 + 1)
            .execute(&state.db.write)
            .await
            .unwrap();
    }
}

async fn stock_of(state: &AppState, variant_id: i64) -> i64 {
    sqlx::query_scalar("SELECT SUM(quantity) FROM stock WHERE variant_id = $1")
        .bind(variant_id)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

async fn any_variant(state: &AppState) -> (i64, i64) {
    sqlx::query_as("SELECT v.id, p.price_minor FROM variants v JOIN products p ON p.id = v.product_id ORDER BY v.id LIMIT 1")
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

/// The tokens of the confirm links mailed to `to`, oldest first (mail goes out just after
/// the answer, so this waits for it).
async fn confirm_links(dir: &std::path::Path, to: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for _ in 0..100 {
        let mut files: Vec<_> = std::fs::read_dir(dir.join("outbox"))
            .into_iter()
            .flatten()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        tokens = files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .filter(|m| m.contains(&format!("To: {to}")) && m.contains("Subject: Please confirm"))
            .filter_map(|m| {
                m.split("/alerts/confirm?token=")
                    .nth(1)
                    .map(|t| t.split_whitespace().next().unwrap_or("").to_owned())
            })
            .collect();
        if tokens.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokens
}

#[tokio::test]
async fn demo_catalog_is_seeded_once_with_stock_in_three_centres() {
    let (state, _dir) = shop().await;
    assert!(scalar(&state, "SELECT COUNT(*) FROM products").await >= 200);
    assert!(scalar(&state, "SELECT COUNT(DISTINCT category_id) FROM products").await >= 5);
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM centres").await, 3);
    assert_eq!(
        scalar(
            &state,
            "SELECT COUNT(DISTINCT centre_id) FROM stock WHERE quantity > 0"
        )
        .await,
        3
    );
    assert!(
        scalar(&state, "SELECT COUNT(*) FROM variants v WHERE restock_on IS NOT NULL AND (SELECT SUM(quantity) FROM stock s WHERE s.variant_id = v.id) = 0").await
            > 0
    );
    // A second start finds products and does not seed again.
    assert!(
        !seed::seed_if_empty(&state.db, CalendarDate::new(2026, 11, 22).unwrap(), 216)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_order_is_priced_by_the_shop_and_takes_the_stock() {
    let (state, _dir) = shop().await;
    let (variant, price) = any_variant(&state).await;
    // No centre holds 3, so the line must be split.
    set_stock(&state, variant, [2, 0, 2]).await;
    let placed = buy(
        &state,
        &details_in("london"),
        &[line(variant, 2), line(variant, 1)],
        false,
    )
    .await
    .unwrap();
    assert!(storefront::domain::order::is_order_number(&placed.number));
    assert_eq!(stock_of(&state, variant).await, 1);

    let view = state
        .orders()
        .view(&placed.number, &placed.key)
        .await
        .unwrap();
    assert_eq!(
        view.lines.len(),
        1,
        "two lines on the same variant are one line"
    );
    assert_eq!(view.lines[0].quantity, 3);
    assert_eq!(view.subtotal, Money::gbp(price * 3));
    assert_eq!(view.total.minor, view.subtotal.minor + view.delivery.minor);
    assert_eq!(view.address.postcode, "SW1A 1AA");
    // Split over two centres, recorded.
    assert_eq!(
        scalar(&state, "SELECT COUNT(*) FROM order_allocations").await,
        2
    );
    assert_eq!(
        scalar(&state, "SELECT SUM(quantity) FROM order_allocations").await,
        3
    );

    // The status page needs the private key.
    assert!(matches!(
        state.orders().view(&placed.number, "wrong").await,
        Err(ShopError::NotFound(_))
    ));
    assert!(matches!(
        state.orders().view("SF-00000000", &placed.key).await,
        Err(ShopError::NotFound(_))
    ));
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_changes_nothing() {
    let (state, _dir) = shop().await;
    let (variant, _) = any_variant(&state).await;
    set_stock(&state, variant, [5, 0, 0]).await;
    let one = [line(variant, 1)];

    let mut bad = details();
    bad.email = "not-an-email".into();
    bad.address.postcode = "nowhere".into();
    match buy(&state, &bad, &one, false).await {
        Err(e @ ShopError::Invalid(_)) => {
            assert!(e.message_for(&Field::Email).is_some());
            assert!(e.message_for(&Field::Postcode).is_some());
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    for quantity in [0, 21, 1_000_000, u32::MAX] {
        let err = buy(
            &state,
            &details_in("london"),
            &[line(variant, quantity)],
            false,
        )
        .await
        .unwrap_err();
        assert!(
            err.message_for(&Field::Line(variant)).is_some(),
            "quantity {quantity}: {err:?}"
        );
    }
    let err = buy(&state, &details_in("london"), &[], false)
        .await
        .unwrap_err();
    assert!(err.message_for(&Field::Cart).is_some());
    let err = buy(&state, &details_in("london"), &[line(9_999_999, 1)], false)
        .await
        .unwrap_err();
    assert!(err.message_for(&Field::Line(9_999_999)).is_some());
    let err = buy(&state, &details_in("london"), &[line(variant, 6)], false)
        .await
        .unwrap_err();
    assert_eq!(
        err.message_for(&Field::Line(variant)).as_deref(),
        Some("Sorry, only 5 left. Please lower the quantity to continue.")
    );

    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM orders").await, 0);
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM order_lines").await, 0);
    assert_eq!(stock_of(&state, variant).await, 5);
}

/// 10 units in stock, 200 shoppers buying one each at the same moment: exactly 10
/// orders, 190 clear "out of stock" answers (never a database error), stock ends at 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_simultaneous_orders_for_ten_units_never_oversell() {
    let (state, _dir) = shop().await;
    let (variant, _) = any_variant(&state).await;
    set_stock(&state, variant, [4, 3, 3]).await;
    let state = Arc::new(state);
    let barrier = Arc::new(tokio::sync::Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let state = state.clone();
            let barrier = barrier.clone();
            let region = ["london", "scotland", "wales", "north-east"][i % 4];
            tokio::spawn(async move {
                barrier.wait().await;
                buy(&state, &details_in(region), &[line(variant, 1)], false).await
            })
        })
        .collect();
    let mut placed = 0;
    let mut out_of_stock = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => placed += 1,
            Err(ShopError::OutOfStock(p)) => {
                assert_eq!(p[0].available, 0);
                out_of_stock += 1;
            }
            Err(other) => panic!("unexpected answer: {other:?}"),
        }
    }
    assert_eq!((placed, out_of_stock), (10, 190));
    assert_eq!(stock_of(&state, variant).await, 0);
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM orders").await, 10);
    assert_eq!(scalar(&state, "SELECT MIN(quantity) FROM stock").await, 0);
    assert_eq!(
        scalar(&state, "SELECT SUM(quantity) FROM order_allocations").await,
        10
    );
}

/// Carts that take two variants in opposite orders, 50 at once: no deadlock, and every
/// order gets both lines or nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn carts_locking_variants_in_opposite_orders_are_all_or_nothing() {
    let (state, _dir) = shop().await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM variants ORDER BY id LIMIT 2")
        .fetch_all(&state.db.read)
        .await
        .unwrap();
    let (a, b) = (ids[0], ids[1]);
    set_stock(&state, a, [10, 5, 5]).await;
    set_stock(&state, b, [25, 0, 0]).await;
    let state = Arc::new(state);
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let state = state.clone();
            let barrier = barrier.clone();
            let cart = if i % 2 == 0 {
                [line(a, 1), line(b, 1)]
            } else {
                [line(b, 1), line(a, 1)]
            };
            tokio::spawn(async move {
                barrier.wait().await;
                buy(&state, &details_in("london"), &cart, false).await
            })
        })
        .collect();
    let all = async {
        let mut placed = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => placed += 1,
                Err(ShopError::OutOfStock(_)) => {}
                Err(other) => panic!("unexpected answer: {other:?}"),
            }
        }
        placed
    };
    let placed = tokio::time::timeout(std::time::Duration::from_secs(60), all)
        .await
        .expect("orders finished (no deadlock)");
    assert_eq!(placed, 20, "a has 20 units, so 20 carts can be filled");
    assert_eq!(stock_of(&state, a).await, 0);
    assert_eq!(stock_of(&state, b).await, 5);
    assert_eq!(
        scalar(&state, "SELECT COUNT(*) FROM order_lines").await,
        40,
        "every order has both lines"
    );
}

async fn allocations(state: &AppState, number: &str) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT c.name, a.quantity FROM order_allocations a JOIN centres c ON c.id = a.centre_id
         JOIN order_lines l ON l.id = a.order_line_id JOIN orders o ON o.id = l.order_id
         WHERE o.number = $1 ORDER BY a.rowid",
    )
    .bind(number)
    .fetch_all(&state.db.read)
    .await
    .unwrap()
}

#[tokio::test]
async fn orders_ship_from_the_nearest_centre_and_split_only_when_it_must() {
    let (state, _dir) = shop().await;
    let (variant, _) = any_variant(&state).await;
    set_stock(&state, variant, [5, 5, 5]).await;
    let in_scotland = buy(&state, &details_in("scotland"), &[line(variant, 2)], false)
        .await
        .unwrap();
    assert_eq!(
        allocations(&state, &in_scotland.number).await,
        vec![("Glasgow".into(), 2)]
    );
    let in_london = buy(&state, &details_in("london"), &[line(variant, 1)], false)
        .await
        .unwrap();
    assert_eq!(
        allocations(&state, &in_london.number).await,
        vec![("Bristol".into(), 1)]
    );

    // Glasgow has 3 left: 4 more for Scotland is split, Glasgow first, then Leeds.
    let priced = state
        .orders()
        .price_cart(&[line(variant, 4)], "scotland", DeliveryOption::Standard)
        .await
        .unwrap();
    let shipments = &priced.lines[0].shipments;
    assert_eq!(shipments.len(), 2);
    assert_eq!(
        (shipments[0].centre.as_str(), shipments[0].quantity),
        ("Glasgow", 3)
    );
    assert_eq!(
        (shipments[1].centre.as_str(), shipments[1].quantity),
        ("Leeds", 1)
    );
    assert!(shipments[0].arrives <= shipments[1].arrives);
    assert!(shipments[0]
        .label()
        .starts_with("3 from Glasgow, arriving "));
    assert_eq!(priced.lines[0].backordered, 0);
    let split = buy(&state, &details_in("scotland"), &[line(variant, 4)], false)
        .await
        .unwrap();
    assert_eq!(
        allocations(&state, &split.number).await,
        vec![("Glasgow".into(), 3), ("Leeds".into(), 1)]
    );
}

#[tokio::test]
async fn backorders_need_a_yes_and_restocks_serve_them_first_come_first_served() {
    let (state, dir) = shop().await;
    let (variant, _) = any_variant(&state).await;
    let sku: String = sqlx::query_scalar("SELECT sku FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    set_stock(&state, variant, [1, 0, 0]).await;

    // Nothing expected: the extra unit can't be ordered at all.
    let err = buy(&state, &details_in("london"), &[line(variant, 3)], true)
        .await
        .unwrap_err();
    assert!(matches!(err, ShopError::OutOfStock(_)));

    // Expected on 3 Dec: the cart says so, and the order needs the shopper's yes.
    state
        .stock()
        .announce_delivery(&sku, "BRS", 10, "2026-12-03")
        .await
        .unwrap();
    let priced = state
        .orders()
        .price_cart(&[line(variant, 3)], "london", DeliveryOption::Standard)
        .await
        .unwrap();
    let l = &priced.lines[0];
    assert_eq!((l.shipments[0].quantity, l.backordered), (1, 2));
    assert_eq!(
        l.waiting_label().as_deref(),
        Some("2 more follow around 3 Dec")
    );
    assert!(priced.can_check_out() && !l.can_ship());
    let err = buy(&state, &details_in("london"), &[line(variant, 3)], false)
        .await
        .unwrap_err();
    assert!(err
        .message_for(&Field::Backorder)
        .unwrap()
        .contains("3 Dec"));
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM orders").await, 0);

    let first = buy(&state, &details_in("london"), &[line(variant, 3)], true)
        .await
        .unwrap();
    let second = buy(&state, &details_in("scotland"), &[line(variant, 2)], true)
        .await
        .unwrap();
    assert_eq!(stock_of(&state, variant).await, 0);
    let view = state
        .orders()
        .view(&first.number, &first.key)
        .await
        .unwrap();
    assert_eq!(view.lines[0].backordered, 2);
    assert_eq!(
        view.lines[0].expected.map(|d| d.short_label()).as_deref(),
        Some("3 Dec")
    );

    // A sign-up for "tell me when it's back": the box must be ticked, the address valid.
    let stock = state.stock();
    let err = stock
        .watch(variant, "kim@example.com", false)
        .await
        .unwrap_err();
    assert!(err.message_for(&Field::Consent).is_some());
    let err = stock.watch(variant, "kim@", true).await.unwrap_err();
    assert!(err.message_for(&Field::Email).is_some());
    assert!(stock
        .watch(variant, "kim@example.com", true)
        .await
        .unwrap()
        .contains("we've sent a link to kim@example.com"));
    // Asked again before confirming: a fresh link, still one sign-up.
    stock.watch(variant, "kim@example.com", true).await.unwrap();
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM stock_alerts").await, 1);
    // Someone signs a stranger up; the stranger never opens the link.
    stock.watch(variant, "lou@example.com", true).await.unwrap();
    let links = confirm_links(dir.path(), "kim@example.com").await;
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(
        stock.confirm_watch(&links[0]).await.is_err(),
        "the older link was replaced"
    );
    let confirmed = stock.confirm_watch(&links[1]).await.unwrap();
    assert!(
        confirmed.starts_with("Confirmed: we'll email kim@example.com once"),
        "{confirmed}"
    );
    assert!(
        stock.confirm_watch(&links[1]).await.is_err(),
        "a link works once"
    );

    // 3 arrive: the earlier order gets its 2 first, the later one 1; nothing left to sell,
    // so no "it's back" mail yet.
    let r = stock.receive(&sku, "LDS", 3).await.unwrap();
    assert_eq!(r.to_backorders, 3);
    assert_eq!(
        r.orders_served,
        vec![first.number.clone(), second.number.clone()]
    );
    assert_eq!((r.alerts_mailed, r.available_now), (0, 0));
    let waiting = |n: &str| {
        let n = n.to_owned();
        let state = &state;
        async move {
            sqlx::query_scalar::<_, i64>("SELECT l.backordered FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number = $1")
                .bind(n)
                .fetch_one(&state.db.read)
                .await
                .unwrap()
        }
    };
    assert_eq!(waiting(&first.number).await, 0);
    assert_eq!(waiting(&second.number).await, 1);

    // 5 more: the last waiting unit, then 4 to sell and one mail, once.
    let r = stock.receive(&sku, "LDS", 5).await.unwrap();
    assert_eq!(
        (r.to_backorders, r.available_now, r.alerts_mailed),
        (1, 4, 1)
    );
    assert_eq!(waiting(&second.number).await, 0);
    assert_eq!(
        scalar(&state, "SELECT COUNT(*) FROM stock_alerts").await,
        1,
        "only the unconfirmed sign-up is left, unmailed"
    );
    // Unconfirmed sign-ups are deleted after the days the mail promises.
    let week = storefront::server::stock::UNCONFIRMED_ALERT_DAYS * 86_400;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert_eq!(stock.forget_unconfirmed(now).await, 0);
    assert_eq!(stock.forget_unconfirmed(now + week + 60).await, 1);
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM stock_alerts").await, 0);
    let r = stock.receive(&sku, "LDS", 1).await.unwrap();
    assert_eq!(r.alerts_mailed, 0);
    // Besides the two receipts, one "it's back" mail.
    // Delivered just after the answer.
    let mut alerts: Vec<String> = Vec::new();
    for _ in 0..100 {
        alerts = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .filter(|mail| {
                mail.lines()
                    .any(|l| l.starts_with("Subject:") && l.ends_with("is back in stock"))
            })
            .collect();
        if !alerts.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let mail = &alerts[0];
    assert!(mail.contains("To: kim@example.com"), "{mail}");
    assert!(mail.contains("is back in stock"), "{mail}");
    // Stock received at Leeds leaves the delivery expected at Bristol, and its date, alone.
    let expected: i64 =
        sqlx::query_scalar("SELECT SUM(quantity) FROM incoming WHERE variant_id = $1")
            .bind(variant)
            .fetch_one(&state.db.read)
            .await
            .unwrap();
    assert_eq!(expected, 10);
    // Bad admin input changes nothing.
    assert!(stock.receive("NO-SUCH-SKU", "LDS", 1).await.is_err());
    assert!(stock.receive(&sku, "XYZ", 1).await.is_err());
    assert!(stock.receive(&sku, "LDS", 0).await.is_err());
    assert_eq!(stock_of(&state, variant).await, 5);
}

#[tokio::test]
async fn every_order_and_restock_is_published_to_live_pages() {
    let (state, _dir) = shop().await;
    let (variant, _) = any_variant(&state).await;
    set_stock(&state, variant, [1, 1, 0]).await;
    let mut live = state.live.subscribe();
    buy(&state, &details_in("london"), &[line(variant, 1)], false)
        .await
        .unwrap();
    let change = live.recv().await.unwrap();
    assert_eq!((change.variant_id, change.total()), (variant, 1));
    let shown = state.stock().levels(&[variant], "london").await.unwrap();
    assert_eq!(shown[0].availability.label(), "Only 1 left");
    assert_eq!(shown[0].delivery.as_ref().unwrap().centre, "Leeds");
}

#[tokio::test]
async fn pricing_a_cart_uses_the_shops_prices_and_refuses_nonsense() {
    let (state, _dir) = shop().await;
    let (variant, price) = any_variant(&state).await;
    let priced = state
        .orders()
        .price_cart(&[line(variant, 2)], "london", DeliveryOption::Standard)
        .await
        .unwrap();
    assert_eq!(priced.lines[0].line_total, Money::gbp(price * 2));
    assert_eq!(
        priced.total.minor,
        priced.subtotal.minor + priced.delivery.minor
    );

    let empty = state
        .orders()
        .price_cart(&[], "london", DeliveryOption::Standard)
        .await
        .unwrap();
    assert!(empty.lines.is_empty() && !empty.can_check_out());

    let unknown = state
        .orders()
        .price_cart(&[line(9_999_999, 1)], "london", DeliveryOption::Standard)
        .await
        .unwrap();
    assert_eq!(unknown.unknown, vec![9_999_999]);

    for quantity in [0, u32::MAX] {
        let err = state
            .orders()
            .price_cart(
                &[line(variant, quantity)],
                "london",
                DeliveryOption::Standard,
            )
            .await
            .unwrap_err();
        assert!(
            err.message_for(&Field::Line(variant)).is_some(),
            "{quantity}: {err:?}"
        );
    }
}

/// Acknowledged orders survive a power cut by default: every commit is synced to disk
/// (`synchronous=FULL`, 2); `STOREFRONT_DURABILITY=normal` is the faster, weaker choice.
#[tokio::test]
async fn commits_are_on_disk_before_they_are_acknowledged_by_default() {
    let shop = TestShop::new().start().await;
    if shop.state.db.dialect == storefront::server::db::Dialect::Postgres {
        // PostgreSQL: a commit waits for its WAL to be flushed (`synchronous_commit`).
        let fast = TestShop::new()
            .with("STOREFRONT_DURABILITY", "normal")
            .start()
            .await;
        for (shop, expected) in [(&shop, "on"), (&fast, "off")] {
            let setting: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(&shop.state.db.write)
                .await
                .unwrap();
            assert_eq!(setting, expected);
        }
        return;
    }
    let (synchronous, journal): (i64, String) = {
        let mut conn = shop.state.db.write.acquire().await.unwrap();
        let s: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let j: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        (s, j)
    };
    assert_eq!((synchronous, journal.as_str()), (2, "wal"));

    let fast = TestShop::new()
        .with("STOREFRONT_DURABILITY", "normal")
        .start()
        .await;
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&fast.state.db.write)
        .await
        .unwrap();
    assert_eq!(synchronous, 1);
}

/// A sold-out variant's "In stock instead": products like it that can be bought now,
/// never the product itself (read the same on both databases).
#[tokio::test]
async fn a_sold_out_variant_offers_what_is_in_stock_instead() {
    let (state, _dir) = shop().await;
    let (variant, _) = any_variant(&state).await;
    set_stock(&state, variant, [0, 0, 0]).await;
    let slug: String = sqlx::query_scalar(
        "SELECT p.slug FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
    )
    .bind(variant)
    .fetch_one(&state.db.read)
    .await
    .unwrap();
    let instead = state.stock().alternatives(variant, "london").await.unwrap();
    assert!(!instead.is_empty(), "something like it is in stock");
    assert!(
        instead
            .iter()
            .all(|card| card.in_stock && card.slug != slug),
        "{instead:?}"
    );
}
