//! The monthly offers mail in the agent console: who it goes to, when the next run
//! starts, how far the latest has gone (refreshed every few seconds while it runs), and
//! "Send it now".

use crate::api::agent::{agent_offers, AgentSendOffersNow};
use crate::api::offers::{OfferRun, OffersStatus};
use crate::components::write::{after_each, last_error};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How often the progress is read again while a run goes on.
const REFRESH: Duration = Duration::from_secs(3);

#[component]
pub fn OffersMail() -> impl IntoView {
    let status = RwSignal::new(None::<OffersStatus>);
    let load = move || {
        spawn_local(async move {
            if let Ok(now) = agent_offers().await {
                status.set(Some(now));
            }
        });
    };
    load();
    // While a run goes on, its progress is read again every few seconds.
    Effect::new(move |_| {
        let running = status
            .get()
            .and_then(|s| s.latest)
            .is_some_and(|r| r.finished.is_none());
        if running {
            set_timeout(load, REFRESH);
        }
    });
    let send = ServerAction::<AgentSendOffersNow>::new();
    let problem = last_error(send);
    after_each(send, move |answer| {
        if let Ok(now) = answer {
            status.set(Some(now));
        }
    });
    view! {
        <h3>"Offers by email"</h3>
        {move || status.get().map(|s| {
            let running = s.latest.as_ref().is_some_and(|r| r.finished.is_none());
            view! {
                <p>
                    {format!(
                        "{} subscribed (confirmed, not stopped). At most one mail to each every {} days.",
                        s.subscribers, s.every_days
                    )}
                </p>
                <p>{match &s.next_run {
                    Some(at) => format!("Next mail: {at}."),
                    None => "No mail planned.".to_owned(),
                }}</p>
                {s.latest.map(|run| view! { <RunProgress run /> })}
                <p>{format!("{} messages waiting in the outbox.", s.outbox_waiting)}</p>
                <button
                    type="button"
                    class="button"
                    disabled=move || running || send.pending().get()
                    on:click=move |_| {
                        send.dispatch(AgentSendOffersNow {});
                    }
                >
                    "Send this month's mail now"
                </button>
            }
        })}
        <p class="form-error" role="alert">{move || problem.get().map(|e| e.to_string())}</p>
    }
}

#[component]
fn RunProgress(run: OfferRun) -> impl IntoView {
    let label = match &run.finished {
        Some(at) => format!("Last mail: started {}, finished {at}", run.started),
        None => format!("Going out now: started {}", run.started),
    };
    let max = run.subscribers.max(run.seen).max(1);
    view! {
        <p id="offers-progress-label">{label}</p>
        <progress aria-labelledby="offers-progress-label" max=max.to_string() value=run.seen.to_string()></progress>
        <p role="status">
            {format!(
                "{} of {} subscribers gone through; {} mailed (the rest had nothing new for them, or a mail within the cap).",
                run.seen, run.subscribers, run.sent
            )}
        </p>
    }
}
