//! One conversation as the agent sees it: the messages with read marks, typing both
//! ways, the reply box and closing.

use super::*;
use crate::api::agent::{AgentClose, AgentReply, AgentTyping, ChatDetail};
use crate::api::support::Author;
use crate::api::ShopError;
use crate::components::browser::{focus_later, now_unix};
use crate::components::notice::general_error;
use crate::components::write::after_each;
use crate::components::TextArea;
use crate::domain::validation::Field;
use leptos::prelude::*;

#[component]
pub(super) fn ChatPanel(
    id: i64,
    detail: RwSignal<Option<ChatDetail>>,
    shopper_typing: Signal<bool>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let reply = ServerAction::<AgentReply>::new();
    let close_chat = ServerAction::<AgentClose>::new();
    // A signal to the customer: nobody waits for its answer.
    let say_typing = ServerAction::<AgentTyping>::new();
    let last_typing = StoredValue::new(0i64);
    let on_typing = move || {
        let now = now_unix();
        if now - last_typing.get_value() >= 2 {
            last_typing.set_value(now);
            say_typing.dispatch(AgentTyping { id });
        }
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !reply.pending().get_untracked() {
            reply.dispatch(AgentReply {
                id,
                text: text.get_untracked(),
            });
        }
    };
    after_each(reply, move |answer| match answer {
        Ok(_) => {
            text.set(String::new());
            error.set(None);
            on_change();
        }
        Err(e) => {
            error.set(Some(e));
            focus_later("#agent-reply");
        }
    });
    let close = move |_| {
        close_chat.dispatch(AgentClose { id });
    };
    after_each(close_chat, move |answer| match answer {
        Ok(()) => on_change(),
        Err(e) => error.set(Some(e)),
    });
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
            <button type="submit" class="button button--primary" disabled=move || reply.pending().get()>"Send reply"</button>
            <button type="button" class="button" on:click=close>"Close conversation"</button>
        </form>
    }
}
