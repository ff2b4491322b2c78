#!/usr/bin/env python3
"""Makes each lazy part of the split shop one download, and has a page opened directly
fetch its own while the first load downloads (scripts/split-wasm.sh runs this for the
release build).

Usage: part-packs.py APP_RS STAGING LINK_JS INDEX_HTML HASH

The splitter cuts the code parts share into a chunk per set of sharers, so a part is its
own file and many chunks (a product page 60-odd): fetched one by one, a phone on a slow
link spends a round trip per handful of them. So:
- each part gets a pack, `pack_<part>-<hash>.wasm`: its file and every chunk it needs, one
  after another behind a small index (a little-endian u32 length, then JSON
  `[[file, size], ...]`);
- the loader (LINK_JS in STAGING) is changed to ask for its files through `__partFile`,
  which gathers the files asked for in one go: a part none of whose files were fetched yet
  (the first of a visit, or any part on a page opened directly) comes from its pack,
  unpacked into the modules the loader instantiates as before; files of a part some of
  whose chunks are already there are fetched one by one, so nothing is fetched twice (and
  so are a pack's files when the pack can't be had: offline, the service worker may keep
  only the files); and it compiles every module from its bytes (`__partInstantiate`), not
  from the Response as a stream: the browser decodes whole bytes on a background thread
  but a stream on the page's main thread, where a page's modules took about 45 ms;
- the page (INDEX_HTML) gets a small inline script that adds a `<link rel="preload"
  as="fetch" crossorigin>` for the packs of the route being opened, which the loader's
  fetch of the same pack then uses, and a link for the startup parts' packs (STARTUP_PARTS,
  fetched by the layout on every page), whose files the other packs leave out.

What each path needs comes from where it is decided, nothing is typed twice:
- the routes and which of them are lazy: the `<Route>` elements (a `view={Page::…}` is
  lazy) and the `lazy_pages!` table in src/app.rs;
- the files a part needs (its own and the chunks it shares with other parts): the loader
  wasm-split-cli wrote.
The inline script picks the route with the most fixed segments among those matching the
path (as the router does: /orders/find before /orders/:number). The build fails when a
lazy route's part is missing, so a renamed route can't silently lose its preload.
"""
import json
import re
import sys

app_rs, staging, link_name, index_html, build_hash = sys.argv[1:]
# Routes whose parts the service worker keeps with the shell.
OFFLINE_PATHS = ["/cart"]
# Parts the layout fetches as the shop starts, on every page (the header's categories and
# the help bar's number: src/components/shell_reads.rs). Every page preloads them, the
# service worker keeps them with the shell, and the other parts' packs leave out the files
# these bring (they are there, or coming, by the time another part is asked for).
STARTUP_PARTS = ["shell_reads"]
link_js = f"{staging}/{link_name}"


def fail(message):
    sys.exit(f"part-packs: {message}")


app = open(app_rs).read()
# The `lazy_pages!` table: `Category => browse_part(BrowseView::Category), preload_browse_part;`
# (the part is what the preload fetches: the home page's heading is in the first load and
# its `home_page()` isn't a part, but the rest of it is `browse_part`).
table_block = re.search(r"^lazy_pages! \{\n(.*?)^\}", app, re.M | re.S)
if not table_block:
    fail(f"no lazy_pages! table in {app_rs}")
lazy = dict(re.findall(r"^\s*(\w+) => \w+\([^)]*\), preload_(\w+);", table_block.group(1), re.M))
if not lazy:
    fail(f"no pages in the lazy_pages! table of {app_rs}")

# The loader: every module's file and the modules it waits for.
link = open(link_js).read()
modules = {}
module_re = re.compile(
    r"(?:const (__chunk_\d+)|export const __wasm_split_load_(\w+)) = (?:wrapAsyncCb\()?makeLoad\(\(\) => \{"
    r"\s*const src = fetch\(new URL\(\"\./([^\"]+)\", import\.meta\.url\)\);.*?\}\s*,\s*\[([^\]]*)\]",
    re.S,
)
for chunk, split, file, deps in module_re.findall(link):
    key = chunk or f"split:{split}"
    modules[key] = (file, [d.strip() for d in deps.split(",") if d.strip()])
if not any(k.startswith("split:") for k in modules):
    fail(f"no parts found in {link_js}")


