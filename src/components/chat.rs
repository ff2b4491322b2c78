//! Live chat with a person, in the help panel. The conversation lives on the server, so a
//! reload or a second tab shows the same one; server-sent events say when to read it
//! again, when an agent is typing and whether anyone is online. With no one online the
//! chat becomes a message answered by email. The chat itself is a part of its own
//! (`super::part`), fetched the first time the help panel is open: on a phone, where the
//! panel starts as a bar, only when the shopper opens it.

use super::browser::{focus_later, now_unix};
use super::event_stream::EventStream;
use super::notice::general_error;
use super::part::{split_view, Deferred};
use super::write::after_each;
use super::{storage, use_cart, use_region, TextArea, TextField};
use crate::api::support::{
    get_chat, Author, ChatContext, ChatSeen, ChatState, ChatTyping, SendChat, ShopperContext,
    CHAT_EVENTS_URL,
};
use crate::api::ShopError;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;

/// How long "typing…" shows after the last sign of it.
const TYPING_SHOWS_MS: u64 = 4_000;
/// The shopper's own typing is reported at most this often.
const TYPING_EVERY_SECONDS: i64 = 2;

/// Whether a JSON event payload says `"online": true`.
fn says_online(data: &str) -> bool {
    serde_json::from_slice::<serde_json::Value>(data.as_bytes())
        .ok()
        .and_then(|v| v.get("online").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

/// What the shopper has in front of them, for the agent.
pub fn shopper_context() -> impl Fn() -> ShopperContext + Copy {
    let cart = use_cart();
    let region = use_region();
    let location = use_location();
    move || ShopperContext {
        page: location.pathname.get_untracked(),
        cart: cart.0.with_untracked(|c| c.lines.clone()),
        orders: storage::remembered_orders(),
        region: region.0.get_untracked(),
    }
}

/// "…is typing" that clears itself a few seconds after the last sign of it.
#[derive(Clone, Copy)]
pub struct TypingMark<T: Copy + Send + Sync + 'static> {
    /// Who is typing (the conversation, or `()`), while it shows.
    pub shown: RwSignal<Option<T>>,
    signs: RwSignal<u32>,
}

impl<T: Copy + Send + Sync + 'static> Default for TypingMark<T> {
    fn default() -> Self {
        Self {
            shown: RwSignal::new(None),
            signs: RwSignal::new(0),
        }
    }
}

impl<T: Copy + Send + Sync + 'static> TypingMark<T> {
    /// Shows the mark for `who` until no new sign has come for a few seconds.
    pub fn show(self, who: T) {
        self.shown.set(Some(who));
        self.signs.update(|n| *n += 1);
        let sign = self.signs.get_untracked();
        set_timeout(
            move || {
                if self.signs.get_untracked() == sign {
                    self.shown.set(None);
                }
            },
            std::time::Duration::from_millis(TYPING_SHOWS_MS),
        );
    }
}

split_view!(
    chat_box(focus: RwSignal<bool>, here: RwSignal<bool>),
    preload_chat_box => view! { <ChatBox focus here /> }
);

/// The chat's place in the help panel. The chat is fetched once `shown` (the panel is
/// open) and stays, so closing the panel keeps the conversation and its live events;
/// `focus` set asks for its first field to be focused once it is there.
#[component]
pub fn ChatSection(#[prop(into)] shown: Signal<bool>, focus: RwSignal<bool>) -> impl IntoView {
    // Until the chat is there its room is kept (`chat--coming`), so the answers below it
    // don't jump when it arrives.
    let here = RwSignal::new(false);
    view! {
        <section class="chat" class:chat--coming=move || !here.get() aria-labelledby="chat-heading">
            <h3 id="chat-heading">"Chat with us"</h3>
            <Deferred when=shown load=move || chat_box(focus, here) what="The chat" />
        </section>
    }
}

