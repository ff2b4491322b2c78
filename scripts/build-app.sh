#!/usr/bin/env bash
# Builds the browser apps (trunk, release): the shop into dist/ and the staff app (agent
# console, warehouse back-office; staff.html) into dist-staff/, served under /staff/, and
# writes a brotli and a gzip copy of every text and wasm file beside them, which the
# server sends to browsers that accept them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# The shop first: trunk empties its dist directory, so the two never share one. Its
# lazy routes become wasm parts of their own (feature `split`, scripts/split-wasm.sh as
# trunk's post_build hook); index.html itself stays the dev loop's page (no split).
trap 'rm -f index.split.html' EXIT
sed 's/data-cargo-features="csr"/data-cargo-features="split"/' index.html >index.split.html
grep -q 'data-cargo-features="split"' index.split.html
STOREFRONT_SPLIT_WASM=1 trunk build index.split.html --release=true
trunk build staff.html --release=true --dist dist-staff --public-url /staff/
find dist dist-staff -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.webmanifest' \) | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"
  gzip -f -9 -k "$f"
done
