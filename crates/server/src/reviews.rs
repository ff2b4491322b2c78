//! Reviews from people who bought the thing (the rules: `storefront_domain::reviews`).
//!
//! Some days after an order is delivered (`STOREFRONT_FOLLOW_UP_DAYS`) the follow-up job
//! mails "How did it go?" with a private link; the link's page lists what the order
//! delivered, takes a rating in one click and a written review. Ratings alone are shown
//! at once; written reviews wait in the agent console's queue, where staff publish them
//! or reject them with a reason the customer is mailed. A product's average and count
//! are kept on the product (for sorting by rating) in the transaction that changes them.

use super::agents::SignedInAgent;
use super::catalog::image_url;
use super::fulfilment::{queue_order_mail, Customer};
use super::{internal, random_token, session, unix_now, AppState};
use crate::db::Conn;
use storefront_domain::reviews::{
    check_rejection, check_review, RatingSummary, ReviewDraft, ReviewSort, ReviewStatus, Stars,
    PAGE_SIZE,
};
use storefront_domain::validation::Field;
use storefront_model::reviews::{
    MyReview, PendingReview, ProductReviews, ReviewInvitation, ReviewItem, ShownReview,
};
use storefront_model::ShopError;

/// What an order delivered, product by product: (id, slug, name).
async fn delivered_products(
    conn: &mut Conn,
    order_id: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.slug, p.name FROM shipments s
           JOIN shipment_lines sl ON sl.shipment_id = s.id
           JOIN order_lines ol ON ol.id = sl.order_line_id
           JOIN variants v ON v.id = ol.variant_id
           JOIN products p ON p.id = v.product_id
         WHERE s.order_id = $1 AND s.status = 'delivered'
         GROUP BY p.id, p.slug, p.name ORDER BY MIN(ol.id)",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await
}

/// The follow-up job for order `order_id`, inside the job's transaction: a private link
/// to review what the order delivered, and the mail that carries it. Nothing for an
/// order whose customer asked to be forgotten or that delivered nothing.
pub(crate) async fn follow_up(
    tx: &mut Conn,
    state: &AppState,
    order_id: i64,
) -> Result<(), sqlx::Error> {
    let order: Option<(String, String, String)> =
        sqlx::query_as("SELECT number, email, ship_name FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((number, email, name)) = order.filter(|o| !o.1.is_empty()) else {
        return Ok(());
    };
    let products = delivered_products(&mut *tx, order_id).await?;
    if products.is_empty() {
        return Ok(());
    }
    let token = random_token(24);
    sqlx::query(
        "INSERT INTO review_links (order_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (order_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
    )
    .bind(order_id)
    .bind(session::digest(&token))
    .bind(unix_now())
    .execute(&mut *tx)
    .await?;
    let public = &state.config.public_url;
    let page = format!("{public}/review/{token}");
    let mut words = format!(
        "How did it go? We'd love to know what you think of what order {number} brought you. \
         One click rates it:\n"
    );
    for (_, slug, product) in &products {
        words.push_str(&format!("\n{product}\n"));
        for stars in (1..=5).rev().filter_map(Stars::new) {
            words.push_str(&format!(
                "  {} ({}): {page}?product={slug}&stars={}\n",
                stars.words(),
                stars.label(),
                stars.get()
            ));
        }
    }
    words.push_str(&format!(
        "\nOr tell other shoppers more in a review: {page}\n\
         Only people who bought something can review it. A rating is shown at once; \
         written reviews are read by our team first. \
         If something isn't right, we'd rather hear it from you: reply, or start a return from your order's page.\n\
         We send this once per order, and it's not marketing: we never share your details."
    ));
    queue_order_mail(
        tx,
        state,
        &Customer {
            order_id,
            number: &number,
            email: &email,
            name: &name,
        },
        &format!("How did it go? Your order {number}"),
        &words,
    )
    .await
}

/// Recomputes product `product_id`'s average and count from its shown reviews.
async fn recount(conn: &mut Conn, product_id: i64) -> Result<(), sqlx::Error> {
    let summary = summary_of(&mut *conn, product_id).await?;
    sqlx::query("UPDATE products SET rating_tenths = $1, review_count = $2 WHERE id = $3")
        .bind(i64::from(summary.average_tenths()))
        .bind(i64::from(summary.count))
        .bind(product_id)
        .execute(conn)
        .await?;
    Ok(())
}

