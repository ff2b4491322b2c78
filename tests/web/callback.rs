//! "Call me back" on its own, with a fake shop behind it.

use super::seam::*;
use leptos::prelude::*;
use leptos::task::tick;
use storefront::api::support::CallbackConfirmation;
use storefront::components::callback::CallbackSection;
use storefront::domain::callback::{CallSlot, CallWindow};
use storefront::domain::date::CalendarDate;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn mount(root: &web_sys::HtmlElement) {
    mount_in_shop(root, || view! { <CallbackSection /> });
}

/// Opens the form and waits for the times the shop can call to arrive.
async fn open_form(root: &web_sys::HtmlElement) {
    button(root, "Ask us to call you").click();
    until("the times we can call are offered", || {
        root.query_selector_all("#callback-when option")
            .unwrap()
            .length()
            >= 2
    })
    .await;
}

fn slots() -> String {
    let day = CalendarDate::new(2026, 12, 1).unwrap();
    json(&vec![
        CallSlot {
            day,
            window: CallWindow::Morning,
            from: 8 * 60,
            to: 12 * 60,
        },
        CallSlot {
            day,
            window: CallWindow::Afternoon,
            from: 12 * 60,
            to: 17 * 60,
        },
    ])
}

#[wasm_bindgen_test]
async fn a_call_back_is_checked_beside_each_field_before_anything_is_sent() {
    let shop = FakeShop::new(vec![("/api/help/call_slots", 200, slots())]);
    let root = container();
    mount(&root);
    tick().await;

    let open = button(&root, "Ask us to call you");
    assert_eq!(
        open.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(
        !exists(&root, "#callback-form"),
        "the form is fetched only when asked for"
    );
    open_form(&root).await;
    assert_eq!(open.get_attribute("aria-expanded").as_deref(), Some("true"));
    until("the first field focused", || {
        document()
            .active_element()
            .is_some_and(|el| root.contains(Some(&el)) && el.id() == "callback-name")
    })
    .await;

    submit(&find(&root, "#callback-form"));
    tick().await;
    for (id, what) in [
        ("callback-name", "name"),
        ("callback-phone", "number"),
        ("callback-when", "time"),
        ("callback-topic", "topic"),
    ] {
        let field = find(&root, &format!("#{id}"));
        assert_eq!(
            field.get_attribute("aria-invalid").as_deref(),
            Some("true"),
            "the {what} is marked"
        );
        assert!(
            !text(&root, &format!("#{id}-error")).is_empty(),
            "a message beside the {what}"
        );
    }
    assert!(
        shop.sent_to("/api/help/callback").is_empty(),
        "nothing sent"
    );
}

#[wasm_bindgen_test]
async fn a_good_call_back_request_is_sent_once_and_confirmed_with_its_reference() {
    let confirmation = CallbackConfirmation {
        reference: "CB-TEST42".into(),
        phone: "+447700900123".into(),
        when: "Tue 1 Dec, 8am to 12 noon".into(),
        topic: "Delivery".into(),
    };
    let shop = FakeShop::new(vec![
        ("/api/help/call_slots", 200, slots()),
        ("/api/help/callback", 200, json(&confirmation)),
    ]);
    let root = container();
    mount(&root);
    tick().await;
    open_form(&root).await;

    type_into(&labelled(&root, "Your name"), "Sam Shopper");
    type_into(&labelled(&root, "Number to call"), "07700 900123");
    let when = labelled(&root, "When should we call? (UK time)");
    let options = when.query_selector_all("option").unwrap();
    let first_time = (0..options.length())
        .map(|i| {
            options
                .item(i)
                .unwrap()
                .unchecked_into::<web_sys::HtmlOptionElement>()
                .value()
        })
        .find(|v| !v.is_empty())
        .expect("a time to choose");
    choose(&when, &first_time);
    choose(&labelled(&root, "What is it about?"), "Delivery");
    submit(&find(&root, "#callback-form"));

    until("the confirmation", || exists(&root, ".callback__done")).await;
    assert!(text(&root, ".callback__done").contains("CB-TEST42"));
    let sent = shop.sent_to("/api/help/callback");
    assert_eq!(sent.len(), 1, "sent once");
    assert!(sent[0].body.contains("07700 900123"), "{}", sent[0].body);
    assert!(sent[0].body.contains("Sam Shopper"), "{}", sent[0].body);
    assert!(
        find(&root, "#callback-form").has_attribute("hidden"),
        "the form folds away"
    );
}
