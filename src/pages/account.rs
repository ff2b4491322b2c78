//! `/account`: a customer's account, reached without a password. Signed out, it asks for
//! the email address and mails a sign-in link; signed in, it lists every order placed
//! under that address (each opens without its private link) and signs out.
//! `/account/sign-in?token=…`: the mailed link's page; the customer presses "Sign in",
//! so a mail scanner that opens links (even one that runs scripts) never uses it up.

use crate::api::account::{
    get_account, AccountOrder, AccountSignOut, AccountView, AlertView, CancelAlert,
    ConversationData, EraseMyData, ForgetAddress, RequestSignInLink, SavedAddress,
    SetAccountRegion, SetAccountSize, SetOffers, SignInWithLink, SizeChoice,
};
use crate::api::checkout::OFFERS_CONSENT;
use crate::api::ShopError;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::{error_fallback, Loading, TextField};
use crate::domain::account::{KEPT_AFTER_ERASURE, LINK_MINUTES, PREFERENCES_NOTE, SESSION_DAYS};
use crate::domain::location::REGIONS;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Reloads the account after each successful answer to `action`.
fn reload_after<S>(action: ServerAction<S>, reload: Callback<()>)
where
    S: ServerFn<Error = ShopError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    after_each(action, move |result| {
        if result.is_ok() {
            reload.run(());
        }
    });
}

#[component]
pub fn AccountPage() -> impl IntoView {
    super::set_title("Your account");
    let account = LocalResource::new(get_account);
    // What "Delete my data" answered, kept on show after the page goes back to signed out.
    let said = RwSignal::new(None::<String>);
    view! {
        <h1>"Your account"</h1>
        <p role="status" class="lead">{move || said.get()}</p>
        <Transition fallback=|| view! { <Loading what="your account" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    account.await.map(|found| match found {
                        Some(view) => view! { <SignedIn view=view reload=Callback::new(move |()| account.refetch()) said=said /> }.into_any(),
                        None => view! { <AskForLink /> }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The sign-in form: an email address, and the same answer whatever it is.
#[component]
fn AskForLink() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let ask = ServerAction::<RequestSignInLink>::new();
    let error = last_error(ask);
    let answer = RwSignal::new(None::<String>);
    after_each(ask, move |result| match result {
        Ok(words) => answer.set(Some(words)),
        Err(e) => {
            answer.set(None);
            if e.message_for(&Field::Email).is_some() {
                focus_later("#account-email");
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !ask.pending().get_untracked() {
            ask.dispatch(RequestSignInLink {
                email: email.get_untracked(),
            });
        }
    };
    view! {
        <p class="lead">
            {format!("No password needed: enter your email address and we'll email you a link that signs you in (it works once, within {LINK_MINUTES} minutes). Your account shows every order placed with that address.")}
        </p>
        <form class="account-form" on:submit=submit novalidate>
            <TextField
                id="account-email"
                label="Email address"
                value=email
                kind="email"
                autocomplete="email"
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Email)))
                on_blur=|_| ()
            />
            <p class="form-error" role="alert">
                {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::Email])))}
            </p>
            <button type="submit" class="button button--primary" disabled=move || ask.pending().get()>
                "Email me a sign-in link"
            </button>
        </form>
        <p role="status" class="account__answer">{move || answer.get()}</p>
        <p>
            "Just want one order? "<a href="/orders/find">"Find my order"</a>
            " mails its link without an account."
        </p>
    }
}

