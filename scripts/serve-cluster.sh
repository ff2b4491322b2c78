#!/usr/bin/env bash
# Builds everything and serves the shop as a cluster: PostgreSQL, 3 shop processes and
# nginx in front on http://127.0.0.1:8080 (scripts/cluster.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh rust tools
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/build-app.sh
cargo build --profile server --features ssr
exec bash scripts/cluster.sh
