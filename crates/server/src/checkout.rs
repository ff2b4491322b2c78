//! Paying and placing an order, exactly once per checkout attempt, behind `api::checkout`.
//!
//! 1. The attempt's key is looked up: a key seen before gets the answer it got then (a
//!    different request under the same key is refused; one still being worked on is
//!    waited for).
//! 2. Details, lines and stock are checked and the order priced by the shop; the amounts
//!    must be the ones the shopper reviewed.
//! 3. The attempt is written as `pending`, held by this request for [`ATTEMPT_LEASE`].
//!    The database is the lock, so it holds across processes and restarts.
//! 4. The gateway authorizes only what ships now, with the attempt's key as its
//!    idempotency key (asked twice, it holds the money once).
//! 5. One write transaction re-checks stock, takes it, writes the order, the payment, the
//!    consent, the receipt mail and the attempt's answer, but only while this request
//!    still holds the attempt. On any problem the authorization is voided.
//! 6. Stock announcements, the search refresh and the receipt's delivery happen after the
//!    answer, never on its path.
//!
//! The work runs in a task of its own, so an answer that times out or a connection that
//! drops does not stop it half way: the retry (same key) gets the answer. An attempt left
//! pending by a request that died with the shop is taken over by a retry once its lease
//! has run out, or settled by [`Checkout::settle_abandoned`] (run at start and every few
//! seconds): whatever the gateway holds for it is voided, and it answers "not placed".

use super::orders::{OrderToPlace, PaymentTaken, Priced};
use super::payment::{AuthStatus, Authorization, GatewayError};
use super::{internal, mail, random_token, unix_now, AppState};
use std::hash::{BuildHasher, BuildHasherDefault};
use std::time::Duration;
use storefront_domain::location::region_for_address;
use storefront_domain::payment::CardEntry;
use storefront_domain::validation::{check_details, check_lines, Field};
use storefront_model::checkout::{CardToken, CheckoutOutcome, CheckoutRequest};
use storefront_model::ShopError;

/// How long a request holds the attempt it works on: longer than the gateway takes to
/// answer. A pending attempt whose lease ran out belongs to a request that died; a
/// retry may take it over at once, the shop settles it one lease later (so the
/// shopper's retry, which ends in an order, comes first).
pub const ATTEMPT_LEASE: Duration = Duration::from_secs(10);
const LEASE_SECONDS: i64 = ATTEMPT_LEASE.as_secs() as i64;

/// Cards handed to the gateway per client address per hour. A shopper needs one or two;
/// a script trying stolen numbers needs thousands.
pub const CARD_TOKENS: storefront_domain::rate::RateLimit = storefront_domain::rate::RateLimit {
    max: 20,
    per_seconds: 3_600,
};

/// How often pending attempts are checked for ones to settle (see
/// [`Checkout::settle_abandoned`]).
pub const SETTLE_EVERY: Duration = Duration::from_secs(5);

/// Locks that make requests with the same key take turns within one process (the
/// attempt's row does it between processes).
pub struct AttemptLocks(Vec<tokio::sync::Mutex<()>>);

impl AttemptLocks {
    pub fn new() -> Self {
        Self((0..64).map(|_| tokio::sync::Mutex::new(())).collect())
    }

    fn for_key(&self, key: &str) -> &tokio::sync::Mutex<()> {
        let hash = BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(key);
        &self.0[(hash % self.0.len() as u64) as usize]
    }
}

impl Default for AttemptLocks {
    fn default() -> Self {
        Self::new()
    }
}

type Answer = Result<CheckoutOutcome, ShopError>;

#[derive(sqlx::FromRow)]
struct Attempt {
    request: String,
    state: String,
    authorization: Option<String>,
    answer: String,
    lease_until: i64,
    /// The account the shopper was signed in to when the attempt began.
    account_email: Option<String>,
}

impl Attempt {
    fn answer(&self) -> Answer {
        serde_json::from_str::<Answer>(&self.answer).map_err(internal)?
    }
}

/// What became of a try to hold an attempt.
enum Claim {
    /// This request holds it, under this holder mark.
    Held(String),
    /// It was answered already (or meanwhile, by another request).
    Answered(Answer),
}

