//! Couriers. The shop tells a [`Courier`] which parcels to report on; the courier sends
//! what happens to them (collected, in transit, out for delivery, delivered, delivery
//! failed) to the signed webhook `POST /api/courier/events`, checked by [`verify`].
//! [`TestCourier`] is the built-in one (like the test gateway): it stands in for every
//! carrier, keeps its parcels in `test_courier_parcels`, and reports through exactly the
//! same signed path a real carrier's webhook takes. A real carrier is added by
//! implementing [`Courier`] and pointing its webhook at the endpoint with the secret.
//!
//! A report is `{"id", "carrier", "tracking", "event", "at", "detail", "expected_on"?}`
//! with the header `Courier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>" under STOREFRONT_COURIER_SECRET>`. A report older or newer than
//! [`SIGNATURE_TOLERANCE_SECONDS`] is refused, and so is an event id seen before, so a
//! captured request cannot be replayed.

use crate::db::Pool;
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use storefront_domain::fulfilment::{Carrier, CourierEvent, ShipmentStatus};

/// The header a report's signature comes in.
pub const SIGNATURE_HEADER: &str = "courier-signature";
/// How far a report's timestamp may be from the shop's clock.
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;

/// One tracking event, as a courier reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The courier's id for this event; each is taken once.
    pub id: String,
    pub carrier: String,
    pub tracking: String,
    pub event: String,
    /// When it happened (unix seconds).
    pub at: i64,
    /// Where, or what the courier says ("Leeds hub", "No one in, card left").
    #[serde(default)]
    pub detail: String,
    /// The courier's new estimate of the arrival day (ISO 8601), if it gives one.
    #[serde(default)]
    pub expected_on: Option<String>,
}

