//! Mail the customer asked for (the rules: `storefront_domain::offers`).
//!
//! - "Tell me if it goes on sale": a price watch on a product, counted once the address's
//!   owner opens the confirm link. A lower price set through the admin API schedules the
//!   `price_drop` job, which mails every watcher not yet told of a price that low, once.
//! - The monthly offers mail: a run is planned `STOREFRONT_OFFERS_EVERY_DAYS` after the
//!   last one started (the first that long after the shop first opened; staff may start
//!   it sooner from the agent console). It goes through everyone with a confirmed consent
//!   in batches, each composed from reads and then written in one transaction with its
//!   mails in the outbox, so a crash loses none and sends none twice; each person gets a
//!   mail composed from what they bought and saved, only if there is something for them
//!   and none went within the cap.
//! - One click stops either: the link in every such mail (and its `List-Unsubscribe`
//!   header, which mail programs POST to without opening a page, RFC 8058).

use super::agents::SignedInAgent;
use super::catalog::money;
use super::jobs::{schedule, JobKind};
use super::mail::{self, unsubscribe_headers, Mail};
use super::recommend::customer_key;
use super::stock::{
    check_sign_up, limit_confirm_links, queue_confirm_link, AdminError, UNCONFIRMED_ALERT_DAYS,
};
use super::{internal, random_token, session, unix_now, AppState};
use crate::db::{Conn, Flag};
use storefront_domain::account::sends_offers;
use storefront_domain::offers::{
    compose, gets_offers, next_run_at, price_drop_mail, tells_watcher, Offer, Sections,
    PER_SECTION, PRICE_WATCH_CONSENT,
};
use storefront_model::offers::{OfferRun, OffersStatus};
use storefront_model::ShopError;

/// Subscribers gone through in one transaction of a run.
pub const RUN_BATCH: i64 = 500;

/// The link that stops what a mail is about, in one click.
fn stop_link(state: &AppState, token: &str) -> String {
    format!(
        "{}/unsubscribe?token={token}",
        state.config.public_url.trim_end_matches('/')
    )
}

fn when(at: i64) -> String {
    let (day, minute) = super::clock::uk_local(at);
    format!(
        "{}, {}",
        day.short_label(),
        storefront_domain::date::clock_label(minute)
    )
}

/// What a price change did.
#[derive(Debug, serde::Serialize)]
pub struct PriceChanged {
    pub slug: String,
    pub old_minor: i64,
    pub new_minor: i64,
    /// Whether watchers will be told (the price went down).
    pub watchers_told: bool,
}

pub struct Offers<'a> {
    state: &'a AppState,
}

