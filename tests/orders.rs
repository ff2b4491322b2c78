//! Orders against a real SQLite database: pricing from the catalog, bad input that changes
//! nothing, and stock under concurrency. Run with `cargo test --features ssr`.
#![cfg(feature = "ssr")]

use std::sync::Arc;
use storefront::api::ShopError;
use storefront::domain::cart::CartLine;
use storefront::domain::date::CalendarDate;
use storefront::domain::money::Money;
use storefront::domain::validation::{Address, CheckoutDetails, Field};
use storefront::server::config::Config;
use storefront::server::{prepare, seed, AppState};

/// A fresh shop with the demo catalog in a temporary directory.
async fn shop() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let config = Config::from_lookup(|name| match name {
        "STOREFRONT_DATA_DIR" => Some(data.clone()),
        "STOREFRONT_SITE_DIR" => Some(data.clone()),
        _ => None,
    })
    .unwrap();
    (prepare(config).await.unwrap(), dir)
}

fn line(variant_id: i64, quantity: u32) -> CartLine {
    CartLine {
        variant_id,
        quantity,
    }
}

fn details() -> CheckoutDetails {
    CheckoutDetails {
        email: "sam@example.com".into(),
        address: Address {
            name: "Sam Shopper".into(),
            line1: "1 High Street".into(),
            line2: String::new(),
            city: "Leeds".into(),
            postcode: "LS1 4AP".into(),
            country: "GB".into(),
        },
    }
}

async fn scalar(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

/// Sets a variant's stock at the three centres.
async fn set_stock(state: &AppState, variant_id: i64, levels: [i64; 3]) {
    for (i, q) in levels.iter().enumerate() {
        sqlx::query("UPDATE stock SET quantity = ? WHERE variant_id = ? AND centre_id = ?")
            .bind(q)
            .bind(variant_id)
            .bind(i as i64 + 1)
            .execute(&state.db.write)
            .await
            .unwrap();
    }
}

async fn stock_of(state: &AppState, variant_id: i64) -> i64 {
    sqlx::query_scalar("SELECT SUM(quantity) FROM stock WHERE variant_id = ?")
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
    let placed = state
        .orders()
        .place(&details(), &[line(variant, 2), line(variant, 1)])
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
    assert_eq!(view.address.postcode, "LS1 4AP");
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
    match state.orders().place(&bad, &one).await {
        Err(e @ ShopError::Invalid(_)) => {
            assert!(e.message_for(&Field::Email).is_some());
            assert!(e.message_for(&Field::Postcode).is_some());
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    for quantity in [0, 21, 1_000_000, u32::MAX] {
        let err = state
            .orders()
            .place(&details(), &[line(variant, quantity)])
            .await
            .unwrap_err();
        assert!(
            err.message_for(&Field::Line(variant)).is_some(),
            "quantity {quantity}: {err:?}"
        );
    }
    let err = state.orders().place(&details(), &[]).await.unwrap_err();
    assert!(err.message_for(&Field::Cart).is_some());
    let err = state
        .orders()
        .place(&details(), &[line(9_999_999, 1)])
        .await
        .unwrap_err();
    assert!(err.message_for(&Field::Line(9_999_999)).is_some());
    let err = state
        .orders()
        .place(&details(), &[line(variant, 6)])
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

/// 10 units in stock, 50 shoppers buying one each at the same moment: exactly 10 orders,
/// 40 clear "out of stock" answers, stock ends at 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_orders_for_ten_units_never_oversell() {
    let (state, _dir) = shop().await;
    let (variant, _) = any_variant(&state).await;
    set_stock(&state, variant, [4, 3, 3]).await;
    let state = Arc::new(state);
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let state = state.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                state.orders().place(&details(), &[line(variant, 1)]).await
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
    assert_eq!((placed, out_of_stock), (10, 40));
    assert_eq!(stock_of(&state, variant).await, 0);
    assert_eq!(scalar(&state, "SELECT COUNT(*) FROM orders").await, 10);
    assert_eq!(scalar(&state, "SELECT MIN(quantity) FROM stock").await, 0);
}

#[tokio::test]
async fn pricing_a_cart_uses_the_shops_prices_and_refuses_nonsense() {
    let (state, _dir) = shop().await;
    let (variant, price) = any_variant(&state).await;
    let priced = state
        .orders()
        .price_cart(&[line(variant, 2)])
        .await
        .unwrap();
    assert_eq!(priced.lines[0].line_total, Money::gbp(price * 2));
    assert_eq!(
        priced.total.minor,
        priced.subtotal.minor + priced.delivery.minor
    );

    let empty = state.orders().price_cart(&[]).await.unwrap();
    assert!(empty.lines.is_empty() && !empty.can_check_out());

    let unknown = state
        .orders()
        .price_cart(&[line(9_999_999, 1)])
        .await
        .unwrap();
    assert_eq!(unknown.unknown, vec![9_999_999]);

    for quantity in [0, u32::MAX] {
        let err = state
            .orders()
            .price_cart(&[line(variant, quantity)])
            .await
            .unwrap_err();
        assert!(
            err.message_for(&Field::Line(variant)).is_some(),
            "{quantity}: {err:?}"
        );
    }
}
