//! What the customer has in front of them (page, cart, orders), and any customer found by
//! an order number, email or phone: their orders, chats, call-backs, consents and
//! sign-ups, with what is proved and what was only typed kept apart.

use crate::api::agent::{
    agent_cancel_order, agent_customer, agent_resend_order_link, CustomerContext, CustomerProfile,
};
use crate::api::orders::OrderView;
use crate::api::ShopError;
use crate::components::TextField;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The customer's page, cart and orders: what they see, the agent sees.
#[component]
pub(super) fn CustomerContextView(context: CustomerContext) -> impl IntoView {
    view! {
        <section class="console__context" aria-labelledby="context-heading">
            <h3 id="context-heading">"Customer context"</h3>
            <p>"Page: " <code>{if context.page.is_empty() { "unknown".to_owned() } else { context.page }}</code></p>
            <h4>"Cart"</h4>
            {match context.cart {
                None => view! { <p>"Empty."</p> }.into_any(),
                Some(cart) => view! {
                    <ul>
                        {cart.lines.into_iter().map(|l| view! {
                            <li>{format!("{} × {} ({}) {}", l.quantity, l.product_name, l.variant_label, l.line_total)}</li>
                        }).collect::<Vec<_>>()}
                    </ul>
                    <p>{format!("Total with delivery: {}", cart.total)}</p>
                }.into_any(),
            }}
            <h4>"Orders from their browser"</h4>
            <OrderList orders=context.orders />
            {(!context.unverified_orders.is_empty()).then(|| view! {
                <h4>"Under the email they typed (not verified)"</h4>
                <p class="console__warning">"Anyone can type any email address. Check who you're talking to (the order number and postcode, say) before discussing these orders."</p>
                <OrderList orders=context.unverified_orders />
            })}
        </section>
    }
}

