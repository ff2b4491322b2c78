//! Recommendations judged offline on a purchase history with hidden tastes (the
//! generator in `tests/common/tastes.rs`): hiding each returning customer's last order,
//! ours must find it at least twice as often as "most bought" does. `make bench-recommend`
//! prints the figures at full size (10,000 products, 100,000 orders).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::tastes::{generate, hit_rates};

#[test]
fn hidden_last_purchases_are_found_at_least_twice_as_often_as_by_popularity() {
    let history = generate(2_000, 3_000, 12_000, 7);
    let (ours, popular, customers) = hit_rates(&history, 10);
    eprintln!(
        "hit rate at 10 over {customers} customers: ours {ours:.3}, most bought {popular:.3}"
    );
    assert!(customers > 1_000, "{customers}");
    assert!(
        ours >= 2.0 * popular,
        "ours {ours:.3} vs most bought {popular:.3}"
    );
    assert!(ours > 0.1, "{ours:.3}");
}

use common::shop::TestShop;
use common::{buy, details_in};
use storefront::domain::cart::CartLine;
use storefront::server::AppState;

/// A variant of product `product` with stock (the first by id).
async fn variant_of(state: &AppState, product: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT v.id FROM variants v JOIN stock s ON s.variant_id = v.id WHERE v.product_id = $1
         GROUP BY v.id HAVING SUM(s.quantity) > 0 ORDER BY v.id LIMIT 1",
    )
    .bind(product)
    .fetch_one(&state.db.read)
    .await
    .unwrap()
}

async fn slug_of(state: &AppState, product: i64) -> String {
    sqlx::query_scalar("SELECT slug FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(&state.db.read)
        .await
        .unwrap()
}

async fn goes_with(state: &AppState, slug: &str, cart: &[i64]) -> Vec<String> {
    state
        .recommendations()
        .goes_with(Some(slug), cart)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.slug)
        .collect()
}

#[tokio::test]
async fn what_buyers_bought_together_is_suggested_at_once_never_sold_out_or_already_bought() {
    let shop = TestShop::new().products(30).start().await;
    let state = &shop.state;
    let products: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM products p WHERE EXISTS (SELECT 1 FROM variants v JOIN stock s ON s.variant_id = v.id
           WHERE v.product_id = p.id AND s.quantity > 2) ORDER BY p.popularity LIMIT 4",
    )
    .fetch_all(&state.db.read)
    .await
    .unwrap();
    let [boots, socks, scarf, hat] = products[..] else {
        panic!("four products in stock")
    };
    let (boots_slug, socks_slug, scarf_slug) = (
        slug_of(state, boots).await,
        slug_of(state, socks).await,
        slug_of(state, scarf).await,
    );
    // Nobody has bought anything: the same category's best sellers in stock.
    let before = goes_with(state, &boots_slug, &[]).await;
    assert!(!before.contains(&boots_slug));

    // Three customers buy boots with socks, one also a scarf; a fourth buys a hat alone.
    let line = |variant_id| CartLine {
        variant_id,
        quantity: 1,
    };
    for (i, extra) in [None, None, Some(scarf)].into_iter().enumerate() {
        let mut details = details_in("yorkshire");
        details.email = format!("buyer{i}@example.com");
        let mut lines = vec![
            line(variant_of(state, boots).await),
            line(variant_of(state, socks).await),
        ];
        if let Some(p) = extra {
            lines.push(line(variant_of(state, p).await));
        }
        buy(state, &details, &lines, false).await.unwrap();
    }
    let mut details = details_in("yorkshire");
    details.email = "hat@example.com".into();
    buy(
        state,
        &details,
        &[line(variant_of(state, hat).await)],
        false,
    )
    .await
    .unwrap();

    // Counted without a restart (the placing process catches up after each order).
    let mut suggested = Vec::new();
    for _ in 0..50 {
        suggested = goes_with(state, &boots_slug, &[]).await;
        if suggested.first() == Some(&socks_slug) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(suggested[0], socks_slug, "{suggested:?}");
    assert_eq!(suggested[1], scarf_slug, "{suggested:?}");
    assert!(!suggested.contains(&boots_slug));

    // With socks in the cart: not socks again.
    let in_cart = goes_with(state, &boots_slug, &[variant_of(state, socks).await]).await;
    assert_eq!(in_cart[0], scarf_slug, "{in_cart:?}");
    assert!(!in_cart.contains(&socks_slug));

    // Socks sell out: no longer suggested anywhere.
    sqlx::query("UPDATE stock SET quantity = 0 WHERE variant_id IN (SELECT id FROM variants WHERE product_id = $1)")
        .bind(socks)
        .execute(&state.db.write)
        .await
        .unwrap();
    state
        .search
        .refresh(&state.db.read, Some(&[socks]))
        .await
        .unwrap();
    assert!(!goes_with(state, &boots_slug, &[])
        .await
        .contains(&socks_slug));

    // Picked for the scarf buyer: what boot buyers bought (the hat's buyer bought nothing
    // like theirs), never what they bought, never sold out.
    let picked: Vec<String> = state
        .recommendations()
        .for_customer("Buyer2@Example.com")
        .into_iter()
        .map(|c| c.slug)
        .collect();
    assert!(!picked.is_empty());
    for bought in [&boots_slug, &socks_slug, &scarf_slug] {
        assert!(!picked.contains(bought), "{picked:?}");
    }
    let picked_for_boots: Vec<String> = state
        .recommendations()
        .for_customer("buyer0@example.com")
        .into_iter()
        .map(|c| c.slug)
        .collect();
    assert_eq!(picked_for_boots[0], scarf_slug, "{picked_for_boots:?}");
    for card in state.recommendations().for_customer("buyer0@example.com") {
        assert!(card.in_stock, "{}", card.slug);
    }
}
