//! Payment through a gateway. The shop talks to [`PaymentGateway`]; [`TestGateway`] is
//! the built-in one (documented test cards, no real money). A real provider is added by
//! implementing the same trait. The shop never stores a card number: only the brand,
//! the last four digits and the gateway's token.

use crate::db::Pool;
use futures_util::future::BoxFuture;
use storefront_domain::money::Money;
use storefront_domain::payment::{
    check_card, test_card_behaviour, CardBrand, CardEntry, CardOnFile, TestCardBehaviour,
    SLOW_BANK_SECONDS,
};
use storefront_domain::validation::FieldError;

/// Why a card was not charged, in the shopper's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclineReason {
    Declined,
    InsufficientFunds,
    /// The shopper cancelled or failed their bank's check.
    AuthenticationFailed,
}

impl DeclineReason {
    pub fn message(self) -> &'static str {
        match self {
            Self::Declined => "Your card was declined, so nothing was charged. Please try another card, or call your bank.",
            Self::InsufficientFunds => "Your bank declined the payment for insufficient funds, so nothing was charged. Please try another card.",
            Self::AuthenticationFailed => "The payment wasn't confirmed with your bank, so nothing was charged. Please try again or use another card.",
        }
    }
}

/// The gateway's answer to an authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    /// The money is held on the card.
    Authorized,
    Declined(DeclineReason),
    /// The bank wants the shopper to confirm (3-D Secure); answer with
    /// [`PaymentGateway::complete_authentication`].
    NeedsAuthentication,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The gateway's reference for this authorization.
    pub id: String,
    pub status: AuthStatus,
    pub amount: Money,
    pub card: CardOnFile,
}

/// The gateway could not be asked (network, configuration); nothing was charged.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the card details need correcting")]
    InvalidCard(Vec<FieldError>),
    #[error("unknown card token")]
    UnknownToken,
    #[error("unknown authorization")]
    UnknownAuthorization,
    #[error("this gateway takes card details on the provider's own page")]
    Unsupported,
    #[error("gateway storage: {0}")]
    Storage(#[from] sqlx::Error),
}

/// What the shop needs of a payment provider.
pub trait PaymentGateway: Send + Sync {
    /// Turns card details typed on the shop's page into a reusable token. Providers
    /// with their own hosted card fields answer [`GatewayError::Unsupported`].
    fn tokenize<'a>(
        &'a self,
        card: &'a CardEntry,
    ) -> BoxFuture<'a, Result<(String, CardOnFile), GatewayError>>;

    /// Asks the card's bank to hold `amount` (a zero amount checks the card only).
    /// `reference` is the idempotency key: asked again with the same one, the gateway
    /// answers the authorization it made the first time and holds nothing more.
    /// `shopper_present` is false for charges made later, when backordered items ship.
    fn authorize<'a>(
        &'a self,
        token: &'a str,
        amount: Money,
        reference: &'a str,
        shopper_present: bool,
    ) -> BoxFuture<'a, Result<Authorization, GatewayError>>;

    /// The shopper's answer to their bank's check for an authorization that needed one.
    fn complete_authentication<'a>(
        &'a self,
        authorization: &'a str,
        approved: bool,
    ) -> BoxFuture<'a, Result<Authorization, GatewayError>>;

    /// Releases an authorization that will not be used.
    fn void<'a>(&'a self, authorization: &'a str) -> BoxFuture<'a, Result<(), GatewayError>>;

    /// Lowers what `authorization` holds to `amount` (a partial release, when an order
    /// shrinks before anything was taken): answers [`Capture::NotHeld`] if it holds less
    /// already or is no longer held. Asked again with the same amount, it changes nothing.
    fn reduce<'a>(
        &'a self,
        authorization: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, Result<Capture, GatewayError>>;

    /// The authorization made under idempotency key `reference`, if there is one (for
    /// settling an attempt whose answer never reached the shop).
    fn find<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Option<Authorization>, GatewayError>>;

    /// Takes `amount` of the money `authorization` holds (part of it: an authorization
    /// may be captured in several parts until it is used up). `reference` is the
    /// idempotency key: asked again with the same one, the gateway answers the capture it
    /// made the first time and takes nothing more.
    fn capture<'a>(
        &'a self,
        authorization: &'a str,
        amount: Money,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Capture, GatewayError>>;

    /// Gives back `amount` of what was captured on `authorization` (idempotent by
    /// `reference`, like a capture).
    fn refund<'a>(
        &'a self,
        authorization: &'a str,
        amount: Money,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Capture, GatewayError>>;
}

