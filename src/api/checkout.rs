//! Paying for an order: the card handed to the payment gateway, the order placed once
//! per checkout attempt, and the bank's confirmation step.
//!
//! The types these functions carry live in `storefront_model::checkout` and are re-exported here.

pub use storefront_model::checkout::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use storefront_domain::payment::CardEntry;

/// Hands card details to the payment gateway and answers its token. The built-in test
/// gateway does this on the server; a hosted provider would do it in its own page script.
#[server(prefix = "/api", endpoint = "card_token", input = Json)]
pub async fn tokenize_card(card: CardEntry) -> Result<CardToken, ShopError> {
    super::respond(super::state()?.checkout().tokenize(&card).await)
}

/// Places the order and pays for what ships now. Safe to repeat with the same key.
#[server(prefix = "/api", endpoint = "place_order", input = Json)]
pub async fn place_order(request: CheckoutRequest) -> Result<CheckoutOutcome, ShopError> {
    let state = super::state()?;
    let caller = storefront_server::session::Caller::current();
    let account = state.accounts().signed_in(&caller).await?;
    super::respond(state.checkout().place_signed_in(&request, account).await)
}

/// The shopper's answer to their bank's check for the attempt `key`.
#[server(prefix = "/api", endpoint = "confirm_payment", input = Json)]
pub async fn confirm_payment(key: String, approve: bool) -> Result<CheckoutOutcome, ShopError> {
    super::respond(super::state()?.checkout().confirm(&key, approve).await)
}
