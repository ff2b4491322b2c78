//! The returns desk, on the warehouse screen: take in a returned parcel by the code on
//! its label, then refund it (through the gateway; units back on sale unless faulty) or
//! refuse it with a reason the customer reads. Lists what is on its way to the chosen
//! centre, what is waiting to be checked (the refund due soonest first) and what was
//! settled in the last day.

use crate::api::warehouse::{get_returns, ReceiveReturn, ReturnTask, ReturnsWork, SettleReturn};
use crate::api::ShopError;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::{TextArea, TextField};
use crate::domain::returns::ReturnStatus;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ReturnsDesk(
    centre: RwSignal<String>,
    /// Reads the centre's parcels again (an accepted exchange adds one to pack).
    on_settled: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let work = RwSignal::new(None::<Result<ReturnsWork, ShopError>>);
    let load = move || {
        let code = centre.get_untracked();
        spawn_local(async move {
            work.set(Some(get_returns(code).await));
        });
    };
    Effect::new(move |_| {
        centre.track();
        load();
    });
    let code = RwSignal::new(String::new());
    let said = RwSignal::new(None::<String>);
    let receive = ServerAction::<ReceiveReturn>::new();
    let receive_error = last_error(receive);
    after_each(receive, move |answer| match answer {
        Ok(task) => {
            said.set(Some(format!(
                "Received {} (order {}). Check it, then refund or refuse it below.",
                task.code, task.order_number
            )));
            code.set(String::new());
            load();
        }
        Err(_) => {
            said.set(None);
            focus_later("#return-code");
        }
    });
    let settle = ServerAction::<SettleReturn>::new();
    let settle_error = last_error(settle);
    let refusing = RwSignal::new(None::<ReturnTask>);
    after_each(settle, move |answer| {
        if let Ok(task) = answer {
            refusing.set(None);
            said.set(Some(match task.status {
                ReturnStatus::Refunded => format!("Refunded {} for {}.", task.refund, task.code),
                ReturnStatus::Exchanged => {
                    format!("Accepted {}: the exchange is in To pack.", task.code)
                }
                _ => format!("Refused {}; the customer is told why.", task.code),
            }));
            load();
            on_settled();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !receive.pending().get_untracked() {
            receive.dispatch(ReceiveReturn {
                code: code.get_untracked(),
            });
        }
    };
    view! {
        <section class="warehouse__returns" aria-labelledby="returns-heading">
            <h2 id="returns-heading">"Returns desk"</h2>
            <form on:submit=submit novalidate>
                <TextField
                    id="return-code"
                    label="Return code"
                    hint="On the label, like R1042-K"
                    value=code
                    error=Signal::derive(move || receive_error.with(|e| e.as_ref()?.message_for(&Field::ReturnCode)))
                    on_blur=|_| ()
                    autocomplete="off"
                />
                <p class="form-error" role="alert">
                    {move || receive_error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::ReturnCode])))}
                </p>
                <button type="submit" class="button button--primary" disabled=move || receive.pending().get()>
                    "Receive return"
                </button>
            </form>
            <p role="status">{move || said.get()}</p>
            <p class="form-error" role="alert">
                {move || settle_error.with(|e| e.as_ref().and_then(|e| {
                    e.message_for(&Field::ReturnCode).or_else(|| general_error(e, &[Field::RefuseReason]))
                }))}
            </p>
            {move || match work.get() {
                None => view! { <p>"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(w)) => view! {
                    <h3>{format!("Received, to check ({})", w.to_check.len())}</h3>
                    <ReturnTasks tasks=w.to_check.clone() action=move |t: ReturnTask| {
                        let accept_words = match (t.refund.minor > 0, t.exchange.is_empty()) {
                            (true, true) => format!("Refund {}", t.refund),
                            (true, false) => format!("Refund {} and send the exchange", t.refund),
                            (false, false) => "Accept and send the exchange".to_owned(),
                            (false, true) => "Accept (nothing to refund)".to_owned(),
                        };
                        let refund_label = format!("{accept_words} for {}", t.code);
                        let refuse_label = format!("Refuse {}", t.code);
                        let id = t.id;
                        view! {
                            <button
                                type="button"
                                class="button button--primary"
                                aria-label=refund_label
                                disabled=move || settle.pending().get()
                                on:click=move |_| { settle.dispatch(SettleReturn { id, refund: true, because: String::new() }); }
                            >{accept_words}</button>
                            " "
                            <button
                                type="button"
                                class="button"
                                aria-label=refuse_label
                                on:click=move |_| {
                                    refusing.set(Some(t.clone()));
                                    focus_later("#refuse-because");
                                }
                            >"Refuse"</button>
                        }.into_any()
                    } />
                    <h3>{format!("On their way to {} ({})", w.centre.name, w.on_the_way.len())}</h3>
                    <ReturnTasks tasks=w.on_the_way.clone() action=|_| ().into_any() />
                    <h3>{format!("Settled in the last day ({})", w.settled_today.len())}</h3>
                    <ReturnTasks tasks=w.settled_today.clone() action=|t: ReturnTask| view! {
                        <span>{match t.status {
                            ReturnStatus::Refunded => format!("Refunded {}", t.refund),
                            ReturnStatus::Exchanged => "Exchanged".to_owned(),
                            _ => format!("Refused: {}", t.refused_because.unwrap_or_default()),
                        }}</span>
                    }.into_any() />
                }.into_any(),
            }}
            {move || refusing.get().map(|t| view! { <RefuseForm task=t settle on_cancel=move || refusing.set(None) /> })}
        </section>
    }
}

