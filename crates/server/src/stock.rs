//! Stock as the shop tells it: the distribution centres, live levels per variant, the
//! feed of changes that open pages subscribe to, alternatives to what is gone,
//! "tell me when it's back", and receiving stock (which serves backorders first come,
//! first served, then mails the sign-ups once).

use super::catalog::{card_rows_by_id, money};
use super::mail::{self, Mail};
use super::{internal, same_secret, AppState};
use crate::db::{Conn, Pool};
use storefront_domain::allocation::{serve_waiting, CentreStock, Waiting};
use storefront_domain::alternatives::{closest, Likeness};
use storefront_domain::date::CalendarDate;
use storefront_domain::holidays::Calendar;
use storefront_domain::rate::RateLimit;
use storefront_domain::stock::Availability;
use storefront_domain::validation::{check_email, Field};
use storefront_domain::{delivery, location};
use storefront_model::catalog::{variant_label, DeliveryPromise, ProductCard};
use storefront_model::stock::{LiveStock, BACK_IN_STOCK_CONSENT, MAX_WATCHED_VARIANTS};
use storefront_model::ShopError;

/// How many alternatives are offered for a sold-out variant.
pub const ALTERNATIVES: usize = 4;

/// A distribution centre.
#[derive(Clone, Debug)]
pub struct Centre {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub point: location::CentrePoint,
    /// Whose bank holidays the centre keeps: those of the region it stands in.
    pub calendar: Calendar,
}

/// The centres, loaded once at start (they change with a deployment, not at run time).
#[derive(Clone, Debug, Default)]
pub struct Centres {
    list: Vec<Centre>,
}

impl Centres {
    pub async fn load(pool: &Pool) -> Result<Self, sqlx::Error> {
        let rows: Vec<(i64, String, String, f64, f64)> =
            sqlx::query_as("SELECT id, code, name, latitude, longitude FROM centres ORDER BY id")
                .fetch_all(pool)
                .await?;
        Ok(Self {
            list: rows
                .into_iter()
                .map(|(id, code, name, latitude, longitude)| Centre {
                    id,
                    code,
                    name,
                    point: location::CentrePoint {
                        centre_id: id,
                        latitude,
                        longitude,
                    },
                    calendar: Calendar::of_region(location::region_at(latitude, longitude).code),
                })
                .collect(),
        })
    }

    pub fn all(&self) -> &[Centre] {
        &self.list
    }

    pub fn by_code(&self, code: &str) -> Option<&Centre> {
        self.list
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code.trim()))
    }

    /// The bank-holiday calendar of centre `id` (England and Wales for an unknown one).
    pub fn calendar(&self, id: i64) -> Calendar {
        self.list
            .iter()
            .find(|c| c.id == id)
            .map_or(Calendar::EnglandAndWales, |c| c.calendar)
    }

    /// The route from centre `id` to a place whose bank holidays are `to`'s.
    pub fn route(&self, id: i64, to: Calendar) -> delivery::Route {
        delivery::Route {
            from: self.calendar(id),
            to,
        }
    }

    pub fn name(&self, id: i64) -> &str {
        self.list
            .iter()
            .find(|c| c.id == id)
            .map_or("", |c| c.name.as_str())
    }

    /// `(centre id, km)` nearest to `region` first; an unknown region counts as the default.
    pub fn nearest_first(&self, region: &str) -> Vec<(i64, f64)> {
        let region = location::region(region)
            .or_else(|| location::region(location::DEFAULT_REGION))
            .expect("the default region exists");
        let points: Vec<location::CentrePoint> = self.list.iter().map(|c| c.point).collect();
        location::centres_nearest_first(region, &points)
    }

    /// Where an item held at `holding` ships from for a region (the nearest of them,
    /// `nearest_first`; `to` its bank holidays) and the day it arrives if ordered at
    /// `unix_now`.
    pub fn promise(
        &self,
        nearest_first: &[(i64, f64)],
        to: Calendar,
        holding: &[i64],
        unix_now: i64,
    ) -> Option<DeliveryPromise> {
        let (today, hour) = super::clock::uk_clock(unix_now);
        nearest_first
            .iter()
            .find(|(id, _)| holding.contains(id))
            .map(|(id, km)| DeliveryPromise {
                centre: self.name(*id).to_owned(),
                arrives: delivery::arrival_day(today, hour, *km, self.route(*id, to)),
            })
    }
}

