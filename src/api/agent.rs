//! The agent console's functions, under `/api/agent`. Every one but sign-in needs the
//! agent session cookie; a shopper's cookie, or none, is answered 401.

use super::help::Conversation;
use super::orders::{OrderView, PricedCart};
use super::ShopError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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

/// Everything waiting for an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    pub chats: Vec<QueuedChat>,
    pub callbacks: Vec<QueuedCallback>,
}

/// What the customer has in front of them, so phone and chat see the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerContext {
    pub page: String,
    /// Their cart, priced now; `None` when it is empty.
    pub cart: Option<PricedCart>,
    /// Their orders: placed from their browser or under the email they gave.
    pub orders: Vec<OrderView>,
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

/// Signs an agent in and sets the session cookie.
#[server(prefix = "/api/agent", endpoint = "sign_in")]
pub async fn agent_sign_in(name: String, password: String) -> Result<AgentView, ShopError> {
    let state = super::state()?;
    super::respond(state.agents().sign_in(&name, &password).await)
}

/// Ends the session.
#[server(prefix = "/api/agent", endpoint = "sign_out")]
pub async fn agent_sign_out() -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(state.agents().sign_out().await)
}

/// The signed-in agent, or 401.
#[server(prefix = "/api/agent", endpoint = "me")]
pub async fn agent_me() -> Result<AgentView, ShopError> {
    let state = super::state()?;
    super::respond(
        state
            .agents()
            .current()
            .await
            .map(|name| AgentView { name }),
    )
}

/// Open chats and waiting call-backs.
#[server(prefix = "/api/agent", endpoint = "queue")]
pub async fn agent_queue() -> Result<Queue, ShopError> {
    let state = super::state()?;
    super::respond(async { state.desk().queue(&state.agents().current().await?).await }.await)
}

/// One conversation with the customer's context; marks it read.
#[server(prefix = "/api/agent", endpoint = "chat")]
pub async fn agent_chat(id: i64) -> Result<ChatDetail, ShopError> {
    let state = super::state()?;
    super::respond(
        async {
            state
                .desk()
                .chat_detail(&state.agents().current().await?, id)
                .await
        }
        .await,
    )
}

/// Answers a conversation (by mail too when the shopper wrote while no one was online).
#[server(prefix = "/api/agent", endpoint = "reply")]
pub async fn agent_reply(id: i64, text: String) -> Result<Conversation, ShopError> {
    let state = super::state()?;
    super::respond(
        async {
            state
                .desk()
                .reply(&state.agents().current().await?, id, &text)
                .await
        }
        .await,
    )
}

/// Tells the shopper an agent is typing.
#[server(prefix = "/api/agent", endpoint = "typing")]
pub async fn agent_typing(id: i64) -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(
        async {
            state
                .desk()
                .agent_typing(&state.agents().current().await?, id)
                .await
        }
        .await,
    )
}

/// Closes a conversation; the shopper's next message starts a new one.
#[server(prefix = "/api/agent", endpoint = "close")]
pub async fn agent_close(id: i64) -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(
        async {
            state
                .desk()
                .close(&state.agents().current().await?, id)
                .await
        }
        .await,
    )
}

/// One call-back request with the customer's context.
#[server(prefix = "/api/agent", endpoint = "callback")]
pub async fn agent_callback(id: i64) -> Result<CallbackDetail, ShopError> {
    let state = super::state()?;
    super::respond(
        async {
            state
                .desk()
                .callback_detail(&state.agents().current().await?, id)
                .await
        }
        .await,
    )
}

/// Marks a call-back done.
#[server(prefix = "/api/agent", endpoint = "callback_done")]
pub async fn agent_callback_done(id: i64) -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(
        async {
            state
                .desk()
                .callback_done(&state.agents().current().await?, id)
                .await
        }
        .await,
    )
}

/// Orders by number (`SF-…`) or by the customer's email.
#[server(prefix = "/api/agent", endpoint = "orders")]
pub async fn agent_find_orders(query: String) -> Result<Vec<OrderView>, ShopError> {
    let state = super::state()?;
    super::respond(
        async {
            state.agents().current().await?;
            state.desk().find_orders(&query).await
        }
        .await,
    )
}
