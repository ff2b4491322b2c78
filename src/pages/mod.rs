//! One file per route.

pub mod account;
pub mod alerts;
pub mod cart;
pub mod category;
pub mod checkout;
pub mod find_order;
pub mod home;
pub mod not_found;
pub mod order;
pub mod order_returns;
pub mod product;
pub mod returns;
pub mod review;
pub mod search;

pub use crate::components::browser::set_title;
