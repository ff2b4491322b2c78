//! The database: SQLite by default, one file in the data directory; PostgreSQL when
//! `STOREFRONT_DATABASE_URL` starts with `postgres://`.
//!
//! The shop's SQL goes through sqlx's `Any` driver ([`Pool`], [`Conn`]), so one query
//! text serves both. With SQLite, writes go through a pool of exactly one connection, so
//! writers queue in the process instead of fighting over SQLite's lock ("database is
//! busy" never reaches a shopper); reads use their own pool and, in WAL mode, never wait
//! for a writer. The schema is `migrations/` for SQLite and `migrations/postgres/` for
//! PostgreSQL, the same tables and columns in each dialect.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::Executor;
use std::str::FromStr;
use std::time::Duration;

/// The key of the advisory lock every write transaction takes on PostgreSQL ("SF").
const WRITER_LOCK: i64 = 0x5346;

/// A pool of connections to the shop's database, whichever it is.
pub type Pool = sqlx::AnyPool;
/// One connection (or a transaction, which derefs to one).
pub type Conn = sqlx::AnyConnection;

/// Which SQL the database speaks, for the few statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The dialect `url` names, if it is one the shop knows.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

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
    /// is protected some other way. (PostgreSQL: `synchronous_commit = off`.)
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

    /// What each new connection is told, in its dialect.
    fn settings(self, dialect: Dialect) -> &'static str {
        match (dialect, self) {
            (Dialect::Sqlite, Self::Full) => "PRAGMA synchronous = FULL",
            (Dialect::Sqlite, Self::Normal) => "PRAGMA synchronous = NORMAL",
            (Dialect::Postgres, Self::Full) => "SET synchronous_commit = on",
            (Dialect::Postgres, Self::Normal) => "SET synchronous_commit = off",
        }
    }
}

/// A plain pool on `url` (no migrations, no settings), for tools and tests that look
/// into a shop's database from outside it.
pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    Pool::connect(url).await
}

#[derive(Clone, Debug)]
pub struct Db {
    /// For reads; never waits for a writer.
    pub read: Pool,
    /// For writes: with SQLite one connection, so writers queue here.
    pub write: Pool,
    pub dialect: Dialect,
}

impl Db {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str, durability: Durability) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of(url).ok_or_else(|| {
            sqlx::Error::Configuration(
                format!(
                    "STOREFRONT_DATABASE_URL must start with sqlite:// or postgres://, not {url:?}"
                )
                .into(),
            )
        })?;
        match dialect {
            Dialect::Sqlite => Self::open_sqlite(url, durability).await,
            Dialect::Postgres => Self::open_postgres(url, durability).await,
        }
    }

    async fn open_sqlite(url: &str, durability: Durability) -> Result<Self, sqlx::Error> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
        }
        let with_mode = |mode: &str| {
            let joint = if url.contains('?') { '&' } else { '?' };
            AnyConnectOptions::from_str(&format!("{url}{joint}mode={mode}"))
        };
        let settings = durability.settings(Dialect::Sqlite);
        let write = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute(settings).await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            })
            .connect_with(with_mode("rwc")?)
            .await?;
        sqlx::migrate!("../../migrations").run(&write).await?;
        let read = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            })
            .connect_with(with_mode("ro")?)
            .await?;
        Ok(Self {
            read,
            write,
            dialect: Dialect::Sqlite,
        })
    }

    async fn open_postgres(url: &str, durability: Durability) -> Result<Self, sqlx::Error> {
        let settings = durability.settings(Dialect::Postgres);
        let options = AnyConnectOptions::from_str(url)?;
        let pool = |size: u32| {
            AnyPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        conn.execute(settings).await?;
                        Ok(())
                    })
                })
        };
        let write = pool(1).connect_with(options.clone()).await?;
        sqlx::migrate!("../../migrations/postgres")
            .run(&write)
            .await?;
        let read = pool(4).connect_with(options).await?;
        Ok(Self {
            read,
            write,
            dialect: Dialect::Postgres,
        })
    }

    /// Begins a write transaction. With PostgreSQL it first takes the shop's one writer
    /// lock (a transaction-level advisory lock, let go at commit or rollback), so the
    /// write transactions of every process that shares the database run one after
    /// another, as SQLite runs them: each reads what the one before it wrote, and a
    /// last unit can be allocated only once. Reads never wait for it.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        let mut tx = self.write.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS writer")
                .bind(WRITER_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// A yes or no read from SQL. PostgreSQL answers a condition (`stock > 0`) with a boolean
/// and SQLite with 0 or 1, and sqlx's `Any` driver decodes `bool` only from the first;
/// a row field declared `#[sqlx(try_from = "Flag")] field: bool` reads either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        use sqlx::any::AnyTypeInfoKind;
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <bool as sqlx::Decode<sqlx::Any>>::decode(value.clone()) {
            Ok(yes) => Ok(Self(yes)),
            Err(_) => Ok(Self(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0)),
        }
    }
}

/// `count` numbered parameters from `$first` on, for an `IN (…)` list: `$1,$2,$3`. Both
/// dialects read `$N`.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(",")
}
