use crate::api::error::StockProblem;
use crate::api::orders::{price_cart, PricedCart, PricedLine};
use crate::components::recommend::GoesWellWithPart;
use crate::components::{
    error_fallback, use_cart, use_live_stock, use_region, InStockInsteadPart, Loading, StockBadge,
};
use crate::domain::cart::MAX_QUANTITY_PER_LINE;
use crate::domain::delivery::DeliveryOption;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The cart priced and planned by the shop for the shopper's region, again whenever the
/// cart changes and whenever the stock of anything in it changes.
pub fn priced_cart_resource(
    delivery: Signal<DeliveryOption>,
) -> LocalResource<Result<PricedCart, crate::api::ShopError>> {
    let cart = use_cart();
    let region = use_region();
    let priced = LocalResource::new(move || {
        price_cart(
            cart.0.with(|c| c.lines.clone()),
            region.0.get(),
            delivery.get(),
        )
    });
    let live = use_live_stock(move || {
        cart.0
            .with(|c| c.lines.iter().map(|l| l.variant_id).collect())
    });
    Effect::new(move |_| {
        let changed = live.with(|m| {
            priced.with_untracked(|p| {
                p.as_ref().and_then(|r| r.as_ref().ok()).is_some_and(|p| {
                    p.lines.iter().any(|l| {
                        m.get(&l.variant_id)
                            .is_some_and(|s| s.availability != l.availability)
                    })
                })
            })
        });
        if changed {
            priced.refetch();
        }
    });
    priced
}

/// Why a line can't be bought as it stands, if it can't; or, when the rest can wait
/// for a restock, how it will arrive.
pub fn line_problem(line: &PricedLine) -> Option<String> {
    if line.can_ship() {
        return None;
    }
    let now = line.quantity - line.backordered;
    match (line.back_on, now) {
        (None, _) => Some(
            StockProblem {
                variant_id: line.variant_id,
                requested: line.quantity,
                available: now,
            }
            .message(),
        ),
        (Some(date), 0) => Some(format!(
            "Out of stock right now. More is due around {}: you can keep it in your cart to have it sent then, or choose something else.",
            date.short_label()
        )),
        (Some(date), n) => Some(format!(
            "Only {n} can ship now; {} more follow around {}. Keep it to have the rest sent then, or lower the quantity.",
            line.backordered,
            date.short_label()
        )),
    }
}

/// The cart: change quantities, remove lines, see totals, go to checkout.
#[component]
pub fn CartPage() -> impl IntoView {
    super::set_title("Your cart");
    let cart = use_cart();
    let priced = priced_cart_resource(Signal::stored(DeliveryOption::Standard));
    let navigate = use_navigate();
    let checkout = move |_| navigate("/checkout", Default::default());
    let in_cart = Memo::new(move |_| {
        cart.0
            .with(|c| c.lines.iter().map(|l| l.variant_id).collect::<Vec<_>>())
    });
    view! {
        <h1>"Your cart"</h1>
        <Transition fallback=|| view! { <Loading what="your cart" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || {
                    let checkout = checkout.clone();
                    Suspend::new(async move {
                        priced.await.map(|priced| {
                            if priced.lines.is_empty() && priced.unknown.is_empty() {
                                return Either::Left(view! {
                                    <p class="notice">"Your cart is empty. " <a href="/">"Start shopping"</a></p>
                                });
                            }
                            let can_check_out = priced.can_check_out();
                            let unknown = priced.unknown.clone();
                            Either::Right(view! {
                                <ul class="cart">
                                    {priced.lines.iter().cloned().map(|line| view! { <CartLineRow line=line /> }).collect::<Vec<_>>()}
                                </ul>
                                {(!unknown.is_empty()).then(|| view! {
                                    <p class="notice notice--error" role="alert">
                                        "Some items in your cart are no longer sold and were taken out. "
                                        <button class="button" type="button" on:click=move |_| {
                                            cart.0.update(|c| unknown.iter().for_each(|id| c.remove(*id)));
                                        }>"OK"</button>
                                    </p>
                                })}
                                <CartTotals priced=priced.clone() />
                                {(!can_check_out).then(|| view! {
                                    <p class="notice" role="status">"Please sort out the items marked above before checking out."</p>
                                })}
                                <button class="button button--primary" type="button" on:click=checkout disabled=!can_check_out>
                                    "Checkout"
                                </button>
                            })
                        })
                    })
                }}
            </ErrorBoundary>
        </Transition>
        // What goes with the cart, fetched again only when its items (not quantities) change.
        {move || {
            let ids = in_cart.get();
            (!ids.is_empty()).then(|| view! { <GoesWellWithPart variant_ids=ids /> })
        }}
    }
}

