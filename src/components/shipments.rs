//! An order's parcels, each with its timeline: where it comes from, what is in it, its
//! tracking number and link, every step with its date and time, and when it is due.
//! The status page and the agent console show the same.

use crate::api::orders::ShipmentView;
use crate::domain::delivery::arrival_label;
use crate::domain::fulfilment::ShipmentStatus;
use leptos::prelude::*;

/// Every parcel of an order.
#[component]
pub fn ShipmentList(shipments: Vec<ShipmentView>, heading_level: u8) -> impl IntoView {
    let count = shipments.len();
    view! {
        <div class="shipments">
            {shipments
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let title = if count == 1 {
                        format!("Your parcel from {}", s.centre)
                    } else {
                        format!("Parcel {} of {count}, from {}", i + 1, s.centre)
                    };
                    view! { <ShipmentCard shipment=s title heading_level /> }
                })
                .collect::<Vec<_>>()}
        </div>
    }
}

#[component]
fn ShipmentCard(shipment: ShipmentView, title: String, heading_level: u8) -> impl IntoView {
    let s = shipment;
    let heading = match heading_level {
        2 => view! { <h2 class="shipment__title">{title}</h2> }.into_any(),
        3 => view! { <h3 class="shipment__title">{title}</h3> }.into_any(),
        4 => view! { <h4 class="shipment__title">{title}</h4> }.into_any(),
        _ => view! { <h5 class="shipment__title">{title}</h5> }.into_any(),
    };
    let today = crate::domain::date::uk_local(crate::components::browser::now_unix()).0;
    let due = match (s.status, s.expected, s.promised) {
        (ShipmentStatus::Delivered, _, _) => None,
        (_, Some(expected), _) if expected < today => Some(format!(
            "Running late: it was due {} and the courier hasn't reported it delivered yet.",
            arrival_label(expected)
        )),
        (_, Some(expected), Some(promised)) if expected > promised => Some(format!(
            "Running late: now expected {} (we first said {}).",
            arrival_label(expected),
            arrival_label(promised)
        )),
        (_, Some(expected), _) => Some(format!("Expected {}.", arrival_label(expected))),
        _ => None,
    };
    let tracking = s.tracking.clone().map(|number| {
        let carrier = s.carrier.map(|c| c.name()).unwrap_or("The courier");
        match s.tracking_url.clone() {
            Some(url) => view! {
                <p class="shipment__tracking">
                    {format!("{carrier} tracking number ")}
                    <strong>{number.clone()}</strong>
                    " · "
                    <a href=url target="_blank" rel="noopener noreferrer">
                        {format!("Follow it on {carrier}'s site")}
                    </a>
                </p>
            }
            .into_any(),
            None => view! {
                <p class="shipment__tracking">
                    {format!("{carrier} tracking number ")}
                    <strong>{number}</strong>
                </p>
            }
            .into_any(),
        }
    });
    let current = s.status;
    view! {
        <section class="shipment">
            {heading}
            <p class="shipment__status">
                <strong>{current.title()}</strong>
                {s.charged.map(|m| format!(" · {m} charged when it shipped"))}
            </p>
            <ul class="shipment__items">
                {s.items.into_iter().map(|i| view! { <li>{i}</li> }).collect::<Vec<_>>()}
            </ul>
            {tracking}
            {due.map(|d| view! { <p class="shipment__due">{d}</p> })}
            <ol class="timeline">
                {s.timeline
                    .into_iter()
                    .map(|step| {
                        view! {
                            <li class="timeline__step">
                                <span class="timeline__title">{step.status.title()}</span>
                                <span class="timeline__when">
                                    {format!("{}, {}", step.on.long_label(), step.time)}
                                </span>
                                {(!step.detail.is_empty())
                                    .then(|| view! { <span class="timeline__detail">{step.detail}</span> })}
                            </li>
                        }
                    })
                    .collect::<Vec<_>>()}
            </ol>
        </section>
    }
}
