//! Paying for an order: the card handed to the payment gateway, the order placed once
//! per checkout attempt, and the bank's confirmation step.

use super::orders::PlacedOrder;
use serde::{Deserialize, Serialize};
use storefront_domain::cart::CartLine;
use storefront_domain::delivery::DeliveryOption;
use storefront_domain::money::Money;
use storefront_domain::payment::CardOnFile;
use storefront_domain::validation::CheckoutDetails;

/// The words next to the offers box, stored with the shopper's yes. The number is the
/// least the owner may set `STOREFRONT_OFFERS_EVERY_DAYS` to
/// (`storefront_domain::offers::EVERY_DAYS_RANGE`), so it holds whatever they choose.
pub const OFFERS_CONSENT: &str =
    "Send me offers and new arrivals by email (at most one every 30 days). I can unsubscribe any time, in one click.";

/// The promise made where the shop asks for personal details.
pub const PRIVACY_PROMISE: &str = "We use your details only to deliver your order and to help you. We never sell or share them, and every offers email can be stopped in one click.";

/// A card the gateway has taken: its token stands in for the number from here on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardToken {
    pub token: String,
    pub card: CardOnFile,
}

/// Everything the review step submits. Prices are never sent: the server prices the
/// lines itself and refuses the order if what it would charge differs from what the
/// shopper saw (`expected_now`, `expected_total`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// One per checkout attempt, made by the browser: the same key always gets the same
    /// answer, so a double click or a retry after a timeout never makes a second order.
    pub key: String,
    pub details: CheckoutDetails,
    pub lines: Vec<CartLine>,
    /// The shopper's region, used when the postcode's area is unknown.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub delivery: DeliveryOption,
    pub card_token: String,
    #[serde(default)]
    pub accept_backorder: bool,
    /// Whether "Send me offers" was ticked.
    #[serde(default)]
    pub offers: bool,
    /// Whether "Save this address in my account" was ticked (signed in only).
    #[serde(default)]
    pub save_address: bool,
    pub expected_now: Money,
    pub expected_total: Money,
}

/// How a checkout attempt ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckoutOutcome {
    Placed(PlacedOrder),
    /// The card's bank wants the shopper to confirm `amount` first; answer with
    /// `confirm_payment`.
    ConfirmWithBank {
        amount: Money,
        card: CardOnFile,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offers_box_promises_what_the_cap_allows() {
        let least = storefront_domain::offers::EVERY_DAYS_RANGE.start();
        assert!(
            OFFERS_CONSENT.contains(&format!("at most one every {least} days")),
            "{OFFERS_CONSENT}"
        );
    }
}
