//! Browser tests: components mounted in headless Chromium (wasm-bindgen-test), acted on as
//! a person would and asserted on the DOM. No shop server is behind them: where a component
//! talks to the shop, the test answers its `fetch` calls itself (`web/seam.rs`); elsewhere a
//! component's own requests simply fail. Run with
//! `cargo test --target wasm32-unknown-unknown --features csr --test web`.
#![cfg(all(target_arch = "wasm32", feature = "csr"))]

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use storefront::api::catalog::ProductCard;
use storefront::components::{cart_state, HelpPanel, ProductGrid, StockBadge};
use storefront::domain::cart::CartLine;
use storefront::domain::date::CalendarDate;
use storefront::domain::money::Money;
use storefront::domain::stock::Availability;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "web/callback.rs"]
mod callback;
#[path = "web/chat.rs"]
mod chat;
#[path = "web/fields.rs"]
mod fields;
#[path = "web/seam.rs"]
mod seam;
#[path = "web/search_box.rs"]
mod search_box;

use seam::{container, text as text_of};

#[wasm_bindgen_test]
async fn stock_badge_follows_the_variant_and_tells_the_restock_date() {
    let root = container();
    let availability = RwSignal::new(Availability::from_stock(12, None));
    mount_to(
        root.clone(),
        move || view! { <StockBadge availability=availability /> },
    )
    .forget();
    tick().await;
    assert_eq!(text_of(&root, ".stock-badge"), "In stock");

    availability.set(Availability::from_stock(2, None));
    tick().await;
    assert_eq!(text_of(&root, ".stock-badge"), "Only 2 left");
    assert!(root.query_selector(".stock-badge--low").unwrap().is_some());

    availability.set(Availability::from_stock(0, CalendarDate::new(2026, 12, 3)));
    tick().await;
    assert_eq!(
        text_of(&root, ".stock-badge"),
        "Out of stock — back around 3 Dec"
    );
}