/// Back-in-stock sign-ups per client address per hour.
pub const ALERT_SIGN_UPS: RateLimit = RateLimit {
    max: 10,
    per_seconds: 3_600,
};
/// Confirm links mailed to one address per day, however many sign-ups name it.
pub const ALERT_CONFIRMATIONS: RateLimit = RateLimit {
    max: 3,
    per_seconds: 86_400,
};
/// How long a sign-up nobody confirmed is kept.
pub const UNCONFIRMED_ALERT_DAYS: i64 = 7;

/// One variant's stock at every centre, as published to open pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockChange {
    pub variant_id: i64,
    pub centres: Vec<CentreStock>,
    pub back_on: Option<CalendarDate>,
}

impl StockChange {
    pub fn total(&self) -> u32 {
        self.centres.iter().map(|c| c.available).sum()
    }

    /// What a shopper in a region with these nearest-first centres (and `to` its bank
    /// holidays) is told.
    pub fn live(
        &self,
        centres: &Centres,
        nearest_first: &[(i64, f64)],
        to: Calendar,
        now: i64,
    ) -> LiveStock {
        let availability = Availability::from_stock(self.total(), self.back_on);
        let holding: Vec<i64> = self
            .centres
            .iter()
            .filter(|c| c.available > 0)
            .map(|c| c.centre_id)
            .collect();
        LiveStock {
            variant_id: self.variant_id,
            delivery: centres.promise(nearest_first, to, &holding, now),
            availability,
        }
    }
}

/// Reads the stock of `ids` (at most a few hundred) on any connection.
pub async fn snapshot(conn: &mut Conn, ids: &[i64]) -> Result<Vec<StockChange>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = crate::db::placeholders(1, ids.len());
    let sql = format!(
        "SELECT v.id, v.restock_on, s.centre_id, s.quantity FROM variants v
         LEFT JOIN stock s ON s.variant_id = v.id
         WHERE v.id IN ({placeholders}) ORDER BY v.id, s.centre_id"
    );
    let mut query = sqlx::query_as::<_, (i64, Option<String>, Option<i64>, Option<i64>)>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(conn).await?;
    let mut out: Vec<StockChange> = Vec::new();
    for (variant_id, restock_on, centre, quantity) in rows {
        if out.last().is_none_or(|c| c.variant_id != variant_id) {
            out.push(StockChange {
                variant_id,
                centres: Vec::new(),
                back_on: restock_on.as_deref().and_then(CalendarDate::parse_iso),
            });
        }
        if let (Some(centre_id), Some(q), Some(change)) = (centre, quantity, out.last_mut()) {
            change.centres.push(CentreStock {
                centre_id,
                available: u32::try_from(q).unwrap_or(0),
            });
        }
    }
    Ok(out)
}

pub use storefront_model::warehouse::Received;

/// Why an admin request was refused; shown to the admin as is.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("internal error; see the server log")]
    Internal,
}

fn admin_internal(err: impl std::fmt::Display) -> AdminError {
    tracing::error!(%err, "admin request failed");
    AdminError::Internal
}

/// A variant's likeness facts, and whether the shopper's nearest centre holds it.
#[derive(sqlx::FromRow)]
struct VariantLikeness {
    product_id: i64,
    colour: Option<String>,
    size: Option<String>,
    price_minor: i64,
    category_id: i64,
    #[sqlx(try_from = "crate::db::Flag")]
    near: bool,
}

/// Puts `quantity` units of `variant` on the shelves of `centre`.
pub(crate) async fn add_stock(
    conn: &mut Conn,
    variant: i64,
    centre: i64,
    quantity: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stock (variant_id, centre_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (variant_id, centre_id) DO UPDATE SET quantity = stock.quantity + excluded.quantity",
    )
    .bind(variant)
    .bind(centre)
    .bind(quantity)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Stock<'a> {
    state: &'a AppState,
}

