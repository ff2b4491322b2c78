use super::{focus_first_invalid, use_checkout, FormErrors, Step};
use crate::api::checkout::{OFFERS_CONSENT, PRIVACY_PROMISE};
use crate::components::TextField;
use crate::domain::validation::{check_email, Field, FieldError};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// Step 1: the email for the receipt, and the (unticked) offers box.
#[component]
pub fn ContactStep() -> impl IntoView {
    crate::pages::set_title("Checkout: contact");
    let form = use_checkout();
    let errors = FormErrors::new(move || {
        form.details
            .with(|d| check_email(&d.email))
            .err()
            .map(|m| vec![FieldError::new(Field::Email, m)])
            .unwrap_or_default()
    });
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.submitted.set(true);
        if errors.is_valid() {
            navigate(Step::Delivery.path(), Default::default());
        } else {
            focus_first_invalid();
        }
    };
    view! {
        <form class="checkout__form" on:submit=on_submit novalidate=true aria-labelledby="step-heading">
            <h2 id="step-heading">"Your contact details"</h2>
            <p class="hint">
                {move || match form.profile.get() {
                    Some(p) => format!("Signed in as {}: this order will be listed in your account, whichever address you give for the receipt.", p.email),
                    None => "You don't need an account: we only need where to send your receipt.".to_owned(),
                }}
            </p>
            <TextField
                id="email"
                label="Email address"
                kind="email"
                autocomplete="email"
                hint="For your receipt and delivery updates."
                value=form.text(|d| &d.email, |d| &mut d.email)
                error=errors.error(Field::Email)
                on_blur=errors.blur(Field::Email)
            />
            <div class="field field--check">
                <input id="offers" type="checkbox" aria-describedby="offers-hint" bind:checked=form.offers />
                <label for="offers">{OFFERS_CONSENT}</label>
                <p class="field__hint" id="offers-hint">{crate::domain::account::offers_confirm_note()}</p>
            </div>
            <p class="privacy-promise">{PRIVACY_PROMISE}</p>
            <div class="checkout__actions">
                <button class="button button--primary" type="submit">"Continue to delivery"</button>
                <a href="/cart">"Back to your cart"</a>
            </div>
        </form>
    }
}