async fn summary_of(conn: &mut Conn, product_id: i64) -> Result<RatingSummary, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT stars, COUNT(*) FROM reviews WHERE product_id = $1 AND status = 'published' GROUP BY stars",
    )
    .bind(product_id)
    .fetch_all(conn)
    .await?;
    let mut summary = RatingSummary::default();
    for (stars, n) in rows {
        if let Some(stars) = u8::try_from(stars).ok().and_then(Stars::new) {
            summary.add(stars, u32::try_from(n).unwrap_or(0));
        }
    }
    Ok(summary)
}

/// Removes the reviews written from order `order_id` and its review link (the customer
/// asked to be forgotten), recounting the products; returns those products.
pub(crate) async fn forget_order(conn: &mut Conn, order_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let products: Vec<i64> =
        sqlx::query_scalar("SELECT product_id FROM reviews WHERE order_id = $1")
            .bind(order_id)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("DELETE FROM reviews WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM review_links WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    for p in &products {
        recount(&mut *conn, *p).await?;
    }
    Ok(products)
}

fn not_found() -> ShopError {
    ShopError::NotFound(
        "This review link isn't valid. Use the link in your latest \"How did it go?\" email, or ask us and we'll help."
            .into(),
    )
}

/// A written review waiting for staff, as the queue reads it.
#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    product_name: String,
    product_slug: String,
    stars: i64,
    title: String,
    body: String,
    name: String,
    order_number: String,
    written_at: i64,
}

/// Reviews: the follow-up's page, product pages and the staff's queue.
pub struct Reviews<'a> {
    state: &'a AppState,
}

