use super::{focus_first_invalid, require_steps_before, use_checkout, FormErrors, Step};
use crate::api::orders::price_cart;
use crate::components::{use_cart, use_region, TextField};
use crate::domain::delivery::{arrival_label, DeliveryOption};
use crate::domain::validation::{check_details, Field, SHIPPING_COUNTRIES};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The fields this step asks for (the email was asked before).
const FIELDS: [Field; 7] = [
    Field::Name,
    Field::Line1,
    Field::Line2,
    Field::City,
    Field::Postcode,
    Field::Country,
    Field::Phone,
];

/// Step 2: the address, a phone for the courier, and standard or express delivery with
/// their prices and dates for this address.
#[component]
pub fn DeliveryStep() -> impl IntoView {
    crate::pages::set_title("Checkout: delivery");
    require_steps_before(Step::Delivery);
    let form = use_checkout();
    let cart = use_cart();
    let region = use_region();
    let errors = FormErrors::new(move || {
        check_details(&form.details())
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| FIELDS.contains(&e.field))
            .collect()
    });
    // Prices and dates of both options, for the region the address is in.
    let options = LocalResource::new(move || {
        price_cart(
            cart.0.with(|c| c.lines.clone()),
            region.0.get(),
            DeliveryOption::Standard,
        )
    });
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.submitted.set(true);
        if errors.is_valid() {
            navigate(Step::Payment.path(), Default::default());
        } else {
            focus_first_invalid();
        }
    };
    let country = move || form.country();
    view! {
        <form class="checkout__form" on:submit=on_submit novalidate=true aria-labelledby="step-heading">
            <h2 id="step-heading">"Where should we deliver?"</h2>
            <SavedAddresses />
            <div class="field">
                <label for="country">"Country"</label>
                <select
                    id="country"
                    autocomplete="country"
                    on:change:target=move |ev| form.details.update(|d| d.address.country = ev.target().value())
                >
                    {SHIPPING_COUNTRIES
                        .iter()
                        .map(|c| view! {
                            <option value=c.code selected=move || form.details.with(|d| d.address.country == c.code)>{c.name}</option>
                        })
                        .collect::<Vec<_>>()}
                </select>
                <p class="field__error" role="alert">{move || errors.error(Field::Country).get()}</p>
            </div>
            <TextField id="name" label="Full name" autocomplete="name" value=form.text(|d| &d.address.name, |d| &mut d.address.name) error=errors.error(Field::Name) on_blur=errors.blur(Field::Name) />
            <TextField id="line1" label="Address line 1" autocomplete="address-line1" value=form.text(|d| &d.address.line1, |d| &mut d.address.line1) error=errors.error(Field::Line1) on_blur=errors.blur(Field::Line1) />
            <TextField id="line2" label="Address line 2 (optional)" autocomplete="address-line2" value=form.text(|d| &d.address.line2, |d| &mut d.address.line2) error=errors.error(Field::Line2) on_blur=errors.blur(Field::Line2) />
            <TextField id="city" label="Town or city" autocomplete="address-level2" value=form.text(|d| &d.address.city, |d| &mut d.address.city) error=errors.error(Field::City) on_blur=errors.blur(Field::City) />
            <TextField
                id="postcode"
                label=Signal::derive(move || country().postcode_label.to_owned())
                hint=Signal::derive(move || format!("Like {}", country().postcode_example))
                autocomplete="postal-code"
                value=form.text(|d| &d.address.postcode, |d| &mut d.address.postcode)
                error=errors.error(Field::Postcode)
                on_blur=errors.blur(Field::Postcode)
            />
            <TextField
                id="phone"
                label="Phone number"
                kind="tel"
                autocomplete="tel"
                hint=Signal::derive(move || format!("For the courier only, like {}", country().phone_example))
                value=form.text(|d| &d.phone, |d| &mut d.phone)
                error=errors.error(Field::Phone)
                on_blur=errors.blur(Field::Phone)
            />
            {move || form.profile.with(Option::is_some).then(|| view! {
                <div class="field field--check">
                    <input id="save-address" type="checkbox" bind:checked=form.save_address />
                    <label for="save-address">"Save this address in my account for next time"</label>
                </div>
            })}
            <fieldset class="delivery-options">
                <legend>"Delivery option"</legend>
                <Transition fallback=|| view! { <p>"Working out delivery dates…"</p> }>
                    {move || Suspend::new(async move {
                        match options.await {
                            Ok(priced) => {
                                let note = priced.free_delivery_note.clone();
                                view! {
                                    {priced
                                        .options
                                        .into_iter()
                                        .map(|q| {
                                            let id = format!("delivery-{}", q.option.as_str());
                                            let price = if q.price.minor == 0 { "free".to_owned() } else { q.price.to_string() };
                                            let when = q
                                                .arrives
                                                .map(|d| format!(", arriving {}", arrival_label(d)))
                                                .unwrap_or_default();
                                            let label = format!("{}, {price}{when}", q.option.name());
                                            let option = q.option;
                                            view! {
                                                <div class="field field--radio">
                                                    <input
                                                        type="radio"
                                                        name="delivery"
                                                        id=id.clone()
                                                        value=option.as_str()
                                                        prop:checked=move || form.delivery.get() == option
                                                        on:change=move |_| form.delivery.set(option)
                                                    />
                                                    <label for=id>{label}</label>
                                                </div>
                                            }
                                        })
                                        .collect::<Vec<_>>()}
                                    <p class="hint">{note}</p>
                                }
                                .into_any()
                            }
                            Err(e) => view! { <p class="field__error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
                <p class="hint">{crate::domain::delivery::dispatch_rule()}</p>
            </fieldset>
            <div class="checkout__actions">
                <button class="button button--primary" type="submit">"Continue to payment"</button>
                <a href=Step::Contact.path()>"Back to contact details"</a>
            </div>
        </form>
    }
}

/// A signed-in customer's saved addresses, each filling in the form in one click.
#[component]
fn SavedAddresses() -> impl IntoView {
    let form = use_checkout();
    move || {
        let saved = form
            .profile
            .with(|p| p.as_ref().map(|p| p.addresses.clone()))?;
        (!saved.is_empty()).then(|| {
            view! {
                <fieldset class="saved-addresses">
                    <legend>"Your saved addresses"</legend>
                    <ul class="account-orders">
                        {saved
                            .into_iter()
                            .map(|s| {
                                let lines = s.address.lines().join(", ");
                                view! {
                                    <li>
                                        <span>{lines.clone()}</span>
                                        <button type="button" class="button" on:click=move |_| {
                                            form.details.update(|d| {
                                                d.address.clone_from(&s.address);
                                                d.phone.clone_from(&s.phone);
                                            });
                                        }>
                                            <span>"Deliver here"</span>
                                            <span class="visually-hidden">{format!(": {lines}")}</span>
                                        </button>
                                    </li>
                                }
                            })
                            .collect::<Vec<_>>()}
                    </ul>
                </fieldset>
            }
        })
    }
}