/// The gateway's answer to a capture or a refund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capture {
    /// Taken (or given back); the gateway's reference for it.
    Done(String),
    /// The authorization lapsed (banks hold money for
    /// [`storefront_domain::fulfilment::AUTHORIZATION_DAYS`]): authorize again, then capture.
    Expired,
    /// The authorization does not hold that much (voided, declined, used up), or the
    /// refund is more than was taken.
    NotHeld,
}

/// The built-in gateway for development and tests: cards from
/// [`storefront_domain::payment::TEST_CARDS`] approve, decline, run out of funds or ask for
/// the bank's check. It keeps its own records in the `test_gateway_*` tables, as a
/// provider would on its side, and keeps no card numbers either.
pub struct TestGateway {
    db: Pool,
    read: Pool,
}

impl TestGateway {
    /// Writes through `db`, reads through `read` (as the shop does).
    pub fn new(db: Pool, read: Pool) -> Self {
        Self { db, read }
    }

    async fn card(&self, token: &str) -> Result<(CardOnFile, TestCardBehaviour), GatewayError> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT brand, last4, behaviour FROM test_gateway_cards WHERE token = $1",
        )
        .bind(token)
        .fetch_optional(&self.read)
        .await?;
        let (brand, last4, behaviour) = row.ok_or(GatewayError::UnknownToken)?;
        let brand = CardBrand::parse(&brand).ok_or(GatewayError::UnknownToken)?;
        let behaviour = TestCardBehaviour::parse(&behaviour).ok_or(GatewayError::UnknownToken)?;
        Ok((CardOnFile { brand, last4 }, behaviour))
    }

    /// Keeps `a` as the authorization for `reference`, unless one was made for it
    /// meanwhile (then that one stands).
    async fn record(
        &self,
        a: &Authorization,
        token: &str,
        reference: &str,
    ) -> Result<(), GatewayError> {
        sqlx::query(
            "INSERT INTO test_gateway_authorizations (id, token, amount_minor, currency, reference, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference) DO NOTHING",
        )
        .bind(&a.id)
        .bind(token)
        .bind(a.amount.minor)
        .bind(a.amount.currency.code())
        .bind(reference)
        .bind(status_text(&a.status))
        .bind(super::unix_now())
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The authorization kept for idempotency key `reference`.
    async fn by_reference(&self, reference: &str) -> Result<Option<Authorization>, GatewayError> {
        let row: Option<(String, String, i64, String, String)> = sqlx::query_as(
            "SELECT id, token, amount_minor, currency, status FROM test_gateway_authorizations WHERE reference = $1",
        )
        .bind(reference)
            .fetch_optional(&self.read)
            .await?;
        let Some((id, token, minor, currency, status)) = row else {
            return Ok(None);
        };
        let (card, _) = self.card(&token).await?;
        let status = match status.as_str() {
            "authorized" => AuthStatus::Authorized,
            "needs_authentication" => AuthStatus::NeedsAuthentication,
            "insufficient_funds" => AuthStatus::Declined(DeclineReason::InsufficientFunds),
            "authentication_failed" => AuthStatus::Declined(DeclineReason::AuthenticationFailed),
            // Declined, or voided: nothing is held either way.
            _ => AuthStatus::Declined(DeclineReason::Declined),
        };
        Ok(Some(Authorization {
            id,
            status,
            amount: super::catalog::money(minor, &currency),
            card,
        }))
    }
}

