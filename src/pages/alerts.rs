//! Links the shop mails to be opened, which confirm something when they open in a browser
//! (a mail scanner that only fetches a link runs no script, so confirms nothing):
//! `/alerts/confirm?token=…` for "tell me when it's back" and `/offers/confirm?token=…`
//! for "Send me offers" ticked at checkout.

use crate::api::account::ConfirmOffers;
use crate::api::stock::ConfirmStockAlert;
use crate::api::ShopError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The `token` in the page's address.
fn token() -> String {
    use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default()
}

/// The page of a confirm link: a heading, then the shop's answer once it comes.
#[component]
fn Confirming(
    heading: &'static str,
    answer: Signal<Option<Result<String, ShopError>>>,
    children: Children,
) -> impl IntoView {
    view! {
        <h1>{heading}</h1>
        <p role="status" class="lead">
            {move || match answer.get() {
                None => "Confirming your email…".to_owned(),
                Some(Ok(words)) => words,
                Some(Err(e)) => e.to_string(),
            }}
        </p>
        {children()}
    }
}

#[component]
pub fn AlertConfirmPage() -> impl IntoView {
    super::set_title("Confirm your email");
    let confirm = ServerAction::<ConfirmStockAlert>::new();
    confirm.dispatch(ConfirmStockAlert { token: token() });
    view! {
        <Confirming heading="Email me when it's back" answer=confirm.value().into()>
            <p><a href="/">"Back to the shop"</a></p>
        </Confirming>
    }
}

#[component]
pub fn OffersConfirmPage() -> impl IntoView {
    super::set_title("Confirm offers by email");
    let confirm = ServerAction::<ConfirmOffers>::new();
    confirm.dispatch(ConfirmOffers { token: token() });
    view! {
        <Confirming heading="Offers by email" answer=confirm.value().into()>
            <p><a href="/account">"Your account"</a>" · "<a href="/">"Back to the shop"</a></p>
        </Confirming>
    }
}
