#!/usr/bin/env bash
# Installs everything Storefront needs to build, serve and test, and does nothing
# that is already done. Safe to run again; `make serve` and `make test` run it first.
#
# What it makes sure of:
#   - a Rust toolchain with the wasm32-unknown-unknown standard library
#     (rustup's own target when it can be added, else Debian's rustc-web with a
#     wasm32 std built once from rust-web-src — see docs/toolchain.md);
#   - trunk, wasm-bindgen-cli (same version as Cargo.toml pins), wasm-opt (binaryen 132),
#     wasm-split-cli (cuts the shop's release wasm into lazy parts: scripts/split-wasm.sh),
#     esbuild (minifies the release's JS glue and part loader there, and its stylesheets in
#     scripts/build-app.sh);
#   - Chromium and chromedriver (headless browser tests);
#   - brotli (precompressed assets, size report);
#   - the end-to-end test dependencies (npm, tests/e2e).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# The CLI must equal the wasm-bindgen crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -1)"
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "Cargo.toml must pin wasm-bindgen = \"=X.Y.Z\"" >&2; exit 1; }
TRUNK_VERSION="0.21.14"
# The splitter for Leptos' #[lazy] (wasm_split_helpers 0.2 in Cargo.lock); about a minute.
WASM_SPLIT_VERSION="0.2.4"
BINARYEN_VERSION="132.0.0"
# Minifies the release's JS glue, part loader (scripts/split-wasm.sh) and stylesheets
# (scripts/build-app.sh).
ESBUILD_VERSION="0.28.2"
TOOLCHAIN_NAME="storefront-debian-web"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

have_wasm_std() {
  local sysroot
  sysroot="$(rustc --print sysroot 2>/dev/null)" || return 1
  ls "$sysroot"/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib >/dev/null 2>&1
}

debian_web_toolchain_available() {
  command -v apt-cache >/dev/null || return 1
  [ -n "$(apt-cache policy rustc-web 2>/dev/null | sed -n 's/ *Candidate: //p' | grep -v none)" ] && return 0
  [ "$apt_updated" = 1 ] && return 1
  $SUDO apt-get update -qq && apt_updated=1
  [ -n "$(apt-cache policy rustc-web 2>/dev/null | sed -n 's/ *Candidate: //p' | grep -v none)" ]
}

# Build std/core/alloc/test for wasm32 with Debian's rustc and install them into
# Debian's sysroot, exactly where `rustup target add` would have put them.
build_debian_wasm_std() {
  local dest=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  local stamp="$dest/.storefront-stamp"
  local want
  want="$(/usr/bin/rustc -vV | sed -n 's/^commit-hash: //p')"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "building the wasm32 standard library with Debian's rustc (about a minute)"
  local work
  work="$(mktemp -d)"
  mkdir -p "$work/src"
  cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "wasm-std-dummy"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
opt-level = 3
TOML
  echo '#![no_std]' >"$work/src/lib.rs"
  (
    cd "$work"
    env -u RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
      RUSTC_BOOTSTRAP=1 CARGO_ENCODED_RUSTFLAGS="-Cembed-bitcode=yes" CARGO_TARGET_DIR="$work/target" \
      /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort,test
  )
  $SUDO mkdir -p "$dest"
  find "$work/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' ! -name 'libwasm_std_dummy-*' \
    -exec $SUDO cp {} "$dest/" \;
  echo "$want" | $SUDO tee "$stamp" >/dev/null
  rm -rf "$work"
}

# The release apps build their own std from these sources (scripts/build-app.sh).
ensure_std_sources() {
  local sysroot
  sysroot="$(rustc --print sysroot)"
  [ -f "$sysroot/lib/rustlib/src/rust/library/Cargo.lock" ] && return 0
  if [ "$sysroot" = /usr ]; then apt_install rust-web-src; else rustup component add rust-src; fi
}

setup_rust() {
  if have_wasm_std; then
    ensure_std_sources
    log "Rust toolchain with wasm32 std: ok ($(rustc -V))"
    return
  fi
  if debian_web_toolchain_available; then
    log "using Debian's rustc-web toolchain (rustup cannot provide a wasm32 std here)"
    apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22 rustfmt-web rust-web-clippy
    build_debian_wasm_std
    if command -v rustup >/dev/null; then
      rustup toolchain link "$TOOLCHAIN_NAME" /usr >/dev/null
      rustup override set "$TOOLCHAIN_NAME" --path "$ROOT" >/dev/null
    fi
  else
    log "adding the wasm32 target with rustup"
    rustup target add wasm32-unknown-unknown
  fi
  have_wasm_std || { log "could not get a wasm32 standard library"; exit 1; }
  ensure_std_sources
  log "Rust toolchain with wasm32 std: ok ($(rustc -V))"
}

setup_tools() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (several minutes)"
    # No --locked: the CLI's lock file names a crate version the registry mirror lacks.
    cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if ! command -v trunk >/dev/null || [ "$(trunk --version | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
    log "cargo install trunk $TRUNK_VERSION (ten minutes or more on 2 cores)"
    cargo install --quiet trunk --version "$TRUNK_VERSION" --locked --force
  fi
  if ! command -v wasm-split-cli >/dev/null || [ "$(cat "$HOME/.cargo/wasm-split-cli.version" 2>/dev/null)" != "$WASM_SPLIT_VERSION" ]; then
    log "cargo install wasm_split_cli_support $WASM_SPLIT_VERSION (wasm-split-cli, about a minute)"
    cargo install --quiet wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
    echo "$WASM_SPLIT_VERSION" >"$HOME/.cargo/wasm-split-cli.version"
  fi
  # scripts/split-wasm.sh renews the page's integrity hashes with these.
  command -v openssl >/dev/null || apt_install openssl
  command -v python3 >/dev/null || apt_install python3
  command -v brotli >/dev/null || apt_install brotli
  if ! command -v wasm-opt >/dev/null || ! wasm-opt --version | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "npm install -g binaryen@$BINARYEN_VERSION (wasm-opt)"
    $SUDO npm install -g --silent "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  if ! command -v esbuild >/dev/null || [ "$(esbuild --version)" != "$ESBUILD_VERSION" ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "npm install -g esbuild@$ESBUILD_VERSION (minifies the shop's JS and CSS)"
    $SUDO npm install -g --silent "esbuild@$ESBUILD_VERSION" >/dev/null
  fi
}

setup_browser() {
  if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
    apt_install chromium chromium-driver
  fi
  command -v chromedriver >/dev/null || apt_install chromium-driver
}

setup_e2e() {
  [ -f tests/e2e/package.json ] || return 0
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
    log "npm ci (end-to-end test dependencies)"
    (cd tests/e2e && npm ci --silent --no-audit --no-fund >/dev/null)
  fi
}

[ $# -gt 0 ] || set -- all
for what in "$@"; do
  case "$what" in
    rust) setup_rust ;;
    tools) setup_tools ;;
    browser) setup_browser ;;
    e2e) setup_e2e ;;
    all) setup_rust; setup_tools; setup_browser; setup_e2e ;;
    *) echo "usage: $0 [all|rust|tools|browser|e2e]..." >&2; exit 2 ;;
  esac
done
