//! Recommendations from real purchases, each list a part of its own (fetched after the
//! page shows): "Goes well with" a product or the cart, and "Picked for you" for a
//! signed-in customer. A list with nothing to show shows nothing.

use super::part::{split_view, Deferred};
use super::ProductGrid;
use crate::api::catalog::{get_goes_with, get_picked_for_you, ProductCard};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

split_view!(
    goes_with_list(slug: Option<String>, variant_ids: Vec<i64>),
    preload_goes_with_list => view! { <GoesWellWith slug variant_ids /> }
);

split_view!(picked_list(), preload_picked_list => view! { <PickedForYou /> });

/// "Goes well with" product `slug` (on its page) or the cart's variants.
#[component]
pub fn GoesWellWithPart(
    #[prop(optional)] slug: Option<String>,
    #[prop(optional)] variant_ids: Vec<i64>,
) -> impl IntoView {
    let args = StoredValue::new((slug, variant_ids));
    view! {
        <Deferred
            when=true
            load=move || {
                let (slug, ids) = args.get_value();
                goes_with_list(slug, ids)
            }
            what="Suggestions"
        />
    }
}

/// "Picked for you", for a signed-in customer.
#[component]
pub fn PickedForYouPart() -> impl IntoView {
    view! { <Deferred when=true load=picked_list what="Suggestions" /> }
}

/// A titled list of products once `load` answers, or nothing if it has none.
#[component]
fn Suggestions<Fut>(heading: &'static str, id: &'static str, load: Fut) -> impl IntoView
where
    Fut: std::future::Future<Output = Result<Vec<ProductCard>, crate::api::ShopError>> + 'static,
{
    let cards = RwSignal::new(None::<Vec<ProductCard>>);
    let fut = SendWrapper::new(load);
    leptos::task::spawn_local(async move {
        cards.set(Some(fut.await.unwrap_or_default()));
    });
    move || {
        cards.get().filter(|c| !c.is_empty()).map(|products| {
            view! {
                <section class="suggestions" aria-labelledby=id>
                    <h2 id=id>{heading}</h2>
                    <ProductGrid products />
                </section>
            }
        })
    }
}

#[component]
fn GoesWellWith(slug: Option<String>, variant_ids: Vec<i64>) -> impl IntoView {
    view! { <Suggestions heading="Goes well with" id="goes-with-heading" load=get_goes_with(slug, variant_ids) /> }
}

#[component]
fn PickedForYou() -> impl IntoView {
    view! { <Suggestions heading="Picked for you" id="picked-heading" load=get_picked_for_you() /> }
}
