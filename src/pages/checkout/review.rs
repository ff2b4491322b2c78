use super::{require_steps_before, use_checkout, Step};
use crate::api::checkout::{CheckoutOutcome, CheckoutRequest, ConfirmPayment, PlaceOrder};
use crate::api::orders::PricedCart;
use crate::api::ShopError;
use crate::components::browser::focus_later;
use crate::components::{error_fallback, use_cart, use_region, AddressLines, Loading};
use crate::domain::delivery::arrival_label;
use crate::domain::money::Money;
use crate::domain::payment::CardOnFile;
use crate::domain::validation::Field;
use crate::pages::cart::{line_problem, priced_cart_resource, CartTotals};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// What the review says when the answer to "Place order" never came (the connection or
/// the shop failed). True because a repeat under the same key gets the first one's answer.
pub const UNSURE: &str = "We couldn't hear back from the shop, so we can't tell yet whether your order went through. Please press the button again: if it did, you'll see your order, and you'll never be charged twice.";

/// The step where a field is typed, for the review's messages.
fn step_for(field: &Field) -> Option<Step> {
    match field {
        Field::Email => Some(Step::Contact),
        Field::Phone
        | Field::Name
        | Field::Line1
        | Field::Line2
        | Field::City
        | Field::Postcode
        | Field::Country
        | Field::DeliveryOption => Some(Step::Delivery),
        Field::CardName
        | Field::CardNumber
        | Field::CardExpiry
        | Field::CardCvc
        | Field::Payment => Some(Step::Payment),
        Field::Cart
        | Field::Line(_)
        | Field::Backorder
        | Field::Consent
        | Field::CallTime
        | Field::Topic
        | Field::Message
        | Field::OrderNumber
        | Field::Order
        | Field::Carrier
        | Field::Tracking
        | Field::Sku
        | Field::Quantity
        | Field::ReturnLine(_)
        | Field::ReturnReason
        | Field::ReturnCode
        | Field::RefuseReason
        | Field::Region
        | Field::Size
        | Field::Stars
        | Field::ReviewTitle
        | Field::ReviewText
        | Field::ReviewName => None,
    }
}

