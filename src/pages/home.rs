use crate::api::catalog::get_home;
use crate::components::recommend::PickedForYouPart;
use crate::components::{error_fallback, Loading, ProductGrid};
use leptos::prelude::*;

/// The front door's heading, in the first load: it is the first thing a shopper reads
/// (and the page's largest paint), so it doesn't wait for the rest of the page's part.
#[component]
pub fn HomeHero() -> impl IntoView {
    super::set_title("");
    view! {
        <section class="hero">
            <h1>"Good clothes, honest stock, real people to help."</h1>
            <p>{format!("Free standard delivery on orders of {} or more and free returns within {} days.", crate::domain::pricing::FREE_DELIVERY_FROM, crate::domain::returns::RETURN_DAYS)}</p>
        </section>
    }
}

/// The front door under its heading: every category, then the shop's most popular
/// products.
#[component]
pub fn HomePage() -> impl IntoView {
    let home = LocalResource::new(get_home);
    view! {
        <Transition fallback=|| view! { <Loading what="the shop" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    home.await.map(|home| {
                        view! {
                            <section aria-labelledby="categories-heading">
                                <h2 id="categories-heading">"Shop by category"</h2>
                                <ul class="category-list">
                                    {home
                                        .categories
                                        .into_iter()
                                        .map(|c| {
                                            view! {
                                                <li class="category-list__item">
                                                    <a href=format!("/c/{}", c.slug)>{c.name}</a>
                                                    <span>{c.blurb}</span>
                                                </li>
                                            }
                                        })
                                        .collect::<Vec<_>>()}
                                </ul>
                            </section>
                            {crate::components::storage::account_kept_here().then(|| view! { <PickedForYouPart /> })}
                            <section aria-labelledby="popular-heading">
                                <h2 id="popular-heading">"Popular right now"</h2>
                                <ProductGrid products=home.featured />
                            </section>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