impl<'a> Stock<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// Live levels of `ids` for a shopper in `region`.
    pub async fn levels(&self, ids: &[i64], region: &str) -> Result<Vec<LiveStock>, ShopError> {
        if ids.len() > MAX_WATCHED_VARIANTS {
            return Err(ShopError::invalid(
                Field::Cart,
                format!("Please ask about at most {MAX_WATCHED_VARIANTS} items at a time."),
            ));
        }
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let changes = snapshot(&mut conn, ids).await.map_err(internal)?;
        let nearest = self.state.centres.nearest_first(region);
        let now = super::unix_now();
        Ok(changes
            .iter()
            .map(|c| {
                c.live(
                    &self.state.centres,
                    &nearest,
                    Calendar::of_region(region),
                    now,
                )
            })
            .collect())
    }

    /// Tells every open page showing these variants their new stock, in every process.
    /// Call after commit.
    pub async fn publish(&self, ids: &[i64]) {
        self.state.bus.tell(crate::bus::Note::Stock {
            variants: ids.to_vec(),
        });
        self.publish_here(ids).await;
    }

    /// Tells this process's open pages showing these variants their new stock.
    pub async fn publish_here(&self, ids: &[i64]) {
        if self.state.live.receiver_count() == 0 {
            return;
        }
        let changes = match self.state.db.read.acquire().await {
            Ok(mut conn) => snapshot(&mut conn, ids).await,
            Err(e) => Err(e),
        };
        match changes {
            Ok(changes) => {
                for change in changes {
                    // Nobody listening is fine.
                    let _ = self.state.live.send(change);
                }
            }
            Err(e) => tracing::error!(%e, "stock change not published"),
        }
    }

    /// In-stock products like `variant_id`: same category, closest fit, colour and price;
    /// held at the shopper's nearest centre first, then anywhere.
    pub async fn alternatives(
        &self,
        variant_id: i64,
        region: &str,
    ) -> Result<Vec<ProductCard>, ShopError> {
        let read = &self.state.db.read;
        let wanted: Option<VariantLikeness> = sqlx::query_as(
            "SELECT v.product_id, v.colour, v.size, p.price_minor, p.category_id, 1 AS near
             FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
        )
        .bind(variant_id)
        .fetch_optional(read)
        .await
        .map_err(internal)?;
        let Some(VariantLikeness {
            product_id,
            colour,
            size,
            price_minor,
            category_id,
            near: _,
        }) = wanted
        else {
            return Err(ShopError::NotFound(
                "We couldn't find that item. It may no longer be sold.".into(),
            ));
        };
        let wanted = Likeness {
            product_id,
            colour,
            size,
            price_minor,
        };
        let nearest = self
            .state
            .centres
            .nearest_first(region)
            .first()
            .map_or(0, |(id, _)| *id);
        // (in stock at the nearest centre, likeness) for every in-stock variant nearby.
        let rows: Vec<VariantLikeness> = sqlx::query_as(
            "SELECT v.product_id, v.colour, v.size, p.price_minor, p.category_id,
                    MAX(CASE WHEN s.centre_id = $1 THEN 1 ELSE 0 END) AS near
             FROM variants v JOIN products p ON p.id = v.product_id
             JOIN stock s ON s.variant_id = v.id AND s.quantity > 0
             WHERE p.category_id = $2 AND v.product_id != $3
                OR v.product_id = $4 AND v.id != $5
             GROUP BY v.id, p.price_minor, p.category_id",
        )
        .bind(nearest)
        .bind(category_id)
        .bind(product_id)
        .bind(product_id)
        .bind(variant_id)
        .fetch_all(read)
        .await
        .map_err(internal)?;
        let mut picked: Vec<i64> = Vec::new();
        for near in [true, false] {
            let candidates: Vec<Likeness> = rows
                .iter()
                .filter(|r| r.near == near && !picked.contains(&r.product_id))
                .map(|r| Likeness {
                    product_id: r.product_id,
                    colour: r.colour.clone(),
                    size: r.size.clone(),
                    price_minor: r.price_minor,
                })
                .collect();
            let room = ALTERNATIVES - picked.len();
            picked.extend(
                closest(&wanted, &candidates, room)
                    .into_iter()
                    .map(|i| candidates[i].product_id),
            );
        }
        card_rows_by_id(read, &picked).await
    }

    /// Signs `email` up for one mail when `variant_id` is back, once the address's owner
    /// has opened the confirm link mailed now. Counted before anything is written: at
    /// most [`ALERT_SIGN_UPS`] per client address and [`ALERT_CONFIRMATIONS`] links per
    /// email address. Answers what to tell the shopper.
    pub async fn watch(
        &self,
        variant_id: i64,
        email: &str,
        consent: bool,
    ) -> Result<String, ShopError> {
        let email = check_sign_up(
            self.state,
            email,
            consent,
            "Please tick the box to let us send you this one email.",
        )
        .await?;
        let stock = {
            let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
            snapshot(&mut conn, &[variant_id]).await.map_err(internal)?
        };
        let Some(stock) = stock.first() else {
            return Err(ShopError::NotFound(
                "We couldn't find that item. It may no longer be sold.".into(),
            ));
        };
        if stock.total() > 0 {
            return Ok(
                "Good news: it's in stock right now, so you can order it straight away.".into(),
            );
        }
        let confirmed: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT confirmed_at FROM stock_alerts WHERE variant_id = $1 AND email = $2",
        )
        .bind(variant_id)
        .bind(&email)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?;
        if matches!(confirmed, Some(Some(_))) {
            return Ok(format!(
                "You're already on the list: we'll email {email} once when it's back."
            ));
        }
        limit_confirm_links(self.state, &email).await?;
        let token = super::random_token(32);
        let link = format!(
            "{}/alerts/confirm?token={token}",
            self.state.config.public_url.trim_end_matches('/')
        );
        let (name, label) = self.variant_words(variant_id).await?;
        let _turn = self.state.desk.anonymous_write_turn().await;
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        sqlx::query(
            "INSERT INTO stock_alerts (variant_id, email, consent_text, created_at, confirm_hash) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (variant_id, email) DO UPDATE SET confirm_hash = excluded.confirm_hash,
                 consent_text = excluded.consent_text, created_at = excluded.created_at
             WHERE stock_alerts.confirmed_at IS NULL",
        )
        .bind(variant_id)
        .bind(&email)
        .bind(BACK_IN_STOCK_CONSENT)
        .bind(super::unix_now())
        .bind(super::session::digest(&token))
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        queue_confirm_link(
            &mut tx,
            &email,
            &format!("Please confirm: email me when the {name} is back"),
            &format!("once when the {name} in {label} is back in stock"),
            &link,
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        self.state.deliver_mail_soon();
        Ok(format!(
            "Almost done: we've sent a link to {email}. Open it to confirm, and we'll email you once when it's back."
        ))
    }

    /// Confirms the sign-up whose link carried `token`. Answers what to tell the shopper.
    pub async fn confirm_watch(&self, token: &str) -> Result<String, ShopError> {
        let now = super::unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let confirmed: Option<(i64, String)> = sqlx::query_as(
            "UPDATE stock_alerts SET confirmed_at = $1, confirm_hash = NULL
             WHERE confirm_hash = $2 AND confirmed_at IS NULL RETURNING variant_id, email",
        )
        .bind(now)
        .bind(super::session::digest(token.trim()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        if let Some((_, email)) = &confirmed {
            super::accounts::mark_verified(&mut tx, email, now)
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        let Some((variant, email)) = confirmed else {
            return Err(ShopError::NotFound(format!(
                "This link has already been used, or is more than {UNCONFIRMED_ALERT_DAYS} days old. If you'd still like an email when it's back, please ask again on the item's page."
            )));
        };
        let (name, label) = self.variant_words(variant).await?;
        Ok(format!(
            "Confirmed: we'll email {email} once when the {name} in {label} is back, and then delete the address."
        ))
    }

    /// Deletes sign-ups nobody confirmed within [`UNCONFIRMED_ALERT_DAYS`] of `now`.
    pub async fn forget_unconfirmed(&self, now: i64) -> u64 {
        match sqlx::query("DELETE FROM stock_alerts WHERE confirmed_at IS NULL AND created_at < $1")
            .bind(now - UNCONFIRMED_ALERT_DAYS * 86_400)
            .execute(&self.state.db.write)
            .await
        {
            Ok(done) => done.rows_affected(),
            Err(e) => {
                tracing::error!(%e, "unconfirmed sign-ups not deleted");
                0
            }
        }
    }

    /// A variant's product name and its colour and size in words.
    async fn variant_words(&self, variant: i64) -> Result<(String, String), ShopError> {
        let (name, colour, size): (String, Option<String>, Option<String>) = sqlx::query_as(
            "SELECT p.name, v.colour, v.size FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
        )
        .bind(variant)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            ShopError::NotFound("We couldn't find that item. It may no longer be sold.".into())
        })?;
        Ok((name, variant_label(colour.as_deref(), size.as_deref())))
    }

    async fn variant_and_centre(
        &self,
        conn: &mut Conn,
        sku: &str,
        centre: &str,
    ) -> Result<(i64, i64, String), AdminError> {
        let variant: Option<i64> = sqlx::query_scalar("SELECT id FROM variants WHERE sku = $1")
            .bind(sku.trim())
            .fetch_optional(&mut *conn)
            .await
            .map_err(admin_internal)?;
        let variant =
            variant.ok_or_else(|| AdminError::Invalid(format!("no variant with SKU {sku:?}")))?;
        let centre = self.state.centres.by_code(centre).ok_or_else(|| {
            let codes: Vec<&str> = self
                .state
                .centres
                .all()
                .iter()
                .map(|c| c.code.as_str())
                .collect();
            AdminError::Invalid(format!(
                "no centre {centre:?}; the centres are {}",
                codes.join(", ")
            ))
        })?;
        Ok((variant, centre.id, centre.name.clone()))
    }

    /// Announces a delivery on its way to a centre; the earliest expected date is what
    /// shoppers see ("back around 3 Dec").
    pub async fn announce_delivery(
        &self,
        sku: &str,
        centre: &str,
        quantity: u32,
        expected_on: &str,
    ) -> Result<(), AdminError> {
        let expected = CalendarDate::parse_iso(expected_on).ok_or_else(|| {
            AdminError::Invalid(format!(
                "expected_on must be a date like 2026-12-03, got {expected_on:?}"
            ))
        })?;
        check_admin_quantity(quantity)?;
        let mut tx = self.state.db.begin_write().await.map_err(admin_internal)?;
        let (variant, centre_id, _) = self.variant_and_centre(&mut tx, sku, centre).await?;
        sqlx::query(
            "INSERT INTO incoming (variant_id, centre_id, quantity, expected_on) VALUES ($1, $2, $3, $4)",
        )
        .bind(variant)
        .bind(centre_id)
        .bind(i64::from(quantity))
        .bind(expected.to_string())
        .execute(&mut *tx)
        .await
        .map_err(admin_internal)?;
        update_restock_date(&mut tx, variant)
            .await
            .map_err(admin_internal)?;
        tx.commit().await.map_err(admin_internal)?;
        self.publish(&[variant]).await;
        Ok(())
    }

    /// Receives `quantity` units of `sku` at `centre`, in one transaction: the stock goes
    /// up, what was expected there is used up earliest first, waiting backorders take
    /// their units first come first served, and if any is left to sell every "tell me when
    /// it's back" sign-up gets one mail and is deleted.
    pub async fn receive(
        &self,
        sku: &str,
        centre: &str,
        quantity: u32,
    ) -> Result<Received, AdminError> {
        check_admin_quantity(quantity)?;
        let mut tx = self.state.db.begin_write().await.map_err(admin_internal)?;
        let (variant, centre_id, centre_name) =
            self.variant_and_centre(&mut tx, sku, centre).await?;
        let (received, served_ids) = async {
            add_stock(&mut tx, variant, centre_id, i64::from(quantity)).await?;
            use_up_incoming(&mut tx, variant, centre_id, quantity).await?;
            update_restock_date(&mut tx, variant).await?;

            let waiting: Vec<(i64, i64, String, i64)> = sqlx::query_as(
                "SELECT l.id, l.backordered, o.number, o.id FROM order_lines l JOIN orders o ON o.id = l.order_id
                 WHERE l.variant_id = $1 AND l.backordered > 0 AND o.status != 'cancelled'
                 ORDER BY o.placed_at, o.id, l.id",
            )
            .bind(variant)
            .fetch_all(&mut *tx)
            .await?;
            let at_centre: i64 = sqlx::query_scalar(
                "SELECT quantity FROM stock WHERE variant_id = $1 AND centre_id = $2",
            )
            .bind(variant)
            .bind(centre_id)
            .fetch_one(&mut *tx)
            .await?;
            let queue: Vec<Waiting> = waiting
                .iter()
                .map(|(line_id, units, _, _)| Waiting {
                    line_id: *line_id,
                    quantity: u32::try_from(*units).unwrap_or(0),
                })
                .collect();
            let served = serve_waiting(u32::try_from(at_centre).unwrap_or(0), &queue);
            let mut to_backorders = 0;
            let mut orders_served = Vec::new();
            let mut served_ids = Vec::new();
            for (line_id, units) in &served {
                let units = i64::from(*units);
                sqlx::query("UPDATE stock SET quantity = quantity - $1 WHERE variant_id = $2 AND centre_id = $3")
                    .bind(units)
                    .bind(variant)
                    .bind(centre_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE order_lines SET backordered = backordered - $1 WHERE id = $2")
                    .bind(units)
                    .bind(line_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO order_allocations (order_line_id, centre_id, quantity) VALUES ($1, $2, $3)")
                    .bind(line_id)
                    .bind(centre_id)
                    .bind(units)
                    .execute(&mut *tx)
                    .await?;
                // The waiting units can ship now: the money for them is asked for now
                // (held), and taken when their shipment ships.
                let payment_id: i64 = sqlx::query_scalar(
                    "INSERT INTO payments (order_id, amount_minor, currency, purpose, status, created_at)
                     SELECT o.id, $1 * l.unit_price_minor + o.delivery_due_minor, o.currency, 'backorder', 'due', $2
                     FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.id = $3 RETURNING id",
                )
                .bind(units)
                .bind(super::unix_now())
                .bind(line_id)
                .fetch_one(&mut *tx)
                .await?;
                super::fulfilment::backorder_shipment(
                    &mut tx,
                    *line_id,
                    centre_id,
                    u32::try_from(units).unwrap_or(0),
                    payment_id,
                )
                .await?;
                sqlx::query(
                    "UPDATE orders SET delivery_due_minor = 0 WHERE id = (SELECT order_id FROM order_lines WHERE id = $1)",
                )
                .bind(line_id)
                .execute(&mut *tx)
                .await?;
                to_backorders += units as u32;
                if let Some((_, _, number, order_id)) = waiting.iter().find(|w| w.0 == *line_id) {
                    if !orders_served.contains(number) {
                        orders_served.push(number.clone());
                        served_ids.push(*order_id);
                    }
                }
            }
            let available_now = snapshot(&mut tx, &[variant])
                .await?
                .first()
                .map_or(0, StockChange::total);
            let alerts_mailed = if available_now > 0 {
                self.mail_alerts(&mut tx, variant).await?
            } else {
                0
            };
            Ok::<_, sqlx::Error>((
                Received {
                    sku: sku.trim().to_owned(),
                    centre: centre_name,
                    quantity,
                    to_backorders,
                    orders_served,
                    alerts_mailed,
                    available_now,
                },
                served_ids,
            ))
        }
        .await
        .map_err(admin_internal)?;
        tx.commit().await.map_err(admin_internal)?;
        tracing::info!(sku = %received.sku, centre = %received.centre, quantity, to_backorders = received.to_backorders, alerts = received.alerts_mailed, "stock received");
        self.publish(&[variant]).await;
        if received.to_backorders > 0 {
            self.state.checkout().charge_due().await;
            // Their status pages show the new parcel.
            for id in served_ids {
                self.state.order_changed(id);
            }
        }
        self.state.deliver_mail_soon();
        if let Err(e) = self.refresh_search(variant).await {
            tracing::error!(%e, "search index not refreshed after a restock");
        }
        Ok(received)
    }

    /// [`Self::receive`] from the warehouse back-office's screen: the same work, with
    /// each problem next to the field it is about.
    pub async fn receive_by(
        &self,
        staff: &super::agents::SignedInWarehouse,
        centre: &str,
        sku: &str,
        quantity: u32,
    ) -> Result<Received, ShopError> {
        use storefront_domain::validation::Field;
        if sku.trim().is_empty() {
            return Err(ShopError::invalid(
                Field::Sku,
                "Please enter the SKU from the label.",
            ));
        }
        if check_admin_quantity(quantity).is_err() {
            return Err(ShopError::invalid(
                Field::Quantity,
                "Please enter how many units arrived: 1 to 100,000.",
            ));
        }
        match self.receive(sku, centre, quantity).await {
            Ok(received) => {
                tracing::info!(staff = staff.name(), sku = %received.sku, "received from the back-office");
                Ok(received)
            }
            Err(AdminError::Invalid(m)) if m.starts_with("no variant") => Err(ShopError::invalid(
                Field::Sku,
                format!(
                    "There is no product with SKU {}. Please check the label.",
                    sku.trim()
                ),
            )),
            Err(AdminError::Invalid(m)) => Err(ShopError::invalid(Field::Sku, m)),
            Err(AdminError::Internal) => Err(ShopError::Internal),
        }
    }

    async fn refresh_search(&self, variant: i64) -> Result<(), super::search::SearchError> {
        let product: Option<i64> =
            sqlx::query_scalar("SELECT product_id FROM variants WHERE id = $1")
                .bind(variant)
                .fetch_optional(&self.state.db.read)
                .await?;
        if let Some(product) = product {
            self.state.refresh_search(Some(&[product])).await?;
        }
        Ok(())
    }

    /// Queues one "it's back" mail per sign-up for `variant` and deletes the sign-ups.
    async fn mail_alerts(&self, tx: &mut Conn, variant: i64) -> Result<u32, sqlx::Error> {
        let alerts: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, email FROM stock_alerts WHERE variant_id = $1 AND confirmed_at IS NOT NULL ORDER BY id")
                .bind(variant)
                .fetch_all(&mut *tx)
                .await?;
        if alerts.is_empty() {
            return Ok(0);
        }
        let (name, slug, colour, size, price_minor, currency): (
            String,
            String,
            Option<String>,
            Option<String>,
            i64,
            String,
        ) = sqlx::query_as(
            "SELECT p.name, p.slug, v.colour, v.size, p.price_minor, p.currency
             FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
        )
        .bind(variant)
        .fetch_one(&mut *tx)
        .await?;
        let label = variant_label(colour.as_deref(), size.as_deref());
        let subject = format!("{name} ({label}) is back in stock");
        let body = format!(
            "Hello,\n\nGood news: the {name} in {label} that you asked about is back in stock, at {}.\n\nSee it here: {}/p/{slug}\n\nStock can go quickly, so we can't hold it for you. This is the only email you'll get about it: we have now deleted your address from this list.\n\nStorefront",
            money(price_minor, &currency),
            self.state.config.public_url.trim_end_matches('/')
        );
        for (id, email) in &alerts {
            mail::queue(
                &mut *tx,
                Mail {
                    to: email,
                    subject: &subject,
                    body: &body,
                },
            )
            .await?;
            sqlx::query("DELETE FROM stock_alerts WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        Ok(alerts.len() as u32)
    }
}

/// A sign-up to be mailed about something (back in stock, a lower price): the address
/// checked and the box ticked (`unticked` is what to say when it isn't), each problem by
/// its field; then counted, at most [`ALERT_SIGN_UPS`] per client address. Answers the
/// address.
pub(crate) async fn check_sign_up(
    state: &AppState,
    email: &str,
    consent: bool,
    unticked: &str,
) -> Result<String, ShopError> {
    use storefront_domain::validation::FieldError;
    let mut errors = Vec::new();
    let email = check_email(email)
        .map_err(|m| errors.push(FieldError::new(Field::Email, m)))
        .ok();
    if !consent {
        errors.push(FieldError::new(Field::Consent, unticked));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ShopError::Invalid(errors));
    };
    let caller = super::session::Caller::current();
    state
        .desk
        .limit(&format!("alert-ip:{}", caller.ip), ALERT_SIGN_UPS)
        .await
        .map_err(|wait| {
            ShopError::TooMany(format!(
                "That's a lot of sign-ups from here. Please try again in {} minutes.",
                storefront_domain::rate::minutes_to_wait(wait)
            ))
        })?;
    Ok(email)
}

/// Queues the mail asking `email`'s owner to confirm a sign-up by opening `link`;
/// `asked` is what was asked for ("when the price of the Wool Coat goes down").
pub(crate) async fn queue_confirm_link(
    conn: &mut Conn,
    email: &str,
    subject: &str,
    asked: &str,
    link: &str,
) -> Result<(), sqlx::Error> {
    let body = format!(
        "Hello,\n\nSomeone (we hope you) asked us to email this address {asked}.\n\nTo confirm, open this link:\n{link}\n\nIf it wasn't you, ignore this email: without the link we send nothing more and delete the address in {UNCONFIRMED_ALERT_DAYS} days.\n\nStorefront\n"
    );
    mail::queue(
        conn,
        Mail {
            to: email,
            subject,
            body: &body,
        },
    )
    .await
}

/// Counts one more confirm link mailed to `email`: at most [`ALERT_CONFIRMATIONS`].
pub(crate) async fn limit_confirm_links(state: &AppState, email: &str) -> Result<(), ShopError> {
    state
        .desk
        .limit(
            &format!("alert-confirm:{}", email.to_lowercase()),
            ALERT_CONFIRMATIONS,
        )
        .await
        .map_err(|_| {
            ShopError::TooMany(format!(
                "We've already sent {email} links to confirm today. Please open the latest one, or try again tomorrow."
            ))
        })
}

fn check_admin_quantity(quantity: u32) -> Result<(), AdminError> {
    if (1..=100_000).contains(&quantity) {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "quantity must be 1 to 100000, got {quantity}"
        )))
    }
}