/// The account of a signed-in customer.
#[component]
fn SignedIn(
    view: AccountView,
    reload: Callback<()>,
    said: RwSignal<Option<String>>,
) -> impl IntoView {
    let out = ServerAction::<AccountSignOut>::new();
    let offers = ServerAction::<SetOffers>::new();
    let cancel = ServerAction::<CancelAlert>::new();
    let erase = ServerAction::<EraseMyData>::new();
    let forget = ServerAction::<ForgetAddress>::new();
    let set_region = ServerAction::<SetAccountRegion>::new();
    let set_size = ServerAction::<SetAccountSize>::new();
    let confirming = RwSignal::new(false);
    let errors = [
        last_error(out),
        last_error(offers),
        last_error(cancel),
        last_error(erase),
        last_error(forget),
        last_error(set_region),
        last_error(set_size),
    ];
    // The account's sizes and region follow the customer to this device.
    crate::components::storage::save_sizes(
        view.sizes
            .iter()
            .filter_map(|c| Some((c.category.as_str(), c.preferred.as_deref()?))),
    );
    let region = crate::components::use_region();
    let kept_region = view.region.clone();
    Effect::new(move |_| {
        if let Some(code) = &kept_region {
            if region.0.get_untracked() != *code {
                region.0.set(code.clone());
            }
        }
    });
    after_each(erase, move |result| {
        confirming.set(false);
        if let Ok(words) = result {
            crate::components::storage::forget_personal();
            said.set(Some(words));
            reload.run(());
        }
    });
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    after_each(out, move |result| {
        if result.is_ok() {
            crate::components::storage::forget_sizes();
            reload.run(());
        }
    });
    reload_after(offers, reload);
    reload_after(cancel, reload);
    reload_after(forget, reload);
    reload_after(set_region, reload);
    reload_after(set_size, reload);
    let busy = move || {
        offers.pending().get()
            || cancel.pending().get()
            || out.pending().get()
            || erase.pending().get()
            || forget.pending().get()
            || set_region.pending().get()
            || set_size.pending().get()
    };
    let sends = view.offers;
    let consents = view
        .consents
        .into_iter()
        .map(|c| {
            let when = match c.withdrawn_on {
                None if !c.confirmed => format!(
                    "Ticked on {}, waiting for you to open the link we emailed (until then we send nothing): ",
                    c.given_on.long_label()
                ),
                Some(w) => format!(
                    "Agreed on {}, withdrawn on {}: ",
                    c.given_on.long_label(),
                    w.long_label()
                ),
                None => format!("Agreed on {}: ", c.given_on.long_label()),
            };
            view! { <li>{when}<q>{c.wording}</q></li> }
        })
        .collect::<Vec<_>>();
    let alerts = if view.alerts.is_empty() {
        view! { <p>"None. On a sold-out size, \"Tell me when it's back\" signs you up; on any product, \"Tell me if it goes on sale\"."</p> }
            .into_any()
    } else {
        view! {
            <ul class="account-orders">
                {view
                    .alerts
                    .into_iter()
                    .map(|a| view! { <AlertRow alert=a busy=Signal::derive(busy) cancel=cancel /> })
                    .collect::<Vec<_>>()}
            </ul>
        }
        .into_any()
    };
    let orders = if view.orders.is_empty() {
        view! { <p>"No orders under this address yet. Orders you place with it will be listed here."</p> }
            .into_any()
    } else {
        view! {
            <ul class="account-orders">
                {view.orders.into_iter().map(|o| view! { <OrderRow order=o /> }).collect::<Vec<_>>()}
            </ul>
        }
        .into_any()
    };
    view! {
        <p class="lead">{format!("Signed in as {}.", view.email)}</p>
        <section aria-labelledby="account-orders-heading">
            <h2 id="account-orders-heading">"Your orders"</h2>
            {orders}
        </section>
        <crate::components::recommend::PickedForYouPart />
        <section aria-labelledby="account-offers-heading">
            <h2 id="account-offers-heading">"Offers by email"</h2>
            {if sends {
                view! {
                    <p>"You've agreed to get offers by email. One click stops them; we keep a record of what you agreed to and when."</p>
                    <button type="button" class="button" disabled=busy on:click=move |_| {
                        offers.dispatch(SetOffers { send: false });
                    }>
                        "Stop offers by email"
                    </button>
                }
                    .into_any()
            } else {
                view! {
                    <p>"We don't send you offers. If you'd like them, this is what you agree to:"</p>
                    <p><q>{OFFERS_CONSENT}</q></p>
                    <button type="button" class="button" disabled=busy on:click=move |_| {
                        offers.dispatch(SetOffers { send: true });
                    }>
                        "Send me offers"
                    </button>
                }
                    .into_any()
            }}
            {(!consents.is_empty()).then(|| view! { <ul>{consents}</ul> })}
        </section>
        <section aria-labelledby="account-alerts-heading">
            <h2 id="account-alerts-heading">"Emails you asked for"</h2>
            {alerts}
        </section>
        <section aria-labelledby="account-addresses-heading">
            <h2 id="account-addresses-heading">"Saved addresses"</h2>
            <SavedAddresses addresses=view.addresses busy=Signal::derive(busy) forget=forget />
        </section>
        <section aria-labelledby="account-preferences-heading">
            <h2 id="account-preferences-heading">"Your sizes and region"</h2>
            <p>{PREFERENCES_NOTE}</p>
            <Preferences region=view.region sizes=view.sizes busy=Signal::derive(busy) set_region=set_region set_size=set_size />
        </section>
        <section aria-labelledby="account-chats-heading">
            <h2 id="account-chats-heading">"Your chats with us"</h2>
            <Chats chats=view.chats />
        </section>
        <section aria-labelledby="account-data-heading">
            <h2 id="account-data-heading">"Your data"</h2>
            <p>
                "Everything we hold about you: your orders in full, saved addresses, sizes and region, consents, back-in-stock sign-ups, chats and call-backs. We never share it. "
                <a href=crate::api::account::ACCOUNT_DATA_PATH download="storefront-your-data.json">"Download your data (JSON)"</a>
            </p>
            <p>
                {format!("You can also delete it: your name, email, phone and addresses, your saved addresses, sizes and region, your consents, sign-ups, chats and call-backs, and the emails we sent you. {KEPT_AFTER_ERASURE}")}
            </p>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="button" disabled=busy on:click=move |_| confirming.set(true)>
                        "Delete my data"
                    </button>
                }
            >
                <p><strong>"This can't be undone. Delete your data now?"</strong></p>
                <button type="button" class="button button--primary" disabled=busy on:click=move |_| {
                    erase.dispatch(EraseMyData {});
                }>
                    "Yes, delete my data"
                </button>
                " "
                <button type="button" class="button" on:click=move |_| confirming.set(false)>
                    "Keep it"
                </button>
            </Show>
        </section>
        <p>
            {format!("You stay signed in on this device for {SESSION_DAYS} days from signing in, or until you sign out.")}
        </p>
        <p class="form-error" role="alert">{move || error.get().map(|e| e.to_string())}</p>
        <button type="button" class="button" disabled=busy on:click=move |_| {
            out.dispatch(AccountSignOut {});
        }>
            "Sign out"
        </button>
    }
}

