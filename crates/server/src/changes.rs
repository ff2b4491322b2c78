//! Changing an order until it ships, behind the status page (the shopper) and the
//! agent console (on the phone): quantities, sizes and colours, removing or adding
//! lines, the address and the delivery option — and once part of it has shipped, what
//! hasn't (the units that left, the address and the delivery stay). A change is
//! previewed (the new total and the money in plain words) and then applied, each in one
//! write transaction that puts the order's unshipped units back, plans the rest nearest
//! centre first, and takes stock again, so nothing is oversold and a change racing the
//! warehouse's "Ship" has one winner. What the card holds follows what ships now: the
//! checkout hold is lowered, or a new hold replaces what it had left; holds for parcels
//! the change replaced are released. The rules are `storefront_domain::changes`.

use super::catalog::money;
use super::fulfilment::{
    checkout_shipments, queue_order_mail, release_unshipped, Customer, Pick, EXCHANGE_PARCEL,
};
use super::orders::{take_stock, Priced, ShipTo};
use super::payment::{AuthStatus, Capture};
use super::{internal, unix_now, AppState};
use crate::db::Conn;
use storefront_domain::cart::CartLine;
use storefront_domain::changes::{
    change_quote, check_delivery, check_line, delivery_left, describe, hold_words, may_change,
    ChangeScope, LineState,
};
use storefront_domain::delivery::DeliveryOption;
use storefront_domain::fulfilment::ShipmentStatus;
use storefront_domain::money::Money;
use storefront_domain::pricing::{charge_plan, ChargePlan, LineToCharge, LineToPrice, Quote};
use storefront_domain::validation::{
    check_details, check_quantity, Address, CheckoutDetails, Field, FieldError,
};
use storefront_model::orders::{ChangePreview, OrderChange};
use storefront_model::ShopError;

/// The units of order line `l` in parcels that have left (SQL, in a query over `order_lines l`).
pub(crate) const SHIPPED_UNITS: &str = "(SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
      WHERE sl.order_line_id = l.id AND s.status NOT IN ('cancelled', 'to_pack', 'packed'))";

/// The order as it is, read inside the change's transaction.
#[derive(sqlx::FromRow)]
struct OrderNow {
    number: String,
    email: String,
    phone: String,
    #[sqlx(flatten)]
    ship_to: ShipTo,
    currency: String,
    total_minor: i64,
    delivery_minor: i64,
    delivery_option: String,
    card_brand: Option<String>,
    card_last4: Option<String>,
    card_token: Option<String>,
}

const ORDER_NOW: &str = "SELECT number, email, phone, ship_name, ship_line1, ship_line2, ship_city, ship_postcode, ship_country,
        currency, total_minor, delivery_minor, delivery_option, card_brand, card_last4, card_token
 FROM orders WHERE id = $1";

impl OrderNow {
    async fn read(conn: &mut Conn, order_id: i64) -> Result<Self, sqlx::Error> {
        sqlx::query_as(ORDER_NOW)
            .bind(order_id)
            .fetch_one(conn)
            .await
    }

    fn card_words(&self) -> String {
        self.card_brand
            .as_deref()
            .zip(self.card_last4.as_deref())
            .map(|(b, l)| format!("your {b} ending {l}"))
            .unwrap_or_else(|| "your card".into())
    }

    fn money(&self, minor: i64) -> Money {
        money(minor, &self.currency)
    }
}

/// An order line as it is (exchanges sent for a return aside: they aren't the order's
/// to change).
#[derive(sqlx::FromRow)]
struct LineNow {
    id: i64,
    variant_id: i64,
    product_id: i64,
    product_name: String,
    variant_label: String,
    quantity: i64,
    unit_price_minor: i64,
    /// Units in parcels that have left.
    shipped: i64,
}

impl LineNow {
    fn shipped(&self) -> u32 {
        u32::try_from(self.shipped).unwrap_or(0)
    }
}

/// A payment of the order that holds, or will ask for, money.
#[derive(sqlx::FromRow, Clone, Debug)]
struct Held {
    id: i64,
    authorization: Option<String>,
    amount_minor: i64,
    captured_minor: i64,
    status: String,
    purpose: String,
}

/// What a change does to one of the order's payments.
#[derive(Clone, Debug)]
enum HoldAfter {
    /// It holds `to` from now on (lowered at the gateway).
    Lower {
        id: i64,
        authorization: String,
        to: i64,
    },
    /// Released at the gateway: nothing was taken from it (`replaced` by the change's
    /// new hold, or for parcels the change replaced).
    Release {
        id: i64,
        authorization: String,
        replaced: bool,
    },
    /// Not yet asked for (units back in stock whose parcel the change replaced): never
    /// asked for.
    Drop { id: i64 },
}

/// A line as the change leaves it: every unit, shipped or not.
struct LineAfter {
    /// The order line it updates (none: new).
    line: Option<i64>,
    variant_id: i64,
    quantity: u32,
    unit_price_minor: i64,
    /// Its unshipped units' plan: an index into `Planned::priced.sales` (none: nothing
    /// of it is left to ship).
    sale: Option<usize>,
    product: String,
    label: String,
}

