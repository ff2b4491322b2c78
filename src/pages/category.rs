use crate::api::catalog::get_category;
use crate::components::{error_fallback, Loading, ProductGrid};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// A category and all its products.
#[component]
pub fn CategoryPage() -> impl IntoView {
    let params = use_params_map();
    let page =
        LocalResource::new(move || get_category(params.read().get("slug").unwrap_or_default()));
    view! {
        <Transition fallback=|| view! { <Loading what="products" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    page.await.map(|page| {
                        super::set_title(&page.category.name);
                        view! {
                            <nav aria-label="Breadcrumb" class="breadcrumb">
                                <a href="/">"Home"</a>
                                " › "
                                <span aria-current="page">{page.category.name.clone()}</span>
                            </nav>
                            <h1>{page.category.name}</h1>
                            <p class="lead">{page.category.blurb}</p>
                            <p class="count">{format!("{} products", page.products.len())}</p>
                            <ProductGrid products=page.products />
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
