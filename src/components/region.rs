//! Where the shopper is, roughly: a region, remembered on this device and changeable
//! from the header. London until the shopper says otherwise.

use super::storage;
use crate::domain::location::{region, region_for_postcode, DEFAULT_REGION, REGIONS};
use leptos::prelude::*;

const STORAGE_KEY: &str = "storefront.region";
/// Set once the shopper answered (or waved away) "where are you?".
const ASKED_KEY: &str = "storefront.region.asked";

/// The shopper's region code (`location::REGIONS`).
#[derive(Clone, Copy)]
pub struct RegionContext(pub RwSignal<String>);

/// Creates the region from local storage, saves every change, and provides it.
pub fn provide_region() -> RegionContext {
    let saved = storage::load(STORAGE_KEY)
        .filter(|code| region(code).is_some())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let ctx = RegionContext(RwSignal::new(saved));
    Effect::new(move |_| {
        storage::save(STORAGE_KEY, &ctx.0.get());
    });
    provide_context(ctx);
    ctx
}

pub fn use_region() -> RegionContext {
    use_context::<RegionContext>()
        .unwrap_or_else(|| RegionContext(RwSignal::new(DEFAULT_REGION.to_owned())))
}

/// "Deliver to": the region picker in the header.
#[component]
pub fn RegionPicker() -> impl IntoView {
    let ctx = use_region();
    view! {
        <div class="region-picker">
            <label for="region">"Deliver to"</label>
            <select id="region" on:change:target=move |ev| ctx.0.set(ev.target().value())>
                {REGIONS
                    .iter()
                    .map(|r| {
                        let code = r.code;
                        view! { <option value=code selected=move || ctx.0.get() == code>{r.name}</option> }
                    })
                    .collect::<Vec<_>>()}
            </select>
        </div>
    }
}

/// Asked once, lightly: which postcode to show delivery dates for. Gone for good once the
/// shopper gives one, picks a region in the header, or says "not now".
#[component]
pub fn RegionPrompt() -> impl IntoView {
    let ctx = use_region();
    let asked = RwSignal::new(storage::load(ASKED_KEY).is_some());
    let postcode = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = move || {
        storage::save(ASKED_KEY, "1");
        asked.set(true);
    };
    // Choosing a region in the header answers the question too.
    let start = ctx.0.get_untracked();
    Effect::new(move |_| {
        if ctx.0.get() != start {
            done();
        }
    });
    let name = move || region(&ctx.0.get()).map_or("London", |r| r.name);
    // Checkout asks for the whole address, which answers this question itself.
    let location = leptos_router::hooks::use_location();
    let on_checkout = move || location.pathname.get().starts_with("/checkout");
    view! {
        {move || (!asked.get() && !on_checkout()).then(|| view! {
            <form
                class="region-prompt"
                aria-label="Where to deliver"
                novalidate=true
                on:submit=move |ev| {
                    ev.prevent_default();
                    match region_for_postcode(&postcode.get_untracked()) {
                        Some(r) => {
                            ctx.0.set(r.code.to_owned());
                            done();
                        }
                        None => error.set(Some("Please enter a UK postcode like LS1 4AP, or pick a region under “Deliver to”.".into())),
                    }
                }
            >
                <p class="region-prompt__text">{move || format!("Delivery dates are for {}. Elsewhere?", name())}</p>
                <label for="region-postcode">"Your postcode"</label>
                <input
                    id="region-postcode"
                    autocomplete="postal-code"
                    size="9"
                    bind:value=postcode
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby="region-postcode-error"
                />
                <button class="button" type="submit">"Use this postcode"</button>
                <button class="button button--link" type="button" on:click=move |_| done()>"Not now"</button>
                <p id="region-postcode-error" class="field__error">{move || error.get()}</p>
            </form>
        })}
    }
}
