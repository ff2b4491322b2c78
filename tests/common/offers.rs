//! Subscribers to the offers mail as the shop stores them, for the tests and benches
//! that need many: a confirmed consent, and a saved item (a confirmed price watch).

use storefront::server::db::Conn;

/// A saved item: `product`, saved when it cost `saved_minor`, last told of
/// `told_minor`, and whether it was in stock when last looked at.
pub struct Saved {
    pub product: i64,
    pub saved_minor: i64,
    pub told_minor: i64,
    pub in_stock_then: bool,
}

/// `email` with a consent to offers, confirmed and standing.
pub async fn subscribe(conn: &mut Conn, email: &str) {
    sqlx::query(
        "INSERT INTO marketing_consents (email, wording, given_at, confirmed_at) VALUES ($1, 'offers', 1, 2)",
    )
    .bind(email)
    .execute(conn)
    .await
    .unwrap();
}

/// `email` saved `item` (watching its price, confirmed).
pub async fn save(conn: &mut Conn, email: &str, item: Saved) {
    sqlx::query(
        "INSERT INTO price_watches (product_id, email, consent_text, saved_minor, told_minor, in_stock_then, created_at, confirmed_at)
         VALUES ($1, $2, 'test', $3, $4, $5, 0, 0)",
    )
    .bind(item.product)
    .bind(email)
    .bind(item.saved_minor)
    .bind(item.told_minor)
    .bind(i64::from(item.in_stock_then))
    .execute(conn)
    .await
    .unwrap();
}
