//! The cart as priced by the shop, placing an order, and an order's status.

use serde::{Deserialize, Serialize};
use storefront_domain::date::CalendarDate;
use storefront_domain::delivery::DeliveryOption;
use storefront_domain::fulfilment::{Carrier, ShipmentStatus};
use storefront_domain::money::Money;
use storefront_domain::order::OrderStatus;
use storefront_domain::payment::CardOnFile;
use storefront_domain::pricing::{ChargePlan, LaterCharge};
use storefront_domain::returns::{ReturnReason, ReturnStatus};
use storefront_domain::stock::Availability;
use storefront_domain::validation::Address;

/// A cart line with the shop's current price and stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub variant_id: i64,
    pub product_slug: String,
    pub product_name: String,
    pub variant_label: String,
    pub image: String,
    pub unit_price: Money,
    pub quantity: u32,
    pub line_total: Money,
    pub availability: Availability,
    /// Where the units shipping now come from (nearest centre first) and when they arrive.
    pub shipments: Vec<Shipment>,
    /// Units no centre has now; they can only wait for the restock on `back_on`.
    pub backordered: u32,
    /// When more is expected, if it is.
    pub back_on: Option<CalendarDate>,
}

/// Units of a line shipping from one centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub centre: String,
    pub quantity: u32,
    pub arrives: CalendarDate,
}

impl Shipment {
    /// "2 from Leeds, arriving Tue 25 Nov".
    pub fn label(&self) -> String {
        format!(
            "{} from {}, arriving {}",
            self.quantity,
            self.centre,
            storefront_domain::delivery::arrival_label(self.arrives)
        )
    }
}

impl PricedLine {
    /// Whether every unit can ship now.
    pub fn can_ship(&self) -> bool {
        self.backordered == 0
    }

    /// Whether the line can be ordered at all: it ships now, or the rest is expected back.
    pub fn can_order(&self) -> bool {
        self.can_ship() || self.back_on.is_some()
    }

    /// "1 more around 3 Dec", for a line partly or wholly waiting.
    pub fn waiting_label(&self) -> Option<String> {
        match (self.backordered, self.back_on) {
            (0, _) | (_, None) => None,
            (n, Some(date)) if n == self.quantity => Some(format!(
                "All {n} follow when back in stock, around {}",
                date.short_label()
            )),
            (n, Some(date)) => Some(format!("{n} more follow around {}", date.short_label())),
        }
    }
}

/// A delivery option as offered for this cart and address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryQuote {
    pub option: DeliveryOption,
    pub price: Money,
    /// When everything shipping now has arrived (none if nothing ships now).
    pub arrives: Option<CalendarDate>,
}

/// The cart priced by the shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedCart {
    pub lines: Vec<PricedLine>,
    /// Variants in the cart the shop no longer sells.
    pub unknown: Vec<i64>,
    pub subtotal: Money,
    pub delivery: Money,
    pub total: Money,
    /// The option `delivery`, `total` and the shipments' dates are for.
    pub delivery_option: DeliveryOption,
    /// Every option with its price and arrival date.
    pub options: Vec<DeliveryQuote>,
    /// What is charged now and what later.
    pub charges: ChargePlan,
    /// When what ships now leaves: "today", "tomorrow", "on Mon 24 Nov".
    pub dispatch: String,
    /// How the free-delivery threshold applies to this cart.
    pub free_delivery_note: String,
}

impl PricedCart {
    pub fn can_check_out(&self) -> bool {
        !self.lines.is_empty()
            && self.unknown.is_empty()
            && self.lines.iter().all(PricedLine::can_order)
    }

    /// Lines with units that wait for a restock.
    pub fn waiting(&self) -> impl Iterator<Item = &PricedLine> {
        self.lines.iter().filter(|l| l.backordered > 0)
    }
}

/// What the shopper needs to find their order again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub number: String,
    /// A private key: the status page needs number and key together.
    pub key: String,
}

impl PlacedOrder {
    pub fn status_path(&self) -> String {
        format!("/orders/{}?key={}", self.number, self.key)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The order line and the variant it is, for changing it.
    pub line_id: i64,
    pub variant_id: i64,
    /// The sizes and colours it may change to (its product's variants), while the order
    /// can change; empty otherwise.
    pub choices: Vec<(i64, String)>,
    /// Set on a line sent in exchange for a returned one (it was not charged again).
    pub exchange: bool,
    pub product_name: String,
    pub variant_label: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    /// Units still waiting for stock, and when it is expected.
    pub backordered: u32,
    pub expected: Option<CalendarDate>,
    /// Units in parcels that have left: they stay as they are when the rest changes.
    pub shipped: u32,
}

/// An order as its status page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub number: String,
    pub status: OrderStatus,
    pub placed_on: CalendarDate,
    pub email: String,
    pub phone: String,
    pub address: Address,
    pub delivery_option: DeliveryOption,
    /// When what shipped at checkout arrives.
    pub arrives: Option<CalendarDate>,
    /// The card paid with ("Visa ending 4242").
    pub card: Option<CardOnFile>,
    /// Taken from the card so far: each parcel's money when it shipped.
    pub charged: Money,
    /// Still to be charged when waiting items ship.
    pub to_charge_later: Vec<LaterCharge>,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    pub delivery: Money,
    pub total: Money,
    /// Each status reached so far, with the day it was reached.
    pub history: Vec<(OrderStatus, CalendarDate)>,
    /// The parcels the order ships in, each with its own timeline.
    pub shipments: Vec<ShipmentView>,
    /// Given back to the card so far (refunded returns).
    pub refunded: Money,
    /// Returns asked for, oldest first.
    pub returns: Vec<ReturnView>,
    /// Changes made before it shipped, oldest first.
    pub changes: Vec<ChangeRecord>,
    /// Why the order can't be changed now (none: it can).
    pub change_refused: Option<String>,
    /// The agent who took it on the phone (none: placed on the website).
    pub placed_by: Option<String>,
    /// Set when part has shipped and the rest (parcels to pack, units waiting for
    /// stock) may be cancelled on its own.
    pub rest_cancellable: bool,
}

