//! The cart as priced by the shop, placing an order, and an order's status.

use super::ShopError;
use crate::domain::cart::CartLine;
use crate::domain::date::CalendarDate;
use crate::domain::money::Money;
use crate::domain::order::OrderStatus;
use crate::domain::stock::Availability;
use crate::domain::validation::{Address, CheckoutDetails};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

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
}

impl PricedLine {
    /// Whether the shop can sell this line as it stands.
    pub fn can_ship(&self) -> bool {
        self.availability.available() >= self.quantity
    }
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
}

impl PricedCart {
    pub fn can_check_out(&self) -> bool {
        !self.lines.is_empty()
            && self.unknown.is_empty()
            && self.lines.iter().all(PricedLine::can_ship)
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
    pub product_name: String,
    pub variant_label: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

/// An order as its status page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub number: String,
    pub status: OrderStatus,
    pub placed_on: CalendarDate,
    pub email: String,
    pub address: Address,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    pub delivery: Money,
    pub total: Money,
    /// Each status reached so far, with the day it was reached.
    pub history: Vec<(OrderStatus, CalendarDate)>,
}

/// Prices the cart with the shop's own prices and current stock.
#[server(prefix = "/api", endpoint = "price_cart", input = Json)]
pub async fn price_cart(lines: Vec<CartLine>) -> Result<PricedCart, ShopError> {
    super::state()?.orders().price_cart(&lines).await
}

/// Places a guest order: checks the details, prices from the catalog, takes the stock
/// in one transaction, and answers the order number.
#[server(prefix = "/api", endpoint = "place_order", input = Json)]
pub async fn place_order(
    details: CheckoutDetails,
    lines: Vec<CartLine>,
) -> Result<PlacedOrder, ShopError> {
    super::state()?.orders().place(&details, &lines).await
}

/// An order's status, for the holder of its private key.
#[server(prefix = "/api", endpoint = "order_status")]
pub async fn get_order(number: String, key: String) -> Result<OrderView, ShopError> {
    super::state()?.orders().view(&number, &key).await
}
