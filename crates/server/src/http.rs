//! The axum app: server functions under `/api`, generated product images, and the built
//! storefront with a single-page-app fallback, precompressed assets and cache headers.

use super::headers::PagePolicy;
use super::stock::AdminError;
use super::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use storefront_model::offline::SERVICE_WORKER;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;

/// Largest request body accepted (server-function arguments are small).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Where the staff app's files are served (its `trunk build --public-url`).
pub const STAFF_ASSETS: &str = "/staff";

/// The staff app's pages (each with everything under it). The shop's service worker
/// leaves these and [`STAFF_ASSETS`] alone (`public/sw.js`, `STAFF`).
pub const STAFF_PAGES: [&str; 2] = ["/agent", "/warehouse"];

/// The server functions that only read: their answers carry
/// [`KEEP_OFFLINE_HEADER`](storefront_model::offline::KEEP_OFFLINE_HEADER), so the
/// service worker may show the last one when the shop can't be reached. Nothing that
/// writes belongs here (a kept answer to a write would be a lie when replayed).
pub const OFFLINE_READS: [&str; 10] = [
    "/api/categories",
    "/api/home",
    "/api/category",
    "/api/product",
    "/api/search",
    "/api/stock",
    "/api/price_cart",
    "/api/order_status",
    "/api/help/content",
    "/api/help/phone",
];

/// The policy of the service worker's script: it may fetch from the shop and nothing else.
const WORKER_POLICY: &str =
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub fn router(state: AppState) -> Router {
    let site = state.config.site_dir.clone();
    let staff = state.config.staff_dir.clone();
    let static_files = ServeDir::new(&site)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(site.join("index.html")));
    // The staff screens are their own app: shoppers never download them.
    let staff_page = ServeFile::new(staff.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let staff_files = ServeDir::new(&staff)
        .precompressed_br()
        .precompressed_gzip();
    let mut app = Router::new();
    for page in STAFF_PAGES {
        app = app
            .route_service(page, staff_page.clone())
            .route_service(&format!("{page}/{{*rest}}"), staff_page.clone());
    }
    app.nest_service(STAFF_ASSETS, staff_files)
        .route("/api/live/stock", get(live_stock))
        .route("/api/help/events", get(help_events))
        .route("/api/agent/events", get(agent_events))
        .route("/api/live/order", get(live_order))
        .route("/api/courier/events", post(courier_events))
        .route(
            ONE_CLICK_UNSUBSCRIBE,
            post(one_click_unsubscribe).fallback_service(static_files.clone()),
        )
        .merge(admin_routes(&state))
        .route(ACCOUNT_DATA, get(account_data))
        .route("/api/{*fn_name}", get(server_fn).post(server_fn))
        .route("/images/products/{file}", get(product_image))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(static_files)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_cross_site_writes,
        ))
        .layer(middleware::from_fn(cache_headers))
        .layer(CompressionLayer::new())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(middleware::from_fn_with_state(
            Security {
                page: Arc::new(PagePolicy::new(&[&site, &staff])),
                https: state.config.public_url.starts_with("https://"),
            },
            security_headers,
        ))
        .with_state(state)
}

#[derive(Clone)]
struct Security {
    page: Arc<PagePolicy>,
    https: bool,
}

/// Sets the security headers (`headers::secure`) on every answer; the app's page gets
/// its own Content-Security-Policy.
async fn security_headers(State(security): State<Security>, req: Request, next: Next) -> Response {
    let worker = req.uri().path() == SERVICE_WORKER;
    let mut res = next.run(req).await;
    if res.status() == StatusCode::NOT_MODIFIED {
        // The browser keeps the headers it stored with the page; a policy here would
        // replace the page's own.
        return res;
    }
    if worker && res.status().is_success() {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(WORKER_POLICY),
        );
    }
    let page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"))
        .then(|| security.page.current());
    super::headers::secure(res.headers_mut(), page, security.https);
    res
}

/// Whether a request that may change something comes from the shop's own pages. Browsers
/// say where a request started (`Sec-Fetch-Site`); older ones at least send `Origin` on a
/// cross-site write, which must then be the shop's own (`public_url`). A request with
/// neither is not from a web page (a script, curl, a test) and cannot carry a shopper's
/// or an agent's cookies from another site.
pub fn is_own_site_write(
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    public_url: &str,
) -> bool {
    if let Some(site) = sec_fetch_site {
        return matches!(site.trim(), "same-origin" | "none");
    }
    origin.is_none_or(|o| {
        let own = public_url
            .split_once("://")
            .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or("")));
        own.is_some_and(|own| own.eq_ignore_ascii_case(o.trim()))
    })
}

