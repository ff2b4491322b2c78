#!/usr/bin/env bash
# Runs every check and test; exits non-zero on the first failure.
#   lint:   rustfmt, clippy -D warnings for the server (host) and the app (wasm32)
#   native: unit, property, integration and concurrency tests of every crate
#           (cargo test --workspace --features storefront/ssr), on SQLite and then
#           again on PostgreSQL (a throw-away cluster, scripts/postgres.sh)
#   browser: wasm-bindgen-test component tests in headless Chromium
#   e2e:    the real server + the built app driven in Chromium, with axe-core
#   size:   the first-load transfer report
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The crates that go into the browser app (the server crate never does).
WASM_CRATES=(-p storefront -p storefront-domain -p storefront-model)
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "rustfmt"
cargo fmt --all --check
step "clippy: server (host)"
cargo clippy --workspace --features storefront/ssr --all-targets -- -D warnings
step "clippy: browser app (wasm32)"
cargo clippy --target wasm32-unknown-unknown "${WASM_CRATES[@]}" --features storefront/csr --all-targets -- -D warnings
step "clippy: the shop's split release build (wasm32, feature split)"
cargo clippy --target wasm32-unknown-unknown -p storefront --features storefront/split --bin storefront -- -D warnings
step "native tests (every crate), SQLite"
cargo test --workspace --features storefront/ssr
step "native tests (every crate), PostgreSQL"
PG_DIR="$(mktemp -d /tmp/storefront-pg.XXXXXX)"
trap 'bash scripts/postgres.sh stop "$PG_DIR" || true; rm -rf "$PG_DIR"' EXIT
STOREFRONT_TEST_POSTGRES="$(bash scripts/postgres.sh start "$PG_DIR")" \
  cargo test --workspace --features storefront/ssr
bash scripts/postgres.sh stop "$PG_DIR"
step "browser component tests (headless Chromium)"
cargo test --target wasm32-unknown-unknown --features csr --test web
step "build the app"
bash scripts/build-app.sh
bash scripts/size.sh
step "end-to-end tests (server + Chromium + axe-core)"
# The server is target/debug/storefront, built by the native tests above with the same
# features (a separate `cargo build --features ssr` resolved features differently and
# built the server and its search engine a second time).
test -x target/debug/storefront
(cd tests/e2e && npm test)
