//! The shop's mail. Every message is first written to the `mail_outbox` table inside the
//! transaction that caused it (an order, a restock), so none is lost if the process stops;
//! delivery happens afterwards. With no SMTP server configured, delivery writes each
//! message as a plain-text `.eml` file into the outbox directory, where a developer can
//! read it.

use sqlx::{SqliteConnection, SqlitePool};
use std::path::PathBuf;

/// A message waiting to go.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Adds a message to the outbox, as part of the caller's transaction.
pub async fn queue(conn: &mut SqliteConnection, mail: Mail<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_outbox (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(super::unix_now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Delivers queued mail into a directory, one file per message.
pub struct Outbox {
    dir: PathBuf,
    from: String,
    /// One delivery run at a time, so no message is written twice.
    running: tokio::sync::Mutex<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("outbox database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox directory: {0}")]
    Io(#[from] std::io::Error),
}

fn header_safe(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

impl Outbox {
    pub fn new(dir: PathBuf, from: String) -> Self {
        Self {
            dir,
            from,
            running: tokio::sync::Mutex::new(()),
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Delivers every queued message; returns how many went.
    pub async fn deliver(&self, write: &SqlitePool) -> Result<usize, MailError> {
        let _one_at_a_time = self.running.lock().await;
        let pending: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, recipient, subject, body, created_at FROM mail_outbox WHERE sent_at IS NULL ORDER BY id",
        )
        .fetch_all(write)
        .await?;
        if pending.is_empty() {
            return Ok(0);
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        for (id, to, subject, body, created_at) in &pending {
            let text = format!(
                "From: {}\r\nTo: {}\r\nSubject: {}\r\nX-Storefront-Queued: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
                header_safe(&self.from),
                header_safe(to),
                header_safe(subject),
                created_at,
                body.replace('\n', "\r\n"),
            );
            let path = self.dir.join(format!("{id:08}.eml"));
            let partial = self.dir.join(format!("{id:08}.eml.part"));
            tokio::fs::write(&partial, text).await?;
            tokio::fs::rename(&partial, &path).await?;
            sqlx::query("UPDATE mail_outbox SET sent_at = ? WHERE id = ?")
                .bind(super::unix_now())
                .bind(id)
                .execute(write)
                .await?;
        }
        tracing::info!(count = pending.len(), dir = %self.dir.display(), "mail delivered to the outbox");
        Ok(pending.len())
    }

    /// Delivers now if it can; a failure is logged and the mail stays queued for the next
    /// run (at the next mail or the next start).
    pub async fn flush(&self, write: &SqlitePool) {
        if let Err(e) = self.deliver(write).await {
            tracing::error!(%e, "mail not delivered yet; it stays queued");
        }
    }
}
