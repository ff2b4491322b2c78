//! Who is asking: the shopper's help key and the agent's session, both random values in
//! `HttpOnly`, `Secure`, `SameSite=Strict` cookies with the `__Host-` prefix (this host
//! only, whole site, never readable by scripts). The database keeps only their SHA-256.

use axum::http::{header, HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// The shopper's key for their chat and call-backs.
pub const SHOPPER_COOKIE: &str = "__Host-sf_help";
/// The agent console's session.
pub const AGENT_COOKIE: &str = "__Host-sf_agent";
/// The warehouse back-office's session cookie (its own, beside the agents').
pub const WAREHOUSE_COOKIE: &str = "__Host-sf_warehouse";
/// A customer's account session, started by a sign-in link (`accounts`).
pub const ACCOUNT_COOKIE: &str = "__Host-sf_account";

/// How long a shopper's key lasts: a conversation can be picked up for a month.
pub const SHOPPER_KEY_SECONDS: i64 = 30 * 86_400;
/// How long an agent stays signed in: one long shift.
pub const AGENT_SESSION_SECONDS: i64 = 12 * 3_600;

const KEY_LEN: usize = 32;

/// A cookie's value, if it is there and looks like one of ours.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| v.len() == KEY_LEN && v.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A new random key for a cookie.
pub fn new_key() -> String {
    super::random_token(KEY_LEN)
}

/// The `Set-Cookie` value for `name=value` lasting `max_age` seconds (0 removes it).
pub fn set_cookie_value(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The hex SHA-256 of a key, as stored.
pub fn digest(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The request a server function is answering, as far as sessions need it.
pub struct Caller {
    pub headers: HeaderMap,
    /// The client's address, or "unknown" (tests, unusual transports).
    pub ip: String,
}

/// The client's address: the connection's, unless the connection comes from one of the
/// `trusted` proxies, in which case the nearest address in `X-Forwarded-For` that is not
/// itself a trusted proxy (anything further left could be made up by the client).
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(chain) = forwarded_for else {
        return peer;
    };
    let mut hops = chain.rsplit(',').map(|h| h.trim().parse::<IpAddr>());
    let mut nearest = peer;
    for hop in hops.by_ref() {
        match hop {
            Ok(ip) if trusted.contains(&ip) => nearest = ip,
            Ok(ip) => return ip,
            // A hop that is not an address: stop at the last one that was.
            Err(_) => return nearest,
        }
    }
    nearest
}

/// The address a client is counted under for limits: an IPv4 address as it is, an IPv6
/// one by its /64 network (what one household or one server is given, so rotating
/// through it does not reset the count).
pub fn sender_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The client's address for `request` (see [`client_address`]) as counted for limits
/// ([`sender_address`]), or "unknown" when the connection's address is not known (tests,
/// unusual transports).
pub fn request_address(request: &axum::http::request::Parts, trusted: &[IpAddr]) -> String {
    request
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            |peer| {
                let forwarded = request
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok());
                sender_address(client_address(peer.0.ip(), forwarded, trusted))
            },
        )
}

impl Caller {
    /// The caller of the server function running now.
    pub fn current() -> Self {
        let parts = leptos::prelude::use_context::<axum::http::request::Parts>();
        let trusted = leptos::prelude::use_context::<super::AppState>()
            .map(|s| s.config.trusted_proxies.clone())
            .unwrap_or_default();
        let ip = parts
            .as_ref()
            .map_or_else(|| "unknown".to_owned(), |p| request_address(p, &trusted));
        Self {
            headers: parts.map(|p| p.headers).unwrap_or_default(),
            ip,
        }
    }
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn send_cookie(value: HeaderValue) {
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.append_header(header::SET_COOKIE, value);
    }
}

/// The shopper's key hash from the cookie, or, when `create`, a new key set on the
/// response (`None` only when there is none and `create` is false).
pub fn shopper_hash(caller: &Caller, create: bool) -> Option<String> {
    match cookie(&caller.headers, SHOPPER_COOKIE) {
        Some(key) => Some(digest(&key)),
        None if create => {
            let key = new_key();
            send_cookie(set_cookie_value(SHOPPER_COOKIE, &key, SHOPPER_KEY_SECONDS));
            Some(digest(&key))
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(sender_address(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(sender_address(ip("::ffff:203.0.113.9")), "203.0.113.9");
        assert_eq!(
            sender_address(ip("2001:db8:aa:bb:1:2:3:4")),
            sender_address(ip("2001:db8:aa:bb:ffff::9"))
        );
        assert_ne!(
            sender_address(ip("2001:db8:aa:bb::1")),
            sender_address(ip("2001:db8:aa:bc::1"))
        );
    }

    #[test]
    fn the_client_address_comes_from_a_trusted_proxy_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = [ip("10.0.0.2")];
        // Anyone else's claim is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("1.2.3.4"), &proxy),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("203.0.113.9"), None, &[]),
            ip("203.0.113.9")
        );
        // Through the proxy: the hop it saw, not what the client wrote further left.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("6.6.6.6, 198.51.100.7"), &proxy),
            ip("198.51.100.7")
        );
        // Two trusted proxies in a row are skipped.
        let two = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("198.51.100.7, 10.0.0.3"), &two),
            ip("198.51.100.7")
        );
        // No header, or garbage: the nearest real address.
        assert_eq!(client_address(ip("10.0.0.2"), None, &proxy), ip("10.0.0.2"));
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("nonsense"), &proxy),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn reads_only_well_formed_cookies() {
        let key = "a".repeat(KEY_LEN);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; {SHOPPER_COOKIE}={key}")).unwrap(),
        );
        assert_eq!(cookie(&h, SHOPPER_COOKIE), Some(key));
        assert_eq!(cookie(&h, AGENT_COOKIE), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{SHOPPER_COOKIE}=short")).unwrap(),
        );
        assert_eq!(cookie(&h, SHOPPER_COOKIE), None);
    }

    #[test]
    fn cookies_are_locked_down() {
        let v = set_cookie_value(AGENT_COOKIE, "k", 60);
        let v = v.to_str().unwrap();
        for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/", "__Host-"] {
            assert!(v.contains(part), "{v}");
        }
        assert_eq!(digest("abc").len(), 64);
    }
}
