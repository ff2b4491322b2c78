//! The HTTP surface through the real axum router: server functions under /api, product
//! images, the SPA fallback and cache headers. Run with `cargo test --features ssr`.
#![cfg(feature = "ssr")]

mod common;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use common::shop::TestShop;
use tower::ServiceExt;

const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

async fn app() -> (axum::Router, tempfile::TempDir) {
    app_with(None).await
}

async fn app_with(admin_token: Option<&str>) -> (axum::Router, tempfile::TempDir) {
    let (app, _, dir) = shop(admin_token).await;
    (app, dir)
}

/// A shop whose state the test can reach too.
async fn app_and_state() -> (
    axum::Router,
    storefront::server::AppState,
    tempfile::TempDir,
) {
    shop(None).await
}

/// A fresh shop in a temporary directory that is also its site (an app shell and one
/// hashed asset), with the admin API on when given a token.
async fn shop(
    admin_token: Option<&str>,
) -> (
    axum::Router,
    storefront::server::AppState,
    tempfile::TempDir,
) {
    let mut shop = TestShop::new()
        .site_file("index.html", b"<!DOCTYPE html><title>Storefront</title>")
        .site_file("storefront-0123456789abcdef_bg.wasm", b"\0asm");
    if let Some(token) = admin_token {
        shop = shop.with("STOREFRONT_ADMIN_TOKEN", token);
    }
    let shop = shop.start().await;
    (shop.app, shop.state, shop.dir)
}

/// `GET path`, as a browser asks for a page or a file.
async fn page(
    app: &axum::Router,
    path: &str,
) -> Result<axum::response::Response, std::convert::Infallible> {
    app.clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
}

async fn body(res: axum::response::Response) -> String {
    String::from_utf8(to_bytes(res.into_body(), 1 << 22).await.unwrap().to_vec()).unwrap()
}

fn post(uri: &str, content_type: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// Calls the search server function as the browser app does.
async fn search(app: &axum::Router, query: &str) -> axum::response::Response {
    let json = serde_json::json!({ "params": { "query": query } }).to_string();
    app.clone()
        .oneshot(post("/api/search", "application/json", &json))
        .await
        .unwrap()
}

#[tokio::test]
async fn server_functions_answer_under_api() {
    let (app, _dir) = app().await;
    let res = search(&app, "linen shirt").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let json: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    let products: Vec<serde_json::Value> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["card"].clone())
        .collect();
    assert!(!products.is_empty());
    // Exact matches rank first; typos ("skirt") may follow.
    let first = products[0].to_string().to_lowercase();
    assert!(
        first.contains("linen") && first.contains("shirt"),
        "{first}"
    );

    // A zero quantity is refused next to its line.
    let mut forged = common::checkout_body(
        &app,
        serde_json::json!([{"variant_id": 1, "quantity": 1}]),
        common::VISA_APPROVED,
        "forged-zero-quantity-0001",
    )
    .await;
    forged["request"]["lines"][0]["quantity"] = 0.into();
    let (status, answer) = common::call(&app, "/api/place_order", &forged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.to_string().contains("at least 1"), "{answer}");
}

/// `POST /api/categories` from a client at `address`.
async fn categories_from(app: &axum::Router, address: [u8; 4]) -> axum::response::Response {
    let mut req = post("/api/categories", "application/json", "{}");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            address, 50_000,
        ))));
    app.clone().oneshot(req).await.unwrap()
}

#[tokio::test]
async fn a_flood_from_one_address_is_turned_away_before_its_body_is_read() {
    use storefront::server::desk::REQUEST_BUDGET;
    let (app, _dir) = app().await;
    let mut refused = None;
    for _ in 0..REQUEST_BUDGET.max + 10 {
        let res = categories_from(&app, [198, 51, 100, 20]).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(res);
            break;
        }
        assert_eq!(res.status(), StatusCode::OK);
    }
    let refused = refused.expect("refused past the budget");
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    let other = categories_from(&app, [198, 51, 100, 21]).await;
    assert_eq!(other.status(), StatusCode::OK, "another address is served");
}

