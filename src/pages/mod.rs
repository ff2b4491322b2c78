//! One file per route.

pub mod agent;
pub mod cart;
pub mod category;
pub mod checkout;
pub mod home;
pub mod not_found;
pub mod order;
pub mod product;
pub mod returns;
pub mod search;

/// Sets the browser tab's title: "<page> · Storefront".
pub fn set_title(page: &str) {
    let title = if page.is_empty() {
        "Storefront".to_owned()
    } else {
        format!("{page} · Storefront")
    };
    if let Some(doc) = leptos::prelude::window().document() {
        doc.set_title(&title);
    }
}
