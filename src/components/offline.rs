//! A shop that still opens on a bad connection: the service worker (`public/sw.js`,
//! registered here by release builds) serves the app shell and the pages last viewed,
//! and this notice tells the shopper plainly when the shop can't be reached.

use leptos::prelude::*;
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;
use storefront_model::offline::{SERVICE_WORKER, SHOP_REACHABLE, SHOP_UNREACHABLE};

/// What the notice says. The cart lives on this device (local storage), so it is safe;
/// an order is only placed when the shop answers (nothing is ever sent from a cache).
pub const OFFLINE_WORDS: &str = "You're offline — your cart is safe.";
pub const OFFLINE_DETAIL: &str = "Pages you've already seen still open. Stock and prices are checked again before you pay, and nothing is ordered until you're back online.";

/// Registers the service worker. Release builds only: in the dev loop (`trunk serve`,
/// a debug build) every reload shows the code just written, never a kept copy.
pub fn register_service_worker() {
    if cfg!(debug_assertions) {
        return;
    }
    // A browser without service workers (or one that refuses) just has no offline copy.
    let _ = window()
        .navigator()
        .service_worker()
        .register(SERVICE_WORKER);
}

/// The shopper's connection as far as the shop can tell: the browser's own word
/// (`navigator.onLine`, `online`/`offline` events) and the service worker's (the shop
/// stopped or started answering).
fn use_offline() -> ReadSignal<bool> {
    let (offline, set_offline) = signal(!window().navigator().on_line());
    // When the browser last said it was back online (ms since 1970).
    let back_online_at = StoredValue::new(0u64);
    let on_offline = window_event_listener(leptos::ev::offline, move |_| set_offline.set(true));
    let on_online = window_event_listener(leptos::ev::online, move |_| {
        back_online_at.set_value(now_ms());
        set_offline.set(false);
    });
    let worker = window().navigator().service_worker();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(words) = ev.data().as_string() else {
                return;
            };
            if words == SHOP_REACHABLE {
                set_offline.set(false);
            } else if let Some(asked) = words.strip_prefix(SHOP_UNREACHABLE) {
                // A request that failed while the connection was down can report after the
                // browser's "online": it says nothing about the shop now.
                let asked_before_online = match asked.trim().parse::<u64>() {
                    Ok(asked) => asked < back_online_at.get_value(),
                    Err(_) => false,
                };
                if !asked_before_online {
                    set_offline.set(true);
                }
            }
        });
    let _ = worker.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    let handler = StoredValue::new_local(on_message);
    on_cleanup(move || {
        on_offline.remove();
        on_online.remove();
        handler.with_value(|h| {
            let _ =
                worker.remove_event_listener_with_callback("message", h.as_ref().unchecked_ref());
        });
    });
    offline
}

fn now_ms() -> u64 {
    web_sys::js_sys::Date::now() as u64
}

/// "You're offline — your cart is safe", shown while the shop can't be reached. The
/// status region is always there so screen readers announce the words when they appear.
#[component]
pub fn OfflineNotice() -> impl IntoView {
    let offline = use_offline();
    view! {
        <div class="offline-notice" role="status">
            <Show when=move || offline.get()>
                <p class="offline-notice__text">
                    <strong>{OFFLINE_WORDS}</strong>
                    " "
                    {OFFLINE_DETAIL}
                </p>
            </Show>
        </div>
    }
}