/// Whether a write's `Content-Type` is JSON, which a page on another site cannot send
/// without the browser asking the shop first (forms and "simple" requests can only send
/// form, multipart or plain-text bodies).
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// Why a write under `/api` is refused before it runs: another site's page sent it
/// (403), or it is not JSON (415).
fn refusal(req: &Request<Body>, public_url: &str) -> Option<Response> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if !is_own_site_write(header("sec-fetch-site"), header("origin"), public_url) {
        tracing::warn!(path = %req.uri().path(), origin = ?header("origin"), "cross-site write refused");
        return Some(
            (
                StatusCode::FORBIDDEN,
                "This shop accepts changes only from its own pages.",
            )
                .into_response(),
        );
    }
    if !is_json(header("content-type")) {
        tracing::warn!(path = %req.uri().path(), content_type = ?header("content-type"), "non-JSON write refused");
        return Some(
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "This shop accepts changes only as JSON (Content-Type: application/json).",
            )
                .into_response(),
        );
    }
    None
}

/// Refuses writes under `/api` that another site's page sent (403), that are not JSON
/// (415), that exceed their address's budget (429, `desk::REQUEST_BUDGET`) or that are
/// larger than [`MAX_BODY_BYTES`] (413), before anything runs.
async fn refuse_cross_site_writes(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    use axum::http::Method;
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes && req.uri().path().starts_with("/api/") {
        if let Some(refused) = refusal(&req, &state.config.public_url) {
            return refused;
        }
        let (parts, body) = req.into_parts();
        // Within the address's budget before anything else is done for it. Requests from
        // inside the process (tests) have no address and are not counted.
        let address = super::session::request_address(&parts, &state.config.trusted_proxies);
        if address != "unknown" {
            if let Err(wait) = state.desk.spend(&address) {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, wait.to_string())],
                    "Too many requests from your address just now. Please wait a moment and try again; nothing was lost.",
                )
                    .into_response();
            }
        }
        // Read here, within the limit, so an over-long body is answered 413 whether or
        // not it said its length (the server functions would otherwise call it unreadable).
        let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "That request is larger than the shop accepts (64 KB).",
            )
                .into_response();
        };
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    next.run(req).await
}

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> Response {
    // An order opened by an account session (no key) is not kept on the device: signed
    // out, it must not open from the worker's cache.
    let read = OFFLINE_READS.contains(&req.uri().path())
        && !(req.uri().path() == "/api/order_status"
            && super::session::cookie(req.headers(), super::session::ACCOUNT_COOKIE).is_some());
    let mut res = leptos_axum::handle_server_fns_with_context(
        move || leptos::prelude::provide_context(state.clone()),
        req,
    )
    .await
    .into_response();
    if read && res.status().is_success() {
        res.headers_mut().insert(
            storefront_model::offline::KEEP_OFFLINE_HEADER,
            HeaderValue::from_static("1"),
        );
    }
    res
}

/// Where a signed-in customer downloads everything the shop holds about them.
const ACCOUNT_DATA: &str = storefront_model::account::ACCOUNT_DATA_PATH;

/// "Download your data": the account's [`storefront_model::account::AccountData`] as a
/// JSON file, for the session's owner only; never cached anywhere.
async fn account_data(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let caller = super::session::Caller {
        ip: super::session::request_address(&parts, &state.config.trusted_proxies),
        headers: parts.headers,
    };
    let no_store = (header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match state.accounts().export(&caller).await {
        Ok(Some(data)) => match serde_json::to_vec_pretty(&data) {
            Ok(body) => (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_static(
                            "attachment; filename=\"storefront-your-data.json\"",
                        ),
                    ),
                    no_store,
                ],
                body,
            )
                .into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            [no_store],
            "Please sign in to your account to download your data.",
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [no_store],
            e.to_string(),
        )
            .into_response(),
    }
}

