// Storefront's service worker: the shop still opens on a bad connection, and never
// shows an old app after a release. Registered by the shop's release build
// (src/components/offline.rs); the rules it follows are the server's:
//
// - A page (a navigation) comes from the shop first, so the next visit after a release
//   gets the new app; only when the shop can't be reached is the last page it served
//   (the app shell, the same for every shop route) used instead.
// - Files the server marks immutable (the hashed app files and lazy parts) come from the
//   cache once kept; a part's pack is kept with each of its files. The shell's files and
//   the packs the page names (the cart's) are kept with it, so the cart opens offline. A
//   new shell (a release) drops the files of the last one.
// - Answers the server marks with x-storefront-keep-offline (reads: the catalog, a
//   product, search results, help content, an order's status) come from the shop; the
//   last one for each request is kept and shown when the shop can't be reached.
// - Everything else (placing an order, a chat message, any change, the live streams,
//   the staff app) goes to the shop or fails: a write is never answered from the cache.
//
// The shop's open pages are told when the shop stops answering and when it answers again,
// so they can say "You're offline — your cart is safe" (storefront_model::offline).

const SHELL_CACHE = "storefront-shell-v1";
const KEPT_CACHE = "storefront-kept-v1";
const CACHES = [SHELL_CACHE, KEPT_CACHE];
// The app shell, kept under one name: every shop route is the same index.html.
const SHELL = "/__storefront-shell";
// Reads and files kept for offline use (the oldest go first).
const KEPT_MAX = 200;
const KEEP_OFFLINE_HEADER = "x-storefront-keep-offline";
const SHOP_UNREACHABLE = "storefront:offline";
const SHOP_REACHABLE = "storefront:online";
// The staff app (crates/server/src/http.rs STAFF_PAGES and STAFF_ASSETS) is not the shop's.
const STAFF = ["/agent", "/warehouse", "/staff"];