/// A change planned on the write transaction, not yet written.
struct Planned {
    order: OrderNow,
    scope: ChangeScope,
    address: Address,
    delivery: DeliveryOption,
    /// The plan of the units not shipped.
    priced: Priced,
    lines: Vec<LineAfter>,
    /// The whole order's price, line by line as `lines`.
    quote: Quote,
    /// What is held now for what ships now, and what is charged when waiting units ship.
    charges: ChargePlan,
    /// Lines the change removes.
    removed: Vec<i64>,
    /// The checkout hold: what ships now is taken from it, unless the change needs a new
    /// hold (`new_hold`).
    hold: Held,
    new_hold: bool,
    /// What becomes of each hold (the checkout one included).
    holds_after: Vec<HoldAfter>,
    /// What the card holds for what hasn't shipped, before the change.
    old_held: i64,
    /// What shipped parcels took.
    taken: i64,
    what: Vec<String>,
    /// Variants whose stock moves.
    variants: Vec<i64>,
}

impl Planned {
    fn preview(&self) -> ChangePreview {
        let o = &self.order;
        ChangePreview {
            what: self.what.clone(),
            old_total: o.money(o.total_minor),
            subtotal: self.quote.subtotal,
            delivery: self.quote.delivery,
            total: self.quote.total,
            money: {
                let mut words = hold_words(
                    o.money(self.old_held),
                    self.charges.now,
                    &o.card_words(),
                    o.money(self.taken),
                );
                for later in &self.charges.later {
                    words.push_str(&format!(
                        " {} for {} waiting for stock is charged when it ships{}.",
                        later.amount,
                        if later.units == 1 {
                            "1 item".to_owned()
                        } else {
                            format!("{} items", later.units)
                        },
                        later
                            .around
                            .map(|d| format!(" (around {})", d.short_label()))
                            .unwrap_or_default()
                    ));
                }
                words
            },
            arrives: self
                .priced
                .options
                .iter()
                .find(|o| o.option == self.delivery)
                .and_then(|o| o.arrives),
        }
    }
}

/// Takes order line `line` out of order `order_id` when none of it is in a parcel that
/// left: only cancelled parcels (replaced or cancelled before shipping) and its
/// allocations can still name it.
async fn remove_line(conn: &mut Conn, order_id: i64, line: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM shipment_lines WHERE order_line_id = $1
         AND shipment_id IN (SELECT id FROM shipments WHERE order_id = $2 AND status = 'cancelled')",
    )
    .bind(line)
    .bind(order_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM order_allocations WHERE order_line_id = $1")
        .bind(line)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM order_lines WHERE id = $1 AND order_id = $2")
        .bind(line)
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Where order `order_id` is: its parcels (exchanges sent for a return aside), its units
/// waiting for stock, and whether it is cancelled.
async fn where_it_is(
    conn: &mut Conn,
    order_id: i64,
) -> Result<(Vec<ShipmentStatus>, u32, bool), sqlx::Error> {
    let statuses: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT status FROM shipments s WHERE order_id = $1 AND NOT {EXCHANGE_PARCEL}"
    ))
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    let (status, waiting): (String, i64) = sqlx::query_as(
        "SELECT o.status, (SELECT COALESCE(SUM(backordered), 0) FROM order_lines WHERE order_id = o.id)
         FROM orders o WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        statuses
            .iter()
            .filter_map(|s| ShipmentStatus::parse(s))
            .collect(),
        u32::try_from(waiting).unwrap_or(0),
        status == "cancelled",
    ))
}

/// The parcels of order `order_id` that have left: what each took and the goods in it.
async fn shipped_parcels(
    conn: &mut Conn,
    order_id: i64,
    currency: &str,
) -> Result<Vec<(Money, Money)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT s.amount_minor, COALESCE(SUM(sl.quantity * l.unit_price_minor), 0)
         FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN order_lines l ON l.id = sl.order_line_id
         WHERE s.order_id = $1 AND s.status NOT IN ('cancelled', 'to_pack', 'packed') GROUP BY s.id",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(took, goods)| (money(took, currency), money(goods, currency)))
        .collect())
}

pub struct Changes<'a> {
    state: &'a AppState,
}

/// What applying a change did.
#[derive(Debug)]
pub enum Applied {
    Done,
    /// Nothing yet: the bank wants the shopper to confirm the larger hold first.
    ConfirmWithBank(Money, storefront_domain::payment::CardOnFile),
}