async fn product_image(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(slug) = file.strip_suffix(".svg") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.catalog().image_facts(slug).await {
        Ok(Some((category, colour, name))) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            super::images::product_svg(&category, &colour, &name),
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct LiveQuery {
    #[serde(default)]
    variants: String,
    #[serde(default)]
    region: String,
}

/// Server-sent events: every change to the stock of the listed variants, as `stock`
/// events carrying [`LiveStock`](storefront_model::stock::LiveStock) JSON for the region. A
/// subscriber that fell behind gets `resync` and reads the stock again.
/// Answers an anonymous live-event stream within the shop's bounds (see `streams`), or
/// 503 when the shop or this address holds as many as it may.
fn bounded_events<S, E>(state: &AppState, address: &str, events: S) -> Response
where
    S: futures_util::Stream<Item = Result<axum::response::sse::Event, E>> + Send + 'static,
    E: Into<axum::BoxError>,
{
    use axum::response::sse::{KeepAlive, Sse};
    match state.streams.enter(address) {
        Some(slot) => Sse::new(super::streams::bounded(
            events,
            slot,
            super::streams::STREAM_LIFETIME,
        ))
        .keep_alive(KeepAlive::default())
        .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "60")],
            "Too many live connections just now. The page still works, but shows changes only when it is reloaded.",
        )
            .into_response(),
    }
}

async fn live_stock(
    State(state): State<AppState>,
    Query(q): Query<LiveQuery>,
    request: axum::http::request::Parts,
) -> Response {
    use super::Heard;
    use axum::response::sse::Event;
    use futures_util::StreamExt;
    use storefront_model::stock::MAX_WATCHED_VARIANTS;

    let ids: Result<Vec<i64>, _> = q
        .variants
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse::<i64>)
        .collect();
    let ids: HashSet<i64> = match ids {
        Ok(ids) if !ids.is_empty() && ids.len() <= MAX_WATCHED_VARIANTS => {
            ids.into_iter().collect()
        }
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                format!("variants: 1 to {MAX_WATCHED_VARIANTS} variant ids, comma-separated"),
            )
                .into_response()
        }
    };
    let nearest = state.centres.nearest_first(&q.region);
    let to = storefront_domain::holidays::Calendar::of_region(&q.region);
    let centres = state.centres.clone();
    let events = super::until_stopping(state.live.subscribe(), state.stopping.subscribe())
        .filter_map(move |heard| {
            std::future::ready(match heard {
                Heard::Message(change) if ids.contains(&change.variant_id) => {
                    let live = change.live(&centres, &nearest, to, super::unix_now());
                    Some(Event::default().event("stock").json_data(&live))
                }
                Heard::Message(_) => None,
                Heard::FellBehind => Some(Ok(Event::default().event("resync").data("resync"))),
            })
        });
    let address = super::session::request_address(&request, &state.config.trusted_proxies);
    bounded_events(&state, &address, events)
}

/// The shopper's chat events (see [`storefront_model::support::CHAT_EVENTS_URL`]).
async fn help_events(
    State(state): State<AppState>,
    request: axum::http::request::Parts,
) -> Response {
    let shopper = super::session::cookie(&request.headers, super::session::SHOPPER_COOKIE)
        .map(|key| super::session::digest(&key));
    let address = super::session::request_address(&request, &state.config.trusted_proxies);
    let events = super::desk::shopper_events(state.clone(), shopper);
    bounded_events(&state, &address, events)
}

/// The agent console's events, for signed-in agents only.
async fn agent_events(State(state): State<AppState>, headers: HeaderMap) -> Response {
    use axum::response::sse::{KeepAlive, Sse};
    match state.agents().from_headers(&headers).await {
        Ok(_) => Sse::new(super::desk::agent_events(state))
            .keep_alive(KeepAlive::default())
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::UNAUTHORIZED),
            e.to_string(),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
struct OrderQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    key: String,
}

/// (Every event carries some data: a browser drops an event whose data is empty.)
///
/// An order's status page listens here (`storefront_model::orders::order_events_url`):
/// an `order` event each time the order changes (the page reads it again), `resync`
/// after a lag. Only for the holder of a private key, like the page itself.
async fn live_order(
    State(state): State<AppState>,
    Query(q): Query<OrderQuery>,
    request: axum::http::request::Parts,
) -> Response {
    use super::Heard;
    use axum::response::sse::Event;
    use futures_util::StreamExt;
    let order = match state.orders().unlock(&q.number, &q.key).await {
        Ok(id) => id,
        Err(e) => {
            return (
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::NOT_FOUND),
                e.to_string(),
            )
                .into_response()
        }
    };
    let events = super::until_stopping(state.order_events.subscribe(), state.stopping.subscribe())
        .filter_map(move |heard| {
            std::future::ready(match heard {
                Heard::Message(id) if id == order => Some(Ok::<_, std::convert::Infallible>(
                    Event::default().event("order").data("changed"),
                )),
                Heard::Message(_) => None,
                Heard::FellBehind => Some(Ok(Event::default().event("resync").data("resync"))),
            })
        });
    let address = super::session::request_address(&request, &state.config.trusted_proxies);
    bounded_events(&state, &address, events)
}

