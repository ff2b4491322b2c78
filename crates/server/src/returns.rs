//! Returns, behind the status page (the shopper), the agent console (on the phone) and
//! the returns desk (`api::warehouse`): asking to send back units of a delivered
//! parcel, the printable label, receiving the parcel, and refunding through the gateway
//! (or refusing with a reason). Each step mails the customer and tells an open status
//! page. The rules (window, what can come back, the money) are
//! `storefront_domain::returns`.

use super::agents::SignedInWarehouse;
use super::catalog::money;
use super::clock::uk_local;
use super::fulfilment::{queue_order_mail, Customer};
use super::payment::Capture;
use super::{internal, unix_now, AppState};
use crate::db::Conn;
use std::collections::HashMap;
use storefront_domain::date::CalendarDate;
use storefront_domain::returns::{
    may_return, parse_return_code, refund_by, refund_minor, restock, return_code, returnable_units,
    split_refund, ReturnReason, ReturnStatus,
};
use storefront_domain::validation::{Field, FieldError};
use storefront_model::orders::{ReturnLabel, ReturnRequest, ReturnView};
use storefront_model::warehouse::{CentreChoice, ReturnTask, ReturnsWork};
use storefront_model::ShopError;

/// A settlement claimed this long ago without finishing (the process stopped between
/// the gateway's answer and the commit) may be taken up again; the gateway's refunds
/// are idempotent by key, so finishing it twice gives back nothing more.
const SETTLE_CLAIM_SECONDS: i64 = 300;

/// Units of each (parcel, order line) in returns that still hold them (not refused).
pub(crate) async fn units_in_returns(
    conn: &mut Conn,
    order_id: i64,
) -> Result<HashMap<(i64, i64), u32>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT r.shipment_id, rl.order_line_id, r.status, rl.quantity
         FROM returns r JOIN return_lines rl ON rl.return_id = r.id WHERE r.order_id = $1",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    let mut out = HashMap::new();
    for (shipment, line, status, quantity) in rows {
        if ReturnStatus::parse(&status).is_some_and(ReturnStatus::holds_units) {
            *out.entry((shipment, line)).or_insert(0) += u32::try_from(quantity).unwrap_or(0);
        }
    }
    Ok(out)
}

/// The UK day a parcel was delivered, if it was.
pub(crate) async fn delivered_on(
    conn: &mut Conn,
    shipment: i64,
) -> Result<Option<CalendarDate>, sqlx::Error> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(e.at) FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id
         WHERE e.shipment_id = $1 AND e.status = 'delivered' AND s.status = 'delivered'",
    )
    .bind(shipment)
    .fetch_one(conn)
    .await?;
    Ok(at.map(|at| uk_local(at).0))
}

#[derive(sqlx::FromRow)]
struct ReturnRow {
    id: i64,
    order_id: i64,
    shipment_id: i64,
    reason: String,
    status: String,
    requested_by: String,
    refund_minor: i64,
    refused_because: String,
    created_at: i64,
    received_at: Option<i64>,
    settled_at: Option<i64>,
    centre_id: i64,
    number: String,
    email: String,
    ship_name: String,
    currency: String,
    card_brand: Option<String>,
    card_last4: Option<String>,
}

const RETURN_SELECT: &str =
    "SELECT r.id, r.order_id, r.shipment_id, r.reason, r.status, r.requested_by, r.refund_minor,
            r.refused_because, r.created_at, r.received_at, r.settled_at, s.centre_id,
            o.number, o.email, o.ship_name, o.currency, o.card_brand, o.card_last4
     FROM returns r JOIN shipments s ON s.id = r.shipment_id JOIN orders o ON o.id = r.order_id";

impl ReturnRow {
    fn status(&self) -> ReturnStatus {
        ReturnStatus::parse(&self.status).unwrap_or(ReturnStatus::Requested)
    }

    fn reason(&self) -> ReturnReason {
        ReturnReason::parse(&self.reason).unwrap_or(ReturnReason::ChangedMind)
    }

    fn customer(&self) -> Customer<'_> {
        Customer {
            order_id: self.order_id,
            number: &self.number,
            email: &self.email,
            name: &self.ship_name,
        }
    }

    fn card_words(&self) -> String {
        self.card_brand
            .as_deref()
            .zip(self.card_last4.as_deref())
            .map(|(b, l)| format!("your {b} ending {l}"))
            .unwrap_or_else(|| "your card".into())
    }
}

