//! The warehouse back-office's functions, under `/api/warehouse`: the shipments each
//! distribution centre has to pack and ship, and receiving stock. Every one but sign-in
//! needs a warehouse session; anyone else is answered 401.

use serde::{Deserialize, Serialize};
use storefront_domain::date::CalendarDate;
use storefront_domain::delivery::DeliveryOption;
use storefront_domain::fulfilment::{Carrier, ShipmentStatus};
use storefront_domain::money::Money;
use storefront_domain::returns::{ReturnReason, ReturnStatus};
use storefront_domain::validation::Address;

/// The signed-in member of the warehouse team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub name: String,
}

/// A distribution centre to choose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreChoice {
    pub code: String,
    pub name: String,
}

/// Units of one product in a parcel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickLine {
    pub sku: String,
    pub product_name: String,
    pub variant_label: String,
    pub quantity: u32,
}

/// One shipment as the warehouse works on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentTask {
    pub id: i64,
    pub order_number: String,
    pub placed_on: CalendarDate,
    pub address: Address,
    pub delivery_option: DeliveryOption,
    pub lines: Vec<PickLine>,
    pub status: ShipmentStatus,
    /// Set when its money cannot be taken yet (the bank declined the later charge):
    /// keep the parcel until customer service has sorted it out.
    pub payment_problem: Option<String>,
    pub carrier: Option<Carrier>,
    pub tracking: Option<String>,
}

/// A centre's work: to pack, packed (waiting for the courier), shipped today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreWork {
    pub centre: CentreChoice,
    pub centres: Vec<CentreChoice>,
    pub to_pack: Vec<ShipmentTask>,
    pub packed: Vec<ShipmentTask>,
    pub shipped_today: Vec<ShipmentTask>,
}

/// What receiving stock did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub sku: String,
    pub centre: String,
    pub quantity: u32,
    /// Units that went straight to waiting orders, and those orders' numbers.
    pub to_backorders: u32,
    pub orders_served: Vec<String>,
    /// "Back in stock" mails queued (each sign-up is then deleted).
    pub alerts_mailed: u32,
    /// Units free to sell at all centres afterwards.
    pub available_now: u32,
}

impl Received {
    /// One sentence for the person at the screen.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "Received {} × {} at {}.",
            self.quantity, self.sku, self.centre
        );
        if self.to_backorders > 0 {
            s.push_str(&format!(
                " {} went to waiting orders ({}): they are now in To pack.",
                self.to_backorders,
                self.orders_served.join(", ")
            ));
        }
        if self.alerts_mailed > 0 {
            s.push_str(&format!(
                " {} \"back in stock\" mails sent.",
                self.alerts_mailed
            ));
        }
        s.push_str(&format!(" {} now free to sell.", self.available_now));
        s
    }
}

/// A return as the returns desk works on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnTask {
    pub id: i64,
    pub code: String,
    pub order_number: String,
    pub customer: String,
    pub reason: ReturnReason,
    pub lines: Vec<PickLine>,
    pub status: ReturnStatus,
    pub requested_on: CalendarDate,
    pub received_on: Option<CalendarDate>,
    /// What refunding it gives back now (the delivery charge too when it is the last of
    /// the order), and the day it is due by once received.
    pub refund: Money,
    pub refund_by: Option<CalendarDate>,
    /// Whether refunding puts the units back on sale (not when faulty).
    pub restock: bool,
    pub refused_because: Option<String>,
    /// What accepting it sends out in exchange ("1 × Merino Crew (Navy, L)").
    pub exchange: Vec<String>,
}

/// A centre's returns: on their way, received and to check (due first), settled today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnsWork {
    pub centre: CentreChoice,
    pub on_the_way: Vec<ReturnTask>,
    pub to_check: Vec<ReturnTask>,
    pub settled_today: Vec<ReturnTask>,
}
