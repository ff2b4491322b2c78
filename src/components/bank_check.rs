//! The test gateway's stand-in for the bank's own check (3-D Secure), as a dialog: at
//! checkout, and when a change asks the bank to hold more.

use crate::domain::money::Money;
use crate::domain::payment::CardOnFile;
use leptos::prelude::*;

/// The test gateway's stand-in for the bank's own check (3-D Secure).
#[component]
pub fn BankCheck(
    amount: Money,
    card: CardOnFile,
    on_answer: impl Fn(bool) + Copy + Send + Sync + 'static,
    busy: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="bank-check__backdrop">
            <div
                class="bank-check"
                role="dialog"
                aria-modal="true"
                aria-labelledby="bank-check-title"
                aria-describedby="bank-check-text"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        on_answer(false);
                    }
                }
            >
                <h2 id="bank-check-title">"Confirm this payment with your bank"</h2>
                <p id="bank-check-text">
                    {format!("Your bank asks you to approve {amount} on your {card}. (Test bank: no real money moves.)")}
                </p>
                <div class="checkout__actions">
                    <button class="button button--primary" type="button" disabled=busy on:click=move |_| on_answer(true)>"Approve payment"</button>
                    <button class="button" type="button" disabled=busy on:click=move |_| on_answer(false)>"Cancel payment"</button>
                </div>
            </div>
        </div>
    }
}
