#!/usr/bin/env bash
# Builds the browser apps (trunk, release): the shop into dist/ and the staff app (agent
# console, warehouse back-office; staff.html) into dist-staff/, served under /staff/, and
# writes a brotli and a gzip copy of every text and wasm file beside them, which the
# server sends to browsers that accept them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# The shop first: trunk empties its dist directory, so the two never share one.
trunk build --release=true
trunk build staff.html --release=true --dist dist-staff --public-url /staff/
find dist dist-staff -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"
  gzip -f -9 -k "$f"
done
