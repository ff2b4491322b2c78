#!/usr/bin/env bash
# Prints what a first visit downloads: the wasm, the JS glue and the CSS of dist/,
# raw, gzip (-9) and brotli (-q 11). The budget we aim for is 150 kB brotli in all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f dist/index.html ] || { echo "dist/ is empty: run scripts/build-app.sh first" >&2; exit 1; }
budget=150000
printf '%-44s %10s %10s %10s\n' "first-load file" "raw B" "gzip B" "brotli B"
total_raw=0 total_gz=0 total_br=0
for f in dist/index.html dist/*.wasm dist/*.js dist/*.css; do
  [ -f "$f" ] || continue
  raw=$(wc -c <"$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  br=$(brotli -q 11 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
  printf '%-44s %10d %10d %10d\n' "${f#dist/}" "$raw" "$gz" "$br"
done
printf '%-44s %10d %10d %10d\n' "total" "$total_raw" "$total_gz" "$total_br"
if [ "$total_br" -le "$budget" ]; then
  echo "first load: $total_br B brotli, within the $budget B budget"
else
  echo "first load: $total_br B brotli, $((total_br - budget)) B over the $budget B budget"
fi
