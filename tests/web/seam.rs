//! What the component tests stand on: a fake shop behind `fetch`, and a person's hands.
//!
//! Server functions in the browser are `fetch` calls. [`FakeShop`] replaces the page's
//! `fetch` while it lives: each call is answered from the test's canned answers by path
//! (anything else gets a 404) and remembered with its body, so a test can assert what a
//! component sent. No server, no network, no sleeps: tests wait for the page to show
//! something ([`until`]), a turn of the event loop at a time, and fail after a bound.

use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use storefront::components::{provide_cart, provide_region, CartContext, RegionContext};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::js_sys;

/// One request a component made: its path and its body as sent.
#[derive(Clone, Debug)]
pub struct Sent {
    pub path: String,
    pub body: String,
}

/// The page's `fetch`, answered from canned answers until this is dropped.
pub struct FakeShop {
    sent: Rc<RefCell<Vec<Sent>>>,
    real_fetch: JsValue,
    _fetch: Closure<dyn FnMut(JsValue) -> js_sys::Promise>,
}

impl FakeShop {
    /// `answers`: `(path, status, JSON body)`, e.g. `("/api/suggest", 200, json)`.
    pub fn new(answers: Vec<(&'static str, u16, String)>) -> Self {
        let sent = Rc::new(RefCell::new(Vec::new()));
        let record = sent.clone();
        let answers = Rc::new(answers);
        let fetch = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |input: JsValue| {
            let (record, answers) = (record.clone(), answers.clone());
            wasm_bindgen_futures::future_to_promise(async move {
                let request = match input.dyn_into::<web_sys::Request>() {
                    Ok(r) => r,
                    Err(other) => {
                        web_sys::Request::new_with_str(&other.as_string().unwrap_or_default())?
                    }
                };
                let path = web_sys::Url::new(&request.url())?.pathname();
                let body = JsFuture::from(request.text()?)
                    .await?
                    .as_string()
                    .unwrap_or_default();
                record.borrow_mut().push(Sent {
                    path: path.clone(),
                    body,
                });
                let (status, json) = answers.iter().find(|(p, _, _)| *p == path).map_or(
                    (404, "\"no answer in this test\"".to_owned()),
                    |(_, s, j)| (*s, j.clone()),
                );
                let init = web_sys::ResponseInit::new();
                init.set_status(status);
                let headers = web_sys::Headers::new()?;
                headers.set("content-type", "application/json")?;
                init.set_headers(&headers);
                Ok(web_sys::Response::new_with_opt_str_and_init(Some(&json), &init)?.into())
            })
        });
        let window = window();
        let real_fetch = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
        js_sys::Reflect::set(&window, &"fetch".into(), fetch.as_ref()).unwrap();
        Self {
            sent,
            real_fetch,
            _fetch: fetch,
        }
    }

    /// Every request so far to `path`.
    pub fn sent_to(&self, path: &str) -> Vec<Sent> {
        self.sent
            .borrow()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for FakeShop {
    fn drop(&mut self) {
        js_sys::Reflect::set(&window(), &"fetch".into(), &self.real_fetch).unwrap();
    }
}

/// JSON for a canned answer.
pub fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

/// One turn of the browser's event loop (timers, fetch answers and effects get to run).
pub async fn next_turn() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback(&resolve)
            .expect("a timer");
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits, a turn at a time, until `ready` holds; fails saying `what` after 500 turns.
pub async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..500 {
        if ready() {
            return;
        }
        next_turn().await;
    }
    panic!("never happened: {what}");
}

/// Mounts `view` into `root` as the shop would: with the cart and the shopper's region
/// provided, inside a router. Answers those two contexts for the test to look into.
pub fn mount_in_shop<V: IntoView + 'static>(
    root: &web_sys::HtmlElement,
    view: impl FnOnce() -> V + Send + 'static,
) -> (CartContext, RegionContext) {
    let contexts = Rc::new(RefCell::new(None));
    let out = contexts.clone();
    leptos::mount::mount_to(root.clone(), move || {
        *out.borrow_mut() = Some((provide_cart(), provide_region()));
        view! { <leptos_router::components::Router>{view()}</leptos_router::components::Router> }
    })
    .forget();
    let found = contexts.borrow_mut().take();
    found.expect("mounting runs at once")
}

/// A fresh element in the page to mount into. The last test's element goes first, so
/// ids (which the app looks up in the whole document, to focus a field) never collide.
pub fn container() -> web_sys::HtmlElement {
    let document = document();
    let earlier = document
        .query_selector_all("section[data-test-root]")
        .unwrap();
    for i in 0..earlier.length() {
        if let Some(node) = earlier.item(i) {
            node.unchecked_into::<web_sys::Element>().remove();
        }
    }
    let el = document.create_element("section").unwrap();
    el.set_attribute("data-test-root", "").unwrap();
    document.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

pub fn find(root: &web_sys::HtmlElement, selector: &str) -> web_sys::HtmlElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

pub fn exists(root: &web_sys::HtmlElement, selector: &str) -> bool {
    root.query_selector(selector).unwrap().is_some()
}

pub fn text(root: &web_sys::HtmlElement, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

/// The form control a `<label>` with exactly these words names (as a person finds it).
pub fn labelled(root: &web_sys::HtmlElement, words: &str) -> web_sys::HtmlElement {
    let labels = root.query_selector_all("label").unwrap();
    for i in 0..labels.length() {
        let label: web_sys::HtmlLabelElement = labels.item(i).unwrap().unchecked_into();
        if label.text_content().unwrap_or_default().trim() == words {
            let id = label.html_for();
            return find(root, &format!("#{id}"));
        }
    }
    panic!("no field labelled {words:?}");
}

/// The button whose words are exactly `words`.
pub fn button(root: &web_sys::HtmlElement, words: &str) -> web_sys::HtmlElement {
    let buttons = root.query_selector_all("button").unwrap();
    for i in 0..buttons.length() {
        let b = buttons.item(i).unwrap();
        if b.text_content().unwrap_or_default().trim() == words {
            return b.unchecked_into();
        }
    }
    panic!("no button {words:?}");
}

fn fire(target: &web_sys::HtmlElement, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

/// Types `words` into a text field as a person would (the whole value, then `input`).
pub fn type_into(field: &web_sys::HtmlElement, words: &str) {
    field.focus().unwrap();
    if let Some(input) = field.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(words);
    } else if let Some(area) = field.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(words);
    }
    fire(field, "input");
}

/// Chooses the option with value `value` in a `<select>`.
pub fn choose(field: &web_sys::HtmlElement, value: &str) {
    field
        .unchecked_ref::<web_sys::HtmlSelectElement>()
        .set_value(value);
    fire(field, "change");
}

/// Leaves a field (as Tab would).
pub fn leave(field: &web_sys::HtmlElement) {
    fire(field, "blur");
    fire(field, "focusout");
}

/// Presses a key in `target` (`"ArrowDown"`, `"Escape"`, …); answers whether the page
/// took the key for itself (prevented the browser's own action, such as Escape
/// clearing a search box).
pub fn press(target: &web_sys::HtmlElement, key: &str) -> bool {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    !target.dispatch_event(&event).unwrap()
}

/// Submits the form `inside` belongs to, as its submit button would.
pub fn submit(form: &web_sys::HtmlElement) {
    form.unchecked_ref::<web_sys::HtmlFormElement>()
        .request_submit()
        .unwrap();
}
