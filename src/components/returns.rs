//! An order's returns, each with its steps: started (with the label), received and
//! being checked (with the day the refund is due), refunded or not accepted. The status
//! page and the agent console show the same.

use crate::api::orders::ReturnView;
use crate::domain::returns::ReturnStatus;
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
