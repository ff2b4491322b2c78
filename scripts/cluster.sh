#!/usr/bin/env bash
# Several shop processes behind a load balancer, the way a shop that outgrew one process
# runs: PostgreSQL (a local cluster in $STOREFRONT_DATA_DIR/postgres, default
# data/postgres), $STOREFRONT_PROCESSES shop processes (default 3) on ports 8081, 8082, …
# and nginx in front of them on 127.0.0.1:8080 (STOREFRONT_CLUSTER_PORT). PostgreSQL and
# nginx come from Debian's packages if missing. Ctrl-C stops them all.
#
# `make serve-cluster` builds first (scripts/serve.sh cluster) and runs this;
# STOREFRONT_BIN names the server binary (default target/server/storefront).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN="${STOREFRONT_BIN:-target/server/storefront}"
PROCESSES="${STOREFRONT_PROCESSES:-3}"
PORT="${STOREFRONT_CLUSTER_PORT:-8080}"
DATA="${STOREFRONT_DATA_DIR:-data}"
log() { printf '\033[1;34m[cluster]\033[0m %s\n' "$*" >&2; }

[ -x "$BIN" ] || { echo "no server binary at $BIN (make serve-cluster builds it)" >&2; exit 1; }
source scripts/debian-package.sh
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  debian_install nginx
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

mkdir -p "$DATA"
RUN="$(mktemp -d /tmp/storefront-cluster.XXXXXX)"
PG_DIR="$DATA/postgres"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash scripts/postgres.sh stop "$PG_DIR" || true
  rm -rf "$RUN"
}
trap stop EXIT INT TERM

STOREFRONT_PG_FSYNC="${STOREFRONT_PG_FSYNC:-on}" bash scripts/postgres.sh start "$PG_DIR" >"$RUN/url"
export STOREFRONT_DATABASE_URL="$(cat "$RUN/url")"
# What every process must share: where links point, the proxy they trust, the key the
# couriers sign with. The demo courier's clock runs in the first process only.
export STOREFRONT_PUBLIC_URL="${STOREFRONT_PUBLIC_URL:-http://127.0.0.1:$PORT}"
export STOREFRONT_TRUSTED_PROXIES="${STOREFRONT_TRUSTED_PROXIES:-127.0.0.1}"
export STOREFRONT_COURIER_SECRET="${STOREFRONT_COURIER_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export STOREFRONT_DATA_DIR="$DATA"

upstreams=""
for n in $(seq 1 "$PROCESSES"); do
  port=$((PORT + n))
  step=0
  if [ "$n" = 1 ]; then step="${STOREFRONT_TEST_COURIER_STEP_SECONDS:-60}"; fi
  STOREFRONT_PORT="$port" STOREFRONT_TEST_COURIER_STEP_SECONDS="$step" \
    "$BIN" >>"$RUN/shop-$n.log" 2>&1 &
  pids+=("$!")
  upstreams+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
done

mkdir -p "$RUN/nginx/temp"
chmod -R 777 "$RUN/nginx"
cat >"$RUN/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $RUN/nginx/temp/body;
    proxy_temp_path $RUN/nginx/temp/proxy;
    fastcgi_temp_path $RUN/nginx/temp/fastcgi;
    uwsgi_temp_path $RUN/nginx/temp/uwsgi;
    scgi_temp_path $RUN/nginx/temp/scgi;
    client_body_buffer_size 1m;
    # Writes per shopper's address, across every process (the shop's own budget counts
    # per process behind this).
    map \$request_method \$write_key { POST \$binary_remote_addr; default ""; }
    limit_req_zone \$write_key zone=writes:10m rate=30r/s;
    upstream shop {
$upstreams        keepalive 64;
    }
    server {
        listen 127.0.0.1:$PORT;
        location / {
            limit_req zone=writes burst=60 nodelay;
            limit_req_status 429;
            proxy_pass http://shop;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            # Live events (stock, help, console, order status) stream through.
            proxy_buffering off;
            proxy_read_timeout 1h;
            # A process that stops answering: the request goes to the next.
            proxy_next_upstream error timeout http_502 http_503;
        }
    }
}
EOF

for n in $(seq 1 "$PROCESSES"); do
  port=$((PORT + n))
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "${pids[$((n - 1))]}" 2>/dev/null; then
      cat "$RUN/shop-$n.log" >&2
      exit 1
    fi
    sleep 0.2
  done
done
"$NGINX" -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -g 'daemon off;' &
pids+=("$!")
log "PostgreSQL: $STOREFRONT_DATABASE_URL"
log "$PROCESSES shop processes on ports $((PORT + 1))–$((PORT + PROCESSES)) (logs in $RUN)"
log "nginx in front: http://127.0.0.1:$PORT"
wait -n "${pids[@]}"
log "a process stopped; stopping the rest"
