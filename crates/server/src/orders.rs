//! Pricing carts, placing orders and reading them back, behind `api::orders`.

use super::catalog::{image_url, money};
use super::mail;
use super::stock::snapshot;
use super::{internal, random_token, same_secret, unix_now, AppState};
use crate::db::Conn;
use rand::Rng;
use std::collections::HashMap;
use storefront_domain::allocation::{plan_order, CentreStock, LinePlan};
use storefront_domain::cart::CartLine;
use storefront_domain::date::CalendarDate;
use storefront_domain::delivery;
use storefront_domain::delivery::DeliveryOption;
use storefront_domain::holidays::Calendar;
use storefront_domain::money::{Currency, Money};
use storefront_domain::order::{is_order_number, order_number_from_bits, OrderStatus};
use storefront_domain::payment::{CardBrand, CardOnFile};
use storefront_domain::pricing::{
    charge_plan, delivery_for, free_delivery_note, ChargePlan, LineToCharge, Quote,
};
use storefront_domain::pricing::{quote, LineToPrice};
use storefront_domain::receipt;
use storefront_domain::stock::Availability;
use storefront_domain::validation::{check_lines, Address, CheckoutDetails, Field, FieldError};
use storefront_model::catalog::variant_label;
use storefront_model::checkout::OFFERS_CONSENT;
use storefront_model::error::StockProblem;
use storefront_model::orders::{
    ChangeOutcome, ChangePreview, ChangeRecord, DeliveryQuote, OrderChange, OrderLine, OrderView,
    PlacedOrder, PricedCart, PricedLine, ReturnLabel, ReturnRequest, Shipment,
};
use storefront_model::ShopError;

/// What "Find my order" always answers.
pub const FIND_ORDER_ANSWER: &str = "Thank you. If that order number and email address belong to the same order, we've emailed the order's link to that address: it should arrive within a few minutes. Nothing there? Check the number on your receipt, or call us.";

/// "Find my order" requests per sender address per hour.
pub const FIND_ORDER_PER_ADDRESS: storefront_domain::rate::RateLimit =
    storefront_domain::rate::RateLimit {
        max: 10,
        per_seconds: 3_600,
    };
/// "Find my order" requests naming one order number per day, from anyone.
pub const FIND_ORDER_PER_NUMBER: storefront_domain::rate::RateLimit =
    storefront_domain::rate::RateLimit {
        max: 5,
        per_seconds: 86_400,
    };

fn order_not_found() -> ShopError {
    ShopError::NotFound(
        "We couldn't find an order with that number and link. Please use the link in your latest email from us, or use Find my order, or call us and we'll look it up.".into(),
    )
}

pub struct Orders<'a> {
    state: &'a AppState,
}

/// An order as asked for, after its details and lines passed their checks.
pub(crate) struct OrderToPlace<'a> {
    pub details: &'a CheckoutDetails,
    pub lines: &'a [CartLine],
    pub region: &'a str,
    pub delivery: DeliveryOption,
    pub accept_backorder: bool,
    pub offers: bool,
    /// The agent who took the order on the phone ("" for the shopper on the web).
    pub placed_by: &'a str,
    /// The account the shopper was signed in to, if any: the order is theirs too, and
    /// `save_address` keeps its delivery address for their next checkout.
    pub account: Option<&'a str>,
    pub save_address: bool,
}

/// The money the gateway authorized for an order.
pub(crate) struct PaymentTaken<'a> {
    pub authorization: &'a str,
    pub amount: Money,
    pub card: &'a CardOnFile,
    pub token: &'a str,
}

/// A cart planned and priced on one connection.
pub(crate) struct Priced {
    pub sales: Vec<(CartLine, SaleRow, LinePlan)>,
    pub unknown: Vec<i64>,
    pub quote: Quote,
    pub charges: ChargePlan,
    pub options: Vec<DeliveryQuote>,
    nearest: Vec<(i64, f64)>,
    /// Whose bank holidays apply where it goes.
    to: Calendar,
    clock: (CalendarDate, u8),
}

impl Priced {
    /// The bank holidays of the centre nearest the shopper, which the "leaves today"
    /// words speak for.
    fn dispatching_calendar(&self, centres: &super::stock::Centres) -> Calendar {
        self.nearest
            .first()
            .map_or(Calendar::EnglandAndWales, |(id, _)| centres.calendar(*id))
    }
}

