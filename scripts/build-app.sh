#!/usr/bin/env bash
# Builds the browser app into dist/ (trunk, release) and writes a brotli and a gzip copy
# of every text and wasm file beside it, which the server sends to browsers that accept them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
trunk build --release
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"
  gzip -f -9 -k "$f"
done