#[wasm_bindgen_test]
async fn help_panel_offers_phone_email_and_returns_and_never_disappears() {
    window().local_storage().unwrap().unwrap().clear().unwrap();
    // Whatever the test window's width, the shopper opened it last time.
    window()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item("storefront.help.open", "true")
        .unwrap();
    let root = container();
    // With no shop server behind the test page the panel's own requests simply fail.
    seam::mount_in_shop(&root, || view! { <HelpPanel /> });
    tick().await;

    let aside = root
        .query_selector("aside[aria-label='Help']")
        .unwrap()
        .expect("a complementary landmark named Help");
    assert!(
        aside
            .query_selector("a[href^='tel:+44']")
            .unwrap()
            .is_some(),
        "a tel: link"
    );
    assert!(
        aside
            .query_selector("a[href^='mailto:']")
            .unwrap()
            .is_some(),
        "a mailto: link"
    );
    assert!(
        aside
            .query_selector("a[href='/help/returns']")
            .unwrap()
            .is_some(),
        "the return policy"
    );
    let text = aside.text_content().unwrap();
    assert!(text.contains("Opening hours"));
    for section in [
        "Chat with us",
        "Call me back",
        "Quick answers",
        "Finding your way around",
    ] {
        assert!(text.contains(section), "the panel offers {section}");
    }

    let tab: web_sys::HtmlElement = aside
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(tab.get_attribute("aria-expanded").as_deref(), Some("true"));
    tab.click();
    tick().await;
    // Collapsed: the body is hidden, the panel and its tab are still there.
    assert_eq!(tab.get_attribute("aria-expanded").as_deref(), Some("false"));
    assert!(root
        .query_selector("#help-panel-body")
        .unwrap()
        .unwrap()
        .has_attribute("hidden"));
    assert!(root
        .query_selector("aside[aria-label='Help'] button")
        .unwrap()
        .is_some());
    assert_eq!(tab.text_content().as_deref(), Some("Need help?"));
    // ...and it stays collapsed after a reload.
    assert_eq!(
        window()
            .local_storage()
            .unwrap()
            .unwrap()
            .get_item("storefront.help.open")
            .unwrap()
            .as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn the_cart_is_saved_on_the_device() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let root = container();
    let cart = RwSignal::new(None);
    mount_to(root, move || {
        cart.set(Some(cart_state::provide_cart()));
        view! { <p>"cart"</p> }
    })
    .forget();
    tick().await;
    let cart = cart.get_untracked().unwrap();
    cart.0.update(|c| {
        c.add(41, 2);
        c.add(7, 1);
    });
    tick().await;
    // What a reload would find.
    let saved = cart_state::load_saved_cart();
    assert_eq!(
        saved.lines,
        vec![
            CartLine {
                variant_id: 41,
                quantity: 2
            },
            CartLine {
                variant_id: 7,
                quantity: 1
            }
        ]
    );
    assert_eq!(saved.item_count(), 3);
}

#[wasm_bindgen_test]
async fn product_grid_links_every_product_with_its_price() {
    let root = container();
    let products = vec![
        ProductCard {
            slug: "classic-linen-shirt".into(),
            name: "Classic Linen Shirt".into(),
            category: "Shirts".into(),
            price: Money::gbp(4500),
            image: "/images/products/classic-linen-shirt.svg".into(),
            in_stock: true,
        },
        ProductCard {
            slug: "roomy-canvas-tote".into(),
            name: "Roomy Canvas Tote".into(),
            category: "Bags".into(),
            price: Money::gbp(2250),
            image: "/images/products/roomy-canvas-tote.svg".into(),
            in_stock: false,
        },
    ];
    mount_to(
        root.clone(),
        move || view! { <ProductGrid products=products /> },
    )
    .forget();
    tick().await;
    let links = root.query_selector_all("a.product-card__link").unwrap();
    assert_eq!(links.length(), 2);
    let first: web_sys::Element = links.item(0).unwrap().unchecked_into();
    assert_eq!(
        first.get_attribute("href").as_deref(),
        Some("/p/classic-linen-shirt")
    );
    assert_eq!(first.text_content().as_deref(), Some("Classic Linen Shirt"));
    assert!(root.text_content().unwrap().contains("£45.00"));
    assert!(root.text_content().unwrap().contains("£22.50"));
    // Only the sold-out product says so.
    assert_eq!(
        root.query_selector_all(".product-card__stock")
            .unwrap()
            .length(),
        1
    );
}

#[wasm_bindgen_test]
async fn the_offline_notice_follows_the_connection_and_the_service_worker() {
    use storefront::components::offline::{OfflineNotice, OFFLINE_WORDS};
    use storefront_model::offline::{SHOP_REACHABLE, SHOP_UNREACHABLE};
    let root = container();
    mount_to(root.clone(), || view! { <OfflineNotice /> }).forget();
    tick().await;
    let status = root.query_selector("[role=status]").unwrap();
    assert!(
        status.is_some(),
        "the status region is there before anything is said"
    );
    assert_eq!(text_of(&root, ".offline-notice"), "");

    let event = |name: &str| {
        window()
            .dispatch_event(&web_sys::Event::new(name).unwrap())
            .unwrap();
    };
    event("offline");
    tick().await;
    assert!(text_of(&root, ".offline-notice").starts_with(OFFLINE_WORDS));
    event("online");
    tick().await;
    assert_eq!(text_of(&root, ".offline-notice"), "");

    // The service worker's word: the shop stopped answering, then answered again.
    let worker = window().navigator().service_worker();
    let say = |words: &str| {
        let init = web_sys::MessageEventInit::new();
        init.set_data(&words.into());
        let message = web_sys::MessageEvent::new_with_event_init_dict("message", &init).unwrap();
        worker.dispatch_event(&message).unwrap();
    };
    say(SHOP_UNREACHABLE);
    tick().await;
    assert!(text_of(&root, ".offline-notice").starts_with(OFFLINE_WORDS));
    say("something else");
    tick().await;
    assert!(text_of(&root, ".offline-notice").starts_with(OFFLINE_WORDS));
    say(SHOP_REACHABLE);
    tick().await;
    assert_eq!(text_of(&root, ".offline-notice"), "");

    // A failure reported late, of a request asked before the browser said it was back
    // online, is no news; one asked after it is.
    event("offline");
    let before = web_sys::js_sys::Date::now() as u64 - 1_000;
    event("online");
    tick().await;
    say(&format!("{SHOP_UNREACHABLE} {before}"));
    tick().await;
    assert_eq!(
        text_of(&root, ".offline-notice"),
        "",
        "a late report is ignored"
    );
    say(&format!("{SHOP_UNREACHABLE} {}", before + 60_000));
    tick().await;
    assert!(text_of(&root, ".offline-notice").starts_with(OFFLINE_WORDS));
    say(SHOP_REACHABLE);
    tick().await;
    assert_eq!(text_of(&root, ".offline-notice"), "");
}
