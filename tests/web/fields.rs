//! Form pieces on their own: the text field and the "where are you?" pieces.

use super::seam::*;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use storefront::components::{RegionPicker, RegionPrompt, TextField};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn a_text_field_is_labelled_edits_its_value_and_shows_its_message_beside_it() {
    let root = container();
    let value = RwSignal::new(String::from("ada@"));
    let error = RwSignal::new(None::<String>);
    let left = RwSignal::new(0);
    mount_to(root.clone(), move || {
        view! {
            <TextField
                id="test-email"
                label="Email address"
                value=value
                error=error.into()
                on_blur=move |_| left.update(|n| *n += 1)
                kind="email"
                hint="We'll send the receipt here"
            />
        }
    })
    .forget();
    tick().await;

    let input = labelled(&root, "Email address");
    assert_eq!(input.id(), "test-email");
    assert_eq!(input.get_attribute("type").as_deref(), Some("email"));
    assert_eq!(
        input.unchecked_ref::<web_sys::HtmlInputElement>().value(),
        "ada@"
    );
    assert_eq!(
        input.get_attribute("aria-invalid").as_deref(),
        Some("false")
    );

    type_into(&input, "ada@example.com");
    leave(&input);
    tick().await;
    assert_eq!(value.get_untracked(), "ada@example.com");
    assert!(left.get_untracked() >= 1, "leaving the field is reported");

    error.set(Some(
        "Please enter an email address like name@example.com.".into(),
    ));
    tick().await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = input.get_attribute("aria-describedby").unwrap();
    assert!(
        described.split(' ').any(|id| id == "test-email-hint"),
        "{described}"
    );
    assert!(
        described.split(' ').any(|id| id == "test-email-error"),
        "{described}"
    );
    assert_eq!(
        text(&root, "#test-email-error"),
        "Please enter an email address like name@example.com."
    );
    assert_eq!(
        text(&root, "#test-email-hint"),
        "We'll send the receipt here"
    );

    // The value can change from outside too (a restored form).
    value.set("sam@example.com".into());
    tick().await;
    assert_eq!(
        input.unchecked_ref::<web_sys::HtmlInputElement>().value(),
        "sam@example.com"
    );
}

#[wasm_bindgen_test]
async fn the_region_picker_changes_where_dates_are_for_and_remembers_it() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let root = container();
    let (_, region) = mount_in_shop(&root, || view! { <RegionPicker /> });
    tick().await;
    assert_eq!(
        region.0.get_untracked(),
        "london",
        "London until told otherwise"
    );

    let select = labelled(&root, "Deliver to");
    choose(&select, "scotland");
    tick().await;
    assert_eq!(region.0.get_untracked(), "scotland");
    assert_eq!(
        storage.get_item("storefront.region").unwrap().as_deref(),
        Some("scotland"),
        "remembered on the device"
    );
}

#[wasm_bindgen_test]
async fn the_postcode_question_explains_a_bad_postcode_and_goes_once_answered() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let root = container();
    let (_, region) = mount_in_shop(&root, || view! { <RegionPrompt /> });
    tick().await;
    let postcode = labelled(&root, "Your postcode");

    type_into(&postcode, "not a postcode");
    submit(&find(&root, "form.region-prompt"));
    tick().await;
    assert_eq!(
        postcode.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert!(text(&root, "#region-postcode-error").contains("UK postcode like LS1 4AP"));
    assert_eq!(region.0.get_untracked(), "london", "nothing changed");

    type_into(&postcode, "G1 1AA");
    submit(&find(&root, "form.region-prompt"));
    tick().await;
    assert_eq!(region.0.get_untracked(), "scotland");
    assert!(
        !exists(&root, "form.region-prompt"),
        "asked once, then gone"
    );
    assert_eq!(
        storage
            .get_item("storefront.region.asked")
            .unwrap()
            .as_deref(),
        Some("1")
    );
}
