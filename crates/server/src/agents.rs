//! Agent accounts and sessions. Accounts come from configuration (`STOREFRONT_AGENTS`:
//! names with Argon2id password hashes, made by `storefront hash-password`); a sign-in
//! starts a session kept as the SHA-256 of a random cookie value, for
//! [`AGENT_SESSION_SECONDS`].

use super::session::{self, Caller, AGENT_COOKIE, AGENT_SESSION_SECONDS};
use super::{internal, unix_now, AppState};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use storefront_domain::rate::RateLimit;
use storefront_domain::validation::Field;
use storefront_model::agent::AgentView;
use storefront_model::ShopError;

/// One agent who may sign in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentAccount {
    pub name: String,
    /// PHC string, `$argon2id$v=19$…`.
    pub password_hash: String,
}

/// Shortest password `hash-password` accepts.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest name and password a sign-in looks at; longer ones are refused unhashed.
pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_PASSWORD_CHARS: usize = 1_000;

/// Password checks allowed at once. Each Argon2 check holds about 19 MiB, so this bounds
/// what a burst of sign-ins can take, whatever else bounds it.
pub const HASHING_AT_ONCE: usize = 2;

static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(HASHING_AT_ONCE));
static PASSWORD_CHECKS: AtomicU64 = AtomicU64::new(0);
static HASHING_NOW: AtomicUsize = AtomicUsize::new(0);
static HASHING_PEAK: AtomicUsize = AtomicUsize::new(0);

/// Password checks run since the process started, and the most that ran at once (for
/// the logs and the tests that bound them).
pub fn password_checks() -> (u64, usize) {
    (
        PASSWORD_CHECKS.load(Ordering::Relaxed),
        HASHING_PEAK.load(Ordering::Relaxed),
    )
}

/// Checks `password` against `hash` off the async threads, at most [`HASHING_AT_ONCE`]
/// at a time.
async fn check_password(hash: String, password: String) -> Result<bool, ShopError> {
    let _turn = HASHING.acquire().await.map_err(internal)?;
    let now = HASHING_NOW.fetch_add(1, Ordering::SeqCst) + 1;
    HASHING_PEAK.fetch_max(now, Ordering::SeqCst);
    PASSWORD_CHECKS.fetch_add(1, Ordering::Relaxed);
    let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password)).await;
    HASHING_NOW.fetch_sub(1, Ordering::SeqCst);
    matches.map_err(internal)
}

/// Failed sign-ins allowed per name in a quarter of an hour.
const SIGN_IN_FAILURES: RateLimit = RateLimit {
    max: 5,
    per_seconds: 15 * 60,
};
/// Failed sign-ins allowed per address (a team may share one) in a quarter of an hour.
const SIGN_IN_FAILURES_PER_ADDRESS: RateLimit = RateLimit {
    max: 20,
    per_seconds: 15 * 60,
};

/// Hashes a password for `STOREFRONT_AGENTS` with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "use at least {MIN_PASSWORD_CHARS} characters for an agent password"
        ));
    }
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC `hash`.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Reads `STOREFRONT_AGENTS`: `name:hash` pairs separated by `;` or new lines.
pub fn parse_accounts(text: &str) -> Result<Vec<AgentAccount>, String> {
    let mut accounts: Vec<AgentAccount> = Vec::new();
    for entry in text
        .split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let (name, hash) = entry
            .split_once(':')
            .ok_or_else(|| format!("{entry:?} is not name:hash"))?;
        let name = name.trim();
        if name.is_empty()
            || name.len() > 40
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(format!(
                "agent name {name:?}: use 1 to 40 letters, digits, dots, dashes or underscores"
            ));
        }
        if PasswordHash::new(hash.trim()).is_err() || !hash.trim().starts_with("$argon2") {
            return Err(format!(
                "agent {name}: the password must be an Argon2 hash from `storefront hash-password`"
            ));
        }
        if accounts.iter().any(|a| a.name == name) {
            return Err(format!("agent {name} is listed twice"));
        }
        accounts.push(AgentAccount {
            name: name.to_owned(),
            password_hash: hash.trim().to_owned(),
        });
    }
    Ok(accounts)
}

