//! "Change this order" until it ships: each line's size or colour and quantity (0
//! removes it), the delivery address and option; once part of it has shipped, what
//! hasn't (units that left stay, and so do the address and delivery). "Review the
//! change" shows what it does and the money in plain words, and only "Confirm the
//! change" makes it. The status page (the shopper) and the agent console (on the phone)
//! use the same form.

use crate::api::orders::{ChangeLine, ChangeOutcome, ChangePreview, OrderChange, OrderView};
use crate::api::ShopError;
use crate::components::browser::new_attempt_key;
use crate::components::notice::general_error;
use crate::domain::delivery::DeliveryOption;
use crate::domain::validation::{Address, Field};
use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Answer<T> = Pin<Box<dyn Future<Output = Result<T, ShopError>>>>;
/// Asks what a change would do.
pub type PreviewChangeFn = Rc<dyn Fn(OrderChange) -> Answer<ChangePreview>>;
/// Makes the change, if the total is still the one previewed (with the shopper's answer
/// to their bank's check, when it asked for one).
pub type ApplyChangeFn = Rc<dyn Fn(OrderChange, i64, Option<bool>) -> Answer<ChangeOutcome>>;

/// One line of the form: the order line, its product, and the chosen variant and count.
#[derive(Clone)]
struct LineEdit {
    line_id: i64,
    first_variant: i64,
    product: String,
    choices: Vec<(i64, String)>,
    /// Units that left already: the line keeps its size and colour and at least these.
    shipped: u32,
    variant: RwSignal<i64>,
    quantity: RwSignal<u32>,
}

/// A line the change adds: another size or colour of a product already in the order.
#[derive(Clone)]
struct AddedLine {
    n: usize,
    product: String,
    choices: Vec<(i64, String)>,
    variant: RwSignal<i64>,
    quantity: RwSignal<u32>,
}

