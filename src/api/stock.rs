//! Live stock: reading it, being told when it changes, alternatives to what is gone, and
//! "tell me when it's back".

use super::catalog::{DeliveryPromise, ProductCard};
use super::ShopError;
use crate::domain::stock::Availability;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// One variant's stock right now, for the shopper's region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStock {
    pub variant_id: i64,
    pub availability: Availability,
    /// The nearest centre holding it and the arrival day, while it is in stock.
    pub delivery: Option<DeliveryPromise>,
}

/// Most variants one read or one live subscription may ask about.
pub const MAX_WATCHED_VARIANTS: usize = 100;

/// Where the browser subscribes to stock changes (server-sent events named `stock`,
/// each a [`LiveStock`] as JSON; `resync` means "read everything again").
pub fn live_stock_url(variant_ids: &[i64], region: &str) -> String {
    let ids: Vec<String> = variant_ids.iter().map(i64::to_string).collect();
    format!(
        "/api/live/stock?variants={}&region={}",
        ids.join(","),
        region
    )
}

/// The wording the shopper ticks to be told when a variant is back.
pub const BACK_IN_STOCK_CONSENT: &str =
    "Email me once when it's back in stock. Nothing else, and my address is deleted after.";

/// The stock of up to [`MAX_WATCHED_VARIANTS`] variants, with delivery for `region`.
#[server(prefix = "/api", endpoint = "stock", input = Json)]
pub async fn get_stock(
    variant_ids: Vec<i64>,
    #[server(default)] region: String,
) -> Result<Vec<LiveStock>, ShopError> {
    super::respond(super::state()?.stock().levels(&variant_ids, &region).await)
}

/// In-stock products like this variant (same category, closest fit), for `region`.
#[server(prefix = "/api", endpoint = "alternatives")]
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
#[server(prefix = "/api", endpoint = "notify_when_back")]
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