/// A hash no password matches, checked for unknown names so that a wrong name takes as
/// long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&super::random_token(32)).unwrap_or_default())
}

/// The two kinds of staff who sign in: customer service (the agent console) and the
/// distribution centres (the warehouse back-office). Each has its own accounts, cookie
/// and sessions; one role's session opens nothing of the other's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffRole {
    Agent,
    Warehouse,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Warehouse => "warehouse",
        }
    }

    fn cookie(self) -> &'static str {
        match self {
            Self::Agent => AGENT_COOKIE,
            Self::Warehouse => session::WAREHOUSE_COOKIE,
        }
    }

    fn accounts(self, config: &super::config::Config) -> &[AgentAccount] {
        match self {
            Self::Agent => &config.agents,
            Self::Warehouse => &config.warehouse,
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Self::Agent => "That name and password don't match an agent account.",
            Self::Warehouse => "That name and password don't match a warehouse account.",
        }
    }
}

/// A member of the warehouse team whose session the shop has just checked; only
/// [`Agents::warehouse_from_headers`] makes one.
#[derive(Debug)]
pub struct SignedInWarehouse {
    name: String,
}

impl SignedInWarehouse {
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// An agent whose session the shop has just checked. Only [`Agents::current`] and
/// [`Agents::from_headers`] make one (its field is private to this module), so every desk
/// function that takes it can only run for a signed-in agent.
#[derive(Debug)]
pub struct SignedInAgent {
    name: String,
}

impl SignedInAgent {
    pub fn name(&self) -> &str {
        &self.name
    }
}

pub struct Agents<'a> {
    state: &'a AppState,
}

