//! What the shop's service worker (`public/sw.js`) and the server agree on, so the shop
//! opens on a bad connection without ever replaying a write.

/// Where the service worker is served from; its scope is the whole shop.
pub const SERVICE_WORKER: &str = "/sw.js";

/// Set by the server on answers that only read (the catalog, a product, search results,
/// help content, an order's status). The service worker keeps the last such answer for
/// each request and shows it when the shop can't be reached; answers without it (placing
/// an order, a chat message, any change) always go to the shop or fail.
pub const KEEP_OFFLINE_HEADER: &str = "x-storefront-keep-offline";

/// The service worker's store of kept answers (order pages among them): "Delete my data"
/// empties it on the device it is pressed on.
pub const KEPT_CACHE: &str = "storefront-kept-v1";

/// What the service worker tells the shop's open pages when the shop stops or starts
/// answering (a `postMessage` with this text; a failure adds a space and when its request
/// was asked, in ms since 1970, so a page ignores one asked before the browser said it was
/// back online).
pub const SHOP_UNREACHABLE: &str = "storefront:offline";
pub const SHOP_REACHABLE: &str = "storefront:online";
