//! A server-sent event stream with a handler per event name, closed when dropped. The
//! browser reconnects by itself after a drop; `open` is called again then, so a page
//! can read what it shows afresh and miss nothing.

use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;

type Handler = Closure<dyn FnMut(web_sys::MessageEvent)>;

/// What to do with one event's data.
pub type OnEvent = Box<dyn FnMut(String)>;

pub struct EventStream {
    source: web_sys::EventSource,
    _handlers: Vec<Handler>,
}

impl EventStream {
    /// Opens `url`; each named event's data (a string) goes to its handler. The name
    /// `open` is called on every (re)connection, with empty data.
    pub fn open(url: &str, handlers: Vec<(&'static str, OnEvent)>) -> Option<Self> {
        let source = web_sys::EventSource::new(url).ok()?;
        let handlers = handlers
            .into_iter()
            .map(|(name, mut handle)| {
                let closure = Handler::new(move |ev: web_sys::MessageEvent| {
                    handle(ev.data().as_string().unwrap_or_default());
                });
                let _ =
                    source.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
                closure
            })
            .collect();
        Some(Self {
            source,
            _handlers: handlers,
        })
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.source.close();
    }
}
