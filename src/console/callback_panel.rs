//! One call-back request with the customer's context, and "done".

use super::*;
use crate::api::agent::{AgentCallbackDone, CallbackDetail};
use crate::components::write::{after_each, last_error};
use leptos::prelude::*;

#[component]
pub(super) fn CallbackPanel(
    detail: RwSignal<Option<CallbackDetail>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let mark = ServerAction::<AgentCallbackDone>::new();
    let problem = last_error(mark);
    after_each(mark, move |answer| {
        if answer.is_ok() {
            on_change();
        }
    });
    move || {
        detail.get().map(|d| {
            let c = d.callback;
            let id = c.id;
            let done = c.done;
            let mark_done = move |_| {
                mark.dispatch(AgentCallbackDone { id });
            };
            view! {
                <h2>{format!("Call-back {}", c.reference)}</h2>
                <dl class="console__facts">
                    <dt>"Name"</dt><dd>{c.name}</dd>
                    <dt>"Phone"</dt><dd><a href=format!("tel:{}", c.phone)>{c.phone.clone()}</a></dd>
                    <dt>"When"</dt><dd>{c.when}</dd>
                    <dt>"Topic"</dt><dd>{c.topic}</dd>
                    <dt>"Note"</dt><dd class="chat__text">{if c.note.is_empty() { "None".to_owned() } else { c.note }}</dd>
                </dl>
                {if done {
                    view! { <p>"Done."</p> }.into_any()
                } else {
                    view! { <button type="button" class="button button--primary" on:click=mark_done>"Mark call-back done"</button> }.into_any()
                }}
                <p class="form-error" role="alert">{move || problem.get().map(|e| e.to_string())}</p>
                <CustomerContextView context=d.context />
            }
        })
    }
}
