use crate::api::catalog::{get_product, DeliveryPromise, ProductDetail as Product, Variant};
use crate::components::browser::Later;
use crate::components::reviews::ProductExtrasPart;
use crate::components::{
    error_fallback, use_cart, use_live_stock, use_region, InStockInsteadPart, Loading,
    NotifyWhenBackPart, StockBadge,
};
use crate::domain::account::preselected_size;
use crate::domain::cart::MAX_QUANTITY_PER_LINE;
use crate::domain::stock::Availability;
use crate::domain::validation::check_quantity;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// A product: picture, price, description, the variant picker with that variant's stock,
/// and "Add to cart".
#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let region = use_region();
    let product = LocalResource::new(move || {
        get_product(
            params.read().get("slug").unwrap_or_default(),
            region.0.get(),
        )
    });
    view! {
        <Transition fallback=|| view! { <Loading what="the product" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    product.await.map(|p| {
                        super::set_title(&p.name);
                        view! { <ProductDetail product=p /> }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

fn distinct(values: impl Iterator<Item = Option<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values.flatten() {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The product once loaded.
#[component]
fn ProductDetail(product: Product) -> impl IntoView {
    let cart = use_cart();
    let variants = StoredValue::new(product.variants.clone());
    let colours = distinct(product.variants.iter().map(|v| v.colour.clone()));
    let sizes = distinct(product.variants.iter().map(|v| v.size.clone()));
    // Start on the first variant that can be bought, else the first.
    let first = product
        .variants
        .iter()
        .find(|v| v.availability.is_in_stock())
        .or(product.variants.first())
        .cloned();
    let colour = RwSignal::new(first.as_ref().and_then(|v| v.colour.clone()));
    // A signed-in customer's size in this category, when the product comes in it.
    let mine = crate::components::storage::preferred_size(&product.category.slug);
    let size = RwSignal::new(
        preselected_size(mine.as_deref(), &sizes)
            .map(str::to_owned)
            .or_else(|| first.as_ref().and_then(|v| v.size.clone())),
    );
    let quantity = RwSignal::new("1".to_owned());
    let message = RwSignal::new(None::<String>);
    let added = RwSignal::new(None::<String>);

    // Stock as it changes while the page is open; until a change arrives, as loaded.
    let ids: Vec<i64> = product.variants.iter().map(|v| v.id).collect();
    let live = use_live_stock(move || ids.clone());
    let now = move |v: &Variant| -> (Availability, Option<DeliveryPromise>) {
        live.with(|m| {
            m.get(&v.id)
                .map(|l| (l.availability, l.delivery.clone()))
                .unwrap_or_else(|| (v.availability, v.delivery.clone()))
        })
    };

    let selected = Memo::new(move |_| {
        variants.with_value(|vs| {
            vs.iter()
                .find(|v| v.colour == colour.get() && v.size == size.get())
                .cloned()
        })
    });
    let availability = Signal::derive(move || {
        selected
            .get()
            .map_or(Availability::OutOfStock { back_on: None }, |v| now(&v).0)
    });
    let delivery = move || {
        selected
            .get()
            .and_then(|v| now(&v).1)
            .filter(|_| availability.get().is_in_stock())
            .map(|d| d.label())
    };
    // The variant on show when it can't be bought: offer alternatives and an alert.
    let sold_out = Memo::new(move |_| {
        selected
            .get()
            .filter(|_| !availability.get().is_in_stock())
            .map(|v| v.id)
    });
    let name = product.name.clone();
    let add = move |_| {
        added.set(None);
        let Some(variant) = selected.get_untracked() else {
            message.set(Some("Please choose a colour and size.".into()));
            return;
        };
        let wanted = match quantity.get_untracked().trim().parse::<u32>() {
            Ok(q) => check_quantity(q),
            Err(_) => Err("Please enter a whole number, like 1 or 2.".into()),
        };
        let wanted = match wanted {
            Ok(q) => q,
            Err(m) => {
                message.set(Some(m));
                return;
            }
        };
        let in_cart = cart.0.with_untracked(|c| c.quantity_of(variant.id));
        let available = availability.get_untracked().available();
        if in_cart + wanted > available {
            message.set(Some(match (available, in_cart) {
                (0, _) => "Sorry, this one is out of stock right now.".to_owned(),
                (n, 0) => format!("Sorry, we only have {n} of these."),
                (n, c) => format!("Sorry, we only have {n}, and {c} are already in your cart."),
            }));
            return;
        }
        let got = cart
            .0
            .try_update(|c| c.add(variant.id, wanted))
            .unwrap_or(0);
        message.set(None);
        added.set(Some(format!(
            "Added {got} × {} ({}) to your cart.",
            name,
            variant.label()
        )));
        quantity.set("1".into());
    };

    let colour_picker = (!colours.is_empty()).then(|| {
        view! {
            <div class="field">
                <label for="variant-colour">"Colour"</label>
                <select
                    id="variant-colour"
                    on:change:target=move |ev| {
                        colour.set(Some(ev.target().value()));
                        added.set(None);
                    }
                >
                    {colours
                        .into_iter()
                        .map(|c| {
                            let value = c.clone();
                            let selected_now = colour.get_untracked().as_deref() == Some(c.as_str());
                            view! { <option value=value selected=selected_now>{c}</option> }
                        })
                        .collect::<Vec<_>>()}
                </select>
            </div>
        }
    });
    let size_picker = (!sizes.is_empty()).then(|| {
        view! {
            <div class="field">
                <label for="variant-size">"Size"</label>
                <select
                    id="variant-size"
                    on:change:target=move |ev| {
                        size.set(Some(ev.target().value()));
                        added.set(None);
                    }
                >
                    {sizes
                        .into_iter()
                        .map(|s| {
                            let value = s.clone();
                            let label_size = s.clone();
                            let selected_now = size.get_untracked().as_deref() == Some(s.as_str());
                            // Say which sizes are gone in the current colour.
                            let label = move || {
                                let sold_out = variants.with_value(|vs| {
                                    vs.iter()
                                        .find(|v: &&Variant| v.colour == colour.get() && v.size.as_deref() == Some(label_size.as_str()))
                                        .is_some_and(|v| !now(v).0.is_in_stock())
                                });
                                if sold_out { format!("{label_size} (out of stock)") } else { label_size.clone() }
                            };
                            view! { <option value=value selected=selected_now>{label}</option> }
                        })
                        .collect::<Vec<_>>()}
                </select>
            </div>
        }
    });

    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <a href="/">"Home"</a>
            " › "
            <a href=format!("/c/{}", product.category.slug)>{product.category.name.clone()}</a>
            " › "
            <span aria-current="page">{product.name.clone()}</span>
        </nav>
        <article class="product">
            <img class="product__image" src=product.image.clone() alt=product.name.clone() width="400" height="400" />
            <div class="product__info">
                <h1 class="product__name">{product.name.clone()}</h1>
                <p class="product__price">{product.price.to_string()}</p>
                // The rest, a task later: on a phone it is below the first screen.
                <Later>
                    <form class="product__buy" on:submit=move |ev| ev.prevent_default()>
                        {colour_picker}
                        {size_picker}
                        <StockBadge availability=availability />
                        <p class="product__delivery">{delivery}</p>
                        <div class="field field--quantity">
                            <label for="quantity">"Quantity"</label>
                            <input
                                id="quantity"
                                type="number"
                                inputmode="numeric"
                                min="1"
                                max=MAX_QUANTITY_PER_LINE.to_string()
                                bind:value=quantity
                                aria-invalid=move || message.get().is_some().to_string()
                                aria-describedby="quantity-message"
                            />
                            <p id="quantity-message" class="field__error" role="alert">{move || message.get()}</p>
                        </div>
                        <button
                            class="button button--primary"
                            type="submit"
                            on:click=add
                            disabled=move || !availability.get().is_in_stock()
                        >
                            "Add to cart"
                        </button>
                        <p class="product__added" role="status">
                            {move || added.get().map(|m| view! { {m} " " <a href="/cart">"View your cart"</a> })}
                        </p>
                    </form>
                    {move || sold_out.get().map(|id| view! { <NotifyWhenBackPart variant_id=id /> })}
                    <p class="product__description">{product.description.clone()}</p>
                    <ul class="product__details">
                        {product.details.iter().map(|d| view! { <li>{d.clone()}</li> }).collect::<Vec<_>>()}
                    </ul>
                </Later>
            </div>
        </article>
        <Later>
            {move || sold_out.get().map(|id| view! { <InStockInsteadPart variant_id=id /> })}
            <ProductExtrasPart slug=product.slug.clone() />
        </Later>
    }
}
