//! What the shop remembers on this device (browser local storage). Private browsing may
//! refuse to store; the shop then simply forgets when the tab closes.

use leptos::prelude::window;

fn local() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The value saved under `key`, if any.
pub fn load(key: &str) -> Option<String> {
    local().and_then(|s| s.get_item(key).ok().flatten())
}

/// Saves `value` under `key`, quietly giving up if the browser refuses.
pub fn save(key: &str, value: &str) {
    if let Some(s) = local() {
        let _ = s.set_item(key, value);
    }
}

fn session() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// The value saved under `key` for this tab only (kept across reloads, gone when the tab
/// closes), if any.
pub fn load_for_tab(key: &str) -> Option<String> {
    session().and_then(|s| s.get_item(key).ok().flatten())
}

/// Saves `value` under `key` for this tab only.
pub fn save_for_tab(key: &str, value: &str) {
    if let Some(s) = session() {
        let _ = s.set_item(key, value);
    }
}

/// Forgets what this tab saved under `key`.
pub fn forget_for_tab(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}
