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
pub fn load_saved_cart() -> Cart {
    storage::load(STORAGE_KEY)
        .and_then(|json| serde_json::from_slice(json.as_bytes()).ok())
        .unwrap_or_default()
}

/// Creates the cart from local storage, saves every change back, and provides it.
pub fn provide_cart() -> CartContext {
    let cart = CartContext(RwSignal::new(load_saved_cart()));
    Effect::new(move |_| {
        let json = cart
            .0
            .with(|c| serde_json::to_string(c).unwrap_or_default());
        storage::save(STORAGE_KEY, &json);
    });
    provide_context(cart);
    cart
}

pub fn use_cart() -> CartContext {
    expect_context::<CartContext>()
}
