//! The printable return label.

use crate::api::orders::get_return_label;
use crate::components::{error_fallback, AddressLines, Loading};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The printable return label: the code, where it goes, who sends it, what is in it.
#[component]
pub fn ReturnLabelPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let label = LocalResource::new(move || {
        get_return_label(
            params.read().get("number").unwrap_or_default(),
            query.read().get("key").unwrap_or_default(),
            params.read().get("code").unwrap_or_default(),
        )
    });
    view! {
        <Transition fallback=|| view! { <Loading what="your return label" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    label.await.map(|l| {
                        super::set_title(&format!("Return label {}", l.code));
                        let back = format!(
                            "/orders/{}?key={}",
                            l.order_number,
                            query.read_untracked().get("key").unwrap_or_default()
                        );
                        view! {
                            <article class="return-label">
                                <h1>{format!("Return label {}", l.code)}</h1>
                                <p class="return-label__code" aria-label=format!("Return code {}", l.code)>{l.code.clone()}</p>
                                <div class="return-label__addresses">
                                    <section aria-labelledby="label-to">
                                        <h2 id="label-to">"Send to"</h2>
                                        <p><strong>{l.to.clone()}</strong></p>
                                        <p>"Postage paid: no stamp needed."</p>
                                    </section>
                                    <section aria-labelledby="label-from">
                                        <h2 id="label-from">"From"</h2>
                                        <AddressLines address=l.from.clone() />
                                    </section>
                                </div>
                                <h2>"In this parcel"</h2>
                                <ul>{l.items.iter().map(|i| view! { <li>{i.clone()}</li> }).collect::<Vec<_>>()}</ul>
                                <p>{format!("Order {} · Reason: {}", l.order_number, l.reason.label())}</p>
                                <p class="return-label__how">
                                    "Pack the items with their labels, print this page and tape it to the parcel (or write the code "
                                    <strong>{l.code.clone()}</strong>
                                    " on it clearly), then hand it in at any Post Office."
                                </p>
                                <p class="no-print">
                                    <button type="button" class="button button--primary" on:click=move |_| {
                                        let _ = window().print();
                                    }>"Print this label"</button>
                                    " "
                                    <a href=back>"Back to your order"</a>
                                </p>
                            </article>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
