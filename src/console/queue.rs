//! `/agent`: the live queue of chats and call-backs; anyone not signed in is sent to
//! the sign-in page.

use super::*;
use crate::api::agent::{
    agent_callback, agent_chat, agent_me, agent_queue, AgentSendMailAgain, AgentSignOut,
    CallbackDetail, ChatDetail, ParkedMail, Queue, AGENT_EVENTS_URL,
};
use crate::components::chat::TypingMark;
use crate::components::event_stream::EventStream;
use crate::components::write::{after_each, last_error};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

/// What the agent has open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Selected {
    Chat(i64),
    Callback(i64),
}

/// `/agent`: sends anyone not signed in to the sign-in page.
#[component]
pub fn AgentConsole() -> impl IntoView {
    crate::components::browser::set_title("Agent console");
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
    let signing_out = ServerAction::<AgentSignOut>::new();
    after_each(signing_out, move |_| {
        navigate("/agent/sign-in", Default::default())
    });
    let sign_out = move |_| {
        signing_out.dispatch(AgentSignOut {});
    };
    view! {
        {move || match me.get() {
            None => view! { <p>"Checking your sign-in…"</p> }.into_any(),
            Some(name) => view! {
                <div class="agent-bar">
                    <h1>"Agent console"</h1>
                    <p>"Signed in as " <strong>{name}</strong></p>
                    <button type="button" class="button" on:click=sign_out>"Sign out"</button>
                </div>
                <Console />
            }
            .into_any(),
        }}
    }
}

#[component]
pub(super) fn Console() -> impl IntoView {
    let queue = RwSignal::new(None::<Queue>);
    let selected = RwSignal::new(None::<Selected>);
    let chat = RwSignal::new(None::<ChatDetail>);
    let callback = RwSignal::new(None::<CallbackDetail>);
    let shopper_typing = TypingMark::<i64>::default();
    let problem = RwSignal::new(None::<String>);
    // Counts the queue's changes, for the reviews waiting (read on each).
    let changes = RwSignal::new(0u32);

    let load = move || {
        changes.update(|n| *n = n.wrapping_add(1));
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
                    let undelivered = q.undelivered;
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
                        {(!undelivered.is_empty()).then(|| view! { <UndeliveredMail mail=undelivered on_change=load /> })}
                    }
                })}
                <super::review_queue::ReviewQueue changed=changes />
                <super::offers_mail::OffersMail />
                <OrderLookup />
                <super::phone_order::PhoneOrderForm />
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

/// Mail the shop could not deliver, each with what the mail server said and a way to
/// send it again (for example after the customer gave a corrected address by phone).
#[component]
fn UndeliveredMail(
    mail: Vec<ParkedMail>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let again = ServerAction::<AgentSendMailAgain>::new();
    let problem = last_error(again);
    after_each(again, move |answer| {
        if answer.is_ok() {
            on_change();
        }
    });
    view! {
        <h3>"Undelivered mail (" {mail.len()} ")"</h3>
        <ul class="console__list">
            {mail.into_iter().map(|m| {
                let id = m.id;
                view! {
                    <li class="console__mail">
                        <span class="console__item-title">{format!("To {}: {}", m.recipient, m.subject)}</span>
                        <span class="console__item-text">{format!("{} (after {} tries)", m.error, m.tries)}</span>
                        <button
                            type="button"
                            class="button"
                            aria-label=format!("Send again to {}: {}", m.recipient, m.subject)
                            disabled=move || again.pending().get()
                            on:click=move |_| {
                                again.dispatch(AgentSendMailAgain { id });
                            }
                        >
                            "Send again"
                        </button>
                    </li>
                }
            }).collect::<Vec<_>>()}
        </ul>
        <p class="form-error" role="alert">{move || problem.get().map(|e| e.to_string())}</p>
    }
}
