//! The shop's mail. Every message is first written to the `mail_outbox` table inside the
//! transaction that caused it (an order, a restock), so none is lost if the process stops;
//! delivery happens afterwards: through the SMTP server in `STOREFRONT_SMTP_URL` when
//! there is one, otherwise as a plain-text `.eml` file per message in the outbox
//! directory, where a developer can read it.
//!
//! Each message is tried on its own, so one that fails never holds up the others. A
//! temporary failure is tried again later, waiting longer each time; a permanent one, or
//! one still failing after the last try, is parked (`storefront_domain::mail` decides).
//! Staff see parked mail in the agent console and can send it again.

use crate::db::{Conn, Pool};
use std::path::PathBuf;
use storefront_domain::mail::{after_failure, AfterFailure, Failure};
use storefront_model::agent::ParkedMail;

/// A message waiting to go.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Adds a message to the outbox, as part of the caller's transaction.
pub async fn queue(conn: &mut Conn, mail: Mail<'_>) -> Result<(), sqlx::Error> {
    queue_with_headers(conn, mail, &[]).await
}

/// The headers that let a mail program offer "Unsubscribe" and do it in one click
/// without opening a page (RFC 2369 and RFC 8058): a POST to `link` with the body
/// `List-Unsubscribe=One-Click`. `link` must be https in production (the shop's
/// `STOREFRONT_PUBLIC_URL`).
pub fn unsubscribe_headers(link: &str) -> [(&'static str, String); 2] {
    [
        ("List-Unsubscribe", format!("<{link}>")),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ]
}

/// [`queue`] with headers of its own, each a name and a value.
pub async fn queue_with_headers(
    conn: &mut Conn,
    mail: Mail<'_>,
    headers: &[(&str, String)],
) -> Result<(), sqlx::Error> {
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{}: {}\n", header_safe(name), header_safe(value)))
        .collect();
    sqlx::query(
        "INSERT INTO mail_outbox (recipient, subject, body, created_at, headers) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(super::unix_now())
    .bind(headers)
    .execute(conn)
    .await?;
    Ok(())
}

/// A queued message's own headers, as [`queue_with_headers`] stored them.
fn own_headers(stored: &str) -> impl Iterator<Item = (&str, &str)> {
    stored.lines().filter_map(|line| line.split_once(": "))
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
    /// Told when a message is parked (the agent console shows parked mail).
    on_park: Box<dyn Fn() + Send + Sync>,
    /// A run asked for by [`Outbox::deliver_soon`] that has not started yet.
    asked: std::sync::atomic::AtomicBool,
}

/// A message due for a try.
#[derive(sqlx::FromRow)]
struct Queued {
    id: i64,
    recipient: String,
    subject: String,
    body: String,
    created_at: i64,
    attempts: i64,
    headers: String,
}

/// Messages read per round of a delivery run.
const BATCH: i64 = 100;
/// How long a delivery run holds the messages it took before another may try them
/// (longer than a batch of 100 takes even over a slow SMTP server).
const CLAIM_SECONDS: i64 = 15 * 60;

/// What stops a whole delivery run: only the database (a message's own failure is
/// recorded on it and the run goes on).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("outbox database: {0}")]
    Db(#[from] sqlx::Error),
}

fn header_safe(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

impl Outbox {
    /// Mail goes to `smtp_url` when given (checked by the configuration), else into `dir`;
    /// `on_park` is called whenever a message is parked.
    pub fn new(
        dir: PathBuf,
        from: String,
        smtp_url: Option<&str>,
        on_park: Box<dyn Fn() + Send + Sync>,
    ) -> Self {
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
            on_park,
            asked: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Sends one message over SMTP; a failure says whether trying again could help.
    async fn send_smtp(&self, smtp: &Smtp, m: &Queued) -> Result<(), (Failure, String)> {
        use lettre::message::header::{ContentType, HeaderName, HeaderValue};
        use lettre::message::Mailbox;
        use lettre::AsyncTransport;
        // The shop's own address is checked at start; if it is refused here, fixing the
        // configuration fixes every message, so that is worth waiting for.
        let from = self
            .from
            .parse::<Mailbox>()
            .map_err(|e| (Failure::Temporary, format!("sender address: {e}")))?;
        let to = m
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| (Failure::Permanent, format!("recipient address: {e}")))?;
        let mut message = lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(header_safe(&m.subject))
            .header(ContentType::TEXT_PLAIN);
        for (name, value) in own_headers(&m.headers) {
            let name = HeaderName::new_from_ascii(name.to_owned())
                .map_err(|e| (Failure::Permanent, format!("header {name}: {e}")))?;
            message = message.raw_header(HeaderValue::new(name, value.to_owned()));
        }
        let message = message
            .body(m.body.clone())
            .map_err(|e| (Failure::Permanent, e.to_string()))?;
        smtp.send(message).await.map(|_| ()).map_err(|e| {
            let failure = if e.is_permanent() {
                Failure::Permanent
            } else {
                Failure::Temporary
            };
            (failure, e.to_string())
        })
    }

    /// Writes one message into the outbox directory as an `.eml` file.
    async fn write_file(&self, m: &Queued) -> Result<(), (Failure, String)> {
        let own: String = own_headers(&m.headers)
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        let text = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nX-Storefront-Queued: {}\r\n{own}Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
            header_safe(&self.from),
            header_safe(&m.recipient),
            header_safe(&m.subject),
            m.created_at,
            m.body.replace('\n', "\r\n"),
        );
        let path = self.file_of(m.id);
        let partial = self.dir.join(format!("{:08}.eml.part", m.id));
        let written = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&partial, text).await?;
            tokio::fs::rename(&partial, &path).await
        };
        written
            .await
            .map_err(|e| (Failure::Temporary, format!("outbox directory: {e}")))
    }

    /// The file a delivered message `id` is kept in (when there is no SMTP server).
    pub fn file_of(&self, id: i64) -> PathBuf {
        self.dir.join(format!("{id:08}.eml"))
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Tries every message that is due, each on its own; returns how many went. A
    /// message that fails is rescheduled or parked and the run goes on with the next.
    pub async fn deliver(&self, write: &Pool) -> Result<usize, MailError> {
        let _one_at_a_time = self.running.lock().await;
        let mut sent = 0;
        let mut parked = 0;
        loop {
            let now = super::unix_now();
            // Every message read here leaves the due set (claimed for a while, then sent,
            // rescheduled or parked), so each round reads new ones and the run ends. The
            // claim is what keeps two shop processes sharing a database from sending the
            // same message: the second finds it no longer due. A process killed while
            // sending leaves its claimed messages to be tried again once the claim ends.
            let mut due: Vec<Queued> = sqlx::query_as(
                "UPDATE mail_outbox SET next_attempt_at = $1
                 WHERE id IN (SELECT id FROM mail_outbox
                              WHERE sent_at IS NULL AND parked_at IS NULL AND next_attempt_at <= $2
                              ORDER BY id LIMIT $3)
                   AND sent_at IS NULL AND parked_at IS NULL AND next_attempt_at <= $2
                 RETURNING id, recipient, subject, body, created_at, attempts, headers",
            )
            .bind(now + CLAIM_SECONDS)
            .bind(now)
            .bind(BATCH)
            .fetch_all(write)
            .await?;
            due.sort_by_key(|m| m.id);
            for m in &due {
                let tried = match &self.smtp {
                    Some(smtp) => self.send_smtp(smtp, m).await,
                    None => self.write_file(m).await,
                };
                match tried {
                    Ok(()) => {
                        sqlx::query(
                            "UPDATE mail_outbox SET sent_at = $1, last_error = NULL WHERE id = $2",
                        )
                        .bind(super::unix_now())
                        .bind(m.id)
                        .execute(write)
                        .await?;
                        sent += 1;
                    }
                    Err((failure, error)) => {
                        let tries = u32::try_from(m.attempts + 1).unwrap_or(u32::MAX);
                        let now = super::unix_now();
                        let (next, parked_at) = match after_failure(tries, failure, now) {
                            AfterFailure::RetryAt(at) => (at, None),
                            AfterFailure::Park => (now, Some(now)),
                        };
                        if parked_at.is_some() {
                            parked += 1;
                            tracing::error!(id = m.id, to = %m.recipient, tries, %error, "mail parked: staff can send it again from the agent console");
                        } else {
                            tracing::warn!(id = m.id, tries, %error, "mail not delivered; it will be tried again");
                        }
                        sqlx::query(
                            "UPDATE mail_outbox SET attempts = $1, next_attempt_at = $2, last_error = $3, parked_at = $4 WHERE id = $5",
                        )
                        .bind(i64::from(tries))
                        .bind(next)
                        .bind(&error)
                        .bind(parked_at)
                        .bind(m.id)
                        .execute(write)
                        .await?;
                    }
                }
            }
            if due.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                break;
            }
        }
        if sent > 0 {
            if self.smtp.is_some() {
                tracing::info!(count = sent, "mail sent over SMTP");
            } else {
                tracing::info!(count = sent, dir = %self.dir.display(), "mail delivered to the outbox");
            }
        }
        if parked > 0 {
            (self.on_park)();
        }
        Ok(sent)
    }

    /// Mail that could not be delivered and waits for staff, oldest first.
    pub async fn parked(&self, read: &Pool) -> Result<Vec<ParkedMail>, MailError> {
        let rows: Vec<(i64, String, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT id, recipient, subject, attempts, last_error, parked_at FROM mail_outbox
             WHERE parked_at IS NOT NULL AND sent_at IS NULL ORDER BY id",
        )
        .fetch_all(read)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, recipient, subject, attempts, error, parked_at)| ParkedMail {
                    id,
                    recipient,
                    subject,
                    tries: u32::try_from(attempts).unwrap_or(u32::MAX),
                    error: error.unwrap_or_default(),
                    parked_at,
                },
            )
            .collect())
    }

    /// Puts a parked message back in the queue with its tries counted afresh and tries it
    /// now. Returns whether there was such a message.
    pub async fn send_again(&self, write: &Pool, id: i64) -> Result<bool, MailError> {
        let changed = sqlx::query(
            "UPDATE mail_outbox SET parked_at = NULL, attempts = 0, next_attempt_at = 0
             WHERE id = $1 AND parked_at IS NOT NULL AND sent_at IS NULL",
        )
        .bind(id)
        .execute(write)
        .await?
        .rows_affected();
        if changed > 0 {
            self.flush(write).await;
        }
        Ok(changed > 0)
    }

    /// Delivers what is due soon, in a task of its own (after the current answer). However
    /// many ask at once, one run is waiting at most: mail queued before that run starts is
    /// in it, mail queued later asks for the next.
    pub fn deliver_soon(self: &std::sync::Arc<Self>, write: &Pool) {
        use std::sync::atomic::Ordering;
        if self.asked.swap(true, Ordering::SeqCst) {
            return;
        }
        let (outbox, write) = (self.clone(), write.clone());
        tokio::spawn(async move {
            outbox.asked.store(false, Ordering::SeqCst);
            outbox.flush(&write).await;
        });
    }

    /// Delivers what is due now; anything that fails waits for its next try (checked at the
    /// next mail, every minute and at start). Only a database failure stops a run.
    pub async fn flush(&self, write: &Pool) {
        if let Err(e) = self.deliver(write).await {
            tracing::error!(%e, "mail delivery run stopped; the mail stays queued");
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use storefront_domain::validation::check_email;

    /// Whether the mail library takes `address` both as an address and as a mailbox.
    fn library_takes(address: &str) -> bool {
        address.parse::<lettre::Address>().is_ok()
            && address.parse::<lettre::message::Mailbox>().is_ok()
    }

    #[test]
    fn addresses_that_once_jammed_the_outbox_are_refused_where_typed() {
        for bad in ["probe(a@example.com", "a..b@x.com"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        // ...while ordinary ones pass both, so the property below is not empty.
        for ok in [
            "o'neil@example.ie",
            "first.last+tag@sub.example.org",
            "x_y-z@mail-1.example.com",
        ] {
            assert!(library_takes(&check_email(ok).unwrap()), "{ok}");
        }
    }

    proptest! {
        /// The shop's address rule (run in the browser and on the server where an address
        /// is typed) never lets through an address the mail library would refuse.
        #[test]
        fn every_address_the_shop_takes_the_mail_library_takes(
            plausible in "[a-z0-9._%+'-]{1,12}@[a-z0-9-]{1,10}(\\.[a-z0-9-]{1,8}){1,2}",
            wild in "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~()<>\\[\\]:;,\" @-]{1,24}",
        ) {
            for address in [plausible, wild] {
                if let Ok(clean) = check_email(&address) {
                    prop_assert!(library_takes(&clean), "{clean:?} passes the rule but not the mail library");
                }
            }
        }
    }
}
