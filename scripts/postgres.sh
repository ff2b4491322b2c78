#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on 127.0.0.1, for the tests and `make serve-postgres`.
#
#   scripts/postgres.sh start DIR   creates (if new) and starts a cluster in DIR on a free
#                                   port; prints its URL (postgres://storefront@127.0.0.1:PORT/storefront)
#   scripts/postgres.sh stop DIR    stops it (the files stay until DIR is deleted)
#
# Installs PostgreSQL from Debian's packages if it is missing. The server runs as the
# `postgres` user when started by root (PostgreSQL refuses to run as root), trusts
# connections from this machine only, and listens on loopback only. The cluster is for
# tests and local trials: it is started with fsync off unless STOREFRONT_PG_FSYNC=on.
set -euo pipefail

command_name="${1:-}"
dir="${2:-}"
[ -n "$command_name" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

log() { printf '\033[1;34m[postgres]\033[0m %s\n' "$*" >&2; }

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

source "$(dirname "${BASH_SOURCE[0]}")/debian-package.sh"
if [ -z "$(bin_dir)" ]; then
  debian_install postgresql
fi
BIN="$(bin_dir)"

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$command_name" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ "$(id -u)" = 0 ]; then
      chown postgres: "$dir"
      runuser -u postgres -- test -w "$dir" || {
        echo "the postgres user cannot reach $dir (a parent directory is closed to it); choose a directory under /tmp or /var/tmp" >&2
        exit 1
      }
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$dir/data" -U storefront --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port="$(free_port)"
    fsync="${STOREFRONT_PG_FSYNC:-off}"
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=$fsync" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$port" -U storefront -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'storefront'" | grep -q 1; then
      as_owner "$BIN/createdb" -h 127.0.0.1 -p "$port" -U storefront storefront
    fi
    echo "postgres://storefront@127.0.0.1:$port/storefront"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