#[component]
fn AlertRow(
    alert: AlertView,
    busy: Signal<bool>,
    cancel: ServerAction<CancelAlert>,
) -> impl IntoView {
    let what = if alert.lower_price {
        format!("{}: a lower price", alert.product)
    } else {
        format!("{}, {}: back in stock", alert.product, alert.variant)
    };
    let lower_price = alert.lower_price;
    let state = if alert.confirmed {
        format!("Since {}", alert.since.long_label())
    } else {
        "Waiting for you to open the link we emailed".to_owned()
    };
    let id = alert.id;
    view! {
        <li>
            <a href=format!("/p/{}", alert.slug)>{what.clone()}</a>
            <span>{state}</span>
            <button type="button" class="button" disabled=move || busy.get() on:click=move |_| {
                cancel.dispatch(CancelAlert { id, lower_price });
            }>
                <span>"Cancel"</span>
                <span class="visually-hidden">{format!(" the email about {what}")}</span>
            </button>
        </li>
    }
}

#[component]
fn OrderRow(order: AccountOrder) -> impl IntoView {
    let items = if order.items == 1 {
        "1 item".to_owned()
    } else {
        format!("{} items", order.items)
    };
    view! {
        <li>
            <a href=order.href()>{format!("Order {}", order.number)}</a>
            <span>{format!("Placed on {}", order.placed_on.long_label())}</span>
            <span>{format!("{items}, {}", order.total)}</span>
            <strong>{order.status.title()}</strong>
        </li>
    }
}

/// The page the mailed link opens.
#[component]
pub fn SignInPage() -> impl IntoView {
    super::set_title("Sign in");
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let sign_in = ServerAction::<SignInWithLink>::new();
    let error = last_error(sign_in);
    let navigate = use_navigate();
    after_each(sign_in, move |result| {
        if result.is_ok() {
            navigate("/account", Default::default());
        }
    });
    view! {
        <h1>"Sign in to your account"</h1>
        <p class="lead">"Press the button to sign in on this device."</p>
        <button
            type="button"
            class="button button--primary"
            disabled=move || sign_in.pending().get()
            on:click=move |_| {
                sign_in.dispatch(SignInWithLink { token: token.clone() });
            }
        >
            "Sign in"
        </button>
        <p class="form-error" role="alert">{move || error.get().map(|e| e.to_string())}</p>
        <p><a href="/account">"Ask for a new sign-in link"</a></p>
    }
}

