//! The shop's rules in plain Rust: money, dates, stock wording, allocation, carts,
//! pricing, order states and input validation, and the owner's help content (contact
//! details, opening hours, answers, return policy) that some of those rules speak from.
//!
//! Nothing here knows about Leptos, axum or the database, so the same rules run in the
//! browser (to explain things as the shopper types) and on the server (which decides),
//! and they are unit- and property-tested natively in milliseconds. This crate depends on
//! no framework at all (serde for the wire, nothing else of note), so the compiler keeps
//! it that way: nothing here can name a Leptos, axum or database type.

pub mod account;
pub mod allocation;
pub mod alternatives;
pub mod callback;
pub mod cart;
pub mod changes;
pub mod chat;
pub mod content;
pub mod date;
pub mod delivery;
pub mod fulfilment;
pub mod holidays;
pub mod hours;
pub mod location;
pub mod mail;
pub mod money;
pub mod offers;
pub mod order;
pub mod page_kind;
pub mod payment;
pub mod pricing;
pub mod rate;
pub mod receipt;
pub mod recommend;
pub mod returns;
pub mod reviews;
pub mod search;
pub mod stock;
pub mod text;
pub mod validation;