/// Step 4: everything on one page, what is charged now and later in plain words, and
/// "Place order and pay".
#[component]
pub fn ReviewStep() -> impl IntoView {
    crate::pages::set_title("Checkout: review");
    require_steps_before(Step::Review);
    let form = use_checkout();
    let cart = use_cart();
    let region = use_region();
    let priced = priced_cart_resource(form.delivery.into());
    let place = ServerAction::<PlaceOrder>::new();
    let confirm = ServerAction::<ConfirmPayment>::new();
    let bank_check = RwSignal::new(None::<(Money, CardOnFile)>);
    let outcome = RwSignal::new(None::<Result<CheckoutOutcome, ShopError>>);
    Effect::new(move |_| {
        if let Some(v) = place.value().get() {
            outcome.set(Some(v));
        }
    });
    Effect::new(move |_| {
        if let Some(v) = confirm.value().get() {
            outcome.set(Some(v));
        }
    });

    // A change to anything the order is made of starts a new attempt.
    Effect::new(move |previous: Option<String>| {
        let now = serde_json::to_string(&(
            form.details(),
            form.delivery.get(),
            form.card.get(),
            form.offers.get(),
            form.accept_backorder.get(),
            cart.0.get(),
        ))
        .unwrap_or_default();
        if previous.is_some_and(|p| p != now) {
            form.key.set(None);
        }
        now
    });

    let navigate = use_navigate();
    Effect::new(move |_| match outcome.get() {
        Some(Ok(CheckoutOutcome::Placed(order))) => {
            bank_check.set(None);
            crate::components::storage::remember_order(&order);
            cart.0.update(|c| c.clear());
            form.forget();
            navigate(
                &format!("/orders/{}/confirmation?key={}", order.number, order.key),
                Default::default(),
            );
        }
        Some(Ok(CheckoutOutcome::ConfirmWithBank { amount, card })) => {
            bank_check.set(Some((amount, card)));
            focus_later(".bank-check button");
        }
        Some(Err(e)) => {
            bank_check.set(None);
            // A refusal ends the attempt: the next try is a new one. After any other
            // error the order may exist, so the next try asks under the same key.
            if e.settles_attempt() {
                form.key.set(None);
            }
            focus_later(".review__problem");
        }
        None => {}
    });
    let busy = move || place.pending().get() || confirm.pending().get();
    let submitted = RwSignal::new(false);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if busy() {
            return;
        }
        let Some(Ok(p)) = priced.get_untracked() else {
            return;
        };
        let waiting = p.waiting().next().is_some();
        if waiting && !form.accept_backorder.get_untracked() {
            focus_later("#accept-backorder");
            return;
        }
        let key = form
            .key
            .get_untracked()
            .unwrap_or_else(crate::components::browser::new_attempt_key);
        form.key.set(Some(key.clone()));
        outcome.set(None);
        place.dispatch(PlaceOrder {
            request: CheckoutRequest {
                key,
                details: form.details(),
                lines: cart.0.with_untracked(|c| c.lines.clone()),
                region: region.0.get_untracked(),
                delivery: form.delivery.get_untracked(),
                card_token: form
                    .card
                    .get_untracked()
                    .map(|c| c.token)
                    .unwrap_or_default(),
                accept_backorder: form.accept_backorder.get_untracked(),
                offers: form.offers.get_untracked(),
                save_address: form.save_address.get_untracked(),
                expected_now: p.charges.now,
                expected_total: p.total,
            },
        });
    };
    let answer_bank = move |approve: bool| {
        if let Some(key) = form.key.get_untracked() {
            confirm.dispatch(ConfirmPayment { key, approve });
        }
    };

    let error = move || outcome.with(|o| o.as_ref().and_then(|r| r.as_ref().err().cloned()));
    // What went wrong, each with the way to the step that fixes it. Line and backorder
    // messages sit next to their line and box instead.
    let problems = move || {
        error()
            .map(|e| match e {
                ShopError::Invalid(list) => list
                    .into_iter()
                    .filter(|fe| !matches!(fe.field, Field::Line(_) | Field::Backorder))
                    .map(|fe| (fe.message, step_for(&fe.field)))
                    .collect(),
                ShopError::Internal | ShopError::Unreachable => vec![(UNSURE.to_owned(), None)],
                other => vec![(other.to_string(), None)],
            })
            .unwrap_or_default()
    };

    view! {
        <Transition fallback=|| view! { <Loading what="your order" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    priced.await.map(|p| {
                        let pay_label = if p.charges.now.minor > 0 {
                            format!("Place order and pay {}", p.charges.now)
                        } else {
                            "Place order".to_owned()
                        };
                        let waiting: Option<(u32, Option<String>)> = {
                            let units: u32 = p.waiting().map(|l| l.backordered).sum();
                            let latest = p.waiting().filter_map(|l| l.back_on).max();
                            (units > 0).then(|| (units, latest.map(|d| d.short_label())))
                        };
                        let can_order = p.can_check_out();
                        view! {
                            <form class="checkout__form review" on:submit=on_submit novalidate=true aria-labelledby="step-heading">
                                <h2 id="step-heading">"Check and place your order"</h2>
                                <OrderLines priced=p.clone() error=Signal::derive(error) />
                                <ReviewDetails priced=p.clone() />
                                <section class="review__section" aria-labelledby="charges-heading">
                                    <h3 id="charges-heading">"Payment"</h3>
                                    <p class="charges" id="charges">{p.charges.summary(&p.dispatch)}</p>
                                    <p>
                                        {move || form.card.get().map(|c| format!("Card: {}. ", c.card))}
                                        <a href=Step::Payment.path()>"Change card"</a>
                                    </p>
                                    <p class="hint">"Your receipt comes by email straight away: every item, what is held on your card now and what is asked for later, delivery dates, our return policy and how to reach us."</p>
                                </section>
                                {waiting.map(|(units, when)| {
                                    let when = when.unwrap_or_default();
                                    let label = if units == 1 {
                                        format!("I'm happy for 1 item to follow later, around {when}, when it's back in stock.")
                                    } else {
                                        format!("I'm happy for {units} items to follow later, around {when}, when they're back in stock.")
                                    };
                                    let unticked = move || submitted.get() && !form.accept_backorder.get();
                                    let message = move || {
                                        let server = error().and_then(|e| e.message_for(&Field::Backorder));
                                        server
                                            .filter(|_| !form.accept_backorder.get())
                                            .or_else(|| unticked().then(|| "Please tick this box, or lower the quantities in your cart.".to_owned()))
                                    };
                                    view! {
                                        <fieldset class="checkout__backorder">
                                            <legend>"Items that follow later"</legend>
                                            <div class="field field--check">
                                                <input
                                                    id="accept-backorder"
                                                    type="checkbox"
                                                    bind:checked=form.accept_backorder
                                                    aria-invalid=move || message().is_some().to_string()
                                                    aria-describedby="accept-backorder-error"
                                                />
                                                <label for="accept-backorder">{label}</label>
                                                <p id="accept-backorder-error" class="field__error">{message}</p>
                                            </div>
                                        </fieldset>
                                    }
                                })}
                                <div class="field__error review__problem" role="alert" tabindex="-1">
                                    {move || problems()
                                        .into_iter()
                                        .map(|(message, step)| view! {
                                            <p>
                                                {message}
                                                {step.map(|s| view! { " " <a href=s.path()>{format!("Change {}", s.title().to_lowercase())}</a> })}
                                            </p>
                                        })
                                        .collect::<Vec<_>>()}
                                </div>
                                {move || error().filter(|e| matches!(e, ShopError::Declined(_))).map(|_| view! {
                                    <p><a href=Step::Payment.path() on:click=move |_| form.card.set(None)>"Use a different card"</a></p>
                                })}
                                <div class="checkout__actions">
                                    <button class="button button--primary" type="submit" disabled=move || busy() || !can_order>
                                        {move || if busy() { "Placing your order…".to_owned() } else { pay_label.clone() }}
                                    </button>
                                    <a href="/cart">"Change your cart"</a>
                                </div>
                            </form>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
        {move || bank_check.get().map(|(amount, card)| view! {
            <crate::components::bank_check::BankCheck amount=amount card=card on_answer=answer_bank busy=Signal::derive(busy) />
        })}
    }
}

/// The items with where they ship from and when, and the totals.
#[component]
fn OrderLines(priced: PricedCart, error: Signal<Option<ShopError>>) -> impl IntoView {
    view! {
        <section class="review__section" aria-labelledby="order-heading">
            <h3 id="order-heading">"Your items"</h3>
            <ul class="checkout__lines">
                {priced
                    .lines
                    .clone()
                    .into_iter()
                    .map(|l| {
                        let id = l.variant_id;
                        let text = format!("{} × {} ({}) — {}", l.quantity, l.product_name, l.variant_label, l.line_total);
                        let plan: Vec<String> = l.shipments.iter().map(|s| s.label()).chain(l.waiting_label()).collect();
                        let problem = (!l.can_order()).then(|| line_problem(&l)).flatten();
                        let problem = move || {
                            error
                                .with(|e| e.as_ref().and_then(|e| e.message_for(&Field::Line(id))))
                                .or_else(|| problem.clone())
                        };
                        view! {
                            <li>
                                {text}
                                <ul class="checkout__plan">
                                    {plan.into_iter().map(|p| view! { <li>{p}</li> }).collect::<Vec<_>>()}
                                </ul>
                                <span class="field__error" role="alert">{problem}</span>
                            </li>
                        }
                    })
                    .collect::<Vec<_>>()}
            </ul>
            <CartTotals priced=priced />
        </section>
    }
}

/// Contact and delivery details, each with a way back to change them.
#[component]
fn ReviewDetails(priced: PricedCart) -> impl IntoView {
    let form = use_checkout();
    let d = form.details();
    let option = priced
        .options
        .iter()
        .find(|o| o.option == priced.delivery_option)
        .cloned();
    let arrives = option
        .as_ref()
        .and_then(|o| o.arrives)
        .map(|day| format!(", arriving by {}", arrival_label(day)))
        .unwrap_or_default();
    view! {
        <section class="review__section" aria-labelledby="delivery-heading">
            <h3 id="delivery-heading">"Delivery"</h3>
            <AddressLines address=d.address.clone() />
            <p>{format!("{}{arrives}", priced.delivery_option.name())}</p>
            <p><a href=Step::Delivery.path()>"Change delivery"</a></p>
        </section>
        <section class="review__section" aria-labelledby="contact-heading">
            <h3 id="contact-heading">"Contact"</h3>
            <p>{format!("{} · {}", d.email, d.phone)}</p>
            <p><a href=Step::Contact.path()>"Change contact details"</a></p>
        </section>
    }
}
