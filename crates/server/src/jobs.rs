//! Work the shop does later, kept in the `jobs` table so a restart loses none of it: the
//! "How did it go?" follow-up some days after delivery, telling watchers of a lower
//! price, and the monthly offers mail (a job that runs in batches: each batch is one
//! claim and one transaction, and the job is put back as due until the last).
//!
//! Exactly once, even across a crash: a job is claimed (`done_at` set where it was
//! empty) and its effect written (the mail in the outbox, the review link) in one
//! transaction. Killed before the commit, neither happened and the job is still due;
//! after it, both did and no run picks it up again; two runs (or two processes) racing
//! for a job cannot both claim it. Mail leaves through the outbox, which sends each
//! message once. Libraries that run jobs from a queue (apalis and the like) deliver at
//! least once and leave exactly-once to the job's own effect; here the effect and the
//! claim are the same transaction, so a table and a loop are all it takes.

use super::{unix_now, AppState};
use crate::db::Conn;

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// Asks how an order went and invites reviews of what it delivered; the subject is
    /// the order's id.
    FollowUp,
    /// Tells the product's watchers of a lower price; the subject is the price change.
    PriceDrop,
    /// The monthly offers mail, a batch at a time; the subject is the run.
    OffersRun,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FollowUp => "follow_up",
            Self::PriceDrop => "price_drop",
            Self::OffersRun => "offers_run",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "follow_up" => Some(Self::FollowUp),
            "price_drop" => Some(Self::PriceDrop),
            "offers_run" => Some(Self::OffersRun),
            _ => None,
        }
    }
}

/// Schedules `kind` for `subject` at `run_at`, as part of the caller's transaction. Each
/// kind runs once per subject: scheduling it again before it ran moves it to the later
/// time (a second parcel delivered later puts the follow-up after it); once done, it
/// stays done.
pub async fn schedule(
    conn: &mut Conn,
    kind: JobKind,
    subject: i64,
    run_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO jobs (kind, subject, run_at, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, subject) DO UPDATE SET run_at = CASE WHEN excluded.run_at > jobs.run_at THEN excluded.run_at ELSE jobs.run_at END
         WHERE jobs.done_at IS NULL",
    )
    .bind(kind.as_str())
    .bind(subject)
    .bind(run_at)
    .bind(unix_now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Jobs read per round of a run.
const BATCH: i64 = 200;

/// The longest a failing job waits before its next try.
const MAX_WAIT: i64 = 6 * 60 * 60;

/// Runs the jobs that are due.
pub struct Jobs<'a> {
    state: &'a AppState,
}

impl<'a> Jobs<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// Runs every job due at `now`, each in its own transaction; returns how many were
    /// done. A job that fails is tried again later (waiting longer each time) and the run
    /// goes on; only the database failing stops it.
    pub async fn run_due(&self, now: i64) -> usize {
        let _one_run_at_a_time = self.state.jobs_running.lock().await;
        let mut done = 0;
        let mut failed = std::collections::HashSet::new();
        loop {
            let due: Vec<(i64, String, i64, i64)> = match sqlx::query_as(
                "SELECT id, kind, subject, attempts FROM jobs
                 WHERE done_at IS NULL AND run_at <= $1 ORDER BY run_at, id LIMIT $2",
            )
            .bind(now)
            .bind(BATCH)
            .fetch_all(&self.state.db.write)
            .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(%e, "jobs not read; they stay due");
                    break;
                }
            };
            let fresh: Vec<_> = due
                .into_iter()
                .filter(|(id, ..)| !failed.contains(id))
                .collect();
            if fresh.is_empty() {
                break;
            }
            for (id, kind, subject, attempts) in fresh {
                match self.run_one(id, &kind, subject, now).await {
                    Ok(true) => done += 1,
                    Ok(false) => {}
                    Err(e) => {
                        failed.insert(id);
                        let wait = (60_i64 << attempts.clamp(0, 12)).min(MAX_WAIT);
                        tracing::warn!(id, kind, subject, %e, wait, "job failed; it will be tried again");
                        let _ = sqlx::query(
                            "UPDATE jobs SET attempts = attempts + 1, last_error = $1, run_at = $2 WHERE id = $3 AND done_at IS NULL",
                        )
                        .bind(e.to_string())
                        .bind(unix_now() + wait)
                        .bind(id)
                        .execute(&self.state.db.write)
                        .await;
                    }
                }
            }
        }
        if done > 0 {
            tracing::info!(count = done, "jobs done");
            self.state.deliver_mail_soon();
        }
        done
    }

    /// Claims job `id` and does it, in one transaction; `false` when another run had it.
    /// `now` is the run's time: a job that plans its next one (the offers mail) plans it
    /// from here, so a run at a given time never finds its own successor due.
    async fn run_one(
        &self,
        id: i64,
        kind: &str,
        subject: i64,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        // The offers mail composes a batch from reads first, so the shop's writes never
        // wait on it; the transaction only writes it.
        let batch = match JobKind::parse(kind) {
            Some(JobKind::OffersRun) => {
                super::offers::prepare_batch(self.state, subject, now).await?
            }
            _ => None,
        };
        let mut tx = self.state.db.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE jobs SET done_at = $1, attempts = attempts + 1 WHERE id = $2 AND done_at IS NULL",
        )
        .bind(unix_now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(false);
        }
        match JobKind::parse(kind) {
            Some(JobKind::FollowUp) => {
                super::reviews::follow_up(&mut tx, self.state, subject).await?;
            }
            Some(JobKind::PriceDrop) => {
                super::offers::price_drop(&mut tx, self.state, subject).await?;
            }
            Some(JobKind::OffersRun) => {
                let finished = match batch {
                    Some(batch) => super::offers::write_batch(&mut tx, self.state, batch).await?,
                    None => true,
                };
                if !finished {
                    // More to do: due again at once, its batch done with this commit.
                    sqlx::query("UPDATE jobs SET done_at = NULL, attempts = 0 WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            None => tracing::error!(id, kind, "unknown kind of job; marked done untouched"),
        }
        tx.commit().await?;
        Ok(true)
    }
}
