//! A delivery address as the shop writes it everywhere (see `Address::lines`).

use crate::domain::validation::Address;
use leptos::prelude::*;

/// An `<address>` with one line per part: name, street, town, postcode, country.
#[component]
pub fn AddressLines(address: Address) -> impl IntoView {
    let lines = address.lines();
    let last = lines.len().saturating_sub(1);
    view! {
        <address>
            {lines
                .into_iter()
                .enumerate()
                .map(|(i, line)| view! { {line} {(i < last).then(|| view! { <br /> })} })
                .collect::<Vec<_>>()}
        </address>
    }
}
