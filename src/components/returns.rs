//! An order's returns, each with its steps: started (with the label), received and
//! being checked (with the day the refund is due), refunded or not accepted; and "Send
//! something back" (units of each delivered parcel, a reason, the money said before
//! confirming). The status page and the agent console show and use the same.

use crate::api::orders::{OrderView, ReturnRequest, ReturnView, ShipmentView};
use crate::api::ShopError;
use crate::components::browser::new_attempt_key;
use crate::components::notice::general_error;
use crate::domain::money::Money;
use crate::domain::payment::CardOnFile;
use crate::domain::returns::{ReturnReason, ReturnStatus, FAULTY_RETURN_DAYS, REFUND_WORKING_DAYS};
use crate::domain::validation::Field;
use leptos::prelude::*;

/// Every return of an order. `label` is the order's number and key, for the link to
/// each printable label (none in the agent console).
#[component]
pub fn ReturnList(
    returns: Vec<ReturnView>,
    heading_level: u8,
    #[prop(optional)] label: Option<(String, String)>,
) -> impl IntoView {
    if returns.is_empty() {
        return ().into_any();
    }
    view! {
        <div class="returns">
            {returns
                .into_iter()
                .map(|r| view! { <ReturnCard ret=r heading_level label=label.clone() /> })
                .collect::<Vec<_>>()}
        </div>
    }
    .into_any()
}

#[component]
fn ReturnCard(
    ret: ReturnView,
    heading_level: u8,
    label: Option<(String, String)>,
) -> impl IntoView {
    let title = format!("Return {}", ret.code);
    let heading = match heading_level {
        2 => view! { <h2 class="return__title">{title}</h2> }.into_any(),
        3 => view! { <h3 class="return__title">{title}</h3> }.into_any(),
        _ => view! { <h4 class="return__title">{title}</h4> }.into_any(),
    };
    let label_link = label
        .filter(|_| ret.status == ReturnStatus::Requested)
        .map(|(number, key)| {
            let href = ret.label_path(&number, &key);
            view! {
                <p><a class="button" href=href>{format!("Print the return label for {}", ret.code)}</a></p>
            }
        });
    let mut steps = vec![(
        "Return started".to_owned(),
        ret.requested_on.long_label(),
        ret.requested_by
            .as_ref()
            .map(|b| format!("Started by {b} at our contact centre"))
            .unwrap_or_default(),
    )];
    if let Some(on) = ret.received_on {
        steps.push((
            "Received at our centre".to_owned(),
            on.long_label(),
            ret.refund_by
                .map(|d| format!("Refund due by {}", d.long_label()))
                .unwrap_or_default(),
        ));
    }
    if let Some(on) = ret.settled_on {
        let (what, detail) = match ret.status {
            ReturnStatus::Exchanged => (
                "Accepted: your exchange is on its way to be packed".to_owned(),
                String::new(),
            ),
            ReturnStatus::Refunded => (
                format!(
                    "Refunded {}",
                    ret.refund.map(|m| m.to_string()).unwrap_or_default()
                ),
                "Your bank may take a few days to show it.".to_owned(),
            ),
            _ => (
                "Not accepted".to_owned(),
                ret.refused_because.clone().unwrap_or_default(),
            ),
        };
        steps.push((what, on.long_label(), detail));
    }
    let status = match ret.status {
        ReturnStatus::Requested => format!(
            "{}. It goes back to our {} centre; returns are free.",
            ret.status.title(),
            ret.centre
        ),
        ReturnStatus::Received => format!(
            "{}{}.",
            ret.status.title(),
            ret.refund_by
                .map(|d| format!(": your refund is due by {}", d.long_label()))
                .unwrap_or_default()
        ),
        ReturnStatus::Refunded => format!(
            "Refunded {}.",
            ret.refund.map(|m| m.to_string()).unwrap_or_default()
        ),
        ReturnStatus::Exchanged => format!("{}.", ret.status.title()),
        ReturnStatus::Refused => format!(
            "{}: {}",
            ret.status.title(),
            ret.refused_because.clone().unwrap_or_default()
        ),
    };
    view! {
        <section class="return">
            {heading}
            <p class="return__status"><strong>{status}</strong></p>
            <ul class="return__items">
                {ret.items.into_iter().map(|i| view! { <li>{i}</li> }).collect::<Vec<_>>()}
            </ul>
            <p>{format!("Reason: {}", ret.reason.label())}</p>
            {(!ret.exchange.is_empty()).then(|| view! {
                <p>{format!("In exchange, put aside for you: {}", ret.exchange.join(", "))}</p>
            })}
            {label_link}
            <ol class="timeline">
                {steps
                    .into_iter()
                    .map(|(what, on, detail)| view! {
                        <li class="timeline__step">
                            <span class="timeline__title">{what}</span>
                            <span class="timeline__when">{on}</span>
                            {(!detail.is_empty()).then(|| view! { <span class="timeline__detail">{detail}</span> })}
                        </li>
                    })
                    .collect::<Vec<_>>()}
            </ol>
        </section>
    }
}

