//! Where the shopper is, roughly: a region, remembered on this device and changeable
//! from the header. London until the shopper says otherwise.

use super::storage;
use crate::domain::location::{region, DEFAULT_REGION, REGIONS};
use leptos::prelude::*;

const STORAGE_KEY: &str = "storefront.region";

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
