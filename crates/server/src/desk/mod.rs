//! The help desk: chat conversations (`chat`: the shopper's side, `console`: the
//! agent's), call-back requests (`callbacks`), the customer's context and order look-up
//! (`context`), and the live events that keep shopper and agent in step (`events`). This
//! file holds what they share: the in-memory desk (events, agents online, rate counters)
//! and the rate limits. Every message and request is in the
//! database before it is acknowledged; events only say "read it again".

use super::agents::SignedInAgent;
use super::mail::{self, Mail};
use super::session::{self, Caller};
use super::{internal, unix_now, until_stopping, AppState, Heard};
use crate::clock::uk_local;
use axum::response::sse::Event;
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use storefront_domain::callback::{call_slots, check_callback, CallSlot, CallbackRequest};
use storefront_domain::chat::check_message;
use storefront_domain::delivery::DeliveryOption;
use storefront_domain::order::is_order_number;
use storefront_domain::rate::{RateLimit, Windows};
use storefront_domain::validation::{check_email, Field};
use storefront_model::agent::{
    CallbackDetail, ChatDetail, CustomerContext, Queue, QueuedCallback, QueuedChat,
};
use storefront_model::orders::OrderView;
use storefront_model::support::{
    Author, CallbackConfirmation, ChatMessage, ChatState, Conversation, ShopperContext,
    MAX_CONTEXT_ITEMS,
};
use storefront_model::ShopError;
use tokio::sync::broadcast;

mod callbacks;
mod chat;
mod console;
mod context;
mod events;

pub use events::{agent_events, shopper_events};

use callbacks::CallbackRow;
use chat::{quote, tidy_context};

/// Something changed at the desk. Subscribers read what they show again.
#[derive(Clone, Debug)]
pub enum DeskEvent {
    /// A conversation changed: a message, a read mark, its context, closed.
    Chat {
        conversation: i64,
        shopper: Arc<str>,
    },
    Typing {
        conversation: i64,
        shopper: Arc<str>,
        by: Author,
    },
    /// The queue changed without a chat: a call-back came in or was done.
    Queue,
    /// How many agents have the console open.
    Presence(usize),
}

/// Messages per shopper per minute, and per address (many shoppers behind one address).
const SHOPPER_MESSAGES: RateLimit = RateLimit {
    max: 10,
    per_seconds: 60,
};
const ADDRESS_MESSAGES: RateLimit = RateLimit {
    max: 60,
    per_seconds: 60,
};
/// New conversations and call-back requests per address per hour.
const ADDRESS_NEW_REQUESTS: RateLimit = RateLimit {
    max: 30,
    per_seconds: 3_600,
};
/// New conversations and call-back requests from everyone together per minute: far more
/// than a shop's agents can take, far fewer than a flood from many addresses would send.
const ALL_NEW_REQUESTS: RateLimit = RateLimit {
    max: 120,
    per_seconds: 60,
};
const SHOPPER_CALLBACKS: RateLimit = RateLimit {
    max: 3,
    per_seconds: 3_600,
};
const AGENT_MESSAGES: RateLimit = RateLimit {
    max: 40,
    per_seconds: 60,
};
/// "We've got your message" mails to one typed address per day; past this the message is
/// kept and answered, only the acknowledgement is not sent.
const ACKNOWLEDGEMENTS: RateLimit = RateLimit {
    max: 3,
    per_seconds: 86_400,
};
/// Typing and page updates are dropped, not refused, past this.
const SIGNALS: RateLimit = RateLimit {
    max: 30,
    per_seconds: 60,
};

/// The desk's shared, in-memory part: live events, who is online, rate counters.
pub struct HelpDesk {
    events: broadcast::Sender<DeskEvent>,
    agents_online: AtomicUsize,
    recent: Mutex<Windows>,
    /// Each address's budget of requests that may change something (see
    /// [`REQUEST_BUDGET`]), kept apart: it counts far more events per sender.
    budgets: Mutex<Windows>,
    /// Anonymous writes (chat, call-backs, sign-ups) take turns for the one writer
    /// connection here, one at a time, so however many arrive at once, an order waits
    /// behind at most one of them.
    anonymous_writes: tokio::sync::Semaphore,
    /// The other shop processes (PostgreSQL): told of every event, set once at start.
    bus: std::sync::OnceLock<Arc<crate::bus::Bus>>,
    /// Agent consoles open on the other processes, by process, as last said and when.
    elsewhere: Mutex<std::collections::HashMap<String, (usize, std::time::Instant)>>,
    /// With PostgreSQL: where the rate windows are kept, so every process counts the
    /// same events (see [`HelpDesk::limit`]).
    shared: std::sync::OnceLock<crate::db::Pool>,
    /// When this process last deleted events older than every window.
    swept_at: std::sync::atomic::AtomicI64,
}

