#!/usr/bin/env bash
# The backend for `trunk serve`: the server on 127.0.0.1:3000 (override with
# STOREFRONT_PORT), which Trunk.toml proxies /api and /images to.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export STOREFRONT_PORT="${STOREFRONT_PORT:-3000}"
exec cargo run --features ssr
