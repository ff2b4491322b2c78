//! A customer's account as the browser sees it: who is signed in and their orders.

use serde::{Deserialize, Serialize};
use storefront_domain::date::CalendarDate;
use storefront_domain::money::Money;
use storefront_domain::order::OrderStatus;

/// The signed-in customer's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The address the sign-in link was opened from: verified.
    pub email: String,
    /// Every order placed under that address, newest first.
    pub orders: Vec<AccountOrder>,
}

/// One order in the account's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOrder {
    pub number: String,
    pub status: OrderStatus,
    pub placed_on: CalendarDate,
    pub total: Money,
    /// Units ordered, all lines together.
    pub items: u32,
}

impl AccountOrder {
    /// Its status page: a signed-in customer needs no private key in the link.
    pub fn href(&self) -> String {
        format!("/orders/{}", self.number)
    }
}
