//! Sending things back from an order's status page (units of each delivered parcel, a
//! reason, the money said before confirming), and the printable return label.

use crate::api::orders::{get_return_label, ReturnRequest, ShipmentView, StartReturn};
use crate::components::browser::new_attempt_key;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::{error_fallback, AddressLines, Loading};
use crate::domain::money::Money;
use crate::domain::payment::CardOnFile;
use crate::domain::returns::{ReturnReason, FAULTY_RETURN_DAYS, REFUND_WORKING_DAYS};
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// "Send something back": one form per delivered parcel with units left to return.
#[component]
pub fn SendBack(
    number: String,
    shipments: Vec<ShipmentView>,
    card: Option<CardOnFile>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let count = shipments.len();
    let today = crate::domain::date::uk_local(crate::components::browser::now_unix()).0;
    let open: Vec<(usize, ShipmentView)> = shipments
        .into_iter()
        .enumerate()
        .filter(|(_, s)| {
            s.delivered_on
                .is_some_and(|d| today <= d.add_days(FAULTY_RETURN_DAYS))
                && s.lines.iter().any(|l| l.returnable > 0)
        })
        .collect();
    if open.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="send-back" aria-labelledby="send-back-heading">
            <h2 id="send-back-heading">"Send something back"</h2>
            <p>
                {format!(
                    "Returns are free. Choose what goes back and why; you'll get a return code and a label to print. Once it reaches us we check it and refund your card within {REFUND_WORKING_DAYS} working days."
                )}
            </p>
            {open
                .into_iter()
                .map(|(i, parcel)| {
                    let title = if count == 1 {
                        format!("Your parcel from {}", parcel.centre)
                    } else {
                        format!("Parcel {} of {count}, from {}", i + 1, parcel.centre)
                    };
                    view! { <ReturnForm number=number.clone() parcel title card=card.clone() version /> }
                })
                .collect::<Vec<_>>()}
        </section>
    }
    .into_any()
}

#[component]
fn ReturnForm(
    number: String,
    parcel: ShipmentView,
    title: String,
    card: Option<CardOnFile>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let key = use_query_map()
        .read_untracked()
        .get("key")
        .unwrap_or_default();
    let attempt = StoredValue::new(new_attempt_key());
    let lines: Vec<_> = parcel
        .lines
        .iter()
        .filter(|l| l.returnable > 0)
        .cloned()
        .map(|l| (l, RwSignal::new(0u32)))
        .collect();
    let reason = RwSignal::new(String::new());
    let action = ServerAction::<StartReturn>::new();
    let error = last_error(action);
    after_each(action, move |answer| {
        if answer.is_ok() {
            attempt.set_value(new_attempt_key());
            version.update(|v| *v += 1);
        }
    });
    let chosen = {
        let lines = lines.clone();
        move || {
            lines
                .iter()
                .map(|(l, units)| (l.line_id, units.get()))
                .filter(|(_, u)| *u > 0)
                .collect::<Vec<_>>()
        }
    };
    let money = {
        let lines = lines.clone();
        move || {
            let mut total: Option<Money> = None;
            for (l, units) in &lines {
                let n = units.get();
                if n == 0 {
                    continue;
                }
                let part = l.unit_price.checked_mul(n)?;
                total = Some(match total {
                    Some(t) => t.checked_add(part)?,
                    None => part,
                });
            }
            let card = card
                .as_ref()
                .map(|c| format!("your {c}"))
                .unwrap_or_else(|| "your card".into());
            Some(format!(
                "{} back to {card} for these, once it reaches us and we've checked it (within {REFUND_WORKING_DAYS} working days). If this is everything from your order, the delivery charge comes back too.",
                total?
            ))
        }
    };
    let submit = {
        let number = number.clone();
        let chosen = chosen.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if action.pending().get_untracked() {
                return;
            }
            action.dispatch(StartReturn {
                number: number.clone(),
                key: key.clone(),
                request: ReturnRequest {
                    shipment_id: parcel.id,
                    lines: chosen(),
                    reason: reason.get_untracked(),
                    attempt: attempt.get_value(),
                },
            });
        }
    };
    let deadline = parcel.return_until.map(|d| {
        format!(
            "Delivered on {}. Send back by {} (faulty items: within {FAULTY_RETURN_DAYS} days of delivery).",
            parcel.delivered_on.map(|d| d.long_label()).unwrap_or_default(),
            d.long_label()
        )
    });
    let reason_id = format!("return-{}-reason", parcel.id);
    let reason_error_id = format!("{reason_id}-error");
    view! {
        <form class="return-form" on:submit=submit novalidate>
            <fieldset>
                <legend>{title}</legend>
                {deadline.map(|d| view! { <p class="field__hint">{d}</p> })}
                {lines
                    .into_iter()
                    .map(|(l, units)| {
                        let id = format!("return-{}-{}", parcel.id, l.line_id);
                        let error_id = format!("{id}-error");
                        let line = l.line_id;
                        let message = move || error.with(|e| e.as_ref()?.message_for(&Field::ReturnLine(line)));
                        let hint = format!(
                            "{} each · up to {}{}",
                            l.unit_price,
                            l.returnable,
                            if l.faulty_only { " · for hygiene, only if faulty" } else { "" }
                        );
                        view! {
                            <div class="field field--units" class:field--invalid=move || message().is_some()>
                                <label for=id.clone()>{format!("{} ({}): how many to send back", l.product_name, l.variant_label)}</label>
                                <p class="field__hint">{hint}</p>
                                <input
                                    id=id.clone()
                                    type="number"
                                    inputmode="numeric"
                                    min="0"
                                    max=l.returnable.to_string()
                                    prop:value=move || units.get().to_string()
                                    on:input=move |ev| units.set(event_target_value(&ev).trim().parse().unwrap_or(0))
                                    aria-invalid=move || message().is_some().to_string()
                                    aria-describedby=error_id.clone()
                                />
                                <p id=error_id class="field__error">{message}</p>
                            </div>
                        }
                    })
                    .collect::<Vec<_>>()}
            </fieldset>
            <div class="field">
                <label for=reason_id.clone()>"Why is it coming back?"</label>
                <select
                    id=reason_id
                    prop:value=move || reason.get()
                    on:change=move |ev| reason.set(event_target_value(&ev))
                    aria-describedby=reason_error_id.clone()
                >
                    <option value="">"Choose a reason"</option>
                    {ReturnReason::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str()>{r.label()}</option> })
                        .collect::<Vec<_>>()}
                </select>
                <p id=reason_error_id class="field__error">
                    {move || error.with(|e| e.as_ref()?.message_for(&Field::ReturnReason))}
                </p>
            </div>
            <p class="return-form__money" aria-live="polite">{money}</p>
            <button type="submit" class="button button--primary" disabled=move || action.pending().get()>
                "Start the return"
            </button>
            <p class="form-error" role="alert">
                {move || error.with(|e| {
                    let e = e.as_ref()?;
                    e.message_for(&Field::Order).or_else(|| {
                        let lines: Vec<Field> = chosen().iter().map(|(l, _)| Field::ReturnLine(*l)).collect();
                        general_error(e, &[lines.as_slice(), &[Field::Order, Field::ReturnReason]].concat())
                    })
                })}
            </p>
        </form>
    }
}