self.addEventListener("install", (event) => {
  // Keep the shell now, so even the first page visited opens offline next time.
  event.waitUntil(
    fetch("/", { cache: "no-cache" })
      .then((page) => keepShell(page))
      .catch(() => {})
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (!CACHES.includes(name)) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

// A page asks it to keep the lazy parts it fetched before this worker took it over (the
// first visit: the page's own part is preloaded beside the first load), so they open
// offline too (scripts/part-packs.py sends the list; mostly from the browser's cache).
self.addEventListener("message", (event) => {
  const paths = event.data?.keepParts;
  if (!Array.isArray(paths)) return;
  event.waitUntil(
    (async () => {
      const parts = paths.filter(
        (path) => typeof path === "string" && /^\/(pack|chunk|split)_[a-z0-9_]+-[0-9a-f]+\.wasm$/.test(path),
      );
      await keepMissing(await caches.open(SHELL_CACHE), parts);
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (STAFF.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/api/")) {
    // Server functions are POSTs; the live streams (GET) go straight through.
    if (request.method === "POST") event.respondWith(read(event));
  } else if (request.method === "GET") {
    event.respondWith(file(event));
  }
});

let unreachable = false;

/**
 * Tells the shop's open pages whether the shop answered (only when that changed, or on
 * every failure). A failure carries when its request was asked (ms since 1970), so a page
 * can ignore one asked before the browser said it was back online: such a message can
 * arrive after the browser's "online" and would otherwise leave the notice up.
 */
async function say(reachable, asked) {
  if (reachable && !unreachable) return;
  unreachable = !reachable;
  const words = reachable ? SHOP_REACHABLE : `${SHOP_UNREACHABLE} ${asked}`;
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(words);
}

/**
 * Asks the shop. Its answer is returned, and kept when `keepIt` says so (it answers the
 * keeping's promise or false); when the shop can't be reached, `lastKept()` answers instead.
 */
async function fromShop(event, keepIt, lastKept) {
  const asked = Date.now();
  try {
    const answer = await fetch(event.request);
    say(true);
    const keeping = keepIt(answer);
    if (keeping) event.waitUntil(keeping);
    return answer;
  } catch (error) {
    say(false, asked);
    const kept = await lastKept();
    if (kept) return kept;
    throw error;
  }
}

function page(event) {
  const isPage = (answer) => (answer.headers.get("content-type") ?? "").startsWith("text/html");
  return fromShop(
    event,
    (answer) => answer.ok && isPage(answer) && keepShell(answer.clone()),
    async () => (await caches.open(SHELL_CACHE)).match(SHELL),
  );
}

/**
 * Keeps the shell and the files it names. A new shell (a release) drops every file the
 * last one used, lazy parts included; the same shell again keeps what was fetched since.
 */
async function keepShell(answer) {
  if (!answer.ok) return;
  const html = await answer.clone().text();
  const cache = await caches.open(SHELL_CACHE);
  const before = await cache.match(SHELL);
  const released = !before || (await before.text()) !== html;
  await cache.put(SHELL, answer);
  const named = new Set(
    [...html.matchAll(/["'](\/[^"'\s]+\.(?:js|wasm|css))["']/g)].map((m) => m[1]),
  );
  if (released) {
    for (const kept of await cache.keys()) {
      const path = new URL(kept.url).pathname;
      if (path !== SHELL && !named.has(path)) await cache.delete(kept);
    }
  }
  await keepMissing(cache, named);
}

/** Fetches and keeps each of the app's files at `paths` that isn't kept yet. */
async function keepMissing(cache, paths) {
  for (const path of paths) {
    if (await cache.match(path)) continue;
    try {
      const file = await fetch(path);
      if (file.ok && immutable(file)) await keepFile(cache, path, file);
    } catch {
      // Kept the next time the page asks for it.
    }
  }
}

/**
 * Keeps a file of the app. A lazy part's pack (scripts/part-packs.py: a little-endian u32
 * length, a JSON index `[[file, size], ...]`, the files) is kept with each of its files
 * under its own name too: a part whose chunks came in another part's pack asks for them
 * one by one, and offline they must be there.
 */
async function keepFile(cache, path, answer) {
  if (/\/pack_[a-z0-9_]+-[0-9a-f]+\.wasm$/.test(new URL(path, self.location.origin).pathname)) {
    const pack = await answer.clone().arrayBuffer();
    const size = new DataView(pack).getUint32(0, true);
    const index = JSON.parse(new TextDecoder().decode(new Uint8Array(pack, 4, size)));
    const headers = { "content-type": "application/wasm", "cache-control": answer.headers.get("cache-control") };
    let at = 4 + size;
    for (const [file, length] of index) {
      await cache.put(`/${file}`, new Response(pack.slice(at, at + length), { headers }));
      at += length;
    }
  }
  await cache.put(path, answer);
}

function immutable(answer) {
  return /\bimmutable\b/.test(answer.headers.get("cache-control") ?? "");
}

async function read(event) {
  const key = await keyOf(event.request);
  return fromShop(
    event,
    (answer) => answer.ok && answer.headers.has(KEEP_OFFLINE_HEADER) && keep(key, answer.clone()),
    async () => (await caches.open(KEPT_CACHE)).match(key),
  );
}

/** The cache key of a server-function call: its address and a digest of its arguments. */
async function keyOf(request) {
  const body = await request.clone().arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${request.url}?args=${hex}`;
}

async function file(event) {
  const request = event.request;
  const shell = await caches.open(SHELL_CACHE);
  const hit = await shell.match(request);
  if (hit && immutable(hit)) return hit;
  try {
    const answer = await fetch(request);
    if (answer.ok && answer.type === "basic") {
      if (immutable(answer)) event.waitUntil(keepFile(shell, request.url, answer.clone()));
      else event.waitUntil(keep(request.url, answer.clone()));
    }
    return answer;
  } catch (error) {
    const kept = hit ?? (await (await caches.open(KEPT_CACHE)).match(request.url));
    if (kept) return kept;
    throw error;
  }
}

/** Keeps an answer under `key` (newest last) and forgets the oldest beyond KEPT_MAX. */
async function keep(key, answer) {
  const cache = await caches.open(KEPT_CACHE);
  await cache.delete(key);
  await cache.put(key, answer);
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - KEPT_MAX))) await cache.delete(old);
}
