//! Mail the customer asked for: "tell me if it goes on sale", its confirm link, and the
//! one-click stop in every such mail (offers or price alerts).
//!
//! The types these functions carry live in `storefront_model::offers` and are re-exported here.

pub use storefront_model::offers::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Watches a product's price for `email`, once the link mailed now is opened.
#[server(prefix = "/api", endpoint = "watch_price", input = Json)]
pub async fn watch_price(
    slug: String,
    email: String,
    #[server(default)] consent: bool,
) -> Result<String, ShopError> {
    super::respond(
        super::state()?
            .offers()
            .watch_price(&slug, &email, consent)
            .await,
    )
}

/// Confirms a price watch from its mailed link's token.
#[server(prefix = "/api", endpoint = "confirm_price_watch", input = Json)]
pub async fn confirm_price_watch(token: String) -> Result<String, ShopError> {
    super::respond(super::state()?.offers().confirm_price_watch(&token).await)
}

/// Stops what the mail carrying `token` was about (offers, or one price watch).
#[server(prefix = "/api", endpoint = "unsubscribe", input = Json)]
pub async fn unsubscribe(token: String) -> Result<String, ShopError> {
    super::respond(super::state()?.offers().unsubscribe(&token).await)
}