/// "today", "tomorrow" or "on Mon 24 Nov": when an order placed now leaves a centre that
/// keeps `centre`'s bank holidays.
fn dispatch_words((today, hour): (CalendarDate, u8), centre: Calendar) -> String {
    let day = delivery::dispatch_day(today, hour, centre);
    if day == today {
        "today".to_owned()
    } else if day == today.add_days(1) {
        "tomorrow".to_owned()
    } else {
        format!("on {}", delivery::arrival_label(day))
    }
}

/// A variant as sold: its product and the shop's price; its stock (summed over centres)
/// and restock date are filled in from the same stock snapshot the plan is made from.
#[derive(sqlx::FromRow)]
pub(crate) struct SaleRow {
    pub variant_id: i64,
    pub product_id: i64,
    product_slug: String,
    pub product_name: String,
    colour: Option<String>,
    size: Option<String>,
    pub price_minor: i64,
    currency: String,
    #[sqlx(skip)]
    available: u32,
    #[sqlx(skip)]
    pub back_on: Option<CalendarDate>,
}

impl SaleRow {
    pub(crate) fn label(&self) -> String {
        variant_label(self.colour.as_deref(), self.size.as_deref())
    }

    fn availability(&self) -> Availability {
        Availability::from_stock(self.available, self.back_on)
    }

    fn unit_price(&self) -> Money {
        money(self.price_minor, &self.currency)
    }
}

/// An order's delivery address as stored (its `ship_*` columns), read into a row with
/// `#[sqlx(flatten)]`.
#[derive(sqlx::FromRow)]
pub(crate) struct ShipTo {
    pub ship_name: String,
    pub ship_line1: String,
    pub ship_line2: String,
    pub ship_city: String,
    pub ship_postcode: String,
    pub ship_country: String,
}

