//! `/alerts/confirm?token=…`: the link in the "please confirm" mail for "tell me when it's
//! back". Opening it in a browser confirms the sign-up (a mail scanner that only fetches
//! the link runs no script, so confirms nothing).

use crate::api::stock::ConfirmStockAlert;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AlertConfirmPage() -> impl IntoView {
    super::set_title("Confirm your email");
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let confirm = ServerAction::<ConfirmStockAlert>::new();
    confirm.dispatch(ConfirmStockAlert { token });
    view! {
        <h1>"Email me when it's back"</h1>
        <p role="status" class="lead">
            {move || match confirm.value().get() {
                None => "Confirming your email…".to_owned(),
                Some(Ok(words)) => words,
                Some(Err(e)) => e.to_string(),
            }}
        </p>
        <p><a href="/">"Back to the shop"</a></p>
    }
}
