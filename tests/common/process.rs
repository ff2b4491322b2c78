//! The shop binary as a process of its own, for the tests that kill one or run several
//! side by side: its data directory, its database (SQLite there, or a fresh PostgreSQL
//! database when the tests run against PostgreSQL), HTTP to it as a browser or a proxy
//! in front of it would send.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use storefront::server::db::Pool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The shop binary running on its own port over the data in `dir`.
pub struct Process {
    child: Child,
    pub port: u16,
}

impl Process {
    pub async fn start(dir: &std::path::Path) -> Self {
        Self::start_with(dir, &[]).await
    }

    /// Starts it with these configuration variables besides (`STOREFRONT_…`).
    pub async fn start_with(dir: &std::path::Path, settings: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("shop.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_storefront"))
            .env("STOREFRONT_DATABASE_URL", database_url(dir).await)
            .env("STOREFRONT_HOST", "127.0.0.1")
            .env("STOREFRONT_PORT", port.to_string())
            .env("STOREFRONT_DATA_DIR", dir)
            .env("STOREFRONT_SITE_DIR", dir)
            .env("STOREFRONT_DEMO_PRODUCTS", "20")
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let shop = Self { child, port };
        let open_by = Instant::now() + Duration::from_secs(60);
        while shop.call("GET", "/healthz", None).await.is_none() {
            assert!(
                Instant::now() < open_by,
                "the shop did not open: {}",
                log_of(dir)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        shop
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Option<(u16, Value)> {
        call(self.port, method, path, body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call("POST", path, Some(body))
            .await
            .unwrap_or_else(|| panic!("no answer to {path}"))
    }

    pub fn kill(mut self) {
        // SIGKILL: no shutdown, no flushing, as when the machine loses the process.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// One HTTP/1.0 request to the shop on `port`; the status and the JSON (or text) answer,
/// or `None` when the connection failed.
pub async fn call(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    call_from(port, method, path, body, None).await
}

/// [`call`] as a proxy in front of the shop sends it: for `client` (`X-Forwarded-For`).
pub async fn call_from(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    client: Option<&str>,
) -> Option<(u16, Value)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            client.map(|c| format!("X-Forwarded-For: {c}\r\n")).unwrap_or_default()
        );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.ok()?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let json = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    Some((status, json))
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether these tests run against PostgreSQL (`STOREFRONT_TEST_POSTGRES`).
pub fn on_postgres() -> bool {
    std::env::var("STOREFRONT_TEST_POSTGRES").is_ok_and(|url| !url.is_empty())
}

/// The database of the shop in `dir`: its SQLite file, or a fresh PostgreSQL database
/// made the first time it is asked for, when the tests run against PostgreSQL.
pub async fn database_url(dir: &std::path::Path) -> String {
    let file = dir.join("database_url");
    if let Ok(url) = std::fs::read_to_string(&file) {
        return url;
    }
    let url = match std::env::var("STOREFRONT_TEST_POSTGRES") {
        Ok(server) if !server.is_empty() => super::shop::fresh_postgres_database(&server).await,
        _ => format!("sqlite://{}", dir.join("storefront.db").display()),
    };
    std::fs::write(&file, &url).unwrap();
    url
}

/// A pool on the database of the shop in `dir`, to look into it or fill it.
pub async fn database(dir: &std::path::Path) -> Pool {
    storefront::server::db::connect(&database_url(dir).await)
        .await
        .unwrap()
}

pub fn log_of(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("shop.log")).unwrap_or_default()
}

/// The body of `POST /api/place_order` for one unit of `variant` under `key`, priced and
/// tokenised by the shop on `port`, paid with `card`; sent for `client` (as a proxy would) if given.
pub async fn order_body(
    port: u16,
    variant: i64,
    key: &str,
    card: &str,
    client: Option<&str>,
) -> Value {
    let (status, token) = call_from(
        port,
        "POST",
        "/api/card_token",
        Some(&json!({"card": {"name": "Sam Shopper", "number": card, "expiry": "12/39", "cvc": "123"}})),
        client,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{token}");
    let lines = json!([{"variant_id": variant, "quantity": 1}]);
    let (status, priced) = call_from(
        port,
        "POST",
        "/api/price_cart",
        Some(&json!({"lines": lines, "region": "yorkshire"})),
        client,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{priced}");
    json!({"request": {
        "key": key,
        "details": {
            "email": "sam@example.com",
            "phone": "07700 900123",
            "address": {"name": "Sam Shopper", "line1": "1 High Street", "line2": "", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB"}
        },
        "lines": lines,
        "region": "yorkshire",
        "delivery": "standard",
        "card_token": token["token"],
        "accept_backorder": false,
        "offers": false,
        "expected_now": priced["charges"]["now"],
        "expected_total": priced["total"],
    }})
}
