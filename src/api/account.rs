//! A customer's account, reached by a link mailed to their address (no password).
//!
//! The types these functions carry live in `storefront_model::account` and are re-exported here.

pub use storefront_model::account::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Mails a sign-in link to `email`; answers the same words for every address.
#[server(prefix = "/api", endpoint = "account_link", input = Json)]
pub async fn request_sign_in_link(email: String) -> Result<String, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(
        super::state()?
            .accounts()
            .request_link(&email, &caller)
            .await,
    )
}

/// Signs in with the token from a mailed link (once); answers the account.
#[server(prefix = "/api", endpoint = "account_sign_in", input = Json)]
pub async fn sign_in_with_link(token: String) -> Result<AccountView, ShopError> {
    super::respond(super::state()?.accounts().sign_in(&token).await)
}

/// The signed-in customer's account, or `None` for a visitor who isn't signed in.
#[server(prefix = "/api", endpoint = "account", input = Json)]
pub async fn get_account() -> Result<Option<AccountView>, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(super::state()?.accounts().view(&caller).await)
}

/// Signs the customer out on this device.
#[server(prefix = "/api", endpoint = "account_sign_out", input = Json)]
pub async fn account_sign_out() -> Result<(), ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(super::state()?.accounts().sign_out(&caller).await)
}

/// Gives (`send`) or withdraws consent to offers by mail, in one click; answers the account.
#[server(prefix = "/api", endpoint = "account_offers", input = Json)]
pub async fn set_offers(send: bool) -> Result<AccountView, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(super::state()?.accounts().set_offers(&caller, send).await)
}

/// Cancels one of the customer's back-in-stock sign-ups; answers the account.
#[server(prefix = "/api", endpoint = "account_cancel_alert", input = Json)]
pub async fn cancel_alert(
    id: i64,
    #[server(default)] lower_price: bool,
) -> Result<AccountView, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(
        super::state()?
            .accounts()
            .cancel_alert(&caller, id, lower_price)
            .await,
    )
}

/// Erases the signed-in customer's personal data (refused while an order or a return
/// still needs it); answers what was done and what is kept, and signs them out.
#[server(prefix = "/api", endpoint = "account_erase", input = Json)]
pub async fn erase_my_data() -> Result<String, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(super::state()?.accounts().erase(&caller).await)
}

/// Confirms "Send me offers" from the link mailed to the address (once).
#[server(prefix = "/api", endpoint = "confirm_offers", input = Json)]
pub async fn confirm_offers(token: String) -> Result<String, ShopError> {
    super::respond(super::state()?.accounts().confirm_offers(&token).await)
}

/// Forgets one of the customer's saved delivery addresses; answers the account.
#[server(prefix = "/api", endpoint = "account_forget_address", input = Json)]
pub async fn forget_address(id: i64) -> Result<AccountView, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(super::state()?.accounts().forget_address(&caller, id).await)
}

/// Keeps the customer's region (a code of `location::REGIONS`); answers the account.
#[server(prefix = "/api", endpoint = "account_region", input = Json)]
pub async fn set_account_region(region: String) -> Result<AccountView, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(
        super::state()?
            .accounts()
            .set_region(&caller, &region)
            .await,
    )
}

/// Keeps the customer's size in a category (`None` forgets it); answers the account.
#[server(prefix = "/api", endpoint = "account_size", input = Json)]
pub async fn set_account_size(
    category: String,
    size: Option<String>,
) -> Result<AccountView, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(
        super::state()?
            .accounts()
            .set_size(&caller, &category, size.as_deref())
            .await,
    )
}

/// What checkout fills in for a signed-in customer (`None` for anyone else).
#[server(prefix = "/api", endpoint = "checkout_profile", input = Json)]
pub async fn get_checkout_profile() -> Result<Option<CheckoutProfile>, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(super::state()?.accounts().checkout_profile(&caller).await)
}
