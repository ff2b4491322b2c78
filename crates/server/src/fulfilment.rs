//! Fulfilment, behind `api::warehouse`, the status page and the courier webhook:
//! shipments made when an order is placed (one per centre) and when waiting stock
//! arrives (a later shipment), the warehouse's "packed" and "shipped" (which captures
//! the shipment's money through the gateway, and only then), the courier's signed
//! reports, the mails that matter (dispatched, delivered, running late) and the live
//! events an open status page listens to. The rules (what may follow what, carriers'
//! tracking numbers, the money per shipment) are `storefront_domain::fulfilment`.

use super::agents::SignedInWarehouse;
use super::catalog::money;
use super::clock::uk_local;
use super::courier::{self, Report, ReportRefused};
use super::payment::{AuthStatus, Capture};
use super::{date_of, internal, mail, random_token, session, unix_now, AppState};
use crate::db::Conn;
use storefront_domain::date::CalendarDate;
use storefront_domain::delivery::{self, DeliveryOption};
use storefront_domain::fulfilment::{
    order_status, split_checkout_payment, Carrier, CourierEvent, ShipmentStatus,
};
use storefront_domain::holidays::Calendar;
use storefront_domain::money::Money;
use storefront_domain::reviews::follow_up_at;
use storefront_domain::validation::Field;
use storefront_model::orders::{ParcelLine, ShipmentView, TimelineStep};
use storefront_model::warehouse::{CentreChoice, CentreWork, PickLine, ShipmentTask};
use storefront_model::ShopError;

/// Units of one order line taken from one centre at checkout.
pub(crate) struct Pick {
    pub line_id: i64,
    pub centre_id: i64,
    pub quantity: u32,
    pub unit_price_minor: i64,
}

/// Adds a step to a shipment's timeline.
async fn record(
    conn: &mut Conn,
    shipment: i64,
    status: ShipmentStatus,
    at: i64,
    detail: &str,
    by_whom: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO shipment_events (shipment_id, status, at, detail, by_whom) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(shipment)
    .bind(status.as_str())
    .bind(at)
    .bind(detail)
    .bind(by_whom)
    .execute(conn)
    .await?;
    Ok(())
}

/// A new shipment to pack at `centre_id` with `lines` (order line, units), taking
/// `amount` from `payment_id` when it ships (none and zero: nothing to charge).
pub(crate) async fn new_shipment(
    conn: &mut Conn,
    order_id: i64,
    centre_id: i64,
    payment_id: Option<i64>,
    amount: Money,
    lines: &[(i64, u32)],
    detail: &str,
) -> Result<i64, sqlx::Error> {
    let now = unix_now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO shipments (order_id, centre_id, payment_id, amount_minor, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'to_pack', $5, $6) RETURNING id",
    )
    .bind(order_id)
    .bind(centre_id)
    .bind(payment_id)
    .bind(amount.minor)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (line_id, quantity) in lines {
        sqlx::query(
            "INSERT INTO shipment_lines (shipment_id, order_line_id, quantity) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(line_id)
        .bind(i64::from(*quantity))
        .execute(&mut *conn)
        .await?;
    }
    record(conn, id, ShipmentStatus::ToPack, now, detail, "").await?;
    Ok(id)
}

/// An order's shipments at checkout: one per centre, in the order the picks name them
/// (nearest first), each to capture its goods from the checkout authorization when it
/// ships; the first also takes the delivery charge.
pub(crate) async fn checkout_shipments(
    conn: &mut Conn,
    order_id: i64,
    payment_id: i64,
    authorized: Money,
    picks: &[Pick],
) -> Result<(), ShopError> {
    let mut centres: Vec<i64> = Vec::new();
    for p in picks {
        if !centres.contains(&p.centre_id) {
            centres.push(p.centre_id);
        }
    }
    let goods: Vec<Money> = centres
        .iter()
        .map(|c| Money {
            minor: picks
                .iter()
                .filter(|p| p.centre_id == *c)
                .map(|p| i64::from(p.quantity) * p.unit_price_minor)
                .sum(),
            currency: authorized.currency,
        })
        .collect();
    let amounts = split_checkout_payment(authorized, &goods).ok_or_else(|| {
        internal(format!(
            "order {order_id}: goods {goods:?} exceed the authorization {authorized}"
        ))
    })?;
    for (centre, amount) in centres.iter().zip(amounts) {
        let lines: Vec<(i64, u32)> = picks
            .iter()
            .filter(|p| p.centre_id == *centre)
            .map(|p| (p.line_id, p.quantity))
            .collect();
        new_shipment(
            conn,
            order_id,
            *centre,
            Some(payment_id),
            amount,
            &lines,
            "Ordered",
        )
        .await
        .map_err(internal)?;
    }
    Ok(())
}

/// Units that waited for stock and just got it: their own shipment from `centre_id`,
/// paid for by the later payment `payment_id` (captured when it ships).
pub(crate) async fn backorder_shipment(
    conn: &mut Conn,
    line_id: i64,
    centre_id: i64,
    units: u32,
    payment_id: i64,
) -> Result<(), sqlx::Error> {
    let (order_id, minor, currency): (i64, i64, String) =
        sqlx::query_as("SELECT order_id, amount_minor, currency FROM payments WHERE id = $1")
            .bind(payment_id)
            .fetch_one(&mut *conn)
            .await?;
    new_shipment(
        conn,
        order_id,
        centre_id,
        Some(payment_id),
        money(minor, &currency),
        &[(line_id, units)],
        "Back in stock",
    )
    .await?;
    Ok(())
}

/// A parcel sending an exchange for a return (SQL, in a query over `shipments s`): it
/// belongs to the return, not to what the order may still change or cancel.
pub(crate) const EXCHANGE_PARCEL: &str =
    "s.id IN (SELECT shipment_id FROM return_exchanges WHERE shipment_id IS NOT NULL)";

