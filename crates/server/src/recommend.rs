//! Recommendations from real purchases (the rule: `storefront_domain::recommend`): "Goes
//! well with" on product pages and in the cart, "Picked for you" for a signed-in customer.
//!
//! The co-purchase counts live in memory, built from every order just after start (in the
//! background: the shop opens without waiting) and brought up to date from the orders
//! written since (by any path, any process): after each order this process places, and
//! every minute. What may be shown is decided at read time from
//! the search engine's live stock: never out of stock, never what the customer bought or
//! has in the cart. With no history to go on, the same category's (or the shop's) most
//! popular products in stock fill the list.

use super::session::Caller;
use super::{internal, AppState};
use crate::db::Pool;
use std::sync::RwLock;
use storefront_domain::recommend::{topped_up, CoPurchases};
use storefront_model::catalog::ProductCard;
use storefront_model::ShopError;

/// How many products a list shows.
pub const SHOWN: usize = 8;

/// The shop's co-purchase counts, and the last order they include.
#[derive(Default)]
pub struct Recommender {
    inner: RwLock<(CoPurchases, i64)>,
    /// One catch-up at a time.
    reading: tokio::sync::Mutex<()>,
}

/// The customer an order counts for: the account it was placed in, else its address.
pub(crate) fn customer_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Recommender {
    /// Adds the orders written since the last read (all of them the first time); returns
    /// how many. Cancelled orders and orders whose customer was erased are left out.
    pub async fn catch_up(&self, pool: &Pool) -> Result<usize, sqlx::Error> {
        let _one = self.reading.lock().await;
        let after = self.inner.read().map_or(0, |g| g.1);
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT o.id, COALESCE(o.account_email, o.email), v.product_id
             FROM orders o JOIN order_lines ol ON ol.order_id = o.id JOIN variants v ON v.id = ol.variant_id
             WHERE o.id > $1 AND o.email != '' AND o.status != 'cancelled'
             ORDER BY o.id, ol.id",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let (co, last) = &mut *guard;
        let mut orders = 0;
        let mut i = 0;
        while i < rows.len() {
            let (order, ref email, _) = rows[i];
            let mut products = Vec::new();
            while i < rows.len() && rows[i].0 == order {
                products.push(u32::try_from(rows[i].2).unwrap_or(0));
                i += 1;
            }
            co.add(&customer_key(email), &products);
            orders += 1;
        }
        // Up to the newest order read (not the newest in the table: one committed after
        // the read would be skipped for good), so each order is counted once.
        *last = (*last).max(rows.last().map_or(0, |r| r.0));
        Ok(orders)
    }

    /// Forgets what `email` bought (they asked to be forgotten); the counts stay, as
    /// they say nothing about anyone.
    pub fn forget(&self, email: &str) {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        guard.0.forget(&customer_key(email));
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&CoPurchases) -> T) -> T {
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        f(&guard.0)
    }
}

/// Reads recommendations for a page.
pub struct Recommendations<'a> {
    state: &'a AppState,
}

impl<'a> Recommendations<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// Brings the counts up to date after this process placed an order (in the
    /// background: the shopper's answer doesn't wait for it).
    pub fn order_placed(&self) {
        let state = self.state.clone();
        tokio::spawn(async move {
            if let Err(e) = state.recommender.catch_up(&state.db.read).await {
                tracing::error!(%e, "recommendations not brought up to date");
            }
        });
    }

    /// "Goes well with" product `slug` and/or the cart's variants: what their buyers also
    /// bought, in stock, not among them; topped up from their categories' best sellers.
    pub async fn goes_with(
        &self,
        slug: Option<&str>,
        variant_ids: &[i64],
    ) -> Result<Vec<ProductCard>, ShopError> {
        let mut seeds: Vec<u32> = Vec::new();
        if let Some(slug) = slug {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM products WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&self.state.db.read)
                .await
                .map_err(internal)?;
            seeds.extend(id.and_then(|id| u32::try_from(id).ok()));
        }
        let ids = &variant_ids[..variant_ids.len().min(50)];
        let in_cart: Vec<i64> = if ids.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT DISTINCT product_id FROM variants WHERE id IN ({})",
                crate::db::placeholders(1, ids.len())
            );
            let mut query = sqlx::query_scalar(&sql);
            for id in ids {
                query = query.bind(id);
            }
            query
                .fetch_all(&self.state.db.read)
                .await
                .map_err(internal)?
        };
        for id in in_cart.into_iter().filter_map(|id| u32::try_from(id).ok()) {
            if !seeds.contains(&id) {
                seeds.push(id);
            }
        }
        if seeds.is_empty() {
            return Ok(Vec::new());
        }
        let search = &self.state.search;
        let picked = self
            .state
            .recommender
            .read(|co| co.like(&seeds, SHOWN, |p| !seeds.contains(&p) && search.in_stock(p)));
        let fallback = search.popular_like(&seeds, SHOWN * 2, &seeds);
        Ok(search.cards(&topped_up(picked, fallback, SHOWN)))
    }

    /// "Picked for you": for the signed-in customer, products like what they bought, in
    /// stock, not bought already, topped up with the shop's best sellers; nothing for
    /// someone not signed in.
    pub async fn for_me(&self, caller: &Caller) -> Result<Vec<ProductCard>, ShopError> {
        let Some(email) = self.state.accounts().signed_in(caller).await? else {
            return Ok(Vec::new());
        };
        Ok(self.for_customer(&email))
    }

    /// [`Self::for_me`] for the customer `email` (benchmarks and tests read it directly).
    pub fn for_customer(&self, email: &str) -> Vec<ProductCard> {
        let key = customer_key(email);
        let search = &self.state.search;
        let (picked, bought) = self.state.recommender.read(|co| {
            let bought = co.history(&key).to_vec();
            let picked = co.for_customer(&key, SHOWN, |p| search.in_stock(p));
            (picked, bought)
        });
        let fallback = search.popular_like(&bought, SHOWN * 2, &bought);
        let rest = search.popular_like(&[], SHOWN * 2, &bought);
        search.cards(&topped_up(topped_up(picked, fallback, SHOWN), rest, SHOWN))
    }
}
