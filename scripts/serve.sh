#!/usr/bin/env bash
# Builds everything and serves the shop (default http://127.0.0.1:8080) on the SQLite
# file in STOREFRONT_DATA_DIR (default data/), seeding the demo catalog on first start.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh rust tools
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/build-app.sh
cargo build --profile server --features ssr
# `scripts/serve.sh cluster` (make serve-cluster): PostgreSQL, 3 processes, nginx.
if [ "${1:-}" = cluster ]; then exec bash scripts/cluster.sh; fi
# The demo: the test courier moves shipped parcels one step a minute (set it to 0 to stop it).
export STOREFRONT_TEST_COURIER_STEP_SECONDS="${STOREFRONT_TEST_COURIER_STEP_SECONDS:-60}"
exec target/server/storefront
