use super::cart::{line_problem, priced_cart_resource, CartTotals};
use crate::api::orders::PlaceOrder;
use crate::api::ShopError;
use crate::components::{error_fallback, use_cart, use_region, Loading, TextField};
use crate::domain::location::region_for_postcode;
use crate::domain::validation::{
    check_details, check_uk_postcode, Address, CheckoutDetails, Field, FieldError,
    SHIPPING_COUNTRIES,
};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::collections::HashSet;

/// The checkout form's values.
#[derive(Clone, Copy)]
struct FormValues {
    email: RwSignal<String>,
    name: RwSignal<String>,
    line1: RwSignal<String>,
    line2: RwSignal<String>,
    city: RwSignal<String>,
    postcode: RwSignal<String>,
    country: RwSignal<String>,
}

impl FormValues {
    fn new() -> Self {
        Self {
            email: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            line1: RwSignal::new(String::new()),
            line2: RwSignal::new(String::new()),
            city: RwSignal::new(String::new()),
            postcode: RwSignal::new(String::new()),
            country: RwSignal::new("GB".to_owned()),
        }
    }

    fn details(&self) -> CheckoutDetails {
        CheckoutDetails {
            email: self.email.get(),
            address: Address {
                name: self.name.get(),
                line1: self.line1.get(),
                line2: self.line2.get(),
                city: self.city.get(),
                postcode: self.postcode.get(),
                country: self.country.get(),
            },
        }
    }
}