#[component]
pub(super) fn OrderList(orders: Vec<OrderView>) -> impl IntoView {
    if orders.is_empty() {
        return view! { <p>"None found."</p> }.into_any();
    }
    view! {
        <ul class="console__orders">
            {orders.into_iter().map(|o| {
                let items = o
                    .lines
                    .iter()
                    .map(|l| format!("{} × {} ({})", l.quantity, l.product_name, l.variant_label))
                    .collect::<Vec<_>>()
                    .join(", ");
                let shipped = if o.status.before_shipping() { "nothing shipped yet" } else { "shipping has started" };
                let number = o.number.clone();
                let said = RwSignal::new(None::<String>);
                let start: crate::components::returns::StartReturnFn = {
                    let number = number.clone();
                    std::rc::Rc::new(move |request| {
                        Box::pin(crate::api::agent::agent_start_return(number.clone(), request))
                    })
                };
                let changing = o.change_refused.is_none().then(|| {
                    let (n1, n2) = (number.clone(), number.clone());
                    let preview: crate::components::change_order::PreviewChangeFn =
                        std::rc::Rc::new(move |change| {
                            Box::pin(crate::api::agent::agent_preview_change(n1.clone(), change))
                        });
                    let apply: crate::components::change_order::ApplyChangeFn =
                        std::rc::Rc::new(move |change, total, _bank| {
                            let number = n2.clone();
                            Box::pin(async move {
                                crate::api::agent::agent_change_order(number, change, total)
                                    .await
                                    .map(|o| crate::api::orders::ChangeOutcome::Changed(Box::new(o)))
                            })
                        });
                    let changed = std::rc::Rc::new(move |order: OrderView| {
                        said.set(Some(format!(
                            "Changed: the new total is {}. The customer has an email, and their order page shows the change with your name.",
                            order.total
                        )));
                    });
                    view! {
                        <crate::components::change_order::ChangeOrder
                            order=o.clone()
                            preview
                            apply
                            on_changed=changed
                            heading_level=3
                        />
                    }
                });
                let started = std::rc::Rc::new(move |order: OrderView| {
                    said.set(order.returns.last().map(|r| format!(
                        "Return {} started: the customer has an email with the code, and their order page has the label.",
                        r.code
                    )));
                });
                view! {
                    <li>
                        <strong>{o.number}</strong>
                        {format!(" · {} · {} · placed {} · {} · {}", o.status.title(), shipped, o.placed_on.long_label(), o.total, o.email)}
                        <br />
                        {items}
                        <ResendLink number=number.clone() />
                        {changing}
                        {o.status.before_shipping().then(|| view! {
                            <CancelForCustomer
                                label=format!("Cancel order {number} (the customer asked)")
                                ask=cancel_order_ask(number.clone())
                            />
                        })}
                        {o.rest_cancellable.then(|| view! {
                            <CancelForCustomer
                                label=format!("Cancel what hasn't shipped of {number} (the customer asked)")
                                ask=cancel_rest_ask(number.clone())
                            />
                        })}
                        <crate::components::ShipmentList shipments=o.shipments.clone() heading_level=3 />
                        <crate::components::ReturnList returns=o.returns heading_level=3 />
                        <crate::components::returns::SendBack
                            shipments=o.shipments
                            card=o.card
                            start
                            on_started=started
                            heading_level=3
                        />
                        <p role="status">{move || said.get()}</p>
                    </li>
                }
            }).collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}

/// Mails the order's private link to the address on the order again.
#[component]
fn ResendLink(number: String) -> impl IntoView {
    let said = RwSignal::new(None::<String>);
    let label = format!("Email the order link again for {number}");
    let send = move |_| {
        let number = number.clone();
        spawn_local(async move {
            said.set(Some(match agent_resend_order_link(number).await {
                Ok(()) => "Sent to the address on the order.".to_owned(),
                Err(e) => e.to_string(),
            }));
        });
    };
    view! {
        <p>
            <button type="button" class="button button--small" aria-label=label on:click=send>
                "Email the order link again"
            </button>
            <span role="status">{move || said.get()}</span>
        </p>
    }
}

/// What a cancel button asks the shop, answering the words to show the agent.
type CancelAsk = std::rc::Rc<
    dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, ShopError>>>>,
>;

/// Cancels the order (nothing shipped) on the customer's behalf, same terms as the web.
fn cancel_order_ask(number: String) -> CancelAsk {
    std::rc::Rc::new(move || {
        let number = number.clone();
        Box::pin(async move {
            agent_cancel_order(number).await.map(|_| {
                "Cancelled: the customer has an email, and the hold on their card is released."
                    .to_owned()
            })
        })
    })
}

/// Cancels what hasn't shipped of a partly shipped order, as the customer asked.
fn cancel_rest_ask(number: String) -> CancelAsk {
    std::rc::Rc::new(move || {
        let number = number.clone();
        Box::pin(async move {
            crate::api::agent::agent_cancel_rest(number).await.map(|o| {
                format!(
                    "Done: the order now comes to {}. The customer has an email.",
                    o.total
                )
            })
        })
    })
}

/// A cancel button for the customer on the phone, with the shop's answer beside it.
#[component]
fn CancelForCustomer(label: String, ask: CancelAsk) -> impl IntoView {
    let said = RwSignal::new(None::<String>);
    let send = move |_| {
        let ask = ask.clone();
        spawn_local(async move {
            said.set(Some(match ask().await {
                Ok(words) => words,
                Err(e) => e
                    .message_for(&Field::Order)
                    .unwrap_or_else(|| e.to_string()),
            }));
        });
    };
    view! {
        <p>
            <button type="button" class="button button--small" on:click=send>{label}</button>
            <span role="status">{move || said.get()}</span>
        </p>
    }
}

/// Any customer by an order number, their email or their phone.
#[component]
pub(super) fn OrderLookup() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let found = RwSignal::new(None::<CustomerProfile>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        spawn_local(async move {
            match agent_customer(q).await {
                Ok(profile) => {
                    error.set(None);
                    found.set(Some(profile));
                }
                Err(e) => {
                    found.set(None);
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <section class="console__lookup" aria-labelledby="lookup-heading">
            <h2 id="lookup-heading">"Find a customer"</h2>
            <form on:submit=submit novalidate>
                <TextField
                    id="order-lookup"
                    label="Order number, email or phone"
                    value=query
                    error=Signal::derive(move || error.with(|e| e.as_ref().map(ToString::to_string).map(|m| {
                        e.as_ref().and_then(|e| e.message_for(&Field::Email)).unwrap_or(m)
                    })))
                    on_blur=|_| ()
                />
                <button type="submit" class="button">"Find the customer"</button>
            </form>
            {move || found.get().map(|profile| view! { <Profile profile /> })}
        </section>
    }
}

/// A customer found by the agent.
#[component]
fn Profile(profile: CustomerProfile) -> impl IntoView {
    let who = profile
        .email
        .clone()
        .unwrap_or_else(|| "no email address on file".to_owned());
    let proof = match (&profile.email, profile.verified_on) {
        (Some(_), Some(on)) => view! {
            <p class="console__verified">{format!("Email verified: its owner opened a link we mailed to it on {}.", on.long_label())}</p>
        }
        .into_any(),
        (Some(_), None) => view! {
            <p class="console__warning">"Email not verified: nobody has opened a link we mailed to it, and anyone can type any address. Check who you're talking to (an order number and postcode, say) before discussing these orders."</p>
        }
        .into_any(),
        (None, _) => ().into_any(),
    };
    let chats = profile
        .chats
        .into_iter()
        .map(|c| {
            view! {
                <li>{format!(
                    "Chat started {} ({}, {} messages): \u{201c}{}\u{201d}",
                    c.started_on.long_label(),
                    if c.open { "open" } else { "closed" },
                    c.messages,
                    c.latest
                )}</li>
            }
        })
        .collect::<Vec<_>>();
    let callbacks = profile
        .callbacks
        .into_iter()
        .map(|c| {
            view! {
                <li>{format!(
                    "{} for {} on {}: {} ({}, {})",
                    c.reference,
                    c.name,
                    c.phone,
                    c.topic,
                    c.when,
                    if c.done { "done" } else { "waiting" }
                )}</li>
            }
        })
        .collect::<Vec<_>>();
    let consents = profile
        .consents
        .into_iter()
        .map(|c| {
            let state = match (c.confirmed, c.withdrawn_on) {
                (_, Some(w)) => format!("withdrawn on {}", w.long_label()),
                (true, None) => "confirmed".to_owned(),
                (false, None) => "waiting for the customer to open the confirm link".to_owned(),
            };
            view! { <li>{format!("Agreed on {} ({state}): ", c.given_on.long_label())}<q>{c.wording}</q></li> }
        })
        .collect::<Vec<_>>();
    let alerts = profile
        .alerts
        .into_iter()
        .map(|a| {
            view! {
                <li>{format!(
                    "{}, {} ({})",
                    a.product,
                    a.variant,
                    if a.confirmed { "confirmed" } else { "not confirmed" }
                )}</li>
            }
        })
        .collect::<Vec<_>>();
    let none = || view! { <p>"None."</p> };
    view! {
        <section class="console__profile" aria-labelledby="profile-heading">
            <h3 id="profile-heading">{format!("Customer: {who}")}</h3>
            <p>{format!("Found by {}.", profile.found_by)}</p>
            {proof}
            <h4>"Orders"</h4>
            <OrderList orders=profile.orders />
            {(profile.more_orders > 0).then(|| view! {
                <p>{format!("{} more under this address: search the address to see them.", profile.more_orders)}</p>
            })}
            <h4>"Chats (the address was typed into them: not proof)"</h4>
            {if chats.is_empty() { none().into_any() } else { view! { <ul>{chats}</ul> }.into_any() }}
            <h4>"Call-backs"</h4>
            {if callbacks.is_empty() { none().into_any() } else { view! { <ul>{callbacks}</ul> }.into_any() }}
            <h4>"Offers by email"</h4>
            <p>{if profile.offers { "Yes: a confirmed consent stands." } else { "No offers are sent to this customer." }}</p>
            {(!consents.is_empty()).then(|| view! { <ul>{consents}</ul> })}
            <h4>"Back-in-stock sign-ups"</h4>
            {if alerts.is_empty() { none().into_any() } else { view! { <ul>{alerts}</ul> }.into_any() }}
        </section>
    }
}
