use super::shell_reads::read_categories;
use super::{use_cart, RegionPicker, RegionPrompt, SearchBox};
use leptos::prelude::*;

/// The header on every page: the shop's name, the search box, the categories and the cart.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let cart = use_cart();
    let count = move || cart.0.with(|c| c.item_count());
    let categories = LocalResource::new(read_categories);

    view! {
        <header class="site-header">
            <div class="site-header__bar">
                <a class="site-header__logo" href="/">"Storefront"</a>
                <SearchBox />
                <RegionPicker />
                <a class="site-header__cart" href="/cart">
                    "Cart "
                    <span class="site-header__count">{count}</span>
                    <span class="visually-hidden">{move || if count() == 1 { " item" } else { " items" }}</span>
                </a>
            </div>
            <RegionPrompt />
            <nav class="site-nav" aria-label="Categories">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        categories
                            .await
                            .map(|cats| {
                                view! {
                                    <ul class="site-nav__list">
                                        {cats
                                            .into_iter()
                                            .map(|c| view! { <li><a href=format!("/c/{}", c.slug)>{c.name}</a></li> })
                                            .collect::<Vec<_>>()}
                                    </ul>
                                }
                            })
                    })}
                </Transition>
            </nav>
        </header>
    }
}