impl<'a> Agents<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// Checks the agent's name and password, starts a session and sets its cookie.
    pub async fn sign_in(&self, name: &str, password: &str) -> Result<AgentView, ShopError> {
        let name = self.sign_in_as(StaffRole::Agent, name, password).await?;
        Ok(AgentView { name })
    }

    /// Checks a warehouse name and password, starts a session and sets its cookie.
    pub async fn warehouse_sign_in(&self, name: &str, password: &str) -> Result<String, ShopError> {
        self.sign_in_as(StaffRole::Warehouse, name, password).await
    }

    /// The member of the warehouse team whose session cookie is in `headers`; 401 for
    /// anyone else (an agent too).
    pub async fn warehouse_from_headers(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<SignedInWarehouse, ShopError> {
        let name = self.session_of(StaffRole::Warehouse, headers).await?;
        Ok(SignedInWarehouse { name })
    }

    /// The member of the warehouse team behind the request running now.
    pub async fn warehouse_current(&self) -> Result<SignedInWarehouse, ShopError> {
        self.warehouse_from_headers(&Caller::current().headers)
            .await
    }

    /// Ends the warehouse session behind the request's cookie.
    pub async fn warehouse_sign_out(&self) -> Result<(), ShopError> {
        self.sign_out_as(StaffRole::Warehouse).await
    }

    async fn sign_in_as(
        &self,
        role: StaffRole,
        name: &str,
        password: &str,
    ) -> Result<String, ShopError> {
        let caller = Caller::current();
        let name = name.trim().to_owned();
        let refused = || ShopError::invalid(Field::Name, role.refusal());
        if name.is_empty() || password.is_empty() {
            return Err(ShopError::invalid(
                Field::Name,
                "Please enter your name and password.",
            ));
        }
        // Every attempt takes a place in the failure windows before anything is hashed,
        // so a burst of attempts hashes at most as many as the windows allow; a sign-in
        // that succeeds gives its places back.
        let desk = &self.state.desk;
        let by_name = format!("sign-in:{name}");
        let by_address = format!("sign-in-ip:{}", caller.ip);
        let too_many = || {
            ShopError::TooMany(
                "Too many sign-in attempts. Please wait 15 minutes and try again.".into(),
            )
        };
        if desk.limit(&by_name, SIGN_IN_FAILURES).await.is_err() {
            return Err(too_many());
        }
        if desk
            .limit(&by_address, SIGN_IN_FAILURES_PER_ADDRESS)
            .await
            .is_err()
        {
            desk.give_back(&by_name).await;
            return Err(too_many());
        }
        let account = role
            .accounts(&self.state.config)
            .iter()
            .find(|a| a.name == name)
            .cloned();
        let matches = if name.chars().count() > MAX_NAME_CHARS
            || password.chars().count() > MAX_PASSWORD_CHARS
        {
            false
        } else {
            let hash = account
                .as_ref()
                .map_or_else(|| decoy_hash().to_owned(), |a| a.password_hash.clone());
            check_password(hash, password.to_owned()).await?
        };
        if !(matches && account.is_some()) {
            tracing::warn!(staff = %name.chars().take(MAX_NAME_CHARS).collect::<String>(), role = role.as_str(), ip = %caller.ip, "staff sign-in refused");
            return Err(refused());
        }
        desk.give_back(&by_name).await;
        desk.give_back(&by_address).await;
        let key = session::new_key();
        let now = unix_now();
        sqlx::query("DELETE FROM agent_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.state.db.write)
            .await
            .map_err(internal)?;
        sqlx::query(
            "INSERT INTO agent_sessions (token_hash, agent, created_at, expires_at, role) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session::digest(&key))
        .bind(&name)
        .bind(now)
        .bind(now + AGENT_SESSION_SECONDS)
        .bind(role.as_str())
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        session::send_cookie(session::set_cookie_value(
            role.cookie(),
            &key,
            AGENT_SESSION_SECONDS,
        ));
        tracing::info!(staff = %name, role = role.as_str(), "staff signed in");
        Ok(name)
    }

    /// The agent whose session cookie came with the request running now.
    pub async fn current(&self) -> Result<SignedInAgent, ShopError> {
        self.from_headers(&Caller::current().headers).await
    }

    /// The agent whose session cookie is in `headers`; 401 for anyone else.
    pub async fn from_headers(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<SignedInAgent, ShopError> {
        let name = self.session_of(StaffRole::Agent, headers).await?;
        Ok(SignedInAgent { name })
    }

    /// The name behind `role`'s session cookie in `headers`, if the session is live, of
    /// that role, and its account still configured.
    async fn session_of(
        &self,
        role: StaffRole,
        headers: &axum::http::HeaderMap,
    ) -> Result<String, ShopError> {
        let key = session::cookie(headers, role.cookie()).ok_or(ShopError::SignInRequired)?;
        let name: Option<String> = sqlx::query_scalar(
            "SELECT agent FROM agent_sessions WHERE token_hash = $1 AND role = $2 AND expires_at > $3",
        )
        .bind(session::digest(&key))
        .bind(role.as_str())
        .bind(unix_now())
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?;
        // An account removed from the configuration loses its sessions at once.
        name.filter(|n| {
            role.accounts(&self.state.config)
                .iter()
                .any(|acc| &acc.name == n)
        })
        .ok_or(ShopError::SignInRequired)
    }

    /// Ends the agent session behind the request's cookie and clears the cookie.
    pub async fn sign_out(&self) -> Result<(), ShopError> {
        self.sign_out_as(StaffRole::Agent).await
    }

    async fn sign_out_as(&self, role: StaffRole) -> Result<(), ShopError> {
        if let Some(key) = session::cookie(&Caller::current().headers, role.cookie()) {
            sqlx::query("DELETE FROM agent_sessions WHERE token_hash = $1")
                .bind(session::digest(&key))
                .execute(&self.state.db.write)
                .await
                .map_err(internal)?;
        }
        session::send_cookie(session::set_cookie_value(role.cookie(), "", 0));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterY"));
        assert!(!verify_password("not a hash", "x"));
        assert!(hash_password("short").is_err());
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    #[test]
    fn accounts_from_configuration() {
        let hash = hash_password("correct horse battery").unwrap();
        let accounts = parse_accounts(&format!("alex:{hash};\n sam:{hash}\n")).unwrap();
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[1].name, "sam");
        assert!(parse_accounts("alex:plaintext-password").is_err());
        assert!(parse_accounts(&format!("alex:{hash};alex:{hash}")).is_err());
        assert!(parse_accounts(&format!("al ex:{hash}")).is_err());
        assert!(parse_accounts("").unwrap().is_empty());
    }
}
