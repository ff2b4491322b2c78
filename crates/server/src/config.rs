//! Configuration, read once from the environment at start. Every variable is listed
//! with its default in README.md.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `STOREFRONT_HOST`, default `127.0.0.1`.
    pub host: IpAddr,
    /// `STOREFRONT_PORT`, default `8080`.
    pub port: u16,
    /// `STOREFRONT_DATA_DIR`, default `data`: the SQLite file and, later, the mail outbox.
    pub data_dir: PathBuf,
    /// `STOREFRONT_DATABASE_URL`, default `sqlite://<data dir>/storefront.db`.
    pub database_url: String,
    /// `STOREFRONT_SITE_DIR`, default `dist`: the built shop (`trunk build`).
    pub site_dir: PathBuf,
    /// `STOREFRONT_STAFF_DIR`, default `dist-staff`: the built staff app (`trunk build
    /// staff.html`), served at `/agent`, `/warehouse` and its files under `/staff/`.
    pub staff_dir: PathBuf,
    /// `STOREFRONT_SEED_DEMO`, default `true`: fill an empty database with the demo catalog.
    pub seed_demo: bool,
    /// `STOREFRONT_DEMO_PRODUCTS`, default `216`: how many products the demo catalog has
    /// (the generator is deterministic; benchmarks use 10,000).
    pub demo_products: usize,
    /// `STOREFRONT_SYNONYMS`, default `content/synonyms.txt`: the search synonyms.
    pub synonyms_file: PathBuf,
    /// Bearer token for the stock admin API (`/api/admin/*`); the API is off without one.
    pub admin_token: Option<String>,
    /// The sender of the shop's mail.
    pub mail_from: String,
    /// Where mail goes when no SMTP server is configured: one file per message.
    pub outbox_dir: PathBuf,
    /// `STOREFRONT_PUBLIC_URL`, default `http://<host>:<port>`: the shop's address as
    /// shoppers reach it, for links in mail (no trailing slash).
    pub public_url: String,
    /// `STOREFRONT_AGENTS`, default none: who may sign in to the agent console, as
    /// `name:argon2-hash` pairs separated by `;` (hashes from `storefront hash-password`).
    pub agents: Vec<super::agents::AgentAccount>,
    /// `STOREFRONT_WAREHOUSE`, default none: who may sign in to the warehouse back-office
    /// (`/warehouse`), in the same form as `STOREFRONT_AGENTS`.
    pub warehouse: Vec<super::agents::AgentAccount>,
    /// `STOREFRONT_COURIER_SECRET`, default a random one per start: the key couriers sign
    /// their tracking reports with (HMAC-SHA256), at least 32 characters.
    pub courier_secret: String,
    /// `STOREFRONT_TEST_COURIER_STEP_SECONDS`, default `0` (off): the demo clock that moves
    /// every parcel the test courier holds one step along its journey this often.
    pub test_courier_step_seconds: u64,
    /// `STOREFRONT_FOLLOW_UP_DAYS`, default 30 (`storefront_domain::reviews::FOLLOW_UP_DAYS`):
    /// how many days after delivery the "How did it go?" mail goes (0: at once).
    pub follow_up_days: u32,
    /// `STOREFRONT_OFFERS_EVERY_DAYS`, default 30 (`storefront_domain::offers::EVERY_DAYS`),
    /// 30 to 365: the frequency cap. The offers mail goes to those who asked for it this
    /// often, and never twice to one person within this many days.
    pub offers_every_days: u32,
    /// `STOREFRONT_SMTP_URL`, default none (mail goes to the outbox directory): the SMTP
    /// server, as `smtps://user:pass@host` or `smtp://host:587?tls=required`.
    pub smtp_url: Option<String>,
    /// `STOREFRONT_HELP`, default `content/help.json`: contact details, hours and answers.
    pub help_file: PathBuf,
    /// `STOREFRONT_TRUSTED_PROXIES`, default none: addresses of the reverse proxies in front
    /// of the shop, separated by commas. Only a request from one of them may name the
    /// client's address (`X-Forwarded-For`); everyone else is known by the connection's.
    pub trusted_proxies: Vec<IpAddr>,
    /// `STOREFRONT_DURABILITY`, default `full`: an acknowledged order is on disk and
    /// survives a power cut; `normal` is faster but may lose the last moments on one.
    pub durability: super::db::Durability,
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    name: &'static str,
    problem: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads the configuration through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        fn parse<T: std::str::FromStr>(
            get: &impl Fn(&str) -> Option<String>,
            name: &'static str,
            default: T,
            expected: &str,
        ) -> Result<T, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(raw) => raw.trim().parse().map_err(|_| ConfigError {
                    name,
                    problem: format!("expected {expected}, got {raw:?}"),
                }),
            }
        }
        let host = parse(
            &get,
            "STOREFRONT_HOST",
            IpAddr::from([127, 0, 0, 1]),
            "an IP address",
        )?;
        let port = parse(&get, "STOREFRONT_PORT", 8080u16, "a port number")?;
        let data_dir = PathBuf::from(get("STOREFRONT_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("STOREFRONT_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("storefront.db").display()));
        let site_dir = PathBuf::from(get("STOREFRONT_SITE_DIR").unwrap_or_else(|| "dist".into()));
        let staff_dir =
            PathBuf::from(get("STOREFRONT_STAFF_DIR").unwrap_or_else(|| "dist-staff".into()));
        let seed_demo = parse(&get, "STOREFRONT_SEED_DEMO", true, "true or false")?;
        let demo_products = parse(
            &get,
            "STOREFRONT_DEMO_PRODUCTS",
            216usize,
            "a number of products",
        )?;
        if !(1..=100_000).contains(&demo_products) {
            return Err(ConfigError {
                name: "STOREFRONT_DEMO_PRODUCTS",
                problem: format!("expected 1 to 100000, got {demo_products}"),
            });
        }
        let synonyms_file = PathBuf::from(
            get("STOREFRONT_SYNONYMS").unwrap_or_else(|| "content/synonyms.txt".into()),
        );
        let admin_token = get("STOREFRONT_ADMIN_TOKEN").map(|t| t.trim().to_owned());
        if admin_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(ConfigError {
                name: "STOREFRONT_ADMIN_TOKEN",
                problem: "expected at least 16 characters".into(),
            });
        }
        let mail_from = get("STOREFRONT_MAIL_FROM")
            .unwrap_or_else(|| "Storefront <help@storefront.example>".into());
        let outbox_dir =
            get("STOREFRONT_OUTBOX_DIR").map_or_else(|| data_dir.join("outbox"), PathBuf::from);
        let public_url = get("STOREFRONT_PUBLIC_URL").map_or_else(
            || format!("http://{}", SocketAddr::new(host, port)),
            |u| u.trim().trim_end_matches('/').to_owned(),
        );
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                name: "STOREFRONT_PUBLIC_URL",
                problem: format!("expected an http:// or https:// address, got {public_url:?}"),
            });
        }
        let agents = super::agents::parse_accounts(&get("STOREFRONT_AGENTS").unwrap_or_default())
            .map_err(|problem| ConfigError {
            name: "STOREFRONT_AGENTS",
            problem,
        })?;
        let warehouse =
            super::agents::parse_accounts(&get("STOREFRONT_WAREHOUSE").unwrap_or_default())
                .map_err(|problem| ConfigError {
                    name: "STOREFRONT_WAREHOUSE",
                    problem,
                })?;
        let courier_secret = match get("STOREFRONT_COURIER_SECRET") {
            Some(secret) if secret.trim().len() >= 32 => secret.trim().to_owned(),
            Some(_) => {
                return Err(ConfigError {
                    name: "STOREFRONT_COURIER_SECRET",
                    problem: "expected at least 32 characters".into(),
                })
            }
            None => super::random_token(40),
        };
        let test_courier_step_seconds = parse(
            &get,
            "STOREFRONT_TEST_COURIER_STEP_SECONDS",
            0u64,
            "a number of seconds",
        )?;
        let follow_up_days = parse(
            &get,
            "STOREFRONT_FOLLOW_UP_DAYS",
            storefront_domain::reviews::FOLLOW_UP_DAYS,
            "a number of days",
        )?;
        let offers_every_days = parse(
            &get,
            "STOREFRONT_OFFERS_EVERY_DAYS",
            storefront_domain::offers::EVERY_DAYS,
            "a number of days",
        )?;
        let allowed = storefront_domain::offers::EVERY_DAYS_RANGE;
        if !allowed.contains(&offers_every_days) {
            return Err(ConfigError {
                name: "STOREFRONT_OFFERS_EVERY_DAYS",
                problem: format!(
                    "expected {} to {} days, got {offers_every_days}",
                    allowed.start(),
                    allowed.end()
                ),
            });
        }
        let smtp_url = get("STOREFRONT_SMTP_URL").map(|u| u.trim().to_owned());
        if let Some(url) = &smtp_url {
            super::mail::check_smtp_url(url).map_err(|problem| ConfigError {
                name: "STOREFRONT_SMTP_URL",
                problem,
            })?;
        }
        let help_file =
            PathBuf::from(get("STOREFRONT_HELP").unwrap_or_else(|| "content/help.json".into()));
        let trusted_proxies = get("STOREFRONT_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpAddr>().map_err(|_| ConfigError {
                    name: "STOREFRONT_TRUSTED_PROXIES",
                    problem: format!(
                        "{p:?} is not an IP address (list addresses, separated by commas)"
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let durability = match get("STOREFRONT_DURABILITY") {
            None => super::db::Durability::default(),
            Some(text) => super::db::Durability::parse(&text).ok_or_else(|| ConfigError {
                name: "STOREFRONT_DURABILITY",
                problem: format!("expected full or normal, got {text:?}"),
            })?,
        };
        Ok(Self {
            durability,
            trusted_proxies,
            agents,
            warehouse,
            courier_secret,
            test_courier_step_seconds,
            follow_up_days,
            offers_every_days,
            smtp_url,
            help_file,
            public_url,
            admin_token,
            mail_from,
            outbox_dir,
            demo_products,
            synonyms_file,
            host,
            port,
            data_dir,
            database_url,
            site_dir,
            staff_dir,
            seed_demo,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr().to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/storefront.db");
        assert_eq!(c.site_dir, PathBuf::from("dist"));
        assert_eq!(c.staff_dir, PathBuf::from("dist-staff"));
        assert!(c.seed_demo);
        assert!(c.admin_token.is_none());
        assert_eq!(c.outbox_dir, PathBuf::from("data/outbox"));
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert!(c.agents.is_empty());
        assert!(c.smtp_url.is_none());
        assert_eq!(c.help_file, PathBuf::from("content/help.json"));
    }

    #[test]
    fn durability_is_full_unless_said_otherwise() {
        use crate::db::Durability;
        assert_eq!(config(&[]).unwrap().durability, Durability::Full);
        let c = config(&[("STOREFRONT_DURABILITY", "normal")]).unwrap();
        assert_eq!(c.durability, Durability::Normal);
        let e = config(&[("STOREFRONT_DURABILITY", "off")]).unwrap_err();
        assert!(e.to_string().contains("STOREFRONT_DURABILITY"), "{e}");
    }

    #[test]
    fn trusted_proxies_are_addresses() {
        let c = config(&[("STOREFRONT_TRUSTED_PROXIES", "10.0.0.2, ::1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(config(&[]).unwrap().trusted_proxies.is_empty());
        let e = config(&[("STOREFRONT_TRUSTED_PROXIES", "10.0.0.2, proxy.local")]).unwrap_err();
        assert!(e.to_string().contains("STOREFRONT_TRUSTED_PROXIES"), "{e}");
    }

    #[test]
    fn overrides_and_errors() {
        let c = config(&[
            ("STOREFRONT_PORT", "3000"),
            ("STOREFRONT_DATA_DIR", "/tmp/x"),
        ])
        .unwrap();
        assert_eq!(c.port, 3000);
        assert_eq!(c.database_url, "sqlite:///tmp/x/storefront.db");
        let e = config(&[("STOREFRONT_PORT", "eighty")]).unwrap_err();
        assert!(e.to_string().contains("STOREFRONT_PORT"));
        let e = config(&[("STOREFRONT_ADMIN_TOKEN", "short")]).unwrap_err();
        assert!(e.to_string().contains("STOREFRONT_ADMIN_TOKEN"));
        let c = config(&[("STOREFRONT_PUBLIC_URL", "https://shop.example/")]).unwrap();
        assert_eq!(c.public_url, "https://shop.example");
        assert!(config(&[("STOREFRONT_PUBLIC_URL", "shop.example")]).is_err());
        let e = config(&[("STOREFRONT_AGENTS", "alex:secret")]).unwrap_err();
        assert!(e.to_string().contains("STOREFRONT_AGENTS"));
        let e = config(&[("STOREFRONT_SMTP_URL", "mail.example")]).unwrap_err();
        assert!(e.to_string().contains("STOREFRONT_SMTP_URL"));
        let c = config(&[("STOREFRONT_SMTP_URL", "smtp://localhost:2525")]).unwrap();
        assert_eq!(c.smtp_url.as_deref(), Some("smtp://localhost:2525"));
    }

    /// The names written `before` `STOREFRONT_…` in `text`: `"` for a Rust literal, `${`
    /// for a shell variable with a default.
    fn names_after(text: &str, before: &str) -> Vec<String> {
        text.match_indices(&format!("{before}STOREFRONT_"))
            .map(|(at, _)| {
                text[at + before.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect()
            })
            .collect()
    }

    /// Every variable the server or a script reads has its row (default and meaning) in
    /// the README's configuration tables, so the README cannot fall behind the code.
    #[test]
    fn every_variable_read_has_its_row_in_the_readme() {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = here.join("../..");
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let mut dirs = vec![here.join("src"), root.join("scripts")];
        let mut names = std::collections::BTreeSet::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let before = match path.extension().and_then(|e| e.to_str()) {
                    _ if path.is_dir() => {
                        dirs.push(path);
                        continue;
                    }
                    Some("rs") => "\"",
                    Some("sh") => "${",
                    _ => continue,
                };
                let text = std::fs::read_to_string(&path).unwrap();
                names.extend(names_after(&text, before));
            }
        }
        assert!(names.len() > 25, "found only {names:?}");
        let missing: Vec<_> = names
            .iter()
            .filter(|name| !readme.contains(&format!("| `{name}` |")))
            .collect();
        assert!(missing.is_empty(), "not in README.md's tables: {missing:?}");
    }
}
