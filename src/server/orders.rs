//! Pricing carts, placing orders and reading them back, behind `api::orders`.

use super::catalog::{image_url, money};
use super::stock::snapshot;
use super::{internal, same_secret, unix_now, AppState};
use crate::api::catalog::variant_label;
use crate::api::error::StockProblem;
use crate::api::orders::{OrderLine, OrderView, PlacedOrder, PricedCart, PricedLine, Shipment};
use crate::api::ShopError;
use crate::domain::allocation::{plan_order, CentreStock, LinePlan};
use crate::domain::cart::CartLine;
use crate::domain::date::CalendarDate;
use crate::domain::delivery;
use crate::domain::money::{Currency, Money};
use crate::domain::order::{is_order_number, order_number_from_bits, OrderStatus};
use crate::domain::pricing::{quote, LineToPrice};
use crate::domain::stock::Availability;
use crate::domain::validation::{
    check_details, check_lines, Address, CheckoutDetails, Field, FieldError,
};
use rand::Rng;
use sqlx::SqliteConnection;
use std::collections::HashMap;

pub struct Orders<'a> {
    state: &'a AppState,
}

/// A variant as sold: its product and the shop's price; its stock (summed over centres)
/// and restock date are filled in from the same stock snapshot the plan is made from.
#[derive(sqlx::FromRow)]
struct SaleRow {
    variant_id: i64,
    product_id: i64,
    product_slug: String,
    product_name: String,
    colour: Option<String>,
    size: Option<String>,
    price_minor: i64,
    currency: String,
    #[sqlx(skip)]
    available: u32,
    #[sqlx(skip)]
    back_on: Option<CalendarDate>,
}

impl SaleRow {
    fn label(&self) -> String {
        variant_label(self.colour.as_deref(), self.size.as_deref())
    }

    fn availability(&self) -> Availability {
        Availability::from_stock(self.available, self.back_on)
    }

    fn unit_price(&self) -> Money {
        money(self.price_minor, &self.currency)
    }
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    access_key: String,
    status: String,
    email: String,
    ship_name: String,
    ship_line1: String,
    ship_line2: String,
    ship_city: String,
    ship_postcode: String,
    ship_country: String,
    currency: String,
    subtotal_minor: i64,
    delivery_minor: i64,
    total_minor: i64,
    placed_at: i64,
}

#[derive(sqlx::FromRow)]
struct OrderLineRow {
    product_name: String,
    variant_label: String,
    quantity: i64,
    unit_price_minor: i64,
    line_total_minor: i64,
    backordered: i64,
    restock_on: Option<String>,
}

async fn sale_row(
    conn: &mut SqliteConnection,
    variant_id: i64,
) -> Result<Option<SaleRow>, ShopError> {
    sqlx::query_as(
        "SELECT v.id AS variant_id, p.id AS product_id, p.slug AS product_slug, p.name AS product_name, v.colour, v.size,
                p.price_minor, p.currency
         FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ?",
    )
    .bind(variant_id)
    .fetch_optional(conn)
    .await
    .map_err(internal)
}

fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

