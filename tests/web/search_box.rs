//! The header's search box on its own, with a fake shop answering suggestions.

use super::seam::*;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use storefront::api::catalog::{CategorySuggestion, ProductCard, SearchHit, Suggestions};
use storefront::components::SearchBox;
use storefront::domain::money::Money;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn suggestions() -> String {
    json(&Suggestions {
        query: "shrt".into(),
        categories: vec![CategorySuggestion {
            slug: "shirts".into(),
            name: "Shirts".into(),
            highlights: vec![(0, 5)],
        }],
        products: vec![SearchHit {
            card: ProductCard {
                slug: "classic-linen-shirt".into(),
                name: "Classic <b>Linen</b> Shirt".into(),
                category: "Shirts".into(),
                price: Money::gbp(4500),
                image: "/images/products/classic-linen-shirt.svg".into(),
                in_stock: true,
            },
            highlights: vec![(0, 7)],
        }],
        understood: None,
    })
}

/// The search box alone in a router, mounted in a fresh container.
async fn mounted() -> web_sys::HtmlElement {
    let root = container();
    mount_to(root.clone(), || {
        view! {
            <leptos_router::components::Router>
                <SearchBox />
            </leptos_router::components::Router>
        }
    })
    .forget();
    tick().await;
    root
}

#[wasm_bindgen_test]
async fn typing_asks_once_for_suggestions_which_the_keyboard_can_walk_and_close() {
    let shop = FakeShop::new(vec![("/api/suggest", 200, suggestions())]);
    let root = mounted().await;

    let input = labelled(&root, "Search products");
    assert_eq!(input.get_attribute("role").as_deref(), Some("combobox"));
    assert_eq!(
        input.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );

    // Two quick keystrokes: only the last is asked about.
    type_into(&input, "sh");
    type_into(&input, "shrt");
    until("suggestions are shown", || {
        input.get_attribute("aria-expanded").as_deref() == Some("true")
    })
    .await;
    let asked = shop.sent_to("/api/suggest");
    assert_eq!(asked.len(), 1, "one request for the newest keystroke");
    assert!(
        asked[0].body.contains(r#""query":"shrt""#),
        "{}",
        asked[0].body
    );

    let listbox = find(&root, "[role='listbox']");
    assert_eq!(
        listbox.get_attribute("aria-label").as_deref(),
        Some("Suggestions")
    );
    let options = listbox.query_selector_all("[role='option']").unwrap();
    assert!(options.length() >= 2, "a category and a product");
    let all = listbox.text_content().unwrap();
    assert!(all.contains("Shirts"));
    assert!(
        all.contains("Classic <b>Linen</b> Shirt"),
        "markup shown as text: {all}"
    );
    assert!(
        !exists(&listbox, "b"),
        "no element made from a product's name"
    );

    press(&input, "ArrowDown");
    tick().await;
    assert_eq!(
        input.get_attribute("aria-activedescendant").as_deref(),
        Some("suggestion-0")
    );
    assert_eq!(
        find(&root, "#suggestion-0")
            .get_attribute("aria-selected")
            .as_deref(),
        Some("true")
    );
    press(&input, "ArrowDown");
    tick().await;
    assert_eq!(
        input.get_attribute("aria-activedescendant").as_deref(),
        Some("suggestion-1")
    );

    press(&input, "Escape");
    tick().await;
    assert_eq!(
        input.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(listbox.has_attribute("hidden"));
    assert_eq!(
        input.unchecked_ref::<web_sys::HtmlInputElement>().value(),
        "shrt",
        "Escape keeps what was typed"
    );
}

#[wasm_bindgen_test]
async fn escape_pressed_before_the_suggestions_come_keeps_the_text_and_no_list_opens() {
    let shop = FakeShop::new(vec![("/api/suggest", 200, suggestions())]);
    let root = mounted().await;
    let input = labelled(&root, "Search products");
    type_into(&input, "shrt");
    assert!(
        press(&input, "Escape"),
        "Escape is the page's while suggestions are on their way: the browser must not clear the box"
    );
    for _ in 0..50 {
        next_turn().await;
    }
    assert_eq!(
        input.get_attribute("aria-expanded").as_deref(),
        Some("false"),
        "the list stays closed"
    );
    assert!(
        shop.sent_to("/api/suggest").is_empty(),
        "nothing asked after Escape"
    );
    assert_eq!(
        input.unchecked_ref::<web_sys::HtmlInputElement>().value(),
        "shrt"
    );
    // With nothing on its way and the list closed, Escape is the browser's again.
    assert!(!press(&input, "Escape"));
}