/// Subtotal, delivery and total.
#[component]
pub fn CartTotals(priced: PricedCart) -> impl IntoView {
    let delivery = if priced.delivery.minor == 0 {
        "Free".to_owned()
    } else {
        priced.delivery.to_string()
    };
    view! {
        <dl class="totals">
            <div><dt>"Subtotal"</dt><dd>{priced.subtotal.to_string()}</dd></div>
            <div><dt>{priced.delivery_option.name()}</dt><dd>{delivery}</dd></div>
            <div class="totals__total"><dt>"Total"</dt><dd>{priced.total.to_string()}</dd></div>
        </dl>
        <p class="totals__hint">{priced.free_delivery_note.clone()}</p>
    }
}

/// One line of the cart with its quantity box and remove button.
#[component]
fn CartLineRow(line: PricedLine) -> impl IntoView {
    let cart = use_cart();
    let id = line.variant_id;
    let input_id = format!("qty-{id}");
    let problem_id = format!("problem-{id}");
    let problem = line_problem(&line);
    let has_problem = problem.is_some();
    let max = MAX_QUANTITY_PER_LINE.max(line.quantity);
    view! {
        <li class="cart__line" class:cart__line--problem=has_problem>
            <img class="cart__image" src=line.image.clone() alt="" width="96" height="96" />
            <div class="cart__item">
                <a href=format!("/p/{}", line.product_slug)>{line.product_name.clone()}</a>
                <span class="cart__variant">{line.variant_label.clone()}</span>
                <span class="cart__unit">{format!("{} each", line.unit_price)}</span>
                <StockBadge availability=line.availability />
                <ul class="cart__shipments">
                    {line.shipments.iter().map(|s| view! { <li>{s.label()}</li> }).collect::<Vec<_>>()}
                    {line.waiting_label().map(|w| view! { <li>{w}</li> })}
                </ul>
            </div>
            <div class="field field--quantity">
                <label for=input_id.clone()>{format!("Quantity of {}, {}", line.product_name, line.variant_label)}</label>
                <select
                    id=input_id
                    aria-describedby=problem_id.clone()
                    aria-invalid=has_problem.to_string()
                    on:change:target=move |ev| {
                        if let Ok(q) = ev.target().value().parse::<u32>() {
                            cart.0.update(|c| c.set_quantity(id, q));
                        }
                    }
                >
                    {(1..=max)
                        .map(|q| view! { <option value=q.to_string() selected=q == line.quantity>{q.to_string()}</option> })
                        .collect::<Vec<_>>()}
                </select>
            </div>
            <span class="cart__total">{line.line_total.to_string()}</span>
            <button
                class="button button--link"
                type="button"
                aria-label=format!("Remove {}, {}", line.product_name, line.variant_label)
                on:click=move |_| cart.0.update(|c| c.remove(id))
            >
                "Remove"
            </button>
            <p id=problem_id class="field__error" role="alert">{problem}</p>
            {has_problem.then(|| view! { <LineChoices line=line.clone() /> })}
        </li>
    }
}

/// The choices for a line that can't ship as it stands: fewer, wait, or something else.
#[component]
fn LineChoices(line: PricedLine) -> impl IntoView {
    let cart = use_cart();
    let id = line.variant_id;
    let now = line.quantity - line.backordered;
    let show_similar = RwSignal::new(false);
    let name = format!("{}, {}", line.product_name, line.variant_label);
    view! {
        <div class="cart__choices">
            {(now > 0).then(|| view! {
                <button class="button" type="button" on:click=move |_| cart.0.update(|c| c.set_quantity(id, now))>
                    {format!("Change to {now}")}
                </button>
            })}
            <button
                class="button"
                type="button"
                aria-expanded=move || show_similar.get().to_string()
                aria-label=format!("Show similar items in stock to {name}")
                on:click=move |_| show_similar.update(|s| *s = !*s)
            >
                "Show similar items in stock"
            </button>
        </div>
        {move || show_similar.get().then(|| view! {
            <InStockInsteadPart variant_id=id heading_id=format!("similar-{id}") />
        })}
    }
}
