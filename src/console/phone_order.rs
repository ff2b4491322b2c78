//! "Take an order by phone": items by SKU, the caller's contact and address, delivery;
//! "Price it" reads the total back (the same prices and stock as the website); the card
//! the caller reads out goes to the gateway, and "Place the order" places it once (the
//! same exactly-once checkout, by a key made when the form opens), with the agent's name
//! on it. The customer gets the receipt and their private link by mail.

use crate::api::agent::{agent_place_phone_order, agent_price_phone_order, PhoneOrder};
use crate::api::checkout::tokenize_card;
use crate::api::orders::PricedCart;
use crate::api::ShopError;
use crate::components::browser::new_attempt_key;
use crate::components::{SelectField, TextField};
use crate::domain::delivery::DeliveryOption;
use crate::domain::payment::CardEntry;
use crate::domain::validation::{Address, CheckoutDetails, Field, SHIPPING_COUNTRIES};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn PhoneOrderForm() -> impl IntoView {
    let sku = RwSignal::new(String::new());
    let units = RwSignal::new("1".to_owned());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let line1 = RwSignal::new(String::new());
    let line2 = RwSignal::new(String::new());
    let city = RwSignal::new(String::new());
    let postcode = RwSignal::new(String::new());
    let country = RwSignal::new("GB".to_owned());
    let delivery = RwSignal::new(DeliveryOption::Standard.as_str().to_owned());
    let card_number = RwSignal::new(String::new());
    let card_expiry = RwSignal::new(String::new());
    let card_cvc = RwSignal::new(String::new());
    let priced = RwSignal::new(None::<PricedCart>);
    let error = RwSignal::new(None::<ShopError>);
    let said = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let key = StoredValue::new(new_attempt_key());
    let address = move || Address {
        name: name.get_untracked(),
        line1: line1.get_untracked(),
        line2: line2.get_untracked(),
        city: city.get_untracked(),
        postcode: postcode.get_untracked(),
        country: country.get_untracked(),
    };
    let lines = move || {
        vec![(
            sku.get_untracked(),
            units.get_untracked().trim().parse::<u32>().unwrap_or(0),
        )]
    };
    let option = move || DeliveryOption::parse(&delivery.get_untracked()).unwrap_or_default();
    // Anything edited after pricing needs pricing again.
    Effect::new(move |_| {
        sku.track();
        units.track();
        postcode.track();
        country.track();
        delivery.track();
        priced.set(None);
    });
    let price = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        said.set(None);
        spawn_local(async move {
            match agent_price_phone_order(lines(), address(), option()).await {
                Ok(p) => {
                    error.set(None);
                    priced.set(Some(p));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let place = move |_| {
        let Some(p) = priced.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let card = CardEntry {
                name: name.get_untracked(),
                number: card_number.get_untracked(),
                expiry: card_expiry.get_untracked(),
                cvc: card_cvc.get_untracked(),
            };
            let answer = match tokenize_card(card).await {
                Ok(token) => {
                    agent_place_phone_order(PhoneOrder {
                        lines: lines(),
                        details: CheckoutDetails {
                            email: email.get_untracked(),
                            phone: phone.get_untracked(),
                            address: address(),
                        },
                        delivery: option(),
                        card_token: token.token,
                        key: key.get_value(),
                        expected_now: p.charges.now,
                        expected_total: p.total,
                    })
                    .await
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok(placed) => {
                    error.set(None);
                    said.set(Some(format!(
                        "Order {} placed. The receipt and the order's link are on their way to {}.",
                        placed.number,
                        email.get_untracked()
                    )));
                    key.set_value(new_attempt_key());
                    priced.set(None);
                    card_number.set(String::new());
                    card_cvc.set(String::new());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let message =
        move |field: Field| Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&field)));
    let countries: Vec<(String, String)> = SHIPPING_COUNTRIES
        .iter()
        .map(|c| (c.code.to_owned(), c.name.to_owned()))
        .collect();
    let options: Vec<(String, String)> = DeliveryOption::ALL
        .into_iter()
        .map(|o| (o.as_str().to_owned(), o.name().to_owned()))
        .collect();
    let general = move || {
        error.with(|e| {
            let e = e.as_ref()?;
            let fields = [
                Field::Sku,
                Field::Email,
                Field::Phone,
                Field::Name,
                Field::Line1,
                Field::Line2,
                Field::City,
                Field::Postcode,
                Field::Country,
                Field::CardNumber,
                Field::CardExpiry,
                Field::CardCvc,
                Field::CardName,
            ];
            crate::components::notice::general_error(e, &fields)
        })
    };
    view! {
        <section class="console__phone-order" aria-labelledby="phone-order-heading">
            <h3 id="phone-order-heading">"Take an order by phone"</h3>
            <form on:submit=price novalidate>
                <TextField id="phone-sku" label="SKU" value=sku error=message(Field::Sku) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-units" label="Units" value=units kind="number" error=Signal::derive(|| None) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-email" label="Customer's email" value=email kind="email" error=message(Field::Email) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-phone" label="Customer's phone" value=phone kind="tel" error=message(Field::Phone) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-name" label="Name (as on the card and the parcel)" value=name error=message(Field::Name) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-line1" label="Address line 1" value=line1 error=message(Field::Line1) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-line2" label="Address line 2 (optional)" value=line2 error=message(Field::Line2) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-city" label="Town or city" value=city error=message(Field::City) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-postcode" label="Postcode" value=postcode error=message(Field::Postcode) on_blur=|_| () autocomplete="off" />
                <SelectField id="phone-country" label="Country" value=country options=countries error=message(Field::Country) />
                <SelectField id="phone-delivery" label="Delivery" value=delivery options=options error=Signal::derive(|| None) />
                <button type="submit" class="button" disabled=move || busy.get()>"Price it"</button>
            </form>
            {move || priced.get().map(|p| view! {
                <div class="console__phone-total" role="status">
                    <p><strong>{format!("Total {} (delivery {}); held on the card now: {}.", p.total, p.delivery, p.charges.now)}</strong></p>
                    <p>"Read it back to the caller, then take the card."</p>
                </div>
            })}
            <div hidden=move || priced.get().is_none()>
                <TextField id="phone-card-number" label="Card number" value=card_number error=message(Field::CardNumber) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-card-expiry" label="Expiry (MM/YY)" value=card_expiry error=message(Field::CardExpiry) on_blur=|_| () autocomplete="off" />
                <TextField id="phone-card-cvc" label="Security code" value=card_cvc error=message(Field::CardCvc) on_blur=|_| () autocomplete="off" />
                <button type="button" class="button button--primary" disabled=move || busy.get() on:click=place>
                    "Place the order"
                </button>
            </div>
            <p class="form-error" role="alert">{general}</p>
            <p role="status">{move || said.get()}</p>
        </section>
    }
}
