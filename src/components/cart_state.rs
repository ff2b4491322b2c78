//! The cart, shared through context and kept in the browser's local storage so it
//! survives a reload.

use super::storage;
use crate::domain::cart::Cart;
use leptos::prelude::*;

const STORAGE_KEY: &str = "storefront.cart.v1";

/// The shopper's cart. Components that only read it subscribe to it; the few that
/// change it call `update`.
#[derive(Clone, Copy)]
pub struct CartContext(pub RwSignal<Cart>);

/// The cart saved on this device, or an empty one.
///
/// Saved as JSON in the shape the cart has on the wire (`{"lines":[{"variant_id":…,
/// "quantity":…}]}`, so a cart saved by an earlier release reads the same), parsed and
/// written by the browser's own `JSON` with the cart's serde derive: the first load carries
/// no JSON reader of its own.
pub fn load_saved_cart() -> Cart {
    storage::load(STORAGE_KEY)
        .and_then(|json| web_sys::js_sys::JSON::parse(&json).ok())
        .and_then(|value| serde_wasm_bindgen::from_value(value).ok())
        .unwrap_or_default()
}

/// The cart as [`load_saved_cart`] reads it.
pub fn saved_form(cart: &Cart) -> String {
    serde_wasm_bindgen::to_value(cart)
        .ok()
        .and_then(|value| web_sys::js_sys::JSON::stringify(&value).ok())
        .map(String::from)
        .unwrap_or_default()
}

/// Creates the cart from local storage, saves every change back, and provides it.
pub fn provide_cart() -> CartContext {
    let cart = CartContext(RwSignal::new(load_saved_cart()));
    Effect::new(move |_| {
        let json = cart.0.with(saved_form);
        storage::save(STORAGE_KEY, &json);
    });
    provide_context(cart);
    cart
}

pub fn use_cart() -> CartContext {
    expect_context::<CartContext>()
}
