//! The agent console's functions, under `/api/agent`. Every one but sign-in needs the
//! agent session cookie; a shopper's cookie, or none, is answered 401.
//!
//! The types these functions carry live in `storefront_model::agent` and are re-exported here.

pub use storefront_model::agent::*;

use super::orders::{OrderView, PricedCart};
use super::support::Conversation;
use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use storefront_server::{agents::SignedInAgent, AppState};

/// Runs `work` for the agent whose session cookie came with the request (401 for anyone
/// else) and answers with the error's status. `work` receives a [`SignedInAgent`], which
/// only the session check can make, so no agent function can skip the check.
#[cfg(feature = "ssr")]
async fn as_agent<T, F, Fut>(work: F) -> Result<T, ShopError>
where
    F: FnOnce(AppState, SignedInAgent) -> Fut,
    Fut: std::future::Future<Output = Result<T, ShopError>>,
{
    let state = super::state()?;
    super::respond(
        async {
            let agent = state.agents().current().await?;
            work(state.clone(), agent).await
        }
        .await,
    )
}

/// Signs an agent in and sets the session cookie.
#[server(prefix = "/api/agent", endpoint = "sign_in", input = Json)]
pub async fn agent_sign_in(name: String, password: String) -> Result<AgentView, ShopError> {
    let state = super::state()?;
    super::respond(state.agents().sign_in(&name, &password).await)
}

/// Ends the session.
#[server(prefix = "/api/agent", endpoint = "sign_out", input = Json)]
pub async fn agent_sign_out() -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(state.agents().sign_out().await)
}

/// The signed-in agent, or 401.
#[server(prefix = "/api/agent", endpoint = "me", input = Json)]
pub async fn agent_me() -> Result<AgentView, ShopError> {
    as_agent(|_, agent| async move {
        Ok(AgentView {
            name: agent.name().to_owned(),
        })
    })
    .await
}

/// Open chats and waiting call-backs.
#[server(prefix = "/api/agent", endpoint = "queue", input = Json)]
pub async fn agent_queue() -> Result<Queue, ShopError> {
    as_agent(|state, agent| async move { state.desk().queue(&agent).await }).await
}

/// One conversation with the customer's context; marks it read.
#[server(prefix = "/api/agent", endpoint = "chat", input = Json)]
pub async fn agent_chat(id: i64) -> Result<ChatDetail, ShopError> {
    as_agent(|state, agent| async move { state.desk().chat_detail(&agent, id).await }).await
}

/// Answers a conversation (by mail too when the shopper wrote while no one was online).
#[server(prefix = "/api/agent", endpoint = "reply", input = Json)]
pub async fn agent_reply(id: i64, text: String) -> Result<Conversation, ShopError> {
    as_agent(|state, agent| async move { state.desk().reply(&agent, id, &text).await }).await
}

/// Tells the shopper an agent is typing.
#[server(prefix = "/api/agent", endpoint = "typing", input = Json)]
pub async fn agent_typing(id: i64) -> Result<(), ShopError> {
    as_agent(|state, agent| async move { state.desk().agent_typing(&agent, id).await }).await
}

/// Closes a conversation; the shopper's next message starts a new one.
#[server(prefix = "/api/agent", endpoint = "close", input = Json)]
pub async fn agent_close(id: i64) -> Result<(), ShopError> {
    as_agent(|state, agent| async move { state.desk().close(&agent, id).await }).await
}

/// One call-back request with the customer's context.
#[server(prefix = "/api/agent", endpoint = "callback", input = Json)]
pub async fn agent_callback(id: i64) -> Result<CallbackDetail, ShopError> {
    as_agent(|state, agent| async move { state.desk().callback_detail(&agent, id).await }).await
}

/// Marks a call-back done.
#[server(prefix = "/api/agent", endpoint = "callback_done", input = Json)]
pub async fn agent_callback_done(id: i64) -> Result<(), ShopError> {
    as_agent(|state, agent| async move { state.desk().callback_done(&agent, id).await }).await
}

/// Sends a message the shop could not deliver again (from the queue's "Undelivered mail").
#[server(prefix = "/api/agent", endpoint = "send_mail_again", input = Json)]
pub async fn agent_send_mail_again(id: i64) -> Result<(), ShopError> {
    as_agent(|state, agent| async move { state.desk().send_mail_again(&agent, id).await }).await
}

/// Orders by number (`SF-…`) or by the customer's email.
#[server(prefix = "/api/agent", endpoint = "orders", input = Json)]
pub async fn agent_find_orders(query: String) -> Result<Vec<OrderView>, ShopError> {
    as_agent(|state, agent| async move { state.desk().find_orders(&agent, &query).await }).await
}

/// One customer by an order number, an email address or a phone number: their orders,
/// chats, call-backs, consents and sign-ups, and whether the address is proved theirs.
#[server(prefix = "/api/agent", endpoint = "customer", input = Json)]
pub async fn agent_customer(query: String) -> Result<CustomerProfile, ShopError> {
    as_agent(|state, _agent| async move { state.accounts().profile(&query).await }).await
}