fn status_text(status: &AuthStatus) -> &'static str {
    match status {
        AuthStatus::Authorized => "authorized",
        AuthStatus::Declined(DeclineReason::Declined) => "declined",
        AuthStatus::Declined(DeclineReason::InsufficientFunds) => "insufficient_funds",
        AuthStatus::Declined(DeclineReason::AuthenticationFailed) => "authentication_failed",
        AuthStatus::NeedsAuthentication => "needs_authentication",
    }
}

impl PaymentGateway for TestGateway {
    fn tokenize<'a>(
        &'a self,
        card: &'a CardEntry,
    ) -> BoxFuture<'a, Result<(String, CardOnFile), GatewayError>> {
        Box::pin(async move {
            let checked = check_card(card, super::today()).map_err(GatewayError::InvalidCard)?;
            let token = format!("tok_test_{}", super::random_token(24));
            let on_file = CardOnFile {
                brand: checked.brand,
                last4: checked.last4(),
            };
            sqlx::query(
                "INSERT INTO test_gateway_cards (token, brand, last4, behaviour, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&token)
            .bind(on_file.brand.name())
            .bind(&on_file.last4)
            .bind(test_card_behaviour(&checked.number).as_str())
            .bind(super::unix_now())
            .execute(&self.db)
            .await?;
            Ok((token, on_file))
        })
    }

    fn authorize<'a>(
        &'a self,
        token: &'a str,
        amount: Money,
        reference: &'a str,
        shopper_present: bool,
    ) -> BoxFuture<'a, Result<Authorization, GatewayError>> {
        Box::pin(async move {
            if let Some(earlier) = self.by_reference(reference).await? {
                return Ok(earlier);
            }
            let (card, behaviour) = self.card(token).await?;
            let status = match behaviour {
                TestCardBehaviour::Approve | TestCardBehaviour::SlowApprove => {
                    AuthStatus::Authorized
                }
                TestCardBehaviour::Decline => AuthStatus::Declined(DeclineReason::Declined),
                TestCardBehaviour::InsufficientFunds => {
                    AuthStatus::Declined(DeclineReason::InsufficientFunds)
                }
                // Later charges on a card the shopper confirmed are exempt from the check.
                TestCardBehaviour::AuthenticationRequired if shopper_present => {
                    AuthStatus::NeedsAuthentication
                }
                TestCardBehaviour::AuthenticationRequired => AuthStatus::Authorized,
            };
            let a = Authorization {
                id: format!("auth_test_{}", super::random_token(20)),
                status,
                amount,
                card,
            };
            self.record(&a, token, reference).await?;
            if behaviour == TestCardBehaviour::SlowApprove {
                // Held at the bank; the answer is on its way.
                tokio::time::sleep(std::time::Duration::from_secs(SLOW_BANK_SECONDS)).await;
            }
            // The one kept for `reference`: this one, or one made at the same moment.
            self.by_reference(reference)
                .await?
                .ok_or(GatewayError::UnknownAuthorization)
        })
    }

    fn complete_authentication<'a>(
        &'a self,
        authorization: &'a str,
        approved: bool,
    ) -> BoxFuture<'a, Result<Authorization, GatewayError>> {
        Box::pin(async move {
            let row: Option<(String, i64, String, String)> = sqlx::query_as(
                "SELECT token, amount_minor, currency, status FROM test_gateway_authorizations WHERE id = $1",
            )
            .bind(authorization)
            .fetch_optional(&self.db)
            .await?;
            let (token, minor, currency, status) = row.ok_or(GatewayError::UnknownAuthorization)?;
            let (card, _) = self.card(&token).await?;
            let new_status = match (status.as_str(), approved) {
                ("needs_authentication", true) => AuthStatus::Authorized,
                ("needs_authentication", false) => {
                    AuthStatus::Declined(DeclineReason::AuthenticationFailed)
                }
                ("authorized", _) => AuthStatus::Authorized,
                _ => AuthStatus::Declined(DeclineReason::AuthenticationFailed),
            };
            sqlx::query("UPDATE test_gateway_authorizations SET status = $1 WHERE id = $2")
                .bind(status_text(&new_status))
                .bind(authorization)
                .execute(&self.db)
                .await?;
            Ok(Authorization {
                id: authorization.to_owned(),
                status: new_status,
                amount: super::catalog::money(minor, &currency),
                card,
            })
        })
    }

    fn void<'a>(&'a self, authorization: &'a str) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move {
            sqlx::query("UPDATE test_gateway_authorizations SET status = 'voided' WHERE id = $1")
                .bind(authorization)
                .execute(&self.db)
                .await?;
            Ok(())
        })
    }

    fn find<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Option<Authorization>, GatewayError>> {
        Box::pin(self.by_reference(reference))
    }

    fn reduce<'a>(
        &'a self,
        authorization: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, Result<Capture, GatewayError>> {
        Box::pin(async move {
            let taken: i64 = sqlx::query_scalar(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM test_gateway_captures WHERE \"authorization\" = $1",
            )
            .bind(authorization)
            .fetch_one(&self.db)
            .await?;
            let done = sqlx::query(
                "UPDATE test_gateway_authorizations SET amount_minor = $1
                 WHERE id = $2 AND status = 'authorized' AND amount_minor >= $3 AND $4 >= $5",
            )
            .bind(amount.minor)
            .bind(authorization)
            .bind(amount.minor)
            .bind(amount.minor)
            .bind(taken)
            .execute(&self.db)
            .await?;
            Ok(if done.rows_affected() == 1 {
                Capture::Done(format!("reduced_{authorization}"))
            } else {
                Capture::NotHeld
            })
        })
    }

    fn capture<'a>(
        &'a self,
        authorization: &'a str,
        amount: Money,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Capture, GatewayError>> {
        Box::pin(self.take(authorization, amount.minor, reference))
    }

    fn refund<'a>(
        &'a self,
        authorization: &'a str,
        amount: Money,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Capture, GatewayError>> {
        Box::pin(self.take(authorization, -amount.minor, reference))
    }
}

