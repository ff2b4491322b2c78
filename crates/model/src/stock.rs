//! Live stock: reading it, being told when it changes, alternatives to what is gone, and
//! "tell me when it's back".

use super::catalog::DeliveryPromise;
use serde::{Deserialize, Serialize};
use storefront_domain::stock::Availability;

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
    "Email me once when it's back in stock (after I confirm with the link you send now). Nothing else, and my address is deleted after.";