impl<'a> Orders<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// The sale rows and the plan for `lines` from centres ordered `nearest` first, read
    /// on `conn`. Lines for variants the shop doesn't sell come back in the second list.
    async fn plan(
        &self,
        conn: &mut SqliteConnection,
        lines: &[CartLine],
        nearest: &[(i64, f64)],
    ) -> Result<(Vec<(CartLine, SaleRow, LinePlan)>, Vec<i64>), ShopError> {
        let mut rows = Vec::new();
        let mut unknown = Vec::new();
        for line in lines {
            match sale_row(&mut *conn, line.variant_id).await? {
                Some(row) => rows.push((*line, row)),
                None => unknown.push(line.variant_id),
            }
        }
        let ids: Vec<i64> = rows.iter().map(|(l, _)| l.variant_id).collect();
        let levels = snapshot(&mut *conn, &ids).await.map_err(internal)?;
        for (_, row) in &mut rows {
            if let Some(change) = levels.iter().find(|c| c.variant_id == row.variant_id) {
                row.available = change.total();
                row.back_on = change.back_on;
            }
        }
        // Each variant's centres, nearest to the shopper first.
        let stock: HashMap<i64, Vec<CentreStock>> = levels
            .into_iter()
            .map(|change| {
                let ordered = nearest
                    .iter()
                    .filter_map(|(id, _)| change.centres.iter().find(|c| c.centre_id == *id))
                    .copied()
                    .collect();
                (change.variant_id, ordered)
            })
            .collect();
        let wanted: Vec<(i64, u32)> = rows
            .iter()
            .map(|(l, _)| (l.variant_id, l.quantity))
            .collect();
        let plans = plan_order(&wanted, &stock);
        Ok((
            rows.into_iter()
                .zip(plans)
                .map(|((line, row), plan)| (line, row, plan))
                .collect(),
            unknown,
        ))
    }

    /// The cart with today's prices, stock and shipping plan. Unknown variants are
    /// reported, not fatal.
    pub async fn price_cart(
        &self,
        lines: &[CartLine],
        region: &str,
    ) -> Result<PricedCart, ShopError> {
        // An empty cart is fine here; anything else must be a cart the shop could sell.
        let lines = if lines.is_empty() {
            Vec::new()
        } else {
            check_lines(lines).map_err(ShopError::Invalid)?
        };
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let nearest = self.state.centres.nearest_first(region);
        let (planned, unknown) = self.plan(&mut conn, &lines, &nearest).await?;
        let (today, hour) = delivery::uk_clock(unix_now());
        let mut priced = Vec::new();
        for (line, row, plan) in planned {
            let unit_price = row.unit_price();
            let line_total = unit_price
                .checked_mul(line.quantity)
                .ok_or(ShopError::Internal)?;
            let shipments = plan
                .picks
                .iter()
                .map(|pick| Shipment {
                    centre: self.state.centres.name(pick.centre_id).to_owned(),
                    quantity: pick.quantity,
                    arrives: delivery::arrival_day(
                        today,
                        hour,
                        nearest
                            .iter()
                            .find(|(id, _)| *id == pick.centre_id)
                            .map_or(f64::MAX, |(_, km)| *km),
                    ),
                })
                .collect();
            priced.push(PricedLine {
                variant_id: row.variant_id,
                variant_label: row.label(),
                availability: row.availability(),
                back_on: row.back_on,
                image: image_url(&row.product_slug),
                product_slug: row.product_slug,
                product_name: row.product_name,
                unit_price,
                quantity: line.quantity,
                line_total,
                shipments,
                backordered: plan.backordered,
            });
        }
        let to_price: Vec<LineToPrice> = priced
            .iter()
            .map(|l| LineToPrice {
                unit_price: l.unit_price,
                quantity: l.quantity,
            })
            .collect();
        let (subtotal, delivery, total) = match quote(&to_price) {
            Ok(q) => (q.subtotal, q.delivery, q.total),
            Err(_) => (
                Money::zero(Currency::Gbp),
                Money::zero(Currency::Gbp),
                Money::zero(Currency::Gbp),
            ),
        };
        Ok(PricedCart {
            lines: priced,
            unknown,
            subtotal,
            delivery,
            total,
        })
    }

    /// Places an order: everything is checked first, then stock is taken and the order
    /// written in one transaction; on any problem nothing is written.
    pub async fn place(
        &self,
        details: &CheckoutDetails,
        lines: &[CartLine],
        region: &str,
        accept_backorder: bool,
    ) -> Result<PlacedOrder, ShopError> {
        let details = check_details(details);
        let lines = check_lines(lines);
        let (details, lines) = match (details, lines) {
            (Ok(d), Ok(l)) => (d, l),
            (d, l) => {
                let mut errors = d.err().unwrap_or_default();
                errors.extend(l.err().unwrap_or_default());
                return Err(ShopError::Invalid(errors));
            }
        };

        // One writer at a time (see db.rs): nobody can take the stock between our read and
        // our write, so the plan made here is the one carried out.
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
        let nearest = self.state.centres.nearest_first(region);
        let (sales, unknown) = self.plan(&mut tx, &lines, &nearest).await?;
        if !unknown.is_empty() {
            return Err(ShopError::Invalid(
                unknown
                    .into_iter()
                    .map(|id| {
                        FieldError::new(
                            Field::Line(id),
                            "We no longer sell this item. Please remove it from your cart.",
                        )
                    })
                    .collect(),
            ));
        }
        let short: Vec<StockProblem> = sales
            .iter()
            .filter(|(_, row, plan)| plan.backordered > 0 && row.back_on.is_none())
            .map(|(line, _, plan)| StockProblem {
                variant_id: line.variant_id,
                requested: line.quantity,
                available: plan.shipping_now(),
            })
            .collect();
        if !short.is_empty() {
            return Err(ShopError::OutOfStock(short));
        }
        let waiting: Vec<&(CartLine, SaleRow, LinePlan)> =
            sales.iter().filter(|(_, _, p)| p.backordered > 0).collect();
        if !waiting.is_empty() && !accept_backorder {
            let when = waiting
                .iter()
                .filter_map(|(_, row, _)| row.back_on)
                .max()
                .map(CalendarDate::short_label)
                .unwrap_or_default();
            return Err(ShopError::invalid(
                Field::Backorder,
                format!("Some items can only follow later, around {when}. Please tick the box to say that's fine, or lower the quantity."),
            ));
        }

        let to_price: Vec<LineToPrice> = sales
            .iter()
            .map(|(line, row, _)| LineToPrice {
                unit_price: row.unit_price(),
                quantity: line.quantity,
            })
            .collect();
        let q = quote(&to_price).map_err(internal)?;
        let number = order_number_from_bits(rand::rng().random::<u64>());
        let key = random_token(24);
        let now = unix_now();
        let a = &details.address;
        let order_id: i64 = sqlx::query_scalar(
            "INSERT INTO orders (number, access_key, status, email, ship_name, ship_line1, ship_line2, ship_city,
                                 ship_postcode, ship_country, currency, subtotal_minor, delivery_minor, total_minor, placed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&number)
        .bind(&key)
        .bind(OrderStatus::Placed.as_str())
        .bind(&details.email)
        .bind(&a.name)
        .bind(&a.line1)
        .bind(&a.line2)
        .bind(&a.city)
        .bind(&a.postcode)
        .bind(&a.country)
        .bind(q.total.currency.code())
        .bind(q.subtotal.minor)
        .bind(q.delivery.minor)
        .bind(q.total.minor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;

        for ((line, row, plan), line_total) in sales.iter().zip(&q.line_totals) {
            let line_id: i64 = sqlx::query_scalar(
                "INSERT INTO order_lines (order_id, variant_id, product_name, variant_label, quantity, unit_price_minor, line_total_minor, backordered)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(order_id)
            .bind(line.variant_id)
            .bind(&row.product_name)
            .bind(row.label())
            .bind(i64::from(line.quantity))
            .bind(row.price_minor)
            .bind(line_total.minor)
            .bind(i64::from(plan.backordered))
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
            for pick in &plan.picks {
                let taken = sqlx::query(
                    "UPDATE stock SET quantity = quantity - ? WHERE variant_id = ? AND centre_id = ? AND quantity >= ?",
                )
                .bind(i64::from(pick.quantity))
                .bind(line.variant_id)
                .bind(pick.centre_id)
                .bind(i64::from(pick.quantity))
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
                if taken.rows_affected() != 1 {
                    // Cannot happen while writes are serialised; refuse rather than oversell.
                    return Err(ShopError::OutOfStock(vec![StockProblem {
                        variant_id: line.variant_id,
                        requested: line.quantity,
                        available: 0,
                    }]));
                }
                sqlx::query("INSERT INTO order_allocations (order_line_id, centre_id, quantity) VALUES (?, ?, ?)")
                    .bind(line_id)
                    .bind(pick.centre_id)
                    .bind(i64::from(pick.quantity))
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
            }
        }
        sqlx::query("INSERT INTO order_events (order_id, status, at) VALUES (?, ?, ?)")
            .bind(order_id)
            .bind(OrderStatus::Placed.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(order = %number, total = %q.total, "order placed");
        let variants: Vec<i64> = sales.iter().map(|(line, _, _)| line.variant_id).collect();
        self.state.stock().publish(&variants).await;
        // Search shows stock too; the order stands even if this refresh fails.
        let products: Vec<i64> = sales.iter().map(|(_, row, _)| row.product_id).collect();
        if let Err(e) = self
            .state
            .search
            .refresh(&self.state.db.read, Some(&products))
            .await
        {
            tracing::error!(%e, "search index not refreshed after an order");
        }
        Ok(PlacedOrder { number, key })
    }

    /// The order with this number, if `key` is its private key.
    pub async fn view(&self, number: &str, key: &str) -> Result<OrderView, ShopError> {
        let not_found = || {
            ShopError::NotFound(
                "We couldn't find an order with that number and link. Please use the link in your receipt, or call us and we'll look it up.".into(),
            )
        };
        let number = number.trim().to_ascii_uppercase();
        if !is_order_number(&number) {
            return Err(not_found());
        }
        let row: Option<OrderRow> = sqlx::query_as(
            "SELECT id, access_key, status, email, ship_name, ship_line1, ship_line2, ship_city, ship_postcode,
                    ship_country, currency, subtotal_minor, delivery_minor, total_minor, placed_at
             FROM orders WHERE number = ?",
        )
        .bind(&number)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?;
        let Some(o) = row else {
            return Err(not_found());
        };
        if !same_secret(&o.access_key, key.trim()) {
            return Err(not_found());
        }
        let lines: Vec<OrderLineRow> = sqlx::query_as(
            "SELECT l.product_name, l.variant_label, l.quantity, l.unit_price_minor, l.line_total_minor, l.backordered, v.restock_on
             FROM order_lines l JOIN variants v ON v.id = l.variant_id WHERE l.order_id = ? ORDER BY l.id",
        )
        .bind(o.id)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        let events: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, at FROM order_events WHERE order_id = ? ORDER BY id")
                .bind(o.id)
                .fetch_all(&self.state.db.read)
                .await
                .map_err(internal)?;
        Ok(OrderView {
            number,
            status: OrderStatus::parse(&o.status).ok_or(ShopError::Internal)?,
            placed_on: super::date_of(o.placed_at),
            email: o.email,
            address: Address {
                name: o.ship_name,
                line1: o.ship_line1,
                line2: o.ship_line2,
                city: o.ship_city,
                postcode: o.ship_postcode,
                country: o.ship_country,
            },
            lines: lines
                .into_iter()
                .map(|l| OrderLine {
                    product_name: l.product_name,
                    variant_label: l.variant_label,
                    quantity: u32::try_from(l.quantity).unwrap_or(0),
                    unit_price: money(l.unit_price_minor, &o.currency),
                    line_total: money(l.line_total_minor, &o.currency),
                    backordered: u32::try_from(l.backordered).unwrap_or(0),
                    expected: l
                        .restock_on
                        .as_deref()
                        .and_then(CalendarDate::parse_iso)
                        .filter(|_| l.backordered > 0),
                })
                .collect(),
            subtotal: money(o.subtotal_minor, &o.currency),
            delivery: money(o.delivery_minor, &o.currency),
            total: money(o.total_minor, &o.currency),
            history: events
                .into_iter()
                .filter_map(|(s, at)| Some((OrderStatus::parse(&s)?, super::date_of(at))))
                .collect(),
        })
    }
}
