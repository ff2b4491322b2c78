//! Server functions, grouped by domain. The browser calls these as ordinary async
//! functions; on the server each is a thin shell over a service in `storefront-server`.
//! The types they carry live in `storefront-model` and are re-exported module by module,
//! so the pages name them as `api::catalog::ProductCard` and so on.

pub mod account;
pub mod agent;
pub mod catalog;
pub mod checkout;
pub mod offers;
pub mod orders;
pub mod reviews;
pub mod stock;
pub mod support;
pub mod warehouse;

pub use storefront_model::{error, ShopError};

/// The server's shared state, as a server function sees it.
#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<storefront_server::AppState, ShopError> {
    leptos::prelude::use_context::<storefront_server::AppState>().ok_or_else(|| {
        tracing::error!("server function called without AppState in context");
        ShopError::Internal
    })
}

/// Answers a server function's result, giving an error its HTTP status (422 for input to
/// correct, 409 for stock that ran short, 404, 500) instead of a blanket 500.
#[cfg(feature = "ssr")]
pub(crate) fn respond<T>(result: Result<T, ShopError>) -> Result<T, ShopError> {
    if let Err(e) = &result {
        e.set_response_status();
    }
    result
}

/// Makes the server functions known to the `/api` handler. `inventory` normally does this
/// at link time; listing them here also keeps the linker from dropping them. Call it
/// once before serving (the server binary and every test that uses the router do).
#[cfg(feature = "ssr")]
pub fn register_server_fns() {
    use self::{
        account, agent, catalog, checkout, offers, orders, reviews, stock, support, warehouse,
    };
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<catalog::ListCategories>();
    register_explicit::<catalog::GetHome>();
    register_explicit::<catalog::GetCategory>();
    register_explicit::<catalog::GetProduct>();
    register_explicit::<catalog::SearchProducts>();
    register_explicit::<catalog::Suggest>();
    register_explicit::<orders::PriceCart>();
    register_explicit::<checkout::TokenizeCard>();
    register_explicit::<checkout::PlaceOrder>();
    register_explicit::<checkout::ConfirmPayment>();
    register_explicit::<orders::GetOrder>();
    register_explicit::<stock::GetStock>();
    register_explicit::<stock::GetAlternatives>();
    register_explicit::<stock::NotifyWhenBack>();
    register_explicit::<stock::ConfirmStockAlert>();
    register_explicit::<support::GetHelpContent>();
    register_explicit::<support::GetChat>();
    register_explicit::<support::SendChat>();
    register_explicit::<support::ChatTyping>();
    register_explicit::<support::ChatSeen>();
    register_explicit::<support::ChatContext>();
    register_explicit::<support::GetCallSlots>();
    register_explicit::<support::RequestCallback>();
    register_explicit::<agent::AgentSignIn>();
    register_explicit::<agent::AgentSignOut>();
    register_explicit::<agent::AgentMe>();
    register_explicit::<agent::AgentQueue>();
    register_explicit::<agent::AgentChat>();
    register_explicit::<agent::AgentReply>();
    register_explicit::<agent::AgentTyping>();
    register_explicit::<agent::AgentClose>();
    register_explicit::<agent::AgentCallback>();
    register_explicit::<agent::AgentCallbackDone>();
    register_explicit::<agent::AgentFindOrders>();
    register_explicit::<agent::AgentCustomer>();
    register_explicit::<agent::AgentSendMailAgain>();
    register_explicit::<agent::AgentResendOrderLink>();
    register_explicit::<orders::FindOrder>();
    register_explicit::<account::RequestSignInLink>();
    register_explicit::<account::SignInWithLink>();
    register_explicit::<account::GetAccount>();
    register_explicit::<account::AccountSignOut>();
    register_explicit::<account::SetOffers>();
    register_explicit::<account::CancelAlert>();
    register_explicit::<account::EraseMyData>();
    register_explicit::<account::ConfirmOffers>();
    register_explicit::<orders::CancelOrder>();
    register_explicit::<agent::AgentCancelOrder>();
    register_explicit::<warehouse::WarehouseSignIn>();
    register_explicit::<warehouse::WarehouseSignOut>();
    register_explicit::<warehouse::WarehouseMe>();
    register_explicit::<warehouse::GetCentreWork>();
    register_explicit::<warehouse::PackShipment>();
    register_explicit::<warehouse::ShipShipment>();
    register_explicit::<warehouse::ReceiveStock>();
    register_explicit::<orders::PreviewChange>();
    register_explicit::<orders::ChangeOrder>();
    register_explicit::<orders::StartReturn>();
    register_explicit::<orders::GetReturnLabel>();
    register_explicit::<agent::AgentPreviewChange>();
    register_explicit::<agent::AgentChangeOrder>();
    register_explicit::<agent::AgentStartReturn>();
    register_explicit::<agent::AgentPricePhoneOrder>();
    register_explicit::<agent::AgentPlacePhoneOrder>();
    register_explicit::<warehouse::GetReturns>();
    register_explicit::<warehouse::ReceiveReturn>();
    register_explicit::<warehouse::SettleReturn>();
    register_explicit::<orders::CancelRest>();
    register_explicit::<agent::AgentCancelRest>();
    register_explicit::<catalog::GetGoesWith>();
    register_explicit::<catalog::GetPickedForYou>();
    register_explicit::<reviews::GetReviewInvitation>();
    register_explicit::<reviews::RateProduct>();
    register_explicit::<reviews::WriteReview>();
    register_explicit::<reviews::GetProductReviews>();
    register_explicit::<agent::AgentPendingReviews>();
    register_explicit::<agent::AgentDecideReview>();
    register_explicit::<offers::WatchPrice>();
    register_explicit::<offers::ConfirmPriceWatch>();
    register_explicit::<offers::Unsubscribe>();
    register_explicit::<agent::AgentOffers>();
    register_explicit::<agent::AgentSendOffersNow>();
}