/// Why a report was refused; nothing was changed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportRefused {
    #[error("the signature is missing or wrong")]
    BadSignature,
    #[error("the report's timestamp is too far from now")]
    Stale,
    #[error("this event was received before")]
    Replayed,
    #[error("the report could not be read: {0}")]
    Unreadable(String),
    #[error("no shipment has that carrier and tracking number")]
    UnknownParcel,
    /// The shop could not store it just now; the courier should send it again.
    #[error("the shop could not store the report just now; send it again")]
    NotStored,
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Courier-Signature` value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// Checks a report's signature (in constant time) and freshness against `now`, and
/// reads it. Whether its id was seen before is the caller's check, in the same
/// transaction that applies it.
pub fn verify(
    secret: &str,
    header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<Report, ReportRefused> {
    let header = header.ok_or(ReportRefused::BadSignature)?;
    let mut timestamp = None;
    let mut tag = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => tag = decode_hex(v),
            _ => {}
        }
    }
    let (Some(timestamp), Some(tag)) = (timestamp, tag) else {
        return Err(ReportRefused::BadSignature);
    };
    mac(secret, timestamp, body)
        .verify_slice(&tag)
        .map_err(|_| ReportRefused::BadSignature)?;
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECONDS {
        return Err(ReportRefused::Stale);
    }
    serde_json::from_slice(body).map_err(|e| ReportRefused::Unreadable(e.to_string()))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The courier could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum CourierError {
    #[error("courier storage: {0}")]
    Storage(#[from] sqlx::Error),
    #[error("the courier does not know this parcel")]
    UnknownParcel,
}

/// What the shop needs of a courier.
pub trait Courier: Send + Sync {
    /// Starts reporting on a parcel the warehouse just handed over.
    fn follow<'a>(
        &'a self,
        carrier: Carrier,
        tracking: &'a str,
    ) -> BoxFuture<'a, Result<(), CourierError>>;
}

/// A signed report, ready to be delivered to the webhook.
pub struct SignedReport {
    pub signature: String,
    pub body: Vec<u8>,
}

/// The built-in courier for development, demos and tests.
pub struct TestCourier {
    db: Pool,
    secret: String,
}

impl TestCourier {
    pub fn new(db: Pool, secret: String) -> Self {
        Self { db, secret }
    }

    /// The report of `event` (or, with none, the next step of the parcel's usual
    /// journey) for `tracking`, signed as the webhook expects; `None` when the parcel
    /// has nowhere further to go. The courier's own record moves on.
    pub async fn report(
        &self,
        tracking: &str,
        event: Option<CourierEvent>,
        detail: &str,
        expected_on: Option<&str>,
    ) -> Result<Option<SignedReport>, CourierError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT carrier, status FROM test_courier_parcels WHERE tracking = $1")
                .bind(tracking)
                .fetch_optional(&self.db)
                .await?;
        let (carrier, status) = row.ok_or(CourierError::UnknownParcel)?;
        let status = ShipmentStatus::parse(&status).unwrap_or(ShipmentStatus::Shipped);
        let Some(event) = event.or_else(|| CourierEvent::next_after(status)) else {
            return Ok(None);
        };
        let now = super::unix_now();
        if let Ok(next) = status.after(event) {
            sqlx::query(
                "UPDATE test_courier_parcels SET status = $1, moved_at = $2 WHERE tracking = $3",
            )
            .bind(next.as_str())
            .bind(now)
            .bind(tracking)
            .execute(&self.db)
            .await?;
        }
        let report = Report {
            id: format!("evt_test_{}", super::random_token(20)),
            carrier,
            tracking: tracking.to_owned(),
            event: event.as_str().to_owned(),
            at: now,
            detail: detail.to_owned(),
            expected_on: expected_on.map(str::to_owned),
        };
        let body = serde_json::to_vec(&report).unwrap_or_default();
        Ok(Some(SignedReport {
            signature: sign(&self.secret, now, &body),
            body,
        }))
    }

    /// Parcels the demo clock should move: those last moved at least `every` seconds ago.
    pub async fn due(&self, every: i64) -> Result<Vec<String>, CourierError> {
        Ok(sqlx::query_scalar(
            "SELECT tracking FROM test_courier_parcels WHERE status != 'delivered' AND moved_at <= $1 ORDER BY moved_at",
        )
        .bind(super::unix_now() - every)
        .fetch_all(&self.db)
        .await?)
    }
}

impl Courier for TestCourier {
    fn follow<'a>(
        &'a self,
        carrier: Carrier,
        tracking: &'a str,
    ) -> BoxFuture<'a, Result<(), CourierError>> {
        Box::pin(async move {
            let now = super::unix_now();
            sqlx::query(
                "INSERT INTO test_courier_parcels (tracking, carrier, status, created_at, moved_at)
                 VALUES ($1, $2, 'shipped', $3, $4) ON CONFLICT (tracking) DO NOTHING",
            )
            .bind(tracking)
            .bind(carrier.as_str())
            .bind(now)
            .bind(now)
            .execute(&self.db)
            .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-test-secret-that-is-long-enough-000";

    #[test]
    fn a_signed_report_verifies_and_nothing_else_does() {
        let body = br#"{"id":"e1","carrier":"dpd","tracking":"15501234567890","event":"collected","at":1,"detail":""}"#;
        let sig = sign(SECRET, 1_000, body);
        assert!(verify(SECRET, Some(&sig), body, 1_000).is_ok());
        assert!(verify(
            SECRET,
            Some(&sig),
            body,
            1_000 + SIGNATURE_TOLERANCE_SECONDS
        )
        .is_ok());
        assert_eq!(
            verify(
                SECRET,
                Some(&sig),
                body,
                1_001 + SIGNATURE_TOLERANCE_SECONDS
            ),
            Err(ReportRefused::Stale)
        );
        assert_eq!(
            verify(
                "another-secret-of-enough-length-0000",
                Some(&sig),
                body,
                1_000
            ),
            Err(ReportRefused::BadSignature)
        );
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify(SECRET, Some(&sig), &tampered, 1_000),
            Err(ReportRefused::BadSignature)
        );
        // The timestamp is signed too: moving it breaks the signature.
        let moved = sig.replace("t=1000", "t=1100");
        assert_eq!(
            verify(SECRET, Some(&moved), body, 1_100),
            Err(ReportRefused::BadSignature)
        );
        assert_eq!(
            verify(SECRET, None, body, 1_000),
            Err(ReportRefused::BadSignature)
        );
        assert_eq!(
            verify(SECRET, Some("t=1000,v1=zz"), body, 1_000),
            Err(ReportRefused::BadSignature)
        );
    }
}
