#!/usr/bin/env bash
# Cuts the shop's release wasm into the first load and the lazy routes' parts: trunk's
# post_build hook (Trunk.toml), active only when scripts/build-app.sh builds the shop with
# feature `split` (STOREFRONT_SPLIT_WASM=1); every other trunk run passes through untouched.
#
# trunk 0.21 doesn't run a wasm splitter, so this does what it would: the cargo output
# (linked with --emit-relocs, build.rs) goes through wasm-split-cli, which moves
# each `#[lazy]` function (src/app.rs, lazy_page!) and what only it uses into a part of its
# own and writes the JS that fetches a part when first called; then wasm-bindgen
# (--keep-lld-exports, which the parts link against) and wasm-opt -Oz for each module, the
# first load's import and export names shortened, and esbuild minifies the JS glue and
# the loader. The
# results replace what trunk staged under the same hashed names (its hash is of this
# build), each part is named with that hash too (so the server caches them as immutable
# and a release never mixes with the last), and the page's integrity hashes are renewed.
set -euo pipefail
[ "${STOREFRONT_SPLIT_WASM:-}" = 1 ] || exit 0
if [ "${TRUNK_PROFILE:-}" != release ]; then
  echo "split-wasm: only release builds are split (TRUNK_PROFILE=${TRUNK_PROFILE:-unset})" >&2
  exit 1
fi
cd "$TRUNK_SOURCE_DIR"
staging=$TRUNK_STAGING_DIR
glue=$(find "$staging" -maxdepth 1 -name 'storefront-*.js' -printf '%f\n')
[ "$(printf '%s\n' "$glue" | wc -l)" = 1 ] || { echo "split-wasm: expected one storefront-<hash>.js in $staging" >&2; exit 1; }
name=${glue%.js}     # storefront-<hash>
hash=${name##*-}
input=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/storefront.wasm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wasm-split-cli "$input" "$work/split" --target web --out-name "$name"
parts=$(cd "$work/split" && ls chunk_*.wasm split_*.wasm 2>/dev/null || true)
[ -n "$parts" ] || { echo "split-wasm: no lazy parts found (was the build made with feature split?)" >&2; exit 1; }
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-name "$name" \
  --out-dir "$work/bindgen" "$work/split/$name.wasm"

# The features rustc enables for wasm32 (the parts carry no target_features section).
opt() {
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue "$1" -o "$2"
}
opt "$work/bindgen/${name}_bg.wasm" "$staging/${name}_bg.wasm"
link="__wasm_split-$hash.js"
# Only the JS import moves to the hashed name; the wasm's own import module (the key
# the glue passes it under) stays "./__wasm_split.js".
sed -E "s#^(import \* as import[0-9]+ from )\"\./__wasm_split\.js\"#\1\"./$link\"#" \
  "$work/bindgen/$name.js" >"$staging/$name.js"
grep -q "from \"./$link\"" "$staging/$name.js" || { echo "split-wasm: the glue doesn't import $link" >&2; exit 1; }
# The names the first-load wasm and its glue call each other by, shortened in both
# (scripts/short-names.py: about 5 kB of the first load's brotli was hex digits and Rust
# type names written twice).
python3 scripts/short-names.py "$staging/${name}_bg.wasm" "$staging/$name.js"
for part in $parts; do
  opt "$work/split/$part" "$staging/${part%.wasm}-$hash.wasm"
done
sed -E "s#\"\./((chunk|split)_[A-Za-z0-9_]+)\.wasm\"#\"./\1-$hash.wasm\"#g" \
  "$work/split/__wasm_split.js" >"$staging/$link"
if grep -q -E '"\./(chunk|split)_[A-Za-z0-9_]+\.wasm"' "$staging/$link"; then
  echo "split-wasm: a part's name was left without the build's hash in $link" >&2
  exit 1
fi

# Each part becomes one download (its pack), the loader fetches packs, and the page starts
# fetching the packs of the route being opened beside the first load, not after it (an
# inline script: the routes are in src/app.rs, the files in $link). Before the integrity
# hashes below: it changes $link.
page=$staging/index.html
python3 scripts/part-packs.py src/app.rs "$staging" "$link" "$page" "$hash"

# The JS of the first load, minified (after part-packs.py, which edits the loader as the
# splitter wrote it; before the integrity hashes): names shortened, blanks gone. The JS
# glue and the loader are ES modules; their exports (and the wasm's import names, which
# are object keys) keep their names.
for js in "$staging/$name.js" "$staging/$link"; do
  esbuild --minify --format=esm --log-level=error "$js" --outfile="$work/min.js"
  mv "$work/min.js" "$js"
done

# The page: new integrity for the replaced glue and wasm, and the link module preloaded
# beside the glue (it imports it at once, so the first load has it either way).
sri() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | base64 -w0)"; }
python3 - "$page" "$name" "$(sri "$staging/$name.js")" "$(sri "$staging/${name}_bg.wasm")" \
  "$link" "$(sri "$staging/$link")" <<'EOF'
import re, sys
page, name, glue_sri, wasm_sri, link, link_sri = sys.argv[1:]
html = open(page).read()
def renew(html, href, sri):
    pattern = re.compile(r'(href="/' + re.escape(href) + r'"[^>]*integrity=")[^"]*(")')
    html, n = pattern.subn(lambda m: m.group(1) + sri + m.group(2), html)
    if n != 1:
        sys.exit(f"split-wasm: no integrity for /{href} in {page}")
    return html
html = renew(html, f"{name}.js", glue_sri)
html = renew(html, f"{name}_bg.wasm", wasm_sri)
preload = f'<link rel="modulepreload" href="/{link}" crossorigin="anonymous" integrity="{link_sri}">'
html = html.replace("</head>", preload + "</head>", 1)
open(page, "w").write(html)
EOF
count=$(printf '%s\n' "$parts" | wc -l)
echo "split-wasm: first load ${name}_bg.wasm $(wc -c <"$staging/${name}_bg.wasm") B, $count lazy parts"