impl<'a> Offers<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// Watches product `slug`'s price for `email`, once the address's owner has opened
    /// the confirm link mailed now. Counted like back-in-stock sign-ups. Answers what to
    /// tell the shopper.
    pub async fn watch_price(
        &self,
        slug: &str,
        email: &str,
        consent: bool,
    ) -> Result<String, ShopError> {
        let email = check_sign_up(
            self.state,
            email,
            consent,
            "Please tick the box to let us email you when the price goes down.",
        )
        .await?;
        let product: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT id, name, price_minor FROM products WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&self.state.db.read)
                .await
                .map_err(internal)?;
        let Some((product_id, name, price)) = product else {
            return Err(ShopError::NotFound(
                "We couldn't find that item. It may no longer be sold.".into(),
            ));
        };
        let confirmed: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT confirmed_at FROM price_watches WHERE product_id = $1 AND email = $2",
        )
        .bind(product_id)
        .bind(&email)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?;
        if matches!(confirmed, Some(Some(_))) {
            return Ok(format!(
                "You're already watching it: we'll email {email} when its price goes down."
            ));
        }
        limit_confirm_links(self.state, &email).await?;
        let token = random_token(32);
        let link = format!(
            "{}/alerts/price?token={token}",
            self.state.config.public_url.trim_end_matches('/')
        );
        let in_stock = u32::try_from(product_id).is_ok_and(|id| self.state.search.in_stock(id));
        let _turn = self.state.desk.anonymous_write_turn().await;
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        sqlx::query(
            "INSERT INTO price_watches (product_id, email, consent_text, saved_minor, told_minor, in_stock_then, created_at, confirm_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (product_id, email) DO UPDATE SET confirm_hash = excluded.confirm_hash,
                 consent_text = excluded.consent_text, created_at = excluded.created_at,
                 saved_minor = excluded.saved_minor, told_minor = excluded.told_minor,
                 in_stock_then = excluded.in_stock_then
             WHERE price_watches.confirmed_at IS NULL",
        )
        .bind(product_id)
        .bind(&email)
        .bind(PRICE_WATCH_CONSENT)
        .bind(price)
        .bind(price)
        .bind(i64::from(in_stock))
        .bind(unix_now())
        .bind(session::digest(&token))
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        queue_confirm_link(
            &mut tx,
            &email,
            &format!("Please confirm: email me when the {name} costs less"),
            &format!("when the price of the {name} goes down"),
            &link,
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        self.state.deliver_mail_soon();
        Ok(format!(
            "Almost done: we've sent a link to {email}. Open it to confirm, and we'll email you when the price goes down."
        ))
    }

    /// Confirms the price watch whose link carried `token`.
    pub async fn confirm_price_watch(&self, token: &str) -> Result<String, ShopError> {
        let now = unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let confirmed: Option<(String, i64)> = sqlx::query_as(
            "UPDATE price_watches SET confirmed_at = $1, confirm_hash = NULL
             WHERE confirm_hash = $2 AND confirmed_at IS NULL RETURNING email, product_id",
        )
        .bind(now)
        .bind(session::digest(token.trim()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        if let Some((email, _)) = &confirmed {
            super::accounts::mark_verified(&mut tx, email, now)
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        let Some((email, product)) = confirmed else {
            return Err(ShopError::NotFound(format!(
                "This link has already been used, or is more than {UNCONFIRMED_ALERT_DAYS} days old. If you'd still like to hear of a lower price, please ask again on the item's page."
            )));
        };
        let name = self.product_name(product).await?;
        Ok(format!(
            "Confirmed: we'll email {email} when the price of the {name} goes down. Each of those emails has a link that stops them in one click."
        ))
    }

    async fn product_name(&self, id: i64) -> Result<String, ShopError> {
        sqlx::query_scalar("SELECT name FROM products WHERE id = $1")
            .bind(id)
            .fetch_one(&self.state.db.read)
            .await
            .map_err(internal)
    }

    /// Deletes price watches nobody confirmed within [`UNCONFIRMED_ALERT_DAYS`].
    pub async fn forget_unconfirmed(&self, now: i64) {
        if let Err(e) =
            sqlx::query("DELETE FROM price_watches WHERE confirmed_at IS NULL AND created_at < $1")
                .bind(now - UNCONFIRMED_ALERT_DAYS * 86_400)
                .execute(&self.state.db.write)
                .await
        {
            tracing::error!(%e, "unconfirmed price watches not deleted");
        }
    }

    /// Sets product `slug`'s price (admin API). A lower price schedules the job that
    /// tells its watchers, in the same transaction; the search index follows at once.
    pub async fn set_price(
        &self,
        slug: &str,
        price_minor: i64,
    ) -> Result<PriceChanged, AdminError> {
        if !(1..=100_000_000).contains(&price_minor) {
            return Err(AdminError::Invalid(format!(
                "price_minor must be 1 to 100000000 (pence), got {price_minor}"
            )));
        }
        let admin = |e: sqlx::Error| {
            tracing::error!(%e, "price not changed");
            AdminError::Internal
        };
        let mut tx = self.state.db.begin_write().await.map_err(admin)?;
        let Some((product_id, old)): Option<(i64, i64)> =
            sqlx::query_as("SELECT id, price_minor FROM products WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await
                .map_err(admin)?
        else {
            return Err(AdminError::Invalid(format!("no product {slug:?}")));
        };
        let now = unix_now();
        let watchers_told = price_minor < old;
        if price_minor != old {
            sqlx::query("UPDATE products SET price_minor = $1 WHERE id = $2")
                .bind(price_minor)
                .bind(product_id)
                .execute(&mut *tx)
                .await
                .map_err(admin)?;
            let change: i64 = sqlx::query_scalar(
                "INSERT INTO price_changes (product_id, old_minor, new_minor, changed_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(product_id)
            .bind(old)
            .bind(price_minor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(admin)?;
            if watchers_told {
                schedule(&mut tx, JobKind::PriceDrop, change, now)
                    .await
                    .map_err(admin)?;
            }
        }
        tx.commit().await.map_err(admin)?;
        if let Err(e) = self.state.refresh_search(Some(&[product_id])).await {
            tracing::error!(%e, "search index not refreshed after a price change");
        }
        if watchers_told {
            self.state.run_jobs_soon();
        }
        Ok(PriceChanged {
            slug: slug.to_owned(),
            old_minor: old,
            new_minor: price_minor,
            watchers_told,
        })
    }

    /// Stops what the mail carrying `token` was about: offers by mail (every consent of
    /// the address withdrawn) or one price watch (deleted). The same token again says it
    /// is done. Answers what to tell the person.
    pub async fn unsubscribe(&self, token: &str) -> Result<String, ShopError> {
        let hash = session::digest(token.trim());
        let now = unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let offers: Option<String> =
            sqlx::query_scalar("SELECT email FROM offer_mails WHERE unsubscribe_hash = $1")
                .bind(&hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(internal)?;
        let answer = if let Some(email) = offers {
            super::accounts::withdraw_offers(&mut tx, &email, now)
                .await
                .map_err(internal)?;
            format!("Done: we won't email offers to {email} again. Mail about your orders still comes. Changed your mind? You can ask for offers again from your account.")
        } else {
            let watch: Option<(i64, String, String)> = sqlx::query_as(
                "SELECT w.id, w.email, p.name FROM price_watch_stops x
                 JOIN price_watches w ON w.id = x.watch_id JOIN products p ON p.id = w.product_id
                 WHERE x.token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
            if let Some((id, ..)) = &watch {
                forget_watch(&mut tx, *id).await.map_err(internal)?;
            }
            match watch {
                Some((_, email, name)) => format!(
                    "Done: we won't email {email} about the price of the {name} again, and we've deleted that request."
                ),
                None => {
                    return Err(ShopError::NotFound(
                        "This link has already been used, or was never ours. If emails you don't want still come, reply to one and we'll stop them by hand.".into(),
                    ))
                }
            }
        };
        tx.commit().await.map_err(internal)?;
        Ok(answer)
    }

    /// The monthly mail as staff see it.
    pub async fn status(&self, _agent: &SignedInAgent) -> Result<OffersStatus, ShopError> {
        let read = &self.state.db.read;
        let subscribers: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT lower(email)) FROM marketing_consents
             WHERE confirmed_at IS NOT NULL AND withdrawn_at IS NULL",
        )
        .fetch_one(read)
        .await
        .map_err(internal)?;
        let next: Option<i64> =
            sqlx::query_scalar("SELECT MIN(due_at) FROM offer_runs WHERE started_at IS NULL")
                .fetch_one(read)
                .await
                .map_err(internal)?;
        let latest: Option<(i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT started_at, subscribers, seen, sent, finished_at FROM offer_runs
             WHERE started_at IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(read)
        .await
        .map_err(internal)?;
        let outbox_waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND parked_at IS NULL",
        )
        .fetch_one(read)
        .await
        .map_err(internal)?;
        Ok(OffersStatus {
            every_days: self.state.config.offers_every_days,
            subscribers,
            next_run: next.map(when),
            latest: latest.map(|(started, subscribers, seen, sent, finished)| OfferRun {
                started: when(started),
                subscribers,
                seen,
                sent,
                finished: finished.map(when),
            }),
            outbox_waiting,
        })
    }

    /// Starts the planned run now (staff): the cap still holds for each person.
    pub async fn send_now(&self, agent: &SignedInAgent) -> Result<OffersStatus, ShopError> {
        let run = self.start_now().await?;
        tracing::info!(agent = agent.name(), run, "offers mail started by staff");
        self.status(agent).await
    }

    /// [`Self::send_now`] without the agent (benchmarks): starts the planned run, which
    /// the jobs then carry through; answers its id.
    pub async fn start_now(&self) -> Result<i64, ShopError> {
        let now = unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let running: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM offer_runs WHERE started_at IS NOT NULL AND finished_at IS NULL",
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        if running.is_some() {
            return Err(ShopError::NotFound(
                "This month's mail is going out now; its progress is below.".into(),
            ));
        }
        let run = planned_run(&mut tx, now, self.state.config.offers_every_days)
            .await
            .map_err(internal)?;
        start_run(&mut tx, run, now).await.map_err(internal)?;
        sqlx::query(
            "UPDATE jobs SET run_at = $1 WHERE kind = $2 AND subject = $3 AND done_at IS NULL",
        )
        .bind(now)
        .bind(JobKind::OffersRun.as_str())
        .bind(run)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        self.state.run_jobs_soon();
        Ok(run)
    }

    /// Plans the first run when none is planned or going (at start): `every_days` on.
    pub async fn plan(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.state.db.begin_write().await?;
        let open: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM offer_runs WHERE finished_at IS NULL")
                .fetch_one(&mut *tx)
                .await?;
        if open == 0 {
            planned_run(&mut tx, unix_now(), self.state.config.offers_every_days).await?;
        }
        tx.commit().await
    }
}

/// The run waiting to start, planned `every_days` after `now` if there is none.
async fn planned_run(conn: &mut Conn, now: i64, every_days: u32) -> Result<i64, sqlx::Error> {
    let planned: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM offer_runs WHERE started_at IS NULL ORDER BY due_at LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = planned {
        return Ok(id);
    }
    let due = next_run_at(now, every_days);
    let id: i64 = sqlx::query_scalar("INSERT INTO offer_runs (due_at) VALUES ($1) RETURNING id")
        .bind(due)
        .fetch_one(&mut *conn)
        .await?;
    schedule(conn, JobKind::OffersRun, id, due).await?;
    Ok(id)
}

/// Deletes price watch `id` and its stop links.
pub(crate) async fn forget_watch(conn: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM price_watch_stops WHERE watch_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM price_watches WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks run `run` started at `now`, with the number of subscribers it goes to.
async fn start_run(conn: &mut Conn, run: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE offer_runs SET due_at = CASE WHEN $1 < due_at THEN $1 ELSE due_at END, started_at = $1, subscribers = (
             SELECT COUNT(DISTINCT lower(email)) FROM marketing_consents
             WHERE confirmed_at IS NOT NULL AND withdrawn_at IS NULL)
         WHERE id = $2 AND started_at IS NULL",
    )
    .bind(now)
    .bind(run)
    .execute(conn)
    .await?;
    tracing::info!(run, "offers mail run started");
    Ok(())
}

/// The `price_drop` job for price change `change`: mails each confirmed watcher of the
/// product not yet told of a price this low, and remembers they were. Part of the job's
/// transaction.
pub(crate) async fn price_drop(
    tx: &mut Conn,
    state: &AppState,
    change: i64,
) -> Result<(), sqlx::Error> {
    let Some((product_id, name, slug, now_minor, currency)): Option<(
        i64,
        String,
        String,
        i64,
        String,
    )> = sqlx::query_as(
        "SELECT p.id, p.name, p.slug, p.price_minor, p.currency FROM price_changes c
             JOIN products p ON p.id = c.product_id WHERE c.id = $1",
    )
    .bind(change)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    // The price now, not the change's: a later rise before the job ran tells no one of
    // a price they can't have.
    let watchers: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT id, email, told_minor, saved_minor FROM price_watches
         WHERE product_id = $1 AND confirmed_at IS NOT NULL ORDER BY id",
    )
    .bind(product_id)
    .fetch_all(&mut *tx)
    .await?;
    let link = format!("{}/p/{slug}", state.config.public_url.trim_end_matches('/'));
    let mut told = 0;
    for (id, email, told_minor, saved_minor) in watchers {
        if !tells_watcher(told_minor, now_minor) {
            continue;
        }
        let stop = random_token(32);
        let stop_link = stop_link(state, &stop);
        let (subject, body) = price_drop_mail(
            &name,
            &link,
            money(now_minor, &currency),
            money(told_minor, &currency),
            told_minor == saved_minor,
            &stop_link,
        );
        mail::queue_with_headers(
            &mut *tx,
            Mail {
                to: &email,
                subject: &subject,
                body: &body,
            },
            &unsubscribe_headers(&stop_link),
        )
        .await?;
        sqlx::query("UPDATE price_watches SET told_minor = $1 WHERE id = $2")
            .bind(now_minor)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO price_watch_stops (token_hash, watch_id) VALUES ($1, $2)")
            .bind(session::digest(&stop))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        told += 1;
    }
    if told > 0 {
        tracing::info!(change, told, "price drop mailed to watchers");
    }
    Ok(())
}

/// Each of `email`'s consents as (confirmed, withdrawn at), for [`gets_offers`].
async fn consents_of<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    email: &str,
) -> Result<Vec<(bool, Option<i64>)>, sqlx::Error> {
    let rows: Vec<(Flag, Option<i64>)> = sqlx::query_as(
        "SELECT confirmed_at IS NOT NULL, withdrawn_at FROM marketing_consents WHERE email = $1 COLLATE NOCASE",
    )
    .bind(email)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(confirmed, withdrawn)| (confirmed.0, withdrawn))
        .collect())
}

/// One batch of a run, composed from reads and not yet written.
pub(crate) struct Batch {
    run: i64,
    /// When the run started (or starts, with this batch).
    run_at: i64,
    started: bool,
    /// The run's cursor when the batch was read: written only if it is still the same.
    after: String,
    /// The addresses gone through, in order.
    seen: Vec<String>,
    mails: Vec<Prepared>,
    /// Saved items seen sold out again: "back in stock" may be said of them once more.
    sold_out_again: Vec<i64>,
}

/// One person's mail, ready to go.
struct Prepared {
    email: String,
    token: String,
    subject: String,
    body: String,
    /// The saved items it calls back in stock.
    back: Vec<i64>,
}

/// Reads and composes the next batch of run `run` (starting it at `now` if it hasn't
/// started): up to [`RUN_BATCH`] subscribers after its cursor, each mailed if
/// [`gets_offers`] and there is something for them.
/// Only reads, outside any transaction, so the shop's writes never wait on composing;
/// `None` when the run is finished.
pub(crate) async fn prepare_batch(
    state: &AppState,
    run: i64,
    now: i64,
) -> Result<Option<Batch>, sqlx::Error> {
    let read = &state.db.read;
    // The mail picks from what people bought: every order counted first (just after a
    // start the counts may not be read yet).
    state.recommender.catch_up(read).await?;
    let Some((started, after, finished)): Option<(Option<i64>, String, Option<i64>)> =
        sqlx::query_as("SELECT started_at, cursor, finished_at FROM offer_runs WHERE id = $1")
            .bind(run)
            .fetch_optional(read)
            .await?
    else {
        return Ok(None);
    };
    if finished.is_some() {
        return Ok(None);
    }
    let every_days = state.config.offers_every_days;
    let run_at = started.unwrap_or(now);
    let seen: Vec<String> = sqlx::query_scalar(
        "SELECT lower(email) AS e FROM marketing_consents
         WHERE confirmed_at IS NOT NULL AND withdrawn_at IS NULL AND lower(email) > $1
         GROUP BY e ORDER BY e LIMIT $2",
    )
    .bind(&after)
    .bind(RUN_BATCH)
    .fetch_all(read)
    .await?;
    let new_arrivals = state
        .search
        .new_since(run_at.div_euclid(86_400) - i64::from(every_days));
    let mut batch = Batch {
        run,
        run_at,
        started: started.is_some(),
        after,
        seen: Vec::new(),
        mails: Vec::new(),
        sold_out_again: Vec::new(),
    };
    for email in seen {
        let consents = consents_of(read, &email).await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(run_at) FROM offer_mails WHERE email = $1 COLLATE NOCASE",
        )
        .bind(&email)
        .fetch_one(read)
        .await?;
        if gets_offers(&consents, last, run_at, every_days) {
            let (sections, back) =
                sections_for(state, &email, &new_arrivals, &mut batch.sold_out_again).await?;
            let token = random_token(32);
            if let Some((subject, body)) = compose(
                &sections,
                &state.config.public_url,
                &stop_link(state, &token),
                every_days,
            ) {
                batch.mails.push(Prepared {
                    email: email.clone(),
                    token,
                    subject,
                    body,
                    back,
                });
            }
        }
        batch.seen.push(email);
    }
    Ok(Some(batch))
}

