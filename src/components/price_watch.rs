//! "Tell me if it goes on sale" under a product: an email when its price goes down, once
//! the shopper confirms with the link mailed to them.

use super::stock_help::SignUpForm;
use crate::api::offers::{WatchPrice, PRICE_WATCH_CONSENT};
use leptos::prelude::*;

#[component]
pub fn PriceWatchForm(slug: String) -> impl IntoView {
    let action = ServerAction::<WatchPrice>::new();
    let slug = StoredValue::new(slug);
    view! {
        <SignUpForm
            id="price-watch-email"
            heading="Tell me if it goes on sale"
            consent=PRICE_WATCH_CONSENT
            pending=action.pending()
            answer=action.value()
            send=Callback::new(move |(email, consent)| {
                action.dispatch(WatchPrice { slug: slug.get_value(), email, consent });
            })
        />
    }
}
