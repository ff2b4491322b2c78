//! The shop's rules in plain Rust: money, dates, stock wording, allocation, carts,
//! pricing, order states and input validation.
//!
//! Nothing here knows about Leptos, axum or the database, so the same rules run in the
//! browser (to explain things as the shopper types) and on the server (which decides),
//! and they are unit- and property-tested natively in milliseconds.

pub mod allocation;
pub mod alternatives;
pub mod cart;
pub mod date;
pub mod delivery;
pub mod help;
pub mod location;
pub mod money;
pub mod order;
pub mod payment;
pub mod pricing;
pub mod receipt;
pub mod search;
pub mod stock;
pub mod validation;
