//! Recommendations from real purchases: "Goes well with" a product (in the product page's
//! extras part) or the cart, and "Picked for you" for a signed-in customer. The lists are
//! drawn by a part of their own (the home page fetches it only where an account is signed
//! in on the device). A list with nothing in it shows nothing.

use super::part::{split_view, Deferred};
use super::ProductGrid;
use crate::api::catalog::{get_goes_with, get_picked_for_you, ProductCard};
use leptos::prelude::*;

split_view!(
    suggestions_list(variant_ids: Option<Vec<i64>>),
    preload_suggestions_list => match variant_ids {
        Some(variant_ids) => view! { <GoesWellWith slug=None variant_ids /> }.into_any(),
        None => view! { <PickedForYou /> }.into_any(),
    }
);

/// "Goes well with" the cart's variants.
#[component]
pub fn GoesWellWithPart(variant_ids: Vec<i64>) -> impl IntoView {
    let ids = StoredValue::new(variant_ids);
    view! {
        <Deferred when=true load=move || suggestions_list(Some(ids.get_value())) what="Suggestions" />
    }
}

/// "Picked for you" for a signed-in customer. The home page shows it only where the
/// account was last seen signed in on this device (`storage::account_kept_here`), so
/// other shoppers fetch no part; the shop decides what (if anything) to pick.
#[component]
pub fn PickedForYouPart() -> impl IntoView {
    view! { <Deferred when=true load=|| suggestions_list(None) what="Suggestions" /> }
}

/// A titled list of products.
#[component]
fn Suggested(heading: &'static str, id: &'static str, products: Vec<ProductCard>) -> impl IntoView {
    view! {
        <section class="suggestions" aria-labelledby=id>
            <h2 id=id>{heading}</h2>
            <ProductGrid products />
        </section>
    }
}

/// "Picked for you", once the shop answers (nothing for someone not signed in).
#[component]
fn PickedForYou() -> impl IntoView {
    let cards = RwSignal::new(Vec::<ProductCard>::new());
    leptos::task::spawn_local(async move {
        cards.set(get_picked_for_you().await.unwrap_or_default());
    });
    move || {
        let products = cards.get();
        (!products.is_empty())
            .then(|| view! { <Suggested heading="Picked for you" id="picked-heading" products /> })
    }
}

/// "Goes well with" product `slug` or the cart's variants, once the shop answers.
#[component]
pub(crate) fn GoesWellWith(slug: Option<String>, variant_ids: Vec<i64>) -> impl IntoView {
    let cards = RwSignal::new(Vec::<ProductCard>::new());
    leptos::task::spawn_local(async move {
        cards.set(get_goes_with(slug, variant_ids).await.unwrap_or_default());
    });
    move || {
        let products = cards.get();
        (!products.is_empty()).then(
            || view! { <Suggested heading="Goes well with" id="goes-with-heading" products /> },
        )
    }
}