/// Sends a return request: the shopper's (with the order's key) or an agent's.
pub type StartReturnFn = std::rc::Rc<
    dyn Fn(
        ReturnRequest,
    )
        -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<OrderView, ShopError>>>>,
>;

/// "Send something back": one form per delivered parcel with units left to return.
/// `start` sends the request; `on_started` gets the order as it is afterwards.
#[component]
pub fn SendBack(
    shipments: Vec<ShipmentView>,
    card: Option<CardOnFile>,
    start: StartReturnFn,
    on_started: std::rc::Rc<dyn Fn(OrderView)>,
    #[prop(default = 2)] heading_level: u8,
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
    let heading_id = format!("send-back-{}", open[0].1.id);
    let heading = match heading_level {
        2 => view! { <h2 id=heading_id.clone()>"Send something back"</h2> }.into_any(),
        3 => view! { <h3 id=heading_id.clone()>"Send something back"</h3> }.into_any(),
        _ => view! { <h4 id=heading_id.clone()>"Send something back"</h4> }.into_any(),
    };
    view! {
        <section class="send-back" aria-labelledby=heading_id>
            {heading}
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
                    view! { <ReturnForm parcel title card=card.clone() start=start.clone() on_started=on_started.clone() /> }
                })
                .collect::<Vec<_>>()}
        </section>
    }
    .into_any()
}

#[component]
fn ReturnForm(
    parcel: ShipmentView,
    title: String,
    card: Option<CardOnFile>,
    start: StartReturnFn,
    on_started: std::rc::Rc<dyn Fn(OrderView)>,
) -> impl IntoView {
    let attempt = StoredValue::new(new_attempt_key());
    let lines: Vec<_> = parcel
        .lines
        .iter()
        .filter(|l| l.returnable > 0)
        .cloned()
        .map(|l| (l, RwSignal::new(0u32), RwSignal::new(String::new())))
        .collect();
    let reason = RwSignal::new(String::new());
    let action = Action::new_local(move |request: &ReturnRequest| start(request.clone()));
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let on_started = StoredValue::new_local(on_started);
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        if seen.is_some_and(|s| s != version) {
            if let Some(Ok(order)) = action.value().get_untracked() {
                attempt.set_value(new_attempt_key());
                on_started.with_value(|f| f(order));
            }
        }
        version
    });
    let chosen = {
        let lines = lines.clone();
        move || {
            lines
                .iter()
                .map(|(l, units, _)| (l.line_id, units.get()))
                .filter(|(_, u)| *u > 0)
                .collect::<Vec<_>>()
        }
    };
    let money = {
        let lines = lines.clone();
        move || {
            let mut total: Option<Money> = None;
            for (l, units, swap) in &lines {
                let n = units.get();
                if n == 0 || !swap.get().is_empty() {
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
            let swaps = lines
                .iter()
                .filter(|(_, units, swap)| units.get() > 0 && !swap.get().is_empty())
                .count();
            let exchange = match swaps {
                0 => String::new(),
                _ => " Exchanges are put aside for you now and sent, free, once we've checked your return.".to_owned(),
            };
            Some(match total {
                Some(total) => format!(
                    "{total} back to {card} for these, once it reaches us and we've checked it (within {REFUND_WORKING_DAYS} working days). If this is everything from your order, the delivery charge comes back too.{exchange}"
                ),
                None if swaps > 0 => exchange.trim_start().to_owned(),
                None => return None,
            })
        }
    };
    let exchange = {
        let lines = lines.clone();
        move || {
            lines
                .iter()
                .filter(|(_, units, _)| units.get_untracked() > 0)
                .filter_map(|(l, _, swap)| {
                    Some((l.line_id, swap.get_untracked().parse::<i64>().ok()?))
                })
                .collect::<Vec<_>>()
        }
    };
    let submit = {
        let chosen = chosen.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if action.pending().get_untracked() {
                return;
            }
            action.dispatch_local(ReturnRequest {
                shipment_id: parcel.id,
                lines: chosen(),
                reason: reason.get_untracked(),
                exchange: exchange(),
                attempt: attempt.get_value(),
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
                    .map(|(l, units, swap)| {
                        let id = format!("return-{}-{}", parcel.id, l.line_id);
                        let swap_id = format!("{id}-exchange");
                        let swap_field = (!l.exchange_choices.is_empty()).then(|| view! {
                            <label for=swap_id.clone()>{format!("{} ({}): refund or exchange", l.product_name, l.variant_label)}</label>
                            <select
                                id=swap_id.clone()
                                prop:value=move || swap.get()
                                on:change=move |ev| swap.set(event_target_value(&ev))
                            >
                                <option value="">"A refund"</option>
                                {l.exchange_choices
                                    .iter()
                                    .map(|(v, label)| view! { <option value=v.to_string()>{format!("Exchange for {label}")}</option> })
                                    .collect::<Vec<_>>()}
                            </select>
                        });
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
                                {swap_field}
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
