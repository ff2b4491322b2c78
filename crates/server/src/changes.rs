//! Changing an order before it ships, behind the status page (the shopper) and the
//! agent console (on the phone): quantities, sizes and colours, removing or adding
//! lines, the address and the delivery option. A change is previewed (the new total and
//! the money in plain words) and then applied, each in one write transaction that puts
//! the order's unshipped units back, plans the new lines nearest centre first, and takes
//! stock again, so nothing is oversold and a change racing the warehouse's "Ship" has
//! one winner. The hold on the card follows the new total: reduced, or authorized anew
//! for a larger total (the old hold then released). The rules are
//! `storefront_domain::changes`.

use super::catalog::money;
use super::fulfilment::{checkout_shipments, queue_order_mail, release_unshipped, Customer, Pick};
use super::orders::{take_stock, Priced, ShipTo};
use super::payment::{AuthStatus, Capture};
use super::{internal, unix_now, AppState};
use sqlx::SqliteConnection;
use storefront_domain::cart::CartLine;
use storefront_domain::changes::{describe, hold_words, may_change, LineState};
use storefront_domain::delivery::DeliveryOption;
use storefront_domain::fulfilment::ShipmentStatus;
use storefront_domain::money::Money;
use storefront_domain::pricing::{
    charge_plan, quote, ChargePlan, LineToCharge, LineToPrice, Quote,
};
use storefront_domain::validation::{
    check_details, check_quantity, Address, CheckoutDetails, Field, FieldError,
};
use storefront_model::orders::{ChangePreview, OrderChange};
use storefront_model::ShopError;

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
    delivery_option: String,
    card_brand: Option<String>,
    card_last4: Option<String>,
    card_token: Option<String>,
}

impl OrderNow {
    fn card_words(&self) -> String {
        self.card_brand
            .as_deref()
            .zip(self.card_last4.as_deref())
            .map(|(b, l)| format!("your {b} ending {l}"))
            .unwrap_or_else(|| "your card".into())
    }
}

/// An order line as it is: (id, variant, product, product name, label, quantity, price).
type LineNow = (i64, i64, i64, String, String, i64, i64);

/// A change planned on the write transaction, not yet written.
struct Planned {
    order: OrderNow,
    address: Address,
    delivery: DeliveryOption,
    priced: Priced,
    /// Per planned line: the order line it updates (none: new) and its unit price.
    lines: Vec<(Option<i64>, i64)>,
    quote: Quote,
    /// What is held now and what is charged when waiting units ship.
    charges: ChargePlan,
    /// Lines the change removes.
    removed: Vec<i64>,
    /// The checkout hold: payment id, authorization, amount.
    hold: (i64, String, i64),
    what: Vec<String>,
    /// Variants whose stock moves.
    variants: Vec<i64>,
}