/// A courier's tracking report (see `courier`): 200 with what it did, 401 for a bad
/// signature, 400 for a stale or unreadable one, 409 for a replay, 404 for a parcel the
/// shop doesn't have, 503 when it could not be stored (send it again). Nothing changes
/// unless the answer is 200.
async fn courier_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use super::courier::{ReportRefused, SIGNATURE_HEADER};
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    match state.fulfilment().report(signature, &body).await {
        Ok(applied) => axum::Json(applied).into_response(),
        Err(refused) => {
            let status = match refused {
                ReportRefused::BadSignature => StatusCode::UNAUTHORIZED,
                ReportRefused::Stale | ReportRefused::Unreadable(_) => StatusCode::BAD_REQUEST,
                ReportRefused::Replayed => StatusCode::CONFLICT,
                ReportRefused::UnknownParcel => StatusCode::NOT_FOUND,
                // Not taken: a courier retries on 5xx, so the event is not lost.
                ReportRefused::NotStored => StatusCode::SERVICE_UNAVAILABLE,
            };
            tracing::warn!(%refused, "courier report refused");
            (
                status,
                axum::Json(serde_json::json!({ "error": refused.to_string() })),
            )
                .into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct CourierStepRequest {
    tracking: String,
    /// One of the courier events; without it, the parcel's next usual step.
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    expected_on: Option<String>,
}

/// Makes the test courier report on a parcel now (tests and demos):
/// `{"tracking", "event"?, "detail"?, "expected_on"?}`.
async fn admin_courier_step(
    State(state): State<AppState>,
    axum::Json(req): axum::Json<CourierStepRequest>,
) -> Response {
    use storefront_domain::fulfilment::CourierEvent;
    let event = match req.event.as_deref().map(|e| CourierEvent::parse(e.trim())) {
        Some(None) => {
            return admin_answer::<()>(Err(AdminError::Invalid(
                "event: collected, in_transit, out_for_delivery, delivered or delivery_failed"
                    .into(),
            )))
        }
        Some(Some(e)) => Some(e),
        None => None,
    };
    admin_answer(
        state
            .fulfilment()
            .test_courier_step(
                req.tracking.trim(),
                event,
                &req.detail,
                req.expected_on.as_deref(),
            )
            .await
            .map_err(AdminError::Invalid),
    )
}

/// The address in every offers mail and price alert that stops it: for a person, the
/// page (`/unsubscribe?token=…`), which stops it as it opens; for a mail program, a POST
/// with `List-Unsubscribe=One-Click` (RFC 8058).
pub const ONE_CLICK_UNSUBSCRIBE: &str = "/unsubscribe";

#[derive(serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The mail program's one click (`List-Unsubscribe-Post`). It comes from the mail
/// provider, not the shop's pages, so it is outside `/api` and its cross-site check: the
/// token, known only to whoever got the mail, is what allows it, and all it can do is
/// stop mail. Answers 200 when stopped (an offers link again too), 404 for a token never
/// ours or a price alert's link already used.
async fn one_click_unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    match state.offers().unsubscribe(&query.token).await {
        Ok(words) => (StatusCode::OK, words).into_response(),
        Err(e @ storefront_model::ShopError::NotFound(_)) => {
            (StatusCode::NOT_FOUND, e.to_string()).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(serde::Deserialize)]
struct PriceRequest {
    slug: String,
    price_minor: i64,
}

/// Sets a product's price: `{"slug", "price_minor"}` (pence). A lower one tells its
/// watchers.
async fn admin_price(
    State(state): State<AppState>,
    axum::Json(req): axum::Json<PriceRequest>,
) -> Response {
    admin_answer(
        state
            .offers()
            .set_price(req.slug.trim(), req.price_minor)
            .await,
    )
}

#[derive(serde::Deserialize)]
struct ReceiveRequest {
    sku: String,
    centre: String,
    quantity: u32,
}

#[derive(serde::Deserialize)]
struct IncomingRequest {
    sku: String,
    centre: String,
    quantity: u32,
    expected_on: String,
}

/// The stock admin API, behind [`require_admin`]: the token is checked before the body
/// is even read.
fn admin_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/admin/receive", post(admin_receive))
        .route("/api/admin/incoming", post(admin_incoming))
        .route("/api/admin/courier/step", post(admin_courier_step))
        .route("/api/admin/price", post(admin_price))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_admin))
}

