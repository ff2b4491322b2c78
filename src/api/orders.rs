//! The cart as priced by the shop, placing an order, and an order's status.
//!
//! The types these functions carry live in `storefront_model::orders` and are re-exported here.

pub use storefront_model::orders::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use storefront_domain::cart::CartLine;
use storefront_domain::delivery::DeliveryOption;

/// Prices the cart with the shop's own prices and current stock, plans where each line
/// ships from for the shopper's `region` (nearest centre first) with the `delivery`
/// option, and splits the payment into now and later.
#[server(prefix = "/api", endpoint = "price_cart", input = Json)]
pub async fn price_cart(
    lines: Vec<CartLine>,
    #[server(default)] region: String,
    #[server(default)] delivery: DeliveryOption,
) -> Result<PricedCart, ShopError> {
    super::respond(
        super::state()?
            .orders()
            .price_cart(&lines, &region, delivery)
            .await,
    )
}

/// An order's status, for the holder of its private key.
#[server(prefix = "/api", endpoint = "order_status", input = Json)]
pub async fn get_order(number: String, key: String) -> Result<OrderView, ShopError> {
    super::respond(super::state()?.orders().view(&number, &key).await)
}

/// "Find my order": mails the order's private link if the number and email belong to
/// the same order, and answers the same words either way.
#[server(prefix = "/api", endpoint = "find_order", input = Json)]
pub async fn find_order(number: String, email: String) -> Result<String, ShopError> {
    super::respond(super::state()?.orders().find(&number, &email).await)
}

/// Starts a return of units of a delivered parcel, for the holder of the order's
/// private key; answers the order with the return on it (its code and label link).
#[server(prefix = "/api", endpoint = "start_return", input = Json)]
pub async fn start_return(
    number: String,
    key: String,
    request: ReturnRequest,
) -> Result<OrderView, ShopError> {
    super::respond(
        super::state()?
            .orders()
            .start_return(&number, &key, &request)
            .await,
    )
}

/// A return's printable label, for the holder of the order's private key.
#[server(prefix = "/api", endpoint = "return_label", input = Json)]
pub async fn get_return_label(
    number: String,
    key: String,
    code: String,
) -> Result<ReturnLabel, ShopError> {
    super::respond(
        super::state()?
            .orders()
            .return_label(&number, &key, &code)
            .await,
    )
}

/// What a change would do (the new total and the money in plain words), for the holder
/// of the order's private key; nothing is changed.
#[server(prefix = "/api", endpoint = "preview_change", input = Json)]
pub async fn preview_change(
    number: String,
    key: String,
    change: OrderChange,
) -> Result<ChangePreview, ShopError> {
    super::respond(
        super::state()?
            .orders()
            .preview_change(&number, &key, &change)
            .await,
    )
}

/// Changes the order before it ships (lines, sizes, address, delivery), for the holder
/// of its private key, if the new total is still `expected_total` (the one previewed). A
/// larger hold may need the bank's check: then nothing changes until the change is sent
/// again with the shopper's answer.
#[server(prefix = "/api", endpoint = "change_order", input = Json)]
pub async fn change_order(
    number: String,
    key: String,
    change: OrderChange,
    expected_total: i64,
    /// The shopper's answer to their bank's check, when it asked for one.
    #[server(default)]
    bank_approves: Option<bool>,
) -> Result<ChangeOutcome, ShopError> {
    super::respond(
        super::state()?
            .orders()
            .change(&number, &key, &change, expected_total, bank_approves)
            .await,
    )
}

/// Cancels what hasn't shipped of a partly shipped order, for the holder of its key.
#[server(prefix = "/api", endpoint = "cancel_rest", input = Json)]
pub async fn cancel_rest(number: String, key: String) -> Result<OrderView, ShopError> {
    super::respond(super::state()?.orders().cancel_rest(&number, &key).await)
}

/// Cancels the order, for the holder of its private key, while none of it has shipped:
/// the holds on the card are released and the items go back on sale.
#[server(prefix = "/api", endpoint = "cancel_order", input = Json)]
pub async fn cancel_order(number: String, key: String) -> Result<OrderView, ShopError> {
    super::respond(super::state()?.orders().cancel(&number, &key).await)
}
