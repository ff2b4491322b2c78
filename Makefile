# Storefront's task runner. `make` lists the recipes; `make serve` and `make test` are
# the front door and install whatever is missing first (scripts/setup.sh).
.DEFAULT_GOAL := help
.PHONY: help setup serve serve-postgres serve-cluster test dev dev-staff dev-api build size lighthouse bench-first-product bench-search bench-relevance bench-search-ui bench-stock bench-cluster bench-recommend bench-offers bench-help bench-live-ui bench-ship-ui fmt lint clean-data

help: ## List the recipes
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## Install the toolchain (wasm32 std), trunk, wasm-bindgen, wasm-opt, Chromium
	bash scripts/setup.sh

serve: ## Build everything and serve the shop at http://127.0.0.1:8080
	bash scripts/serve.sh

serve-postgres: ## The same on PostgreSQL (a local cluster in data/postgres, started and stopped with the shop)
	bash scripts/serve-postgres.sh

serve-cluster: ## PostgreSQL, 3 shop processes and nginx in front of them on http://127.0.0.1:8080
	bash scripts/serve.sh cluster

test: ## Run every check and test (lint, native, browser, end-to-end)
	bash scripts/test.sh

dev-api: ## Run the backend on 127.0.0.1:3000 for `make dev`
	bash scripts/dev-api.sh

dev: ## Live-reloading shop on 127.0.0.1:8080 (run `make dev-api` beside it)
	bash scripts/setup.sh rust tools && trunk serve

dev-staff: ## Live-reloading staff app on 127.0.0.1:8081/agent (run `make dev-api` beside it)
	bash scripts/setup.sh rust tools && trunk serve staff.html --dist dist-staff --public-url /staff/ --port 8081

build: ## Build the shop into dist/ and the staff app into dist-staff/, precompressed
	bash scripts/build-app.sh

size: ## Print the shop's first-load transfer (gzip, brotli; fails over its 150 kB budget or its ceiling) and the staff bundle
	bash scripts/size.sh

lighthouse: ## Lighthouse mobile medians (score, LCP, TBT, CLS; 5 runs) for home, product, search, checkout on a release build
	bash scripts/setup.sh && bash scripts/build-app.sh && cargo build --profile server --features ssr
	cd tests/lighthouse && npm ci --no-audit --no-fund && STOREFRONT_BIN=../../target/server/storefront node run.mjs

bench-first-product: ## Home page → first product painted, slow 4G and 4x CPU in Chromium, no cache (p50/p95 of 10)
	bash scripts/setup.sh && bash scripts/build-app.sh && cargo build --profile server --features ssr
	cd tests/lighthouse && npm ci --no-audit --no-fund && STOREFRONT_BIN=../../target/server/storefront node first-product.mjs

bench-search: ## Search engine figures at 10,000 products (p50/p95, build time, memory)
	cargo bench --features ssr --bench search

bench-relevance: ## The judged relevance set: top-3 accuracy and NDCG@10 by kind of query, and each miss
	cargo test --features ssr --test relevance -- --nocapture

bench-search-ui: ## Keystroke → suggestions painted in Chromium at 10,000 products (p50/p95)
	bash scripts/setup.sh && bash scripts/build-app.sh && cargo build --profile server --features ssr
	cd tests/e2e && STOREFRONT_BIN=../../target/server/storefront node bench-keystrokes.mjs

bench-stock: ## Stock reads at 2,000 req/s vs plain axum (p50/p99), whole checkouts/s, change → live event (p95), checkout p95 beside chat floods
	cargo bench --features ssr --bench stock

bench-cluster: ## SQLite (1 process) vs PostgreSQL (1 and 3 processes): stock-read p50/p99 at a fixed rate, whole checkouts/s, 0 oversold
	cargo bench --features ssr --bench cluster

bench-recommend: ## Recommendations: hit rate at 10 vs most bought on a generated history, reads at 10,000 products and 100,000 orders (p50/p95); then the offers mail
	cargo bench --features ssr --bench recommend

bench-offers: ## The monthly offers mail to 100,000 subscribers: time and peak memory of one run
	cargo bench --features ssr --bench recommend -- offers

bench-help: ## Agent sign-in, message → agent console and reply → shopper stream (p50/p95)
	cargo bench --features ssr --bench help

bench-live-ui: ## Stock change → the other shopper's page updated, two Chromium contexts (p50/p95)
	bash scripts/setup.sh && bash scripts/build-app.sh && cargo build --profile server --features ssr
	cd tests/e2e && STOREFRONT_BIN=../../target/server/storefront node bench-live.mjs

bench-ship-ui: ## Shipped in the warehouse back-office → the shopper's open status page repainted, Chromium (p50/p95)
	bash scripts/setup.sh && bash scripts/build-app.sh && cargo build --profile server --features ssr
	cd tests/e2e && STOREFRONT_BIN=../../target/server/storefront node bench-ship.mjs

fmt: ## Format the code
	cargo fmt --all

lint: ## rustfmt check and clippy for the server and the wasm app
	cargo fmt --all --check
	cargo clippy --workspace --features storefront/ssr --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown $(WASM_CRATES) --features storefront/csr --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown -p storefront --features storefront/split --bin storefront -- -D warnings

# The crates that go into the browser app (the server crate never does).
WASM_CRATES := -p storefront -p storefront-domain -p storefront-model

clean-data: ## Delete the local database (the demo catalog is seeded again on start)
	rm -rf data
