//! `/orders/find`: "Find my order" for a shopper without the private link. The order
//! number and email go to the shop, which mails the link if they belong to the same
//! order and answers the same words either way.

use crate::api::orders::FindOrder;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::TextField;
use crate::domain::validation::Field;
use leptos::prelude::*;

#[component]
pub fn FindOrderPage() -> impl IntoView {
    super::set_title("Find my order");
    let number = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let find = ServerAction::<FindOrder>::new();
    let error = last_error(find);
    let answer = RwSignal::new(None::<String>);
    after_each(find, move |result| match result {
        Ok(words) => answer.set(Some(words.clone())),
        Err(e) => {
            answer.set(None);
            if e.message_for(&Field::OrderNumber).is_some() {
                focus_later("#find-number");
            } else if e.message_for(&Field::Email).is_some() {
                focus_later("#find-email");
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !find.pending().get_untracked() {
            find.dispatch(FindOrder {
                number: number.get_untracked(),
                email: email.get_untracked(),
            });
        }
    };
    view! {
        <h1>"Find my order"</h1>
        <p class="lead">
            "Lost the link from your receipt? Enter your order number and the email address you ordered with, and we'll email you the link to your order."
        </p>
        <form class="find-order" on:submit=submit novalidate>
            <TextField
                id="find-number"
                label="Order number"
                hint="At the top of your receipt, like SF-7K3M9QX2"
                value=number
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::OrderNumber)))
                on_blur=|_| ()
                autocomplete="off"
            />
            <TextField
                id="find-email"
                label="Email address"
                value=email
                kind="email"
                autocomplete="email"
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Email)))
                on_blur=|_| ()
            />
            <p class="form-error" role="alert">
                {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::OrderNumber, Field::Email])))}
            </p>
            <button type="submit" class="button button--primary" disabled=move || find.pending().get()>
                "Email me the link"
            </button>
        </form>
        <p role="status" class="find-order__answer">{move || answer.get()}</p>
    }
}
