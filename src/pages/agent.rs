//! The agent console: sign-in, the live queue of chats and call-backs, each with the
//! customer's page, cart and orders, replies, closing, "done", and order look-up.

use crate::api::agent::{
    agent_callback, agent_callback_done, agent_chat, agent_close, agent_find_orders, agent_me,
    agent_queue, agent_reply, agent_sign_in, agent_sign_out, agent_typing, CallbackDetail,
    ChatDetail, CustomerContext, Queue, AGENT_EVENTS_URL,
};
use crate::api::help::Author;
use crate::api::orders::OrderView;
use crate::api::ShopError;
use crate::components::chat::{general_error, TypingMark};
use crate::components::event_stream::EventStream;
use crate::components::help_panel::now_unix;
use crate::components::{TextArea, TextField};
use crate::domain::validation::Field;
use crate::pages::checkout::focus_later;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

/// `/agent/sign-in`.
#[component]
pub fn AgentSignIn() -> impl IntoView {
    super::set_title("Agent sign-in");
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let sending = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        let navigate = navigate.clone();
        let (n, p) = (name.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match agent_sign_in(n, p).await {
                Ok(_) => navigate("/agent", Default::default()),
                Err(e) => {
                    password.set(String::new());
                    error.set(Some(e));
                    focus_later("#agent-name");
                }
            }
            sending.set(false);
        });
    };
    view! {
        <h1>"Agent sign-in"</h1>
        <p>"For Storefront's customer service team."</p>
        <form class="agent-sign-in" on:submit=submit novalidate>
            <TextField
                id="agent-name"
                label="Agent name"
                value=name
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Name)))
                on_blur=|_| ()
                autocomplete="username"
            />
            <TextField
                id="agent-password"
                label="Password"
                value=password
                error=Signal::derive(|| None)
                on_blur=|_| ()
                kind="password"
                autocomplete="current-password"
            />
            <p class="form-error" role="alert">
                {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::Name])))}
            </p>
            <button type="submit" class="button button--primary" disabled=move || sending.get()>
                "Sign in"
            </button>
        </form>
    }
}

/// What the agent has open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Selected {
    Chat(i64),
    Callback(i64),
}

/// `/agent`: sends anyone not signed in to the sign-in page.
#[component]
pub fn AgentConsole() -> impl IntoView {
    super::set_title("Agent console");
    let me = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    {
        let navigate = navigate.clone();
        spawn_local(async move {
            match agent_me().await {
                Ok(agent) => me.set(Some(agent.name)),
                Err(_) => navigate(
                    "/agent/sign-in",
                    leptos_router::NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
            }
        });
    }
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = agent_sign_out().await;
            navigate("/agent/sign-in", Default::default());
        });
    };
    view! {
        {move || match me.get() {
            None => view! { <p>"Checking your sign-in…"</p> }.into_any(),
            Some(name) => view! {
                <div class="agent-bar">
                    <h1>"Agent console"</h1>
                    <p>"Signed in as " <strong>{name}</strong></p>
                    <button type="button" class="button" on:click=sign_out.clone()>"Sign out"</button>
                </div>
                <Console />
            }
            .into_any(),
        }}
    }
}