/// The units of a return: (order line, variant, product, label, units, unit price).
async fn return_lines(
    conn: &mut Conn,
    return_id: i64,
) -> Result<Vec<(i64, i64, String, String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.variant_id, l.product_name, l.variant_label, rl.quantity, l.unit_price_minor
         FROM return_lines rl JOIN order_lines l ON l.id = rl.order_line_id
         WHERE rl.return_id = $1 ORDER BY l.id",
    )
    .bind(return_id)
    .fetch_all(conn)
    .await
}

/// One exchange of a return: the line sent back, the variant sent instead, the centre
/// it is put aside at, how many, and its shipment once sent.
#[derive(sqlx::FromRow)]
struct ExchangeRow {
    line: i64,
    variant: i64,
    centre: i64,
    quantity: i64,
    product: String,
    colour: Option<String>,
    size: Option<String>,
}

impl ExchangeRow {
    /// "Navy, L".
    fn label(&self) -> String {
        storefront_model::catalog::variant_label(self.colour.as_deref(), self.size.as_deref())
    }
}

async fn exchanges_of(conn: &mut Conn, return_id: i64) -> Result<Vec<ExchangeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT x.order_line_id AS line, x.variant_id AS variant, x.centre_id AS centre, x.quantity,
                p.name AS product, v.colour, v.size
         FROM return_exchanges x JOIN variants v ON v.id = x.variant_id JOIN products p ON p.id = v.product_id
         WHERE x.return_id = $1 ORDER BY x.order_line_id",
    )
    .bind(return_id)
    .fetch_all(conn)
    .await
}

fn exchange_words(exchanges: &[ExchangeRow]) -> Vec<String> {
    exchanges
        .iter()
        .map(|x| format!("{} × {} ({})", x.quantity, x.product, x.label()))
        .collect()
}

fn words_of(lines: &[(i64, i64, String, String, i64, i64)]) -> Vec<String> {
    lines
        .iter()
        .map(|(_, _, name, label, quantity, _)| format!("{quantity} × {name} ({label})"))
        .collect()
}

/// What refunding return `row` gives back now (minor units): its units' price, and the
/// delivery charge when nothing else of the order is kept or still to come.
async fn refund_due(conn: &mut Conn, row: &ReturnRow) -> Result<i64, sqlx::Error> {
    let lines = return_lines(&mut *conn, row.id).await?;
    let exchanged = exchanges_of(&mut *conn, row.id).await?;
    // Units swapped for another size are not refunded.
    let units_price: i64 = lines
        .iter()
        .map(|l| {
            let swapped: i64 = exchanged
                .iter()
                .filter(|x| x.line == l.0)
                .map(|x| x.quantity)
                .sum();
            (l.4 - swapped).max(0) * l.5
        })
        .sum();
    let units: i64 = lines.iter().map(|l| l.4).sum();
    let (shipped, unshipped, waiting, back, delivery): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT
            (SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
              WHERE s.order_id = o.id AND s.status NOT IN ('cancelled', 'to_pack', 'packed')),
            (SELECT COUNT(*) FROM shipments s WHERE s.order_id = o.id AND s.status IN ('to_pack', 'packed')),
            (SELECT COALESCE(SUM(backordered), 0) FROM order_lines WHERE order_id = o.id),
            (SELECT COALESCE(SUM(rl.quantity), 0) FROM returns r JOIN return_lines rl ON rl.return_id = r.id
              WHERE r.order_id = o.id AND r.status IN ('refunded', 'exchanged')),
            o.delivery_minor
         FROM orders o WHERE o.id = $1",
    )
    .bind(row.order_id)
    .fetch_one(conn)
    .await?;
    // Everything the order shipped has come back, and nothing is sent in its place.
    let everything_back =
        exchanged.is_empty() && unshipped == 0 && waiting == 0 && back + units == shipped;
    Ok(refund_minor(units_price, delivery, everything_back))
}

pub struct Returns<'a> {
    state: &'a AppState,
}