async fn require_admin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match admin_refusal(&state, req.headers()) {
        Some(refused) => refused,
        None => next.run(req).await,
    }
}

/// The admin API answers only to `Authorization: Bearer <STOREFRONT_ADMIN_TOKEN>`, and
/// does not exist when no token is configured.
fn admin_refusal(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let Some(configured) = state.config.admin_token.as_deref() else {
        return Some(StatusCode::NOT_FOUND.into_response());
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if super::stock::admin_allowed(Some(configured), presented) {
        None
    } else {
        Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "an admin token is required",
            )
                .into_response(),
        )
    }
}

fn admin_answer<T: serde::Serialize>(result: Result<T, AdminError>) -> Response {
    match result {
        Ok(body) => axum::Json(body).into_response(),
        Err(e) => {
            let status = match e {
                AdminError::Invalid(_) => StatusCode::BAD_REQUEST,
                AdminError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (
                status,
                axum::Json(serde_json::json!({ "error": e.to_string() })),
            )
                .into_response()
        }
    }
}

/// Receives stock at a centre: `{"sku", "centre" (code), "quantity"}`.
async fn admin_receive(
    State(state): State<AppState>,
    axum::Json(req): axum::Json<ReceiveRequest>,
) -> Response {
    admin_answer(
        state
            .stock()
            .receive(&req.sku, &req.centre, req.quantity)
            .await,
    )
}

/// Announces stock on its way: `{"sku", "centre", "quantity", "expected_on": "YYYY-MM-DD"}`.
async fn admin_incoming(
    State(state): State<AppState>,
    axum::Json(req): axum::Json<IncomingRequest>,
) -> Response {
    admin_answer(
        state
            .stock()
            .announce_delivery(&req.sku, &req.centre, req.quantity, &req.expected_on)
            .await
            .map(|()| serde_json::json!({ "ok": true })),
    )
}

/// Whether a file name carries trunk's content hash (`app-0123456789abcdef_bg.wasm`),
/// so its content can never change under that name.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    // Trunk writes a 64-bit hash in hex without leading zeros: usually 16 digits, 15 one
    // build in sixteen (then the bundle went uncached for a year's worth of visits).
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// Hashed assets are cached for a year; the app shell and the service worker are always
/// revalidated so a new release is picked up at once; API answers are never cached.
async fn cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    if res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let value = if path.starts_with("/api/") || path == "/healthz" {
        "no-store"
    } else if is_hashed_asset(&path) && res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else if path == SERVICE_WORKER
        || res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"text/html"))
    {
        "no-cache"
    } else {
        "public, max-age=3600"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::is_own_site_write;

    #[test]
    fn only_the_shops_own_pages_may_write() {
        let own = "https://shop.example";
        assert!(is_own_site_write(Some("same-origin"), Some(own), own));
        assert!(
            is_own_site_write(Some("none"), None, own),
            "typed into the address bar"
        );
        assert!(!is_own_site_write(Some("cross-site"), Some(own), own));
        assert!(
            !is_own_site_write(Some("same-site"), None, own),
            "a sibling subdomain"
        );
        // Older browsers: the Origin must be the shop's own.
        assert!(is_own_site_write(None, Some("https://shop.example"), own));
        assert!(is_own_site_write(
            None,
            Some("HTTPS://SHOP.EXAMPLE"),
            "https://shop.example/"
        ));
        assert!(!is_own_site_write(None, Some("https://evil.example"), own));
        assert!(!is_own_site_write(None, Some("null"), own));
        assert!(!is_own_site_write(
            None,
            Some("https://shop.example.evil.example"),
            own
        ));
        // Not a browser page at all.
        assert!(is_own_site_write(None, None, own));
    }

    use super::is_hashed_asset;

    #[test]
    fn recognises_trunk_hashes() {
        assert!(is_hashed_asset("/storefront-3f2a9c1b7d4e5f60_bg.wasm"));
        assert!(is_hashed_asset("/storefront-3f2a9c1b7d4e5f60.js"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        assert!(
            is_hashed_asset("/storefront-db63f44e8ce6787_bg.wasm"),
            "a hash with a leading zero dropped"
        );
        assert!(is_hashed_asset(
            "/staff/storefront-staff-93867e362b18d39e.js"
        ));
        assert!(!is_hashed_asset("/p/merino-crew-neck"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/orders/SF-12345678"));
        assert!(!is_hashed_asset("/favicon.svg"));
    }
}
