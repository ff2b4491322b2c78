//! Help as the shopper reaches it: the owner's help content, live chat with a person and
//! call-back requests. The shopper is known only by a random key in an `HttpOnly` cookie
//! set on their first message or request, so a reload or a second tab shows the same
//! conversation and no one else's. The agents' side is `agent.rs`, under its own prefix
//! and behind its own sign-in.

use super::orders::PlacedOrder;
use super::ShopError;
use crate::content::HelpContent;
use crate::domain::cart::CartLine;
use crate::domain::help::{CallSlot, CallbackRequest};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Who wrote a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    Shopper,
    Agent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: i64,
    pub author: Author,
    /// The agent's name on agent messages.
    pub agent: Option<String>,
    /// Exactly as typed (after trimming); always shown as text, never as markup.
    pub body: String,
    pub sent_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: i64,
    pub open: bool,
    pub messages: Vec<ChatMessage>,
    /// The last message id an agent has seen / the shopper has seen.
    pub agent_read: i64,
    pub shopper_read: i64,
    /// Set when the conversation started while no agent was online: replies go here too.
    pub reply_email: Option<String>,
}

impl Conversation {
    /// Whether an agent has seen the shopper's latest message.
    pub fn seen_by_agent(&self) -> bool {
        self.messages
            .iter()
            .rev()
            .find(|m| m.author == Author::Shopper)
            .is_some_and(|m| m.id <= self.agent_read)
    }
}

/// What the help panel's chat shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatState {
    /// Whether an agent is signed in to the console right now.
    pub agents_online: bool,
    /// The shopper's conversation: the open one, else the latest closed one.
    pub conversation: Option<Conversation>,
}

/// What the shopper's browser tells the agents about where they are: the page, the cart
/// and the orders placed from this browser (each with its private key, so only real
/// orders of theirs are shown).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopperContext {
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub cart: Vec<CartLine>,
    #[serde(default)]
    pub orders: Vec<PlacedOrder>,
    #[serde(default)]
    pub region: String,
}

/// Most cart lines and orders a context may carry.
pub const MAX_CONTEXT_ITEMS: usize = 50;

/// The shopper's confirmation of a call-back request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackConfirmation {
    pub reference: String,
    /// The number we will call, as typed back in international form.
    pub phone: String,
    /// "Mon 23 Nov, 5pm to 8pm".
    pub when: String,
    pub topic: String,
}

/// Server-sent events for the shopper's chat: `chat` (the conversation changed: read it
/// again), `typing` (an agent is typing), `presence` (`{"online": bool}`).
pub const CHAT_EVENTS_URL: &str = "/api/help/events";

/// The help content as the shop owner last saved it.
#[server(prefix = "/api/help", endpoint = "content")]
pub async fn get_help_content() -> Result<HelpContent, ShopError> {
    Ok((*super::state()?.help).clone())
}

/// The shopper's conversation and whether anyone is there to answer.
#[server(prefix = "/api/help", endpoint = "chat")]
pub async fn get_chat() -> Result<ChatState, ShopError> {
    let state = super::state()?;
    super::respond(state.desk().chat_state().await)
}

/// Sends a chat message. With no agent online the message is kept and answered by mail,
/// so `email` is then required.
#[server(prefix = "/api/help", endpoint = "send", input = Json)]
pub async fn send_chat(
    text: String,
    context: ShopperContext,
    #[server(default)] email: String,
) -> Result<ChatState, ShopError> {
    let state = super::state()?;
    super::respond(state.desk().send(&text, context, &email).await)
}

/// Tells the agent that the shopper is typing.
#[server(prefix = "/api/help", endpoint = "typing")]
pub async fn chat_typing() -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(state.desk().shopper_typing().await)
}

/// Records that the shopper has seen every message up to `up_to`.
#[server(prefix = "/api/help", endpoint = "seen")]
pub async fn chat_seen(up_to: i64) -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(state.desk().shopper_seen(up_to).await)
}

/// Keeps the agent's view of the shopper's page and cart current while a chat is open.
#[server(prefix = "/api/help", endpoint = "context", input = Json)]
pub async fn chat_context(context: ShopperContext) -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(state.desk().update_context(context).await)
}

/// The days and windows a call-back can be booked in, within opening hours.
#[server(prefix = "/api/help", endpoint = "call_slots")]
pub async fn get_call_slots() -> Result<Vec<CallSlot>, ShopError> {
    let state = super::state()?;
    Ok(state.desk().call_slots())
}

/// Asks the shop to call the shopper back; it lands in the agents' queue at once.
#[server(prefix = "/api/help", endpoint = "callback", input = Json)]
pub async fn request_callback(
    request: CallbackRequest,
    context: ShopperContext,
) -> Result<CallbackConfirmation, ShopError> {
    let state = super::state()?;
    super::respond(state.desk().request_callback(&request, context).await)
}
