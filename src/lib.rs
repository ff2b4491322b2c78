//! Storefront: a web shop that serves its customers the way the best shop assistant would.
//!
//! A workspace of four crates whose dependencies point one way (README "Layers"):
//!
//! ```text
//! storefront-domain  the shop's rules in plain Rust (no framework)
//!        ^
//! storefront-model   the types that cross the wire, ShopError, consent texts
//!        ^
//! storefront-server  (ssr) services: database, stock, orders, payments, mail, help desk
//!        ^
//! storefront         this crate: `api` (thin server-function shells) and, with `csr`,
//!                    the browser app (`app`, `pages`, `components`)
//! ```
//!
//! Feature `csr` builds the browser app (wasm32, by trunk), feature `ssr` the server
//! (axum + SQLite). Inside this crate `tests/layers.rs` keeps the remaining directions:
//! `api` never names the UI, `components` never name `pages` or the `console`, and
//! shop `pages` never name the `console`.

pub mod api;

/// The shop's rules (the `storefront-domain` crate).
pub use storefront_domain as domain;
/// The owner's help content (contact details, hours, answers, return policy).
pub use storefront_domain::content;
/// The number the help bar's "Call us" dials until the server has said the owner's
/// current one: `phone_tel` of the built-in `content/help.json`, read by build.rs.
pub const BUNDLED_PHONE_TEL: &str = env!("STOREFRONT_BUNDLED_PHONE_TEL");

#[cfg(feature = "csr")]
pub mod app;
#[cfg(feature = "csr")]
pub mod components;
#[cfg(feature = "csr")]
pub mod console;
#[cfg(feature = "csr")]
pub mod pages;

/// The services behind the server functions (the `storefront-server` crate).
#[cfg(feature = "ssr")]
pub use storefront_server as server;