/// Guest checkout: email and delivery address, the cart priced by the shop, "Place order".
#[component]
pub fn CheckoutPage() -> impl IntoView {
    super::set_title("Checkout");
    let cart = use_cart();
    let region = use_region();
    let priced = priced_cart_resource();
    // Units that will follow later: the shopper must say yes to that, every time.
    let waiting = Memo::new(move |_| {
        priced.with(|p| {
            p.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|p| {
                    let units: u32 = p.waiting().map(|l| l.backordered).sum();
                    let latest = p.waiting().filter_map(|l| l.back_on).max();
                    (units, latest)
                })
                .filter(|(units, _)| *units > 0)
        })
    });
    let accept_backorder = RwSignal::new(false);
    let values = FormValues::new();
    // The delivery address decides the nearest centre and the dates shown.
    Effect::new(move |_| {
        let postcode = values.postcode.get();
        let area = check_uk_postcode(&postcode)
            .ok()
            .and_then(|p| region_for_postcode(&p));
        if let Some(r) = area {
            if region.0.get_untracked() != r.code {
                region.0.set(r.code.to_owned());
            }
        }
    });
    let place = ServerAction::<PlaceOrder>::new();
    let submitted = RwSignal::new(false);
    let touched = RwSignal::new(HashSet::<Field>::new());
    let client_errors =
        Memo::new(move |_| check_details(&values.details()).err().unwrap_or_default());
    let server_error = Memo::new(move |_| place.value().get().and_then(Result::err));

    // Every message for a field: the browser's own check once the field was left (or
    // on submit), else what the server said.
    let error_for = move |field: Field| {
        Signal::derive(move || {
            let shown = submitted.get() || touched.with(|t| t.contains(&field));
            let client = client_errors.with(|errs: &Vec<FieldError>| {
                errs.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            });
            if shown && client.is_some() {
                return client;
            }
            server_error.with(|e| e.as_ref().and_then(|e| e.message_for(&field)))
        })
    };

    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Err(ShopError::Invalid(_))) = place.value().get() {
            focus_first_invalid();
        }
        if let Some(Ok(order)) = place.value().get() {
            cart.0.update(|c| c.clear());
            navigate(
                &format!("/orders/{}/confirmation?key={}", order.number, order.key),
                Default::default(),
            );
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if place.pending().get_untracked() {
            return;
        }
        let must_accept = waiting.get_untracked().is_some() && !accept_backorder.get_untracked();
        if !client_errors.get_untracked().is_empty() || must_accept {
            focus_first_invalid();
            return;
        }
        place.dispatch(PlaceOrder {
            details: values.details(),
            lines: cart.0.with_untracked(|c| c.lines.clone()),
            region: region.0.get_untracked(),
            accept_backorder: accept_backorder.get_untracked(),
        });
    };
    let blur = move |field: Field| {
        move |_| {
            touched.update(|t| {
                t.insert(field.clone());
            })
        }
    };

    let general_error = move || {
        server_error.get().and_then(|e| match e {
            ShopError::Invalid(_) => None,
            other => Some(other.to_string()),
        })
    };

    view! {
        <h1>"Checkout"</h1>
        <div class="checkout">
            <section class="checkout__summary" aria-labelledby="order-heading">
                <h2 id="order-heading">"Your order"</h2>
                <Transition fallback=|| view! { <Loading what="your order" /> }>
                    <ErrorBoundary fallback=error_fallback>
                        {move || Suspend::new(async move {
                            priced.await.map(|priced| {
                                let lines = priced.lines.clone();
                                view! {
                                    {priced.lines.is_empty().then(|| view! {
                                        <p class="notice">"Your cart is empty. " <a href="/">"Find something you love"</a></p>
                                    })}
                                    <ul class="checkout__lines">
                                        {lines
                                            .into_iter()
                                            .map(|l| {
                                                let id = l.variant_id;
                                                let text = format!("{} × {} ({}) — {}", l.quantity, l.product_name, l.variant_label, l.line_total);
                                                let plan: Vec<String> = l
                                                    .shipments
                                                    .iter()
                                                    .map(|s| s.label())
                                                    .chain(l.waiting_label())
                                                    .collect();
                                                let problem = (!l.can_order()).then(|| line_problem(&l)).flatten();
                                                let problem = move || {
                                                    server_error
                                                        .with(|e| e.as_ref().and_then(|e| e.message_for(&Field::Line(id))))
                                                        .or_else(|| problem.clone())
                                                };
                                                view! {
                                                    <li>
                                                        {text}
                                                        <ul class="checkout__plan">
                                                            {plan.into_iter().map(|p| view! { <li>{p}</li> }).collect::<Vec<_>>()}
                                                        </ul>
                                                        <span class="field__error" role="alert">{problem}</span>
                                                    </li>
                                                }
                                            })
                                            .collect::<Vec<_>>()}
                                    </ul>
                                    <CartTotals priced=priced />
                                    <p><a href="/cart">"Change your cart"</a></p>
                                }
                            })
                        })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <form class="checkout__form" on:submit=on_submit novalidate=true>
                <fieldset>
                    <legend>"Your email"</legend>
                    <p class="hint">"For your receipt and delivery updates only. We never share it."</p>
                    <TextField id="email" label="Email address" kind="email" autocomplete="email" value=values.email error=error_for(Field::Email) on_blur=blur(Field::Email) />
                </fieldset>
                <fieldset>
                    <legend>"Delivery address"</legend>
                    <TextField id="name" label="Full name" autocomplete="name" value=values.name error=error_for(Field::Name) on_blur=blur(Field::Name) />
                    <TextField id="line1" label="Address line 1" autocomplete="address-line1" value=values.line1 error=error_for(Field::Line1) on_blur=blur(Field::Line1) />
                    <TextField id="line2" label="Address line 2 (optional)" autocomplete="address-line2" value=values.line2 error=error_for(Field::Line2) on_blur=blur(Field::Line2) />
                    <TextField id="city" label="Town or city" autocomplete="address-level2" value=values.city error=error_for(Field::City) on_blur=blur(Field::City) />
                    <TextField id="postcode" label="Postcode" autocomplete="postal-code" value=values.postcode error=error_for(Field::Postcode) on_blur=blur(Field::Postcode) />
                    <div class="field">
                        <label for="country">"Country"</label>
                        <select id="country" autocomplete="country" on:change:target=move |ev| values.country.set(ev.target().value())>
                            {SHIPPING_COUNTRIES
                                .iter()
                                .map(|(code, name)| view! { <option value=*code>{*name}</option> })
                                .collect::<Vec<_>>()}
                        </select>
                        <p class="field__error" role="alert">{move || error_for(Field::Country).get()}</p>
                    </div>
                </fieldset>
                {move || waiting.get().map(|(units, latest)| {
                    let when = latest.map(|d| d.short_label()).unwrap_or_default();
                    let label = if units == 1 {
                        format!("I'm happy for 1 item to follow later, around {when}, when it's back in stock.")
                    } else {
                        format!("I'm happy for {units} items to follow later, around {when}, when they're back in stock.")
                    };
                    let error = move || {
                        let unticked = submitted.get() && !accept_backorder.get();
                        error_for(Field::Backorder)
                            .get()
                            .filter(|_| !accept_backorder.get())
                            .or_else(|| unticked.then(|| "Please tick this box, or lower the quantities in your cart.".to_owned()))
                    };
                    view! {
                        <fieldset class="checkout__backorder">
                            <legend>"Items that follow later"</legend>
                            <div class="field field--check">
                                <input
                                    id="accept-backorder"
                                    type="checkbox"
                                    bind:checked=accept_backorder
                                    aria-invalid=move || error().is_some().to_string()
                                    aria-describedby="accept-backorder-error"
                                />
                                <label for="accept-backorder">{label}</label>
                                <p id="accept-backorder-error" class="field__error">{error}</p>
                            </div>
                        </fieldset>
                    }
                })}
                <p class="hint">
                    "Placing your order reserves your items straight away. Nothing is charged online yet: we will contact you to arrange payment before anything ships. Returns are free within 30 days."
                </p>
                <p class="field__error" role="alert">
                    {move || error_for(Field::Cart).get()}
                    {general_error}
                </p>
                <button class="button button--primary" type="submit" disabled=move || place.pending().get()>
                    {move || if place.pending().get() { "Placing your order…" } else { "Place order" }}
                </button>
            </form>
        </div>
    }
}

/// Moves focus to the first field marked invalid, once the marks are drawn, so keyboard
/// and screen-reader users land on what needs fixing.
fn focus_first_invalid() {
    request_animation_frame(|| {
        use leptos::wasm_bindgen::JsCast;
        let first = document()
            .query_selector(".checkout__form [aria-invalid='true']")
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = first {
            let _ = el.focus();
        }
    });
}
