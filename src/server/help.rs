//! The help desk: chat conversations, call-back requests, the agents' queue, and the live
//! events that keep shopper and agent in step. Every message and request is in the
//! database before it is acknowledged; events only say "read it again".

use super::mail::{self, Mail};
use super::session::{self, Caller};
use super::{internal, unix_now, until_stopping, AppState, Heard};
use crate::api::agent::{
    CallbackDetail, ChatDetail, CustomerContext, Queue, QueuedCallback, QueuedChat,
};
use crate::api::help::{
    Author, CallbackConfirmation, ChatMessage, ChatState, Conversation, ShopperContext,
    MAX_CONTEXT_ITEMS,
};
use crate::api::orders::OrderView;
use crate::api::ShopError;
use crate::domain::delivery::{uk_local, DeliveryOption};
use crate::domain::help::{
    call_slots, check_callback, check_message, CallSlot, CallbackRequest, RateLimit,
};
use crate::domain::order::is_order_number;
use crate::domain::validation::{check_email, Field};
use axum::response::sse::Event;
use futures_util::Stream;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

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
const SHOPPER_CALLBACKS: RateLimit = RateLimit {
    max: 3,
    per_seconds: 3_600,
};
const AGENT_MESSAGES: RateLimit = RateLimit {
    max: 40,
    per_seconds: 60,
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
    recent: Mutex<HashMap<String, Vec<i64>>>,
}

impl Default for HelpDesk {
    fn default() -> Self {
        Self {
            events: broadcast::channel(1024).0,
            agents_online: AtomicUsize::new(0),
            recent: Mutex::new(HashMap::new()),
        }
    }
}

/// Counts an open agent console while it lives.
pub struct Presence(Arc<HelpDesk>);

impl Drop for Presence {
    fn drop(&mut self) {
        let now = self.0.agents_online.fetch_sub(1, Ordering::SeqCst) - 1;
        self.0.publish(DeskEvent::Presence(now));
    }
}

impl HelpDesk {
    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.events.subscribe()
    }

    fn publish(&self, event: DeskEvent) {
        // No subscriber is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    pub fn agents_online(&self) -> usize {
        self.agents_online.load(Ordering::SeqCst)
    }

    /// Marks one more agent console open until the returned guard is dropped.
    pub fn agent_connected(self: &Arc<Self>) -> Presence {
        let now = self.agents_online.fetch_add(1, Ordering::SeqCst) + 1;
        self.publish(DeskEvent::Presence(now));
        Presence(self.clone())
    }

    /// Counts an event for `key`; refuses (with seconds to wait) past `limit`.
    pub fn limit(&self, key: &str, limit: RateLimit) -> Result<(), i64> {
        let now = unix_now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() > 50_000 {
            recent.retain(|_, times| times.last().is_some_and(|&t| t > now - 3_600));
        }
        limit.allow(recent.entry(key.to_owned()).or_default(), now)
    }

    /// Whether `key` is over `limit` now, without counting anything.
    pub fn is_limited(&self, key: &str, limit: RateLimit) -> bool {
        let now = unix_now();
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent
            .get(key)
            .is_some_and(|times| limit.is_full(times, now))
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

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: i64,
    shopper_hash: String,
    status: String,
    reply_email: Option<String>,
    page: String,
    context: String,
    shopper_read: i64,
    agent_read: i64,
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: i64,
    page: String,
    reply_email: Option<String>,
    updated_at: i64,
    latest: Option<String>,
    unanswered: i64,
}

#[derive(sqlx::FromRow)]
struct CallbackRow {
    id: i64,
    reference: String,
    name: String,
    phone: String,
    slot_label: String,
    topic: String,
    note: String,
    page: String,
    context: String,
    status: String,
    created_at: i64,
}

impl CallbackRow {
    fn queued(self) -> (QueuedCallback, String) {
        (
            QueuedCallback {
                id: self.id,
                reference: self.reference,
                name: self.name,
                phone: self.phone,
                when: self.slot_label,
                topic: self.topic,
                note: self.note,
                page: self.page,
                done: self.status == "done",
                requested_at: self.created_at,
            },
            self.context,
        )
    }
}

const CONVERSATION_COLUMNS: &str =
    "id, shopper_hash, status, reply_email, page, context, shopper_read, agent_read";

/// The context as stored: each part bounded in length.
fn tidy_context(mut context: ShopperContext) -> ShopperContext {
    context.page = context.page.chars().take(200).collect();
    context.region = context.region.chars().take(40).collect();
    context.cart.truncate(MAX_CONTEXT_ITEMS);
    context.orders.truncate(MAX_CONTEXT_ITEMS);
    context
}