impl ShipTo {
    pub(crate) fn address(&self) -> Address {
        Address {
            name: self.ship_name.clone(),
            line1: self.ship_line1.clone(),
            line2: self.ship_line2.clone(),
            city: self.ship_city.clone(),
            postcode: self.ship_postcode.clone(),
            country: self.ship_country.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    number: String,
    status: String,
    email: String,
    #[sqlx(flatten)]
    ship_to: ShipTo,
    currency: String,
    subtotal_minor: i64,
    delivery_minor: i64,
    total_minor: i64,
    placed_at: i64,
    phone: String,
    delivery_option: String,
    arrives_on: Option<String>,
    card_brand: Option<String>,
    card_last4: Option<String>,
    delivery_due_minor: i64,
    placed_by: String,
}

#[derive(sqlx::FromRow)]
struct OrderLineRow {
    id: i64,
    variant_id: i64,
    exchange_for: Option<i64>,
    product_name: String,
    variant_label: String,
    quantity: i64,
    unit_price_minor: i64,
    line_total_minor: i64,
    backordered: i64,
    restock_on: Option<String>,
    shipped: i64,
}

/// Every size and colour of `variant`'s product (itself included), in the shop's order:
/// (variant, "Navy, L").
pub(crate) async fn variants_of_product(
    conn: &mut Conn,
    variant: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let variants: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT v.id, v.colour, v.size FROM variants v
         WHERE v.product_id = (SELECT product_id FROM variants WHERE id = $1) ORDER BY v.position",
    )
    .bind(variant)
    .fetch_all(conn)
    .await?;
    Ok(variants
        .into_iter()
        .map(|(id, colour, size)| (id, variant_label(colour.as_deref(), size.as_deref())))
        .collect())
}

/// Takes the units `plan` ships now for order line `line_id` from each centre's stock
/// and records where they came from; adds them to `picks` for the shipments.
pub(crate) async fn take_stock(
    tx: &mut Conn,
    line_id: i64,
    line: &CartLine,
    unit_price_minor: i64,
    plan: &storefront_domain::allocation::LinePlan,
    picks: &mut Vec<super::fulfilment::Pick>,
) -> Result<(), ShopError> {
    for pick in &plan.picks {
        picks.push(super::fulfilment::Pick {
            line_id,
            centre_id: pick.centre_id,
            quantity: pick.quantity,
            unit_price_minor,
        });
        let taken = sqlx::query(
            "UPDATE stock SET quantity = quantity - $1 WHERE variant_id = $2 AND centre_id = $3 AND quantity >= $4",
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
        sqlx::query(
            "INSERT INTO order_allocations (order_line_id, centre_id, quantity) VALUES ($1, $2, $3)",
        )
        .bind(line_id)
        .bind(pick.centre_id)
        .bind(i64::from(pick.quantity))
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    }
    Ok(())
}

async fn sale_row(conn: &mut Conn, variant_id: i64) -> Result<Option<SaleRow>, ShopError> {
    sqlx::query_as(
        "SELECT v.id AS variant_id, p.id AS product_id, p.slug AS product_slug, p.name AS product_name, v.colour, v.size,
                p.price_minor, p.currency
         FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
    )
    .bind(variant_id)
    .fetch_optional(conn)
    .await
    .map_err(internal)
}

impl<'a> Orders<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// The sale rows and the plan for `lines` from centres ordered `nearest` first, read
    /// on `conn`. Lines for variants the shop doesn't sell come back in the second list.
    async fn plan(
        &self,
        conn: &mut Conn,
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

    /// The shipments of a planned line for `option`, with arrival days.
    fn shipments(
        &self,
        plan: &LinePlan,
        nearest: &[(i64, f64)],
        to: Calendar,
        option: DeliveryOption,
        clock: (CalendarDate, u8),
    ) -> Vec<Shipment> {
        plan.picks
            .iter()
            .map(|pick| Shipment {
                centre: self.state.centres.name(pick.centre_id).to_owned(),
                quantity: pick.quantity,
                arrives: option.arrival_day(
                    clock.0,
                    clock.1,
                    nearest
                        .iter()
                        .find(|(id, _)| *id == pick.centre_id)
                        .map_or(f64::MAX, |(_, km)| *km),
                    self.state.centres.route(pick.centre_id, to),
                ),
            })
            .collect()
    }

    /// Plans and prices `lines` on `conn` for delivery to `region` by `option`: the
    /// checks every order passes, shared by the cart page and placing the order.
    pub(crate) async fn price_on(
        &self,
        conn: &mut Conn,
        lines: &[CartLine],
        region: &str,
        option: DeliveryOption,
    ) -> Result<Priced, ShopError> {
        let nearest = self.state.centres.nearest_first(region);
        let to = Calendar::of_region(region);
        let (sales, unknown) = self.plan(conn, lines, &nearest).await?;
        let clock = super::clock::uk_clock(unix_now());
        let to_price: Vec<LineToPrice> = sales
            .iter()
            .map(|(line, row, _)| LineToPrice {
                unit_price: row.unit_price(),
                quantity: line.quantity,
            })
            .collect();
        let zero = Money::zero(Currency::Gbp);
        let quote = quote(&to_price, option).unwrap_or_else(|_| Quote {
            line_totals: vec![zero; to_price.len()],
            subtotal: zero,
            delivery: zero,
            total: zero,
        });
        let to_charge: Vec<LineToCharge> = sales
            .iter()
            .map(|(_, row, plan)| LineToCharge {
                unit_price: row.unit_price(),
                now: plan.shipping_now(),
                later: plan.backordered,
                back_on: row.back_on,
            })
            .collect();
        let charges = charge_plan(&to_charge, quote.delivery).map_err(internal)?;
        let options = DeliveryOption::ALL
            .into_iter()
            .map(|o| DeliveryQuote {
                option: o,
                price: delivery_for(quote.subtotal, o),
                arrives: sales
                    .iter()
                    .flat_map(|(_, _, plan)| self.shipments(plan, &nearest, to, o, clock))
                    .map(|s| s.arrives)
                    .max(),
            })
            .collect();
        Ok(Priced {
            sales,
            unknown,
            quote,
            charges,
            options,
            nearest,
            to,
            clock,
        })
    }

    /// The cart with today's prices, stock, shipping plan and charges. Unknown variants
    /// are reported, not fatal.
    pub async fn price_cart(
        &self,
        lines: &[CartLine],
        region: &str,
        option: DeliveryOption,
    ) -> Result<PricedCart, ShopError> {
        // An empty cart is fine here; anything else must be a cart the shop could sell.
        let lines = if lines.is_empty() {
            Vec::new()
        } else {
            check_lines(lines).map_err(ShopError::Invalid)?
        };
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let p = self.price_on(&mut conn, &lines, region, option).await?;
        let dispatch = dispatch_words(p.clock, p.dispatching_calendar(&self.state.centres));
        let mut priced = Vec::new();
        for ((line, row, plan), line_total) in p.sales.iter().zip(&p.quote.line_totals) {
            priced.push(PricedLine {
                variant_id: row.variant_id,
                variant_label: row.label(),
                availability: row.availability(),
                back_on: row.back_on,
                image: image_url(&row.product_slug),
                product_slug: row.product_slug.clone(),
                product_name: row.product_name.clone(),
                unit_price: row.unit_price(),
                quantity: line.quantity,
                line_total: *line_total,
                shipments: self.shipments(plan, &p.nearest, p.to, option, p.clock),
                backordered: plan.backordered,
            });
        }
        Ok(PricedCart {
            lines: priced,
            unknown: p.unknown,
            subtotal: p.quote.subtotal,
            delivery: p.quote.delivery,
            total: p.quote.total,
            delivery_option: option,
            options: p.options,
            dispatch,
            free_delivery_note: free_delivery_note(p.quote.subtotal),
            charges: p.charges,
        })
    }

    /// Checks an order against the catalog and stock on `conn` (the write transaction
    /// when placing it): unknown items, stock that ran short, waiting items the shopper
    /// did not agree to. Answers the plan and the prices.
    pub(crate) async fn check(
        &self,
        conn: &mut Conn,
        order: &OrderToPlace<'_>,
    ) -> Result<Priced, ShopError> {
        let p = self
            .price_on(conn, order.lines, order.region, order.delivery)
            .await?;
        if !p.unknown.is_empty() {
            return Err(ShopError::Invalid(
                p.unknown
                    .iter()
                    .map(|id| {
                        FieldError::new(
                            Field::Line(*id),
                            "We no longer sell this item. Please remove it from your cart.",
                        )
                    })
                    .collect(),
            ));
        }
        let short: Vec<StockProblem> = p
            .sales
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
        let latest_wait = p
            .sales
            .iter()
            .filter(|(_, _, plan)| plan.backordered > 0)
            .filter_map(|(_, row, _)| row.back_on)
            .max();
        if let (Some(when), false) = (latest_wait, order.accept_backorder) {
            return Err(ShopError::invalid(
                Field::Backorder,
                format!("Some items can only follow later, around {}. Please tick the box to say that's fine, or lower the quantity.", when.short_label()),
            ));
        }
        Ok(p)
    }

    /// Writes a checked, paid order on the write transaction `tx`: takes the stock as
    /// planned, records the lines, the payment and the card (brand, last four, token),
    /// the offers consent if given, and queues the receipt. The caller commits, then
    /// calls [`Self::after_commit`].
    pub(crate) async fn write(
        &self,
        tx: &mut Conn,
        order: &OrderToPlace<'_>,
        p: &Priced,
        payment: &PaymentTaken<'_>,
    ) -> Result<PlacedOrder, ShopError> {
        let details = order.details;
        let number = order_number_from_bits(rand::rng().random::<u64>());
        let key = random_token(24);
        let now = unix_now();
        let a = &details.address;
        let arrives = p
            .options
            .iter()
            .find(|o| o.option == order.delivery)
            .and_then(|o| o.arrives);
        let delivery_due = if p.charges.now_units == 0 {
            p.quote.delivery.minor
        } else {
            0
        };
        let order_id: i64 = sqlx::query_scalar(
            "INSERT INTO orders (number, access_key, status, email, phone, ship_name, ship_line1, ship_line2, ship_city,
                                 ship_postcode, ship_country, currency, subtotal_minor, delivery_minor, total_minor, placed_at,
                                 delivery_option, arrives_on, card_brand, card_last4, card_token, delivery_due_minor, placed_by,
                                 account_email)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) RETURNING id",
        )
        .bind(&number)
        // Only the key's hash is kept (order_keys).
        .bind("")
        .bind(OrderStatus::Placed.as_str())
        .bind(&details.email)
        .bind(&details.phone)
        .bind(&a.name)
        .bind(&a.line1)
        .bind(&a.line2)
        .bind(&a.city)
        .bind(&a.postcode)
        .bind(&a.country)
        .bind(p.quote.total.currency.code())
        .bind(p.quote.subtotal.minor)
        .bind(p.quote.delivery.minor)
        .bind(p.quote.total.minor)
        .bind(now)
        .bind(order.delivery.as_str())
        .bind(arrives.map(|d| d.to_string()))
        .bind(payment.card.brand.name())
        .bind(&payment.card.last4)
        .bind(payment.token)
        .bind(delivery_due)
        .bind(order.placed_by)
        .bind(order.account)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if let (Some(account), true) = (order.account, order.save_address) {
            super::accounts::save_address(&mut *tx, account, a, &details.phone, now)
                .await
                .map_err(internal)?;
        }

        sqlx::query("INSERT INTO order_keys (order_id, key_hash, created_at) VALUES ($1, $2, $3)")
            .bind(order_id)
            .bind(super::session::digest(&key))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let mut picks = Vec::new();
        for ((line, row, plan), line_total) in p.sales.iter().zip(&p.quote.line_totals) {
            let line_id: i64 = sqlx::query_scalar(
                "INSERT INTO order_lines (order_id, variant_id, product_name, variant_label, quantity, unit_price_minor, line_total_minor, backordered)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
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
            take_stock(&mut *tx, line_id, line, row.price_minor, plan, &mut picks).await?;
        }
        sqlx::query("INSERT INTO order_events (order_id, status, at) VALUES ($1, $2, $3)")
            .bind(order_id)
            .bind(OrderStatus::Placed.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let payment_id: i64 = sqlx::query_scalar(
            "INSERT INTO payments (order_id, amount_minor, currency, purpose, status, \"authorization\", created_at, settled_at)
             VALUES ($1, $2, $3, 'checkout', 'authorized', $4, $5, $6) RETURNING id",
        )
        .bind(order_id)
        .bind(payment.amount.minor)
        .bind(payment.amount.currency.code())
        .bind(payment.authorization)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if !picks.is_empty() {
            super::fulfilment::checkout_shipments(
                &mut *tx,
                order_id,
                payment_id,
                payment.amount,
                &picks,
            )
            .await?;
        }
        if order.offers {
            // Counted only once the address's owner opens the link mailed now.
            let token = super::random_token(32);
            sqlx::query(
                "INSERT INTO marketing_consents (email, wording, given_at, order_id, confirm_hash) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&details.email)
            .bind(OFFERS_CONSENT)
            .bind(now)
            .bind(order_id)
            .bind(super::session::digest(&token))
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
            let (subject, body) = storefront_domain::account::offers_confirm_mail(&format!(
                "{}/offers/confirm?token={token}",
                self.state.config.public_url.trim_end_matches('/')
            ));
            mail::queue(
                &mut *tx,
                mail::Mail {
                    to: &details.email,
                    subject: &subject,
                    body: &body,
                },
            )
            .await
            .map_err(internal)?;
        }
        let placed = PlacedOrder { number, key };
        let receipt = self.receipt(order, p, payment, &placed, arrives);
        mail::queue(
            &mut *tx,
            mail::Mail {
                to: &details.email,
                subject: &receipt.subject,
                body: &receipt.body,
            },
        )
        .await
        .map_err(internal)?;
        tracing::info!(order = %placed.number, total = %p.quote.total, now = %payment.amount, "order placed");
        Ok(placed)
    }

    /// After an order is committed: pages showing its stock, the search index, the
    /// receipt and the recommendations hear of it.
    pub(crate) async fn after_commit(&self, p: &Priced) {
        let variants: Vec<i64> = p.sales.iter().map(|(line, _, _)| line.variant_id).collect();
        self.state.stock().publish(&variants).await;
        // Search shows stock too; the order stands even if this refresh fails.
        let products: Vec<i64> = p.sales.iter().map(|(_, row, _)| row.product_id).collect();
        if let Err(e) = self.state.refresh_search(Some(&products)).await {
            tracing::error!(%e, "search index not refreshed after an order");
        }
        self.state.deliver_mail_soon();
        // What was bought together counts for recommendations from now on.
        self.state.recommendations().order_placed();
    }

    /// The receipt mail for a placed order.
    fn receipt(
        &self,
        order: &OrderToPlace<'_>,
        p: &Priced,
        payment: &PaymentTaken<'_>,
        placed: &PlacedOrder,
        arrives: Option<CalendarDate>,
    ) -> receipt::Receipt {
        let lines: Vec<receipt::ReceiptLine> = p
            .sales
            .iter()
            .zip(&p.quote.line_totals)
            .map(|((line, row, plan), total)| receipt::ReceiptLine {
                name: format!("{} ({})", row.product_name, row.label()),
                quantity: line.quantity,
                total: *total,
                waiting: plan.backordered,
                around: row.back_on,
            })
            .collect();
        receipt::receipt(&receipt::ReceiptFacts {
            name: &order.details.address.name,
            number: &placed.number,
            lines: &lines,
            subtotal: p.quote.subtotal,
            delivery: p.quote.delivery,
            delivery_option: order.delivery,
            total: p.quote.total,
            charges: &p.charges,
            dispatch: &dispatch_words(p.clock, p.dispatching_calendar(&self.state.centres)),
            card: payment.card,
            arrives,
            address: &order.details.address,
            status_link: &format!("{}{}", self.state.config.public_url, placed.status_path()),
            help: &self.state.help,
        })
    }

    /// Mails a new private link to order `id`'s email address.
    pub(crate) async fn mail_link(&self, id: i64, why: &str) -> Result<(), ShopError> {
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        async {
            let (number, email, name): (String, String, String) =
                sqlx::query_as("SELECT number, email, ship_name FROM orders WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            let words = format!(
                "{why}\n\nThe link below is private: anyone who has it can see the order, so please don't share it. \
                 Didn't ask for this? You can ignore this email; nothing has changed."
            );
            super::fulfilment::queue_order_mail(
                &mut tx,
                self.state,
                &super::fulfilment::Customer {
                    order_id: id,
                    number: &number,
                    email: &email,
                    name: &name,
                },
                &format!("The link to your order {number}"),
                &words,
            )
            .await?;
            tx.commit().await
        }
        .await
        .map_err(internal)?;
        self.state.deliver_mail_soon();
        Ok(())
    }

    /// "Find my order": if `number` and `email` belong to one order, its link is mailed
    /// to that address. The answer is the same whether or not they match (and comes
    /// before the lookup is done), so it tells a guesser nothing; both the sender's
    /// address and the order number are rate-limited.
    pub async fn find(&self, number: &str, email: &str) -> Result<String, ShopError> {
        let number = number.trim().to_ascii_uppercase();
        let mut problems = Vec::new();
        if !is_order_number(&number) {
            problems.push(FieldError::new(
                Field::OrderNumber,
                "An order number looks like SF-7K3M9QX2: SF, a dash and 8 letters and digits. It's at the top of your receipt.",
            ));
        }
        let email = match storefront_domain::validation::check_email(email) {
            Ok(e) => Some(e),
            Err(m) => {
                problems.push(FieldError::new(Field::Email, m));
                None
            }
        };
        let Some(email) = email.filter(|_| problems.is_empty()) else {
            return Err(ShopError::Invalid(problems));
        };
        let caller = super::session::Caller::current();
        let desk = &self.state.desk;
        let too_many = |wait: i64| {
            ShopError::TooMany(format!(
                "You've asked for order links a lot just now. Please try again in {} minutes, or call us and we'll find it.",
                storefront_domain::rate::minutes_to_wait(wait)
            ))
        };
        desk.limit(
            &format!("find-order-ip:{}", caller.ip),
            FIND_ORDER_PER_ADDRESS,
        )
        .await
        .map_err(too_many)?;
        desk.limit(&format!("find-order:{number}"), FIND_ORDER_PER_NUMBER)
            .await
            .map_err(too_many)?;
        let state = self.state.clone();
        // Looked up and mailed after the answer, so the answer's timing says nothing either.
        tokio::spawn(async move {
            let found: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
                "SELECT id FROM orders WHERE number = $1 AND email = $2 COLLATE NOCASE",
            )
            .bind(&number)
            .bind(&email)
            .fetch_optional(&state.db.read)
            .await;
            match found {
                Ok(Some(id)) => {
                    if let Err(e) = state
                        .orders()
                        .mail_link(id, "Here is the link you asked for on our website.")
                        .await
                    {
                        tracing::error!(%e, "order link not mailed");
                    }
                }
                Ok(None) => tracing::info!("find my order: no match"),
                Err(e) => tracing::error!(%e, "find my order: lookup failed"),
            }
        });
        Ok(FIND_ORDER_ANSWER.to_owned())
    }

    /// Cancels what hasn't shipped of the order behind `number` and `key`, for its
    /// customer (see [`super::changes::Changes::cancel_rest`]).
    pub async fn cancel_rest(&self, number: &str, key: &str) -> Result<OrderView, ShopError> {
        let id = self.unlock(number, key).await?;
        self.state.changes().cancel_rest(id, "").await?;
        self.view_by_id(id).await
    }

    /// Cancels the order behind `number` and `key` for its customer (see
    /// [`super::fulfilment::Fulfilment::cancel`]).
    pub async fn cancel(&self, number: &str, key: &str) -> Result<OrderView, ShopError> {
        let id = self.unlock(number, key).await?;
        self.state.fulfilment().cancel(id, "customer").await?;
        self.view_by_id(id).await
    }

    /// The id of the order with this number, if `key` is one of its private keys. Only
    /// hashes of keys are stored; each is compared in constant time, all of them. With
    /// no key, the caller's account session opens the orders placed under its address.
    pub async fn unlock(&self, number: &str, key: &str) -> Result<i64, ShopError> {
        let number = number.trim().to_ascii_uppercase();
        let key = key.trim();
        if !is_order_number(&number) {
            return Err(order_not_found());
        }
        if key.is_empty() {
            let caller = super::session::Caller::current();
            let Some(email) = self.state.accounts().signed_in(&caller).await? else {
                return Err(order_not_found());
            };
            return sqlx::query_scalar(&format!(
                "SELECT id FROM orders o WHERE {} AND number = $3",
                super::accounts::ACCOUNT_ORDERS
            ))
            .bind(&email)
            .bind(&email)
            .bind(&number)
            .fetch_optional(&self.state.db.read)
            .await
            .map_err(internal)?
            .ok_or_else(order_not_found);
        }
        let hashes: Vec<(i64, String)> = sqlx::query_as(
            "SELECT k.order_id, k.key_hash FROM order_keys k JOIN orders o ON o.id = k.order_id WHERE o.number = $1",
        )
        .bind(&number)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        let presented = super::session::digest(key);
        let matched = hashes.iter().fold(None, |found, (id, hash)| {
            if same_secret(hash, &presented) {
                Some(*id)
            } else {
                found
            }
        });
        matched.ok_or_else(order_not_found)
    }

    /// Starts a return for the customer of the order behind `number` and `key` (see
    /// [`super::returns::Returns::start`]); answers the order as it is now.
    pub async fn start_return(
        &self,
        number: &str,
        key: &str,
        request: &ReturnRequest,
    ) -> Result<OrderView, ShopError> {
        let id = self.unlock(number, key).await?;
        self.state.returns().start(id, request, "").await?;
        self.view_by_id(id).await
    }

    /// What `change` would do to the order behind `number` and `key`.
    pub async fn preview_change(
        &self,
        number: &str,
        key: &str,
        change: &OrderChange,
    ) -> Result<ChangePreview, ShopError> {
        let id = self.unlock(number, key).await?;
        self.state.changes().preview(id, change).await
    }

    /// Changes the order behind `number` and `key` for its customer, if its new total is
    /// still `expected_total`; answers the order as it is now.
    pub async fn change(
        &self,
        number: &str,
        key: &str,
        change: &OrderChange,
        expected_total: i64,
        bank: Option<bool>,
    ) -> Result<ChangeOutcome, ShopError> {
        let id = self.unlock(number, key).await?;
        match self
            .state
            .changes()
            .apply(id, change, expected_total, "", true, bank)
            .await?
        {
            super::changes::Applied::Done => {
                Ok(ChangeOutcome::Changed(Box::new(self.view_by_id(id).await?)))
            }
            super::changes::Applied::ConfirmWithBank(amount, card) => {
                Ok(ChangeOutcome::ConfirmWithBank { amount, card })
            }
        }
    }

    /// The printable label of a return of the order behind `number` and `key`.
    pub async fn return_label(
        &self,
        number: &str,
        key: &str,
        code: &str,
    ) -> Result<ReturnLabel, ShopError> {
        let id = self.unlock(number, key).await?;
        self.state.returns().label(id, code).await
    }

    /// The order with this number, if `key` is one of its private keys.
    pub async fn view(&self, number: &str, key: &str) -> Result<OrderView, ShopError> {
        let id = self.unlock(number, key).await?;
        self.view_by_id(id).await
    }

    /// An order as its status page shows it (for whoever has already proved they may).
    pub(crate) async fn view_by_id(&self, id: i64) -> Result<OrderView, ShopError> {
        let not_found = order_not_found;
        let row: Option<OrderRow> = sqlx::query_as(
            "SELECT id, number, status, email, ship_name, ship_line1, ship_line2, ship_city, ship_postcode,
                    ship_country, currency, subtotal_minor, delivery_minor, total_minor, placed_at,
                    phone, delivery_option, arrives_on, card_brand, card_last4, delivery_due_minor, placed_by
             FROM orders WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?;
        let Some(o) = row else {
            return Err(not_found());
        };
        let lines: Vec<OrderLineRow> = sqlx::query_as(&format!(
            "SELECT l.id, l.variant_id, l.exchange_for, l.product_name, l.variant_label, l.quantity, l.unit_price_minor, l.line_total_minor, l.backordered, v.restock_on,
                    {} AS shipped
             FROM order_lines l JOIN variants v ON v.id = l.variant_id WHERE l.order_id = $1 ORDER BY l.id",
            super::changes::SHIPPED_UNITS
        ))
        .bind(o.id)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        let charged: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(captured_minor), 0) FROM payments WHERE order_id = $1",
        )
        .bind(o.id)
        .fetch_one(&self.state.db.read)
        .await
        .map_err(internal)?;
        let waiting: Vec<LineToCharge> = lines
            .iter()
            .filter(|l| l.backordered > 0)
            .map(|l| LineToCharge {
                unit_price: money(l.unit_price_minor, &o.currency),
                now: 0,
                later: u32::try_from(l.backordered).unwrap_or(0),
                back_on: l.restock_on.as_deref().and_then(CalendarDate::parse_iso),
            })
            .collect();
        let to_charge_later = charge_plan(&waiting, money(o.delivery_due_minor, &o.currency))
            .map_err(internal)?
            .later;
        let events: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, at FROM order_events WHERE order_id = $1 ORDER BY id")
                .bind(o.id)
                .fetch_all(&self.state.db.read)
                .await
                .map_err(internal)?;
        let (shipments, returns, refunded, change_refused, mut choices, changes, rest_cancellable) = {
            let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
            let shipments = super::fulfilment::shipments_of(&mut conn, o.id, &self.state.centres)
                .await
                .map_err(internal)?;
            let returns = super::returns::returns_of(&mut conn, self.state, o.id)
                .await
                .map_err(internal)?;
            let refunded: i64 = sqlx::query_scalar(
                "SELECT COALESCE(SUM(refunded_minor), 0) FROM payments WHERE order_id = $1",
            )
            .bind(o.id)
            .fetch_one(&mut *conn)
            .await
            .map_err(internal)?;
            let change_refused = super::changes::Changes::refused(&mut conn, o.id)
                .await
                .map_err(internal)?;
            let rest_cancellable = super::changes::Changes::rest_cancellable(&mut conn, o.id)
                .await
                .map_err(internal)?;
            let mut choices = Vec::new();
            if change_refused.is_none() {
                for l in &lines {
                    choices.push(
                        variants_of_product(&mut conn, l.variant_id)
                            .await
                            .map_err(internal)?,
                    );
                }
            }
            let changes: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT at, by_whom, summary, money FROM order_changes WHERE order_id = $1 ORDER BY id",
            )
            .bind(o.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(internal)?;
            let changes = changes
                .into_iter()
                .map(|(at, by, summary, money)| {
                    let (on, minute) = super::clock::uk_local(at);
                    ChangeRecord {
                        on,
                        time: storefront_domain::date::clock_label(minute),
                        by: Some(by).filter(|b| !b.is_empty()),
                        what: summary.split("; ").map(str::to_owned).collect(),
                        money,
                    }
                })
                .collect();
            (
                shipments,
                returns,
                refunded,
                change_refused,
                choices,
                changes,
                rest_cancellable,
            )
        };
        Ok(OrderView {
            rest_cancellable,
            placed_by: Some(o.placed_by.clone()).filter(|b| !b.is_empty()),
            shipments,
            returns,
            change_refused,
            changes,
            refunded: money(refunded, &o.currency),
            number: o.number.clone(),
            status: OrderStatus::parse(&o.status).ok_or(ShopError::Internal)?,
            placed_on: super::date_of(o.placed_at),
            email: o.email,
            phone: o.phone,
            delivery_option: DeliveryOption::parse(&o.delivery_option).unwrap_or_default(),
            arrives: o.arrives_on.as_deref().and_then(CalendarDate::parse_iso),
            card: o
                .card_brand
                .as_deref()
                .and_then(CardBrand::parse)
                .zip(o.card_last4)
                .map(|(brand, last4)| CardOnFile { brand, last4 }),
            charged: money(charged, &o.currency),
            to_charge_later,
            address: o.ship_to.address(),
            lines: lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| OrderLine {
                    line_id: l.id,
                    variant_id: l.variant_id,
                    choices: choices.get_mut(i).map(std::mem::take).unwrap_or_default(),
                    exchange: l.exchange_for.is_some(),
                    product_name: l.product_name,
                    variant_label: l.variant_label,
                    quantity: u32::try_from(l.quantity).unwrap_or(0),
                    unit_price: money(l.unit_price_minor, &o.currency),
                    line_total: money(l.line_total_minor, &o.currency),
                    backordered: u32::try_from(l.backordered).unwrap_or(0),
                    shipped: u32::try_from(l.shipped).unwrap_or(0),
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
