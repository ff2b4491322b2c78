//! Server functions and the types they carry, grouped by domain. The browser calls these
//! as ordinary async functions; on the server each is a thin shell over `crate::server`.

pub mod agent;
pub mod catalog;
pub mod checkout;
pub mod error;
pub mod help;
pub mod orders;
pub mod stock;

pub use error::ShopError;

/// The server's shared state, as a server function sees it.
#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<crate::server::AppState, ShopError> {
    leptos::prelude::use_context::<crate::server::AppState>().ok_or_else(|| {
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