/// Events older than this are outside every rate window (the longest is a day).
const LONGEST_WINDOW: i64 = 2 * 86_400;

/// Senders (shopper keys, addresses, names) whose rate windows are kept at once.
pub const SENDERS_REMEMBERED: usize = 50_000;

/// Requests under `/api` that may change something (every POST), per client address: 60
/// in 2 seconds is more than a busy office of shoppers sends, and turns a flood from one
/// address away before its body is even read.
pub const REQUEST_BUDGET: RateLimit = RateLimit {
    max: 60,
    per_seconds: 2,
};
/// Addresses whose request budgets are kept at once (each holds up to 60 times).
pub const BUDGETS_REMEMBERED: usize = 10_000;

impl Default for HelpDesk {
    fn default() -> Self {
        Self {
            events: broadcast::channel(1024).0,
            agents_online: AtomicUsize::new(0),
            recent: Mutex::new(Windows::new(SENDERS_REMEMBERED)),
            budgets: Mutex::new(Windows::new(BUDGETS_REMEMBERED)),
            anonymous_writes: tokio::sync::Semaphore::new(1),
            bus: std::sync::OnceLock::new(),
            elsewhere: Mutex::default(),
            shared: std::sync::OnceLock::new(),
            swept_at: std::sync::atomic::AtomicI64::new(0),
        }
    }
}

/// Counts an open agent console while it lives.
pub struct Presence(Arc<HelpDesk>);

impl Drop for Presence {
    fn drop(&mut self) {
        self.0.agents_online.fetch_sub(1, Ordering::SeqCst);
        self.0.publish(DeskEvent::Presence(self.0.agents_online()));
    }
}

