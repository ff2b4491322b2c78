//! What the shop remembers in the browser: on this device (local storage) or for this
//! tab only (session storage, kept across reloads, gone when the tab closes). Private
//! browsing may refuse to store; the shop then simply forgets sooner.

use leptos::prelude::window;
use web_sys::Storage;

fn local() -> Option<Storage> {
    window().local_storage().ok().flatten()
}

fn session() -> Option<Storage> {
    window().session_storage().ok().flatten()
}

fn read(store: Option<Storage>, key: &str) -> Option<String> {
    store.and_then(|s| s.get_item(key).ok().flatten())
}

/// Writes quietly: a browser that refuses just means the shop forgets.
fn write(store: Option<Storage>, key: &str, value: &str) {
    if let Some(s) = store {
        let _ = s.set_item(key, value);
    }
}

/// The value saved on this device under `key`, if any.
pub fn load(key: &str) -> Option<String> {
    read(local(), key)
}

/// Saves `value` on this device under `key`.
pub fn save(key: &str, value: &str) {
    write(local(), key, value);
}

/// The value saved for this tab under `key`, if any.
pub fn load_for_tab(key: &str) -> Option<String> {
    read(session(), key)
}

/// Saves `value` for this tab under `key`.
pub fn save_for_tab(key: &str, value: &str) {
    write(session(), key, value);
}

/// Forgets what this tab saved under `key`.
pub fn forget_for_tab(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}

const ORDERS_KEY: &str = "storefront.orders.v1";
/// The checkout form's details, for this tab (`pages::checkout`).
pub const CHECKOUT_KEY: &str = "storefront.checkout";

/// The signed-in customer's size in each category, one `category<TAB>size` a line, as
/// their account last said (product pages start on it).
const SIZES_KEY: &str = "storefront.sizes";

/// Keeps the account's sizes on this device (`(category, size)` pairs).
pub fn save_sizes<'a>(sizes: impl Iterator<Item = (&'a str, &'a str)>) {
    let text: Vec<String> = sizes.map(|(c, s)| format!("{c}\t{s}")).collect();
    save(SIZES_KEY, &text.join("\n"));
}

/// The account's size in `category`, as kept on this device.
pub fn preferred_size(category: &str) -> Option<String> {
    load(SIZES_KEY)?.lines().find_map(|line| {
        let (c, s) = line.split_once('\t')?;
        (c == category).then(|| s.to_owned())
    })
}

/// Whether an account was signed in when its page was last open on this device (its
/// sizes are kept here from then until signing out): the home page's "Picked for you"
/// is fetched only then.
pub fn account_kept_here() -> bool {
    load(SIZES_KEY).is_some()
}

/// Forgets the account's sizes on this device (signing out).
pub fn forget_sizes() {
    if let Some(s) = local() {
        let _ = s.remove_item(SIZES_KEY);
    }
}

/// Forgets what this device keeps about the person ("Delete my data"): the orders placed
/// from it, their sizes, this tab's checkout details, and the service worker's kept
/// answers (order pages among them). The cart and the delivery region stay: they say
/// nothing of who.
pub fn forget_personal() {
    forget_sizes();
    if let Some(s) = local() {
        let _ = s.remove_item(ORDERS_KEY);
    }
    forget_for_tab(CHECKOUT_KEY);
    if let Ok(caches) = window().caches() {
        let _ = caches.delete(storefront_model::offline::KEPT_CACHE);
    }
}
/// Orders remembered on this device, newest first.
const MAX_REMEMBERED_ORDERS: usize = 20;

/// The orders placed from this device (number and private key), newest first, so help
/// can show them to the agent the shopper talks to.
pub fn remembered_orders() -> Vec<crate::api::orders::PlacedOrder> {
    load(ORDERS_KEY)
        .and_then(|json| serde_json::from_slice(json.as_bytes()).ok())
        .unwrap_or_default()
}

/// Remembers an order just placed from this device.
pub fn remember_order(order: &crate::api::orders::PlacedOrder) {
    let mut orders = remembered_orders();
    orders.retain(|o| o.number != order.number);
    orders.insert(0, order.clone());
    orders.truncate(MAX_REMEMBERED_ORDERS);
    if let Ok(json) = serde_json::to_string(&orders) {
        save(ORDERS_KEY, &json);
    }
}
