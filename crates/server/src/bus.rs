//! Word between shop processes that share one PostgreSQL database, through PostgreSQL's
//! own LISTEN/NOTIFY (channel [`CHANNEL`]). Whatever one process tells its open pages
//! (a stock change, an order that moved, a chat message, the queue, how many agents are
//! online) and whatever it changes in its search index, it also tells the others, which
//! do the same for the pages and index they hold. Notes carry ids, not data: the process
//! that hears one reads what changed from the database, so a note can never say
//! something the database doesn't.
//!
//! With SQLite there is one process and the bus is silent.

use crate::db::Dialect;
use crate::AppState;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::mpsc;

/// The notification channel every shop process listens on.
pub const CHANNEL: &str = "storefront";
/// How often a process with agents online says so again, and how long the others
/// believe it: a process that stops without a word is forgotten after [`PRESENCE_TTL`].
const PRESENCE_EVERY: Duration = Duration::from_secs(10);
pub const PRESENCE_TTL: Duration = Duration::from_secs(30);

/// What one process tells the others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// These variants' stock changed.
    Stock { variants: Vec<i64> },
    /// This order changed (status, shipments, returns, changes).
    Order { id: i64 },
    /// A conversation changed: a message, a read mark, its context, closed.
    Chat { conversation: i64, shopper: String },
    /// Someone is typing in a conversation.
    Typing {
        conversation: i64,
        shopper: String,
        agent: bool,
    },
    /// The help queue changed without a chat (a call-back came in or was done).
    Queue,
    /// How many agent consoles are open on the process that says it.
    Presence { agents: usize },
    /// These products (or all) changed in what search shows: text, price, stock.
    Search { products: Option<Vec<i64>> },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The process that said it (it doesn't act on its own notes).
    from: String,
    note: Note,
}

/// This process's end of the bus.
pub struct Bus {
    /// A random name for this process, unique among those sharing the database.
    pub process: String,
    outgoing: Option<mpsc::UnboundedSender<Note>>,
}

impl Bus {
    /// A silent bus (SQLite: one process).
    pub fn silent() -> Self {
        Self {
            process: crate::random_token(12),
            outgoing: None,
        }
    }

    /// The bus of a process on `db`: with PostgreSQL, notes go out in the order they are
    /// told, each as one `pg_notify` on the read pool (never behind a write).
    pub fn open(db: &crate::db::Db) -> Self {
        let mut bus = Self::silent();
        if db.dialect != Dialect::Postgres {
            return bus;
        }
        let (tx, mut rx) = mpsc::unbounded_channel::<Note>();
        let pool = db.read.clone();
        let from = bus.process.clone();
        tokio::spawn(async move {
            while let Some(note) = rx.recv().await {
                let payload = match serde_json::to_string(&Envelope {
                    from: from.clone(),
                    note,
                }) {
                    Ok(payload) => payload,
                    Err(e) => {
                        tracing::error!(%e, "note not written");
                        continue;
                    }
                };
                if let Err(e) = sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS sent")
                    .bind(CHANNEL)
                    .bind(&payload)
                    .execute(&pool)
                    .await
                {
                    tracing::error!(%e, "note to the other processes not sent");
                }
            }
        });
        bus.outgoing = Some(tx);
        bus
    }

    /// Tells the other processes (nothing with SQLite).
    pub fn tell(&self, note: Note) {
        if let Some(out) = &self.outgoing {
            let _ = out.send(note);
        }
    }
}

/// Listens to the other processes and acts on what they say, until the shop stops;
/// with PostgreSQL only. While agents are online here, says so every
/// [`PRESENCE_EVERY`]. A lost connection is opened again (what was said meanwhile is
/// missed: open pages catch up on their next event or reload).
pub fn listen(state: &AppState) {
    if state.db.dialect != Dialect::Postgres {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let mut stopping = state.stopping.subscribe();
        let mut listener = loop {
            match connect(&state.config.database_url).await {
                Ok(listener) => break listener,
                Err(e) => {
                    tracing::error!(%e, "cannot listen to the other shop processes; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        let mut beat = tokio::time::interval(PRESENCE_EVERY);
        loop {
            tokio::select! {
                _ = stopping.changed() => break,
                _ = beat.tick() => {
                    let agents = state.desk.agents_here();
                    if agents > 0 {
                        state.bus.tell(Note::Presence { agents });
                    }
                }
                heard = listener.recv() => match heard {
                    Ok(notification) => {
                        match serde_json::from_str::<Envelope>(notification.payload()) {
                            Ok(envelope) if envelope.from != state.bus.process => {
                                act(&state, &envelope.from, envelope.note).await;
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(%e, "a note not understood"),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(%e, "listening to the other shop processes again");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                },
            }
        }
    });
}

async fn connect(url: &str) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Does here what `from` did there: tells this process's open pages, or refreshes its
/// index, from the database.
async fn act(state: &AppState, from: &str, note: Note) {
    match note {
        Note::Stock { variants } => state.stock().publish_here(&variants).await,
        Note::Order { id } => {
            let _ = state.order_events.send(id);
        }
        Note::Chat {
            conversation,
            shopper,
        } => state.desk.publish_here(crate::desk::DeskEvent::Chat {
            conversation,
            shopper: shopper.into(),
        }),
        Note::Typing {
            conversation,
            shopper,
            agent,
        } => state.desk.publish_here(crate::desk::DeskEvent::Typing {
            conversation,
            shopper: shopper.into(),
            by: if agent {
                storefront_model::support::Author::Agent
            } else {
                storefront_model::support::Author::Shopper
            },
        }),
        Note::Queue => state.desk.publish_here(crate::desk::DeskEvent::Queue),
        Note::Presence { agents } => state.desk.elsewhere(from, agents),
        Note::Search { products } => {
            if let Err(e) = state
                .search
                .refresh(&state.db.read, products.as_deref())
                .await
            {
                tracing::error!(%e, "search index not brought up to date");
            }
        }
    }
}