impl Planned {
    fn preview(&self) -> ChangePreview {
        let currency = self.quote.total.currency;
        ChangePreview {
            what: self.what.clone(),
            old_total: Money::new(self.order.total_minor, currency),
            subtotal: self.quote.subtotal,
            delivery: self.quote.delivery,
            total: self.quote.total,
            money: {
                let mut words = hold_words(
                    Money::new(self.hold.2, currency),
                    self.charges.now,
                    &self.order.card_words(),
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

/// Takes order line `line` out of order `order_id` before any of it shipped: only
/// cancelled parcels (replaced or cancelled before shipping) and its allocations can
/// still name it.
async fn remove_line(
    conn: &mut SqliteConnection,
    order_id: i64,
    line: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM shipment_lines WHERE order_line_id = ?
         AND shipment_id IN (SELECT id FROM shipments WHERE order_id = ? AND status = 'cancelled')",
    )
    .bind(line)
    .bind(order_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM order_allocations WHERE order_line_id = ?")
        .bind(line)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM order_lines WHERE id = ? AND order_id = ?")
        .bind(line)
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
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

    /// Whether order `order_id` may change now, in the shopper's words when not.
    pub(crate) async fn refused(
        conn: &mut SqliteConnection,
        order_id: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM shipments WHERE order_id = ?")
                .bind(order_id)
                .fetch_all(&mut *conn)
                .await?;
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = ?")
            .bind(order_id)
            .fetch_one(&mut *conn)
            .await?;
        if status == "cancelled" {
            return Ok(Some("This order is cancelled.".into()));
        }
        let statuses: Vec<ShipmentStatus> = statuses
            .iter()
            .filter_map(|s| ShipmentStatus::parse(s))
            .collect();
        Ok(may_change(&statuses).err().map(|e| e.0))
    }

    /// Whether the part of order `order_id` that hasn't shipped may be cancelled now.
    pub(crate) async fn rest_cancellable(
        conn: &mut SqliteConnection,
        order_id: i64,
    ) -> Result<bool, sqlx::Error> {
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM shipments WHERE order_id = ?")
                .bind(order_id)
                .fetch_all(&mut *conn)
                .await?;
        let (status, waiting): (String, i64) = sqlx::query_as(
            "SELECT o.status, (SELECT COALESCE(SUM(backordered), 0) FROM order_lines WHERE order_id = o.id)
             FROM orders o WHERE o.id = ?",
        )
        .bind(order_id)
        .fetch_one(&mut *conn)
        .await?;
        let statuses: Vec<ShipmentStatus> = statuses
            .iter()
            .filter_map(|s| ShipmentStatus::parse(s))
            .collect();
        Ok(status != "cancelled"
            && storefront_domain::changes::may_cancel_rest(
                &statuses,
                u32::try_from(waiting).unwrap_or(0),
            )
            .is_ok())
    }

    /// What `change` would do to order `order_id`: planned on the write connection and
    /// rolled back, so the order's own units count as free for its new plan.
    pub async fn preview(
        &self,
        order_id: i64,
        change: &OrderChange,
    ) -> Result<ChangePreview, ShopError> {
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
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
            sqlx::query_scalar("SELECT order_id FROM order_changes WHERE attempt = ?")
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
        let (total, now, hold, token, number) = {
            let mut tx = self.state.db.write.begin().await.map_err(internal)?;
            let p = self.plan(&mut tx, order_id, change).await?;
            (
                p.quote.total,
                p.charges.now,
                p.hold.clone(),
                p.order.card_token.clone(),
                p.order.number.clone(),
            )
        };
        if total.minor != expected_total {
            return Err(moved(total));
        }
        // More to hold now: a new hold for all of it before anything is written.
        let mut new_hold: Option<String> = None;
        if now.minor > hold.2 {
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
        // The money follows: the old hold released (a new one replaced it), or lowered.
        let gateway = &self.state.gateway;
        if new_hold.is_some() {
            if let Err(e) = gateway.void(&planned.hold.1).await {
                tracing::error!(%e, "the hold a change replaced was not released");
            }
        } else if planned.charges.now.minor < planned.hold.2 {
            match gateway.reduce(&planned.hold.1, planned.charges.now).await {
                Ok(Capture::Done(_)) => {}
                other => tracing::error!(?other, "a hold was not reduced after a change"),
            }
        }
        self.state.stock().publish(&planned.variants).await;
        if let Err(e) = self.state.search.refresh(&self.state.db.read, None).await {
            tracing::error!(%e, "search index not refreshed after a change");
        }
        let _ = self.state.order_events.send(order_id);
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
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
        let p = self.plan(&mut tx, order_id, change).await?;
        if p.quote.total.minor != expected_total {
            return Err(ShopError::invalid(
                Field::Order,
                "The order changed while we were asking your bank. Nothing changed: please review it again.",
            ));
        }
        let now = unix_now();
        let mut picks: Vec<Pick> = Vec::new();
        for (((line, row, plan), (existing, price)), total) in p
            .priced
            .sales
            .iter()
            .zip(&p.lines)
            .zip(&p.quote.line_totals)
        {
            let line_id: i64 = match existing {
                Some(id) => {
                    sqlx::query(
                        "UPDATE order_lines SET variant_id = ?, product_name = ?, variant_label = ?, quantity = ?,
                                unit_price_minor = ?, line_total_minor = ?, backordered = ?
                         WHERE id = ? AND order_id = ?",
                    )
                    .bind(line.variant_id)
                    .bind(&row.product_name)
                    .bind(row.label())
                    .bind(i64::from(line.quantity))
                    .bind(price)
                    .bind(total.minor)
                    .bind(i64::from(plan.backordered))
                    .bind(id)
                    .bind(order_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
                    *id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO order_lines (order_id, variant_id, product_name, variant_label, quantity, unit_price_minor, line_total_minor, backordered)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(order_id)
                .bind(line.variant_id)
                .bind(&row.product_name)
                .bind(row.label())
                .bind(i64::from(line.quantity))
                .bind(price)
                .bind(total.minor)
                .bind(i64::from(plan.backordered))
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?,
            };
            take_stock(&mut tx, line_id, line, *price, plan, &mut picks).await?;
        }
        for id in &p.removed {
            remove_line(&mut tx, order_id, *id)
                .await
                .map_err(internal)?;
        }
        let arrives = p.preview().arrives;
        let a = &p.address;
        sqlx::query(
            "UPDATE orders SET ship_name = ?, ship_line1 = ?, ship_line2 = ?, ship_city = ?, ship_postcode = ?,
                    ship_country = ?, subtotal_minor = ?, delivery_minor = ?, total_minor = ?, delivery_option = ?,
                    arrives_on = ?, delivery_due_minor = ?, status = 'placed'
             WHERE id = ?",
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
        .bind(arrives.map(|d| d.to_string()))
        // Nothing ships now: the delivery charge comes with the first later one.
        .bind(if p.charges.now_units == 0 { p.quote.delivery.minor } else { 0 })
        .bind(order_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        let payment_id = match new_hold {
            Some(authorization) => {
                sqlx::query("UPDATE payments SET status = 'replaced' WHERE id = ?")
                    .bind(p.hold.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
                sqlx::query_scalar(
                    "INSERT INTO payments (order_id, amount_minor, currency, purpose, status, authorization, created_at, settled_at)
                     VALUES (?, ?, ?, 'checkout', 'authorized', ?, ?, ?) RETURNING id",
                )
                .bind(order_id)
                .bind(p.charges.now.minor)
                .bind(p.charges.now.currency.code())
                .bind(authorization)
                .bind(now)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?
            }
            None => {
                sqlx::query("UPDATE payments SET amount_minor = ? WHERE id = ?")
                    .bind(p.charges.now.minor)
                    .bind(p.hold.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
                p.hold.0
            }
        };
        if !picks.is_empty() {
            checkout_shipments(&mut tx, order_id, payment_id, p.charges.now, &picks).await?;
        }
        let preview = p.preview();
        let who = if by.is_empty() {
            String::new()
        } else {
            format!("{by} at our contact centre")
        };
        sqlx::query(
            "INSERT INTO order_changes (order_id, attempt, at, by_whom, summary, money) VALUES (?, ?, ?, ?, ?, ?)",
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
                        ", arriving {}",
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
        tx: &mut SqliteConnection,
        order_id: i64,
        change: &OrderChange,
    ) -> Result<Planned, ShopError> {
        let order: OrderNow = sqlx::query_as(
            "SELECT number, email, phone, ship_name, ship_line1, ship_line2, ship_city, ship_postcode, ship_country,
                    currency, total_minor, delivery_option, card_brand, card_last4, card_token
             FROM orders WHERE id = ?",
        )
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if let Some(why) = Self::refused(tx, order_id).await.map_err(internal)? {
            return Err(ShopError::invalid(Field::Order, why));
        }
        let now_lines: Vec<LineNow> = sqlx::query_as(
            "SELECT l.id, l.variant_id, v.product_id, l.product_name, l.variant_label, l.quantity, l.unit_price_minor
             FROM order_lines l JOIN variants v ON v.id = l.variant_id WHERE l.order_id = ? ORDER BY l.id",
        )
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
        let hold: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, authorization, amount_minor FROM payments
             WHERE order_id = ? AND purpose = 'checkout' AND status = 'authorized' AND captured_minor = 0
             ORDER BY id DESC LIMIT 1",
        )
        .bind(order_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let hold = hold.ok_or_else(|| {
            ShopError::invalid(
                Field::Order,
                "This order's payment can't be changed here: please call us.",
            )
        })?;

        // The lines as they should be.
        let mut problems = Vec::new();
        let mut wanted: Vec<(Option<i64>, CartLine)> = Vec::new();
        let mut seen_lines = Vec::new();
        for l in &change.lines {
            if let Some(id) = l.line_id {
                let Some(now) = now_lines.iter().find(|n| n.0 == id) else {
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
                if l.variant_id != now.1 {
                    let product: Option<i64> =
                        sqlx::query_scalar("SELECT product_id FROM variants WHERE id = ?")
                            .bind(l.variant_id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(internal)?;
                    if product != Some(now.2) {
                        problems.push(FieldError::new(
                            Field::Line(now.1),
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
            if wanted.iter().any(|(_, w)| w.variant_id == l.variant_id) {
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
            ));
        }
        // Lines not mentioned stay as they are.
        for n in &now_lines {
            if !change.lines.iter().any(|l| l.line_id == Some(n.0)) {
                if wanted.iter().any(|(_, w)| w.variant_id == n.1) {
                    problems.push(FieldError::new(
                        Field::Line(n.1),
                        "This size and colour is in the order already: change its quantity instead.",
                    ));
                    continue;
                }
                wanted.push((
                    Some(n.0),
                    CartLine {
                        variant_id: n.1,
                        quantity: u32::try_from(n.5).unwrap_or(0),
                    },
                ));
            }
        }
        if wanted.is_empty() && problems.is_empty() {
            problems.push(FieldError::new(
                Field::Order,
                "That would leave nothing in the order: to stop it altogether, cancel it instead.",
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
        let Some(address) = address.filter(|_| problems.is_empty()) else {
            return Err(ShopError::Invalid(problems));
        };
        let region =
            storefront_domain::location::region_for_address(&address.country, &address.postcode)
                .map_or(storefront_domain::location::DEFAULT_REGION, |r| r.code);

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
            "DELETE FROM order_allocations WHERE order_line_id IN (SELECT id FROM order_lines WHERE order_id = ?)",
        )
        .bind(order_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;

        // Plan and price the new lines.
        let delivery = change.delivery;
        let cart: Vec<CartLine> = wanted.iter().map(|(_, l)| *l).collect();
        let priced = self
            .state
            .orders()
            .price_on(tx, &cart, region, delivery)
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
        // Lines already ordered keep their price when they stay the same item; a new
        // item, or another size of one, costs what it costs today.
        let lines: Vec<(Option<i64>, i64)> = priced
            .sales
            .iter()
            .map(|(line, row, _)| {
                let existing = wanted
                    .iter()
                    .find(|(_, w)| w.variant_id == line.variant_id)
                    .and_then(|(id, _)| *id);
                let kept_price = existing
                    .and_then(|id| now_lines.iter().find(|n| n.0 == id))
                    .filter(|n| n.2 == row.product_id)
                    .map(|n| n.6);
                (existing, kept_price.unwrap_or(row.price_minor))
            })
            .collect();
        let to_price: Vec<LineToPrice> = priced
            .sales
            .iter()
            .zip(&lines)
            .map(|((line, _, _), (_, price))| LineToPrice {
                unit_price: money(*price, &order.currency),
                quantity: line.quantity,
            })
            .collect();
        let quote = quote(&to_price, delivery).map_err(internal)?;
        let to_charge: Vec<LineToCharge> = priced
            .sales
            .iter()
            .zip(&lines)
            .map(|((_, row, plan), (_, price))| LineToCharge {
                unit_price: money(*price, &order.currency),
                now: plan.shipping_now(),
                later: plan.backordered,
                back_on: row.back_on,
            })
            .collect();
        let charges = charge_plan(&to_charge, quote.delivery).map_err(internal)?;
        let removed: Vec<i64> = now_lines
            .iter()
            .map(|n| n.0)
            .filter(|id| !lines.iter().any(|(l, _)| *l == Some(*id)))
            .collect();
        let before: Vec<LineState> = now_lines
            .iter()
            .map(|n| LineState {
                line: Some(n.0),
                product: n.3.clone(),
                label: n.4.clone(),
                quantity: u32::try_from(n.5).unwrap_or(0),
            })
            .collect();
        let after: Vec<LineState> = priced
            .sales
            .iter()
            .zip(&lines)
            .map(|((line, row, _), (id, _))| LineState {
                line: *id,
                product: row.product_name.clone(),
                label: row.label(),
                quantity: line.quantity,
            })
            .collect();
        let old_option = DeliveryOption::parse(&order.delivery_option).unwrap_or_default();
        let what = describe(
            &before,
            &after,
            address != order.ship_to.address(),
            (delivery != old_option).then(|| delivery.name()),
        );
        if what.is_empty() {
            return Err(ShopError::invalid(
                Field::Order,
                "That's the order as it is: nothing to change.",
            ));
        }
        let mut variants: Vec<i64> = now_lines.iter().map(|n| n.1).collect();
        variants.extend(cart.iter().map(|l| l.variant_id));
        variants.sort_unstable();
        variants.dedup();
        Ok(Planned {
            order,
            address,
            delivery,
            priced,
            lines,
            quote,
            charges,
            removed,
            hold,
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
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM shipments WHERE order_id = ?")
                .bind(order_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(internal)?;
        let (status, waiting): (String, i64) = sqlx::query_as(
            "SELECT o.status, (SELECT COALESCE(SUM(backordered), 0) FROM order_lines WHERE order_id = o.id)
             FROM orders o WHERE o.id = ?",
        )
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if status == "cancelled" {
            return Err(ShopError::invalid(Field::Order, "This order is cancelled."));
        }
        let statuses: Vec<ShipmentStatus> = statuses
            .iter()
            .filter_map(|s| ShipmentStatus::parse(s))
            .collect();
        storefront_domain::changes::may_cancel_rest(&statuses, u32::try_from(waiting).unwrap_or(0))
            .map_err(|e| ShopError::invalid(Field::Order, e.0))?;
        let who = if by.is_empty() {
            String::new()
        } else {
            format!("{by} at our contact centre")
        };
        let (variants, voids, lowered, currency) = async {
            let now = unix_now();
            let items: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT sl.quantity, l.product_name, l.variant_label
                 FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN order_lines l ON l.id = sl.order_line_id
                 WHERE s.order_id = ? AND s.status IN ('to_pack', 'packed')
                 UNION ALL
                 SELECT backordered, product_name, variant_label FROM order_lines WHERE order_id = ? AND backordered > 0",
            )
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
            let voids: Vec<(String, i64)> = sqlx::query_as(
                "UPDATE payments SET status = 'voided' WHERE order_id = ? AND status = 'authorized' AND captured_minor = 0
                 RETURNING authorization, amount_minor",
            )
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
            let lowered: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT authorization, amount_minor, captured_minor FROM payments
                 WHERE order_id = ? AND status = 'authorized' AND captured_minor > 0 AND amount_minor > captured_minor",
            )
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE payments SET amount_minor = captured_minor
                 WHERE order_id = ? AND status = 'authorized' AND captured_minor > 0 AND amount_minor > captured_minor",
            )
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
            // The order keeps only what shipped.
            let shipped: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT l.id, l.unit_price_minor,
                        (SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
                          WHERE sl.order_line_id = l.id AND s.status NOT IN ('cancelled', 'to_pack', 'packed'))
                 FROM order_lines l WHERE l.order_id = ?",
            )
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
            for (line, price, units) in &shipped {
                if *units == 0 {
                    remove_line(&mut tx, order_id, *line).await?;
                } else {
                    sqlx::query("UPDATE order_lines SET quantity = ?, line_total_minor = ? WHERE id = ?")
                        .bind(units)
                        .bind(price * units)
                        .bind(line)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            sqlx::query(
                "UPDATE orders SET subtotal_minor = (SELECT COALESCE(SUM(line_total_minor), 0) FROM order_lines WHERE order_id = orders.id),
                        delivery_due_minor = 0
                 WHERE id = ?",
            )
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE orders SET total_minor = subtotal_minor + delivery_minor WHERE id = ?")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            super::fulfilment::refresh_order_status(&mut tx, order_id).await?;
            let order: OrderNow = sqlx::query_as(
                "SELECT number, email, phone, ship_name, ship_line1, ship_line2, ship_city, ship_postcode, ship_country,
                        currency, total_minor, delivery_option, card_brand, card_last4, card_token
                 FROM orders WHERE id = ?",
            )
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await?;
            let released: i64 = voids.iter().map(|v| v.1).sum::<i64>()
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
                "INSERT INTO order_changes (order_id, attempt, at, by_whom, summary, money) VALUES (?, ?, ?, ?, ?, ?)",
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
        for (authorization, _) in &voids {
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
        if let Err(e) = self.state.search.refresh(&self.state.db.read, None).await {
            tracing::error!(%e, "search index not refreshed after cancelling the rest");
        }
        let _ = self.state.order_events.send(order_id);
        self.state.deliver_mail_soon();
        Ok(())
    }
}
