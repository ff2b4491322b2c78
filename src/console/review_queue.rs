//! Written reviews waiting to be read, in the agent console's queue: each published in a
//! click, or rejected with a reason the customer is mailed (the reason's box says so).

use crate::api::agent::{agent_pending_reviews, AgentDecideReview};
use crate::api::reviews::PendingReview;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::TextArea;
use crate::domain::reviews::Stars;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ReviewQueue(
    /// Changes whenever the console's queue changes (a review written or decided).
    #[prop(into)]
    changed: Signal<u32>,
) -> impl IntoView {
    let pending = RwSignal::new(None::<Vec<PendingReview>>);
    let load = move || {
        spawn_local(async move {
            if let Ok(list) = agent_pending_reviews().await {
                pending.set(Some(list));
            }
        });
    };
    Effect::new(move |_| {
        changed.track();
        load();
    });
    let decide = ServerAction::<AgentDecideReview>::new();
    let problem = last_error(decide);
    let rejecting = RwSignal::new(None::<i64>);
    let reason = RwSignal::new(String::new());
    let said = RwSignal::new(None::<String>);
    // What to say once the decision being sent is taken.
    let saying = StoredValue::new(String::new());
    after_each(decide, move |answer| match answer {
        Ok(()) => {
            said.set(Some(saying.get_value()));
            rejecting.set(None);
            reason.set(String::new());
            load();
        }
        Err(_) => {
            said.set(None);
            focus_later("#review-reason");
        }
    });
    view! {
        <h3>"Reviews to read (" {move || pending.get().map_or(0, |p| p.len())} ")"</h3>
        <p class="console__said" role="status">{move || said.get()}</p>
        {move || pending.get().map(|list| {
            if list.is_empty() {
                return view! { <p>"No written reviews waiting."</p> }.into_any();
            }
            view! {
                <ul class="console__list">
                    {list.into_iter().map(|r| {
                        let id = r.id;
                        let stars = Stars::new(r.stars).map(Stars::label).unwrap_or_default();
                        let product = r.product_name.clone();
                        let publish_label = format!("Publish the review of {product}");
                        let reject_label = format!("Reject the review of {product}");
                        let (published, rejected) = (product.clone(), product.clone());
                        view! {
                            <li class="console__review">
                                <span class="console__item-title">
                                    <a href=format!("/p/{}", r.product_slug) rel="external">{product.clone()}</a>
                                    {format!(" · {stars} · order {} · {}", r.order_number, r.written_on)}
                                </span>
                                {(!r.title.is_empty()).then(|| view! { <strong class="console__item-text">{r.title.clone()}</strong> })}
                                <span class="console__item-text">{r.text.clone()}</span>
                                <span class="console__item-text">{if r.name.is_empty() { "Shown as: A verified buyer".to_owned() } else { format!("Shown as: {}", r.name) }}</span>
                                <div class="console__actions">
                                    <button
                                        type="button"
                                        class="button button--primary"
                                        aria-label=publish_label
                                        disabled=move || decide.pending().get()
                                        on:click=move |_| {
                                            saying.set_value(format!("Published the review of {published}."));
                                            decide.dispatch(AgentDecideReview { id, publish: true, reason: String::new() });
                                        }
                                    >
                                        "Publish"
                                    </button>
                                    <button
                                        type="button"
                                        class="button"
                                        aria-label=reject_label
                                        aria-expanded=move || (rejecting.get() == Some(id)).to_string()
                                        on:click=move |_| {
                                            rejecting.set(Some(id));
                                            focus_later("#review-reason");
                                        }
                                    >
                                        "Reject…"
                                    </button>
                                </div>
                                {move || (rejecting.get() == Some(id)).then(|| {
                                    let rejected = rejected.clone();
                                    view! {
                                        <form
                                            class="console__reject"
                                            novalidate=true
                                            on:submit=move |ev| {
                                                ev.prevent_default();
                                                saying.set_value(format!("Rejected the review of {rejected}; the customer is told why."));
                                                decide.dispatch(AgentDecideReview { id, publish: false, reason: reason.get_untracked() });
                                            }
                                        >
                                            <TextArea
                                                id="review-reason"
                                                label="Why it isn't shown (mailed to the customer)"
                                                value=reason
                                                error=Signal::derive(move || problem.get().and_then(|e| e.message_for(&Field::RefuseReason)))
                                            />
                                            <button type="submit" class="button button--primary">"Reject and tell the customer"</button>
                                            <button type="button" class="button" on:click=move |_| rejecting.set(None)>"Keep it waiting"</button>
                                        </form>
                                    }
                                })}
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ul>
            }
            .into_any()
        })}
        <p class="form-error" role="alert">
            {move || problem.get().and_then(|e| general_error(&e, &[Field::RefuseReason]))}
        </p>
    }
}
