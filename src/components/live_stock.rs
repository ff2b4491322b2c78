//! Stock that updates itself: a page lists the variants it shows, and the server pushes
//! every change to their stock (server-sent events). On (re)connecting, and whenever the
//! server says the page fell behind, the page reads the stock again, so a change made
//! while the connection was down is never missed.

use super::browser::in_own_task;
use super::use_region;
use crate::api::stock::{get_stock, live_stock_url, LiveStock};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;
use std::collections::HashMap;

/// The latest stock pushed for each watched variant (empty until something arrives).
pub type LiveStockMap = RwSignal<HashMap<i64, LiveStock>>;

/// One open event stream and the handlers it calls.
struct Subscription {
    source: web_sys::EventSource,
    _on_stock: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_sync: Closure<dyn FnMut(web_sys::Event)>,
}

impl Subscription {
    fn open(ids: Vec<i64>, region: String, live: LiveStockMap) -> Option<Self> {
        let source = web_sys::EventSource::new(&live_stock_url(&ids, &region)).ok()?;
        let on_stock =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(text) = ev.data().as_string() else {
                    return;
                };
                if let Ok(stock) = serde_json::from_slice::<LiveStock>(text.as_bytes()) {
                    live.update(|m| {
                        m.insert(stock.variant_id, stock);
                    });
                }
            });
        let on_sync = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            let ids = ids.clone();
            let region = region.clone();
            spawn_local(async move {
                if let Ok(levels) = get_stock(ids, region).await {
                    live.update(|m| {
                        for stock in levels {
                            m.insert(stock.variant_id, stock);
                        }
                    });
                }
            });
        });
        let _ = source.add_event_listener_with_callback("stock", on_stock.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("open", on_sync.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("resync", on_sync.as_ref().unchecked_ref());
        Some(Self {
            source,
            _on_stock: on_stock,
            _on_sync: on_sync,
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Watches the variants `ids` returns (re-subscribing when they or the shopper's region
/// change) and answers the map of their live stock.
pub fn use_live_stock(ids: impl Fn() -> Vec<i64> + Send + Sync + 'static) -> LiveStockMap {
    let region = use_region();
    let live: LiveStockMap = RwSignal::new(HashMap::new());
    let current = StoredValue::new_local(None::<Subscription>);
    // Which subscription is wanted (the latest set of variants and region).
    let wanted = StoredValue::new(0_u64);
    // Only a different set of variants needs a new stream, not a new quantity.
    let ids = Memo::new(move |_| {
        let mut ids = ids();
        ids.sort_unstable();
        ids.dedup();
        ids
    });
    Effect::new(move |_| {
        let ids = ids.get();
        let region = region.0.get();
        // Dropping the old subscription closes its stream.
        current.set_value(None);
        live.set(HashMap::new());
        if ids.is_empty() {
            return;
        }
        // Opened after the page's frame, and only if still wanted then (the page still
        // open, the same variants and region).
        let n = wanted.get_value() + 1;
        wanted.set_value(n);
        in_own_task(move || {
            if wanted.try_get_value() == Some(n) {
                current.set_value(Subscription::open(ids, region, live));
            }
        });
    });
    on_cleanup(move || current.set_value(None));
    live
}
