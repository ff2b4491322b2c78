//! Paying and placing an order, once per checkout attempt, behind `api::checkout`.
//!
//! 1. The attempt's key is looked up: a key seen before gets the answer it got then (a
//!    different request under the same key is refused).
//! 2. Details, lines and stock are checked and the order priced by the shop; the amounts
//!    must be the ones the shopper reviewed.
//! 3. The gateway authorizes only what ships now (outside any database transaction).
//! 4. One write transaction re-checks stock, takes it, writes the order, the payment, the
//!    consent, the receipt mail and the attempt's answer. If the stock moved meanwhile,
//!    the authorization is voided and nothing is written.
//!
//! Requests with the same key queue on one lock, so fifty simultaneous submits make one
//! order and get fifty identical answers.

use super::orders::{OrderToPlace, PaymentTaken, Priced};
use super::payment::{AuthStatus, Authorization, GatewayError};
use super::{internal, mail, unix_now, AppState};
use std::hash::{BuildHasher, BuildHasherDefault};
use storefront_domain::location::region_for_address;
use storefront_domain::payment::CardEntry;
use storefront_domain::validation::{check_details, check_lines, Field};
use storefront_model::checkout::{CardToken, CheckoutOutcome, CheckoutRequest};
use storefront_model::ShopError;

/// Locks that make requests with the same key take turns.
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

#[derive(sqlx::FromRow)]
struct Attempt {
    request: String,
    state: String,
    authorization: Option<String>,
    answer: String,
}

impl Attempt {
    fn answer(&self) -> Result<CheckoutOutcome, ShopError> {
        serde_json::from_str::<Result<CheckoutOutcome, ShopError>>(&self.answer)
            .map_err(internal)?
    }
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