#[component]
pub fn ChangeOrder(
    order: OrderView,
    preview: PreviewChangeFn,
    apply: ApplyChangeFn,
    on_changed: Rc<dyn Fn(OrderView)>,
    #[prop(default = 2)] heading_level: u8,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let prefix = format!("change-{}", order.number);
    // Part has shipped: only the rest may change (the server's rule; this only shapes
    // the form).
    let partial = order.lines.iter().any(|l| l.shipped > 0);
    let lines: Vec<LineEdit> = order
        .lines
        .iter()
        .filter(|l| !l.exchange)
        .map(|l| LineEdit {
            line_id: l.line_id,
            first_variant: l.variant_id,
            product: l.product_name.clone(),
            choices: l.choices.clone(),
            shipped: l.shipped,
            variant: RwSignal::new(l.variant_id),
            quantity: RwSignal::new(l.quantity),
        })
        .collect();
    let added = RwSignal::new(Vec::<AddedLine>::new());
    let address = RwSignal::new(order.address.clone());
    let delivery = RwSignal::new(order.delivery_option);
    let attempt = StoredValue::new(new_attempt_key());
    let asked = {
        let lines = lines.clone();
        move || OrderChange {
            lines: lines
                .iter()
                .map(|l| ChangeLine {
                    line_id: Some(l.line_id),
                    variant_id: l.variant.get_untracked(),
                    quantity: l.quantity.get_untracked(),
                })
                .chain(added.get_untracked().iter().map(|a| ChangeLine {
                    line_id: None,
                    variant_id: a.variant.get_untracked(),
                    quantity: a.quantity.get_untracked(),
                }))
                .collect(),
            address: address.get_untracked(),
            delivery: delivery.get_untracked(),
            attempt: attempt.get_value(),
        }
    };
    let review = Action::new_local(move |change: &OrderChange| preview(change.clone()));
    let confirm = Action::new_local(
        move |(change, total, bank): &(OrderChange, i64, Option<bool>)| {
            apply(change.clone(), *total, *bank)
        },
    );
    // Set while the bank asks the shopper to confirm a larger hold.
    let bank_ask = RwSignal::new(
        None::<(
            crate::domain::money::Money,
            crate::domain::payment::CardOnFile,
        )>,
    );
    // The preview is for the form as it was; editing again asks for a new one.
    let reviewed = RwSignal::new(None::<(OrderChange, ChangePreview)>);
    // The change sent for review (an action forgets its input once it has answered).
    let sent = StoredValue::new(None::<OrderChange>);
    let error = RwSignal::new(None::<ShopError>);
    let on_changed = StoredValue::new_local(on_changed);
    Effect::new(move |seen: Option<usize>| {
        let version = review.version().get();
        if seen.is_some_and(|s| s != version) {
            match review.value().get_untracked() {
                Some(Ok(p)) => {
                    error.set(None);
                    reviewed.set(sent.get_value().map(|c| (c, p)));
                    crate::components::browser::focus_later(".change-form__review");
                }
                Some(Err(e)) => {
                    reviewed.set(None);
                    error.set(Some(e));
                }
                None => {}
            }
        }
        version
    });
    Effect::new(move |seen: Option<usize>| {
        let version = confirm.version().get();
        if seen.is_some_and(|s| s != version) {
            match confirm.value().get_untracked() {
                Some(Ok(ChangeOutcome::Changed(order))) => {
                    error.set(None);
                    reviewed.set(None);
                    bank_ask.set(None);
                    open.set(false);
                    attempt.set_value(new_attempt_key());
                    on_changed.with_value(|f| f(*order));
                }
                Some(Ok(ChangeOutcome::ConfirmWithBank { amount, card })) => {
                    bank_ask.set(Some((amount, card)));
                    crate::components::browser::focus_later(".bank-check button");
                }
                Some(Err(e)) => {
                    reviewed.set(None);
                    bank_ask.set(None);
                    // The next try is a new attempt (a declined check stays declined).
                    attempt.set_value(new_attempt_key());
                    error.set(Some(e));
                }
                None => {}
            }
        }
        version
    });
    let message_for =
        move |field: Field| Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&field)));
    let heading_id = format!("{prefix}-heading");
    let heading = match heading_level {
        2 => view! { <h2 id=heading_id.clone()>"Change this order"</h2> }.into_any(),
        3 => view! { <h3 id=heading_id.clone()>"Change this order"</h3> }.into_any(),
        _ => view! { <h4 id=heading_id.clone()>"Change this order"</h4> }.into_any(),
    };
    let submit = {
        let asked = asked.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !review.pending().get_untracked() {
                let change = asked();
                sent.set_value(Some(change.clone()));
                review.dispatch_local(change);
            }
        }
    };
    let line_fields = lines
        .iter()
        .cloned()
        .map(|l| {
            let id = format!("{prefix}-line-{}", l.line_id);
            let (first, variant) = (l.first_variant, l.variant);
            let message = Signal::derive(move || {
                error.with(|e| {
                    let e = e.as_ref()?;
                    e.message_for(&Field::Line(variant.get()))
                        .or_else(|| e.message_for(&Field::Line(first)))
                })
            });
            let choice = (l.choices.len() > 1 && l.shipped == 0).then(|| {
                let select_id = format!("{id}-variant");
                view! {
                    <label for=select_id.clone()>{format!("{}: size and colour", l.product)}</label>
                    <select
                        id=select_id
                        prop:value=move || l.variant.get().to_string()
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse() {
                                l.variant.set(v);
                                reviewed.set(None);
                            }
                        }
                    >
                        {l.choices
                            .iter()
                            .map(|(v, label)| view! { <option value=v.to_string()>{label.clone()}</option> })
                            .collect::<Vec<_>>()}
                    </select>
                }
            });
            let count_id = format!("{id}-quantity");
            let count_label = match l.shipped {
                0 => format!("{}: how many (0 removes it)", l.product),
                n => format!("{}: how many in all ({n} already shipped)", l.product),
            };
            let error_id = format!("{id}-error");
            let add = (l.choices.len() > 1).then(|| {
                let (product, choices, current) = (l.product.clone(), l.choices.clone(), l.first_variant);
                let label = format!("Add another size or colour of {}", l.product);
                view! {
                    <button type="button" class="button button--small" on:click=move |_| {
                        let first = choices.iter().map(|(v, _)| *v).find(|v| *v != current).unwrap_or(current);
                        added.update(|a| {
                            let n = a.len();
                            a.push(AddedLine {
                                n,
                                product: product.clone(),
                                choices: choices.clone(),
                                variant: RwSignal::new(first),
                                quantity: RwSignal::new(1),
                            });
                        });
                        reviewed.set(None);
                    }>{label}</button>
                }
            });
            view! {
                <div class="field change-form__line" class:field--invalid=move || message.get().is_some()>
                    {choice}
                    <label for=count_id.clone()>{count_label}</label>
                    <input
                        id=count_id
                        type="number"
                        inputmode="numeric"
                        min=l.shipped.to_string()
                        max="20"
                        prop:value=move || l.quantity.get().to_string()
                        on:input=move |ev| {
                            l.quantity.set(event_target_value(&ev).trim().parse().unwrap_or(0));
                            reviewed.set(None);
                        }
                        aria-invalid=move || message.get().is_some().to_string()
                        aria-describedby=error_id.clone()
                    />
                    <p id=error_id class="field__error">{message}</p>
                    {add}
                </div>
            }
        })
        .collect::<Vec<_>>();
    let added_fields = {
        let prefix = prefix.clone();
        move || {
            added
                .get()
                .into_iter()
                .map(|a| {
                    let id = format!("{prefix}-added-{}", a.n);
                    let variant = a.variant;
                    let message = Signal::derive(move || {
                        error.with(|e| e.as_ref()?.message_for(&Field::Line(variant.get())))
                    });
                    let error_id = format!("{id}-error");
                    view! {
                        <div class="field change-form__line" class:field--invalid=move || message.get().is_some()>
                            <label for=format!("{id}-variant")>{format!("Added {}: size and colour", a.product)}</label>
                            <select
                                id=format!("{id}-variant")
                                prop:value=move || a.variant.get().to_string()
                                on:change=move |ev| {
                                    if let Ok(v) = event_target_value(&ev).parse() {
                                        a.variant.set(v);
                                        reviewed.set(None);
                                    }
                                }
                            >
                                {a.choices
                                    .iter()
                                    .map(|(v, label)| view! { <option value=v.to_string()>{label.clone()}</option> })
                                    .collect::<Vec<_>>()}
                            </select>
                            <label for=format!("{id}-quantity")>{format!("Added {}: how many (0 removes it)", a.product)}</label>
                            <input
                                id=format!("{id}-quantity")
                                type="number"
                                inputmode="numeric"
                                min="0"
                                max="20"
                                prop:value=move || a.quantity.get().to_string()
                                on:input=move |ev| {
                                    a.quantity.set(event_target_value(&ev).trim().parse().unwrap_or(0));
                                    reviewed.set(None);
                                }
                                aria-invalid=move || message.get().is_some().to_string()
                                aria-describedby=error_id.clone()
                            />
                            <p id=error_id class="field__error">{message}</p>
                        </div>
                    }
                })
                .collect::<Vec<_>>()
        }
    };
    // "Add an item": find a product by name, then it joins the form as an added line.
    let find_id = format!("{prefix}-find");
    let find_text = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<(String, String, crate::domain::money::Money)>::new());
    let find = move |_| {
        let query = find_text.get_untracked();
        leptos::task::spawn_local(async move {
            let hits = crate::api::catalog::suggest(query)
                .await
                .map(|s| {
                    s.products
                        .into_iter()
                        .map(|h| (h.card.slug, h.card.name, h.card.price))
                        .collect()
                })
                .unwrap_or_default();
            found.set(hits);
        });
    };
    let add_product = move |slug: String| {
        leptos::task::spawn_local(async move {
            if let Ok(p) = crate::api::catalog::get_product(slug, String::new()).await {
                let choices: Vec<(i64, String)> = p
                    .variants
                    .iter()
                    .map(|v| {
                        (
                            v.id,
                            crate::api::catalog::variant_label(
                                v.colour.as_deref(),
                                v.size.as_deref(),
                            ),
                        )
                    })
                    .collect();
                let first = p
                    .variants
                    .iter()
                    .find(|v| v.availability.is_in_stock())
                    .or(p.variants.first())
                    .map_or(0, |v| v.id);
                added.update(|a| {
                    let n = a.len();
                    a.push(AddedLine {
                        n,
                        product: p.name.clone(),
                        choices,
                        variant: RwSignal::new(first),
                        quantity: RwSignal::new(1),
                    });
                });
                found.set(Vec::new());
                find_text.set(String::new());
                reviewed.set(None);
            }
        });
    };
    let delivery_id = format!("{prefix}-delivery");
    let address_field = move |part: &'static str,
                              label: &'static str,
                              field: Field,
                              get: fn(&Address) -> &String,
                              set: fn(&mut Address) -> &mut String| {
        let id = format!("{prefix}-{part}");
        let error_id = format!("{id}-error");
        let message = message_for(field);
        view! {
            <div class="field" class:field--invalid=move || message.get().is_some()>
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    type="text"
                    prop:value=move || address.with(|a| get(a).clone())
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        address.update(|a| *set(a) = text);
                        reviewed.set(None);
                    }
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby=error_id.clone()
                />
                <p id=error_id class="field__error">{message}</p>
            </div>
        }
    };
    let address_fields = view! {
        {address_field("name", "Name", Field::Name, |a| &a.name, |a| &mut a.name)}
        {address_field("line1", "Address line 1", Field::Line1, |a| &a.line1, |a| &mut a.line1)}
        {address_field("line2", "Address line 2 (optional)", Field::Line2, |a| &a.line2, |a| &mut a.line2)}
        {address_field("city", "Town or city", Field::City, |a| &a.city, |a| &mut a.city)}
        {address_field("postcode", "Postcode", Field::Postcode, |a| &a.postcode, |a| &mut a.postcode)}
    };
    // Once part has left, the rest goes the same way: the address and option are shown,
    // not offered.
    let delivery_fields = if partial {
        let a = order.address.clone();
        let to = [a.name, a.line1, a.line2, a.city, a.postcode]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        view! {
            <p class="change-form__same-way">
                {format!("The rest goes to {to} by {}, like what has shipped.", order.delivery_option.name())}
            </p>
        }
        .into_any()
    } else {
        view! {
            <fieldset>
                <legend>"Delivery address"</legend>
                {address_fields}
            </fieldset>
            <div class="field">
                <label for=delivery_id.clone()>"Delivery"</label>
                <select
                    id=delivery_id.clone()
                    prop:value=move || delivery.get().as_str()
                    on:change=move |ev| {
                        if let Some(o) = DeliveryOption::parse(&event_target_value(&ev)) {
                            delivery.set(o);
                            reviewed.set(None);
                        }
                    }
                >
                    {DeliveryOption::ALL
                        .into_iter()
                        .map(|o| view! { <option value=o.as_str()>{o.name()}</option> })
                        .collect::<Vec<_>>()}
                </select>
            </div>
        }
        .into_any()
    };
    let intro = if partial {
        "Part of this order has shipped. What hasn't can still change: sizes, colours and quantities of what's still to come, items added or removed. You'll see what it does to the total and your card before anything changes."
    } else {
        "Until it ships you can change sizes, colours and quantities, add items, remove an item, or change the address or delivery. You'll see what it does to the total and your card before anything changes."
    };
    let general = move || {
        error.with(|e| {
            let e = e.as_ref()?;
            let mut known = vec![
                Field::Name,
                Field::Line1,
                Field::Line2,
                Field::City,
                Field::Postcode,
            ];
            known.extend(
                lines
                    .iter()
                    .flat_map(|l| [Field::Line(l.first_variant), Field::Line(l.variant.get())]),
            );
            e.message_for(&Field::Order)
                .or_else(|| e.message_for(&Field::Payment))
                .or_else(|| {
                    general_error(
                        e,
                        &[known.as_slice(), &[Field::Order, Field::Payment]].concat(),
                    )
                })
        })
    };
    let confirm_click = move |_| {
        if let Some((change, p)) = reviewed.get_untracked() {
            if !confirm.pending().get_untracked() {
                confirm.dispatch_local((change, p.total.minor, None));
            }
        }
    };
    let answer_bank = move |approve: bool| {
        if let Some((change, p)) = reviewed.get_untracked() {
            if !confirm.pending().get_untracked() {
                confirm.dispatch_local((change, p.total.minor, Some(approve)));
            }
        }
    };
    view! {
        <section class="change-order" aria-labelledby=heading_id>
            {heading}
            <p>{intro}</p>
            <button type="button" class="button" hidden=move || open.get() on:click=move |_| open.set(true)>
                "Change this order"
            </button>
            <div hidden=move || !open.get()>
                <form class="change-form" on:submit=submit novalidate>
                    <fieldset>
                        <legend>"Items"</legend>
                        {line_fields}
                        {added_fields}
                        <div class="field change-form__find">
                            <label for=find_id.clone()>"Add an item: search by name"</label>
                            <input id=find_id.clone() type="search" prop:value=move || find_text.get() on:input=move |ev| find_text.set(event_target_value(&ev)) />
                            <button type="button" class="button button--small" on:click=find>"Find"</button>
                            <ul class="change-form__found">
                                {move || found.get().into_iter().map(|(slug, name, price)| {
                                    let label = format!("Add {name} ({price})");
                                    view! {
                                        <li><button type="button" class="button button--small" on:click=move |_| add_product(slug.clone())>{label}</button></li>
                                    }
                                }).collect::<Vec<_>>()}
                            </ul>
                        </div>
                    </fieldset>
                    {delivery_fields}
                    <p class="form-error" role="alert">{general}</p>
                    <button type="submit" class="button button--primary" disabled=move || review.pending().get()>
                        "Review the change"
                    </button>
                    " "
                    <button type="button" class="button" on:click=move |_| { open.set(false); reviewed.set(None); error.set(None); }>
                        "Keep my order as it is"
                    </button>
                </form>
                {move || reviewed.get().map(|(_, p)| view! {
                    <div class="change-form__review" role="region" aria-label="The change, before you confirm it" tabindex="-1">
                        <p><strong>"Please check the change:"</strong></p>
                        <ul>{p.what.iter().map(|w| view! { <li>{w.clone()}</li> }).collect::<Vec<_>>()}</ul>
                        <p>{format!("New total: {} (was {}), delivery {}.", p.total, p.old_total, p.delivery)}</p>
                        <p class="change-form__money"><strong>{p.money.clone()}</strong></p>
                        <button type="button" class="button button--primary" disabled=move || confirm.pending().get() on:click=confirm_click>
                            "Confirm the change"
                        </button>
                    </div>
                })}
                {move || bank_ask.get().map(|(amount, card)| view! {
                    <crate::components::bank_check::BankCheck
                        amount
                        card
                        on_answer=answer_bank
                        busy=Signal::derive(move || confirm.pending().get())
                    />
                })}
            </div>
        </section>
    }
}