/// Cancels order `order_id`'s parcels that have not shipped (to pack or packed), an
/// exchange sent for a return aside: their
/// units go back on the shelves they were taken from, and each parcel's timeline gets a
/// cancelled step with `detail`, by `by`. Answers the variants whose stock moved. A
/// "Ship" racing this finds the parcel cancelled and gives back what it took.
pub(crate) async fn release_unshipped(
    conn: &mut Conn,
    order_id: i64,
    now: i64,
    detail: &str,
    by: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let back: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT l.variant_id, s.centre_id, sl.quantity
         FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN order_lines l ON l.id = sl.order_line_id
         WHERE s.order_id = $1 AND s.status IN ('to_pack', 'packed') AND NOT {EXCHANGE_PARCEL}"
    ))
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    for (variant, centre, quantity) in &back {
        super::stock::add_stock(&mut *conn, *variant, *centre, *quantity).await?;
    }
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "UPDATE shipments AS s SET status = 'cancelled', updated_at = $1
         WHERE order_id = $2 AND status IN ('to_pack', 'packed') AND NOT {EXCHANGE_PARCEL} RETURNING id"
    ))
    .bind(now)
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    for id in ids {
        record(&mut *conn, id, ShipmentStatus::Cancelled, now, detail, by).await?;
    }
    Ok(back.into_iter().map(|(v, _, _)| v).collect())
}

/// [`release_unshipped`], and units still waiting for stock stop waiting and later
/// charges not yet asked for are dropped: everything of the order that hasn't shipped is
/// gone. Answers the variants whose stock (or waiting list) moved.
pub(crate) async fn release_rest(
    conn: &mut Conn,
    order_id: i64,
    now: i64,
    detail: &str,
    by: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut variants = release_unshipped(&mut *conn, order_id, now, detail, by).await?;
    let waiting: Vec<i64> = sqlx::query_scalar(
        "SELECT variant_id FROM order_lines WHERE order_id = $1 AND backordered > 0",
    )
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    variants.extend(waiting);
    sqlx::query("UPDATE order_lines SET backordered = 0 WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE payments SET status = 'cancelled' WHERE order_id = $1 AND status = 'due'")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    Ok(variants)
}

/// Marks order `order_id`'s holds that nothing was taken from as voided, answering each
/// (payment, authorization, amount) for the caller to release at the gateway after commit.
pub(crate) async fn void_untaken_holds(
    conn: &mut Conn,
    order_id: i64,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE payments SET status = 'voided' WHERE order_id = $1 AND status = 'authorized' AND captured_minor = 0
         RETURNING id, \"authorization\", amount_minor",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await
}

/// Makes a new private link to an order (only its hash is kept) for a mail.
pub(crate) async fn new_order_link(
    conn: &mut Conn,
    public_url: &str,
    order_id: i64,
    number: &str,
) -> Result<String, sqlx::Error> {
    let key = random_token(24);
    sqlx::query("INSERT INTO order_keys (order_id, key_hash, created_at) VALUES ($1, $2, $3)")
        .bind(order_id)
        .bind(session::digest(&key))
        .bind(unix_now())
        .execute(conn)
        .await?;
    Ok(format!("{public_url}/orders/{number}?key={key}"))
}

/// Whom a mail about an order goes to.
pub(crate) struct Customer<'a> {
    pub order_id: i64,
    pub number: &'a str,
    pub email: &'a str,
    /// The name on the order; the mail greets the first word of it.
    pub name: &'a str,
}

/// Queues a mail about an order: the greeting, `words`, a fresh private link to the
/// order and how to reach the shop — the same frame for every mail after the receipt.
pub(crate) async fn queue_order_mail(
    conn: &mut Conn,
    state: &AppState,
    to: &Customer<'_>,
    subject: &str,
    words: &str,
) -> Result<(), sqlx::Error> {
    let link = new_order_link(&mut *conn, &state.config.public_url, to.order_id, to.number).await?;
    let help = &state.help;
    let body = format!(
        "Hello {first},\n\n{words}\n\nYour order {number}, step by step, any time: {link}\n\n\
         Questions? Call {phone} ({hours}) or reply to this email.\n\nThe Storefront team\n",
        first = to.name.split_whitespace().next().unwrap_or("there"),
        number = to.number,
        phone = help.phone_display,
        hours = help.hours_text(),
    );
    mail::queue(
        conn,
        mail::Mail {
            to: to.email,
            subject,
            body: &body,
        },
    )
    .await
}