#[component]
fn SavedAddresses(
    addresses: Vec<SavedAddress>,
    busy: Signal<bool>,
    forget: ServerAction<ForgetAddress>,
) -> impl IntoView {
    if addresses.is_empty() {
        return view! {
            <p>"None yet. Signed in, tick \"Save this address in my account\" at checkout and it's offered next time."</p>
        }
        .into_any();
    }
    view! {
        <ul class="account-orders">
            {addresses
                .into_iter()
                .map(|a| {
                    let lines = a.address.lines().join(", ");
                    let id = a.id;
                    view! {
                        <li>
                            <span>{lines.clone()}</span>
                            <span>{format!("Phone {}", a.phone)}</span>
                            <button type="button" class="button" disabled=move || busy.get() on:click=move |_| {
                                forget.dispatch(ForgetAddress { id });
                            }>
                                <span>"Forget"</span>
                                <span class="visually-hidden">{format!(" {lines}")}</span>
                            </button>
                        </li>
                    }
                })
                .collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}

/// The region and a size per category, each kept as soon as it is chosen.
#[component]
fn Preferences(
    region: Option<String>,
    sizes: Vec<SizeChoice>,
    busy: Signal<bool>,
    set_region: ServerAction<SetAccountRegion>,
    set_size: ServerAction<SetAccountSize>,
) -> impl IntoView {
    let region = StoredValue::new(region);
    view! {
        <div class="account-preferences">
            <div class="field">
                <label for="account-region">"Delivery region"</label>
                <select id="account-region" disabled=move || busy.get() on:change:target=move |ev| {
                    set_region.dispatch(SetAccountRegion { region: ev.target().value() });
                }>
                    <option value="" disabled=true selected=region.with_value(Option::is_none)>"Not chosen"</option>
                    {REGIONS
                        .iter()
                        .map(|r| view! {
                            <option value=r.code selected=region.with_value(|c| c.as_deref() == Some(r.code))>{r.name}</option>
                        })
                        .collect::<Vec<_>>()}
                </select>
            </div>
            {sizes
                .into_iter()
                .map(|c| {
                    let id = format!("account-size-{}", c.category);
                    let category = c.category.clone();
                    let preferred = c.preferred.clone();
                    view! {
                        <div class="field">
                            <label for=id.clone()>{format!("Your size in {}", c.name)}</label>
                            <select id=id disabled=move || busy.get() on:change:target=move |ev| {
                                let size = ev.target().value();
                                set_size.dispatch(SetAccountSize {
                                    category: category.clone(),
                                    size: (!size.is_empty()).then_some(size),
                                });
                            }>
                                <option value="" selected=preferred.is_none()>"No preference"</option>
                                {c.sizes
                                    .into_iter()
                                    .map(|s| {
                                        let selected = preferred.as_deref() == Some(s.as_str());
                                        view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                                    })
                                    .collect::<Vec<_>>()}
                            </select>
                        </div>
                    }
                })
                .collect::<Vec<_>>()}
        </div>
    }
}

/// The chats answered by mail to the address or started on this device.
#[component]
fn Chats(chats: Vec<ConversationData>) -> impl IntoView {
    if chats.is_empty() {
        return view! {
            <p>"None. Chats you start on this device, or that we answer by email to this address, are kept here."</p>
        }
        .into_any();
    }
    view! {
        <ul class="account-orders">
            {chats
                .into_iter()
                .rev()
                .map(|c| {
                    let summary = format!(
                        "Started on {}, {}",
                        c.started_on.long_label(),
                        if c.messages.len() == 1 { "1 message".to_owned() } else { format!("{} messages", c.messages.len()) }
                    );
                    view! {
                        <li>
                            <details>
                                <summary>{summary}</summary>
                                <ol>
                                    {c.messages
                                        .into_iter()
                                        .map(|m| view! {
                                            <li><strong>{format!("{} ({}): ", m.from, m.sent_on.long_label())}</strong>{m.text}</li>
                                        })
                                        .collect::<Vec<_>>()}
                                </ol>
                            </details>
                        </li>
                    }
                })
                .collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}
