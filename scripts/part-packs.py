#!/usr/bin/env python3
"""Writes into the split shop's index.html a small inline script that starts fetching the
lazy parts of the page being opened while the first load downloads, instead of after it
has started (scripts/split-wasm.sh runs this for the release build).

Usage: route-preloads.py APP_RS LINK_JS INDEX_HTML HASH

What each path needs comes from where it is decided, nothing is typed twice:
- the routes and which of them are lazy: the `<Route>`/`<ParentRoute>` elements and the
  `lazy_page!`/`lazy_route!` tables in src/app.rs (a nested route needs every level's part);
- the files a part needs (its own and the chunks of code it shares with other parts): the
  loader wasm-split-cli wrote (LINK_JS).
The script picks the route with the most fixed segments among those matching the path
(as the router does: /orders/find before /orders/:number) and adds a
`<link rel="preload" as="fetch" crossorigin>` per file, which the loader's own fetch of
the same file then uses. It fails the build when a lazy route's part is missing, so a
renamed route can't silently lose its preload.
"""
import json
import re
import sys

app_rs, link_js, index_html, build_hash = sys.argv[1:]


def fail(message):
    sys.exit(f"route-preloads: {message}")


app = open(app_rs).read()
# `lazy_page!`'s `SearchRoute => search_page, preload_search_page => SearchPage;` and
# `lazy_route!`'s `ContactRoute => checkout_part(CheckoutView::Contact), preload_checkout_part;`
lazy = dict(re.findall(r"^\s*(\w+Route) => (\w+)(?:\([^)]*\))?, \w+(?: => \w+)?;", app, re.M))
if not lazy:
    fail(f"no lazy_page!/lazy_route! table in {app_rs}")

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


# The routes, with the parts of every level.
routes = []
stack = []  # (path, parts) of the open <ParentRoute>s
element_re = re.compile(
    r"<(ParentRoute|Route) path=path!\(\"([^\"]*)\"\) view=(?:\{Lazy::<(\w+)>::new\(\)\}|\w+)[^>]*?(/?)>|</ParentRoute>"
)
for m in element_re.finditer(app):
    if m.group(0) == "</ParentRoute>":
        stack.pop()
        continue
    kind, path, lazy_route, self_closing = m.groups()
    parts = []
    if lazy_route:
        if lazy_route not in lazy:
            fail(f"{lazy_route} is a lazy route without a lazy_page!/lazy_route! entry")
        parts = [lazy[lazy_route]]
    if stack:
        parent_path, parent_parts = stack[-1]
        path = parent_path.rstrip("/") + ("/" + path if path else "")
        parts = parent_parts + [p for p in parts if p not in parent_parts]
    if kind == "ParentRoute" and not self_closing:
        stack.append((path, parts))
    else:
        routes.append((path, parts))
if not routes:
    fail(f"no routes found in {app_rs}")

# Each part's files once (a chunk by its number), then each route's pattern, its number
# of fixed segments and its parts: a nested route's levels share files.
suffix = f"-{build_hash}.wasm"


def short(file):
    if not file.endswith(suffix):
        fail(f"{file} is not named with the build's hash")
    stem = file[: -len(suffix)]
    chunk = re.fullmatch(r"chunk_(\d+)", stem)
    return int(chunk.group(1)) if chunk else stem


part_files = {}
table = []
for path, parts in routes:
    segments = [s for s in path.split("/") if s]
    pattern = "^" + "".join("/[^/]+" if s.startswith(":") else "/" + re.escape(s) for s in segments) + "/?$"
    fixed = sum(1 for s in segments if not s.startswith(":"))
    for part in parts:
        key = f"split:{part}"
        if key not in modules:
            fail(f"the lazy route part {part} ({path}) is not in {link_js}")
        part_files[part] = [short(f) for f in files_of(key, set())]
    table.append([pattern, fixed, parts])

script = (
    "(()=>{const s=" + json.dumps(part_files, separators=(",", ":")) + ","
    "t=" + json.dumps(table, separators=(",", ":")) + ";"
    "const p=location.pathname,u=new Set;let b=[],n=-1;"
    "for(const[r,k,q]of t)if(k>n&&new RegExp(r).test(p)){b=q;n=k}"
    "for(const q of b)for(const f of s[q]){const h=\"/\"+(typeof f==\"number\"?\"chunk_\"+f:f)+\"-" + build_hash + ".wasm\";"
    "if(u.has(h))continue;u.add(h);const l=document.createElement(\"link\");"
    "l.rel=\"preload\";l.as=\"fetch\";l.crossOrigin=\"anonymous\";l.href=h;document.head.append(l)}})();"
)
html = open(index_html).read()
if "</head>" not in html:
    fail(f"no </head> in {index_html}")
html = html.replace("</head>", "<script>" + script + "</script></head>", 1)
open(index_html, "w").write(html)
lazy_routes = sum(1 for _, parts in routes if parts)
print(f"route-preloads: {lazy_routes} of {len(routes)} routes preload their parts ({len(script)} B of script)")