#[component]
fn Console() -> impl IntoView {
    let queue = RwSignal::new(None::<Queue>);
    let selected = RwSignal::new(None::<Selected>);
    let chat = RwSignal::new(None::<ChatDetail>);
    let callback = RwSignal::new(None::<CallbackDetail>);
    let shopper_typing = TypingMark::<i64>::default();
    let problem = RwSignal::new(None::<String>);

    let load = move || {
        spawn_local(async move {
            match agent_queue().await {
                Ok(q) => {
                    queue.set(Some(q));
                    problem.set(None);
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
            match selected.get_untracked() {
                Some(Selected::Chat(id)) => {
                    if let Ok(detail) = agent_chat(id).await {
                        chat.set(Some(detail));
                    }
                }
                Some(Selected::Callback(id)) => {
                    if let Ok(detail) = agent_callback(id).await {
                        callback.set(Some(detail));
                    }
                }
                None => {}
            }
        });
    };
    load();
    let stream = StoredValue::new_local(EventStream::open(
        AGENT_EVENTS_URL,
        vec![
            ("open", Box::new(move |_| load())),
            ("queue", Box::new(move |_| load())),
            (
                "typing",
                Box::new(move |data: String| {
                    let conversation = serde_json::from_str::<serde_json::Value>(&data)
                        .ok()
                        .and_then(|v| v.get("conversation").and_then(serde_json::Value::as_i64));
                    if let Some(id) = conversation {
                        shopper_typing.show(id);
                    }
                }),
            ),
        ],
    ));
    on_cleanup(move || stream.set_value(None));

    let open_item = move |item: Selected| {
        selected.set(Some(item));
        chat.set(None);
        callback.set(None);
        load();
    };

    view! {
        <p class="form-error" role="alert">{move || problem.get()}</p>
        <div class="console">
            <section class="console__queue" aria-labelledby="queue-heading">
                <h2 id="queue-heading">"Queue"</h2>
                {move || queue.get().map(|q| {
                    let chats = q.chats;
                    let callbacks = q.callbacks;
                    view! {
                        <h3>"Chats (" {chats.len()} ")"</h3>
                        {chats.is_empty().then(|| view! { <p>"No open chats."</p> })}
                        <ul class="console__list">
                            {chats.into_iter().map(|c| {
                                let id = c.id;
                                let waiting = if c.unanswered > 0 { format!(" · {} waiting", c.unanswered) } else { String::new() };
                                let by_email = if c.reply_email.is_some() { " · answer by email" } else { "" };
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="console__item"
                                            aria-current=move || (selected.get() == Some(Selected::Chat(id))).then_some("true")
                                            on:click=move |_| open_item(Selected::Chat(id))
                                        >
                                            <span class="console__item-title">{format!("Chat {id}{waiting}{by_email}")}</span>
                                            <span class="console__item-text">{c.latest}</span>
                                        </button>
                                    </li>
                                }
                            }).collect::<Vec<_>>()}
                        </ul>
                        <h3>"Call-backs (" {callbacks.len()} ")"</h3>
                        {callbacks.is_empty().then(|| view! { <p>"No call-backs waiting."</p> })}
                        <ul class="console__list">
                            {callbacks.into_iter().map(|c| {
                                let id = c.id;
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="console__item"
                                            aria-current=move || (selected.get() == Some(Selected::Callback(id))).then_some("true")
                                            on:click=move |_| open_item(Selected::Callback(id))
                                        >
                                            <span class="console__item-title">{format!("Call-back {}: {}", c.reference, c.name)}</span>
                                            <span class="console__item-text">{format!("{} · {}", c.when, c.topic)}</span>
                                        </button>
                                    </li>
                                }
                            }).collect::<Vec<_>>()}
                        </ul>
                    }
                })}
                <OrderLookup />
            </section>
            <section class="console__detail" aria-label="Selected">
                {move || match selected.get() {
                    None => view! { <p>"Choose a chat or a call-back from the queue."</p> }.into_any(),
                    Some(Selected::Chat(id)) => view! {
                        <ChatPanel id detail=chat shopper_typing=Signal::derive(move || shopper_typing.shown.get() == Some(id)) on_change=load />
                    }.into_any(),
                    Some(Selected::Callback(_)) => view! { <CallbackPanel detail=callback on_change=load /> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn ChatPanel(
    id: i64,
    detail: RwSignal<Option<ChatDetail>>,
    shopper_typing: Signal<bool>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let sending = RwSignal::new(false);
    let last_typing = StoredValue::new(0i64);
    let on_typing = move || {
        let now = now_unix();
        if now - last_typing.get_value() >= 2 {
            last_typing.set_value(now);
            spawn_local(async move {
                let _ = agent_typing(id).await;
            });
        }
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        let body = text.get_untracked();
        spawn_local(async move {
            match agent_reply(id, body).await {
                Ok(_) => {
                    text.set(String::new());
                    error.set(None);
                    on_change();
                }
                Err(e) => {
                    error.set(Some(e));
                    focus_later("#agent-reply");
                }
            }
            sending.set(false);
        });
    };
    let close = move |_| {
        spawn_local(async move {
            match agent_close(id).await {
                Ok(()) => on_change(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h2>{format!("Chat {id}")}</h2>
        {move || detail.get().map(|d| {
            let c = d.conversation;
            let seen = c
                .messages
                .iter()
                .rev()
                .find(|m| m.author == Author::Agent)
                .is_some_and(|m| m.id <= c.shopper_read);
            let open = c.open;
            view! {
                {c.reply_email.clone().map(|to| view! {
                    <p class="chat__note">"Written while no one was online: your replies are also emailed to " {to} "."</p>
                })}
                {(!open).then(|| view! { <p class="chat__note">"This conversation is closed."</p> })}
                <ol class="chat__log" aria-label="Conversation">
                    {c.messages.into_iter().map(|m| {
                        let who = match m.author {
                            Author::Shopper => "Customer".to_owned(),
                            Author::Agent => m.agent.unwrap_or_else(|| "Agent".into()),
                        };
                        view! {
                            <li class="chat__msg" class:chat__msg--agent=m.author == Author::Agent>
                                <span class="chat__who">{who}</span>
                                <p class="chat__text">{m.body}</p>
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ol>
                {seen.then(|| view! { <p class="chat__read">"Read by the customer"</p> })}
                <CustomerContextView context=d.context />
            }
        })}
        <p class="chat__typing" aria-live="polite">
            {move || shopper_typing.get().then_some("The customer is typing…")}
        </p>
        <form class="chat__form" on:submit=send novalidate>
            <TextArea
                id="agent-reply"
                label="Reply"
                value=text
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Message)))
                on_input=Box::new(on_typing)
            />
            <p class="form-error" role="alert">
                {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::Message])))}
            </p>
            <button type="submit" class="button button--primary" disabled=move || sending.get()>"Send reply"</button>
            <button type="button" class="button" on:click=close>"Close conversation"</button>
        </form>
    }
}

#[component]
fn CallbackPanel(
    detail: RwSignal<Option<CallbackDetail>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    move || {
        detail.get().map(|d| {
            let c = d.callback;
            let id = c.id;
            let done = c.done;
            let mark_done = move |_| {
                spawn_local(async move {
                    match agent_callback_done(id).await {
                        Ok(()) => on_change(),
                        Err(e) => problem.set(Some(e.to_string())),
                    }
                });
            };
            view! {
                <h2>{format!("Call-back {}", c.reference)}</h2>
                <dl class="console__facts">
                    <dt>"Name"</dt><dd>{c.name}</dd>
                    <dt>"Phone"</dt><dd><a href=format!("tel:{}", c.phone)>{c.phone.clone()}</a></dd>
                    <dt>"When"</dt><dd>{c.when}</dd>
                    <dt>"Topic"</dt><dd>{c.topic}</dd>
                    <dt>"Note"</dt><dd class="chat__text">{if c.note.is_empty() { "None".to_owned() } else { c.note }}</dd>
                </dl>
                {if done {
                    view! { <p>"Done."</p> }.into_any()
                } else {
                    view! { <button type="button" class="button button--primary" on:click=mark_done>"Mark call-back done"</button> }.into_any()
                }}
                <p class="form-error" role="alert">{move || problem.get()}</p>
                <CustomerContextView context=d.context />
            }
        })
    }
}

/// The customer's page, cart and orders: what they see, the agent sees.
#[component]
fn CustomerContextView(context: CustomerContext) -> impl IntoView {
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
            <h4>"Orders"</h4>
            <OrderList orders=context.orders />
        </section>
    }
}

#[component]
fn OrderList(orders: Vec<OrderView>) -> impl IntoView {
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
                let changeable = if o.status.is_changeable() { "can still change" } else { "can no longer change" };
                view! {
                    <li>
                        <strong>{o.number}</strong>
                        {format!(" · {} · {} · placed {} · {} · {}", o.status.title(), changeable, o.placed_on.long_label(), o.total, o.email)}
                        <br />
                        {items}
                    </li>
                }
            }).collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}

/// Any order by number or by the customer's email.
#[component]
fn OrderLookup() -> impl IntoView {
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
