//! Storefront: a web shop that serves its customers the way the best shop assistant would.
//!
//! One crate, two worlds: feature `csr` builds the browser app (wasm32, by trunk),
//! feature `ssr` builds the server (axum + SQLite). The domain rules and the server
//! functions' types are shared by both.

pub mod api;
pub mod content;
pub mod domain;

#[cfg(feature = "csr")]
pub mod app;
#[cfg(feature = "csr")]
pub mod components;
#[cfg(feature = "csr")]
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;