def files_of(key, seen):
    if key in seen:
        return []
    seen.add(key)
    if key not in modules:
        fail(f"the loader names {key} but doesn't define it")
    file, deps = modules[key]
    out = [file]
    for dep in deps:
        out += files_of(dep, seen)
    return out


# The routes (flat: `FlatRoutes` has no nested routes) and their parts.
routes = []
route_re = re.compile(r"<Route path=route\(path!\(\"([^\"]*)\"\)\) view=(?:\{Page::(\w+)\}|\w+)[^>]*?/>")
for path, page in route_re.findall(app):
    parts = []
    if page:
        if page not in lazy:
            fail(f"Page::{page} is a route's view without a lazy_pages! entry")
        parts = [lazy[page]]
    routes.append((path, parts))
if not routes:
    fail(f"no routes found in {app_rs}")

# Every part's files (a chunk by its number, a part by its name), and its pack.
suffix = f"-{build_hash}.wasm"


def short(file):
    if not file.endswith(suffix):
        fail(f"{file} is not named with the build's hash")
    stem = file[: -len(suffix)]
    chunk = re.fullmatch(r"chunk_(\d+)", stem)
    return int(chunk.group(1)) if chunk else stem


part_files = {}
pack_bytes = 0


def pack(part, files):
    global pack_bytes
    part_files[part] = [short(f) for f in files]
    blobs = [open(f"{staging}/{f}", "rb").read() for f in files]
    index = json.dumps([[f, len(b)] for f, b in zip(files, blobs)], separators=(",", ":")).encode()
    data = len(index).to_bytes(4, "little") + index + b"".join(blobs)
    with open(f"{staging}/pack_{part}{suffix}", "wb") as out:
        out.write(data)
    pack_bytes += len(data)


startup_files = set()
for part in STARTUP_PARTS:
    if f"split:{part}" not in modules:
        fail(f"the startup part {part} is not in {link_js}")
    files = files_of(f"split:{part}", set())
    startup_files.update(files)
    pack(part, files)
for key in modules:
    part = key[len("split:"):]
    if not key.startswith("split:") or part in STARTUP_PARTS:
        continue
    pack(part, [f for f in files_of(key, set()) if f not in startup_files])

# Each route's pattern, its number of fixed segments and its parts.
table = []
for path, parts in routes:
    segments = [s for s in path.split("/") if s]
    pattern = "^" + "".join(
        "(?:/[^/]+)?" if s.startswith(":") and s.endswith("?")
        else "/[^/]+" if s.startswith(":")
        else "/" + re.escape(s)
        for s in segments
    ) + "/?$"
    fixed = sum(1 for s in segments if not s.startswith(":"))
    for part in parts:
        if part not in part_files:
            fail(f"the lazy route part {part} ({path}) is not in {link_js}")
    table.append([pattern, fixed, parts])

# The loader asks for its files through __partFile (below) instead of fetching each.
fetch_re = re.compile(r'fetch\(new URL\("\./((?:chunk|split)_\w+' + re.escape(suffix) + r')", import\.meta\.url\)\)')
link, fetches = fetch_re.subn(lambda m: f'__partFile("{m.group(1)}")', link)
if fetches != len(modules):
    fail(f"expected a fetch per module in {link_js}, found {fetches} for {len(modules)}")
# ... and compiles each from its bytes (__partInstantiate, below), not from a stream.
link, instantiations = re.subn(r"WebAssembly\.instantiateStreaming\(src, imports\)", "__partInstantiate(src, imports)", link)
if instantiations != len(modules):
    fail(f"expected an instantiateStreaming per module in {link_js}, found {instantiations} for {len(modules)}")
