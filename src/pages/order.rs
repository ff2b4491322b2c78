use crate::api::orders::{get_order, order_events_url, CancelOrder, OrderView};
use crate::components::browser::focus_later;
use crate::components::change_order::ChangeOrder;
use crate::components::event_stream::EventStream;
use crate::components::notice::general_error;
use crate::components::returns::SendBack;
use crate::components::write::{after_each, last_error};
use crate::components::{error_fallback, AddressLines, Loading, ReturnList, ShipmentList};
use crate::domain::order::OrderStatus;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The order behind the page's number and key, read again each time `version` moves.
fn order_resource(
    version: Option<RwSignal<u32>>,
) -> LocalResource<Result<OrderView, crate::api::ShopError>> {
    let params = use_params_map();
    let query = use_query_map();
    LocalResource::new(move || {
        if let Some(v) = version {
            v.track();
        }
        get_order(
            params.read().get("number").unwrap_or_default(),
            query.read().get("key").unwrap_or_default(),
        )
    })
}

/// Straight after checkout: thanks, the order number, and what happens next.
#[component]
pub fn ConfirmationPage() -> impl IntoView {
    super::set_title("Thank you for your order");
    let order = order_resource(None);
    let query = use_query_map();
    view! {
        <Transition fallback=|| view! { <Loading what="your order" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    order.await.map(|o| {
                        let status_href = format!("/orders/{}?key={}", o.number, query.read_untracked().get("key").unwrap_or_default());
                        view! {
                            <section class="confirmation">
                                <h1>"Thank you! Your order is in."</h1>
                                <p class="confirmation__number">
                                    "Your order number is " <strong>{o.number.clone()}</strong>
                                </p>
                                <p>
                                    "Keep the link below: it shows your order's progress at any time, parcel by parcel. "
                                    "We'll email you when each parcel leaves, with its tracking number. Lost the link? Use Find my order, at the foot of every page."
                                </p>
                                <p><a class="button" href=status_href>"Track your order"</a></p>
                                <p>{format!("We've emailed your receipt to {}.", o.email)}</p>
                            </section>
                            <AfterBuying />
                            <OrderSummary order=o />
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// An order's status, for whoever holds its private link, updated while it is open:
/// the page listens for the order's changes and reads it again at each (and on every
/// reconnection, so nothing is missed while the connection was down).
#[component]
pub fn OrderStatusPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let order = order_resource(Some(version));
    let params = use_params_map();
    let query = use_query_map();
    let url = order_events_url(
        &params.read_untracked().get("number").unwrap_or_default(),
        &query.read_untracked().get("key").unwrap_or_default(),
    );
    let reread = move |_: String| version.update(|v| *v += 1);
    let stream = StoredValue::new_local(EventStream::open(
        &url,
        vec![("order", Box::new(reread)), ("resync", Box::new(reread))],
    ));
    on_cleanup(move || stream.set_value(None));
    view! {
        <Transition fallback=|| view! { <Loading what="your order" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    order.await.map(|o| {
                        super::set_title(&format!("Order {}", o.number));
                        let status = o.status;
                        view! {
                            <h1>{format!("Order {}", o.number)}</h1>
                            <section class="order-status" aria-labelledby="status-heading">
                                <h2 id="status-heading">{format!("Status: {}", status.title())}</h2>
                                <p>{status.explanation()}</p>
                                <StatusSteps status=status history=o.history.clone() />
                            </section>
                            {o.change_refused.is_none().then(|| {
                                let key = query.read_untracked().get("key").unwrap_or_default();
                                view! {
                                    <ChangeOrder
                                        order=o.clone()
                                        preview=shopper_preview(o.number.clone(), key.clone())
                                        apply=shopper_change(o.number.clone(), key)
                                        on_changed=std::rc::Rc::new(move |_| version.update(|v| *v += 1))
                                    />
                                }
                            })}
                            <ChangeList changes=o.changes.clone() />
                            {status.before_shipping().then(|| view! {
                                <CancelSection number=o.number.clone() version />
                            })}
                            {o.rest_cancellable.then(|| view! {
                                <CancelRestSection number=o.number.clone() version />
                            })}
                            <ShipmentList shipments=o.shipments.clone() heading_level=2 />
                            <ReturnList
                                returns=o.returns.clone()
                                heading_level=2
                                label=(o.number.clone(), query.read_untracked().get("key").unwrap_or_default())
                            />
                            <SendBack
                                shipments=o.shipments.clone()
                                card=o.card.clone()
                                start=shopper_return(o.number.clone(), query.read_untracked().get("key").unwrap_or_default())
                                on_started=std::rc::Rc::new(move |_| version.update(|v| *v += 1))
                            />
                            <OrderSummary order=o />
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// Asks what a change would do, as the holder of the order's private link.
fn shopper_preview(
    number: String,
    key: String,
) -> crate::components::change_order::PreviewChangeFn {
    std::rc::Rc::new(move |change| {
        Box::pin(crate::api::orders::preview_change(
            number.clone(),
            key.clone(),
            change,
        ))
    })
}

/// Changes the order as the holder of its private link.
fn shopper_change(number: String, key: String) -> crate::components::change_order::ApplyChangeFn {
    std::rc::Rc::new(move |change, total, bank| {
        Box::pin(crate::api::orders::change_order(
            number.clone(),
            key.clone(),
            change,
            total,
            bank,
        ))
    })
}

/// The changes made to an order, and who made them.
#[component]
fn ChangeList(changes: Vec<crate::api::orders::ChangeRecord>) -> impl IntoView {
    if changes.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="order-changes" aria-labelledby="changes-heading">
            <h2 id="changes-heading">"Changes to this order"</h2>
            <ol class="timeline">
                {changes
                    .into_iter()
                    .map(|c| view! {
                        <li class="timeline__step">
                            <span class="timeline__title">
                                {c.by.map(|b| format!("Changed by {b}")).unwrap_or_else(|| "Changed by you".to_owned())}
                            </span>
                            <span class="timeline__when">{format!("{}, {}", c.on.long_label(), c.time)}</span>
                            <span class="timeline__detail">{c.what.join("; ")}</span>
                            <span class="timeline__detail">{c.money}</span>
                        </li>
                    })
                    .collect::<Vec<_>>()}
            </ol>
        </section>
    }
    .into_any()
}

/// Starts a return as the holder of the order's private link.
fn shopper_return(number: String, key: String) -> crate::components::returns::StartReturnFn {
    std::rc::Rc::new(move |request| {
        Box::pin(crate::api::orders::start_return(
            number.clone(),
            key.clone(),
            request,
        ))
    })
}

/// "Cancel this order", asked twice, while none of it has shipped. The page reads the
/// order again afterwards (it shows "Cancelled").
#[component]
fn CancelSection(number: String, version: RwSignal<u32>) -> impl IntoView {
    let key = use_query_map()
        .read_untracked()
        .get("key")
        .unwrap_or_default();
    let action = ServerAction::<CancelOrder>::new();
    let request = CancelOrder {
        number: number.clone(),
        key,
    };
    view! {
        <AskTwice
            action
            request
            version
            heading_id="cancel-heading"
            yes_selector="#cancel-yes"
            heading="Changed your mind?"
            text="Until any of it ships you can cancel this order here: the hold on your card is released, nothing is charged, and the items go back on sale."
            ask="Cancel this order"
            question=format!("Cancel order {number}?")
            yes="Yes, cancel my order"
            no="Keep my order"
        />
    }
}

/// "Cancel what hasn't shipped", asked twice, once part of the order has shipped and
/// some of it has not.
#[component]
fn CancelRestSection(number: String, version: RwSignal<u32>) -> impl IntoView {
    let key = use_query_map()
        .read_untracked()
        .get("key")
        .unwrap_or_default();
    let action = ServerAction::<crate::api::orders::CancelRest>::new();
    let request = crate::api::orders::CancelRest { number, key };
    view! {
        <AskTwice
            action
            request
            version
            heading_id="cancel-rest-heading"
            yes_selector="#cancel-rest-yes"
            heading="Don't need the rest?"
            text="Part of this order has shipped. You can cancel what hasn't (parcels still to pack and anything waiting for stock): it goes back on sale, nothing more is taken from your card, and what has shipped arrives as before."
            ask="Cancel what hasn't shipped"
            question="Cancel everything in this order that hasn't shipped yet?"
            yes="Yes, cancel the rest"
            no="Keep it coming"
        />
    }
}

/// A cancel asked twice: the button, then the question with yes and no; the answer's
/// error beside it, and the order read again (`version`) once it is done.
#[component]
#[allow(clippy::too_many_arguments)]
fn AskTwice<S>(
    action: ServerAction<S>,
    request: S,
    version: RwSignal<u32>,
    heading_id: &'static str,
    /// `#id` of the yes button, which gets the focus when the question opens.
    yes_selector: &'static str,
    heading: &'static str,
    text: &'static str,
    ask: &'static str,
    #[prop(into)] question: String,
    yes: &'static str,
    no: &'static str,
) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Error = crate::api::ShopError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let asking = RwSignal::new(false);
    let error = last_error(action);
    after_each(action, move |answer| {
        asking.set(false);
        if answer.is_ok() {
            version.update(|v| *v += 1);
        }
    });
    let confirm = move |_| {
        if !action.pending().get_untracked() {
            action.dispatch(request.clone());
        }
    };
    view! {
        <section class="order-cancel" aria-labelledby=heading_id>
            <h2 id=heading_id>{heading}</h2>
            <p>{text}</p>
            <Show
                when=move || asking.get()
                fallback=move || view! {
                    <button type="button" class="button" on:click=move |_| {
                        asking.set(true);
                        focus_later(yes_selector);
                    }>{ask}</button>
                }
            >
                <p><strong>{question.clone()}</strong></p>
                <button id=&yes_selector[1..] type="button" class="button button--primary" disabled=move || action.pending().get() on:click=confirm.clone()>
                    {yes}
                </button>
                <button type="button" class="button" on:click=move |_| asking.set(false)>{no}</button>
            </Show>
            <p class="form-error" role="alert">
                {move || error.with(|e| e.as_ref().and_then(|e| e.message_for(&Field::Order).or_else(|| general_error(e, &[Field::Order]))))}
            </p>
        </section>
    }
}

/// The journey placed → packed → shipped → delivered, with the current step marked.
#[component]
fn StatusSteps(
    status: OrderStatus,
    history: Vec<(OrderStatus, crate::domain::date::CalendarDate)>,
) -> impl IntoView {
    if status == OrderStatus::Cancelled {
        return view! { <p class="order-status__cancelled">"Cancelled"</p> }.into_any();
    }
    view! {
        <ol class="steps">
            {OrderStatus::JOURNEY
                .into_iter()
                .map(|step| {
                    let reached = history.iter().find(|(s, _)| *s == step).map(|(_, d)| d.long_label());
                    let current = step == status;
                    let done = reached.is_some();
                    view! {
                        <li class="steps__step" class:steps__step--done=done aria-current=current.then_some("step")>
                            <span class="steps__title">{step.title()}</span>
                            {reached.map(|d| view! { <span class="steps__date">{d}</span> })}
                        </li>
                    }
                })
                .collect::<Vec<_>>()}
        </ol>
    }
    .into_any()
}

/// The return policy and how to reach a person, straight after buying.
#[component]
fn AfterBuying() -> impl IntoView {
    // The built-in content first, the owner's current file once the server answers.
    let help = crate::components::use_help();
    move || {
        let help = help.get();
        view! {
            <section class="after-buying" aria-labelledby="after-heading">
                <h2 id="after-heading">"If you need us"</h2>
                <p>
                    "Call " <a href=format!("tel:{}", help.phone_tel)>{help.phone_display.clone()}</a>
                    " (" {help.hours_text()} "), email "
                    <a href=format!("mailto:{}", help.email)>{help.email.clone()}</a>
                    ", or chat with us in the Help panel."
                </p>
                <p>{help.returns.summary.clone()} " " <a href="/help/returns">"Our return policy"</a></p>
            </section>
        }
    }
}

/// Items, totals, payment and address of an order.
#[component]
fn OrderSummary(order: OrderView) -> impl IntoView {
    let a = order.address.clone();
    let delivery = if order.delivery.minor == 0 {
        "Free".to_owned()
    } else {
        order.delivery.to_string()
    };
    view! {
        <section class="order-summary" aria-labelledby="summary-heading">
            <h2 id="summary-heading">"What you ordered"</h2>
            <table class="order-summary__lines">
                <thead>
                    <tr><th scope="col">"Item"</th><th scope="col">"Quantity"</th><th scope="col">"Price"</th></tr>
                </thead>
                <tbody>
                    {order
                        .lines
                        .into_iter()
                        .map(|l| view! {
                            <tr>
                                <td>
                                    {format!("{} ({})", l.product_name, l.variant_label)}
                                    {(l.backordered > 0).then(|| view! {
                                        <span class="order-summary__waiting">
                                            {format!(
                                                " — {} to follow{}",
                                                l.backordered,
                                                l.expected.map(|d| format!(", around {}", d.short_label())).unwrap_or_default()
                                            )}
                                        </span>
                                    })}
                                </td>
                                <td>{l.quantity.to_string()}</td>
                                <td>{if l.exchange { "Exchange, no charge".to_owned() } else { l.line_total.to_string() }}</td>
                            </tr>
                        })
                        .collect::<Vec<_>>()}
                </tbody>
            </table>
            <dl class="totals">
                <div><dt>"Subtotal"</dt><dd>{order.subtotal.to_string()}</dd></div>
                <div><dt>"Delivery"</dt><dd>{delivery}</dd></div>
                <div class="totals__total"><dt>"Total"</dt><dd>{order.total.to_string()}</dd></div>
            </dl>
            <h2>"Payment"</h2>
            <p>
                {format!("Taken so far: {}", order.charged)}
                {order.card.as_ref().map(|c| format!(" from your {c}"))}
                ". Each parcel is charged when it ships; until then the money is only held."
            </p>
            {(order.refunded.minor > 0).then(|| view! {
                <p>{format!("Refunded so far: {}.", order.refunded)}</p>
            })}
            {order
                .to_charge_later
                .iter()
                .map(|l| {
                    let items = if l.units == 1 { "1 item".to_owned() } else { format!("{} items", l.units) };
                    let when = l.around.map(|d| format!(" (around {})", d.short_label())).unwrap_or_default();
                    view! { <p>{format!("{} for {items} will be charged when it ships{when}.", l.amount)}</p> }
                })
                .collect::<Vec<_>>()}
            <h2>"Delivering to"</h2>
            <AddressLines address=a />
            <p>
                {order.delivery_option.name()}
                {order.arrives.map(|d| format!(", arriving by {}", crate::domain::delivery::arrival_label(d)))}
            </p>
            <p>
                {format!("Placed on {}", order.placed_on.long_label())}
                {order.placed_by.as_ref().map(|b| format!(", on the phone with {b} at our contact centre"))}
                "."
            </p>
        </section>
    }
}