impl TestGateway {
    /// Records a capture (`minor` > 0) or a refund (`minor` < 0) under `reference`,
    /// checked against what the authorization holds and what was taken already. One
    /// write transaction, so two captures racing cannot both take the last of it.
    async fn take(
        &self,
        authorization: &str,
        minor: i64,
        reference: &str,
    ) -> Result<Capture, GatewayError> {
        let mut tx = self.db.begin().await?;
        let done: Option<String> =
            sqlx::query_scalar("SELECT reference FROM test_gateway_captures WHERE reference = $1")
                .bind(reference)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(done) = done {
            return Ok(Capture::Done(format!("cap_test_{done}")));
        }
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT amount_minor, status, created_at FROM test_gateway_authorizations WHERE id = $1",
        )
        .bind(authorization)
        .fetch_optional(&mut *tx)
        .await?;
        let (held, status, created_at) = row.ok_or(GatewayError::UnknownAuthorization)?;
        let taken: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM test_gateway_captures WHERE \"authorization\" = $1 AND amount_minor > 0",
        )
        .bind(authorization)
        .fetch_one(&mut *tx)
        .await?;
        let given_back: i64 = sqlx::query_scalar(
            "SELECT COALESCE(-SUM(amount_minor), 0) FROM test_gateway_captures WHERE \"authorization\" = $1 AND amount_minor < 0",
        )
        .bind(authorization)
        .fetch_one(&mut *tx)
        .await?;
        let lapsed = super::unix_now()
            > created_at + storefront_domain::fulfilment::AUTHORIZATION_DAYS * 86_400;
        let answer = if minor > 0 {
            if status != "authorized" {
                Capture::NotHeld
            } else if lapsed {
                Capture::Expired
            } else if taken + minor > held {
                Capture::NotHeld
            } else {
                Capture::Done(format!("cap_test_{reference}"))
            }
        } else if given_back - minor > taken {
            Capture::NotHeld
        } else {
            Capture::Done(format!("cap_test_{reference}"))
        };
        if matches!(answer, Capture::Done(_)) {
            sqlx::query(
                "INSERT INTO test_gateway_captures (reference, \"authorization\", amount_minor, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(reference)
            .bind(authorization)
            .bind(minor)
            .bind(super::unix_now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(answer)
    }
}