/// Sets the order's heading from its shipments and waiting units, recording the step
/// on the order's history when it changes.
pub(crate) async fn refresh_order_status(
    conn: &mut Conn,
    order_id: i64,
) -> Result<(), sqlx::Error> {
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM shipments WHERE order_id = $1")
            .bind(order_id)
            .fetch_all(&mut *conn)
            .await?;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(backordered), 0) FROM order_lines WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *conn)
    .await?;
    let statuses: Vec<ShipmentStatus> = statuses
        .iter()
        .filter_map(|s| ShipmentStatus::parse(s))
        .collect();
    let status = order_status(&statuses, u32::try_from(waiting).unwrap_or(0));
    let changed = sqlx::query(
        "UPDATE orders SET status = $1 WHERE id = $2 AND status != $3 AND status != 'cancelled'",
    )
    .bind(status.as_str())
    .bind(order_id)
    .bind(status.as_str())
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 1 {
        let reached: Option<i64> =
            sqlx::query_scalar("SELECT id FROM order_events WHERE order_id = $1 AND status = $2")
                .bind(order_id)
                .bind(status.as_str())
                .fetch_optional(&mut *conn)
                .await?;
        if reached.is_none() {
            sqlx::query("INSERT INTO order_events (order_id, status, at) VALUES ($1, $2, $3)")
                .bind(order_id)
                .bind(status.as_str())
                .bind(unix_now())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// A shipment as the warehouse and the mails need it.
#[derive(sqlx::FromRow)]
struct ShipmentRow {
    id: i64,
    order_id: i64,
    centre_id: i64,
    payment_id: Option<i64>,
    amount_minor: i64,
    status: String,
    carrier: Option<String>,
    tracking: Option<String>,
    promised_on: Option<String>,
    expected_on: Option<String>,
    number: String,
    email: String,
    ship_name: String,
    ship_country: String,
    ship_postcode: String,
    currency: String,
    delivery_option: String,
    card_brand: Option<String>,
    card_last4: Option<String>,
    card_token: Option<String>,
}

const SHIPMENT_SELECT: &str =
    "SELECT s.id, s.order_id, s.centre_id, s.payment_id, s.amount_minor, s.status, s.carrier, s.tracking,
            s.promised_on, s.expected_on, o.number, o.email, o.ship_name, o.ship_country, o.ship_postcode,
            o.currency, o.delivery_option, o.card_brand, o.card_last4, o.card_token
     FROM shipments s JOIN orders o ON o.id = s.order_id";

impl ShipmentRow {
    fn status(&self) -> ShipmentStatus {
        ShipmentStatus::parse(&self.status).unwrap_or(ShipmentStatus::ToPack)
    }

    fn amount(&self) -> Money {
        money(self.amount_minor, &self.currency)
    }

    fn carrier(&self) -> Option<Carrier> {
        self.carrier.as_deref().and_then(Carrier::parse)
    }

    fn region(&self) -> &'static str {
        storefront_domain::location::region_for_address(&self.ship_country, &self.ship_postcode)
            .map_or(storefront_domain::location::DEFAULT_REGION, |r| r.code)
    }

    fn customer(&self) -> Customer<'_> {
        Customer {
            order_id: self.order_id,
            number: &self.number,
            email: &self.email,
            name: &self.ship_name,
        }
    }
}

/// "2 × Merino crew (Navy, M)" for each line of a shipment.
async fn shipment_items(conn: &mut Conn, shipment: i64) -> Result<Vec<PickLine>, sqlx::Error> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT v.sku, l.product_name, l.variant_label, sl.quantity
         FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id JOIN variants v ON v.id = l.variant_id
         WHERE sl.shipment_id = $1 ORDER BY l.id",
    )
    .bind(shipment)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(sku, product_name, variant_label, quantity)| PickLine {
            sku,
            product_name,
            variant_label,
            quantity: u32::try_from(quantity).unwrap_or(0),
        })
        .collect())
}

fn item_words(lines: &[PickLine]) -> Vec<String> {
    lines
        .iter()
        .map(|l| format!("{} × {} ({})", l.quantity, l.product_name, l.variant_label))
        .collect()
}

/// The words a shopper reads for a shipment's step ("14:05").
fn clock_words(at: i64) -> (CalendarDate, String) {
    let (day, minute) = uk_local(at);
    (day, storefront_domain::date::clock_label(minute))
}

/// An order's shipments as its status page (and the agent console) shows them.
pub(crate) async fn shipments_of(
    conn: &mut Conn,
    order_id: i64,
    centres: &super::stock::Centres,
) -> Result<Vec<ShipmentView>, sqlx::Error> {
    // Parcels replaced by a change are not shown (those of a cancelled order are).
    let rows: Vec<ShipmentRow> = sqlx::query_as(&format!(
        "{SHIPMENT_SELECT} WHERE s.order_id = $1 AND (s.status != 'cancelled' OR o.status = 'cancelled') ORDER BY s.id"
    ))
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    let in_returns = super::returns::units_in_returns(&mut *conn, order_id).await?;
    let mut out = Vec::new();
    for row in rows {
        let items = item_words(&shipment_items(&mut *conn, row.id).await?);
        let parcel_lines: Vec<(i64, i64, String, String, i64, i64)> = sqlx::query_as(
            "SELECT l.id, l.variant_id, l.product_name, l.variant_label, sl.quantity, l.unit_price_minor
             FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id
             WHERE sl.shipment_id = $1 ORDER BY l.id",
        )
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
        let delivered_on = super::returns::delivered_on(&mut *conn, row.id).await?;
        let events: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT status, at, detail FROM shipment_events WHERE shipment_id = $1 ORDER BY at, id",
        )
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
        let mut lines = Vec::new();
        for (line_id, variant_id, product_name, variant_label, quantity, price) in parcel_lines {
            let quantity = u32::try_from(quantity).unwrap_or(0);
            let back = in_returns.get(&(row.id, line_id)).copied().unwrap_or(0);
            let returnable = if delivered_on.is_some() {
                storefront_domain::returns::returnable_units(quantity, back)
            } else {
                0
            };
            let exchange_choices = if returnable > 0 {
                super::orders::variants_of_product(&mut *conn, variant_id)
                    .await?
                    .into_iter()
                    .filter(|(v, _)| *v != variant_id)
                    .collect()
            } else {
                Vec::new()
            };
            lines.push(ParcelLine {
                line_id,
                faulty_only: storefront_domain::returns::hygiene_item(&product_name),
                product_name,
                variant_label,
                quantity,
                unit_price: money(price, &row.currency),
                returnable,
                exchange_choices,
            });
        }
        let carrier = row.carrier();
        out.push(ShipmentView {
            id: row.id,
            lines,
            delivered_on,
            return_until: delivered_on.map(|d| {
                storefront_domain::returns::last_day(
                    d,
                    storefront_domain::returns::ReturnReason::ChangedMind,
                )
            }),
            centre: centres.name(row.centre_id).to_owned(),
            status: row.status(),
            items,
            carrier,
            tracking_url: carrier
                .zip(row.tracking.as_deref())
                .and_then(|(c, t)| c.tracking_url(t)),
            tracking: row.tracking.clone(),
            promised: row.promised_on.as_deref().and_then(CalendarDate::parse_iso),
            expected: row.expected_on.as_deref().and_then(CalendarDate::parse_iso),
            charged: (row.status().has_shipped() && row.amount_minor > 0).then(|| row.amount()),
            timeline: events
                .into_iter()
                .filter_map(|(status, at, detail)| {
                    let (on, time) = clock_words(at);
                    Some(TimelineStep {
                        status: ShipmentStatus::parse(&status)?,
                        on,
                        time,
                        detail,
                    })
                })
                .collect(),
        });
    }
    Ok(out)
}

