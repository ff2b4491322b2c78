//! Server functions and the types they carry, grouped by domain. The browser calls these
//! as ordinary async functions; on the server each is a thin shell over `crate::server`.

pub mod catalog;
pub mod error;
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