/// One change made to an order, as its timeline says it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRecord {
    pub on: CalendarDate,
    /// UK time, "14:05".
    pub time: String,
    /// "Sam at our contact centre"; none when the customer made it.
    pub by: Option<String>,
    pub what: Vec<String>,
    pub money: String,
}

/// A line of an order as it should be after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLine {
    /// The order line it changes (none: a new line).
    pub line_id: Option<i64>,
    pub variant_id: i64,
    /// 0 removes the line.
    pub quantity: u32,
}

/// The whole order as it should be: lines, address, delivery option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChange {
    pub lines: Vec<ChangeLine>,
    pub address: Address,
    pub delivery: DeliveryOption,
    /// A key the form makes once per change: sent again (a retry), it is not applied twice.
    pub attempt: String,
}

/// How confirming a change ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeOutcome {
    /// Made; the order as it is now.
    Changed(Box<OrderView>),
    /// The card's bank wants the shopper to confirm the larger hold (`amount`) first:
    /// send the change again with their answer.
    ConfirmWithBank { amount: Money, card: CardOnFile },
}

/// What a change would do, before it is confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePreview {
    /// One phrase per difference ("Merino Crew: Navy, M → Navy, L").
    pub what: Vec<String>,
    pub old_total: Money,
    pub subtotal: Money,
    pub delivery: Money,
    pub total: Money,
    /// The money in plain words ("£18.00 less: the hold on your Visa ending 4242 drops…").
    pub money: String,
    /// When it would arrive.
    pub arrives: Option<CalendarDate>,
}

/// One parcel of an order: where it comes from, what is in it, where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentView {
    /// The parcel, for asking to return some of it.
    pub id: i64,
    pub centre: String,
    pub status: ShipmentStatus,
    /// "2 × Merino crew (Navy, M)".
    pub items: Vec<String>,
    pub carrier: Option<Carrier>,
    pub tracking: Option<String>,
    /// The carrier's own tracking page, when it has one.
    pub tracking_url: Option<String>,
    /// Arrival promised when it shipped, and the latest estimate if that moved.
    pub promised: Option<CalendarDate>,
    pub expected: Option<CalendarDate>,
    /// What the card was charged when it shipped (none before).
    pub charged: Option<Money>,
    /// Oldest first.
    pub timeline: Vec<TimelineStep>,
    /// Its lines, with how many units of each may still be sent back.
    pub lines: Vec<ParcelLine>,
    /// When it was delivered, and the last day to send it back (unless faulty).
    pub delivered_on: Option<CalendarDate>,
    pub return_until: Option<CalendarDate>,
}

/// Units of one order line in a parcel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParcelLine {
    pub line_id: i64,
    pub product_name: String,
    pub variant_label: String,
    pub quantity: u32,
    pub unit_price: Money,
    /// Units that may still be sent back (delivered, in the window, not already returned).
    pub returnable: u32,
    /// Set when this kind comes back only if faulty.
    pub faulty_only: bool,
    /// The other sizes and colours it may be exchanged for.
    pub exchange_choices: Vec<(i64, String)>,
}

/// A return as the shopper (and the agent) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnView {
    pub code: String,
    pub status: ReturnStatus,
    pub reason: ReturnReason,
    /// "1 × Merino crew (Navy, M)".
    pub items: Vec<String>,
    /// The centre it goes back to.
    pub centre: String,
    pub requested_on: CalendarDate,
    /// Set when an agent started it for the customer ("Sam at our contact centre").
    pub requested_by: Option<String>,
    pub received_on: Option<CalendarDate>,
    /// The day the refund is due by, once received.
    pub refund_by: Option<CalendarDate>,
    pub settled_on: Option<CalendarDate>,
    /// Given back (when refunded).
    pub refund: Option<Money>,
    pub refused_because: Option<String>,
    /// What is sent in exchange ("1 × Merino Crew (Navy, L)"), reserved since the start.
    pub exchange: Vec<String>,
}

impl ReturnView {
    /// The printable label's address on the site.
    pub fn label_path(&self, number: &str, key: &str) -> String {
        format!("/orders/{number}/returns/{}?key={key}", self.code)
    }
}

/// Sending back units of one parcel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    pub shipment_id: i64,
    /// (order line, units).
    pub lines: Vec<(i64, u32)>,
    pub reason: String,
    /// (order line, variant): lines to swap for another size or colour of the same
    /// product instead of a refund.
    #[serde(default)]
    pub exchange: Vec<(i64, i64)>,
    /// A key the form makes once: sent again (a retry), it finds the same return.
    pub attempt: String,
}

/// The printable return label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLabel {
    pub code: String,
    pub order_number: String,
    pub from_name: String,
    pub from: Address,
    /// "Storefront Returns, Leeds distribution centre (LDS)".
    pub to: String,
    pub items: Vec<String>,
    pub reason: ReturnReason,
    pub status: ReturnStatus,
}

/// One step on a parcel's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineStep {
    pub status: ShipmentStatus,
    pub on: CalendarDate,
    /// UK time, "14:05".
    pub time: String,
    /// The courier's words ("Leeds hub") or the tracking number.
    pub detail: String,
}

/// Where an open status page listens for changes to its order.
pub fn order_events_url(number: &str, key: &str) -> String {
    format!("/api/live/order?number={number}&key={key}")
}