/// Takes `arrived` units off what was expected at the centre, earliest delivery first.
async fn use_up_incoming(
    conn: &mut Conn,
    variant: i64,
    centre: i64,
    arrived: u32,
) -> Result<(), sqlx::Error> {
    let expected: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, quantity FROM incoming WHERE variant_id = $1 AND centre_id = $2 ORDER BY expected_on, id",
    )
    .bind(variant)
    .bind(centre)
    .fetch_all(&mut *conn)
    .await?;
    let mut left = i64::from(arrived);
    for (id, quantity) in expected {
        if left == 0 {
            break;
        }
        if quantity <= left {
            sqlx::query("DELETE FROM incoming WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            left -= quantity;
        } else {
            sqlx::query("UPDATE incoming SET quantity = quantity - $1 WHERE id = $2")
                .bind(left)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            left = 0;
        }
    }
    Ok(())
}

/// Keeps `variants.restock_on` at the earliest expected delivery (none: no date).
async fn update_restock_date(conn: &mut Conn, variant: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE variants SET restock_on = (SELECT MIN(expected_on) FROM incoming WHERE variant_id = $1) WHERE id = $2",
    )
    .bind(variant)
    .bind(variant)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `presented` is the configured admin token.
pub fn admin_allowed(configured: Option<&str>, presented: Option<&str>) -> bool {
    matches!((configured, presented), (Some(c), Some(p)) if same_secret(c, p))
}