impl<'a> Desk<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    fn desk(&self) -> &HelpDesk {
        &self.state.desk
    }

    async fn conversation_row(
        &self,
        sql_where: &str,
        bind: &str,
    ) -> Result<Option<ConversationRow>, ShopError> {
        sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE {sql_where}"
        ))
        .bind(bind)
        .fetch_optional(&self.state.db.write)
        .await
        .map_err(internal)
    }

    /// The shopper's open conversation, else their latest one.
    async fn shoppers_conversation(
        &self,
        hash: &str,
    ) -> Result<Option<ConversationRow>, ShopError> {
        self.conversation_row(
            "shopper_hash = ? ORDER BY status = 'open' DESC, id DESC LIMIT 1",
            hash,
        )
        .await
    }

    async fn conversation_by_id(&self, id: i64) -> Result<ConversationRow, ShopError> {
        self.conversation_row("id = ?", &id.to_string())
            .await?
            .ok_or_else(|| ShopError::NotFound("There is no such conversation.".into()))
    }

    async fn conversation(&self, row: &ConversationRow) -> Result<Conversation, ShopError> {
        let messages: Vec<(i64, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT id, author, agent, body, created_at FROM chat_messages WHERE conversation_id = ? ORDER BY id",
        )
        .bind(row.id)
        .fetch_all(&self.state.db.write)
        .await
        .map_err(internal)?;
        Ok(Conversation {
            id: row.id,
            open: row.status == "open",
            agent_read: row.agent_read,
            shopper_read: row.shopper_read,
            reply_email: row.reply_email.clone(),
            messages: messages
                .into_iter()
                .map(|(id, author, agent, body, sent_at)| ChatMessage {
                    id,
                    author: if author == "agent" {
                        Author::Agent
                    } else {
                        Author::Shopper
                    },
                    agent,
                    body,
                    sent_at,
                })
                .collect(),
        })
    }

    /// What the shopper's panel shows.
    pub async fn chat_state(&self) -> Result<ChatState, ShopError> {
        let hash = session::shopper_hash(&Caller::current(), false);
        self.state_for(hash.as_deref()).await
    }

    async fn state_for(&self, hash: Option<&str>) -> Result<ChatState, ShopError> {
        let conversation = match hash {
            Some(hash) => match self.shoppers_conversation(hash).await? {
                Some(row) => Some(self.conversation(&row).await?),
                None => None,
            },
            None => None,
        };
        Ok(ChatState {
            agents_online: self.desk().agents_online() > 0,
            conversation,
        })
    }

    /// Stores the shopper's message (starting a conversation if none is open) and tells
    /// the agents.
    pub async fn send(
        &self,
        text: &str,
        context: ShopperContext,
        email: &str,
    ) -> Result<ChatState, ShopError> {
        let caller = Caller::current();
        let body = check_message(text).map_err(|m| ShopError::invalid(Field::Message, m))?;
        let context = tidy_context(context);
        let hash = session::shopper_hash(&caller, true).ok_or(ShopError::Internal)?;
        // Looked up inside the write transaction: writes take turns on the one writer
        // connection, so two quick messages can never open two conversations.
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
        let open: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE shopper_hash = ? AND status = 'open' ORDER BY id DESC LIMIT 1"
        ))
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let offline = self.desk().agents_online() == 0;
        let reply_email = match &open {
            Some(c) => c.reply_email.clone(),
            None if offline => Some(check_email(email).map_err(|_| {
                ShopError::invalid(
                    Field::Email,
                    "No one is online to chat right now. Please leave your email address and we'll answer there.",
                )
            })?),
            None => None,
        };
        self.desk()
            .limit(&format!("chat:{hash}"), SHOPPER_MESSAGES)
            .and_then(|()| {
                self.desk()
                    .limit(&format!("chat-ip:{}", caller.ip), ADDRESS_MESSAGES)
            })
            .map_err(too_many)?;
        if open.is_none() {
            self.desk()
                .limit(&format!("new-ip:{}", caller.ip), ADDRESS_NEW_REQUESTS)
                .map_err(too_many)?;
        }
        let now = unix_now();
        let context_json = serde_json::to_string(&context).map_err(internal)?;
        let id = match &open {
            Some(c) => c.id,
            None => sqlx::query_scalar(
                "INSERT INTO conversations (shopper_hash, reply_email, page, context, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(&hash)
            .bind(&reply_email)
            .bind(&context.page)
            .bind(&context_json)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?,
        };
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_messages (conversation_id, author, body, created_at) VALUES (?, 'shopper', ?, ?) RETURNING id",
        )
        .bind(id)
        .bind(&body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query(
            "UPDATE conversations SET page = ?, context = ?, updated_at = ?, shopper_read = ? WHERE id = ?",
        )
        .bind(&context.page)
        .bind(&context_json)
        .bind(now)
        .bind(message_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        let mailed = match (&open, &reply_email) {
            (None, Some(to)) => {
                mail::queue(
                    &mut tx,
                    Mail {
                        to,
                        subject: "We've got your message",
                        body: &self.received_mail(&body),
                    },
                )
                .await
                .map_err(internal)?;
                true
            }
            _ => false,
        };
        tx.commit().await.map_err(internal)?;
        self.desk().publish(DeskEvent::Chat {
            conversation: id,
            shopper: hash.as_str().into(),
        });
        if mailed {
            self.state.outbox.flush(&self.state.db.write).await;
        }
        self.state_for(Some(&hash)).await
    }

    fn received_mail(&self, body: &str) -> String {
        let help = &self.state.help;
        format!(
            "Hello,\n\nThank you for your message. No one was free to chat just then, so we'll answer you by email, usually within one working day.\n\nYou wrote:\n\n{}\n\nIf it's urgent, call us on {} ({}).\n\nThe Storefront team\n",
            quote(body),
            help.phone_display,
            help.hours_text()
        )
    }

    pub async fn shopper_typing(&self) -> Result<(), ShopError> {
        let caller = Caller::current();
        let Some(hash) = session::shopper_hash(&caller, false) else {
            return Ok(());
        };
        if self
            .desk()
            .limit(&format!("signal:{hash}"), SIGNALS)
            .is_err()
        {
            return Ok(());
        }
        if let Some(c) = self
            .shoppers_conversation(&hash)
            .await?
            .filter(|c| c.status == "open")
        {
            self.desk().publish(DeskEvent::Typing {
                conversation: c.id,
                shopper: hash.into(),
                by: Author::Shopper,
            });
        }
        Ok(())
    }

    pub async fn shopper_seen(&self, up_to: i64) -> Result<(), ShopError> {
        let caller = Caller::current();
        let Some(hash) = session::shopper_hash(&caller, false) else {
            return Ok(());
        };
        let Some(c) = self.shoppers_conversation(&hash).await? else {
            return Ok(());
        };
        let marked = sqlx::query(
            "UPDATE conversations SET shopper_read = ?
             WHERE id = ? AND shopper_read < ?
               AND ? <= (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = ?)",
        )
        .bind(up_to)
        .bind(c.id)
        .bind(up_to)
        .bind(up_to)
        .bind(c.id)
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        if marked.rows_affected() > 0 {
            self.desk().publish(DeskEvent::Chat {
                conversation: c.id,
                shopper: hash.into(),
            });
        }
        Ok(())
    }

    pub async fn update_context(&self, context: ShopperContext) -> Result<(), ShopError> {
        let caller = Caller::current();
        let Some(hash) = session::shopper_hash(&caller, false) else {
            return Ok(());
        };
        if self
            .desk()
            .limit(&format!("signal:{hash}"), SIGNALS)
            .is_err()
        {
            return Ok(());
        }
        let context = tidy_context(context);
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE conversations SET page = ?, context = ? WHERE shopper_hash = ? AND status = 'open' RETURNING id",
        )
        .bind(&context.page)
        .bind(serde_json::to_string(&context).map_err(internal)?)
        .bind(&hash)
        .fetch_optional(&self.state.db.write)
        .await
        .map_err(internal)?;
        if let Some(id) = id {
            self.desk().publish(DeskEvent::Chat {
                conversation: id,
                shopper: hash.into(),
            });
        }
        Ok(())
    }

    /// Call-back slots from now, UK time.
    pub fn call_slots(&self) -> Vec<CallSlot> {
        let (today, minute) = uk_local(unix_now());
        call_slots(&self.state.help.weekly_hours(), today, minute)
    }

    pub async fn request_callback(
        &self,
        request: &CallbackRequest,
        context: ShopperContext,
    ) -> Result<CallbackConfirmation, ShopError> {
        let caller = Caller::current();
        let checked = check_callback(request, &self.call_slots()).map_err(ShopError::Invalid)?;
        let context = tidy_context(context);
        let hash = session::shopper_hash(&caller, true).ok_or(ShopError::Internal)?;
        self.desk()
            .limit(&format!("callback:{hash}"), SHOPPER_CALLBACKS)
            .and_then(|()| {
                self.desk()
                    .limit(&format!("new-ip:{}", caller.ip), ADDRESS_NEW_REQUESTS)
            })
            .map_err(|wait| {
                ShopError::TooMany(format!(
                    "We already have your call-back requests. Please wait {} minutes before asking again, or call us.",
                    (wait + 59) / 60
                ))
            })?;
        let reference = format!("CB-{}", super::random_token(6).to_ascii_uppercase());
        let when = checked.slot.label();
        sqlx::query(
            "INSERT INTO callbacks (reference, shopper_hash, name, phone, day, window, slot_label, topic, note, page, context, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&reference)
        .bind(&hash)
        .bind(&checked.name)
        .bind(&checked.phone)
        .bind(checked.slot.day.to_string())
        .bind(checked.slot.window.key())
        .bind(&when)
        .bind(&checked.topic)
        .bind(&checked.note)
        .bind(&context.page)
        .bind(serde_json::to_string(&context).map_err(internal)?)
        .bind(unix_now())
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        self.desk().publish(DeskEvent::Queue);
        Ok(CallbackConfirmation {
            reference,
            phone: checked.phone,
            when,
            topic: checked.topic,
        })
    }

    /// Open conversations (longest waiting first) and waiting call-backs (soonest first).
    pub async fn queue(&self, _agent: &str) -> Result<Queue, ShopError> {
        let chats: Vec<QueueRow> = sqlx::query_as(
            "SELECT c.id, c.page, c.reply_email, c.updated_at,
                    (SELECT body FROM chat_messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1) AS latest,
                    (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = c.id AND m.author = 'shopper'
                       AND m.id > COALESCE((SELECT MAX(a.id) FROM chat_messages a WHERE a.conversation_id = c.id AND a.author = 'agent'), 0)) AS unanswered
             FROM conversations c WHERE c.status = 'open' ORDER BY c.updated_at, c.id",
        )
        .fetch_all(&self.state.db.write)
        .await
        .map_err(internal)?;
        let callbacks: Vec<CallbackRow> = sqlx::query_as(
            "SELECT id, reference, name, phone, slot_label, topic, note, page, context, status, created_at
             FROM callbacks WHERE status = 'waiting' ORDER BY day, CASE window WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1 ELSE 2 END, id",
        )
        .fetch_all(&self.state.db.write)
        .await
        .map_err(internal)?;
        Ok(Queue {
            chats: chats
                .into_iter()
                .map(|c| QueuedChat {
                    id: c.id,
                    page: c.page,
                    reply_email: c.reply_email,
                    updated_at: c.updated_at,
                    latest: c.latest.unwrap_or_default().chars().take(120).collect(),
                    unanswered: u32::try_from(c.unanswered).unwrap_or(0),
                })
                .collect(),
            callbacks: callbacks.into_iter().map(|c| c.queued().0).collect(),
        })
    }

    /// A conversation for an agent, marked read, with the customer's context.
    pub async fn chat_detail(&self, _agent: &str, id: i64) -> Result<ChatDetail, ShopError> {
        let row = self.conversation_by_id(id).await?;
        let marked = sqlx::query(
            "UPDATE conversations SET agent_read = (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = ?)
             WHERE id = ? AND agent_read < (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = ?)",
        )
        .bind(id)
        .bind(id)
        .bind(id)
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        if marked.rows_affected() > 0 {
            self.desk().publish(DeskEvent::Chat {
                conversation: id,
                shopper: row.shopper_hash.as_str().into(),
            });
        }
        let row = self.conversation_by_id(id).await?;
        Ok(ChatDetail {
            conversation: self.conversation(&row).await?,
            context: self
                .customer_context(&row.page, &row.context, row.reply_email.as_deref())
                .await,
        })
    }

    pub async fn reply(&self, agent: &str, id: i64, text: &str) -> Result<Conversation, ShopError> {
        let body = check_message(text).map_err(|m| ShopError::invalid(Field::Message, m))?;
        self.desk()
            .limit(&format!("agent:{agent}"), AGENT_MESSAGES)
            .map_err(too_many)?;
        let row = self.conversation_by_id(id).await?;
        if row.status != "open" {
            return Err(ShopError::invalid(
                Field::Message,
                "This conversation is closed; the customer's next message opens a new one.",
            ));
        }
        let now = unix_now();
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_messages (conversation_id, author, agent, body, created_at) VALUES (?, 'agent', ?, ?, ?) RETURNING id",
        )
        .bind(id)
        .bind(agent)
        .bind(&body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query("UPDATE conversations SET updated_at = ?, agent_read = ? WHERE id = ?")
            .bind(now)
            .bind(message_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        if let Some(to) = &row.reply_email {
            let help = &self.state.help;
            let mail_body = format!(
                "Hello,\n\n{agent} from Storefront has answered your message:\n\n{}\n\nYou can reply to this email, or open the Help panel on any page of the shop, where this conversation is waiting for you.\n\nThe Storefront team\nPhone {} ({})\n",
                quote(&body),
                help.phone_display,
                help.hours_text()
            );
            mail::queue(
                &mut tx,
                Mail {
                    to,
                    subject: "Re: your message to Storefront",
                    body: &mail_body,
                },
            )
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        self.desk().publish(DeskEvent::Chat {
            conversation: id,
            shopper: row.shopper_hash.as_str().into(),
        });
        if row.reply_email.is_some() {
            self.state.outbox.flush(&self.state.db.write).await;
        }
        self.conversation(&self.conversation_by_id(id).await?).await
    }

    pub async fn agent_typing(&self, agent: &str, id: i64) -> Result<(), ShopError> {
        if self
            .desk()
            .limit(&format!("signal-agent:{agent}"), SIGNALS)
            .is_err()
        {
            return Ok(());
        }
        let row = self.conversation_by_id(id).await?;
        self.desk().publish(DeskEvent::Typing {
            conversation: id,
            shopper: row.shopper_hash.into(),
            by: Author::Agent,
        });
        Ok(())
    }

    pub async fn close(&self, agent: &str, id: i64) -> Result<(), ShopError> {
        let row = self.conversation_by_id(id).await?;
        sqlx::query("UPDATE conversations SET status = 'closed', closed_by = ?, updated_at = ? WHERE id = ?")
            .bind(agent)
            .bind(unix_now())
            .bind(id)
            .execute(&self.state.db.write)
            .await
            .map_err(internal)?;
        self.desk().publish(DeskEvent::Chat {
            conversation: id,
            shopper: row.shopper_hash.into(),
        });
        Ok(())
    }

    async fn callback_row(&self, id: i64) -> Result<CallbackRow, ShopError> {
        sqlx::query_as(
            "SELECT id, reference, name, phone, slot_label, topic, note, page, context, status, created_at
             FROM callbacks WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.state.db.write)
        .await
        .map_err(internal)?
        .ok_or_else(|| ShopError::NotFound("There is no such call-back request.".into()))
    }

    pub async fn callback_detail(
        &self,
        _agent: &str,
        id: i64,
    ) -> Result<CallbackDetail, ShopError> {
        let (callback, context) = self.callback_row(id).await?.queued();
        let context = self.customer_context(&callback.page, &context, None).await;
        Ok(CallbackDetail { callback, context })
    }

    pub async fn callback_done(&self, agent: &str, id: i64) -> Result<(), ShopError> {
        self.callback_row(id).await?;
        sqlx::query(
            "UPDATE callbacks SET status = 'done', done_by = ?, done_at = ? WHERE id = ? AND status = 'waiting'",
        )
        .bind(agent)
        .bind(unix_now())
        .bind(id)
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        self.desk().publish(DeskEvent::Queue);
        Ok(())
    }

    /// Orders by number or by the customer's email (newest first, at most 20).
    pub async fn find_orders(&self, query: &str) -> Result<Vec<OrderView>, ShopError> {
        let query = query.trim();
        let rows: Vec<(String, String)> = if is_order_number(&query.to_ascii_uppercase()) {
            sqlx::query_as("SELECT number, access_key FROM orders WHERE number = ?")
                .bind(query.to_ascii_uppercase())
                .fetch_all(&self.state.db.read)
                .await
                .map_err(internal)?
        } else if query.contains('@') {
            let email = check_email(query).map_err(|m| ShopError::invalid(Field::Email, m))?;
            self.orders_of(&email).await?
        } else {
            return Err(ShopError::invalid(
                Field::Email,
                "Enter an order number (like SF-7K3M9QX2) or the customer's email address.",
            ));
        };
        let mut found = Vec::new();
        for (number, key) in rows {
            found.push(self.state.orders().view(&number, &key).await?);
        }
        Ok(found)
    }

    async fn orders_of(&self, email: &str) -> Result<Vec<(String, String)>, ShopError> {
        sqlx::query_as(
            "SELECT number, access_key FROM orders WHERE email = ? COLLATE NOCASE ORDER BY id DESC LIMIT 20",
        )
        .bind(email)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)
    }

    /// The customer's page, cart (priced now) and orders: those their browser placed
    /// (proved by each order's private key) and those under the email they gave.
    async fn customer_context(
        &self,
        page: &str,
        context: &str,
        email: Option<&str>,
    ) -> CustomerContext {
        let context: ShopperContext = serde_json::from_str(context).unwrap_or_default();
        let cart = if context.cart.is_empty() {
            None
        } else {
            self.state
                .orders()
                .price_cart(&context.cart, &context.region, DeliveryOption::Standard)
                .await
                .ok()
        };
        let mut keys: Vec<(String, String)> = context
            .orders
            .iter()
            .map(|o| (o.number.clone(), o.key.clone()))
            .collect();
        if let Some(email) = email {
            keys.extend(self.orders_of(email).await.unwrap_or_default());
        }
        let mut orders: Vec<OrderView> = Vec::new();
        for (number, key) in keys {
            if orders.iter().any(|o| o.number == number) {
                continue;
            }
            if let Ok(view) = self.state.orders().view(&number, &key).await {
                orders.push(view);
            }
        }
        CustomerContext {
            page: page.to_owned(),
            cart,
            orders,
        }
    }
}

/// Quoted for mail: each line starts with "> ".
fn quote(text: &str) -> String {
    text.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn json_event(name: &str, data: serde_json::Value) -> Result<Event, Infallible> {
    Ok(Event::default().event(name).data(data.to_string()))
}

/// The shopper's live events: their own conversation only, and whether agents are on.
pub fn shopper_events(
    state: AppState,
    shopper: Option<String>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    use futures_util::StreamExt;
    let first = json_event(
        "presence",
        serde_json::json!({ "online": state.desk.agents_online() > 0 }),
    );
    let shopper: Option<Arc<str>> = shopper.map(Into::into);
    let mine = move |s: &Arc<str>| shopper.as_ref().is_some_and(|me| me == s);
    let rest = until_stopping(state.desk.subscribe(), state.stopping.subscribe()).filter_map(
        move |heard| {
            std::future::ready(match heard {
                Heard::Message(DeskEvent::Chat {
                    conversation,
                    shopper,
                }) if mine(&shopper) => Some(json_event(
                    "chat",
                    serde_json::json!({ "conversation": conversation }),
                )),
                Heard::Message(DeskEvent::Typing {
                    shopper,
                    by: Author::Agent,
                    ..
                }) if mine(&shopper) => Some(json_event("typing", serde_json::json!({}))),
                Heard::Message(DeskEvent::Presence(n)) => Some(json_event(
                    "presence",
                    serde_json::json!({ "online": n > 0 }),
                )),
                Heard::Message(_) => None,
                Heard::FellBehind => Some(json_event("chat", serde_json::json!({}))),
            })
        },
    );
    futures_util::stream::once(async move { first }).chain(rest)
}

/// The console's live events; the agent counts as online while the stream is open.
pub fn agent_events(state: AppState) -> impl Stream<Item = Result<Event, Infallible>> {
    use futures_util::StreamExt;
    // Subscribed first, so the console hears its own arrival as its first event.
    let heard = until_stopping(state.desk.subscribe(), state.stopping.subscribe());
    let presence = state.desk.agent_connected();
    heard.filter_map(move |heard| {
        // Held by the stream: dropped, and the agent counted offline, when it ends.
        let _online = &presence;
        std::future::ready(match heard {
            Heard::Message(DeskEvent::Chat { conversation, .. }) => Some(json_event(
                "queue",
                serde_json::json!({ "conversation": conversation }),
            )),
            Heard::Message(DeskEvent::Typing {
                conversation,
                by: Author::Shopper,
                ..
            }) => Some(json_event(
                "typing",
                serde_json::json!({ "conversation": conversation }),
            )),
            Heard::Message(DeskEvent::Queue) | Heard::FellBehind => {
                Some(json_event("queue", serde_json::json!({})))
            }
            Heard::Message(DeskEvent::Presence(n)) => {
                Some(json_event("presence", serde_json::json!({ "online": n })))
            }
            Heard::Message(DeskEvent::Typing { .. }) => None,
        })
    })
}
