use crate::api::catalog::search_products;
use crate::components::{error_fallback, Loading, ProductGrid};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Search results for `?q=`.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = LocalResource::new(move || search_products(q()));
    view! {
        <Transition fallback=|| view! { <Loading what="results" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    results.await.map(|r| {
                        super::set_title(&format!("Search: {}", r.query));
                        let heading = if r.query.is_empty() {
                            "Search".to_owned()
                        } else {
                            format!("Results for “{}”", r.query)
                        };
                        let found = r.products.len();
                        view! {
                            <h1>{heading}</h1>
                            {if found == 0 {
                                Either::Left(view! {
                                    <div class="notice" role="status">
                                        <p>
                                            {if r.query.is_empty() {
                                                "Type what you're looking for in the search box above.".to_owned()
                                            } else {
                                                format!("Nothing matched “{}” yet.", r.query)
                                            }}
                                        </p>
                                        <p>
                                            "Try a shorter word, browse the categories above, or ask us in the help panel: we'll find it for you."
                                        </p>
                                    </div>
                                })
                            } else {
                                Either::Right(view! {
                                    <p class="count" role="status">
                                        {format!("{found} {}", if found == 1 { "product" } else { "products" })}
                                    </p>
                                    <ProductGrid products=r.products />
                                })
                            }}
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
