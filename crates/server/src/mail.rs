//! The shop's mail. Every message is first written to the `mail_outbox` table inside the
//! transaction that caused it (an order, a restock), so none is lost if the process stops;
//! delivery happens afterwards: through the SMTP server in `STOREFRONT_SMTP_URL` when
//! there is one, otherwise as a plain-text `.eml` file per message in the outbox
//! directory, where a developer can read it. Mail the server refuses stays queued and is
//! tried again a minute later.

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

type Smtp = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;

/// Whether `url` names an SMTP server lettre can reach (`smtp://`, `smtps://`).
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    Smtp::from_url(url)
        .map(|_| ())
        .map_err(|e| format!("expected smtp://host:port or smtps://user:password@host ({e})"))
}

/// Delivers queued mail: over SMTP, or into a directory, one file per message.
pub struct Outbox {
    dir: PathBuf,
    from: String,
    smtp: Option<Smtp>,
    /// One delivery run at a time, so no message is written twice.
    running: tokio::sync::Mutex<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("outbox database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("SMTP: {0}")]
    Smtp(String),
}

fn header_safe(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

impl Outbox {
    /// Mail goes to `smtp_url` when given (checked by the configuration), else into `dir`.
    pub fn new(dir: PathBuf, from: String, smtp_url: Option<&str>) -> Self {
        let smtp = smtp_url.and_then(|url| match Smtp::from_url(url) {
            Ok(builder) => Some(
                builder
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            Err(e) => {
                tracing::error!(%e, "SMTP address not usable; mail goes to the outbox directory");
                None
            }
        });
        Self {
            dir,
            from,
            smtp,
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Sends one message over SMTP.
    async fn send_smtp(
        &self,
        smtp: &Smtp,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), MailError> {
        use lettre::message::{header::ContentType, Mailbox};
        use lettre::AsyncTransport;
        let bad = |e: &dyn std::fmt::Display| MailError::Smtp(e.to_string());
        let message = lettre::Message::builder()
            .from(self.from.parse::<Mailbox>().map_err(|e| bad(&e))?)
            .to(to.parse::<Mailbox>().map_err(|e| bad(&e))?)
            .subject(header_safe(subject))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| bad(&e))?;
        smtp.send(message).await.map_err(|e| bad(&e))?;
        Ok(())
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
        if self.smtp.is_none() {
            tokio::fs::create_dir_all(&self.dir).await?;
        }
        for (id, to, subject, body, created_at) in &pending {
            if let Some(smtp) = &self.smtp {
                self.send_smtp(smtp, to, subject, body).await?;
                sqlx::query("UPDATE mail_outbox SET sent_at = ? WHERE id = ?")
                    .bind(super::unix_now())
                    .bind(id)
                    .execute(write)
                    .await?;
                continue;
            }
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
        if self.smtp.is_some() {
            tracing::info!(count = pending.len(), "mail sent over SMTP");
        } else {
            tracing::info!(count = pending.len(), dir = %self.dir.display(), "mail delivered to the outbox");
        }
        Ok(pending.len())
    }

    /// Delivers now if it can; a failure is logged and the mail stays queued for the next
    /// run (at the next mail, the next minute or the next start).
    pub async fn flush(&self, write: &SqlitePool) {
        if let Err(e) = self.deliver(write).await {
            tracing::error!(%e, "mail not delivered yet; it stays queued");
        }
    }
}
