//! The database: SQLite by default, one file in the data directory.
//!
//! Writes go through a pool of exactly one connection, so writers queue in the process
//! instead of fighting over SQLite's lock ("database is busy" never reaches a shopper);
//! reads use their own pool and, in WAL mode, never wait for a writer. All SQL lives in
//! `catalog.rs`, `orders.rs` and `seed.rs` beside this file and is plain enough to port
//! to PostgreSQL (where the writer pool can simply grow).

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// When a commit counts as done (`STOREFRONT_DURABILITY`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// The default: a commit is on disk before it is acknowledged, so an acknowledged
    /// order survives a power cut, not just a crash of the process (SQLite
    /// `synchronous=FULL`).
    #[default]
    Full,
    /// Faster commits that survive a crash of the process but may lose the last moments
    /// of work on a power cut (`synchronous=NORMAL` with WAL). For machines whose disk
    /// is protected some other way.
    Normal,
}

impl Durability {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "full" => Some(Self::Full),
            "normal" => Some(Self::Normal),
            _ => None,
        }
    }

    fn synchronous(self) -> SqliteSynchronous {
        match self {
            Self::Full => SqliteSynchronous::Full,
            Self::Normal => SqliteSynchronous::Normal,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    /// For reads; never waits for a writer.
    pub read: SqlitePool,
    /// For writes: one connection, so writers queue here.
    pub write: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str, durability: Durability) -> Result<Self, sqlx::Error> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
                }
            }
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(durability.synchronous())
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../../migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { read, write })
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