impl HelpDesk {
    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.events.subscribe()
    }

    /// Tells open consoles the queue changed (for work that happens outside the desk,
    /// such as mail being parked).
    pub fn queue_changed(&self) {
        self.publish(DeskEvent::Queue);
    }

    /// Tells the other shop processes from now on (see [`crate::bus`]).
    pub fn relay_to(&self, bus: Arc<crate::bus::Bus>) {
        let _ = self.bus.set(bus);
    }

    /// Tells this process's open consoles and pages, and the other processes'.
    fn publish(&self, event: DeskEvent) {
        if let Some(bus) = self.bus.get() {
            use crate::bus::Note;
            bus.tell(match &event {
                DeskEvent::Chat {
                    conversation,
                    shopper,
                } => Note::Chat {
                    conversation: *conversation,
                    shopper: shopper.to_string(),
                },
                DeskEvent::Typing {
                    conversation,
                    shopper,
                    by,
                } => Note::Typing {
                    conversation: *conversation,
                    shopper: shopper.to_string(),
                    agent: *by == Author::Agent,
                },
                DeskEvent::Queue => Note::Queue,
                DeskEvent::Presence(_) => Note::Presence {
                    agents: self.agents_here(),
                },
            });
        }
        self.publish_here(event);
    }

    /// Tells this process's open consoles and pages only (what another process said).
    pub fn publish_here(&self, event: DeskEvent) {
        // No subscriber is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    /// Process `process` has `agents` consoles open: counted until it says otherwise
    /// or goes quiet for [`crate::bus::PRESENCE_TTL`].
    pub fn elsewhere(&self, process: &str, agents: usize) {
        {
            let mut elsewhere = self.elsewhere.lock().unwrap_or_else(|e| e.into_inner());
            elsewhere.insert(process.to_owned(), (agents, std::time::Instant::now()));
        }
        self.publish_here(DeskEvent::Presence(self.agents_online()));
    }

    /// Agent consoles open on this process.
    pub fn agents_here(&self) -> usize {
        self.agents_online.load(Ordering::SeqCst)
    }

    /// Agent consoles open on any process of the shop.
    pub fn agents_online(&self) -> usize {
        let mut elsewhere = self.elsewhere.lock().unwrap_or_else(|e| e.into_inner());
        elsewhere.retain(|_, (_, at)| at.elapsed() < crate::bus::PRESENCE_TTL);
        self.agents_here() + elsewhere.values().map(|(n, _)| n).sum::<usize>()
    }

    /// Marks one more agent console open until the returned guard is dropped.
    pub fn agent_connected(self: &Arc<Self>) -> Presence {
        self.agents_online.fetch_add(1, Ordering::SeqCst);
        self.publish(DeskEvent::Presence(self.agents_online()));
        Presence(self.clone())
    }

    /// Keeps the rate windows in `pool` from now on (PostgreSQL: several processes).
    pub fn share_limits(&self, pool: crate::db::Pool) {
        let _ = self.shared.set(pool);
    }

    /// Counts an event for `key`; refuses (with seconds to wait) past `limit`. With
    /// PostgreSQL the window is the database's, so the limit holds however the events
    /// are spread over the shop's processes; the same rule ([`RateLimit::allow`])
    /// decides.
    pub async fn limit(&self, key: &str, limit: RateLimit) -> Result<(), i64> {
        let now = unix_now();
        if let Some(pool) = self.shared.get() {
            match self.limit_shared(pool, key, limit, now).await {
                Ok(answer) => return answer,
                Err(e) => {
                    // Counted here instead: the limit still holds within this process.
                    tracing::error!(%e, key, "rate window not read from the database");
                }
            }
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.allow(key, limit, now)
    }

    async fn limit_shared(
        &self,
        pool: &crate::db::Pool,
        key: &str,
        limit: RateLimit,
        now: i64,
    ) -> Result<Result<(), i64>, sqlx::Error> {
        let swept = self.swept_at.load(Ordering::SeqCst);
        if now - swept >= 60
            && self
                .swept_at
                .compare_exchange(swept, now, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            sqlx::query("DELETE FROM rate_events WHERE at < $1")
                .bind(now - LONGEST_WINDOW)
                .execute(pool)
                .await?;
        }
        let mut tx = pool.begin().await?;
        // One sender's events are counted one at a time, whichever process counts them.
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(1, hashtext($1))) AS sender")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        let mut recent: Vec<i64> =
            sqlx::query_scalar("SELECT at FROM rate_events WHERE key = $1 AND at > $2 ORDER BY at")
                .bind(key)
                .bind(now - limit.per_seconds)
                .fetch_all(&mut *tx)
                .await?;
        if let Err(wait) = limit.allow(&mut recent, now) {
            return Ok(Err(wait));
        }
        sqlx::query("INSERT INTO rate_events (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Counts one request from `address` against its [`REQUEST_BUDGET`]; refuses (with
    /// seconds to wait) past it.
    pub fn spend(&self, address: &str) -> Result<(), i64> {
        self.budgets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .allow(address, REQUEST_BUDGET, unix_now())
    }

    /// Waits for this anonymous write's turn at the writer (see `anonymous_writes`); the
    /// turn lasts as long as the returned permit.
    pub async fn anonymous_write_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.anonymous_writes.acquire().await.ok()
    }

    /// Counts a new conversation or call-back request from `address`, and from everyone.
    async fn new_request(&self, address: &str) -> Result<(), ShopError> {
        self.limit(&format!("new-ip:{address}"), ADDRESS_NEW_REQUESTS)
            .await
            .map_err(too_many)?;
        self.limit("new-all", ALL_NEW_REQUESTS).await.map_err(|_| {
            ShopError::TooMany(
                "We're receiving a great many messages just now. Please try again in a minute, or call us; nothing was lost.".into(),
            )
        })
    }

    /// Takes back the latest event counted for `key` (an attempt that turned out fine).
    pub async fn give_back(&self, key: &str) {
        if let Some(pool) = self.shared.get() {
            let taken = sqlx::query(
                "DELETE FROM rate_events WHERE ctid IN (
                     SELECT ctid FROM rate_events WHERE key = $1 ORDER BY at DESC LIMIT 1)",
            )
            .bind(key)
            .execute(pool)
            .await;
            match taken {
                Ok(_) => return,
                Err(e) => tracing::error!(%e, key, "rate event not given back"),
            }
        }
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .give_back(key);
    }
}

fn too_many(wait: i64) -> ShopError {
    ShopError::TooMany(format!(
        "You're sending these faster than we can read them. Please wait {wait} seconds and try again; nothing was lost."
    ))
}

/// The desk's work, for one request.
pub struct Desk<'a> {
    state: &'a AppState,
}

impl<'a> Desk<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    fn desk(&self) -> &HelpDesk {
        &self.state.desk
    }
}
