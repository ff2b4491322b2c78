//! The agent console's functions, under `/api/agent`. Every one but sign-in needs the
//! agent session cookie; a shopper's cookie, or none, is answered 401.

use super::account::{AlertView, ConsentView};
use super::orders::{OrderView, PricedCart};
use super::support::Conversation;
use serde::{Deserialize, Serialize};
use storefront_domain::date::CalendarDate;

/// The signed-in agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub name: String,
}

/// A conversation as the queue lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedChat {
    pub id: i64,
    /// The shopper's latest message, shortened.
    pub latest: String,
    /// Shopper messages since the last agent reply.
    pub unanswered: u32,
    pub page: String,
    /// Set when the shopper wrote while no one was online: answer by mail.
    pub reply_email: Option<String>,
    pub updated_at: i64,
}

/// A call-back request as the queue lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedCallback {
    pub id: i64,
    pub reference: String,
    pub name: String,
    pub phone: String,
    /// "Mon 23 Nov, 5pm to 8pm".
    pub when: String,
    pub topic: String,
    pub note: String,
    pub page: String,
    pub done: bool,
    pub requested_at: i64,
}

/// A message the shop could not deliver, waiting for staff to send it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    /// Tries made before it was parked.
    pub tries: u32,
    /// What the mail server (or the outbox) said the last time.
    pub error: String,
    pub parked_at: i64,
}

/// Everything waiting for an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    pub chats: Vec<QueuedChat>,
    pub callbacks: Vec<QueuedCallback>,
    /// Mail that could not be delivered (an address refused for good, or still failing
    /// after the last try).
    pub undelivered: Vec<ParkedMail>,
}

/// What the customer has in front of them, so phone and chat see the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerContext {
    pub page: String,
    /// Their cart, priced now; `None` when it is empty.
    pub cart: Option<PricedCart>,
    /// Orders placed from their browser (each proved by its private key).
    pub orders: Vec<OrderView>,
    /// Orders under the email address they typed into the chat. Anyone can type any
    /// address, so these may be someone else's until the agent has checked who they are.
    pub unverified_orders: Vec<OrderView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatDetail {
    pub conversation: Conversation,
    pub context: CustomerContext,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackDetail {
    pub callback: QueuedCallback,
    pub context: CustomerContext,
}

/// Server-sent events for the console: `queue` (something changed: read the queue and
/// the open item again), `typing` (`{"conversation": id}`).
pub const AGENT_EVENTS_URL: &str = "/api/agent/events";

/// An order taken on the phone: items by SKU, the caller's details, delivery, and the
/// gateway's token for the card they read out (the number goes to the gateway only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneOrder {
    /// (SKU, units).
    pub lines: Vec<(String, u32)>,
    pub details: storefront_domain::validation::CheckoutDetails,
    #[serde(default)]
    pub delivery: storefront_domain::delivery::DeliveryOption,
    pub card_token: String,
    /// One per order taken: pressing "Place the order" again never makes a second one.
    pub key: String,
    /// What the agent read back to the caller: held now, and the total.
    pub expected_now: storefront_domain::money::Money,
    pub expected_total: storefront_domain::money::Money,
}

/// One customer as the console shows them, found by an order number, an email address or
/// a phone number: the same service by phone as on the web.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerProfile {
    /// What the agent searched for, in words ("order SF-7K3M9QX2").
    pub found_by: String,
    /// The email address the profile is about, if one was found.
    pub email: Option<String>,
    /// When the address's owner first opened a link the shop mailed to it (signing in,
    /// confirming offers or a back-in-stock sign-up). `None`: nobody has proved it.
    pub verified_on: Option<CalendarDate>,
    /// Orders under the address (anyone can type any address at checkout), and for a
    /// phone search those with that phone; newest first, at most 20.
    pub orders: Vec<OrderView>,
    /// Orders under the address not listed (found by an order number: that one only).
    pub more_orders: u32,
    /// Chats where the address was typed in for replies by mail (typed: not proof).
    pub chats: Vec<ChatSummary>,
    /// Call-backs asked for to the phone numbers on those orders, or the one searched.
    pub callbacks: Vec<CallbackSummary>,
    /// Whether offers may be mailed now (a confirmed consent, not withdrawn).
    pub offers: bool,
    pub consents: Vec<ConsentView>,
    pub alerts: Vec<AlertView>,
}

/// A chat in a customer's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatSummary {
    pub id: i64,
    pub started_on: CalendarDate,
    pub open: bool,
    pub messages: u32,
    /// The latest message, shortened.
    pub latest: String,
}

/// A call-back in a customer's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackSummary {
    pub reference: String,
    pub name: String,
    pub phone: String,
    pub when: String,
    pub topic: String,
    pub done: bool,
}
