//! The help panel, on every page including checkout. It can shrink to its tab but
//! never leaves the screen.

use super::storage;
use crate::content::HelpContent;
use leptos::prelude::*;

const OPEN_KEY: &str = "storefront.help.open";

fn saved_open() -> bool {
    storage::load(OPEN_KEY).is_none_or(|v| v != "false")
}

/// The help panel: phone, email, hours, returns and quick answers.
#[component]
pub fn HelpPanel() -> impl IntoView {
    let help = use_context::<HelpContent>().unwrap_or_else(HelpContent::bundled);
    let open = RwSignal::new(saved_open());
    Effect::new(move |_| {
        let value = if open.get() { "true" } else { "false" };
        storage::save(OPEN_KEY, value);
    });
    let tel = format!("tel:{}", help.phone_tel);
    let mailto = format!("mailto:{}", help.email);

    view! {
        <aside class="help-panel" class:help-panel--open=move || open.get() aria-label="Help">
            <button
                class="help-panel__tab"
                type="button"
                aria-expanded=move || open.get().to_string()
                aria-controls="help-panel-body"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide help" } else { "Need help?" }}
            </button>
            <div id="help-panel-body" class="help-panel__body" hidden=move || !open.get()>
                <h2 class="help-panel__title">"Need a hand? We're here."</h2>
                <ul class="help-panel__contact">
                    <li>"Call us: " <a href=tel>{help.phone_display.clone()}</a></li>
                    <li>"Email: " <a href=mailto>{help.email.clone()}</a></li>
                </ul>
                <h3>"Opening hours"</h3>
                <ul class="help-panel__hours">
                    {help.hours.iter().map(|h| view! { <li>{h.clone()}</li> }).collect::<Vec<_>>()}
                </ul>
                <p><a href="/help/returns">"Our return policy"</a></p>
                <h3>"Quick answers"</h3>
                <div class="help-panel__faq">
                    {help
                        .faq
                        .iter()
                        .map(|f| {
                            view! {
                                <details>
                                    <summary>{f.question.clone()}</summary>
                                    <p>{f.answer.clone()}</p>
                                </details>
                            }
                        })
                        .collect::<Vec<_>>()}
                </div>
            </div>
        </aside>
    }
}
