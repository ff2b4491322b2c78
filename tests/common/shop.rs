//! One way to start a shop for a test or a benchmark: a temporary directory (the data
//! and site directory; the staff app's is `staff-app/` in it) with a fresh SQLite file,
//! or, with `STOREFRONT_TEST_POSTGRES` set to a PostgreSQL URL, a fresh database on that
//! server; the demo catalog, the server functions registered, the real router. Each test
//! says only what differs for it.
//!
//! ```ignore
//! let shop = TestShop::new().products(20).agents("alex", PASSWORD).start().await;
//! let answer = router::json_fn(&shop.app, "/api/…", None, body).await;
//! ```

use storefront::api::register_server_fns;
use storefront::server::config::Config;
use storefront::server::{http::router, prepare, AppState};

/// A running shop: its router, its state (for looking into the database) and the
/// directory it lives in (deleted when this is dropped).
pub struct Shop {
    pub app: axum::Router,
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

/// What a test shop is configured with, beyond the data and site directories.
#[derive(Default)]
pub struct TestShop {
    settings: Vec<(String, String)>,
    site_files: Vec<(&'static str, &'static [u8])>,
    staff_files: Vec<(&'static str, &'static [u8])>,
}

impl TestShop {
    pub fn new() -> Self {
        Self::default()
    }

    /// Any configuration variable (`STOREFRONT_…`), as the environment would give it.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.settings.push((name.to_owned(), value.into()));
        self
    }

    /// The size of the demo catalog (the default is `STOREFRONT_DEMO_PRODUCTS`'s).
    pub fn products(self, count: usize) -> Self {
        self.with("STOREFRONT_DEMO_PRODUCTS", count.to_string())
    }

    /// Agent accounts, each with `password` (hashed with Argon2id as in production).
    pub fn agents(self, names: &[&str], password: &str) -> Self {
        let hash = storefront::server::agents::hash_password(password).unwrap();
        let accounts: Vec<String> = names.iter().map(|n| format!("{n}:{hash}")).collect();
        self.with("STOREFRONT_AGENTS", accounts.join(";"))
    }

    /// A file in the site directory (the built app), e.g. `index.html`.
    pub fn site_file(mut self, name: &'static str, content: &'static [u8]) -> Self {
        self.site_files.push((name, content));
        self
    }

    /// A file in the staff app's directory (its own build), e.g. `index.html`.
    pub fn staff_file(mut self, name: &'static str, content: &'static [u8]) -> Self {
        self.staff_files.push((name, content));
        self
    }

    /// Opens the shop: migrations, the demo catalog, the search index, the router.
    pub async fn start(self) -> Shop {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in &self.site_files {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        let staff_dir = dir.path().join("staff-app");
        std::fs::create_dir(&staff_dir).unwrap();
        for (name, content) in &self.staff_files {
            std::fs::write(staff_dir.join(name), content).unwrap();
        }
        let data = dir.path().to_str().unwrap().to_owned();
        let chosen = self
            .settings
            .iter()
            .any(|(k, _)| k == "STOREFRONT_DATABASE_URL");
        let database = match std::env::var("STOREFRONT_TEST_POSTGRES") {
            Ok(server) if !server.is_empty() && !chosen => {
                Some(fresh_postgres_database(&server).await)
            }
            _ => None,
        };
        let staff = staff_dir.to_str().unwrap().to_owned();
        let config = Config::from_lookup(|name| match name {
            "STOREFRONT_DATA_DIR" | "STOREFRONT_SITE_DIR" => Some(data.clone()),
            "STOREFRONT_STAFF_DIR" => Some(staff.clone()),
            "STOREFRONT_DATABASE_URL" if database.is_some() => database.clone(),
            _ => self
                .settings
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
        })
        .unwrap();
        register_server_fns();
        storefront::server::log_for_tests();
        let state = prepare(config).await.unwrap();
        Shop {
            app: router(state.clone()),
            state,
            dir,
        }
    }
}

/// A new, empty database on the PostgreSQL server of `url` (any database on it the test
/// user may connect to): the shop under test migrates it as it would a new shop's.
pub async fn fresh_postgres_database(url: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "shop_{}_{}_{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed),
        rand_suffix()
    );
    let admin = storefront::server::db::connect(url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let server = url.rsplit_once('/').map_or(url, |(server, _)| server);
    format!("{server}/{name}")
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| u64::from(t.subsec_nanos()))
}
