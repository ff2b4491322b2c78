//! Small helpers over the browser itself: focus, the tab's title and the clock.

use leptos::prelude::*;

/// Focuses the first element matching `selector` after the next paint.
pub fn focus_later(selector: &'static str) {
    request_animation_frame(move || {
        use leptos::wasm_bindgen::JsCast;
        let first = document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = first {
            let _ = el.focus();
        }
    });
}

/// Runs `work` in a task of its own, after the one running now (the one drawing a page).
/// For work the first paint needn't wait for, such as starting a request or opening a
/// stream: blocking time counts each task's time past 50 ms, so work moved out of a long
/// task into a short one stops counting (README "Size and speed on a phone").
pub fn in_own_task(work: impl FnOnce() + 'static) {
    set_timeout(work, std::time::Duration::ZERO);
}

/// Draws its children in a task of their own, after the one drawing the rest of the page
/// ([`in_own_task`]): for the part of a page below what a shopper sees first, so the part
/// on screen paints without waiting for it. A page's first draw is mostly the browser
/// compiling the code it runs for the first time, so a big page drawn at once is one long
/// task (README "Size and speed on a phone"). Put only what comes last on the page (or in
/// its column) in it: it adds to the page's bottom, so nothing drawn before it moves.
#[component]
pub fn Later(children: Children) -> impl IntoView {
    let drawn = RwSignal::new(false);
    in_own_task(move || {
        // (Nothing to do if the page was left in the meantime.)
        let _ = drawn.try_set(true);
    });
    let mut children = Some(children);
    move || {
        drawn
            .get()
            .then(|| children.take().map(|draw| untrack(draw)))
            .flatten()
    }
}

/// Seconds since 1970, from the browser's clock.
pub fn now_unix() -> i64 {
    (web_sys::js_sys::Date::now() / 1000.0) as i64
}

/// Sets the browser tab's title: "<page> · Storefront".
pub fn set_title(page: &str) {
    let title = if page.is_empty() {
        "Storefront".to_owned()
    } else {
        format!("{page} · Storefront")
    };
    if let Some(doc) = leptos::prelude::window().document() {
        doc.set_title(&title);
    }
}

/// A fresh idempotency key for one attempt at something (a checkout, a return): sent
/// again with a retry, it lets the shop answer the first attempt instead of doing it twice.
pub fn new_attempt_key() -> String {
    window()
        .crypto()
        .ok()
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| {
            let r = || (web_sys::js_sys::Math::random() * 1e16) as u64;
            format!("{:016x}{:016x}", r(), r())
        })
}
