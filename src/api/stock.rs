//! Live stock: reading it, being told when it changes, alternatives to what is gone, and
//! "tell me when it's back".
//!
//! The types these functions carry live in `storefront_model::stock` and are re-exported here.

pub use storefront_model::stock::*;

use super::catalog::ProductCard;
use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The stock of up to [`MAX_WATCHED_VARIANTS`] variants, with delivery for `region`.
#[server(prefix = "/api", endpoint = "stock", input = Json)]
pub async fn get_stock(
    variant_ids: Vec<i64>,
    #[server(default)] region: String,
) -> Result<Vec<LiveStock>, ShopError> {
    super::respond(super::state()?.stock().levels(&variant_ids, &region).await)
}

/// In-stock products like this variant (same category, closest fit), for `region`.
#[server(prefix = "/api", endpoint = "alternatives", input = Json)]
pub async fn get_alternatives(
    variant_id: i64,
    #[server(default)] region: String,
) -> Result<Vec<ProductCard>, ShopError> {
    super::respond(
        super::state()?
            .stock()
            .alternatives(variant_id, &region)
            .await,
    )
}

/// Signs `email` up for one mail when the variant is back; `consent` is the ticked box.
#[server(prefix = "/api", endpoint = "notify_when_back", input = Json)]
pub async fn notify_when_back(
    variant_id: i64,
    email: String,
    #[server(default)] consent: bool,
) -> Result<String, ShopError> {
    super::respond(
        super::state()?
            .stock()
            .watch(variant_id, &email, consent)
            .await,
    )
}

/// Confirms a back-in-stock sign-up with the token from the link mailed for it.
#[server(prefix = "/api", endpoint = "confirm_alert", input = Json)]
pub async fn confirm_stock_alert(token: String) -> Result<String, ShopError> {
    super::respond(super::state()?.stock().confirm_watch(&token).await)
}