    pub async fn tokenize(&self, card: &CardEntry) -> Result<CardToken, ShopError> {
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
            "SELECT request, state, authorization, answer FROM checkout_attempts WHERE key = ?",
        )
        .bind(key)
        .fetch_optional(&self.state.db.write)
        .await
        .map_err(internal)
    }

    async fn remember(
        &self,
        conn: &mut sqlx::SqliteConnection,
        key: &str,
        request: &str,
        state: &str,
        authorization: Option<&str>,
        answer: &Result<CheckoutOutcome, ShopError>,
    ) -> Result<(), ShopError> {
        let now = unix_now();
        sqlx::query(
            "INSERT INTO checkout_attempts (key, request, state, authorization, answer, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET state = excluded.state, authorization = excluded.authorization,
                                            answer = excluded.answer, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(request)
        .bind(state)
        .bind(authorization)
        .bind(serde_json::to_string(answer).map_err(internal)?)
        .bind(now)
        .bind(now)
        .execute(conn)
        .await
        .map_err(internal)?;
        Ok(())
    }

    /// Places the order described by `request` and pays for what ships now.
    pub async fn place(&self, request: &CheckoutRequest) -> Result<CheckoutOutcome, ShopError> {
        check_key(&request.key)?;
        let canonical = serde_json::to_string(request).map_err(internal)?;
        let _turn = self.state.attempts.for_key(&request.key).lock().await;
        if let Some(attempt) = self.attempt(&request.key).await? {
            if attempt.request != canonical {
                return Err(ShopError::invalid(
                    Field::Cart,
                    "This checkout attempt was already used for a different order, so nothing was changed. Please review your order and place it again.",
                ));
            }
            return attempt.answer();
        }
        let checked = Checked::new(request)?;
        let order = checked.order(request);
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
                    "Prices or stock changed since you reviewed your order: it now comes to {} ({} charged now). Nothing was charged. Please check your order and place it again.",
                    priced.quote.total, priced.charges.now
                ),
            ));
        }
        let auth = self
            .state
            .gateway
            .authorize(&request.card_token, priced.charges.now, &request.key, true)
            .await
            .map_err(gateway_failed)?;
        self.settle(request, &canonical, &order, auth).await
    }

    /// The shopper's answer to the bank's check for attempt `key`.
    pub async fn confirm(&self, key: &str, approve: bool) -> Result<CheckoutOutcome, ShopError> {
        check_key(key)?;
        let _turn = self.state.attempts.for_key(key).lock().await;
        let attempt = self.attempt(key).await?.ok_or_else(|| {
            ShopError::NotFound(
                "We couldn't find that payment. Please go back to the review step and place your order again.".into(),
            )
        })?;
        let authorization = match (attempt.state.as_str(), &attempt.authorization) {
            ("authenticating", Some(authorization)) => authorization.clone(),
            // Already answered: the same answer again.
            _ => return attempt.answer(),
        };
        let request: CheckoutRequest = serde_json::from_str(&attempt.request).map_err(internal)?;
        let checked = Checked::new(&request)?;
        let order = checked.order(&request);
        let auth = self
            .state
            .gateway
            .complete_authentication(&authorization, approve)
            .await
            .map_err(gateway_failed)?;
        self.settle(&request, &attempt.request, &order, auth).await
    }

    /// Acts on the gateway's answer: remembers a decline or a pending check, or places
    /// the order.
    async fn settle(
        &self,
        request: &CheckoutRequest,
        canonical: &str,
        order: &OrderToPlace<'_>,
        auth: Authorization,
    ) -> Result<CheckoutOutcome, ShopError> {
        let mut conn = match auth.status {
            AuthStatus::Authorized => return self.finish(request, canonical, order, auth).await,
            _ => self.state.db.write.acquire().await.map_err(internal)?,
        };
        let (state, answer) = match auth.status {
            AuthStatus::Declined(reason) => {
                tracing::info!(key = %request.key, ?reason, "payment declined");
                (
                    "declined",
                    Err(ShopError::Declined(reason.message().to_owned())),
                )
            }
            _ => (
                "authenticating",
                Ok(CheckoutOutcome::ConfirmWithBank {
                    amount: auth.amount,
                    card: auth.card.clone(),
                }),
            ),
        };
        self.remember(
            &mut conn,
            &request.key,
            canonical,
            state,
            Some(&auth.id),
            &answer,
        )
        .await?;
        answer
    }

    /// Writes the authorized order; on any problem the authorization is released.
    async fn finish(
        &self,
        request: &CheckoutRequest,
        canonical: &str,
        order: &OrderToPlace<'_>,
        auth: Authorization,
    ) -> Result<CheckoutOutcome, ShopError> {
        let orders = self.state.orders();
        let written: Result<(CheckoutOutcome, Priced), ShopError> = async {
            let mut tx = self.state.db.write.begin().await.map_err(internal)?;
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
            self.remember(&mut tx, &request.key, canonical, "placed", Some(&auth.id), &answer)
                .await?;
            tx.commit().await.map_err(internal)?;
            Ok((answer?, priced))
        }
        .await;
        match written {
            Ok((outcome, priced)) => {
                orders.after_commit(&priced).await;
                Ok(outcome)
            }
            Err(e) => {
                if let Err(void) = self.state.gateway.void(&auth.id).await {
                    tracing::error!(error = %void, authorization = %auth.id, "authorization not voided");
                }
                Err(e)
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
        .fetch_all(&self.state.db.write)
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(%e, "due payments not read");
                return 0;
            }
        };
        let mut authorized = 0;
        for (id, minor, currency, token, number, email) in due {
            // Claim the row so two restocks never charge it twice.
            let claimed = sqlx::query(
                "UPDATE payments SET status = 'charging' WHERE id = ? AND status = 'due'",
            )
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
            let mut tx = match self.state.db.write.begin().await {
                Ok(tx) => tx,
                Err(e) => {
                    tracing::error!(%e, payment = id, "payment result not recorded");
                    continue;
                }
            };
            let recorded = async {
                sqlx::query(
                    "UPDATE payments SET status = ?, authorization = ?, settled_at = ? WHERE id = ?",
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
                Ok(()) => {}
                Err(e) => tracing::error!(%e, payment = id, "payment result not recorded"),
            }
        }
        self.state.outbox.flush(&self.state.db.write).await;
        authorized
    }
}

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
        }
    }
}