/// Writes a prepared batch, in the job's transaction: its mails into the outbox, each
/// recorded against the run (and checked once more: a consent withdrawn while the batch
/// was composed stops that mail), and the run moved on. Answers whether the run is
/// finished (then the next one is planned); a batch that another process wrote first is
/// dropped and read again.
pub(crate) async fn write_batch(
    tx: &mut Conn,
    state: &AppState,
    batch: Batch,
) -> Result<bool, sqlx::Error> {
    let now: Option<(Option<i64>, String, Option<i64>)> =
        sqlx::query_as("SELECT started_at, cursor, finished_at FROM offer_runs WHERE id = $1")
            .bind(batch.run)
            .fetch_optional(&mut *tx)
            .await?;
    match now {
        None | Some((_, _, Some(_))) => return Ok(true),
        Some((started, cursor, None)) => {
            if cursor != batch.after || started.is_some() != batch.started {
                return Ok(false);
            }
            if started.is_none() {
                start_run(&mut *tx, batch.run, batch.run_at).await?;
            }
        }
    }
    let mut sent = 0;
    for mail in &batch.mails {
        let standing = sends_offers(&consents_of(&mut *tx, &mail.email).await?);
        if !standing {
            continue;
        }
        let written = sqlx::query(
            "INSERT INTO offer_mails (run_id, email, run_at, unsubscribe_hash) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(batch.run)
        .bind(&mail.email)
        .bind(batch.run_at)
        .bind(session::digest(&mail.token))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if written == 0 {
            continue;
        }
        mail::queue_with_headers(
            &mut *tx,
            Mail {
                to: &mail.email,
                subject: &mail.subject,
                body: &mail.body,
            },
            &unsubscribe_headers(&stop_link(state, &mail.token)),
        )
        .await?;
        // Back in stock is said once: again only after it has sold out in between.
        for id in &mail.back {
            sqlx::query("UPDATE price_watches SET in_stock_then = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sent += 1;
    }
    for id in &batch.sold_out_again {
        sqlx::query("UPDATE price_watches SET in_stock_then = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let done = batch.seen.len() < usize::try_from(RUN_BATCH).unwrap_or(usize::MAX);
    sqlx::query(
        "UPDATE offer_runs SET seen = seen + $1, sent = sent + $2, cursor = $3,
             finished_at = CASE WHEN $4 THEN $5 END
         WHERE id = $6",
    )
    .bind(i64::try_from(batch.seen.len()).unwrap_or(i64::MAX))
    .bind(sent)
    .bind(batch.seen.last().unwrap_or(&batch.after))
    .bind(done)
    .bind(unix_now())
    .bind(batch.run)
    .execute(&mut *tx)
    .await?;
    if done {
        planned_run(&mut *tx, batch.run_at, state.config.offers_every_days).await?;
        tracing::info!(run = batch.run, "offers mail run finished");
    }
    Ok(done)
}

/// A saved item (price watch) with its product as it is now.
#[derive(sqlx::FromRow)]
struct SavedRow {
    id: i64,
    product: i64,
    name: String,
    slug: String,
    price_minor: i64,
    currency: String,
    saved_minor: i64,
    #[sqlx(try_from = "crate::db::Flag")]
    in_stock_then: bool,
}

/// What one person's mail may say, with the saved items it would call back in stock;
/// saved items now sold out that were in stock when last looked at go on `sold_out_again`.
async fn sections_for(
    state: &AppState,
    email: &str,
    new_arrivals: &[(u32, u32)],
    sold_out_again: &mut Vec<i64>,
) -> Result<(Sections, Vec<i64>), sqlx::Error> {
    let search = &state.search;
    let saved: Vec<SavedRow> = sqlx::query_as(
        "SELECT w.id, p.id AS product, p.name, p.slug, p.price_minor, p.currency, w.saved_minor, w.in_stock_then
         FROM price_watches w JOIN products p ON p.id = w.product_id
         WHERE w.email = $1 COLLATE NOCASE AND w.confirmed_at IS NOT NULL ORDER BY w.id DESC",
    )
    .bind(email)
    .fetch_all(&state.db.read)
    .await?;
    let mut sections = Sections::default();
    let mut back = Vec::new();
    for w in saved {
        let in_stock = u32::try_from(w.product).is_ok_and(|id| search.in_stock(id));
        let offer = |was: Option<i64>| Offer {
            name: w.name.clone(),
            path: format!("/p/{}", w.slug),
            price: money(w.price_minor, &w.currency),
            was: was.map(|m| money(m, &w.currency)),
        };
        if in_stock && w.price_minor < w.saved_minor {
            sections.lower_prices.push(offer(Some(w.saved_minor)));
        }
        if in_stock && !w.in_stock_then {
            sections.back_in_stock.push(offer(None));
            back.push(w.id);
        } else if !in_stock && w.in_stock_then {
            sold_out_again.push(w.id);
        }
    }
    back.truncate(PER_SECTION);
    let key = customer_key(email);
    let bought = state.recommender.read(|co| co.history(&key).to_vec());
    let categories = search.categories_of(&bought);
    let new: Vec<u32> = new_arrivals
        .iter()
        .filter(|(id, category)| categories.contains(category) && !bought.contains(id))
        .map(|(id, _)| *id)
        .take(PER_SECTION * 2)
        .collect();
    let card = |c: storefront_model::catalog::ProductCard| Offer {
        path: format!("/p/{}", c.slug),
        name: c.name,
        price: c.price,
        was: None,
    };
    sections.new_arrivals = search.cards(&new).into_iter().map(card).collect();
    if !bought.is_empty() {
        sections.picked = state
            .recommendations()
            .for_customer(email)
            .into_iter()
            .map(card)
            .collect();
    }
    Ok((sections, back))
}
