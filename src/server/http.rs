//! The axum app: server functions under `/api`, generated product images, and the built
//! storefront with a single-page-app fallback, precompressed assets and cache headers.

use super::AppState;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// Largest request body accepted (server-function arguments are small).
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    let site = state.config.site_dir.clone();
    let static_files = ServeDir::new(&site)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(site.join("index.html")));
    Router::new()
        .route("/api/{*fn_name}", get(server_fn).post(server_fn))
        .route("/images/products/{file}", get(product_image))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(static_files)
        .layer(middleware::from_fn(cache_headers))
        .layer(CompressionLayer::new())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    leptos_axum::handle_server_fns_with_context(
        move || leptos::prelude::provide_context(state.clone()),
        req,
    )
    .await
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

/// Whether a file name carries trunk's content hash (`app-0123456789abcdef_bg.wasm`),
/// so its content can never change under that name.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Hashed assets are cached for a year; the app shell is always revalidated so a new
/// release is picked up at once; API answers are never cached.
async fn cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    if res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let value = if path.starts_with("/api/") {
        "no-store"
    } else if is_hashed_asset(&path) && res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else if res
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
    use super::is_hashed_asset;

    #[test]
    fn recognises_trunk_hashes() {
        assert!(is_hashed_asset("/storefront-3f2a9c1b7d4e5f60_bg.wasm"));
        assert!(is_hashed_asset("/storefront-3f2a9c1b7d4e5f60.js"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/orders/SF-12345678"));
        assert!(!is_hashed_asset("/favicon.svg"));
    }
}
