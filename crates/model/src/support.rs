//! Help as the shopper reaches it: the owner's help content, live chat with a person and
//! call-back requests. The shopper is known only by a random key in an `HttpOnly` cookie
//! set on their first message or request, so a reload or a second tab shows the same
//! conversation and no one else's. The agents' side is `agent.rs`, under its own prefix
//! and behind its own sign-in.

use super::orders::PlacedOrder;
use serde::{Deserialize, Serialize};
use storefront_domain::cart::CartLine;

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