/// Mails the order's private link to the address on the order again.
#[server(prefix = "/api/agent", endpoint = "resend_order_link", input = Json)]
pub async fn agent_resend_order_link(number: String) -> Result<(), ShopError> {
    as_agent(|state, agent| async move { state.desk().resend_order_link(&agent, &number).await })
        .await
}

/// Starts a return the customer asked for (by phone or chat), on the same terms as on the
/// web; their status page says who started it.
#[server(prefix = "/api/agent", endpoint = "start_return", input = Json)]
pub async fn agent_start_return(
    number: String,
    request: crate::api::orders::ReturnRequest,
) -> Result<OrderView, ShopError> {
    as_agent(
        |state, agent| async move { state.desk().start_return(&agent, &number, &request).await },
    )
    .await
}

/// What a change the customer asked for would do; nothing is changed.
#[server(prefix = "/api/agent", endpoint = "preview_change", input = Json)]
pub async fn agent_preview_change(
    number: String,
    change: crate::api::orders::OrderChange,
) -> Result<crate::api::orders::ChangePreview, ShopError> {
    as_agent(
        |state, agent| async move { state.desk().preview_change(&agent, &number, &change).await },
    )
    .await
}

/// Changes an order the customer asked to change (by phone or chat), on the same terms
/// as on the web; their timeline says who made it.
#[server(prefix = "/api/agent", endpoint = "change_order", input = Json)]
pub async fn agent_change_order(
    number: String,
    change: crate::api::orders::OrderChange,
    expected_total: i64,
) -> Result<OrderView, ShopError> {
    as_agent(|state, agent| async move {
        state
            .desk()
            .change_order(&agent, &number, &change, expected_total)
            .await
    })
    .await
}

/// Prices an order taken on the phone (items by SKU), for the agent to read back.
#[server(prefix = "/api/agent", endpoint = "price_phone_order", input = Json)]
pub async fn agent_price_phone_order(
    lines: Vec<(String, u32)>,
    address: crate::domain::validation::Address,
    #[server(default)] delivery: crate::domain::delivery::DeliveryOption,
) -> Result<PricedCart, ShopError> {
    as_agent(|state, agent| async move {
        state
            .desk()
            .price_phone_order(&agent, &lines, &address, delivery)
            .await
    })
    .await
}

/// Places an order for a customer on the phone (the card already handed to the gateway
/// with `tokenize_card`); exactly once per `order.key`.
#[server(prefix = "/api/agent", endpoint = "place_phone_order", input = Json)]
pub async fn agent_place_phone_order(
    order: PhoneOrder,
) -> Result<crate::api::orders::PlacedOrder, ShopError> {
    as_agent(|state, agent| async move { state.desk().place_phone_order(&agent, &order).await })
        .await
}

/// Cancels what hasn't shipped of an order, as the customer asked on the phone.
#[server(prefix = "/api/agent", endpoint = "cancel_rest", input = Json)]
pub async fn agent_cancel_rest(number: String) -> Result<OrderView, ShopError> {
    as_agent(|state, agent| async move { state.desk().cancel_rest(&agent, &number).await }).await
}

/// Cancels an order the customer asked to cancel (by phone or chat), on the same terms as
/// on the web: only while none of it has shipped.
#[server(prefix = "/api/agent", endpoint = "cancel_order", input = Json)]
pub async fn agent_cancel_order(number: String) -> Result<OrderView, ShopError> {
    as_agent(|state, agent| async move { state.desk().cancel_order(&agent, &number).await }).await
}

/// The monthly offers mail: subscribers, the next run, the latest run's progress.
#[server(prefix = "/api/agent", endpoint = "offers", input = Json)]
pub async fn agent_offers() -> Result<super::offers::OffersStatus, ShopError> {
    as_agent(|state, agent| async move { state.offers().status(&agent).await }).await
}

/// Starts the planned offers mail now (each person's cap still holds).
#[server(prefix = "/api/agent", endpoint = "send_offers_now", input = Json)]
pub async fn agent_send_offers_now() -> Result<super::offers::OffersStatus, ShopError> {
    as_agent(|state, agent| async move { state.offers().send_now(&agent).await }).await
}

/// Written reviews waiting to be read, oldest first.
#[server(prefix = "/api/agent", endpoint = "pending_reviews", input = Json)]
pub async fn agent_pending_reviews() -> Result<Vec<super::reviews::PendingReview>, ShopError> {
    as_agent(|state, agent| async move { state.reviews().pending(&agent).await }).await
}

/// Publishes a waiting review, or rejects it with a reason the customer is mailed.
#[server(prefix = "/api/agent", endpoint = "decide_review", input = Json)]
pub async fn agent_decide_review(
    id: i64,
    publish: bool,
    #[server(default)] reason: String,
) -> Result<(), ShopError> {
    as_agent(
        |state, agent| async move { state.reviews().decide(&agent, id, publish, &reason).await },
    )
    .await
}