/// The money a shipment took: from which payment and authorization, under which key.
struct Taken {
    payment_id: i64,
    authorization: String,
    reference: String,
}

/// What a courier report did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    /// The parcel's status afterwards.
    pub status: String,
    /// Set when the report was valid but could not move the parcel (a late scan after
    /// delivery): it is kept as seen and nothing changed.
    pub ignored: Option<String>,
}

pub struct Fulfilment<'a> {
    state: &'a AppState,
}

impl<'a> Fulfilment<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    fn centres(&self) -> Vec<CentreChoice> {
        self.state
            .centres
            .all()
            .iter()
            .map(|c| CentreChoice {
                code: c.code.clone(),
                name: c.name.clone(),
            })
            .collect()
    }

    /// A centre's work, oldest order first: to pack, packed, and shipped in the last day.
    pub async fn work(
        &self,
        _staff: &SignedInWarehouse,
        centre: &str,
    ) -> Result<CentreWork, ShopError> {
        let centres = self.centres();
        let chosen = centres
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(centre.trim()))
            .or(centres.first())
            .cloned()
            .ok_or(ShopError::Internal)?;
        let centre_id = self
            .state
            .centres
            .by_code(&chosen.code)
            .map(|c| c.id)
            .ok_or(ShopError::Internal)?;
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        #[derive(sqlx::FromRow)]
        struct TaskRow {
            id: i64,
            status: String,
            carrier: Option<String>,
            tracking: Option<String>,
            number: String,
            placed_at: i64,
            #[sqlx(flatten)]
            ship_to: super::orders::ShipTo,
            delivery_option: String,
            payment_status: Option<String>,
        }
        let rows: Vec<TaskRow> = sqlx::query_as(
            "SELECT s.id, s.status, s.carrier, s.tracking, o.number, o.placed_at, o.ship_name, o.ship_line1,
                    o.ship_line2, o.ship_city, o.ship_postcode, o.ship_country, o.delivery_option,
                    p.status AS payment_status
             FROM shipments s JOIN orders o ON o.id = s.order_id LEFT JOIN payments p ON p.id = s.payment_id
             WHERE s.centre_id = $1 AND o.status != 'cancelled'
               AND (s.status IN ('to_pack', 'packed') OR s.captured_at >= $2)
             ORDER BY o.placed_at, s.id",
        )
        .bind(centre_id)
        .bind(unix_now() - 86_400)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
        let mut work = CentreWork {
            centre: chosen,
            centres,
            to_pack: Vec::new(),
            packed: Vec::new(),
            shipped_today: Vec::new(),
        };
        for r in rows {
            let status = ShipmentStatus::parse(&r.status).unwrap_or(ShipmentStatus::ToPack);
            let payment_problem = match r.payment_status.as_deref() {
                Some("authorized") | None => None,
                Some("declined") => Some("The bank declined the payment for this parcel. Keep it here: customer service is contacting the customer.".to_owned()),
                Some(_) => Some("The payment for this parcel is still being taken. Pack it; ship it once this note has gone.".to_owned()),
            };
            let task = ShipmentTask {
                id: r.id,
                order_number: r.number,
                placed_on: date_of(r.placed_at),
                address: r.ship_to.address(),
                delivery_option: DeliveryOption::parse(&r.delivery_option).unwrap_or_default(),
                lines: shipment_items(&mut conn, r.id).await.map_err(internal)?,
                status,
                payment_problem: payment_problem.filter(|_| !status.has_shipped()),
                carrier: r.carrier.as_deref().and_then(Carrier::parse),
                tracking: r.tracking,
            };
            match status {
                ShipmentStatus::ToPack => work.to_pack.push(task),
                ShipmentStatus::Packed => work.packed.push(task),
                _ => work.shipped_today.push(task),
            }
        }
        Ok(work)
    }

    async fn shipment(&self, conn: &mut Conn, id: i64) -> Result<ShipmentRow, ShopError> {
        sqlx::query_as(&format!("{SHIPMENT_SELECT} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(internal)?
            .ok_or_else(|| ShopError::NotFound("There is no such shipment.".into()))
    }

    /// Marks a shipment packed.
    pub async fn pack(&self, staff: &SignedInWarehouse, id: i64) -> Result<(), ShopError> {
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let row = self.shipment(&mut tx, id).await?;
        let next = row
            .status()
            .pack()
            .map_err(|e| ShopError::invalid(Field::Tracking, e.0))?;
        async {
            sqlx::query("UPDATE shipments SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(next.as_str())
                .bind(unix_now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            record(&mut tx, id, next, unix_now(), "", staff.name()).await?;
            refresh_order_status(&mut tx, row.order_id).await?;
            tx.commit().await
        }
        .await
        .map_err(internal)?;
        tracing::info!(shipment = id, order = %row.number, staff = staff.name(), "packed");
        self.changed(row.order_id);
        Ok(())
    }

    /// Hands a packed shipment to `carrier` under `tracking`: the shipment's money is
    /// captured first (an authorization that lapsed is asked for again, without the
    /// shopper); nothing is marked shipped unless the money was taken, and a repeat (a
    /// double press, a retry after a crash) captures nothing more.
    pub async fn ship(
        &self,
        staff: &SignedInWarehouse,
        id: i64,
        carrier: &str,
        tracking: &str,
    ) -> Result<(), ShopError> {
        let carrier = Carrier::parse(carrier.trim())
            .ok_or_else(|| ShopError::invalid(Field::Carrier, "Please choose the carrier."))?;
        let tracking = carrier
            .check_tracking(tracking)
            .map_err(|m| ShopError::invalid(Field::Tracking, m))?;
        let row = {
            let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
            let row = self.shipment(&mut conn, id).await?;
            row.status()
                .ship()
                .map_err(|e| ShopError::invalid(Field::Tracking, e.0))?;
            let taken: Option<String> = sqlx::query_scalar(
                "SELECT o.number FROM shipments s JOIN orders o ON o.id = s.order_id
                 WHERE s.carrier = $1 AND s.tracking = $2 AND s.id != $3",
            )
            .bind(carrier.as_str())
            .bind(&tracking)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(internal)?;
            if let Some(other) = taken {
                return Err(ShopError::invalid(
                    Field::Tracking,
                    format!("That tracking number is already on a parcel of order {other}. Please check the label."),
                ));
            }
            row
        };
        // A parcel with nothing to charge (an exchange sent for a return) takes no money.
        let taken = if row.amount_minor == 0 {
            None
        } else {
            Some(self.capture(&row).await?)
        };
        let payment_id = taken.as_ref().map(|t| t.payment_id).or(row.payment_id);
        let now = unix_now();
        let (today, _) = super::clock::uk_clock(now);
        let region = row.region();
        let km = self
            .state
            .centres
            .nearest_first(region)
            .into_iter()
            .find(|(c, _)| *c == row.centre_id)
            .map_or(f64::MAX, |(_, km)| km);
        let option = DeliveryOption::parse(&row.delivery_option).unwrap_or_default();
        // It has left: the clock starts today (or the next working day).
        let arrives = option.arrival_day(
            today,
            0,
            km,
            self.state
                .centres
                .route(row.centre_id, Calendar::of_region(region)),
        );
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let shipped = sqlx::query(
            "UPDATE shipments SET status = 'shipped', carrier = $1, tracking = $2, promised_on = $3, expected_on = $4,
                    payment_id = $5, captured_at = $6, updated_at = $7
             WHERE id = $8 AND status = 'packed'",
        )
        .bind(carrier.as_str())
        .bind(&tracking)
        .bind(arrives.to_string())
        .bind(arrives.to_string())
        .bind(payment_id)
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await;
        match shipped {
            Ok(r) if r.rows_affected() == 1 => {}
            Ok(_) => {
                drop(tx);
                return Err(match &taken {
                    Some(taken) => self.lost_race(&row, taken).await,
                    None => ShopError::invalid(
                        Field::Tracking,
                        "This parcel has just been shipped, or cancelled, by someone else.",
                    ),
                });
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(ShopError::invalid(
                    Field::Tracking,
                    "That tracking number is already on another parcel. Please check the label.",
                ));
            }
            Err(e) => return Err(internal(e)),
        }
        async {
            sqlx::query("UPDATE payments SET captured_minor = captured_minor + $1 WHERE id = $2")
                .bind(row.amount_minor)
                .bind(payment_id)
                .execute(&mut *tx)
                .await?;
            record(
                &mut tx,
                id,
                ShipmentStatus::Shipped,
                now,
                &format!("{} {tracking}", carrier.name()),
                staff.name(),
            )
            .await?;
            refresh_order_status(&mut tx, row.order_id).await?;
            self.dispatched_mail(&mut tx, &row, carrier, &tracking, arrives)
                .await?;
            tx.commit().await
        }
        .await
        .map_err(internal)?;
        tracing::info!(shipment = id, order = %row.number, staff = staff.name(), carrier = carrier.as_str(), amount = %row.amount(), "shipped and captured");
        if let Err(e) = self.state.couriers.follow(carrier, &tracking).await {
            tracing::error!(%e, shipment = id, "the courier was not told about a parcel");
        }
        self.changed(row.order_id);
        self.state.deliver_mail_soon();
        Ok(())
    }

    /// "Ship" found the parcel no longer packed after taking its money: someone else
    /// shipped it (their capture was this one: the key is the same), or the customer
    /// cancelled a moment ago — then what was just taken is given back.
    async fn lost_race(&self, row: &ShipmentRow, taken: &Taken) -> ShopError {
        let now: Option<String> = sqlx::query_scalar("SELECT status FROM shipments WHERE id = $1")
            .bind(row.id)
            .fetch_optional(&self.state.db.write)
            .await
            .unwrap_or(None);
        if now.as_deref() != Some("cancelled") {
            return ShopError::invalid(
                Field::Tracking,
                "This parcel has just been marked shipped by someone else.",
            );
        }
        let back = self
            .state
            .gateway
            .refund(
                &taken.authorization,
                row.amount(),
                &format!("{}-refund", taken.reference),
            )
            .await;
        if let Err(e) = back {
            tracing::error!(%e, shipment = row.id, "capture for a cancelled parcel not refunded");
        }
        ShopError::invalid(
            Field::Tracking,
            format!(
                "{} Nothing was charged.",
                storefront_domain::fulfilment::CANCELLED_FOR_STAFF
            ),
        )
    }

    /// Captures `row`'s money, answering the payment it was taken from. A lapsed
    /// authorization is replaced by a new one for the shipment (the shopper is not
    /// present; the bank's check does not apply to a charge the shopper agreed to).
    async fn capture(&self, row: &ShipmentRow) -> Result<Taken, ShopError> {
        let not_held = |why: &str| {
            ShopError::Declined(format!(
                "The money for this parcel could not be taken ({why}). Keep the parcel here: customer service will contact the customer."
            ))
        };
        let payment_id = row.payment_id.ok_or_else(|| not_held("no payment"))?;
        let (status, authorization): (String, Option<String>) =
            sqlx::query_as("SELECT status, \"authorization\" FROM payments WHERE id = $1")
                .bind(payment_id)
                .fetch_one(&self.state.db.read)
                .await
                .map_err(internal)?;
        if status != "authorized" {
            return Err(not_held(if status == "declined" {
                "the bank declined it"
            } else {
                "it is still being asked for"
            }));
        }
        let authorization = authorization.ok_or_else(|| not_held("no authorization"))?;
        let gateway = &self.state.gateway;
        let reference = format!("{}-shipment-{}", row.number, row.id);
        match gateway
            .capture(&authorization, row.amount(), &reference)
            .await
            .map_err(internal)?
        {
            Capture::Done(_) => {
                return Ok(Taken {
                    payment_id,
                    authorization,
                    reference,
                })
            }
            Capture::NotHeld => return Err(not_held("the card no longer holds it")),
            Capture::Expired => {}
        }
        // The hold lapsed: ask the bank again for this shipment, then take it.
        let token = row
            .card_token
            .as_deref()
            .ok_or_else(|| not_held("no card on file"))?;
        let again = format!("{reference}-again");
        let renewed = gateway
            .authorize(token, row.amount(), &again, false)
            .await
            .map_err(internal)?;
        if renewed.status != AuthStatus::Authorized {
            return Err(not_held("the bank declined the renewed payment"));
        }
        // A retry finds the row its first try wrote (the gateway answered the same
        // authorization for the same key).
        let earlier: Option<i64> =
            sqlx::query_scalar("SELECT id FROM payments WHERE \"authorization\" = $1")
                .bind(&renewed.id)
                .fetch_optional(&self.state.db.write)
                .await
                .map_err(internal)?;
        let new_payment = match earlier {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO payments (order_id, amount_minor, currency, purpose, status, \"authorization\", created_at, settled_at)
                 VALUES ($1, $2, $3, 'renewed', 'authorized', $4, $5, $6) RETURNING id",
            )
            .bind(row.order_id)
            .bind(row.amount_minor)
            .bind(&row.currency)
            .bind(&renewed.id)
            .bind(unix_now())
            .bind(unix_now())
            .fetch_one(&self.state.db.write)
            .await
            .map_err(internal)?,
        };
        match gateway
            .capture(&renewed.id, row.amount(), &again)
            .await
            .map_err(internal)?
        {
            Capture::Done(_) => {
                tracing::info!(order = %row.number, shipment = row.id, "authorization had lapsed; renewed and captured");
                Ok(Taken {
                    payment_id: new_payment,
                    authorization: renewed.id,
                    reference: again,
                })
            }
            _ => Err(not_held("the renewed payment could not be taken")),
        }
    }

    async fn dispatched_mail(
        &self,
        tx: &mut Conn,
        row: &ShipmentRow,
        carrier: Carrier,
        tracking: &str,
        arrives: CalendarDate,
    ) -> Result<(), sqlx::Error> {
        let items = item_words(&shipment_items(&mut *tx, row.id).await?);
        let more: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM shipments WHERE order_id = $1 AND status IN ('to_pack', 'packed'))
                  + (SELECT COALESCE(SUM(backordered), 0) FROM order_lines WHERE order_id = $2)",
        )
        .bind(row.order_id)
        .bind(row.order_id)
        .fetch_one(&mut *tx)
        .await?;
        let card = row
            .card_brand
            .as_deref()
            .zip(row.card_last4.as_deref())
            .map(|(b, l)| format!(" to your {b} ending {l}"))
            .unwrap_or_default();
        let follow = carrier
            .tracking_url(tracking)
            .map(|u| format!("Follow it on {}'s site: {u}\n", carrier.name()))
            .unwrap_or_default();
        let rest = if more > 0 {
            "\n\nThe rest of your order follows in its own parcel; we'll email you when it leaves."
        } else {
            ""
        };
        let charged = if row.amount_minor == 0 {
            "Nothing is charged for this parcel.".to_owned()
        } else {
            format!("We've now charged {}{card} for this parcel.", row.amount())
        };
        let words = format!(
            "Your parcel has left our {centre} distribution centre with {carrier_name}:\n\n{items}\n\n\
             Tracking number: {tracking}\n{follow}Expected: {when}.\n\n\
             {charged}{rest}",
            centre = self.state.centres.name(row.centre_id),
            carrier_name = carrier.name(),
            items = items.join("\n"),
            when = delivery::arrival_label(arrives),
        );
        queue_order_mail(
            tx,
            self.state,
            &row.customer(),
            &format!("Your order {} is on its way", row.number),
            &words,
        )
        .await
    }

    /// Takes a courier's signed report (the webhook, and the test courier, which signs
    /// its reports the same way): checked, taken once, applied to the parcel, with the
    /// shopper's mail when it matters.
    pub async fn report(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Applied, ReportRefused> {
        let report = courier::verify(
            &self.state.config.courier_secret,
            signature,
            body,
            unix_now(),
        )?;
        let refused_internal = |e: sqlx::Error| {
            tracing::error!(%e, "courier report not applied");
            ReportRefused::NotStored
        };
        let Report {
            id: event_id,
            carrier,
            tracking,
            event,
            at,
            detail,
            expected_on,
        } = report;
        let event = CourierEvent::parse(&event)
            .ok_or_else(|| ReportRefused::Unreadable(format!("unknown event {event:?}")))?;
        let carrier = Carrier::parse(&carrier)
            .ok_or_else(|| ReportRefused::Unreadable(format!("unknown carrier {carrier:?}")))?;
        let expected = match expected_on.as_deref() {
            None => None,
            Some(d) => Some(CalendarDate::parse_iso(d).ok_or_else(|| {
                ReportRefused::Unreadable(format!("expected_on {d:?} is not a date"))
            })?),
        };
        let detail: String = storefront_domain::text::visible(&detail)
            .chars()
            .take(200)
            .collect();
        let mut tx = self
            .state
            .db
            .begin_write()
            .await
            .map_err(refused_internal)?;
        let row: Option<ShipmentRow> = sqlx::query_as(&format!(
            "{SHIPMENT_SELECT} WHERE s.carrier = $1 AND s.tracking = $2"
        ))
        .bind(carrier.as_str())
        .bind(&tracking)
        .fetch_optional(&mut *tx)
        .await
        .map_err(refused_internal)?;
        let row = row.ok_or(ReportRefused::UnknownParcel)?;
        let first = sqlx::query(
            "INSERT INTO courier_deliveries (event_id, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&event_id)
        .bind(unix_now())
        .execute(&mut *tx)
        .await
        .map_err(refused_internal)?;
        if first.rows_affected() == 0 {
            return Err(ReportRefused::Replayed);
        }
        let before = row.status();
        let next = match before.after(event) {
            Ok(next) => next,
            Err(why) => {
                tx.commit().await.map_err(refused_internal)?;
                tracing::info!(order = %row.number, tracking = %tracking, %why, "courier report ignored");
                return Ok(Applied {
                    status: before.as_str().to_owned(),
                    ignored: Some(why.0),
                });
            }
        };
        let promised = row.promised_on.as_deref().and_then(CalendarDate::parse_iso);
        let previous = row.expected_on.as_deref().and_then(CalendarDate::parse_iso);
        let estimate = expected.or(previous);
        async {
            sqlx::query(
                "UPDATE shipments SET status = $1, expected_on = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(next.as_str())
            .bind(estimate.map(|d| d.to_string()))
            .bind(unix_now())
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
            record(&mut tx, row.id, next, at, &detail, carrier.name()).await?;
            refresh_order_status(&mut tx, row.order_id).await?;
            if next == ShipmentStatus::Delivered {
                self.delivered_mail(&mut tx, &row).await?;
                super::jobs::schedule(
                    &mut tx,
                    super::jobs::JobKind::FollowUp,
                    row.order_id,
                    follow_up_at(unix_now(), self.state.config.follow_up_days),
                )
                .await?;
            } else if next == ShipmentStatus::DeliveryFailed
                || matches!((estimate, previous.or(promised)), (Some(new), Some(old)) if new > old)
            {
                self.late_mail(&mut tx, &row, next, &detail, estimate)
                    .await?;
            }
            tx.commit().await
        }
        .await
        .map_err(refused_internal)?;
        tracing::info!(order = %row.number, shipment = row.id, event = event.as_str(), "courier report applied");
        self.changed(row.order_id);
        self.state.deliver_mail_soon();
        if next == ShipmentStatus::Delivered && self.state.config.follow_up_days == 0 {
            self.state.run_jobs_soon();
        }
        Ok(Applied {
            status: next.as_str().to_owned(),
            ignored: None,
        })
    }

    async fn delivered_mail(&self, tx: &mut Conn, row: &ShipmentRow) -> Result<(), sqlx::Error> {
        let items = item_words(&shipment_items(&mut *tx, row.id).await?);
        let words = format!(
            "Your parcel from order {number} has been delivered:\n\n{items}\n\n\
             We hope you love it. If something isn't right: {returns} \
             How it works: {public}/help/returns",
            number = row.number,
            items = items.join("\n"),
            returns = self.state.help.returns.summary,
            public = self.state.config.public_url,
        );
        queue_order_mail(
            tx,
            self.state,
            &row.customer(),
            &format!("Delivered: your order {}", row.number),
            &words,
        )
        .await
    }

    async fn late_mail(
        &self,
        tx: &mut Conn,
        row: &ShipmentRow,
        status: ShipmentStatus,
        detail: &str,
        estimate: Option<CalendarDate>,
    ) -> Result<(), sqlx::Error> {
        let carrier = row.carrier().map_or("The courier", Carrier::name);
        let what = if status == ShipmentStatus::DeliveryFailed {
            let said = if detail.is_empty() {
                String::new()
            } else {
                format!(" They said: \"{detail}\".")
            };
            format!("{carrier} couldn't deliver your parcel today.{said}")
        } else {
            format!("{carrier} tells us your parcel is running late.")
        };
        let when = estimate.map_or_else(
            || "We'll email you as soon as they give a new date.".to_owned(),
            |d| {
                format!(
                    "They now expect to deliver it on {}.",
                    delivery::arrival_label(d)
                )
            },
        );
        queue_order_mail(
            tx,
            self.state,
            &row.customer(),
            &format!("Your order {} is running late", row.number),
            &format!("We're sorry: {what} {when}"),
        )
        .await
    }

    /// Cancels order `order_id` for its customer (`by`: "customer" or the agent's name),
    /// while none of it has shipped: one transaction marks every parcel cancelled (so a
    /// warehouse "Ship" racing it finds nothing to ship, or wins and this is refused),
    /// puts the units back on the shelves, drops waiting units, cancels later charges
    /// not yet asked for and queues the mail; then the holds on the card are released.
    pub async fn cancel(&self, order_id: i64, by: &str) -> Result<(), ShopError> {
        let refused = |m: String| ShopError::invalid(Field::Order, m);
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM shipments WHERE order_id = $1")
                .bind(order_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(internal)?;
        let order_status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
        if order_status == "cancelled" {
            return Err(refused("This order is already cancelled.".into()));
        }
        let statuses: Vec<ShipmentStatus> = statuses
            .iter()
            .filter_map(|s| ShipmentStatus::parse(s))
            .collect();
        storefront_domain::fulfilment::may_cancel(&statuses).map_err(|e| refused(e.0))?;
        let (variants, holds) = async {
            let now = unix_now();
            // Holds are released below.
            let variants = release_rest(&mut tx, order_id, now, "", by).await?;
            let holds = void_untaken_holds(&mut tx, order_id).await?;
            sqlx::query("UPDATE orders SET status = 'cancelled' WHERE id = $1")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO order_events (order_id, status, at) VALUES ($1, 'cancelled', $2)")
                .bind(order_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let (number, email, name, currency, brand, last4): (String, String, String, String, Option<String>, Option<String>) =
                sqlx::query_as(
                    "SELECT number, email, ship_name, currency, card_brand, card_last4 FROM orders WHERE id = $1",
                )
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await?;
            let held: i64 = holds.iter().map(|(_, _, m)| m).sum();
            let card = brand
                .zip(last4)
                .map(|(b, l)| format!(" on your {b} ending {l}"))
                .unwrap_or_default();
            let words = if held > 0 {
                format!(
                    "Your order {number} is cancelled, as you asked. Nothing was taken from your card: the hold of {}{card} is released (your bank may take a few days to show it).",
                    money(held, &currency)
                )
            } else {
                format!("Your order {number} is cancelled, as you asked. Nothing was taken from your card.")
            };
            queue_order_mail(
                &mut tx,
                self.state,
                &Customer {
                    order_id,
                    number: &number,
                    email: &email,
                    name: &name,
                },
                &format!("Your order {number} is cancelled"),
                &words,
            )
            .await?;
            tx.commit().await?;
            tracing::info!(order = %number, by, "order cancelled");
            Ok::<_, sqlx::Error>((variants, holds))
        }
        .await
        .map_err(internal)?;
        for (payment, authorization, _) in holds {
            if let Err(e) = self.state.gateway.void(&authorization).await {
                // The hold lapses by itself within the bank's days; nothing was taken.
                tracing::error!(%e, payment, "a cancelled order's hold was not released");
            }
        }
        self.state.stock().publish(&variants).await;
        if let Err(e) = self.state.refresh_search(None).await {
            tracing::error!(%e, "search index not refreshed after a cancel");
        }
        self.changed(order_id);
        self.state.deliver_mail_soon();
        Ok(())
    }

    /// Parcels on their way whose expected day has passed (UK time) without a delivery:
    /// the shopper is told once per expected day, with the courier's latest step. Run
    /// every minute; answers how many were told.
    pub async fn mail_overdue(&self, now: i64) -> usize {
        let (today, _) = super::clock::uk_clock(now);
        let rows: Vec<ShipmentRow> = match sqlx::query_as(&format!(
            "{SHIPMENT_SELECT} WHERE s.status NOT IN ('to_pack', 'packed', 'delivered') AND s.expected_on < $1
               AND (s.overdue_mailed_for IS NULL OR s.overdue_mailed_for != s.expected_on)"
        ))
        .bind(today.to_string())
        .fetch_all(&self.state.db.read)
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(%e, "overdue parcels not read");
                return 0;
            }
        };
        let mut told = 0;
        for row in rows {
            let result = async {
                let mut tx = self.state.db.begin_write().await?;
                // Claimed in the same transaction as the mail: told once, even if two
                // processes look at the same moment.
                let claimed = sqlx::query(
                    "UPDATE shipments SET overdue_mailed_for = expected_on WHERE id = $1
                       AND (overdue_mailed_for IS NULL OR overdue_mailed_for != expected_on)",
                )
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() == 1 {
                    let (status, at, detail): (String, i64, String) = sqlx::query_as(
                        "SELECT status, at, detail FROM shipment_events WHERE shipment_id = $1 ORDER BY at DESC, id DESC LIMIT 1",
                    )
                    .bind(row.id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let latest = format!(
                        "{}{}, {}",
                        ShipmentStatus::parse(&status).map_or("", ShipmentStatus::title),
                        if detail.is_empty() { String::new() } else { format!(" ({detail})") },
                        clock_words(at).0.long_label()
                    );
                    self.overdue_mail(&mut tx, &row, &latest).await?;
                    tx.commit().await?;
                    return Ok::<_, sqlx::Error>(true);
                }
                Ok(false)
            }
            .await;
            match result {
                Ok(true) => {
                    told += 1;
                    self.changed(row.order_id);
                }
                Ok(false) => {}
                Err(e) => tracing::error!(%e, shipment = row.id, "overdue mail not queued"),
            }
        }
        if told > 0 {
            self.state.deliver_mail_soon();
        }
        told
    }

    async fn overdue_mail(
        &self,
        tx: &mut Conn,
        row: &ShipmentRow,
        latest: &str,
    ) -> Result<(), sqlx::Error> {
        let due = row
            .expected_on
            .as_deref()
            .and_then(CalendarDate::parse_iso)
            .map_or_else(String::new, delivery::arrival_label);
        let words = format!(
            "We're sorry: your parcel was due on {due} and the courier hasn't told us it's been delivered. \
             Their latest: {latest}.\n\nWe'll email you as soon as they report anything new."
        );
        queue_order_mail(
            tx,
            self.state,
            &row.customer(),
            &format!("Your order {} is running late", row.number),
            &words,
        )
        .await
    }

    /// The test courier reports `event` (or the parcel's next usual step) for
    /// `tracking`, through the same signed path a courier's webhook takes.
    pub async fn test_courier_step(
        &self,
        tracking: &str,
        event: Option<CourierEvent>,
        detail: &str,
        expected_on: Option<&str>,
    ) -> Result<Option<Applied>, String> {
        let signed = self
            .state
            .test_courier
            .report(tracking, event, detail, expected_on)
            .await
            .map_err(|e| e.to_string())?;
        match signed {
            None => Ok(None),
            Some(s) => self
                .report(Some(&s.signature), &s.body)
                .await
                .map(Some)
                .map_err(|e| e.to_string()),
        }
    }

    /// The demo clock: moves every parcel the test courier holds one step along.
    pub async fn test_courier_tick(&self, every_seconds: u64) {
        let due = match self
            .state
            .test_courier
            .due(i64::try_from(every_seconds).unwrap_or(i64::MAX))
            .await
        {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(%e, "test courier parcels not read");
                return;
            }
        };
        for tracking in due {
            if let Err(e) = self.test_courier_step(&tracking, None, "", None).await {
                tracing::warn!(%tracking, %e, "test courier step not taken");
            }
        }
    }

    /// Tells the order's open status pages to read it again.
    fn changed(&self, order_id: i64) {
        self.state.order_changed(order_id);
    }
}