#[tokio::test]
async fn a_request_too_large_is_answered_413_and_changes_nothing() {
    let (app, state, _dir) = app_and_state().await;
    let before = rows(&state).await;
    let huge = format!(
        r#"{{"text":"{}","context":{{"page":"/"}},"email":"a@example.com"}}"#,
        "x".repeat(100 * 1024)
    );
    let res = app
        .clone()
        .oneshot(post("/api/help/send", "application/json", &huge))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(rows(&state).await, before);
}

#[tokio::test]
async fn a_malformed_request_is_refused_as_invalid_not_as_a_server_error() {
    let (app, _dir) = app().await;
    let res = app
        .clone()
        .oneshot(post(
            "/api/place_order",
            "application/json",
            r#"{"details":{"email":"x"},"lines":[]}"#,
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = body(res).await;
    assert!(
        text.contains("Invalid") && text.contains("could not read"),
        "{text}"
    );
}

#[tokio::test]
async fn product_images_are_generated_svg() {
    let (app, _dir) = app().await;
    let res = search(&app, "tote").await;
    let json: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    let image = json["hits"][0]["card"]["image"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .clone()
        .oneshot(Request::get(&image).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert!(body(res).await.starts_with("<svg"));
    let res = app
        .oneshot(
            Request::get("/images/products/nope.svg")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deep_links_get_the_app_and_hashed_files_are_cached_long() {
    let (app, _dir) = app().await;
    let res = app
        .clone()
        .oneshot(Request::get("/p/some-product").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(body(res).await.contains("<title>Storefront</title>"));

    let res = app
        .clone()
        .oneshot(
            Request::get("/storefront-0123456789abcdef_bg.wasm")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );

    let res = app
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "no-store",
        "a health check reports now, not an hour ago"
    );
    assert_eq!(body(res).await, "ok");
}

/// The app page as trunk writes it: one inline loader script, the rest by `src`.
const TRUNK_PAGE: &[u8] = b"<!DOCTYPE html><html><head><title>Storefront</title>\n<script type=\"module\">\nimport init from '/storefront-0123456789abcdef.js';\nawait init({ module_or_path: '/storefront-0123456789abcdef_bg.wasm' });\n</script></head><body></body></html>";

const STAFF_PAGE: &[u8] = b"<!DOCTYPE html><html><head><title>Storefront staff</title>\n<script type=\"module\">\nimport init from '/staff/storefront-staff-0123456789abcdef.js';\nawait init({ module_or_path: '/staff/storefront-staff-0123456789abcdef_bg.wasm' });\n</script></head><body></body></html>";

#[tokio::test]
async fn the_staff_screens_are_their_own_app_which_shop_pages_never_load() {
    use storefront::server::headers::inline_script_hashes;
    let shop = TestShop::new()
        .site_file("index.html", TRUNK_PAGE)
        .staff_file("index.html", STAFF_PAGE)
        .staff_file("storefront-staff-0123456789abcdef_bg.wasm", b"\0asm")
        .start()
        .await;
    let get = |path: &'static str| page(&shop.app, path);
    for path in [
        "/agent",
        "/agent/sign-in",
        "/warehouse",
        "/warehouse/sign-in",
    ] {
        let res = get(path).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
        let policy = res.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(body(res).await.as_bytes(), STAFF_PAGE, "{path}");
        // One policy allows both apps' loaders.
        for page in [STAFF_PAGE, TRUNK_PAGE] {
            let hash = &inline_script_hashes(std::str::from_utf8(page).unwrap())[0];
            assert!(policy.contains(hash.as_str()), "{path}: {policy}");
        }
    }
    let wasm = get("/staff/storefront-staff-0123456789abcdef_bg.wasm")
        .await
        .unwrap();
    assert_eq!(wasm.status(), StatusCode::OK);
    assert!(wasm.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    // Every shop address is the shop's app, never the staff's.
    for path in ["/", "/agents", "/warehouses", "/orders/find"] {
        let res = get(path).await.unwrap();
        assert_eq!(body(res).await.as_bytes(), TRUNK_PAGE, "{path}");
    }
    assert_eq!(
        get("/staff/nothing.js").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_the_other_security_headers() {
    use storefront::server::headers::{inline_script_hashes, OTHER_POLICY, PERMISSIONS_POLICY};
    for public_url in ["http://127.0.0.1:8080", "https://shop.example"] {
        let shop = TestShop::new()
            .site_file("index.html", TRUNK_PAGE)
            .with("STOREFRONT_PUBLIC_URL", public_url)
            .start()
            .await;
        let page = page(&shop.app, "/c/shirts").await.unwrap();
        let headers = page.headers();
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        // The loader's hash, computed here from the served file, is the only inline
        // script allowed; WebAssembly may compile; nothing else inline runs.
        let hashes = inline_script_hashes(std::str::from_utf8(TRUNK_PAGE).unwrap());
        assert_eq!(hashes.len(), 1);
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' {}",
                hashes[0]
            )),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert_eq!(headers["cross-origin-opener-policy"], "same-origin");
        assert_eq!(headers["permissions-policy"], PERMISSIONS_POLICY);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(
            headers.get(header::STRICT_TRANSPORT_SECURITY).is_some(),
            public_url.starts_with("https://"),
            "HSTS only when served over HTTPS ({public_url})"
        );
        // A revalidated page (304) keeps the policy the browser stored with it.
        if let Some(modified) = headers.get(header::LAST_MODIFIED) {
            let again = shop
                .app
                .clone()
                .oneshot(
                    Request::get("/")
                        .header(header::IF_MODIFIED_SINCE, modified)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
            assert!(!again
                .headers()
                .contains_key(header::CONTENT_SECURITY_POLICY));
        } else {
            panic!("the page has a Last-Modified date");
        }
        // JSON and images may run nothing at all.
        let json = shop
            .app
            .clone()
            .oneshot(post("/api/categories", "application/json", "{}"))
            .await
            .unwrap();
        assert_eq!(json.status(), StatusCode::OK);
        assert_eq!(
            json.headers()[header::CONTENT_SECURITY_POLICY],
            OTHER_POLICY
        );
    }
}

fn admin(uri: &str, token: Option<&str>, body: serde_json::Value) -> Request<Body> {
    let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn the_stock_admin_api_needs_its_token_and_explains_bad_input() {
    let receive = serde_json::json!({ "sku": "X", "centre": "LDS", "quantity": 1 });
    let (off, _dir) = app().await;
    let res = off
        .oneshot(admin(
            "/api/admin/receive",
            Some(ADMIN_TOKEN),
            receive.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "off without a configured token"
    );

    let (app, _dir) = app_with(Some(ADMIN_TOKEN)).await;
    for token in [None, Some("wrong"), Some("test-admin-token-012345678")] {
        let res = app
            .clone()
            .oneshot(admin("/api/admin/receive", token, receive.clone()))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let res = app
        .clone()
        .oneshot(admin("/api/admin/receive", Some(ADMIN_TOKEN), receive))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body(res).await.contains("no variant with SKU"));

    let sku = first_sku(&app).await;
    let res = app
        .clone()
        .oneshot(admin(
            "/api/admin/incoming",
            Some(ADMIN_TOKEN),
            serde_json::json!({ "sku": sku, "centre": "GLA", "quantity": 4, "expected_on": "3rd of never" }),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body(res).await.contains("expected_on"));
    let res = app
        .oneshot(admin(
            "/api/admin/receive",
            Some(ADMIN_TOKEN),
            serde_json::json!({ "sku": sku, "centre": "gla", "quantity": 4 }),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    assert_eq!(json["centre"], "Glasgow");
    assert_eq!(json["quantity"], 4);
}

/// The SKU and id of the first variant of the first search hit for "shirt".
async fn first_variant(app: &axum::Router) -> (String, i64) {
    let res = search(app, "shirt").await;
    let json: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    let slug = json["hits"][0]["card"]["slug"].as_str().unwrap().to_owned();
    let res = app
        .clone()
        .oneshot(post(
            "/api/product",
            "application/json",
            &serde_json::json!({"slug": slug, "region": "london"}).to_string(),
        ))
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    let v = json["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["availability"].get("InStock").is_some())
        .unwrap()
        .clone();
    (
        v["sku"].as_str().unwrap().to_owned(),
        v["id"].as_i64().unwrap(),
    )
}

async fn first_sku(app: &axum::Router) -> String {
    first_variant(app).await.0
}

#[tokio::test]
async fn open_pages_hear_about_stock_changes_as_server_sent_events() {
    let (app, _dir) = app().await;
    let (_, variant) = first_variant(&app).await;
    let res = app
        .clone()
        .oneshot(
            Request::get("/api/live/stock?variants=abc")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let res = app
        .clone()
        .oneshot(
            Request::get(format!(
                "/api/live/stock?variants={variant},999999&region=scotland"
            ))
            .body(Body::empty())
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut events = res.into_body().into_data_stream();

    // Another shopper buys one.
    let order = common::checkout_body(
        &app,
        serde_json::json!([{"variant_id": variant, "quantity": 1}]),
        common::VISA_APPROVED,
        "sse-test-order-000001",
    )
    .await;
    let (status, answer) = common::call(&app, "/api/place_order", &order).await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    let (name, live) = common::router::next_event(&mut events).await;
    assert_eq!(name, "stock");
    assert_eq!(live["variant_id"], variant);
    assert!(live["availability"].is_object(), "{live}");
}

#[tokio::test]
async fn event_streams_end_when_the_server_stops() {
    use futures_util::StreamExt;
    let (app, state, _dir) = app_and_state().await;
    let res = app
        .oneshot(
            Request::get("/api/live/stock?variants=1")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut events = res.into_body().into_data_stream();
    state.stopping.send_replace(true);
    let end = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        while let Some(chunk) = events.next().await {
            chunk.unwrap();
        }
    })
    .await;
    assert!(
        end.is_ok(),
        "the stream ended once the server began to stop"
    );
}

/// 10 units, 200 shoppers at once through the real router: 10 orders (200 OK) and 190
/// clear "out of stock" answers (409), never a 5xx or a "database busy".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_buyers_over_http_get_ten_orders_and_clear_answers() {
    let (app, state, _dir) = app_and_state().await;
    let (_, variant) = first_variant(&app).await;
    sqlx::query("DELETE FROM incoming WHERE variant_id = $1")
        .bind(variant)
        .execute(&state.db.write)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE stock SET quantity = CASE centre_id WHEN 1 THEN 4 ELSE 3 END WHERE variant_id = $1",
    )
    .bind(variant)
    .execute(&state.db.write)
    .await
    .unwrap();
    let order = common::checkout_body(
        &app,
        serde_json::json!([{"variant_id": variant, "quantity": 1}]),
        common::VISA_APPROVED,
        "unused-key-0000000001",
    )
    .await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            // Each shopper's own checkout attempt.
            let mut order = order.clone();
            order["request"]["key"] = format!("buyer-{i:04}-attempt-key").into();
            let order = order.to_string();
            let (app, barrier) = (app.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let res = app
                    .oneshot(post("/api/place_order", "application/json", &order))
                    .await
                    .unwrap();
                (res.status(), body(res).await)
            })
        })
        .collect();
    let (mut ok, mut conflict) = (0, 0);
    for t in tasks {
        let (status, text) = t.await.unwrap();
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {
                assert!(text.contains("OutOfStock"), "{text}");
                conflict += 1;
            }
            other => panic!("unexpected {other}: {text}"),
        }
    }
    assert_eq!((ok, conflict), (10, 190));
}

/// Every server function's address (all are posted to), and the admin API's writes.
const API_WRITES: &[&str] = &[
    "/api/stock",
    "/api/alternatives",
    "/api/notify_when_back",
    "/api/confirm_alert",
    "/api/agent/sign_in",
    "/api/agent/sign_out",
    "/api/agent/me",
    "/api/agent/queue",
    "/api/agent/chat",
    "/api/agent/reply",
    "/api/agent/typing",
    "/api/agent/close",
    "/api/agent/callback",
    "/api/agent/callback_done",
    "/api/agent/send_mail_again",
    "/api/agent/orders",
    "/api/help/content",
    "/api/help/phone",
    "/api/help/chat",
    "/api/help/send",
    "/api/help/typing",
    "/api/help/seen",
    "/api/help/context",
    "/api/help/call_slots",
    "/api/help/callback",
    "/api/categories",
    "/api/home",
    "/api/category",
    "/api/product",
    "/api/search",
    "/api/suggest",
    "/api/card_token",
    "/api/place_order",
    "/api/confirm_payment",
    "/api/price_cart",
    "/api/order_status",
    "/api/admin/receive",
    "/api/admin/incoming",
];

/// Rows in every table a request could write to.
async fn rows(state: &storefront::server::AppState) -> Vec<(String, i64)> {
    let mut all = Vec::new();
    for table in [
        "orders",
        "order_lines",
        "payments",
        "checkout_attempts",
        "marketing_consents",
        "stock_alerts",
        "mail_outbox",
        "conversations",
        "chat_messages",
        "callbacks",
        "agent_sessions",
        "test_gateway_cards",
        "test_gateway_authorizations",
        "incoming",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&state.db.read)
            .await
            .unwrap();
        all.push((table.to_owned(), n));
    }
    all
}

async fn post_from(
    app: &axum::Router,
    path: &str,
    kind: &str,
    body: &str,
    from: &[(&str, &str)],
) -> StatusCode {
    let mut req = Request::post(path).header(header::CONTENT_TYPE, kind);
    for (name, value) in from {
        req = req.header(*name, *value);
    }
    app.clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap()
        .status()
}

/// What a form (on any site) can send, and a "simple" fetch that needs no permission:
/// content types and bodies, `json` as plain text.
fn not_json(json: &str) -> Vec<(&'static str, &str)> {
    vec![
        (
            "application/x-www-form-urlencoded",
            "email=a%40example.com&text=hi&id=1",
        ),
        ("multipart/form-data; boundary=x", "--x--"),
        ("text/plain", json),
        ("text/plain;charset=UTF-8", json),
    ]
}

#[tokio::test]
async fn writes_from_other_sites_are_refused_and_change_nothing() {
    let (app, state, _dir) = app_and_state().await;
    let before = rows(&state).await;
    let chat = r#"{"text":"hi","context":{"page":"/"},"email":"a@example.com"}"#;
    for path in API_WRITES {
        for (kind, body) in not_json(chat)
            .into_iter()
            .chain([("application/json", chat)])
        {
            for from in [
                &[("origin", "https://evil.example")][..],
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://evil.example"),
                ],
                &[
                    ("sec-fetch-site", "same-site"),
                    ("origin", "https://shop.evil.example"),
                ],
                &[("origin", "null")],
            ] {
                let status = post_from(&app, path, kind, body, from).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{path} {kind} {from:?}");
            }
        }
    }
    assert_eq!(rows(&state).await, before, "nothing was written");

    // The same message from the shop's own page goes through: a modern browser says so,
    // an older one sends the shop's own Origin.
    for from in [
        &[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://127.0.0.1:8080"),
        ][..],
        &[("origin", "http://127.0.0.1:8080")],
    ] {
        let status = post_from(&app, "/api/help/send", "application/json", chat, from).await;
        assert_eq!(status, StatusCode::OK, "{from:?}");
    }
    let after = rows(&state).await;
    let messages = |r: &[(String, i64)]| r.iter().find(|(t, _)| t == "chat_messages").unwrap().1;
    assert_eq!(messages(&after), messages(&before) + 2);
}

#[tokio::test]
async fn writes_that_are_not_json_are_refused_even_from_the_shops_own_pages() {
    let (app, state, _dir) = app_and_state().await;
    let before = rows(&state).await;
    let chat = r#"{"text":"hi","context":{"page":"/"},"email":"a@example.com"}"#;
    for path in API_WRITES {
        for (kind, body) in not_json(chat) {
            for from in [&[][..], &[("sec-fetch-site", "same-origin")]] {
                let status = post_from(&app, path, kind, body, from).await;
                assert_eq!(
                    status,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "{path} {kind} {from:?}"
                );
            }
        }
    }
    assert_eq!(rows(&state).await, before, "nothing was written");
    let status = post_from(
        &app,
        "/api/help/send",
        "application/json; charset=utf-8",
        chat,
        &[("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// Opens `/api/help/events` as a browser at `address` would; the answer keeps the stream.
async fn open_stream(app: &axum::Router, address: [u8; 4]) -> axum::response::Response {
    let mut req = Request::get("/api/help/events")
        .body(Body::empty())
        .unwrap();
    let from = std::net::SocketAddr::from((address, 50_000));
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(from));
    app.clone().oneshot(req).await.unwrap()
}

#[tokio::test]
async fn open_event_streams_are_capped_and_the_shop_keeps_serving() {
    use storefront::server::streams::{MAX_STREAMS, MAX_STREAMS_PER_ADDRESS};
    let (app, state, _dir) = app_and_state().await;

    // One address: a few tabs, not a flood.
    let mut mine = Vec::new();
    for _ in 0..MAX_STREAMS_PER_ADDRESS + 5 {
        mine.push(open_stream(&app, [203, 0, 113, 9]).await);
    }
    let refused = mine
        .iter()
        .filter(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert_eq!(refused, 5);
    assert_eq!(state.streams.open(), MAX_STREAMS_PER_ADDRESS);
    drop(mine);
    assert_eq!(
        state.streams.open(),
        0,
        "closed streams give their places back"
    );

    // 10,000 anonymous streams from as many addresses: refused past the cap.
    let mut held = Vec::with_capacity(10_000);
    for i in 0..10_000u32 {
        let [_, a, b, c] = i.to_be_bytes();
        held.push(open_stream(&app, [10, a, b, c]).await);
    }
    let open = held.iter().filter(|r| r.status() == StatusCode::OK).count();
    let refused: Vec<_> = held
        .iter()
        .filter(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(open, MAX_STREAMS);
    assert_eq!(refused.len(), 10_000 - MAX_STREAMS);
    assert_eq!(refused[0].headers()[header::RETRY_AFTER], "60");

    // The shop keeps serving while they are all open.
    let started = std::time::Instant::now();
    let res = app
        .clone()
        .oneshot(
            Request::post("/api/categories")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    eprintln!(
        "categories with {open} streams open answered in {:?}",
        started.elapsed()
    );
    drop(held);
    assert_eq!(state.streams.open(), 0);
}

/// What the service worker may keep for offline use: answers marked by the server, which
/// marks reads only. A kept answer to a write would be replayed as if the shop had done it.
#[tokio::test]
async fn reads_are_marked_for_offline_use_and_writes_never_are() {
    use storefront::server::http::OFFLINE_READS;
    use storefront_model::offline::KEEP_OFFLINE_HEADER;
    let (app, _dir) = app().await;
    let answer = |uri: &'static str, json: serde_json::Value| {
        let app = app.clone();
        async move {
            app.oneshot(post(uri, "application/json", &json.to_string()))
                .await
                .unwrap()
        }
    };
    let res = search(&app, "shirt").await;
    let hits: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    let product = hits["hits"][0]["card"]["slug"].as_str().unwrap().to_owned();
    let res = answer("/api/categories", serde_json::json!({})).await;
    let categories: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    let category = categories[0]["slug"].as_str().unwrap().to_owned();
    let (_, variant) = first_variant(&app).await;
    let lines = serde_json::json!([{"variant_id": variant, "quantity": 1}]);
    let order = common::checkout_body(
        &app,
        lines.clone(),
        common::VISA_APPROVED,
        "offline-reads-0001",
    )
    .await;
    let res = answer("/api/place_order", order).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !res.headers().contains_key(KEEP_OFFLINE_HEADER),
        "placing an order is never kept"
    );
    let placed: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    let placed = &placed["Placed"];
    let reads = [
        ("/api/categories", serde_json::json!({})),
        ("/api/home", serde_json::json!({})),
        ("/api/category", serde_json::json!({"slug": category})),
        (
            "/api/product",
            serde_json::json!({"slug": product, "region": "london"}),
        ),
        (
            "/api/search",
            serde_json::json!({"params": {"query": "shirt"}}),
        ),
        ("/api/stock", serde_json::json!({"variant_ids": [variant]})),
        ("/api/price_cart", serde_json::json!({"lines": lines})),
        (
            "/api/order_status",
            serde_json::json!({"number": placed["number"], "key": placed["key"]}),
        ),
        ("/api/help/content", serde_json::json!({})),
        ("/api/help/phone", serde_json::json!({})),
    ];
    assert_eq!(
        reads.iter().map(|(uri, _)| *uri).collect::<Vec<_>>(),
        OFFLINE_READS,
        "every read kept for offline use is checked here"
    );
    for (uri, json) in reads {
        let res = answer(uri, json).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert_eq!(res.headers()[KEEP_OFFLINE_HEADER], "1", "{uri}");
    }
    // A refusal is not kept (a page that failed once must not fail offline forever).
    let res = answer("/api/product", serde_json::json!({"slug": "no-such-thing"})).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.headers().contains_key(KEEP_OFFLINE_HEADER));
    // A call with a side effect (it mails the order's link) is never kept either, though
    // it answers the same words every time.
    let res = answer(
        "/api/find_order",
        serde_json::json!({"number": placed["number"], "email": "someone@example.com"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.headers().contains_key(KEEP_OFFLINE_HEADER));
}

/// The service worker's script may only fetch from the shop, and is always revalidated so
/// a new one is picked up on the next visit. The real script keeps to the server's words.
#[tokio::test]
async fn the_service_worker_is_served_fresh_with_its_own_policy_and_keeps_to_the_servers_words() {
    use storefront::server::http::{STAFF_ASSETS, STAFF_PAGES};
    use storefront_model::offline::{
        KEEP_OFFLINE_HEADER, SERVICE_WORKER, SHOP_REACHABLE, SHOP_UNREACHABLE,
    };
    let script = include_str!("../public/sw.js");
    let shop = TestShop::new()
        .site_file("index.html", b"<!DOCTYPE html><title>Storefront</title>")
        .site_file("sw.js", script.as_bytes())
        .site_file(
            "manifest.webmanifest",
            include_bytes!("../public/manifest.webmanifest"),
        )
        .start()
        .await;
    let get = |path: &'static str| page(&shop.app, path);
    let res = get(SERVICE_WORKER).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("javascript"));
    let policy = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.starts_with("default-src 'self';"), "{policy}");
    assert_eq!(body(res).await, script);

    let res = get("/manifest.webmanifest").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = serde_json::from_str(&body(res).await).unwrap();
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    for size in ["192x192", "512x512"] {
        let icon = manifest["icons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sizes"] == size)
            .unwrap_or_else(|| panic!("an icon of {size}"));
        let file = icon["src"].as_str().unwrap().trim_start_matches('/');
        let png = std::fs::read(format!("public/{file}")).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{file}");
    }

    // The script names what the server and the app name.
    for words in [
        KEEP_OFFLINE_HEADER,
        storefront_model::offline::KEPT_CACHE,
        SHOP_UNREACHABLE,
        SHOP_REACHABLE,
        STAFF_ASSETS,
    ]
    .into_iter()
    .chain(STAFF_PAGES)
    {
        assert!(
            script.contains(&format!("\"{words}\"")),
            "public/sw.js names {words:?}"
        );
    }
}
