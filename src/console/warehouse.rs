//! `/warehouse`: the distribution centres' back-office. Choose the centre; its parcels
//! to pack (oldest order first), packed ones waiting for the courier ("Ship" asks for
//! the carrier and the tracking number from the label, and takes the parcel's money),
//! what shipped in the last day, receiving stock from a delivery, and the returns desk.

use crate::api::warehouse::{
    get_centre_work, warehouse_me, warehouse_sign_out, CentreWork, PackShipment, PickLine,
    ReceiveStock, ShipShipment, ShipmentTask,
};
use crate::api::ShopError;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::{AddressLines, SelectField, TextField};
use crate::domain::fulfilment::Carrier;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

const CENTRE_KEY: &str = "storefront.warehouse.centre";

#[component]
pub fn WarehouseConsole() -> impl IntoView {
    crate::components::browser::set_title("Warehouse");
    let navigate = use_navigate();
    let me = RwSignal::new(None::<String>);
    let centre = RwSignal::new(
        crate::components::storage::load(CENTRE_KEY).unwrap_or_else(|| "LDS".to_owned()),
    );
    let work = RwSignal::new(None::<Result<CentreWork, ShopError>>);
    let shipping = RwSignal::new(None::<ShipmentTask>);
    let load = move || {
        let code = centre.get_untracked();
        spawn_local(async move {
            work.set(Some(get_centre_work(code).await));
        });
    };
    {
        let navigate = navigate.clone();
        spawn_local(async move {
            match warehouse_me().await {
                Ok(staff) => {
                    me.set(Some(staff.name));
                    load();
                }
                Err(ShopError::SignInRequired) => {
                    navigate("/warehouse/sign-in", Default::default())
                }
                Err(e) => work.set(Some(Err(e))),
            }
        });
    }
    Effect::new(move |_| {
        let code = centre.get();
        crate::components::storage::save(CENTRE_KEY, &code);
        if me.get_untracked().is_some() {
            load();
        }
    });
    let pack = ServerAction::<PackShipment>::new();
    let pack_error = last_error(pack);
    after_each(pack, move |_| load());
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = warehouse_sign_out().await;
            navigate("/warehouse/sign-in", Default::default());
        });
    };
    let centre_options = Signal::derive(move || {
        work.with(|w| match w {
            Some(Ok(w)) => w
                .centres
                .iter()
                .map(|c| (c.code.clone(), format!("{} ({})", c.name, c.code)))
                .collect(),
            _ => vec![(centre.get_untracked(), centre.get_untracked())],
        })
    });
    view! {
        <div class="console warehouse">
            <header class="console__header">
                <h1>"Warehouse"</h1>
                <p>{move || me.get().map(|n| format!("Signed in as {n}"))}</p>
                <button type="button" class="button" on:click=sign_out>"Sign out"</button>
            </header>
            <SelectField id="warehouse-centre" label="Distribution centre" value=centre options=centre_options error=Signal::derive(|| None) />
            <button type="button" class="button" on:click=move |_| load()>"Refresh"</button>
            <p class="form-error" role="alert">
                {move || pack_error.get().map(|e| e.message_for(&Field::Tracking).unwrap_or_else(|| e.to_string()))}
            </p>
            {move || match work.get() {
                None => view! { <p>"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(w)) => view! {
                    <section aria-labelledby="to-pack-heading">
                        <h2 id="to-pack-heading">{format!("To pack ({})", w.to_pack.len())}</h2>
                        <TaskList tasks=w.to_pack.clone() action=move |t: ShipmentTask| view! {
                            <button
                                type="button"
                                class="button button--primary"
                                aria-label=format!("Mark packed: {}", t.order_number)
                                disabled=move || pack.pending().get()
                                on:click=move |_| { pack.dispatch(PackShipment { id: t.id }); }
                            >"Mark packed"</button>
                        }.into_any() />
                    </section>
                    <section aria-labelledby="packed-heading">
                        <h2 id="packed-heading">{format!("Packed, waiting for the courier ({})", w.packed.len())}</h2>
                        <TaskList tasks=w.packed.clone() action=move |t: ShipmentTask| {
                            let label = format!("Ship {}", t.order_number);
                            let blocked = t.payment_problem.is_some();
                            view! {
                                <button
                                    type="button"
                                    class="button button--primary"
                                    aria-label=label
                                    disabled=blocked
                                    on:click=move |_| {
                                        shipping.set(Some(t.clone()));
                                        focus_later("#ship-carrier");
                                    }
                                >"Ship"</button>
                            }.into_any()
                        } />
                    </section>
                    <section aria-labelledby="shipped-heading">
                        <h2 id="shipped-heading">{format!("Shipped in the last day ({})", w.shipped_today.len())}</h2>
                        <TaskList tasks=w.shipped_today.clone() action=|t: ShipmentTask| view! {
                            <span>{format!(
                                "{} {}",
                                t.carrier.map(|c| c.name()).unwrap_or(""),
                                t.tracking.unwrap_or_default()
                            )}</span>
                        }.into_any() />
                    </section>
                }.into_any(),
            }}
            {move || shipping.get().map(|t| view! {
                <ShipForm task=t on_done=move || { shipping.set(None); load(); } />
            })}
            <ReceiveForm centre on_done=load />
            <super::returns_desk::ReturnsDesk centre on_settled=load />
        </div>
    }
}

