use super::Highlighted;
use crate::api::catalog::{ProductCard, SearchHit};
use leptos::prelude::*;

/// One product in a grid: picture, name (with matched parts marked), price, stock.
#[component]
pub fn ProductTile(
    card: ProductCard,
    /// Byte ranges of the name to mark, from a search.
    #[prop(optional)]
    highlights: Vec<(usize, usize)>,
) -> impl IntoView {
    view! {
        <li class="product-card">
            <a class="product-card__link" href=format!("/p/{}", card.slug)>
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
