use super::Highlighted;
use crate::api::catalog::{ProductCard, SearchHit};
use leptos::prelude::*;

/// Fetches the product page's part (the app provides it; a lazy route): called when a
/// product's tile is pointed at, touched or focused, so the page is there when it opens.
#[derive(Clone, Copy)]
pub struct ProductPagePart(pub Callback<()>);

/// One product in a grid: picture, name (with matched parts marked), price, stock.
#[component]
pub fn ProductTile(
    card: ProductCard,
    /// Byte ranges of the name to mark, from a search.
    #[prop(optional)]
    highlights: Vec<(usize, usize)>,
) -> impl IntoView {
    let part = use_context::<ProductPagePart>();
    let fetch_page = move || {
        if let Some(ProductPagePart(fetch)) = part {
            fetch.run(());
        }
    };
    view! {
        <li class="product-card">
            <a class="product-card__link" href=format!("/p/{}", card.slug) on:pointerenter=move |_| fetch_page() on:focus=move |_| fetch_page()>
                <img class="product-card__image" src=card.image alt="" width="400" height="400" loading="lazy" />
                <span class="product-card__name"><Highlighted text=card.name ranges=highlights /></span>
            </a>
            <span class="product-card__meta">
                <span class="product-card__price">{card.price.to_string()}</span>
                {(!card.in_stock).then(|| view! { <span class="product-card__stock">"Out of stock"</span> })}
            </span>
        </li>
    }
}

/// A grid of product cards, each a link to its product page.
#[component]
pub fn ProductGrid(products: Vec<ProductCard>) -> impl IntoView {
    view! {
        <ul class="product-grid">
            {products.into_iter().map(|card| view! { <ProductTile card=card /> }).collect::<Vec<_>>()}
        </ul>
    }
}

/// Search results, with the matching parts of each name marked.
#[component]
pub fn HitGrid(hits: Vec<SearchHit>) -> impl IntoView {
    view! {
        <ul class="product-grid">
            {hits
                .into_iter()
                .map(|h| view! { <ProductTile card=h.card highlights=h.highlights /> })
                .collect::<Vec<_>>()}
        </ul>
    }
}
