#!/usr/bin/env bash
# `make serve` on PostgreSQL: a local cluster in $STOREFRONT_DATA_DIR/postgres (default
# data/postgres; created on first use, kept between runs, installed from Debian's
# packages if missing), started for the shop and stopped when it stops.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p "${STOREFRONT_DATA_DIR:-data}"
PG_DIR="${STOREFRONT_DATA_DIR:-data}/postgres"
STOREFRONT_PG_FSYNC="${STOREFRONT_PG_FSYNC:-on}" bash scripts/postgres.sh start "$PG_DIR" >"$PG_DIR.url"
trap 'bash scripts/postgres.sh stop "$PG_DIR"' EXIT
export STOREFRONT_DATABASE_URL="$(cat "$PG_DIR.url")"
echo "database: $STOREFRONT_DATABASE_URL" >&2
bash scripts/serve.sh