impl<'a> Reviews<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    async fn order_of(&self, conn: &mut Conn, token: &str) -> Result<(i64, String), ShopError> {
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT o.id, o.number FROM review_links r JOIN orders o ON o.id = r.order_id
             WHERE r.token_hash = $1 AND o.email != ''",
        )
        .bind(session::digest(token.trim()))
        .fetch_optional(conn)
        .await
        .map_err(internal)?;
        found.ok_or_else(not_found)
    }

    /// What the link's order delivered, each with the customer's review so far.
    pub async fn invitation(&self, token: &str) -> Result<ReviewInvitation, ShopError> {
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let (order_id, number) = self.order_of(&mut conn, token).await?;
        let products = delivered_products(&mut conn, order_id)
            .await
            .map_err(internal)?;
        let mut items = Vec::new();
        for (id, slug, name) in products {
            let review = self.mine(&mut conn, order_id, id).await?;
            items.push(ReviewItem {
                image: image_url(&slug),
                slug,
                name,
                review,
            });
        }
        Ok(ReviewInvitation {
            order_number: number,
            items,
        })
    }

    async fn mine(
        &self,
        conn: &mut Conn,
        order_id: i64,
        product_id: i64,
    ) -> Result<Option<MyReview>, ShopError> {
        let row: Option<(i64, String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT stars, title, body, name, status, reason FROM reviews WHERE order_id = $1 AND product_id = $2",
        )
        .bind(order_id)
        .bind(product_id)
        .fetch_optional(conn)
        .await
        .map_err(internal)?;
        Ok(
            row.map(|(stars, title, text, name, status, reason)| MyReview {
                stars: u8::try_from(stars).unwrap_or(5),
                title,
                text,
                name,
                status: ReviewStatus::parse(&status).unwrap_or(ReviewStatus::Pending),
                reason,
            }),
        )
    }

    /// Rates product `slug` from the link's order in one click: the stars change, any
    /// words stay as they were (and where they stood).
    pub async fn rate(&self, token: &str, slug: &str, stars: u8) -> Result<MyReview, ShopError> {
        let stars = Stars::new(stars)
            .ok_or_else(|| ShopError::invalid(Field::Stars, "Please choose from 1 to 5 stars."))?;
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let (order_id, product_id) = self.delivered_by_link(&mut tx, token, slug).await?;
        sqlx::query(
            "INSERT INTO reviews (product_id, order_id, stars, status, written_at) VALUES ($1, $2, $3, 'published', $4)
             ON CONFLICT (order_id, product_id) DO UPDATE SET stars = excluded.stars, written_at = excluded.written_at",
        )
        .bind(product_id)
        .bind(order_id)
        .bind(i64::from(stars.get()))
        .bind(unix_now())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        self.saved(tx, order_id, product_id).await
    }

    /// Writes (or writes again) the review of product `slug` from the link's order.
    pub async fn write(
        &self,
        token: &str,
        slug: &str,
        draft: &ReviewDraft,
    ) -> Result<MyReview, ShopError> {
        let review = check_review(draft).map_err(ShopError::Invalid)?;
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let (order_id, product_id) = self.delivered_by_link(&mut tx, token, slug).await?;
        sqlx::query(
            "INSERT INTO reviews (product_id, order_id, stars, title, body, name, status, written_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (order_id, product_id) DO UPDATE SET stars = $3, title = $4, body = $5, name = $6,
                 status = $7, written_at = $8, reason = NULL, decided_at = NULL, decided_by = NULL",
        )
        .bind(product_id)
        .bind(order_id)
        .bind(i64::from(review.stars.get()))
        .bind(&review.title)
        .bind(&review.text)
        .bind(&review.name)
        .bind(review.status().as_str())
        .bind(unix_now())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        self.saved(tx, order_id, product_id).await
    }

    /// The link's order and product `slug`, if that order delivered it.
    async fn delivered_by_link(
        &self,
        conn: &mut Conn,
        token: &str,
        slug: &str,
    ) -> Result<(i64, i64), ShopError> {
        let (order_id, _) = self.order_of(&mut *conn, token).await?;
        let delivered = delivered_products(conn, order_id).await.map_err(internal)?;
        delivered
            .into_iter()
            .find(|(_, s, _)| s == slug)
            .map(|(product_id, ..)| (order_id, product_id))
            .ok_or_else(|| {
                ShopError::NotFound(
                    "That product isn't one this order delivered, so it can't be reviewed from this link.".into(),
                )
            })
    }

    /// After a rating or review is written in `tx`: the product recounted, committed, the
    /// search engine and (for words to read) the staff's queue told; the review as it
    /// now stands.
    async fn saved(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        order_id: i64,
        product_id: i64,
    ) -> Result<MyReview, ShopError> {
        recount(&mut tx, product_id).await.map_err(internal)?;
        let mine = self.mine(&mut tx, order_id, product_id).await?;
        tx.commit().await.map_err(internal)?;
        self.refresh(product_id).await;
        if mine
            .as_ref()
            .is_some_and(|m| m.status == ReviewStatus::Pending)
        {
            self.state.desk.queue_changed();
        }
        mine.ok_or(ShopError::Internal)
    }

    /// The search engine's copy of the product's rating (the "rating" sort).
    async fn refresh(&self, product_id: i64) {
        if let Err(e) = self.state.refresh_search(Some(&[product_id])).await {
            tracing::error!(%e, product_id, "search index not refreshed after a review");
        }
    }

    /// Product `slug`'s ratings and a page of its shown written reviews.
    pub async fn for_product(
        &self,
        slug: &str,
        sort: ReviewSort,
        stars: Option<u8>,
        page: u32,
    ) -> Result<ProductReviews, ShopError> {
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM products WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await
            .map_err(internal)?;
        let id = id.ok_or_else(|| ShopError::NotFound("We couldn't find that product.".into()))?;
        let summary = summary_of(&mut conn, id).await.map_err(internal)?;
        let stars = stars.and_then(Stars::new).map(|s| i64::from(s.get()));
        let order = match sort {
            ReviewSort::Newest => "written_at DESC, id DESC",
            ReviewSort::Highest => "stars DESC, written_at DESC, id DESC",
            ReviewSort::Lowest => "stars ASC, written_at DESC, id DESC",
        };
        let filter = "product_id = $1 AND status = 'published' AND body != '' AND ($2 IS NULL OR stars = $2)";
        let matching: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM reviews WHERE {filter}"))
                .bind(id)
                .bind(stars)
                .fetch_one(&mut *conn)
                .await
                .map_err(internal)?;
        let page_size = i64::try_from(PAGE_SIZE).unwrap_or(10);
        let rows: Vec<(i64, i64, String, String, String, i64, crate::db::Flag)> =
            sqlx::query_as(&format!(
                "SELECT id, stars, title, body, name, written_at, order_id IS NOT NULL FROM reviews
             WHERE {filter} ORDER BY {order} LIMIT $3 OFFSET $4"
            ))
            .bind(id)
            .bind(stars)
            .bind(page_size)
            .bind(i64::from(page) * page_size)
            .fetch_all(&mut *conn)
            .await
            .map_err(internal)?;
        Ok(ProductReviews {
            summary,
            matching: u32::try_from(matching).unwrap_or(0),
            reviews: rows
                .into_iter()
                .map(|(id, stars, title, text, name, at, verified)| ShownReview {
                    id,
                    stars: u8::try_from(stars).unwrap_or(5),
                    title,
                    text,
                    name: if name.is_empty() {
                        "A verified buyer".to_owned()
                    } else {
                        name
                    },
                    written_on: super::date_of(at).long_label(),
                    verified: verified.0,
                })
                .collect(),
        })
    }

    /// Written reviews waiting for staff, oldest first.
    pub async fn pending(&self, _agent: &SignedInAgent) -> Result<Vec<PendingReview>, ShopError> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT r.id, p.name AS product_name, p.slug AS product_slug, r.stars, r.title, r.body, r.name,
                    o.number AS order_number, r.written_at
             FROM reviews r JOIN products p ON p.id = r.product_id JOIN orders o ON o.id = r.order_id
             WHERE r.status = 'pending' ORDER BY r.written_at, r.id LIMIT 100",
        )
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|r| PendingReview {
                id: r.id,
                product_name: r.product_name,
                product_slug: r.product_slug,
                stars: u8::try_from(r.stars).unwrap_or(5),
                title: r.title,
                text: r.body,
                name: r.name,
                order_number: r.order_number,
                written_on: super::date_of(r.written_at).long_label(),
            })
            .collect())
    }

    /// Publishes a waiting review, or rejects it with `reason` (mailed to the customer).
    /// Only a review still waiting can be decided: a second agent deciding the same one
    /// is told it was already done.
    pub async fn decide(
        &self,
        agent: &SignedInAgent,
        id: i64,
        publish: bool,
        reason: &str,
    ) -> Result<(), ShopError> {
        let reason = if publish {
            None
        } else {
            Some(check_rejection(reason).map_err(|e| ShopError::Invalid(vec![e]))?)
        };
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let row: Option<(i64, i64, String, String, String, String)> = sqlx::query_as(
            "SELECT r.product_id, o.id, o.number, o.email, o.ship_name, p.name
             FROM reviews r JOIN orders o ON o.id = r.order_id JOIN products p ON p.id = r.product_id
             WHERE r.id = $1 AND r.status = 'pending'",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let Some((product_id, order_id, number, email, name, product)) = row else {
            return Err(ShopError::NotFound(
                "That review isn't waiting any more: someone has already dealt with it, or the customer changed it."
                    .into(),
            ));
        };
        let status = if publish {
            ReviewStatus::Published
        } else {
            ReviewStatus::Rejected
        };
        sqlx::query(
            "UPDATE reviews SET status = $1, reason = $2, decided_at = $3, decided_by = $4 WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(reason.as_deref())
        .bind(unix_now())
        .bind(agent.name())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        recount(&mut tx, product_id).await.map_err(internal)?;
        if let Some(reason) = &reason {
            if !email.is_empty() {
                let words = format!(
                    "Thank you for reviewing {product}. We haven't shown your review on the product page, because: {reason}\n\n\
                     You can change it and send it again from the link in our \"How did it go?\" email. Your star rating isn't shown either until then."
                );
                queue_order_mail(
                    &mut tx,
                    self.state,
                    &Customer {
                        order_id,
                        number: &number,
                        email: &email,
                        name: &name,
                    },
                    &format!("Your review of {product}"),
                    &words,
                )
                .await
                .map_err(internal)?;
            }
        }
        tx.commit().await.map_err(internal)?;
        tracing::info!(
            review = id,
            agent = agent.name(),
            published = publish,
            "review decided"
        );
        self.refresh(product_id).await;
        self.state.desk.queue_changed();
        if reason.is_some() {
            self.state.deliver_mail_soon();
        }
        Ok(())
    }
}