fn check_key(key: &str) -> Result<(), ShopError> {
    let ok = (16..=100).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ShopError::invalid(
            Field::Cart,
            "The shop could not read that request. Please reload the page and try again.",
        ))
    }
}

fn used_for_another_order() -> ShopError {
    ShopError::invalid(
        Field::Cart,
        "This checkout attempt was already used for a different order, so nothing was changed. Please review your order and place it again.",
    )
}

/// The answer of an attempt that ended without an order, its authorization voided.
pub fn not_placed() -> ShopError {
    ShopError::invalid(
        Field::Cart,
        "Your order wasn't placed and nothing was charged: anything held on your card has been released. Please place your order again.",
    )
}

fn gateway_failed(e: GatewayError) -> ShopError {
    match e {
        GatewayError::InvalidCard(errors) => ShopError::Invalid(errors),
        GatewayError::UnknownToken => ShopError::invalid(
            Field::Payment,
            "We need your card details again. Please re-enter them on the payment step.",
        ),
        other => {
            tracing::error!(error = %other, "payment gateway failed");
            ShopError::Unreachable
        }
    }
}

pub struct Checkout<'a> {
    state: &'a AppState,
}

impl<'a> Checkout<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// Hands card details to the gateway, at most [`CARD_TOKENS`] times an hour per
    /// client address (counted before the gateway is asked), so the shop cannot be used
    /// to test stolen card numbers.
    pub async fn tokenize(&self, card: &CardEntry) -> Result<CardToken, ShopError> {
        let caller = super::session::Caller::current();
        // Every request over the network has an address; calls from inside the process
        // (tests, benchmarks) have none and are not counted.
        let counted = if caller.ip == "unknown" {
            Ok(())
        } else {
            self.state
                .desk
                .limit(&format!("card-ip:{}", caller.ip), CARD_TOKENS)
                .await
        };
        if let Err(wait) = counted {
            return Err(ShopError::TooMany(format!(
                "That's a lot of cards in a short time, so we've paused card checks from here. Please try again in {} minutes, or call us on {}.",
                storefront_domain::rate::minutes_to_wait(wait),
                self.state.help.phone_display
            )));
        }
        let (token, card) = self
            .state
            .gateway
            .tokenize(card)
            .await
            .map_err(gateway_failed)?;
        Ok(CardToken { token, card })
    }

    async fn attempt(&self, key: &str) -> Result<Option<Attempt>, ShopError> {
        sqlx::query_as(
            "SELECT request, state, \"authorization\", answer, lease_until, account_email FROM checkout_attempts WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)
    }

    /// The answer attempt `key` already has. While another request holds it, waits for
    /// that one's answer; `None` when there is no such attempt, or when the request that
    /// held it died (its lease ran out) and it may be taken over.
    async fn earlier_answer(
        &self,
        key: &str,
        canonical: &str,
    ) -> Result<Option<Answer>, ShopError> {
        let give_up = tokio::time::Instant::now() + ATTEMPT_LEASE + Duration::from_secs(2);
        loop {
            let Some(attempt) = self.attempt(key).await? else {
                return Ok(None);
            };
            if attempt.request != canonical {
                return Ok(Some(Err(used_for_another_order())));
            }
            if attempt.state != "pending" {
                return Ok(Some(attempt.answer()));
            }
            if attempt.lease_until < unix_now() {
                return Ok(None);
            }
            if tokio::time::Instant::now() > give_up {
                return Ok(Some(Err(ShopError::Unreachable)));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Writes attempt `key` as pending and held by this request, or takes over one whose
    /// holder died; if another request holds it, waits for its answer.
    async fn claim(
        &self,
        key: &str,
        canonical: &str,
        account: Option<&str>,
    ) -> Result<Claim, ShopError> {
        for _ in 0..3 {
            let holder = random_token(16);
            let now = unix_now();
            let taken = sqlx::query(
                "INSERT INTO checkout_attempts (key, request, state, holder, lease_until, answer, created_at, updated_at, account_email)
                 VALUES ($1, $2, 'pending', $3, $4, '', $5, $5, $6)
                 ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until,
                                                updated_at = excluded.updated_at, account_email = excluded.account_email
                 WHERE checkout_attempts.state = 'pending' AND checkout_attempts.lease_until < $5
                   AND checkout_attempts.request = excluded.request",
            )
            .bind(key)
            .bind(canonical)
            .bind(&holder)
            .bind(now + LEASE_SECONDS)
            .bind(now)
            .bind(account)
            .execute(&self.state.db.write)
            .await
            .map_err(internal)?
            .rows_affected()
                == 1;
            if taken {
                return Ok(Claim::Held(holder));
            }
            if let Some(answer) = self.earlier_answer(key, canonical).await? {
                return Ok(Claim::Answered(answer));
            }
        }
        Err(ShopError::Unreachable)
    }

    /// Gives up a claim when nothing can have been authorized under it.
    async fn release(&self, key: &str, holder: &str) {
        if let Err(e) = sqlx::query(
            "DELETE FROM checkout_attempts WHERE key = $1 AND holder = $2 AND state = 'pending'",
        )
        .bind(key)
        .bind(holder)
        .execute(&self.state.db.write)
        .await
        {
            tracing::error!(%e, key, "checkout attempt not released");
        }
    }

    /// Answers the attempt held by `holder` for good. False when the request no longer
    /// held it (its lease ran out and another took over): then nothing is written.
    async fn remember(
        conn: &mut crate::db::Conn,
        key: &str,
        holder: &str,
        state: &str,
        authorization: Option<&str>,
        answer: &Answer,
    ) -> Result<bool, ShopError> {
        let done = sqlx::query(
            "UPDATE checkout_attempts SET state = $1, \"authorization\" = $2, answer = $3, holder = NULL, updated_at = $4
             WHERE key = $5 AND holder = $6 AND state = 'pending'",
        )
        .bind(state)
        .bind(authorization)
        .bind(serde_json::to_string(answer).map_err(internal)?)
        .bind(unix_now())
        .bind(key)
        .bind(holder)
        .execute(conn)
        .await
        .map_err(internal)?;
        Ok(done.rows_affected() == 1)
    }

    /// Places the order described by `request` and pays for what ships now. The work goes
    /// on if the caller stops waiting; a retry with the same key gets its answer.
    pub async fn place(&self, request: &CheckoutRequest) -> Answer {
        self.place_for(request, "", None).await
    }

    /// [`Self::place`] for a shopper signed in to the account of `account`: the order
    /// joins that account whatever address it is placed under, and its delivery address
    /// is kept for the next checkout when `request.save_address`.
    pub async fn place_signed_in(
        &self,
        request: &CheckoutRequest,
        account: Option<String>,
    ) -> Answer {
        self.place_for(request, "", account).await
    }

    /// [`Self::place`], for a customer on the phone by agent `by`: the order says who
    /// took it, and the bank's check does not apply (the card holder is not at the page;
    /// card payments taken by phone are exempt from it).
    pub async fn place_by_phone(&self, request: &CheckoutRequest, by: &str) -> Answer {
        self.place_for(request, by, None).await
    }

    async fn place_for(
        &self,
        request: &CheckoutRequest,
        by: &str,
        account: Option<String>,
    ) -> Answer {
        let state = self.state.clone();
        let request = request.clone();
        let by = by.to_owned();
        tokio::spawn(async move {
            Checkout::new(&state)
                .place_now(&request, &by, account.as_deref())
                .await
        })
        .await
        .map_err(internal)?
    }

    async fn place_now(
        &self,
        request: &CheckoutRequest,
        by: &str,
        account: Option<&str>,
    ) -> Answer {
        check_key(&request.key)?;
        let canonical = serde_json::to_string(request).map_err(internal)?;
        let _turn = self.state.attempts.for_key(&request.key).lock().await;
        if let Some(answer) = self.earlier_answer(&request.key, &canonical).await? {
            return answer;
        }
        let checked = Checked::new(request)?;
        let mut order = checked.order(request);
        order.placed_by = by;
        order.account = account;
        let priced = {
            let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
            self.state.orders().check(&mut conn, &order).await?
        };
        if priced.charges.now != request.expected_now
            || priced.quote.total != request.expected_total
        {
            return Err(ShopError::invalid(
                Field::Cart,
                format!(
                    "Prices or stock changed since you reviewed your order: it now comes to {} ({} held now). Nothing was charged. Please check your order and place it again.",
                    priced.quote.total, priced.charges.now
                ),
            ));
        }
        let holder = match self.claim(&request.key, &canonical, account).await? {
            Claim::Held(holder) => holder,
            Claim::Answered(answer) => return answer,
        };
        let auth = match self
            .state
            .gateway
            .authorize(
                &request.card_token,
                priced.charges.now,
                &request.key,
                by.is_empty(),
            )
            .await
        {
            Ok(auth) => auth,
            Err(e) => {
                // A card the gateway refused to read holds nothing. After any other
                // failure it may have: the attempt stays pending, for the retry to carry
                // on or for settling.
                if matches!(e, GatewayError::InvalidCard(_) | GatewayError::UnknownToken) {
                    self.release(&request.key, &holder).await;
                }
                return Err(gateway_failed(e));
            }
        };
        self.settle(request, &canonical, &order, auth, &holder)
            .await
    }

    /// The shopper's answer to the bank's check for attempt `key`.
    pub async fn confirm(&self, key: &str, approve: bool) -> Answer {
        let state = self.state.clone();
        let key = key.to_owned();
        tokio::spawn(async move { Checkout::new(&state).confirm_now(&key, approve).await })
            .await
            .map_err(internal)?
    }

    async fn confirm_now(&self, key: &str, approve: bool) -> Answer {
        check_key(key)?;
        let _turn = self.state.attempts.for_key(key).lock().await;
        let attempt = self.attempt(key).await?.ok_or_else(|| {
            ShopError::NotFound(
                "We couldn't find that payment. Please go back to the review step and place your order again.".into(),
            )
        })?;
        let authorization = match (attempt.state.as_str(), &attempt.authorization) {
            ("authenticating", Some(authorization)) => authorization.clone(),
            // Being worked on: its answer, once there is one.
            ("pending", _) => return self.answer_now(key, &attempt.request).await,
            // Already answered: the same answer again.
            _ => return attempt.answer(),
        };
        let holder = random_token(16);
        let now = unix_now();
        let taken = sqlx::query(
            "UPDATE checkout_attempts SET state = 'pending', holder = $1, lease_until = $2, updated_at = $3
             WHERE key = $4 AND state = 'authenticating'",
        )
        .bind(&holder)
        .bind(now + LEASE_SECONDS)
        .bind(now)
        .bind(key)
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?
        .rows_affected()
            == 1;
        if !taken {
            return self.answer_now(key, &attempt.request).await;
        }
        let request: CheckoutRequest = serde_json::from_str(&attempt.request).map_err(internal)?;
        let checked = Checked::new(&request)?;
        let mut order = checked.order(&request);
        order.account = attempt.account_email.as_deref();
        let auth = self
            .state
            .gateway
            .complete_authentication(&authorization, approve)
            .await
            .map_err(gateway_failed)?;
        self.settle(&request, &attempt.request, &order, auth, &holder)
            .await
    }

    /// Acts on the gateway's answer: remembers a decline or a pending check, or places
    /// the order.
    async fn settle(
        &self,
        request: &CheckoutRequest,
        canonical: &str,
        order: &OrderToPlace<'_>,
        auth: Authorization,
        holder: &str,
    ) -> Answer {
        let (state, answer) = match auth.status {
            AuthStatus::Authorized => {
                return self.finish(request, canonical, order, auth, holder).await
            }
            AuthStatus::Declined(reason) => {
                tracing::info!(key = %request.key, ?reason, "payment declined");
                (
                    "declined",
                    Err(ShopError::Declined(reason.message().to_owned())),
                )
            }
            AuthStatus::NeedsAuthentication => (
                "authenticating",
                Ok(CheckoutOutcome::ConfirmWithBank {
                    amount: auth.amount,
                    card: auth.card.clone(),
                }),
            ),
        };
        self.conclude(&request.key, canonical, holder, state, &auth.id, answer)
            .await
    }

    /// Answers the attempt held by `holder` with `answer` for good, or, if this request
    /// lost its hold meanwhile, with whatever the request that took over answered.
    async fn conclude(
        &self,
        key: &str,
        canonical: &str,
        holder: &str,
        state: &str,
        authorization: &str,
        answer: Answer,
    ) -> Answer {
        if self
            .remember_now(key, holder, state, Some(authorization), &answer)
            .await?
        {
            answer
        } else {
            self.answer_now(key, canonical).await
        }
    }

    /// [`Self::remember`] on the writer connection, outside any transaction.
    async fn remember_now(
        &self,
        key: &str,
        holder: &str,
        state: &str,
        authorization: Option<&str>,
        answer: &Answer,
    ) -> Result<bool, ShopError> {
        let mut conn = self.state.db.write.acquire().await.map_err(internal)?;
        Self::remember(&mut conn, key, holder, state, authorization, answer).await
    }

    /// The answer another request gave attempt `key` after this one lost its hold.
    async fn answer_now(&self, key: &str, canonical: &str) -> Answer {
        self.earlier_answer(key, canonical)
            .await?
            .unwrap_or(Err(ShopError::Unreachable))
    }

    /// Renews this request's hold on attempt `key`; false when it no longer holds it.
    async fn keep(&self, key: &str, holder: &str) -> bool {
        let until = unix_now() + LEASE_SECONDS;
        sqlx::query(
            "UPDATE checkout_attempts SET lease_until = $1 WHERE key = $2 AND holder = $3 AND state = 'pending'",
        )
        .bind(until)
        .bind(key)
        .bind(holder)
        .execute(&self.state.db.write)
        .await
        .is_ok_and(|r| r.rows_affected() == 1)
    }

    /// Writes the authorized order; on any problem the authorization is released.
    async fn finish(
        &self,
        request: &CheckoutRequest,
        canonical: &str,
        order: &OrderToPlace<'_>,
        auth: Authorization,
        holder: &str,
    ) -> Answer {
        let orders = self.state.orders();
        // `Ok(None)`: this request no longer held the attempt, and wrote nothing.
        let written: Result<Option<(CheckoutOutcome, Priced)>, ShopError> = async {
            let mut tx = self.state.db.begin_write().await.map_err(internal)?;
            let priced = orders.check(&mut tx, order).await?;
            if priced.charges.now != auth.amount {
                return Err(ShopError::invalid(
                    Field::Cart,
                    "Stock changed while you were paying, so nothing was charged. Please check your order and place it again.",
                ));
            }
            let payment = PaymentTaken {
                authorization: &auth.id,
                amount: auth.amount,
                card: &auth.card,
                token: &request.card_token,
            };
            let placed = orders.write(&mut tx, order, &priced, &payment).await?;
            let answer = Ok(CheckoutOutcome::Placed(placed));
            if !Self::remember(&mut tx, &request.key, holder, "placed", Some(&auth.id), &answer)
                .await?
            {
                return Ok(None);
            }
            tx.commit().await.map_err(internal)?;
            Ok(Some((answer?, priced)))
        }
        .await;
        let e = match written {
            Ok(Some((outcome, priced))) => {
                let state = self.state.clone();
                tokio::spawn(async move { state.orders().after_commit(&priced).await });
                return Ok(outcome);
            }
            // Held too long: whoever took the attempt over owns the authorization (the
            // gateway gave them the same one) and gives the answer.
            Ok(None) => return self.answer_now(&request.key, canonical).await,
            Err(e) => e,
        };
        // Voided only while this request surely still holds the attempt.
        if !self.keep(&request.key, holder).await {
            return self.answer_now(&request.key, canonical).await;
        }
        if let Err(void) = self.state.gateway.void(&auth.id).await {
            // Still pending with its authorization: settled later.
            tracing::error!(error = %void, authorization = %auth.id, "authorization not voided yet");
            return Err(e);
        }
        // The key is spent (the gateway would answer it with the voided authorization):
        // a definitive answer, so the next try is a new attempt.
        let answer = Err(if e.settles_attempt() { e } else { not_placed() });
        self.conclude(&request.key, canonical, holder, "refused", &auth.id, answer)
            .await
    }

    /// Settles attempts left pending by requests that died (the shop stopped mid-payment,
    /// or the gateway could not be reached) and not taken over by a retry within one
    /// more lease: whatever the gateway holds for one is voided, and from then on it
    /// answers [`not_placed`]. Answers how many were settled.
    pub async fn settle_abandoned(&self) -> usize {
        let stale: Vec<String> = match sqlx::query_scalar(
            "SELECT key FROM checkout_attempts WHERE state = 'pending' AND lease_until < $1",
        )
        .bind(unix_now() - LEASE_SECONDS)
        .fetch_all(&self.state.db.read)
        .await
        {
            Ok(keys) => keys,
            Err(e) => {
                tracing::error!(%e, "pending checkout attempts not read");
                return 0;
            }
        };
        let mut settled = 0;
        for key in stale {
            let _turn = self.state.attempts.for_key(&key).lock().await;
            let holder = random_token(16);
            let now = unix_now();
            let taken = sqlx::query(
                "UPDATE checkout_attempts SET holder = $1, lease_until = $2, updated_at = $3
                 WHERE key = $4 AND state = 'pending' AND lease_until < $5",
            )
            .bind(&holder)
            .bind(now + LEASE_SECONDS)
            .bind(now)
            .bind(&key)
            .bind(now - LEASE_SECONDS)
            .execute(&self.state.db.write)
            .await
            .is_ok_and(|r| r.rows_affected() == 1);
            if !taken {
                continue;
            }
            let held = match self.state.gateway.find(&key).await {
                Ok(held) => held,
                Err(e) => {
                    // Its lease runs out again and the next round tries again.
                    tracing::error!(error = %e, key, "gateway not asked about an abandoned attempt");
                    continue;
                }
            };
            let authorization = held.as_ref().map(|a| a.id.clone());
            if let Some(a) = held.filter(|a| {
                matches!(
                    a.status,
                    AuthStatus::Authorized | AuthStatus::NeedsAuthentication
                )
            }) {
                if let Err(e) = self.state.gateway.void(&a.id).await {
                    tracing::error!(error = %e, authorization = %a.id, "abandoned authorization not voided yet");
                    continue;
                }
                tracing::warn!(key, authorization = %a.id, "abandoned checkout attempt: authorization voided");
            }
            let recorded = self
                .remember_now(
                    &key,
                    &holder,
                    "abandoned",
                    authorization.as_deref(),
                    &Err(not_placed()),
                )
                .await;
            match recorded {
                Ok(true) => settled += 1,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, key, "abandoned attempt not recorded"),
            }
        }
        settled
    }

    /// Puts back to `due` the charges whose process stopped mid-way; answers how many.
    /// With one process (SQLite) that is every charge still `charging` when it starts,
    /// and none later (its own are in flight). With several (PostgreSQL) another process
    /// may be making one, so only those claimed more than [`CHARGE_LEASE`] before `now`
    /// are taken over, at start and later alike: no charge takes that long.
    pub async fn recover_charges(&self, now: i64, starting: bool) -> u64 {
        let before = match (self.state.db.dialect, starting) {
            (crate::db::Dialect::Sqlite, true) => i64::MAX,
            (crate::db::Dialect::Sqlite, false) => return 0,
            (crate::db::Dialect::Postgres, _) => now - CHARGE_LEASE,
        };
        match sqlx::query(
            "UPDATE payments SET status = 'due'
             WHERE status = 'charging' AND (charging_at IS NULL OR charging_at < $1)",
        )
        .bind(before)
        .execute(&self.state.db.write)
        .await
        {
            Ok(done) => done.rows_affected(),
            Err(e) => {
                tracing::error!(%e, "charges left behind not put back");
                0
            }
        }
    }

    /// Charges what became due when backordered items got their stock (see
    /// `Stock::receive`): each due payment is authorized on the order's card; a decline
    /// is recorded and the customer is mailed. Answers how many were authorized.
    pub async fn charge_due(&self) -> usize {
        let due: Vec<(i64, i64, String, String, String, String)> = match sqlx::query_as(
            "SELECT p.id, p.amount_minor, p.currency, o.card_token, o.number, o.email
             FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.status = 'due' AND o.card_token IS NOT NULL ORDER BY p.id",
        )
        .fetch_all(&self.state.db.read)
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(%e, "due payments not read");
                return 0;
            }
        };
        let mut authorized = 0;
        let mut mailed = false;
        for (id, minor, currency, token, number, email) in due {
            // Claim the row so two restocks never charge it twice.
            let claimed = sqlx::query(
                "UPDATE payments SET status = 'charging', charging_at = $1 WHERE id = $2 AND status = 'due'",
            )
            .bind(unix_now())
            .bind(id)
            .execute(&self.state.db.write)
            .await
            .is_ok_and(|r| r.rows_affected() == 1);
            if !claimed {
                continue;
            }
            let amount = super::catalog::money(minor, &currency);
            let reference = format!("{number}-backorder-{id}");
            let (status, authorization) = match self
                .state
                .gateway
                .authorize(&token, amount, &reference, false)
                .await
            {
                Ok(a) if a.status == AuthStatus::Authorized => ("authorized", Some(a.id)),
                Ok(a) => ("declined", Some(a.id)),
                Err(e) => {
                    tracing::error!(error = %e, payment = id, "due payment not charged yet");
                    ("due", None)
                }
            };
            let mut tx = match self.state.db.begin_write().await {
                Ok(tx) => tx,
                Err(e) => {
                    tracing::error!(%e, payment = id, "payment result not recorded");
                    continue;
                }
            };
            let recorded = async {
                sqlx::query(
                    "UPDATE payments SET status = $1, \"authorization\" = $2, settled_at = $3 WHERE id = $4",
                )
                .bind(status)
                .bind(&authorization)
                .bind(unix_now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if status == "declined" {
                    let body = format!(
                        "Hello,\n\nGood news: the items you were waiting for in order {number} are back in stock. \
                         But your bank declined the {amount} for them, so we haven't sent them yet.\n\n\
                         Please call us on {} or reply to this email and we'll sort it out together.\n\nThe Storefront team\n",
                        self.state.help.phone_display
                    );
                    mail::queue(
                        &mut tx,
                        mail::Mail {
                            to: &email,
                            subject: &format!("About the rest of your order {number}"),
                            body: &body,
                        },
                    )
                    .await?;
                }
                tx.commit().await
            }
            .await;
            match recorded {
                Ok(()) if status == "authorized" => authorized += 1,
                Ok(()) if status == "declined" => mailed = true,
                Ok(()) => {}
                Err(e) => tracing::error!(%e, payment = id, "payment result not recorded"),
            }
        }
        if mailed {
            self.state.deliver_mail_soon();
        }
        authorized
    }
}

/// How long a charge may take before another process may take it over (the gateway
/// answers or gives up long before).
pub const CHARGE_LEASE: i64 = 10 * 60;

/// A request's details and lines after their checks, and the region they ship to.
struct Checked {
    details: storefront_domain::validation::CheckoutDetails,
    lines: Vec<storefront_domain::cart::CartLine>,
    region: String,
}

impl Checked {
    fn new(request: &CheckoutRequest) -> Result<Self, ShopError> {
        let (details, lines) = match (check_details(&request.details), check_lines(&request.lines))
        {
            (Ok(d), Ok(l)) => (d, l),
            (d, l) => {
                let mut errors = d.err().unwrap_or_default();
                errors.extend(l.err().unwrap_or_default());
                return Err(ShopError::Invalid(errors));
            }
        };
        if request.card_token.trim().is_empty() {
            return Err(ShopError::invalid(
                Field::Payment,
                "Please add your card on the payment step.",
            ));
        }
        let region = region_for_address(&details.address.country, &details.address.postcode)
            .map_or_else(|| request.region.clone(), |r| r.code.to_owned());
        Ok(Self {
            details,
            lines,
            region,
        })
    }

    fn order<'a>(&'a self, request: &CheckoutRequest) -> OrderToPlace<'a> {
        OrderToPlace {
            details: &self.details,
            lines: &self.lines,
            region: &self.region,
            delivery: request.delivery,
            accept_backorder: request.accept_backorder,
            offers: request.offers,
            placed_by: "",
            account: None,
            save_address: request.save_address,
        }
    }
}