/// The printable return label: the code, where it goes, who sends it, what is in it.
#[component]
pub fn ReturnLabelPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let label = LocalResource::new(move || {
        get_return_label(
            params.read().get("number").unwrap_or_default(),
            query.read().get("key").unwrap_or_default(),
            params.read().get("code").unwrap_or_default(),
        )
    });
    view! {
        <Transition fallback=|| view! { <Loading what="your return label" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    label.await.map(|l| {
                        super::set_title(&format!("Return label {}", l.code));
                        let back = format!(
                            "/orders/{}?key={}",
                            l.order_number,
                            query.read_untracked().get("key").unwrap_or_default()
                        );
                        view! {
                            <article class="return-label">
                                <h1>{format!("Return label {}", l.code)}</h1>
                                <p class="return-label__code" aria-label=format!("Return code {}", l.code)>{l.code.clone()}</p>
                                <div class="return-label__addresses">
                                    <section aria-labelledby="label-to">
                                        <h2 id="label-to">"Send to"</h2>
                                        <p><strong>{l.to.clone()}</strong></p>
                                        <p>"Postage paid: no stamp needed."</p>
                                    </section>
                                    <section aria-labelledby="label-from">
                                        <h2 id="label-from">"From"</h2>
                                        <AddressLines address=l.from.clone() />
                                    </section>
                                </div>
                                <h2>"In this parcel"</h2>
                                <ul>{l.items.iter().map(|i| view! { <li>{i.clone()}</li> }).collect::<Vec<_>>()}</ul>
                                <p>{format!("Order {} · Reason: {}", l.order_number, l.reason.label())}</p>
                                <p class="return-label__how">
                                    "Pack the items with their labels, print this page and tape it to the parcel (or write the code "
                                    <strong>{l.code.clone()}</strong>
                                    " on it clearly), then hand it in at any Post Office."
                                </p>
                                <p class="no-print">
                                    <button type="button" class="button button--primary" on:click=move |_| {
                                        let _ = window().print();
                                    }>"Print this label"</button>
                                    " "
                                    <a href=back>"Back to your order"</a>
                                </p>
                            </article>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
