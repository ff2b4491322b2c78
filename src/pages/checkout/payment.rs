use super::{focus_first_invalid, require_steps_before, use_checkout, FormErrors, Step};
use crate::api::checkout::TokenizeCard;
use crate::api::ShopError;
use crate::components::TextField;
use crate::domain::date::CalendarDate;
use crate::domain::payment::{check_card, CardEntry, TEST_CARDS};
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// Today in the shopper's browser, for the expiry check.
fn today() -> CalendarDate {
    let now = web_sys::js_sys::Date::new_0();
    CalendarDate::new(
        now.get_full_year() as i32,
        (now.get_month() + 1) as u8,
        now.get_date() as u8,
    )
    .unwrap_or_else(|| CalendarDate::from_days_since_epoch(0))
}

/// Step 3: the card. The number goes to the payment gateway, which answers a token; the
/// shop keeps only that, the brand and the last four digits.
#[component]
pub fn PaymentStep() -> impl IntoView {
    crate::pages::set_title("Checkout: payment");
    require_steps_before(Step::Payment);
    let form = use_checkout();
    view! {
        <section class="checkout__form" aria-labelledby="step-heading">
            <h2 id="step-heading">"How would you like to pay?"</h2>
            <div class="billing-explained">
                <p>
                    <strong>"You're only charged for what ships."</strong>
                    " Your bank holds the amount for what's in stock when you order, and we take it when each parcel leaves us. If an item has to follow later, we ask for its money when it's back in stock and take it when it ships, so none of your credit is tied up waiting for stock."
                </p>
                <p>"We take Visa, Mastercard and American Express. Your card number goes straight to our payment provider; we keep only the card's brand and last four digits, and you'll see both on your receipt."</p>
            </div>
            {move || match form.card.get() {
                Some(token) => view! {
                    <p class="card-on-file">{format!("Paying with {}.", token.card)}</p>
                    <div class="checkout__actions">
                        <a class="button button--primary" href=Step::Review.path()>"Continue to review"</a>
                        <button class="button" type="button" on:click=move |_| form.card.set(None)>"Use a different card"</button>
                    </div>
                }
                .into_any(),
                None => view! { <CardForm /> }.into_any(),
            }}
            <TestCards />
        </section>
    }
}

#[component]
fn CardForm() -> impl IntoView {
    let form = use_checkout();
    let name = RwSignal::new(form.details.with_untracked(|d| d.address.name.clone()));
    let number = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let cvc = RwSignal::new(String::new());
    let entry = move || CardEntry {
        name: name.get(),
        number: number.get(),
        expiry: expiry.get(),
        cvc: cvc.get(),
    };
    let errors = FormErrors::new(move || check_card(&entry(), today()).err().unwrap_or_default());
    let tokenize = ServerAction::<TokenizeCard>::new();
    let navigate = use_navigate();
    Effect::new(move |_| match tokenize.value().get() {
        Some(Ok(token)) => {
            form.card.set(Some(token));
            // A new card is a new attempt.
            form.key.set(None);
            navigate(Step::Review.path(), Default::default());
        }
        Some(Err(ShopError::Invalid(list))) => {
            errors.server.set(list);
            focus_first_invalid();
        }
        _ => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.submitted.set(true);
        if tokenize.pending().get_untracked() {
            return;
        }
        if errors.is_valid() {
            tokenize.dispatch(TokenizeCard {
                card: entry_untracked(name, number, expiry, cvc),
            });
        } else {
            focus_first_invalid();
        }
    };
    let general = move || match tokenize.value().get() {
        Some(Err(e)) if !matches!(e, ShopError::Invalid(_)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <form class="card-form" on:submit=on_submit novalidate=true aria-label="Card details">
            <TextField id="card-name" label="Name on card" autocomplete="cc-name" value=name error=errors.error(Field::CardName) on_blur=errors.blur(Field::CardName) />
            <TextField id="card-number" label="Card number" autocomplete="cc-number" value=number error=errors.error(Field::CardNumber) on_blur=errors.blur(Field::CardNumber) />
            <div class="card-form__row">
                <TextField id="card-expiry" label="Expiry date (MM/YY)" autocomplete="cc-exp" value=expiry error=errors.error(Field::CardExpiry) on_blur=errors.blur(Field::CardExpiry) />
                <TextField
                    id="card-cvc"
                    label="Security code"
                    autocomplete="cc-csc"
                    hint="The last 3 digits on the back (4 on the front for American Express)."
                    value=cvc
                    error=errors.error(Field::CardCvc)
                    on_blur=errors.blur(Field::CardCvc)
                />
            </div>
            <p class="field__error" role="alert">{general}</p>
            <div class="checkout__actions">
                <button class="button button--primary" type="submit" disabled=move || tokenize.pending().get()>
                    {move || if tokenize.pending().get() { "Checking your card…" } else { "Continue to review" }}
                </button>
                <a href=Step::Delivery.path()>"Back to delivery"</a>
            </div>
        </form>
    }
}

fn entry_untracked(
    name: RwSignal<String>,
    number: RwSignal<String>,
    expiry: RwSignal<String>,
    cvc: RwSignal<String>,
) -> CardEntry {
    CardEntry {
        name: name.get_untracked(),
        number: number.get_untracked(),
        expiry: expiry.get_untracked(),
        cvc: cvc.get_untracked(),
    }
}

/// The built-in test gateway's cards, so nobody types a real card into a test shop.
#[component]
fn TestCards() -> impl IntoView {
    view! {
        <aside class="test-cards" aria-labelledby="test-cards-heading">
            <h3 id="test-cards-heading">"Test payments"</h3>
            <p>"This shop takes test payments only: no real money moves. Use one of these numbers with any future expiry date and any security code."</p>
            <table>
                <thead><tr><th scope="col">"Card number"</th><th scope="col">"What happens"</th></tr></thead>
                <tbody>
                    {TEST_CARDS
                        .iter()
                        .map(|(number, _, what)| view! { <tr><td>{*number}</td><td>{*what}</td></tr> })
                        .collect::<Vec<_>>()}
                </tbody>
            </table>
        </aside>
    }
}
