//! The types that cross the wire between the browser app and the server: what each
//! server function takes and answers, the one error type [`ShopError`], and the words a
//! shopper agrees to (consent texts), which are stored exactly as shown.
//!
//! This crate sits between the shop's rules and everything that serves or shows them:
//! it depends on `storefront-domain` only, and both the services (`storefront-server`)
//! and the app (`storefront`: server-function shells, pages, components) depend on it.
//! The compiler therefore keeps the services from reaching into the server functions or
//! the pages.

pub mod account;
pub mod agent;
pub mod catalog;
pub mod checkout;
pub mod error;
pub mod offers;
pub mod offline;
pub mod orders;
pub mod reviews;
pub mod stock;
pub mod support;
pub mod warehouse;

pub use error::{ShopError, StockProblem};