impl<'a> Changes<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// How much of order `order_id` may change now, or why nothing may, in the
    /// shopper's words.
    async fn scope(
        conn: &mut Conn,
        order_id: i64,
    ) -> Result<Result<ChangeScope, String>, sqlx::Error> {
        let (statuses, waiting, cancelled) = where_it_is(conn, order_id).await?;
        if cancelled {
            return Ok(Err("This order is cancelled.".into()));
        }
        Ok(may_change(&statuses, waiting).map_err(|e| e.0))
    }

    /// Why order `order_id` can't change now, if it can't.
    pub(crate) async fn refused(
        conn: &mut Conn,
        order_id: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        Ok(Self::scope(conn, order_id).await?.err())
    }

    /// Whether the part of order `order_id` that hasn't shipped may be cancelled now.
    pub(crate) async fn rest_cancellable(
        conn: &mut Conn,
        order_id: i64,
    ) -> Result<bool, sqlx::Error> {
        let (statuses, waiting, cancelled) = where_it_is(conn, order_id).await?;
        Ok(!cancelled && storefront_domain::changes::may_cancel_rest(&statuses, waiting).is_ok())
    }

    /// What `change` would do to order `order_id`: planned on the write connection and
    /// rolled back, so the order's own units count as free for its new plan.
    pub async fn preview(
        &self,
        order_id: i64,
        change: &OrderChange,
    ) -> Result<ChangePreview, ShopError> {
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let planned = self.plan(&mut tx, order_id, change).await?;
        drop(tx);
        Ok(planned.preview())
    }

    /// Applies `change` to order `order_id` if its total is still `expected_total` (the
    /// one the shopper confirmed). `by` is empty for the shopper, else the agent's name;
    /// `shopper_present` says whether the bank may ask the shopper to confirm a larger
    /// hold (not on the phone). If it asks, nothing is written and the answer says so;
    /// the shopper's answer comes back as `bank` with the same change (the gateway's
    /// idempotency key makes it the same authorization). Asked again with the same
    /// attempt once made, changes nothing more.
    pub async fn apply(
        &self,
        order_id: i64,
        change: &OrderChange,
        expected_total: i64,
        by: &str,
        shopper_present: bool,
        bank: Option<bool>,
    ) -> Result<Applied, ShopError> {
        let attempt = change.attempt.trim();
        if attempt.len() < 8 || attempt.len() > 64 {
            return Err(ShopError::invalid(
                Field::Order,
                "Please reload the page and try again.",
            ));
        }
        let done: Option<i64> =
            sqlx::query_scalar("SELECT order_id FROM order_changes WHERE attempt = $1")
                .bind(attempt)
                .fetch_optional(&self.state.db.write)
                .await
                .map_err(internal)?;
        if let Some(order) = done {
            return if order == order_id {
                Ok(Applied::Done)
            } else {
                Err(ShopError::invalid(
                    Field::Order,
                    "Please reload the page and try again.",
                ))
            };
        }
        let moved = |total: Money| {
            ShopError::invalid(
                Field::Order,
                format!("The order has changed since you looked (the new total would be {total}). Please review the change again."),
            )
        };
        // First look: the new total, and whether the bank must hold more.
        let (total, now, needs_hold, token, number) = {
            let mut tx = self.state.db.begin_write().await.map_err(internal)?;
            let p = self.plan(&mut tx, order_id, change).await?;
            (
                p.quote.total,
                p.charges.now,
                p.new_hold,
                p.order.card_token.clone(),
                p.order.number.clone(),
            )
        };
        if total.minor != expected_total {
            return Err(moved(total));
        }
        // More to hold now than the checkout hold has left: a new hold for all of it,
        // before anything is written.
        let mut new_hold: Option<String> = None;
        if needs_hold {
            let token = token.ok_or_else(|| {
                ShopError::invalid(
                    Field::Payment,
                    "We have no card on file for this order: please call us.",
                )
            })?;
            let reference = format!("{number}-change-{attempt}");
            let a = self
                .state
                .gateway
                .authorize(&token, now, &reference, shopper_present)
                .await
                .map_err(internal)?;
            match a.status {
                AuthStatus::Authorized => new_hold = Some(a.id),
                AuthStatus::NeedsAuthentication => match bank {
                    None => return Ok(Applied::ConfirmWithBank(now, a.card)),
                    Some(approve) => {
                        let answered = self
                            .state
                            .gateway
                            .complete_authentication(&a.id, approve)
                            .await
                            .map_err(internal)?;
                        if answered.status != AuthStatus::Authorized {
                            return Err(ShopError::invalid(
                                Field::Payment,
                                "The larger amount wasn't confirmed with your bank, so nothing changed.",
                            ));
                        }
                        new_hold = Some(a.id);
                    }
                },
                AuthStatus::Declined(reason) => {
                    return Err(ShopError::invalid(
                        Field::Payment,
                        format!("Your bank didn't agree to hold the larger amount ({}). Nothing changed.", reason.message()),
                    ));
                }
            }
        }
        let written = self
            .write(order_id, change, expected_total, by, new_hold.as_deref())
            .await;
        let planned = match written {
            Ok(p) => p,
            Err(e) => {
                if let Some(id) = &new_hold {
                    let _ = self.state.gateway.void(id).await;
                }
                return Err(e);
            }
        };
        // The money follows: holds released or lowered at the gateway as the books say.
        let gateway = &self.state.gateway;
        for after in &planned.holds_after {
            match after {
                HoldAfter::Lower {
                    authorization, to, ..
                } => match gateway
                    .reduce(authorization, planned.order.money(*to))
                    .await
                {
                    Ok(Capture::Done(_)) => {}
                    other => tracing::error!(?other, "a hold was not lowered after a change"),
                },
                HoldAfter::Release { authorization, .. } => {
                    if let Err(e) = gateway.void(authorization).await {
                        tracing::error!(%e, "a hold a change released was not released");
                    }
                }
                HoldAfter::Drop { .. } => {}
            }
        }
        self.state.stock().publish(&planned.variants).await;
        if let Err(e) = self.state.refresh_search(None).await {
            tracing::error!(%e, "search index not refreshed after a change");
        }
        self.state.order_changed(order_id);
        self.state.deliver_mail_soon();
        Ok(Applied::Done)
    }

    async fn write(
        &self,
        order_id: i64,
        change: &OrderChange,
        expected_total: i64,
        by: &str,
        new_hold: Option<&str>,
    ) -> Result<Planned, ShopError> {
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let p = self.plan(&mut tx, order_id, change).await?;
        if p.quote.total.minor != expected_total || p.new_hold != new_hold.is_some() {
            return Err(ShopError::invalid(
                Field::Order,
                "The order changed while we were asking your bank. Nothing changed: please review it again.",
            ));
        }
        let now = unix_now();
        let mut picks: Vec<Pick> = Vec::new();
        for (after, total) in p.lines.iter().zip(&p.quote.line_totals) {
            let sale = after.sale.map(|i| &p.priced.sales[i]);
            let backordered = sale.map_or(0, |(_, _, plan)| plan.backordered);
            let line_id: i64 = match after.line {
                Some(id) => {
                    sqlx::query(
                        "UPDATE order_lines SET variant_id = $1, product_name = $2, variant_label = $3, quantity = $4,
                                unit_price_minor = $5, line_total_minor = $6, backordered = $7
                         WHERE id = $8 AND order_id = $9",
                    )
                    .bind(after.variant_id)
                    .bind(&after.product)
                    .bind(&after.label)
                    .bind(i64::from(after.quantity))
                    .bind(after.unit_price_minor)
                    .bind(total.minor)
                    .bind(i64::from(backordered))
                    .bind(id)
                    .bind(order_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO order_lines (order_id, variant_id, product_name, variant_label, quantity, unit_price_minor, line_total_minor, backordered)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(order_id)
                .bind(after.variant_id)
                .bind(&after.product)
                .bind(&after.label)
                .bind(i64::from(after.quantity))
                .bind(after.unit_price_minor)
                .bind(total.minor)
                .bind(i64::from(backordered))
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?,
            };
            if let Some((line, _, plan)) = sale {
                take_stock(
                    &mut tx,
                    line_id,
                    line,
                    after.unit_price_minor,
                    plan,
                    &mut picks,
                )
                .await?;
            }
        }
        for id in &p.removed {
            remove_line(&mut tx, order_id, *id)
                .await
                .map_err(internal)?;
        }
        let arrives = p.preview().arrives;
        let a = &p.address;
        sqlx::query(
            "UPDATE orders SET ship_name = $1, ship_line1 = $2, ship_line2 = $3, ship_city = $4, ship_postcode = $5,
                    ship_country = $6, subtotal_minor = $7, delivery_minor = $8, total_minor = $9, delivery_option = $10,
                    delivery_due_minor = $11
             WHERE id = $12",
        )
        .bind(&a.name)
        .bind(&a.line1)
        .bind(&a.line2)
        .bind(&a.city)
        .bind(&a.postcode)
        .bind(&a.country)
        .bind(p.quote.subtotal.minor)
        .bind(p.quote.delivery.minor)
        .bind(p.quote.total.minor)
        .bind(p.delivery.as_str())
        // Nothing ships now: the delivery still to take comes with the first later charge.
        .bind(if p.charges.now_units == 0 { p.charges.delivery.minor } else { 0 })
        .bind(order_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        // When what ships now arrives (once part has shipped, only if more ships now).
        if p.scope == ChangeScope::Whole || arrives.is_some() {
            sqlx::query("UPDATE orders SET arrives_on = $1 WHERE id = $2")
                .bind(arrives.map(|d| d.to_string()))
                .bind(order_id)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        for after in &p.holds_after {
            let q = match after {
                HoldAfter::Lower { id, to, .. } => {
                    sqlx::query("UPDATE payments SET amount_minor = $1 WHERE id = $2")
                        .bind(to)
                        .bind(id)
                }
                HoldAfter::Release { id, replaced, .. } => {
                    sqlx::query("UPDATE payments SET status = $1 WHERE id = $2")
                        .bind(if *replaced { "replaced" } else { "voided" })
                        .bind(id)
                }
                HoldAfter::Drop { id } => {
                    sqlx::query("UPDATE payments SET status = 'cancelled' WHERE id = $1").bind(id)
                }
            };
            q.execute(&mut *tx).await.map_err(internal)?;
        }
        let payment_id = match new_hold {
            Some(authorization) => sqlx::query_scalar(
                "INSERT INTO payments (order_id, amount_minor, currency, purpose, status, \"authorization\", created_at, settled_at)
                 VALUES ($1, $2, $3, 'checkout', 'authorized', $4, $5, $6) RETURNING id",
            )
            .bind(order_id)
            .bind(p.charges.now.minor)
            .bind(p.charges.now.currency.code())
            .bind(authorization)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?,
            None => p.hold.id,
        };
        if !picks.is_empty() {
            checkout_shipments(&mut tx, order_id, payment_id, p.charges.now, &picks).await?;
        }
        super::fulfilment::refresh_order_status(&mut tx, order_id)
            .await
            .map_err(internal)?;
        let preview = p.preview();
        let who = if by.is_empty() {
            String::new()
        } else {
            format!("{by} at our contact centre")
        };
        sqlx::query(
            "INSERT INTO order_changes (order_id, attempt, at, by_whom, summary, money) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(order_id)
        .bind(change.attempt.trim())
        .bind(now)
        .bind(&who)
        .bind(p.what.join("; "))
        .bind(&preview.money)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        let o = &p.order;
        queue_order_mail(
            &mut tx,
            self.state,
            &Customer {
                order_id,
                number: &o.number,
                email: &o.email,
                name: &p.address.name,
            },
            &format!("Your order {} is changed", o.number),
            &format!(
                "Your order {} is changed{}: {}.\n\n{}\n\nThe new total is {}{}.",
                o.number,
                if who.is_empty() {
                    String::new()
                } else {
                    format!(" by {who}, as you asked")
                },
                p.what.join("; "),
                preview.money,
                preview.total,
                preview
                    .arrives
                    .map(|d| format!(
                        ", {}arriving {}",
                        if p.scope == ChangeScope::Rest {
                            "the rest "
                        } else {
                            ""
                        },
                        storefront_domain::delivery::arrival_label(d)
                    ))
                    .unwrap_or_default(),
            ),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(order = %o.number, by, total = %p.quote.total, "order changed");
        Ok(p)
    }

    /// Checks `change` against order `order_id` and plans it on `tx`: the order's
    /// unshipped units are put back and its unshipped parcels removed first (the caller
    /// commits only when writing the change).
    async fn plan(
        &self,
        tx: &mut Conn,
        order_id: i64,
        change: &OrderChange,
    ) -> Result<Planned, ShopError> {
        let order = OrderNow::read(tx, order_id).await.map_err(internal)?;
        let scope = Self::scope(tx, order_id)
            .await
            .map_err(internal)?
            .map_err(|why| ShopError::invalid(Field::Order, why))?;
        let now_lines: Vec<LineNow> = sqlx::query_as(&format!(
            "SELECT l.id, l.variant_id, v.product_id, l.product_name, l.variant_label, l.quantity, l.unit_price_minor,
                    {SHIPPED_UNITS} AS shipped
             FROM order_lines l JOIN variants v ON v.id = l.variant_id
             WHERE l.order_id = $1 AND l.exchange_for IS NULL ORDER BY l.id"
        ))
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
        let payments: Vec<Held> = sqlx::query_as(
            "SELECT id, \"authorization\", amount_minor, captured_minor, status, purpose FROM payments
             WHERE order_id = $1 AND status IN ('authorized', 'due', 'charging') ORDER BY id",
        )
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
        if payments.iter().any(|h| h.status == "charging") {
            return Err(ShopError::invalid(
                Field::Order,
                "We're taking the payment for items just back in stock: please try again in a minute.",
            ));
        }
        let hold = payments
            .iter()
            .rev()
            .find(|h| {
                h.purpose == "checkout" && h.status == "authorized" && h.authorization.is_some()
            })
            .cloned()
            .ok_or_else(|| {
                ShopError::invalid(
                    Field::Order,
                    "This order's payment can't be changed here: please call us.",
                )
            })?;

        // The lines as they should be: (the line, the variant, every unit, units shipped).
        let mut problems = Vec::new();
        let mut wanted: Vec<(Option<i64>, CartLine, u32)> = Vec::new();
        let mut seen_lines = Vec::new();
        for l in &change.lines {
            let mut shipped = 0;
            if let Some(id) = l.line_id {
                let Some(now) = now_lines.iter().find(|n| n.id == id) else {
                    problems.push(FieldError::new(
                        Field::Order,
                        "That item isn't part of this order.",
                    ));
                    continue;
                };
                if seen_lines.contains(&id) {
                    problems.push(FieldError::new(
                        Field::Line(l.variant_id),
                        "This item is listed twice.",
                    ));
                    continue;
                }
                seen_lines.push(id);
                shipped = now.shipped();
                if let Err(m) = check_line(shipped, l.variant_id == now.variant_id, l.quantity) {
                    problems.push(FieldError::new(Field::Line(now.variant_id), m));
                    continue;
                }
                if l.variant_id != now.variant_id {
                    let product: Option<i64> =
                        sqlx::query_scalar("SELECT product_id FROM variants WHERE id = $1")
                            .bind(l.variant_id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(internal)?;
                    if product != Some(now.product_id) {
                        problems.push(FieldError::new(
                            Field::Line(now.variant_id),
                            "Choose another size or colour of the same item (or add a new item instead).",
                        ));
                        continue;
                    }
                }
            }
            if l.quantity == 0 {
                continue;
            }
            if let Err(m) = check_quantity(l.quantity) {
                problems.push(FieldError::new(Field::Line(l.variant_id), m));
                continue;
            }
            if wanted.iter().any(|(_, w, _)| w.variant_id == l.variant_id) {
                problems.push(FieldError::new(
                    Field::Line(l.variant_id),
                    "This size and colour is in the order twice: change the quantity of one instead.",
                ));
                continue;
            }
            wanted.push((
                l.line_id,
                CartLine {
                    variant_id: l.variant_id,
                    quantity: l.quantity,
                },
                shipped,
            ));
        }
        // Lines not mentioned stay as they are.
        for n in &now_lines {
            if !change.lines.iter().any(|l| l.line_id == Some(n.id)) {
                if wanted.iter().any(|(_, w, _)| w.variant_id == n.variant_id) {
                    problems.push(FieldError::new(
                        Field::Line(n.variant_id),
                        "This size and colour is in the order already: change its quantity instead.",
                    ));
                    continue;
                }
                wanted.push((
                    Some(n.id),
                    CartLine {
                        variant_id: n.variant_id,
                        quantity: u32::try_from(n.quantity).unwrap_or(0),
                    },
                    n.shipped(),
                ));
            }
        }
        // What is left to ship of each line.
        let cart: Vec<(usize, CartLine)> = wanted
            .iter()
            .enumerate()
            .filter(|(_, (_, l, shipped))| l.quantity > *shipped)
            .map(|(i, (_, l, shipped))| {
                (
                    i,
                    CartLine {
                        variant_id: l.variant_id,
                        quantity: l.quantity - shipped,
                    },
                )
            })
            .collect();
        if problems.is_empty() && cart.is_empty() {
            problems.push(FieldError::new(
                Field::Order,
                match scope {
                    ChangeScope::Whole => "That would leave nothing in the order: to stop it altogether, cancel it instead.",
                    ChangeScope::Rest => "That leaves only what has already shipped: to stop the rest, choose \u{201c}Cancel what hasn't shipped\u{201d} instead.",
                },
            ));
        }
        if wanted.len() > storefront_domain::cart::MAX_LINES {
            problems.push(FieldError::new(
                Field::Order,
                "That's more different items than one order can hold.",
            ));
        }
        let details = check_details(&CheckoutDetails {
            email: order.email.clone(),
            phone: order.phone.clone(),
            address: change.address.clone(),
        });
        let address = match details {
            Ok(d) => Some(d.address),
            Err(errors) => {
                problems.extend(errors);
                None
            }
        };
        let old_option = DeliveryOption::parse(&order.delivery_option).unwrap_or_default();
        let delivery = change.delivery;
        let address_changed = address
            .as_ref()
            .is_some_and(|a| *a != order.ship_to.address());
        if let Err(e) = check_delivery(scope, address_changed, delivery != old_option) {
            problems.push(FieldError::new(Field::Order, e.0));
        }
        let Some(address) = address.filter(|_| problems.is_empty()) else {
            return Err(ShopError::Invalid(problems));
        };
        let region =
            storefront_domain::location::region_for_address(&address.country, &address.postcode)
                .map_or(storefront_domain::location::DEFAULT_REGION, |r| r.code);

        // What the card holds for what hasn't shipped, and what shipped parcels took.
        let shipped = shipped_parcels(tx, order_id, &order.currency)
            .await
            .map_err(internal)?;
        let taken: i64 = shipped.iter().map(|(took, _)| took.minor).sum();
        let old_held: i64 = payments
            .iter()
            .filter(|h| h.status == "authorized")
            .map(|h| h.amount_minor - h.captured_minor)
            .sum();

        // Put back what the order holds and hasn't shipped; its parcels are replaced
        // (kept as cancelled, so a "Ship" racing this change gives its money back).
        release_unshipped(
            tx,
            order_id,
            unix_now(),
            "Replaced by a change to the order",
            "",
        )
        .await
        .map_err(internal)?;
        sqlx::query(
            "DELETE FROM order_allocations WHERE order_line_id IN (SELECT id FROM order_lines WHERE order_id = $1 AND exchange_for IS NULL)",
        )
        .bind(order_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query(
            "INSERT INTO order_allocations (order_line_id, centre_id, quantity)
             SELECT sl.order_line_id, s.centre_id, SUM(sl.quantity)
             FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN order_lines l ON l.id = sl.order_line_id
             WHERE s.order_id = $1 AND l.exchange_for IS NULL AND s.status NOT IN ('cancelled', 'to_pack', 'packed')
             GROUP BY sl.order_line_id, s.centre_id",
        )
        .bind(order_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;

        // Plan and price what is left to ship.
        let to_plan: Vec<CartLine> = cart.iter().map(|(_, l)| *l).collect();
        let priced = self
            .state
            .orders()
            .price_on(tx, &to_plan, region, delivery)
            .await?;
        let mut short = Vec::new();
        for (_, row, plan) in &priced.sales {
            // Units may wait for a restock the shop expects (they keep the order's place
            // in the queue: it goes by when the order was placed); otherwise not.
            if plan.backordered > 0 && row.back_on.is_none() {
                let left = plan.shipping_now();
                short.push(FieldError::new(
                    Field::Line(row.variant_id),
                    if left == 0 {
                        "Sorry, that size and colour is out of stock now: choose another.".to_owned()
                    } else {
                        format!("Sorry, only {left} left: lower the quantity to {left} or choose another size.")
                    },
                ));
            }
        }
        for unknown in &priced.unknown {
            short.push(FieldError::new(
                Field::Line(*unknown),
                "We no longer sell this item.",
            ));
        }
        if !short.is_empty() {
            return Err(ShopError::Invalid(short));
        }
        // Each line as the change leaves it. Lines already ordered keep their price when
        // they stay the same item; a new item, or another size of one, costs what it
        // costs today.
        let lines: Vec<LineAfter> = wanted
            .iter()
            .enumerate()
            .map(|(i, (existing, l, _))| {
                let now = existing.and_then(|id| now_lines.iter().find(|n| n.id == id));
                let sale = priced
                    .sales
                    .iter()
                    .position(|(s, _, _)| s.variant_id == l.variant_id)
                    .filter(|_| cart.iter().any(|(c, _)| *c == i));
                let row = sale.map(|s| &priced.sales[s].1);
                let kept_price = now
                    .filter(|n| row.is_none_or(|r| r.product_id == n.product_id))
                    .map(|n| n.unit_price_minor);
                LineAfter {
                    line: *existing,
                    variant_id: l.variant_id,
                    quantity: l.quantity,
                    unit_price_minor: kept_price
                        .or(row.map(|r| r.price_minor))
                        .unwrap_or_default(),
                    sale,
                    product: row
                        .map(|r| r.product_name.clone())
                        .or(now.map(|n| n.product_name.clone()))
                        .unwrap_or_default(),
                    label: row
                        .map(|r| r.label())
                        .or(now.map(|n| n.variant_label.clone()))
                        .unwrap_or_default(),
                }
            })
            .collect();
        let to_price: Vec<LineToPrice> = lines
            .iter()
            .map(|l| LineToPrice {
                unit_price: order.money(l.unit_price_minor),
                quantity: l.quantity,
            })
            .collect();
        let quote = change_quote(
            &to_price,
            delivery,
            scope,
            order.money(order.delivery_minor),
        )
        .map_err(internal)?;
        let to_charge: Vec<LineToCharge> = lines
            .iter()
            .filter_map(|l| {
                let (_, row, plan) = &priced.sales[l.sale?];
                Some(LineToCharge {
                    unit_price: order.money(l.unit_price_minor),
                    now: plan.shipping_now(),
                    later: plan.backordered,
                    back_on: row.back_on,
                })
            })
            .collect();
        let delivery_to_take = match scope {
            ChangeScope::Whole => quote.delivery,
            ChangeScope::Rest => delivery_left(quote.delivery, &shipped),
        };
        let charges = charge_plan(&to_charge, delivery_to_take).map_err(internal)?;

        // The holds after the change: what ships now is taken from the checkout hold if
        // what it has left covers it (lowered to fit), else from a new hold (and the
        // checkout hold keeps only what was taken from it). Holds of replaced parcels
        // are released, and payments not yet asked for are never asked for.
        let needed = charges.now.minor;
        let new_hold = needed > hold.amount_minor - hold.captured_minor;
        let mut holds_after = Vec::new();
        for h in &payments {
            let keep = if h.id == hold.id && !new_hold {
                h.captured_minor + needed
            } else {
                h.captured_minor
            };
            match (h.status.as_str(), &h.authorization) {
                ("due", _) => holds_after.push(HoldAfter::Drop { id: h.id }),
                ("authorized", Some(authorization)) if keep < h.amount_minor => {
                    holds_after.push(if keep == 0 {
                        HoldAfter::Release {
                            id: h.id,
                            authorization: authorization.clone(),
                            replaced: h.id == hold.id,
                        }
                    } else {
                        HoldAfter::Lower {
                            id: h.id,
                            authorization: authorization.clone(),
                            to: keep,
                        }
                    })
                }
                _ => {}
            }
        }

        let removed: Vec<i64> = now_lines
            .iter()
            .map(|n| n.id)
            .filter(|id| !lines.iter().any(|l| l.line == Some(*id)))
            .collect();
        let before: Vec<LineState> = now_lines
            .iter()
            .map(|n| LineState {
                line: Some(n.id),
                product: n.product_name.clone(),
                label: n.variant_label.clone(),
                quantity: u32::try_from(n.quantity).unwrap_or(0),
            })
            .collect();
        let after: Vec<LineState> = lines
            .iter()
            .map(|l| LineState {
                line: l.line,
                product: l.product.clone(),
                label: l.label.clone(),
                quantity: l.quantity,
            })
            .collect();
        let what = describe(
            &before,
            &after,
            address_changed,
            (delivery != old_option).then(|| delivery.name()),
        );
        if what.is_empty() {
            return Err(ShopError::invalid(
                Field::Order,
                "That's the order as it is: nothing to change.",
            ));
        }
        let mut variants: Vec<i64> = now_lines.iter().map(|n| n.variant_id).collect();
        variants.extend(to_plan.iter().map(|l| l.variant_id));
        variants.sort_unstable();
        variants.dedup();
        Ok(Planned {
            order,
            scope,
            address,
            delivery,
            priced,
            lines,
            quote,
            charges,
            removed,
            hold,
            new_hold,
            holds_after,
            old_held,
            taken,
            what,
            variants,
        })
    }
}

impl Changes<'_> {
    /// Cancels the part of order `order_id` that hasn't shipped (its parcels still to
    /// pack, and units waiting for stock), for its customer (`by` empty) or an agent. The
    /// units go back on the shelves, later charges not yet asked for are dropped, a hold
    /// nothing was taken from is released and one partly taken is lowered to what was
    /// taken; the order keeps only what shipped. A "Ship" racing this has one winner.
    pub async fn cancel_rest(&self, order_id: i64, by: &str) -> Result<(), ShopError> {
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let (statuses, waiting, cancelled) =
            where_it_is(&mut tx, order_id).await.map_err(internal)?;
        if cancelled {
            return Err(ShopError::invalid(Field::Order, "This order is cancelled."));
        }
        storefront_domain::changes::may_cancel_rest(&statuses, waiting)
            .map_err(|e| ShopError::invalid(Field::Order, e.0))?;
        let who = if by.is_empty() {
            String::new()
        } else {
            format!("{by} at our contact centre")
        };
        let (variants, voids, lowered, currency) = async {
            let now = unix_now();
            let items: Vec<(i64, String, String)> = sqlx::query_as(&format!(
                "SELECT sl.quantity, l.product_name, l.variant_label
                 FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN order_lines l ON l.id = sl.order_line_id
                 WHERE s.order_id = $1 AND s.status IN ('to_pack', 'packed') AND NOT {EXCHANGE_PARCEL}
                 UNION ALL
                 SELECT backordered, product_name, variant_label FROM order_lines WHERE order_id = $2 AND backordered > 0"
            ))
            .bind(order_id)
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
            let items: Vec<String> = items
                .into_iter()
                .map(|(n, name, label)| format!("{n} × {name} ({label})"))
                .collect();
            let variants = super::fulfilment::release_rest(
                &mut tx,
                order_id,
                now,
                "Cancelled before it shipped",
                &who,
            )
            .await?;
            // Holds nothing was taken from are released; one partly taken is lowered to
            // what it gave.
            let voids = super::fulfilment::void_untaken_holds(&mut tx, order_id).await?;
            let lowered: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT \"authorization\", amount_minor, captured_minor FROM payments
                 WHERE order_id = $1 AND status = 'authorized' AND captured_minor > 0 AND amount_minor > captured_minor",
            )
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE payments SET amount_minor = captured_minor
                 WHERE order_id = $1 AND status = 'authorized' AND captured_minor > 0 AND amount_minor > captured_minor",
            )
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
            // The order keeps only what shipped (exchanges sent for a return aside), and
            // the part of the delivery charge shipped parcels took.
            let shipped: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
                "SELECT l.id, l.unit_price_minor, {SHIPPED_UNITS} FROM order_lines l WHERE l.order_id = $1 AND l.exchange_for IS NULL"
            ))
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
            for (line, price, units) in &shipped {
                if *units == 0 {
                    remove_line(&mut tx, order_id, *line).await?;
                } else {
                    sqlx::query("UPDATE order_lines SET quantity = $1, line_total_minor = $2 WHERE id = $3")
                        .bind(units)
                        .bind(price * units)
                        .bind(line)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let order = OrderNow::read(&mut tx, order_id).await?;
            let delivery = order.money(order.delivery_minor);
            let untaken = delivery_left(
                delivery,
                &shipped_parcels(&mut tx, order_id, &order.currency).await?,
            );
            sqlx::query(
                "UPDATE orders SET subtotal_minor = (SELECT COALESCE(SUM(line_total_minor), 0) FROM order_lines
                                                     WHERE order_id = orders.id AND exchange_for IS NULL),
                        delivery_minor = $1, delivery_due_minor = 0
                 WHERE id = $2",
            )
            .bind(delivery.minor - untaken.minor)
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE orders SET total_minor = subtotal_minor + delivery_minor WHERE id = $1")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            super::fulfilment::refresh_order_status(&mut tx, order_id).await?;
            let released: i64 = voids.iter().map(|v| v.2).sum::<i64>()
                + lowered.iter().map(|l| l.1 - l.2).sum::<i64>();
            let money_words = if released > 0 {
                format!(
                    "Nothing more is taken from {}: the {} still held for it is released.",
                    order.card_words(),
                    money(released, &order.currency)
                )
            } else {
                format!("Nothing more is taken from {}.", order.card_words())
            };
            let what = format!("cancelled what hadn't shipped: {}", items.join(", "));
            sqlx::query(
                "INSERT INTO order_changes (order_id, attempt, at, by_whom, summary, money) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(order_id)
            .bind(format!("cancel-rest-{order_id}"))
            .bind(now)
            .bind(&who)
            .bind(&what)
            .bind(&money_words)
            .execute(&mut *tx)
            .await?;
            queue_order_mail(
                &mut tx,
                self.state,
                &Customer {
                    order_id,
                    number: &order.number,
                    email: &order.email,
                    name: &order.ship_to.ship_name,
                },
                &format!("Part of your order {} is cancelled", order.number),
                &format!(
                    "As you asked{}, we've cancelled the part of your order {} that hadn't shipped: {}.\n\n{money_words} What has already shipped is on its way as before.",
                    if who.is_empty() { String::new() } else { format!(" ({who})") },
                    order.number,
                    items.join(", "),
                ),
            )
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>((variants, voids, lowered, order.currency))
        }
        .await
        .map_err(internal)?;
        for (_, authorization, _) in &voids {
            if let Err(e) = self.state.gateway.void(authorization).await {
                tracing::error!(%e, "a hold was not released after cancelling the rest");
            }
        }
        for (authorization, _, captured) in &lowered {
            match self
                .state
                .gateway
                .reduce(authorization, money(*captured, &currency))
                .await
            {
                Ok(Capture::Done(_)) => {}
                other => {
                    tracing::error!(?other, "a hold was not lowered after cancelling the rest")
                }
            }
        }
        self.state.stock().publish(&variants).await;
        if let Err(e) = self.state.refresh_search(None).await {
            tracing::error!(%e, "search index not refreshed after cancelling the rest");
        }
        self.state.order_changed(order_id);
        self.state.deliver_mail_soon();
        Ok(())
    }
}
