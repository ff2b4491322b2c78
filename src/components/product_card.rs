use crate::api::catalog::ProductCard;
use leptos::prelude::*;

/// A grid of product cards, each a link to its product page.
#[component]
pub fn ProductGrid(products: Vec<ProductCard>) -> impl IntoView {
    view! {
        <ul class="product-grid">
            {products
                .into_iter()
                .map(|p| {
                    let href = format!("/p/{}", p.slug);
                    view! {
                        <li class="product-card">
                            <a class="product-card__link" href=href>
                                <img class="product-card__image" src=p.image alt="" width="400" height="400" loading="lazy" />
                                <span class="product-card__name">{p.name}</span>
                            </a>
                            <span class="product-card__meta">
                                <span class="product-card__price">{p.price.to_string()}</span>
                                {(!p.in_stock).then(|| view! { <span class="product-card__stock">"Out of stock"</span> })}
                            </span>
                        </li>
                    }
                })
                .collect::<Vec<_>>()}
        </ul>
    }
}