#[component]
fn ChatBox(focus: RwSignal<bool>, here: RwSignal<bool>) -> impl IntoView {
    here.set(true);
    let chat = RwSignal::new(None::<ChatState>);
    let online = RwSignal::new(false);
    let agent_typing = TypingMark::<()>::default();
    let text = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let send_message = ServerAction::<SendChat>::new();
    // Signals to the agent (typing, read, page and cart): nobody waits for their answers.
    let say_typing = ServerAction::<ChatTyping>::new();
    let say_seen = ServerAction::<ChatSeen>::new();
    let say_context = ServerAction::<ChatContext>::new();
    let last_typing_sent = StoredValue::new(0i64);
    let context = shopper_context();
    let location = use_location();
    let cart = use_cart();

    let refresh = move || {
        spawn_local(async move {
            if let Ok(state) = get_chat().await {
                online.set(state.agents_online);
                let count = |s: &ChatState| s.conversation.as_ref().map_or(0, |c| c.messages.len());
                if chat.with_untracked(|old| old.as_ref().map(count)) != Some(count(&state)) {
                    agent_typing.shown.set(None);
                }
                chat.set(Some(state));
            }
        });
    };
    refresh();

    // The stream is opened again once the shopper has a key (set with their first
    // message's answer), so from then on it carries their conversation's events.
    let stream = StoredValue::new_local(None::<EventStream>);
    let connect = move || {
        stream.set_value(None);
        stream.set_value(EventStream::open(
            CHAT_EVENTS_URL,
            vec![
                ("open", Box::new(move |_| refresh())),
                ("chat", Box::new(move |_| refresh())),
                ("typing", Box::new(move |_| agent_typing.show(()))),
                (
                    "presence",
                    Box::new(move |data: String| online.set(says_online(&data))),
                ),
            ],
        ));
    };
    connect();
    on_cleanup(move || stream.set_value(None));

    let open_conversation = Memo::new(move |_| {
        chat.with(|c| {
            c.as_ref()
                .and_then(|s| s.conversation.as_ref())
                .is_some_and(|c| c.open)
        })
    });

    // The agent sees the page and cart as they change (and as this tab opens), while a
    // chat is open.
    Effect::new(move |_| {
        location.pathname.track();
        cart.0.track();
        if open_conversation.get() {
            say_context.dispatch(ChatContext { context: context() });
        }
    });

    // Messages on screen are marked read, so the agent sees "Read".
    Effect::new(move |_| {
        let newest_agent = chat.with(|c| {
            c.as_ref()
                .and_then(|s| s.conversation.as_ref())
                .and_then(|c| {
                    c.messages
                        .iter()
                        .filter(|m| m.author == Author::Agent)
                        .map(|m| m.id)
                        .max()
                        .filter(|id| *id > c.shopper_read)
                })
        });
        if let Some(id) = newest_agent {
            say_seen.dispatch(ChatSeen { up_to: id });
        }
    });

    let on_typing = move || {
        let now = now_unix();
        if open_conversation.get_untracked()
            && now - last_typing_sent.get_value() >= TYPING_EVERY_SECONDS
        {
            last_typing_sent.set_value(now);
            say_typing.dispatch(ChatTyping {});
        }
    };

    let needs_email = Memo::new(move |_| !online.get() && !open_conversation.get());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !send_message.pending().get_untracked() {
            send_message.dispatch(SendChat {
                text: text.get_untracked(),
                context: context(),
                email: email.get_untracked(),
            });
        }
    };
    after_each(send_message, move |answer| match answer {
        Ok(state) => {
            let first =
                chat.with_untracked(|c| c.as_ref().is_none_or(|s| s.conversation.is_none()));
            text.set(String::new());
            error.set(None);
            online.set(state.agents_online);
            chat.set(Some(state));
            if first {
                connect();
            }
        }
        Err(e) => {
            let target = if e.message_for(&Field::Email).is_some() {
                "#chat-email"
            } else {
                "#chat-message"
            };
            error.set(Some(e));
            focus_later(target);
        }
    });

    let field_error =
        move |field: Field| Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&field)));

    // Asked for by "Chat with us" on the panel's bar: the email box if it shows, else
    // the message box; once the shop has said whether anyone is online, as the email box
    // goes when someone is (focusing it before would leave the focus on nothing).
    Effect::new(move |_| {
        if focus.get() && chat.with(Option::is_some) {
            focus.set(false);
            focus_later("#chat-message, #chat-email");
        }
    });

    view! {
        <div class="chat__body">
            <p class="chat__presence" role="status">
                {move || {
                    if online.get() {
                        "We're online: a person will answer in a minute or two."
                    } else {
                        "No one is online to chat right now. Leave a message with your email address and we'll answer by email."
                    }
                }}
            </p>
            {move || {
                chat.get().and_then(|s| s.conversation).map(|c| {
                    let seen = c.seen_by_agent();
                    let by_email = c.reply_email.clone().filter(|_| c.open);
                    let closed = !c.open;
                    view! {
                        {by_email.map(|to| view! {
                            <p class="chat__note">"We'll answer here and by email to " {to} "."</p>
                        })}
                        <ol class="chat__log" aria-label="Conversation">
                            {c
                                .messages
                                .into_iter()
                                .map(|m| {
                                    let who = match m.author {
                                        Author::Shopper => "You".to_owned(),
                                        Author::Agent => format!("{} (Storefront)", m.agent.unwrap_or_else(|| "Storefront".into())),
                                    };
                                    view! {
                                        <li class="chat__msg" class:chat__msg--agent=m.author == Author::Agent>
                                            <span class="chat__who">{who}</span>
                                            <p class="chat__text">{m.body}</p>
                                        </li>
                                    }
                                })
                                .collect::<Vec<_>>()}
                        </ol>
                        {seen.then(|| view! { <p class="chat__read">"Read"</p> })}
                        {closed.then(|| view! {
                            <p class="chat__note">"This chat has ended. Write below to start a new one."</p>
                        })}
                    }
                })
            }}
            <p class="chat__typing" aria-live="polite">
                {move || agent_typing.shown.get().map(|()| "Someone from our team is typing…")}
            </p>
            <form class="chat__form" on:submit=send novalidate>
                {move || needs_email.get().then(|| view! {
                    <TextField
                        id="chat-email"
                        label="Your email address"
                        value=email
                        error=field_error(Field::Email)
                        on_blur=|_| ()
                        kind="email"
                        autocomplete="email"
                    />
                })}
                <TextArea
                    id="chat-message"
                    label="Your message"
                    value=text
                    error=field_error(Field::Message)
                    on_input=Box::new(on_typing)
                />
                <p class="form-error" role="alert">
                    {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::Email, Field::Message])))}
                </p>
                <button type="submit" class="button button--primary" disabled=move || send_message.pending().get()>
                    {move || if needs_email.get() { "Send message" } else { "Send" }}
                </button>
            </form>
        </div>
    }
}