impl<'a> Returns<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    fn changed(&self, order_id: i64) {
        self.state.order_changed(order_id);
    }

    /// Starts a return of units of one delivered parcel of order `order_id`, for its
    /// customer (`by` empty) or by an agent on the phone (`by` their name). Answers the
    /// return's code. Asked again with the same `attempt`, answers the same return.
    pub async fn start(
        &self,
        order_id: i64,
        request: &ReturnRequest,
        by: &str,
    ) -> Result<String, ShopError> {
        let attempt = request.attempt.trim();
        if attempt.len() < 8 || attempt.len() > 64 {
            return Err(ShopError::invalid(
                Field::Order,
                "Please reload the page and try again.",
            ));
        }
        let mut problems = Vec::new();
        let reason = ReturnReason::parse(request.reason.trim());
        if reason.is_none() {
            problems.push(FieldError::new(
                Field::ReturnReason,
                "Please choose why it's coming back.",
            ));
        }
        let chosen: Vec<(i64, u32)> = request
            .lines
            .iter()
            .copied()
            .filter(|(_, units)| *units > 0)
            .collect();
        if chosen.is_empty() {
            problems.push(FieldError::new(
                Field::Order,
                "Choose how many of an item to send back.",
            ));
        }
        let Some(reason) = reason.filter(|_| problems.is_empty()) else {
            return Err(ShopError::Invalid(problems));
        };
        let today = uk_local(unix_now()).0;
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let earlier: Option<(i64, i64)> =
            sqlx::query_as("SELECT id, order_id FROM returns WHERE attempt = $1")
                .bind(attempt)
                .fetch_optional(&mut *tx)
                .await
                .map_err(internal)?;
        if let Some((id, order)) = earlier {
            return if order == order_id {
                Ok(return_code(id))
            } else {
                Err(ShopError::invalid(
                    Field::Order,
                    "Please reload the page and try again.",
                ))
            };
        }
        let shipment: Option<i64> =
            sqlx::query_scalar("SELECT id FROM shipments WHERE id = $1 AND order_id = $2")
                .bind(request.shipment_id)
                .bind(order_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(internal)?;
        let Some(shipment) = shipment else {
            return Err(ShopError::invalid(
                Field::Order,
                "That parcel isn't part of this order.",
            ));
        };
        let delivered = delivered_on(&mut tx, shipment).await.map_err(internal)?;
        let in_parcel: HashMap<i64, (String, i64)> = sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT l.id, l.product_name, sl.quantity FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id
             WHERE sl.shipment_id = $1",
        )
        .bind(shipment)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(id, name, quantity)| (id, (name, quantity)))
        .collect();
        let held = units_in_returns(&mut tx, order_id)
            .await
            .map_err(internal)?;
        let mut seen = Vec::new();
        for (line, units) in &chosen {
            let Some((name, quantity)) = in_parcel.get(line) else {
                problems.push(FieldError::new(
                    Field::ReturnLine(*line),
                    "That item isn't in this parcel.",
                ));
                continue;
            };
            if seen.contains(line) {
                problems.push(FieldError::new(
                    Field::ReturnLine(*line),
                    "This item is listed twice.",
                ));
                continue;
            }
            seen.push(*line);
            if let Err(refused) = may_return(name, delivered, today, reason) {
                problems.push(FieldError::new(Field::ReturnLine(*line), refused.0));
                continue;
            }
            let left = returnable_units(
                u32::try_from(*quantity).unwrap_or(0),
                held.get(&(shipment, *line)).copied().unwrap_or(0),
            );
            if *units > left {
                problems.push(FieldError::new(
                    Field::ReturnLine(*line),
                    match left {
                        0 => "This item is already on its way back.".to_owned(),
                        n => format!("You can send back up to {n} of these."),
                    },
                ));
            }
        }
        let reserved = if problems.is_empty() {
            self.reserve_exchanges(&mut tx, order_id, &chosen, &request.exchange, &mut problems)
                .await
                .map_err(internal)?
        } else {
            Vec::new()
        };
        if !problems.is_empty() {
            return Err(ShopError::Invalid(problems));
        }
        let code = async {
            let now = unix_now();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO returns (order_id, shipment_id, reason, status, requested_by, attempt, created_at)
                 VALUES ($1, $2, $3, 'requested', $4, $5, $6) RETURNING id",
            )
            .bind(order_id)
            .bind(shipment)
            .bind(reason.as_str())
            .bind(by)
            .bind(attempt)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (line, units) in &chosen {
                sqlx::query(
                    "INSERT INTO return_lines (return_id, order_line_id, quantity) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(line)
                .bind(i64::from(*units))
                .execute(&mut *tx)
                .await?;
            }
            for (line, variant, centre, units) in &reserved {
                sqlx::query(
                    "INSERT INTO return_exchanges (return_id, order_line_id, variant_id, centre_id, quantity) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(line)
                .bind(variant)
                .bind(centre)
                .bind(i64::from(*units))
                .execute(&mut *tx)
                .await?;
            }
            let row = self.row(&mut tx, id).await?;
            let items = words_of(&return_lines(&mut tx, id).await?).join(", ");
            let swap = exchange_words(&exchanges_of(&mut tx, id).await?);
            let swap = if swap.is_empty() {
                String::new()
            } else {
                format!(
                    "\n\nIn exchange we've put {} aside for you: it leaves us, free, as soon as we've checked your return.",
                    swap.join(", ")
                )
            };
            let code = return_code(id);
            let centre = self.state.centres.name(row.centre_id).to_owned();
            let who = if by.is_empty() {
                String::new()
            } else {
                format!(" {by} at our contact centre started it for you.")
            };
            queue_order_mail(
                &mut tx,
                self.state,
                &row.customer(),
                &format!("Your return {code} for order {}", row.number),
                &format!(
                    "Your return {code} is started: {items} ({}).{who}{swap}\n\nPrint the label from your order's page (or write {code} on the parcel) and post it: returns are free. It goes back to our {centre} centre; once it arrives we check it and refund {} within {} working days for anything not exchanged.",
                    reason.label().to_lowercase(),
                    row.card_words(),
                    storefront_domain::returns::REFUND_WORKING_DAYS,
                ),
            )
            .await?;
            tx.commit().await?;
            tracing::info!(order = %row.number, %code, by, "return started");
            Ok::<_, sqlx::Error>(code)
        }
        .await
        .map_err(internal)?;
        if !reserved.is_empty() {
            let variants: Vec<i64> = reserved.iter().map(|r| r.1).collect();
            self.state.stock().publish(&variants).await;
        }
        self.changed(order_id);
        self.state.deliver_mail_soon();
        Ok(code)
    }

    /// Checks the exchanges asked for (each a line being returned, for another size or
    /// colour of the same product) and reserves their units on `tx`, nearest centre to
    /// the order's address first. Problems go into `problems`.
    async fn reserve_exchanges(
        &self,
        tx: &mut Conn,
        order_id: i64,
        chosen: &[(i64, u32)],
        asked: &[(i64, i64)],
        problems: &mut Vec<FieldError>,
    ) -> Result<Vec<(i64, i64, i64, u32)>, sqlx::Error> {
        let mut reserved: Vec<(i64, i64, i64, u32)> = Vec::new();
        if asked.is_empty() {
            return Ok(reserved);
        }
        let (country, postcode): (String, String) =
            sqlx::query_as("SELECT ship_country, ship_postcode FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await?;
        let region = storefront_domain::location::region_for_address(&country, &postcode)
            .map_or(storefront_domain::location::DEFAULT_REGION, |r| r.code);
        for (line, variant) in asked {
            let Some(units) = chosen.iter().find(|(l, _)| l == line).map(|(_, u)| *u) else {
                problems.push(FieldError::new(
                    Field::ReturnLine(*line),
                    "Choose how many to send back, then what to exchange them for.",
                ));
                continue;
            };
            if reserved.iter().any(|r| r.0 == *line) {
                problems.push(FieldError::new(
                    Field::ReturnLine(*line),
                    "This item is listed twice.",
                ));
                continue;
            }
            let same: Option<i64> = sqlx::query_scalar(
                "SELECT v2.id FROM order_lines l JOIN variants v ON v.id = l.variant_id
                 JOIN variants v2 ON v2.product_id = v.product_id
                 WHERE l.id = $1 AND l.order_id = $2 AND v2.id = $3 AND v2.id != l.variant_id",
            )
            .bind(line)
            .bind(order_id)
            .bind(variant)
            .fetch_optional(&mut *tx)
            .await?;
            if same.is_none() {
                problems.push(FieldError::new(
                    Field::ReturnLine(*line),
                    "Choose another size or colour of the same item to exchange it for.",
                ));
                continue;
            }
            let mut at = None;
            for (centre, _) in self.state.centres.nearest_first(region) {
                let taken = sqlx::query(
                    "UPDATE stock SET quantity = quantity - $1 WHERE variant_id = $2 AND centre_id = $3 AND quantity >= $4",
                )
                .bind(i64::from(units))
                .bind(variant)
                .bind(centre)
                .bind(i64::from(units))
                .execute(&mut *tx)
                .await?;
                if taken.rows_affected() == 1 {
                    at = Some(centre);
                    break;
                }
            }
            match at {
                Some(centre) => reserved.push((*line, *variant, centre, units)),
                None => problems.push(FieldError::new(
                    Field::ReturnLine(*line),
                    "Sorry, that size and colour is out of stock now: choose another, or a refund.",
                )),
            }
        }
        Ok(reserved)
    }

    async fn row(&self, conn: &mut Conn, id: i64) -> Result<ReturnRow, sqlx::Error> {
        sqlx::query_as(&format!("{RETURN_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await
    }

    /// The printable label of return `code` of order `order_id`.
    pub async fn label(&self, order_id: i64, code: &str) -> Result<ReturnLabel, ShopError> {
        let not_found = || ShopError::NotFound("We couldn't find that return.".into());
        let id = parse_return_code(code).ok_or_else(not_found)?;
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let row: Option<ReturnRow> = sqlx::query_as(&format!(
            "{RETURN_SELECT} WHERE r.id = $1 AND r.order_id = $2"
        ))
        .bind(id)
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(internal)?;
        let row = row.ok_or_else(not_found)?;
        let ship_to: super::orders::ShipTo = sqlx::query_as(
            "SELECT ship_name, ship_line1, ship_line2, ship_city, ship_postcode, ship_country FROM orders WHERE id = $1",
        )
        .bind(order_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(internal)?;
        let lines = return_lines(&mut conn, id).await.map_err(internal)?;
        let centre = self
            .state
            .centres
            .all()
            .iter()
            .find(|c| c.id == row.centre_id)
            .ok_or(ShopError::Internal)?;
        Ok(ReturnLabel {
            code: return_code(id),
            order_number: row.number.clone(),
            from_name: row.ship_name.clone(),
            from: ship_to.address(),
            to: format!(
                "Storefront Returns, {} distribution centre ({})",
                centre.name, centre.code
            ),
            items: words_of(&lines),
            reason: row.reason(),
            status: row.status(),
        })
    }

    fn task(
        &self,
        row: &ReturnRow,
        lines: Vec<storefront_model::warehouse::PickLine>,
        refund: i64,
        exchange: Vec<String>,
    ) -> ReturnTask {
        let received_on = row.received_on();
        ReturnTask {
            id: row.id,
            code: return_code(row.id),
            order_number: row.number.clone(),
            customer: row.ship_name.clone(),
            reason: row.reason(),
            lines,
            status: row.status(),
            requested_on: uk_local(row.created_at).0,
            received_on,
            refund: money(refund, &row.currency),
            refund_by: received_on.map(|d| refund_by(d, self.calendar(row.centre_id))),
            restock: restock(row.reason()),
            refused_because: Some(row.refused_because.clone()).filter(|r| !r.is_empty()),
            exchange,
        }
    }

    fn calendar(&self, centre_id: i64) -> storefront_domain::holidays::Calendar {
        self.state
            .centres
            .all()
            .iter()
            .find(|c| c.id == centre_id)
            .map_or(
                storefront_domain::holidays::Calendar::EnglandAndWales,
                |c| c.calendar,
            )
    }

    async fn task_of(&self, conn: &mut Conn, row: &ReturnRow) -> Result<ReturnTask, sqlx::Error> {
        let lines: Vec<_> = return_lines(&mut *conn, row.id)
            .await?
            .into_iter()
            .map(|(line, _, product_name, variant_label, quantity, _)| {
                (line, product_name, variant_label, quantity)
            })
            .collect();
        let skus: HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
            "SELECT l.id, v.sku FROM return_lines rl JOIN order_lines l ON l.id = rl.order_line_id
             JOIN variants v ON v.id = l.variant_id WHERE rl.return_id = $1",
        )
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let refund = match row.status() {
            ReturnStatus::Refunded | ReturnStatus::Exchanged => row.refund_minor,
            ReturnStatus::Refused => 0,
            _ => refund_due(&mut *conn, row).await?,
        };
        let exchange = exchange_words(&exchanges_of(&mut *conn, row.id).await?);
        let picks = lines
            .into_iter()
            .map(|(line, product_name, variant_label, quantity)| {
                storefront_model::warehouse::PickLine {
                    sku: skus.get(&line).cloned().unwrap_or_default(),
                    product_name,
                    variant_label,
                    quantity: u32::try_from(quantity).unwrap_or(0),
                }
            })
            .collect();
        Ok(self.task(row, picks, refund, exchange))
    }

    /// A centre's returns: on their way, to check (the refund due soonest first), and
    /// settled in the last day.
    pub async fn work(
        &self,
        _staff: &SignedInWarehouse,
        centre: &str,
    ) -> Result<ReturnsWork, ShopError> {
        let chosen = self
            .state
            .centres
            .all()
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(centre.trim()))
            .or(self.state.centres.all().first())
            .ok_or(ShopError::Internal)?;
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let rows: Vec<ReturnRow> = sqlx::query_as(&format!(
            "{RETURN_SELECT} WHERE s.centre_id = $1 AND (r.status IN ('requested', 'received') OR r.settled_at > $2)
             ORDER BY COALESCE(r.received_at, r.created_at), r.id"
        ))
        .bind(chosen.id)
        .bind(unix_now() - 86_400)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
        let mut work = ReturnsWork {
            centre: CentreChoice {
                code: chosen.code.clone(),
                name: chosen.name.clone(),
            },
            on_the_way: Vec::new(),
            to_check: Vec::new(),
            settled_today: Vec::new(),
        };
        for row in rows {
            let task = self.task_of(&mut conn, &row).await.map_err(internal)?;
            match task.status {
                ReturnStatus::Requested => work.on_the_way.push(task),
                ReturnStatus::Received => work.to_check.push(task),
                _ => work.settled_today.push(task),
            }
        }
        Ok(work)
    }

    /// The returns desk takes in the parcel with return code `code`.
    pub async fn receive(
        &self,
        staff: &SignedInWarehouse,
        code: &str,
    ) -> Result<ReturnTask, ShopError> {
        let Some(id) = parse_return_code(code) else {
            return Err(ShopError::invalid(
                Field::ReturnCode,
                "That isn't a return code: they look like R1042-K (on the label, or the customer's mail).",
            ));
        };
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let row: Option<ReturnRow> = sqlx::query_as(&format!("{RETURN_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
        let Some(row) = row else {
            return Err(ShopError::invalid(
                Field::ReturnCode,
                "No return has that code. Please check the label.",
            ));
        };
        row.status()
            .receive()
            .map_err(|e| ShopError::invalid(Field::ReturnCode, e.0))?;
        let now = unix_now();
        let task = async {
            sqlx::query(
                "UPDATE returns SET status = 'received', received_at = $1 WHERE id = $2 AND status = 'requested'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let row = self.row(&mut tx, id).await?;
            let task = self.task_of(&mut tx, &row).await?;
            let by = task.refund_by.map(CalendarDate::long_label).unwrap_or_default();
            let items = words_of(&return_lines(&mut tx, id).await?).join(", ");
            queue_order_mail(
                &mut tx,
                self.state,
                &row.customer(),
                &format!("We've received your return {}", task.code),
                &format!(
                    "Your return {} ({}) has reached our {} centre. We're checking it now and will refund {} by {by}.",
                    task.code,
                    items,
                    self.state.centres.name(row.centre_id),
                    row.card_words(),
                ),
            )
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(task)
        }
        .await
        .map_err(internal)?;
        tracing::info!(code = %task.code, by = staff.name(), "return received");
        self.changed(row.order_id);
        self.state.deliver_mail_soon();
        Ok(task)
    }

    /// The returns desk settles a received return: refunds it through the gateway
    /// (units back on sale unless faulty), or refuses it with `because` for the customer.
    pub async fn settle(
        &self,
        staff: &SignedInWarehouse,
        id: i64,
        refund: bool,
        because: &str,
    ) -> Result<ReturnTask, ShopError> {
        let because = because.trim();
        if !refund && because.chars().count() < 5 {
            return Err(ShopError::invalid(
                Field::RefuseReason,
                "Please say why, in words for the customer (at least 5 letters).",
            ));
        }
        if because.chars().count() > 500 {
            return Err(ShopError::invalid(
                Field::RefuseReason,
                "Please keep it under 500 characters.",
            ));
        }
        let now = unix_now();
        // Claim it, so a refund and a refusal (or two refunds) can't both go ahead.
        let claimed = sqlx::query(
            "UPDATE returns SET settled_at = $1, settled_by = $2
             WHERE id = $3 AND status = 'received' AND (settled_at IS NULL OR settled_at < $4)",
        )
        .bind(now)
        .bind(staff.name())
        .bind(id)
        .bind(now - SETTLE_CLAIM_SECONDS)
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        let row = {
            let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
            let row: Option<ReturnRow> =
                sqlx::query_as(&format!("{RETURN_SELECT} WHERE r.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(internal)?;
            row.ok_or_else(|| ShopError::NotFound("No such return.".into()))?
        };
        if claimed.rows_affected() == 0 {
            let message = match row.status().settle(refund, false) {
                Err(e) => e.0,
                Ok(_) => "Someone else is settling this return just now.".into(),
            };
            return Err(ShopError::invalid(Field::ReturnCode, message));
        }
        let outcome = if refund {
            self.accept(&row).await
        } else {
            self.refuse(&row, because).await
        };
        if outcome.is_err() {
            // Let it be tried again at once.
            let _ = sqlx::query(
                "UPDATE returns SET settled_at = NULL WHERE id = $1 AND status = 'received'",
            )
            .bind(id)
            .execute(&self.state.db.write)
            .await;
        }
        outcome?;
        tracing::info!(code = %return_code(id), refund, by = staff.name(), "return settled");
        self.changed(row.order_id);
        self.state.deliver_mail_soon();
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let row = self.row(&mut conn, id).await.map_err(internal)?;
        self.task_of(&mut conn, &row).await.map_err(internal)
    }

    async fn refuse(&self, row: &ReturnRow, because: &str) -> Result<(), ShopError> {
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let released = async {
            let done = sqlx::query(
                "UPDATE returns SET status = 'refused', refused_because = $1 WHERE id = $2 AND status = 'received'",
            )
            .bind(because)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(Vec::new());
            }
            // What was put aside in exchange goes back on sale.
            let exchanges = exchanges_of(&mut tx, row.id).await?;
            for x in &exchanges {
                super::stock::add_stock(&mut tx, x.variant, x.centre, x.quantity).await?;
            }
            let code = return_code(row.id);
            queue_order_mail(
                &mut tx,
                self.state,
                &row.customer(),
                &format!("About your return {code}"),
                &format!(
                    "We've checked your return {code} and can't accept it: {because}\n\nWe're sending the items back to you, free{}. If you think we've got this wrong, reply to this email or call us and we'll look again.",
                    if exchanges.is_empty() { "" } else { ", and the exchange we had put aside is released" },
                ),
            )
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(exchanges.iter().map(|x| x.variant).collect::<Vec<i64>>())
        }
        .await
        .map_err(internal)?;
        if !released.is_empty() {
            self.state.stock().publish(&released).await;
        }
        Ok(())
    }

    /// Accepts a received return: refunds what isn't exchanged through the gateway, puts
    /// the units back on sale (unless faulty) and sends the exchanges.
    async fn accept(&self, row: &ReturnRow) -> Result<(), ShopError> {
        let (amount, parts) = {
            let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
            let amount = refund_due(&mut conn, row).await.map_err(internal)?;
            // The returned parcel's own payment first, then the order's others.
            let payments: Vec<(i64, String, i64)> = sqlx::query_as(
                "SELECT p.id, p.\"authorization\", p.captured_minor - p.refunded_minor FROM payments p
                 WHERE p.order_id = $1 AND p.captured_minor > 0
                 ORDER BY p.id != (SELECT payment_id FROM shipments WHERE id = $2), p.id",
            )
            .bind(row.order_id)
            .bind(row.shipment_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(internal)?;
            let available: Vec<i64> = payments.iter().map(|p| p.2).collect();
            let Some(split) = split_refund(amount, &available) else {
                tracing::error!(code = %return_code(row.id), amount, ?available, "a refund more than was taken");
                return Err(ShopError::Internal);
            };
            let parts: Vec<(i64, String, i64)> = payments
                .into_iter()
                .zip(split)
                .filter(|(_, part)| *part > 0)
                .map(|((id, authorization, _), part)| (id, authorization, part))
                .collect();
            (amount, parts)
        };
        for (payment, authorization, part) in &parts {
            let reference = format!("{}-return-{}-payment-{payment}", row.number, row.id);
            match self
                .state
                .gateway
                .refund(authorization, money(*part, &row.currency), &reference)
                .await
            {
                Ok(Capture::Done(_)) => {}
                Ok(other) => {
                    tracing::error!(?other, payment, "the gateway refused a refund");
                    return Err(ShopError::invalid(
                        Field::ReturnCode,
                        "The payment provider didn't take the refund. Nothing was given back; please try again, or ask customer service.",
                    ));
                }
                Err(e) => return Err(internal(e)),
            }
        }
        let (lines, exchanges) = {
            let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
            (
                return_lines(&mut conn, row.id).await.map_err(internal)?,
                exchanges_of(&mut conn, row.id).await.map_err(internal)?,
            )
        };
        let returned: i64 = lines.iter().map(|l| l.4).sum();
        let swapped: i64 = exchanges.iter().map(|x| x.quantity).sum();
        let status = row
            .status()
            .settle(true, swapped == returned)
            .map_err(|e| ShopError::invalid(Field::ReturnCode, e.0))?;
        let back_on_sale = restock(row.reason());
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        async {
            let done = sqlx::query(
                "UPDATE returns SET status = $1, refund_minor = $2 WHERE id = $3 AND status = 'received'",
            )
            .bind(status.as_str())
            .bind(amount)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(());
            }
            for (payment, _, part) in &parts {
                sqlx::query("UPDATE payments SET refunded_minor = refunded_minor + $1 WHERE id = $2")
                    .bind(part)
                    .bind(payment)
                    .execute(&mut *tx)
                    .await?;
            }
            if back_on_sale {
                for (_, variant, _, _, quantity, _) in &lines {
                    super::stock::add_stock(&mut tx, *variant, row.centre_id, *quantity).await?;
                }
            }
            let code = return_code(row.id);
            // Each exchange becomes a line of the order (at the price of the one it
            // replaces) and a parcel to pack where it was put aside, with nothing to charge.
            for x in &exchanges {
                let price = lines.iter().find(|l| l.0 == x.line).map_or(0, |l| l.5);
                let line: i64 = sqlx::query_scalar(
                    "INSERT INTO order_lines (order_id, variant_id, product_name, variant_label, quantity, unit_price_minor, line_total_minor, backordered, exchange_for)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
                )
                .bind(row.order_id)
                .bind(x.variant)
                .bind(&x.product)
                .bind(x.label())
                .bind(x.quantity)
                .bind(price)
                .bind(price * x.quantity)
                .bind(x.line)
                .fetch_one(&mut *tx)
                .await?;
                let shipment = super::fulfilment::new_shipment(
                    &mut tx,
                    row.order_id,
                    x.centre,
                    None,
                    money(0, &row.currency),
                    &[(line, u32::try_from(x.quantity).unwrap_or(0))],
                    &format!("Exchange for return {code}"),
                )
                .await?;
                sqlx::query(
                    "UPDATE return_exchanges SET shipment_id = $1 WHERE return_id = $2 AND order_line_id = $3",
                )
                .bind(shipment)
                .bind(row.id)
                .bind(x.line)
                .execute(&mut *tx)
                .await?;
            }
            super::fulfilment::refresh_order_status(&mut tx, row.order_id).await?;
            let mut words = Vec::new();
            if amount > 0 {
                words.push(format!(
                    "We've refunded {} to {} for your return {code} ({}). Your bank may take a few days to show it.",
                    money(amount, &row.currency),
                    row.card_words(),
                    words_of(&lines).join(", "),
                ));
            } else {
                words.push(format!(
                    "We've checked your return {code} ({}) and all is well.",
                    words_of(&lines).join(", ")
                ));
            }
            if !exchanges.is_empty() {
                words.push(format!(
                    "Your exchange ({}) is being packed now, free; we'll email you when it leaves with its tracking number.",
                    exchange_words(&exchanges).join(", ")
                ));
            }
            let subject = if amount > 0 {
                format!("Your refund for return {code}")
            } else {
                format!("Your exchange for return {code}")
            };
            queue_order_mail(&mut tx, self.state, &row.customer(), &subject, &words.join("\n\n"))
                .await?;
            tx.commit().await
        }
        .await
        .map_err(internal)?;
        if back_on_sale {
            let variants: Vec<i64> = lines.iter().map(|l| l.1).collect();
            self.state.stock().publish(&variants).await;
            if let Err(e) = self.state.refresh_search(None).await {
                tracing::error!(%e, "search index not refreshed after a return");
            }
        }
        Ok(())
    }
}

impl ReturnRow {
    fn received_on(&self) -> Option<CalendarDate> {
        self.received_at.map(|at| uk_local(at).0)
    }
}

/// An order's returns as its status page (and the agent console) shows them.
pub(crate) async fn returns_of(
    conn: &mut Conn,
    state: &AppState,
    order_id: i64,
) -> Result<Vec<ReturnView>, sqlx::Error> {
    let rows: Vec<ReturnRow> = sqlx::query_as(&format!(
        "{RETURN_SELECT} WHERE r.order_id = $1 ORDER BY r.id"
    ))
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    let returns = Returns::new(state);
    let mut out = Vec::new();
    for row in rows {
        let lines = return_lines(&mut *conn, row.id).await?;
        let exchange = exchange_words(&exchanges_of(&mut *conn, row.id).await?);
        let status = row.status();
        out.push(ReturnView {
            exchange,
            code: return_code(row.id),
            status,
            reason: row.reason(),
            items: words_of(&lines),
            centre: state.centres.name(row.centre_id).to_owned(),
            requested_on: uk_local(row.created_at).0,
            requested_by: Some(row.requested_by.clone()).filter(|b| !b.is_empty()),
            received_on: row.received_on(),
            refund_by: row
                .received_on()
                .filter(|_| status == ReturnStatus::Received)
                .map(|d| refund_by(d, returns.calendar(row.centre_id))),
            settled_on: row
                .settled_at
                .filter(|_| {
                    matches!(
                        status,
                        ReturnStatus::Refunded | ReturnStatus::Exchanged | ReturnStatus::Refused
                    )
                })
                .map(|at| uk_local(at).0),
            refund: (status == ReturnStatus::Refunded)
                .then(|| money(row.refund_minor, &row.currency)),
            refused_because: Some(row.refused_because.clone()).filter(|r| !r.is_empty()),
        });
    }
    Ok(out)
}
