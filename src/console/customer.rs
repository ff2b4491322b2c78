//! What the customer has in front of them (page, cart, orders) and any order found by
//! number or email.

use crate::api::agent::{
    agent_cancel_order, agent_find_orders, agent_resend_order_link, CustomerContext,
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

/// Any order by number or by the customer's email.
#[component]
pub(super) fn OrderLookup() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let found = RwSignal::new(None::<Vec<OrderView>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        spawn_local(async move {
            match agent_find_orders(q).await {
                Ok(orders) => {
                    error.set(None);
                    found.set(Some(orders));
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
            <h2 id="lookup-heading">"Find an order"</h2>
            <form on:submit=submit novalidate>
                <TextField
                    id="order-lookup"
                    label="Order number or email"
                    value=query
                    error=Signal::derive(move || error.with(|e| e.as_ref().map(ToString::to_string).map(|m| {
                        e.as_ref().and_then(|e| e.message_for(&Field::Email)).unwrap_or(m)
                    })))
                    on_blur=|_| ()
                />
                <button type="submit" class="button">"Find orders"</button>
            </form>
            {move || found.get().map(|orders| view! { <OrderList orders /> })}
        </section>
    }
}
