//! The help panel's chat on its own, with a fake shop behind it.

use super::seam::*;
use leptos::prelude::*;
use storefront::api::support::{Author, ChatMessage, ChatState, Conversation};
use storefront::components::chat::ChatSection;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn mount(root: &web_sys::HtmlElement) {
    mount_in_shop(
        root,
        || view! { <ChatSection shown=true focus=RwSignal::new(false) /> },
    );
}

fn message(id: i64, author: Author, body: &str) -> ChatMessage {
    ChatMessage {
        id,
        author,
        agent: (author == Author::Agent).then(|| "Alex".to_owned()),
        body: body.into(),
        sent_at: 1_764_000_000 + id,
    }
}

fn state(messages: Vec<ChatMessage>) -> ChatState {
    ChatState {
        agents_online: true,
        conversation: Some(Conversation {
            id: 7,
            open: true,
            messages,
            agent_read: 1,
            shopper_read: 0,
            reply_email: None,
        }),
    }
}

#[wasm_bindgen_test]
async fn the_conversation_shows_as_text_is_marked_read_and_a_reply_is_sent() {
    let before = state(vec![
        message(1, Author::Shopper, "<b>Where</b> is my order?"),
        message(2, Author::Agent, "Let me look <img src=x onerror=alert(1)>"),
    ]);
    let mut after = before.clone();
    if let Some(c) = after.conversation.as_mut() {
        c.messages.push(message(3, Author::Shopper, "Thank you!"));
    }
    let shop = FakeShop::new(vec![
        ("/api/help/chat", 200, json(&before)),
        ("/api/help/send", 200, json(&after)),
        ("/api/help/seen", 200, "null".into()),
        ("/api/help/context", 200, "null".into()),
        ("/api/help/typing", 200, "null".into()),
    ]);
    let root = container();
    mount(&root);
    until("the conversation", || {
        exists(&root, "ol[aria-label='Conversation'] li")
    })
    .await;

    let log = find(&root, "ol[aria-label='Conversation']");
    let shown = log.text_content().unwrap();
    assert!(shown.contains("<b>Where</b> is my order?"), "{shown}");
    assert!(
        shown.contains("Let me look <img src=x onerror=alert(1)>"),
        "{shown}"
    );
    assert!(
        !exists(&log, "b") && !exists(&log, "img"),
        "markup never becomes elements"
    );
    assert!(shown.contains("Alex"), "the agent's name");
    until("the agent's message is marked read", || {
        !shop.sent_to("/api/help/seen").is_empty()
    })
    .await;
    assert!(shop.sent_to("/api/help/seen")[0]
        .body
        .contains(r#""up_to":2"#));

    let message_box = labelled(&root, "Your message");
    type_into(&message_box, "Thank you!");
    submit(&find(&root, "form.chat__form"));
    until("the sent message is shown", || {
        log.text_content()
            .unwrap_or_default()
            .contains("Thank you!")
    })
    .await;
    let sent = shop.sent_to("/api/help/send");
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains("Thank you!"), "{}", sent[0].body);
    assert_eq!(
        message_box
            .unchecked_ref::<web_sys::HtmlTextAreaElement>()
            .value(),
        "",
        "the box is cleared for the next message"
    );
}

#[wasm_bindgen_test]
async fn an_email_is_asked_for_only_while_no_one_is_online() {
    let online = ChatState {
        agents_online: true,
        conversation: None,
    };
    let _shop = FakeShop::new(vec![("/api/help/chat", 200, json(&online))]);
    let root = container();
    mount(&root);
    // Before the shop answers, the chat assumes no one is there and asks for an email.
    until("the chat", || exists(&root, "#chat-message")).await;
    assert_eq!(
        labelled(&root, "Your email address")
            .get_attribute("type")
            .as_deref(),
        Some("email")
    );
    until("the shop says a person is online", || {
        text(&root, ".chat__presence").contains("We're online")
    })
    .await;
    assert!(
        !root.text_content().unwrap().contains("Your email address"),
        "no email asked while someone can answer here"
    );
    labelled(&root, "Your message");
}

#[wasm_bindgen_test]
async fn the_chat_is_fetched_when_the_panel_first_opens_and_stays_when_it_closes() {
    let _shop = FakeShop::new(vec![(
        "/api/help/chat",
        200,
        json(&ChatState {
            agents_online: true,
            conversation: None,
        }),
    )]);
    let root = container();
    let shown = RwSignal::new(false);
    let focus = RwSignal::new(false);
    mount_in_shop(&root, move || view! { <ChatSection shown focus /> });
    leptos::task::tick().await;
    assert!(
        !exists(&root, "#chat-message"),
        "nothing of the chat before the panel opens"
    );
    assert!(
        text(&root, "h3").contains("Chat with us"),
        "its heading is there"
    );

    shown.set(true);
    focus.set(true);
    until("the chat, once the panel opens", || {
        exists(&root, "#chat-message, #chat-email")
    })
    .await;
    until("the first box focused", || {
        document().active_element().is_some_and(|el| {
            root.contains(Some(&el)) && (el.id() == "chat-email" || el.id() == "chat-message")
        })
    })
    .await;

    shown.set(false);
    leptos::task::tick().await;
    assert!(
        exists(&root, "#chat-message"),
        "closing the panel keeps the chat (and its conversation)"
    );
}
