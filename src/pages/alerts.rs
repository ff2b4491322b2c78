//! Links the shop mails to be opened, which do what they say when they open in a browser
//! (a mail scanner that only fetches a link runs no script, so does nothing):
//! `/alerts/confirm?token=…` for "tell me when it's back", `/alerts/price?token=…` for
//! "tell me if it goes on sale", `/offers/confirm?token=…` for "Send me offers" ticked
//! at checkout, and `/unsubscribe?token=…`, the one click that stops offers or a price
//! alert. One page (one lazy part) for all four.

use crate::api::account::ConfirmOffers;
use crate::api::offers::{ConfirmPriceWatch, Unsubscribe};
use crate::api::stock::ConfirmStockAlert;
use crate::api::ShopError;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The page of whichever mailed link was opened.
#[component]
pub fn MailLinkPage() -> impl IntoView {
    match use_location().pathname.get_untracked().as_str() {
        "/offers/confirm" => view! { <OffersConfirmPage /> }.into_any(),
        "/alerts/price" => view! { <PriceWatchConfirmPage /> }.into_any(),
        "/unsubscribe" => view! { <UnsubscribePage /> }.into_any(),
        _ => view! { <AlertConfirmPage /> }.into_any(),
    }
}

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
                None => "One moment…".to_owned(),
                Some(Ok(words)) => words,
                Some(Err(e)) => e.to_string(),
            }}
        </p>
        {children()}
    }
}

#[component]
fn AlertConfirmPage() -> impl IntoView {
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
fn OffersConfirmPage() -> impl IntoView {
    super::set_title("Confirm offers by email");
    let confirm = ServerAction::<ConfirmOffers>::new();
    confirm.dispatch(ConfirmOffers { token: token() });
    view! {
        <Confirming heading="Offers by email" answer=confirm.value().into()>
            <p><a href="/account">"Your account"</a>" · "<a href="/">"Back to the shop"</a></p>
        </Confirming>
    }
}

#[component]
fn PriceWatchConfirmPage() -> impl IntoView {
    super::set_title("Confirm your email");
    let confirm = ServerAction::<ConfirmPriceWatch>::new();
    confirm.dispatch(ConfirmPriceWatch { token: token() });
    view! {
        <Confirming heading="Email me when it costs less" answer=confirm.value().into()>
            <p><a href="/account">"Your account"</a>" · "<a href="/">"Back to the shop"</a></p>
        </Confirming>
    }
}

/// The link in every offers mail and price alert: opening it stops them, in one click.
#[component]
fn UnsubscribePage() -> impl IntoView {
    super::set_title("Stop these emails");
    let stop = ServerAction::<Unsubscribe>::new();
    stop.dispatch(Unsubscribe { token: token() });
    view! {
        <Confirming heading="Stop these emails" answer=stop.value().into()>
            <p><a href="/account">"Your account"</a>" · "<a href="/">"Back to the shop"</a></p>
        </Confirming>
    }
}
