//! Help as the shopper reaches it: the owner's help content, live chat with a person and
//! call-back requests. The shopper is known only by a random key in an `HttpOnly` cookie
//! set on their first message or request, so a reload or a second tab shows the same
//! conversation and no one else's. The agents' side is `agent.rs`, under its own prefix
//! and behind its own sign-in.
//!
//! The types these functions carry live in `storefront_model::support` and are re-exported here.

pub use storefront_model::support::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use storefront_domain::callback::{CallSlot, CallbackRequest};
use storefront_domain::content::HelpContent;

/// The help content as the shop owner last saved it.
#[server(prefix = "/api/help", endpoint = "content", input = Json)]
pub async fn get_help_content() -> Result<HelpContent, ShopError> {
    Ok((*super::state()?.help).clone())
}

/// The number the help bar's "Call us" dials, as the owner last saved it: the one piece of
/// the help content the first load needs (the rest comes with the parts that show it).
#[server(prefix = "/api/help", endpoint = "phone", input = Json)]
pub async fn get_help_phone() -> Result<String, ShopError> {
    Ok(super::state()?.help.phone_tel.clone())
}

/// The shopper's conversation and whether anyone is there to answer.
#[server(prefix = "/api/help", endpoint = "chat", input = Json)]
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
#[server(prefix = "/api/help", endpoint = "typing", input = Json)]
pub async fn chat_typing() -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(state.desk().shopper_typing().await)
}

/// Records that the shopper has seen every message up to `up_to`.
#[server(prefix = "/api/help", endpoint = "seen", input = Json)]
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
#[server(prefix = "/api/help", endpoint = "call_slots", input = Json)]
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
