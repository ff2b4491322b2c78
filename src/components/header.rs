use super::use_cart;
use crate::api::catalog::list_categories;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

/// `/search?q=…` with the query properly encoded.
pub fn search_href(query: &str) -> String {
    match web_sys::UrlSearchParams::new() {
        Ok(params) => {
            params.append("q", query.trim());
            format!("/search?{}", String::from(params.to_string()))
        }
        Err(_) => "/search".to_owned(),
    }
}

/// The header on every page: the shop's name, the search box, the categories and the cart.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let cart = use_cart();
    let count = move || cart.0.with(|c| c.item_count());
    let categories = LocalResource::new(list_categories);
    let navigate = use_navigate();
    let query = use_query_map();
    let location = use_location();
    let search_text = RwSignal::new(String::new());
    // Keep the box in step with the results page's query (back button, deep links).
    Effect::new(move |_| {
        if location.pathname.get() == "/search" {
            search_text.set(query.read().get("q").unwrap_or_default());
        }
    });
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(
            &search_href(&search_text.get_untracked()),
            Default::default(),
        );
    };

    view! {
        <header class="site-header">
            <div class="site-header__bar">
                <a class="site-header__logo" href="/">"Storefront"</a>
                <form class="search" role="search" on:submit=on_search>
                    <label class="visually-hidden" for="site-search">"Search products"</label>
                    <input
                        id="site-search"
                        class="search__input"
                        type="search"
                        name="q"
                        placeholder="Search shirts, shoes, bags…"
                        autocomplete="off"
                        maxlength="100"
                        bind:value=search_text
                    />
                    <button class="search__button" type="submit">"Search"</button>
                </form>
                <a class="site-header__cart" href="/cart">
                    "Cart "
                    <span class="site-header__count">{count}</span>
                    <span class="visually-hidden">{move || if count() == 1 { " item" } else { " items" }}</span>
                </a>
            </div>
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
                            .ok()
                    })}
                </Transition>
            </nav>
        </header>
    }
}
