//! The shopper's side of a chat: their conversation, sending (with an email when no one
//! is online), typing, read marks and the page they are on.

use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct ConversationRow {
    pub(super) id: i64,
    pub(super) shopper_hash: String,
    pub(super) status: String,
    pub(super) reply_email: Option<String>,
    pub(super) page: String,
    pub(super) context: String,
    pub(super) shopper_read: i64,
    pub(super) agent_read: i64,
}

pub(super) const CONVERSATION_COLUMNS: &str =
    "id, shopper_hash, status, reply_email, page, context, shopper_read, agent_read";

/// The context as stored: each part bounded in length.
pub(super) fn tidy_context(mut context: ShopperContext) -> ShopperContext {
    context.page = context.page.chars().take(200).collect();
    context.region = context.region.chars().take(40).collect();
    context.cart.truncate(MAX_CONTEXT_ITEMS);
    context.orders.truncate(MAX_CONTEXT_ITEMS);
    context
}

impl Desk<'_> {
    pub(super) async fn conversation_row(
        &self,
        sql_where: &str,
        bind: &str,
    ) -> Result<Option<ConversationRow>, ShopError> {
        sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE {sql_where}"
        ))
        .bind(bind)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)
    }

    /// The shopper's open conversation, else their latest one.
    pub(super) async fn shoppers_conversation(
        &self,
        hash: &str,
    ) -> Result<Option<ConversationRow>, ShopError> {
        self.conversation_row(
            "shopper_hash = $1 ORDER BY status = 'open' DESC, id DESC LIMIT 1",
            hash,
        )
        .await
    }

    pub(super) async fn conversation_by_id(&self, id: i64) -> Result<ConversationRow, ShopError> {
        self.conversation_row("id = CAST($1 AS BIGINT)", &id.to_string())
            .await?
            .ok_or_else(|| ShopError::NotFound("There is no such conversation.".into()))
    }

    pub(super) async fn conversation(
        &self,
        row: &ConversationRow,
    ) -> Result<Conversation, ShopError> {
        let messages: Vec<(i64, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT id, author, agent, body, created_at FROM chat_messages WHERE conversation_id = $1 ORDER BY id",
        )
        .bind(row.id)
        .fetch_all(&self.state.db.read)
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

    pub(super) async fn state_for(&self, hash: Option<&str>) -> Result<ChatState, ShopError> {
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
        // Counted before anything is read or written, so a flood is turned away without
        // queueing for the database (the one writer connection is what checkout needs).
        self.desk()
            .limit(&format!("chat:{hash}"), SHOPPER_MESSAGES)
            .await
            .map_err(too_many)?;
        self.desk()
            .limit(&format!("chat-ip:{}", caller.ip), ADDRESS_MESSAGES)
            .await
            .map_err(too_many)?;
        let had_open = self.shoppers_conversation(&hash).await?.is_some();
        let offline = self.desk().agents_online() == 0;
        let typed_email = if !had_open && offline {
            Some(check_email(email).map_err(|_| {
                ShopError::invalid(
                    Field::Email,
                    "No one is online to chat right now. Please leave your email address and we'll answer there.",
                )
            })?)
        } else {
            None
        };
        if !had_open {
            self.desk().new_request(&caller.ip).await?;
        }
        // The "we've got your message" mail goes to a typed address no one has checked:
        // a few a day per address at most, so the chat cannot be used to flood a stranger.
        let acknowledge = match &typed_email {
            Some(to) => self
                .desk()
                .limit(&format!("ack:{}", to.to_lowercase()), ACKNOWLEDGEMENTS)
                .await
                .is_ok(),
            None => false,
        };
        // Looked up again inside the write transaction: writes take turns on the one
        // writer connection, so two quick messages can never open two conversations.
        let _turn = self.desk().anonymous_write_turn().await;
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let open: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE shopper_hash = $1 AND status = 'open' ORDER BY id DESC LIMIT 1"
        ))
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let reply_email = match &open {
            Some(c) => c.reply_email.clone(),
            // Closed between the two looks: the address given, if any.
            None => typed_email
                .clone()
                .or_else(|| check_email(email).ok().filter(|_| offline)),
        };
        let now = unix_now();
        let context_json = serde_json::to_string(&context).map_err(internal)?;
        let id = match &open {
            Some(c) => c.id,
            None => sqlx::query_scalar(
                "INSERT INTO conversations (shopper_hash, reply_email, page, context, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
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
            "INSERT INTO chat_messages (conversation_id, author, body, created_at) VALUES ($1, 'shopper', $2, $3) RETURNING id",
        )
        .bind(id)
        .bind(&body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query(
            "UPDATE conversations SET page = $1, context = $2, updated_at = $3, shopper_read = $4 WHERE id = $5",
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
            (None, Some(to)) if acknowledge => {
                mail::queue(
                    &mut tx,
                    Mail {
                        to,
                        subject: "We've got your message",
                        body: &self.received_mail(),
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
            self.state.deliver_mail_soon();
        }
        self.state_for(Some(&hash)).await
    }

    /// The acknowledgement of a message left while no one was online. It never repeats
    /// the message: the address was typed by whoever sent it, and the shop must not carry
    /// their words to a stranger.
    pub(super) fn received_mail(&self) -> String {
        let help = &self.state.help;
        format!(
            "Hello,\n\nThank you for your message to Storefront. No one was free to chat just then, so we'll answer you by email, usually within one working day.\n\nIf you didn't write to us, please ignore this email: someone may have typed your address by mistake.\n\nIf it's urgent, call us on {} ({}).\n\nThe Storefront team\n",
            help.phone_display,
            help.hours_text()
        )
    }

    /// The shopper behind this request, for a signal (typing, their page): none when they
    /// have no chat key yet, or send signals faster than [`SIGNALS`] (dropped, not refused).
    pub(super) async fn signalling_shopper(&self) -> Option<String> {
        let hash = session::shopper_hash(&Caller::current(), false)?;
        self.desk()
            .limit(&format!("signal:{hash}"), SIGNALS)
            .await
            .is_ok()
            .then_some(hash)
    }

    pub async fn shopper_typing(&self) -> Result<(), ShopError> {
        let Some(hash) = self.signalling_shopper().await else {
            return Ok(());
        };
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
        let _turn = self.desk().anonymous_write_turn().await;
        let marked = sqlx::query(
            "UPDATE conversations SET shopper_read = $1
             WHERE id = $2 AND shopper_read < $3
               AND $4 <= (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = $5)",
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
        let Some(hash) = self.signalling_shopper().await else {
            return Ok(());
        };
        let context = tidy_context(context);
        let _turn = self.desk().anonymous_write_turn().await;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE conversations SET page = $1, context = $2 WHERE shopper_hash = $3 AND status = 'open' RETURNING id",
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
}

/// Quoted for mail: each line starts with "> ".
pub(super) fn quote(text: &str) -> String {
    text.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
