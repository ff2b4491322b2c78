#!/usr/bin/env bash
# Prints what a first visit to the shop downloads: the html, wasm, JS glue (and the split
# loader it imports) and CSS of dist/, raw, gzip (-9) and brotli (-q 11); then the lazy
# routes' parts (fetched when a page first needs one), the service worker (fetched after
# the page is up) and the staff app's bundle (dist-staff/), which no shopper downloads.
# Fails when the shop's first load (brotli) is over the 150 kB budget, or over the ceiling
# below it: the first load must not grow back towards the budget unnoticed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f dist/index.html ] || { echo "dist/ is empty: run scripts/build-app.sh first" >&2; exit 1; }
budget=150000
# At most the budget; lowered with each cut that lands (never raised to make room):
# README "Size".
ceiling=${STOREFRONT_FIRST_LOAD_CEILING:-144300}
# The lazy parts' files (scripts/split-wasm.sh) and the service worker: not first load.
later() { case "${1##*/}" in chunk_* | split_* | sw.js) return 0 ;; *) return 1 ;; esac; }
# Each part's pack (scripts/part-packs.py): the same files again, as one download.
pack() { case "${1##*/}" in pack_*) return 0 ;; *) return 1 ;; esac; }
report() { # dir, heading, which (first|later|packs): prints each file and the total; sets total_br and total_gz
  local dir=$1 f raw gz br total_raw=0
  total_gz=0 total_br=0
  printf '%-44s %10s %10s %10s\n' "$2" "raw B" "gzip B" "brotli B"
  for f in "$dir"/index.html "$dir"/*.wasm "$dir"/*.js "$dir"/*.css; do
    [ -f "$f" ] || continue
    if pack "$f"; then
      [ "$3" = packs ] || continue
    elif later "$f"; then [ "$3" = later ] || continue; else [ "$3" = first ] || continue; fi
    raw=$(wc -c <"$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    br=$(brotli -q 11 -c "$f" | wc -c)
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
    printf '%-44s %10d %10d %10d\n' "${f#"$dir"/}" "$raw" "$gz" "$br"
  done
  printf '%-44s %10d %10d %10d\n' "total" "$total_raw" "$total_gz" "$total_br"
}
if [ -f dist-staff/index.html ]; then
  report dist-staff "staff app (never in the shop's first load)" first
  echo
fi
report dist "lazy parts and the service worker" later >"${TMPDIR:-/tmp}/storefront-later.$$"
later_br=$total_br later_gz=$total_gz
parts=$(grep -c -E '^(chunk|split)_' "${TMPDIR:-/tmp}/storefront-later.$$" || true)
# awk reads to the end (head would close the pipe early, and pipefail turned that into a failure).
sort -k4 -n -r "${TMPDIR:-/tmp}/storefront-later.$$" |
  awk '/^(chunk|split)_/ && n++ < 5 { print "  largest part: " $0 }'
rm -f "${TMPDIR:-/tmp}/storefront-later.$$"
echo "loaded when needed: $parts lazy parts and the service worker, $later_br B brotli ($later_gz B gzip) in all"
echo
if compgen -G "dist/pack_*.wasm" >/dev/null; then
  echo "each part as it is first fetched (its pack: its own file and the chunks it needs)"
  report dist "part" packs | sed -E 's/^pack_([a-z_]+)-[0-9a-f]+\.wasm/\1/'
  echo
fi
report dist "shop first-load file" first
shop_br=$total_br
echo "first load: $shop_br B brotli ($total_gz B gzip); budget $budget B, ceiling $ceiling B"
# The staff screens are the staff app's: their words must not be in the shop's bundle.
for words in "Agent console" "Mark packed: " "Receive return"; do
  if grep -q -a -F "$words" dist/*.wasm; then
    echo "the shop's bundle contains \"$words\": the staff app leaked into the first load" >&2
    exit 1
  fi
done
if [ "$shop_br" -gt "$budget" ]; then
  echo "first load over the $budget B budget by $((shop_br - budget)) B: find what grew (README \"Size\")" >&2
  exit 1
fi
if [ "$shop_br" -gt "$ceiling" ]; then
  echo "first load over its ceiling by $((shop_br - ceiling)) B: find what grew (twiggy, README \"Size\")" >&2
  exit 1
fi
