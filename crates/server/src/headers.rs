//! The security headers every answer carries, and the Content-Security-Policy of the app's
//! page: scripts only from the shop itself, the WebAssembly module allowed to compile
//! (`'wasm-unsafe-eval'`), and the one inline script trunk writes into `index.html` (its
//! loader) allowed by its SHA-256 hash, read from the built file.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

/// The policy of everything that is not the app's page (JSON, images, files): nothing
/// may run or load, and no site may frame it.
pub const OTHER_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Features the shop never uses, switched off for its pages and anything they embed.
pub const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()";

/// `'sha256-…'` sources for the inline scripts (those without `src`) in `html`.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start + "<script".len()..];
        let Some(tag_end) = rest.find('>') else { break };
        let attributes = &rest[..tag_end];
        rest = &rest[tag_end + 1..];
        let Some(close) = rest.find("</script>") else {
            break;
        };
        let body = &rest[..close];
        rest = &rest[close..];
        if !attributes.contains("src=") {
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
    }
    hashes
}

/// The policy of the app's page, allowing the inline scripts with these hashes.
pub fn page_policy(hashes: &[String]) -> String {
    let inline = hashes.iter().map(|h| format!(" {h}")).collect::<String>();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{inline}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The page policy for the built apps' `index.html` files (the shop's and the staff's),
/// worked out again when one changes (a new `trunk build` gives the loader new file
/// names, so a new hash). One policy allows both apps' loaders.
pub struct PagePolicy {
    indexes: Vec<PathBuf>,
    cached: Mutex<Option<(Vec<Option<SystemTime>>, HeaderValue)>>,
}

impl PagePolicy {
    pub fn new(app_dirs: &[&std::path::Path]) -> Self {
        Self {
            indexes: app_dirs.iter().map(|d| d.join("index.html")).collect(),
            cached: Mutex::new(None),
        }
    }

    pub fn current(&self) -> HeaderValue {
        let modified: Vec<Option<SystemTime>> = self
            .indexes
            .iter()
            .map(|i| std::fs::metadata(i).and_then(|m| m.modified()).ok())
            .collect();
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, value)) = cached.as_ref() {
            if *at == modified {
                return value.clone();
            }
        }
        let html: String = self
            .indexes
            .iter()
            .map(|i| std::fs::read_to_string(i).unwrap_or_default())
            .collect();
        let value = HeaderValue::from_str(&page_policy(&inline_script_hashes(&html)))
            .unwrap_or_else(|_| HeaderValue::from_static(OTHER_POLICY));
        *cached = Some((modified, value.clone()));
        value
    }
}

/// Sets the security headers on an answer (keeping any the handler set itself). `html`:
/// whether it is the app's page; `https`: whether the shop's public address is HTTPS.
pub fn secure(headers: &mut HeaderMap, page: Option<HeaderValue>, https: bool) {
    let mut set = |name: HeaderName, value: HeaderValue| {
        headers.entry(name).or_insert(value);
    };
    set(
        header::CONTENT_SECURITY_POLICY,
        page.unwrap_or_else(|| HeaderValue::from_static(OTHER_POLICY)),
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    set(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    set(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    set(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    set(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https {
        // Browsers keep to HTTPS for a year once they have seen this over HTTPS.
        set(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed_and_the_hash_is_of_their_exact_text() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\n</script>\
                    <script src=\"/b.js\"></script><link rel=\"modulepreload\" href=\"/a.js\"></head>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"\nimport init from '/a.js';\n"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        let policy = page_policy(&hashes);
        assert!(policy.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' {}",
            hashes[0]
        )));
        assert!(!policy.contains("unsafe-inline"));
        assert!(inline_script_hashes("<p>no scripts</p><script>unclosed").is_empty());
    }

    #[test]
    fn https_shops_get_hsts_and_handlers_keep_their_own_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        secure(&mut headers, None, true);
        assert_eq!(
            headers[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], OTHER_POLICY);
        let mut plain = HeaderMap::new();
        secure(&mut plain, None, false);
        assert!(!plain.contains_key(header::STRICT_TRANSPORT_SECURITY));
        assert_eq!(plain["cross-origin-opener-policy"], "same-origin");
    }
}
