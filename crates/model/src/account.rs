//! A customer's account as the browser sees it: who is signed in and their orders.

use serde::{Deserialize, Serialize};
use storefront_domain::date::CalendarDate;
use storefront_domain::money::Money;
use storefront_domain::order::OrderStatus;

use crate::orders::OrderView;

/// Where "Download your data" is served (the server's route and the page's link).
pub const ACCOUNT_DATA_PATH: &str = "/api/account/data";

/// The signed-in customer's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The address the sign-in link was opened from: verified.
    pub email: String,
    /// Every order placed under that address or while signed in to it, newest first.
    pub orders: Vec<AccountOrder>,
    /// Whether offers may be mailed to the address now (a consent given and not withdrawn).
    pub offers: bool,
    /// Every consent to marketing mail given for the address, with its words, newest first.
    pub consents: Vec<ConsentView>,
    /// "Email me when it's back" sign-ups for the address, newest first.
    pub alerts: Vec<AlertView>,
    /// Delivery addresses kept for checkout, most recently used first.
    pub addresses: Vec<SavedAddress>,
    /// The region delivery dates are worked out for, if the customer chose one.
    pub region: Option<String>,
    /// Each category that has sizes, with the customer's size in it.
    pub sizes: Vec<SizeChoice>,
    /// Chats answered by mail to the address, or started on this device, oldest first.
    pub chats: Vec<ConversationData>,
}

/// A delivery address an account keeps for checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAddress {
    pub id: i64,
    pub address: storefront_domain::validation::Address,
    /// The phone number for the courier that went with it.
    pub phone: String,
}

/// A category's sizes and the customer's size in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeChoice {
    /// The category's slug (what product pages know it by).
    pub category: String,
    /// The category's name.
    pub name: String,
    /// The sizes its products come in, in the shop's order.
    pub sizes: Vec<String>,
    pub preferred: Option<String>,
}

/// What checkout knows of a signed-in customer: the address to fill in and the saved
/// delivery addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutProfile {
    pub email: String,
    pub addresses: Vec<SavedAddress>,
}

/// A consent to marketing mail, exactly as it was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    /// The words the customer agreed to, as shown then.
    pub wording: String,
    pub given_on: CalendarDate,
    /// Opened the link mailed to the address (or given while signed in): only then counts.
    pub confirmed: bool,
    pub withdrawn_on: Option<CalendarDate>,
}

/// A back-in-stock sign-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: i64,
    pub product: String,
    /// The product page's address.
    pub slug: String,
    /// Colour and size ("Navy, M").
    pub variant: String,
    pub since: CalendarDate,
    /// Counts only once the link mailed to the address was opened.
    pub confirmed: bool,
    /// A price watch ("when its price goes down"), not a back-in-stock sign-up.
    #[serde(default)]
    pub lower_price: bool,
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

/// Everything the shop holds about a signed-in customer, as the "Download your data" file
/// (JSON) gives it. The README lists the fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountData {
    /// What this file is, in words.
    pub about: String,
    pub email: String,
    /// When you first opened a link we mailed to the address (what proves it's yours).
    pub email_verified_on: Option<CalendarDate>,
    /// When the file was made (unix seconds).
    pub exported_at: i64,
    /// Every order under the address, in full: address, phone, lines, parcels, payments
    /// taken and refunded, returns, changes.
    pub orders: Vec<OrderView>,
    pub consents: Vec<ConsentView>,
    /// The days offers by mail were sent to the address.
    #[serde(default)]
    pub offers_mailed_on: Vec<CalendarDate>,
    /// Back-in-stock and lower-price sign-ups.
    pub alerts: Vec<AlertView>,
    /// Chats answered by mail to the address, or started on this device.
    pub conversations: Vec<ConversationData>,
    /// Call-backs asked for on this device.
    pub callbacks: Vec<CallbackData>,
    /// Delivery addresses kept for checkout.
    pub saved_addresses: Vec<SavedAddress>,
    /// The region chosen for delivery dates, if any.
    pub region: Option<String>,
    /// The sizes chosen, by category (only those with a size).
    pub sizes: Vec<SizeChoice>,
    /// Ratings and reviews written from the account's orders, shown or not.
    #[serde(default)]
    pub reviews: Vec<ReviewData>,
    /// Devices signed in to the account now.
    pub signed_in_devices: u32,
}

/// A rating or review the customer wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewData {
    pub product: String,
    pub order_number: String,
    pub stars: u8,
    pub title: String,
    pub text: String,
    pub name: String,
    pub status: storefront_domain::reviews::ReviewStatus,
    pub reason: Option<String>,
    pub written_on: CalendarDate,
}

/// A chat with the shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationData {
    pub started_on: CalendarDate,
    /// Where replies are mailed when nobody is online to answer.
    pub reply_email: Option<String>,
    /// The page the customer had open when they last wrote.
    pub page: String,
    pub messages: Vec<MessageData>,
}

/// One message of a chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageData {
    /// "you" or "Storefront (agent's name)".
    pub from: String,
    pub text: String,
    pub sent_on: CalendarDate,
}

/// A call-back asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackData {
    pub reference: String,
    pub name: String,
    pub phone: String,
    pub when: String,
    pub topic: String,
    pub note: String,
}