/// Why a return is refused, in words for the customer.
#[component]
fn RefuseForm(
    task: ReturnTask,
    settle: ServerAction<SettleReturn>,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let because = RwSignal::new(String::new());
    let error = last_error(settle);
    let id = task.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !settle.pending().get_untracked() {
            settle.dispatch(SettleReturn {
                id,
                refund: false,
                because: because.get_untracked(),
            });
        }
    };
    view! {
        <form class="warehouse__refuse" on:submit=submit novalidate>
            <h3>{format!("Refuse {}", task.code)}</h3>
            <TextArea
                id="refuse-because"
                label="Why it can't be accepted (the customer reads this)"
                value=because
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::RefuseReason)))
            />
            <button type="submit" class="button button--primary" disabled=move || settle.pending().get()>"Refuse return"</button>
            " "
            <button type="button" class="button" on:click=move |_| on_cancel()>"Keep it to check"</button>
        </form>
    }
}

#[component]
fn ReturnTasks(
    tasks: Vec<ReturnTask>,
    action: impl Fn(ReturnTask) -> AnyView + 'static,
) -> impl IntoView {
    if tasks.is_empty() {
        return view! { <p>"Nothing here."</p> }.into_any();
    }
    view! {
        <ul class="warehouse__tasks">
            {tasks.into_iter().map(|t| {
                let button = action(t.clone());
                let due = t.refund_by.map(|d| format!(" · refund due by {}", d.long_label())).unwrap_or_default();
                view! {
                    <li class="warehouse__task">
                        <p>
                            <strong>{t.code.clone()}</strong>
                            {format!(" · order {} · {} · {}{due}", t.order_number, t.customer, t.reason.label())}
                        </p>
                        <super::warehouse::PickLines lines=t.lines.clone() />
                        {(!t.exchange.is_empty()).then(|| view! {
                            <p>{format!("Send in exchange (put aside): {}", t.exchange.join(", "))}</p>
                        })}
                        {(t.status == ReturnStatus::Received).then(|| view! {
                            <p>{if t.restock {
                                "Refunding puts these back on sale here."
                            } else {
                                "Returned as faulty: refunding writes them off (not back on sale)."
                            }}</p>
                        })}
                        {button}
                    </li>
                }
            }).collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}