/// Parcels with what is in them and where they go, each with its button.
#[component]
fn TaskList(
    tasks: Vec<ShipmentTask>,
    action: impl Fn(ShipmentTask) -> AnyView + 'static,
) -> impl IntoView {
    if tasks.is_empty() {
        return view! { <p>"Nothing here."</p> }.into_any();
    }
    view! {
        <ul class="warehouse__tasks">
            {tasks.into_iter().map(|t| {
                let button = action(t.clone());
                view! {
                    <li class="warehouse__task">
                        <p>
                            <strong>{t.order_number.clone()}</strong>
                            {format!(" · placed {} · {}", t.placed_on.long_label(), t.delivery_option.name())}
                        </p>
                        <PickLines lines=t.lines.clone() />
                        <AddressLines address=t.address.clone() />
                        {t.payment_problem.clone().map(|p| view! { <p class="console__warning">{p}</p> })}
                        {button}
                    </li>
                }
            }).collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}

/// What to pick (or what came back): units, product, size and colour, SKU.
#[component]
pub(super) fn PickLines(lines: Vec<PickLine>) -> impl IntoView {
    view! {
        <ul>
            {lines.into_iter().map(|l| view! {
                <li>{format!("{} × {} ({}) · SKU {}", l.quantity, l.product_name, l.variant_label, l.sku)}</li>
            }).collect::<Vec<_>>()}
        </ul>
    }
}

/// Carrier and tracking number for one packed parcel.
#[component]
fn ShipForm(
    task: ShipmentTask,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let carrier = RwSignal::new(Carrier::RoyalMail.as_str().to_owned());
    let tracking = RwSignal::new(String::new());
    let ship = ServerAction::<ShipShipment>::new();
    let error = last_error(ship);
    after_each(ship, move |answer| match answer {
        Ok(()) => on_done(),
        Err(_) => focus_later("#ship-tracking"),
    });
    let id = task.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !ship.pending().get_untracked() {
            ship.dispatch(ShipShipment {
                id,
                carrier: carrier.get_untracked(),
                tracking: tracking.get_untracked(),
            });
        }
    };
    let options: Vec<(String, String)> = Carrier::ALL
        .into_iter()
        .map(|c| (c.as_str().to_owned(), c.name().to_owned()))
        .collect();
    let hint = Signal::derive(move || {
        Carrier::parse(&carrier.get()).map(|c| format!("{}: {}", c.name(), c.format_hint()))
    });
    view! {
        <section class="warehouse__ship" aria-labelledby="ship-heading">
            <h2 id="ship-heading">{format!("Ship {}", task.order_number)}</h2>
            <p>"The parcel's money is taken from the customer's card when you press Ship, and they get an email with the tracking number."</p>
            <form on:submit=submit novalidate>
                <SelectField
                    id="ship-carrier"
                    label="Carrier"
                    value=carrier
                    options=options
                    error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Carrier)))
                />
                <TextField
                    id="ship-tracking"
                    label="Tracking number"
                    hint=hint
                    value=tracking
                    error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Tracking)))
                    on_blur=|_| ()
                    autocomplete="off"
                />
                <p class="form-error" role="alert">
                    {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::Carrier, Field::Tracking])))}
                </p>
                <button type="submit" class="button button--primary" disabled=move || ship.pending().get()>
                    "Ship"
                </button>
                <button type="button" class="button" on:click=move |_| on_done()>"Cancel"</button>
            </form>
        </section>
    }
}

/// Stock that arrived at the chosen centre.
#[component]
fn ReceiveForm(
    centre: RwSignal<String>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let sku = RwSignal::new(String::new());
    let quantity = RwSignal::new(String::new());
    let receive = ServerAction::<ReceiveStock>::new();
    let error = last_error(receive);
    let said = RwSignal::new(None::<String>);
    let local_error = RwSignal::new(None::<String>);
    after_each(receive, move |answer| match answer {
        Ok(received) => {
            said.set(Some(received.summary()));
            sku.set(String::new());
            quantity.set(String::new());
            on_done();
        }
        Err(_) => {
            said.set(None);
            focus_later("#receive-sku");
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(units) = quantity.get_untracked().trim().parse::<u32>() else {
            local_error.set(Some(
                "Please enter how many units arrived, as a number.".into(),
            ));
            focus_later("#receive-quantity");
            return;
        };
        local_error.set(None);
        if !receive.pending().get_untracked() {
            receive.dispatch(ReceiveStock {
                centre: centre.get_untracked(),
                sku: sku.get_untracked(),
                quantity: units,
            });
        }
    };
    view! {
        <section class="warehouse__receive" aria-labelledby="receive-heading">
            <h2 id="receive-heading">"Receive stock"</h2>
            <p>"Stock that arrives goes to waiting orders first (they appear under To pack), then to \"tell me when it's back\" sign-ups, then on sale."</p>
            <form on:submit=submit novalidate>
                <TextField
                    id="receive-sku"
                    label="SKU"
                    value=sku
                    error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Sku)))
                    on_blur=|_| ()
                    autocomplete="off"
                />
                <TextField
                    id="receive-quantity"
                    label="Units received"
                    value=quantity
                    kind="number"
                    error=Signal::derive(move || local_error.get().or_else(|| error.with(|e| e.as_ref()?.message_for(&Field::Quantity))))
                    on_blur=|_| ()
                    autocomplete="off"
                />
                <p class="form-error" role="alert">
                    {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::Sku, Field::Quantity])))}
                </p>
                <button type="submit" class="button button--primary" disabled=move || receive.pending().get()>
                    "Receive"
                </button>
            </form>
            <p role="status">{move || said.get()}</p>
        </section>
    }
}
