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
trap 'rm -f index.split.html style/shop.release.css' EXIT
# Both release apps are built with a standard library of their own, compiled from the
# toolchain's sources with the release profile (opt-level "z", LTO) and the panic strategy
# "immediate-abort": a panic stops the app where it happens instead of formatting a message
# nobody reads (a shopper can't; the browser's console says "unreachable"). That takes
# core's panic formatting out of the bundle: 16 kB brotli of the shop's first load (README
# "Size and speed on a phone"). Both are unstable options of this rustc (1.96), hence
# RUSTC_BOOTSTRAP for these two builds only; `trunk serve`, the tests and the server keep
# the installed std and a panic's message.
sysroot=$(rustc --print sysroot)
if [ ! -f "$sysroot/lib/rustlib/src/rust/library/Cargo.lock" ]; then
  echo "build-app: the standard library's sources are missing under $sysroot (scripts/setup.sh installs them)" >&2
  exit 1
fi
export RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort
# (This replaces .cargo/config.toml's rustflags for wasm32, so it repeats them.)
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components -Zunstable-options -Cpanic=immediate-abort"
# The shop's stylesheets as one minified file, in the page's order (the same cascade): one
# request that holds up the first paint instead of five, and it compresses better. The
# dev loop keeps them apart.
styles=$(sed -n 's|^ *<link data-trunk rel="css" href="\(style/[a-z-]*\.css\)" />$|\1|p' index.html)
[ -n "$styles" ] || { echo "build-app: no stylesheets found in index.html" >&2; exit 1; }
# shellcheck disable=SC2086 # one path per line, no spaces
cat $styles | esbuild --loader=css --minify --log-level=error >style/shop.release.css
awk '
  /<link data-trunk rel="css" href="style\// { if (!done) { sub(/style\/[a-z-]*\.css/, "style/shop.release.css"); print; done = 1 } next }
  { sub(/data-cargo-features="csr"/, "data-cargo-features=\"split\""); print }
' index.html >index.split.html
grep -q 'data-cargo-features="split"' index.split.html
[ "$(grep -c 'rel="css"' index.split.html)" = 1 ]
STOREFRONT_SPLIT_WASM=1 trunk build index.split.html --release=true
trunk build staff.html --release=true --dist dist-staff --public-url /staff/
find dist dist-staff -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.webmanifest' \) | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"
  gzip -f -9 -k "$f"
done
