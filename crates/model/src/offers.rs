//! Offers by mail on the wire: the staff's view of the monthly mail's runs.

pub use storefront_domain::offers::PRICE_WATCH_CONSENT;

use serde::{Deserialize, Serialize};

/// The monthly offers mail as staff see it in the agent console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffersStatus {
    /// The owner's cap: at most one offers mail to a person in this many days.
    pub every_days: u32,
    /// Addresses with a confirmed consent standing now.
    pub subscribers: i64,
    /// When the next run starts ("Mon 4 Jan, 09:00"), if one is planned.
    pub next_run: Option<String>,
    /// The run going now, else the last one.
    pub latest: Option<OfferRun>,
    /// Messages in the outbox not yet sent (all kinds).
    pub outbox_waiting: i64,
}

/// One run of the monthly mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRun {
    pub started: String,
    /// Subscribers when it started.
    pub subscribers: i64,
    /// Subscribers gone through so far.
    pub seen: i64,
    /// Mails written (the rest had nothing for them, or had one within the cap).
    pub sent: i64,
    pub finished: Option<String>,
}