runtime = (
    "// Added by scripts/part-packs.py: a part none of whose files were fetched yet comes\n"
    "// from its pack (one download); other files one by one.\n"
    "const __partSuffix = " + json.dumps(suffix) + ";\n"
    "const __partFiles = Object.fromEntries(Object.entries("
    + json.dumps(part_files, separators=(",", ":"))
    + ").map(([p, fs]) => [p, fs.map(f => (typeof f == \"number\" ? \"chunk_\" + f : f) + __partSuffix)]));\n"
    + r"""// Parts fetched before the service worker took this page over weren't kept by it: once it
// does, it is told which, so they open offline too (public/sw.js, "keepParts").
navigator.serviceWorker?.addEventListener("controllerchange", () => {
    const keepParts = performance.getEntriesByType("resource")
        .map(e => new URL(e.name).pathname)
        .filter(p => /^\/(pack|chunk|split)_/.test(p));
    navigator.serviceWorker.controller?.postMessage({ keepParts });
});
// A module is compiled from its bytes, whole: the browser decodes those on a background
// thread, where a stream (a Response, as the splitter's loader passes it) is consumed on
// the page's own; for the 60-odd modules of a page's pack that held the page up for about 45
// ms on a desktop CPU, four times that on a phone (README "Size and speed on a phone").
async function __partInstantiate(src, imports) {
    const response = await src;
    if (!response.ok) throw new Error(response.url + ": " + response.status);
    return WebAssembly.instantiate(await response.arrayBuffer(), imports);
}
let __partAsked = null;
function __partFile(file) {
    if (__partAsked === null) {
        __partAsked = new Map();
        queueMicrotask(__partFetch);
    }
    return new Promise((ok, no) => __partAsked.set(file, [ok, no]));
}
function __partFetch() {
    const asked = __partAsked;
    __partAsked = null;
    for (const [part, files] of Object.entries(__partFiles)) {
        if (!asked.has(files[0]) || !files.every(f => asked.has(f))) continue;
        const waiting = files.map(f => [f, asked.get(f)]);
        files.forEach(f => asked.delete(f));
        fetch(new URL("./pack_" + part + __partSuffix, import.meta.url))
            .then(r => { if (!r.ok) throw new Error("pack " + part + ": " + r.status); return r.arrayBuffer(); })
            .then(pack => {
                const view = new DataView(pack), size = view.getUint32(0, true);
                const index = JSON.parse(new TextDecoder().decode(new Uint8Array(pack, 4, size)));
                const found = new Map();
                let at = 4 + size;
                for (const [f, n] of index) { found.set(f, new Uint8Array(pack, at, n)); at += n; }
                for (const [f, [ok, no]] of waiting) {
                    const bytes = found.get(f);
                    if (bytes) ok(new Response(bytes, { headers: { "content-type": "application/wasm" } }));
                    else no(new Error(f + " is not in the pack of " + part));
                }
            })
            // No pack (offline, with only the files fetched one by one kept): file by file.
            .catch(() => waiting.forEach(([f, [ok, no]]) => fetch(new URL("./" + f, import.meta.url)).then(ok, no)));
    }
    for (const [f, [ok, no]] of asked) fetch(new URL("./" + f, import.meta.url)).then(ok, no);
}
"""
)
first_line_end = link.index("\n") + 1  # after the glue's import
link = link[:first_line_end] + runtime + link[first_line_end:]
open(link_js, "w").write(link)

script = (
    "(()=>{const t=" + json.dumps(table, separators=(",", ":")) + ";"
    "const p=location.pathname;let b=[],n=-1;"
    "for(const[r,k,q]of t)if(k>n&&new RegExp(r).test(p)){b=q;n=k}"
    "for(const q of b){const l=document.createElement(\"link\");"
    "l.rel=\"preload\";l.as=\"fetch\";l.crossOrigin=\"anonymous\";l.href=\"/pack_\"+q+\"" + suffix + "\";document.head.append(l)}})();"
)
# The cart opens offline even if it was never opened online: the service worker keeps
# every file the page names with the shell (public/sw.js, keepShell), so the page names
# the cart's pack.
offline = [part for path, parts in routes if path in OFFLINE_PATHS for part in parts]
if len(offline) != len(OFFLINE_PATHS):
    fail(f"expected one lazy part for each of {OFFLINE_PATHS} in {app_rs}, found {offline}")
keep = "".join(f'<meta name="storefront-offline" content="/pack_{part}{suffix}">' for part in offline)
# The startup parts: preloaded on every page (and, named in it, kept offline).
keep += "".join(
    f'<link rel="preload" as="fetch" crossorigin="anonymous" href="/pack_{part}{suffix}">' for part in STARTUP_PARTS
)
html = open(index_html).read()
if "</head>" not in html:
    fail(f"no </head> in {index_html}")
html = html.replace("</head>", keep + "<script>" + script + "</script></head>", 1)
open(index_html, "w").write(html)
lazy_routes = sum(1 for _, parts in routes if parts)
print(
    f"part-packs: {len(part_files)} parts packed ({pack_bytes} B), "
    f"{lazy_routes} of {len(routes)} routes preload theirs ({len(script)} B of script)"
)
