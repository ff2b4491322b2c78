//! The agent's side of a chat: the queue, a conversation opened (and marked read), replies
//! (mailed too when the shopper wrote while no one was online), typing and closing.

use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct QueueRow {
    pub(super) id: i64,
    pub(super) page: String,
    pub(super) reply_email: Option<String>,
    pub(super) updated_at: i64,
    pub(super) latest: Option<String>,
    pub(super) unanswered: i64,
}

impl Desk<'_> {
    /// Open conversations (longest waiting first) and waiting call-backs (soonest first).
    pub async fn queue(&self, _agent: &SignedInAgent) -> Result<Queue, ShopError> {
        let chats: Vec<QueueRow> = sqlx::query_as(
            "SELECT c.id, c.page, c.reply_email, c.updated_at,
                    (SELECT body FROM chat_messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1) AS latest,
                    (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = c.id AND m.author = 'shopper'
                       AND m.id > COALESCE((SELECT MAX(a.id) FROM chat_messages a WHERE a.conversation_id = c.id AND a.author = 'agent'), 0)) AS unanswered
             FROM conversations c WHERE c.status = 'open' ORDER BY c.updated_at, c.id",
        )
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        let callbacks: Vec<CallbackRow> = sqlx::query_as(
            "SELECT id, reference, name, phone, slot_label, topic, note, page, context, status, created_at
             FROM callbacks WHERE status = 'waiting' ORDER BY day, CASE \"window\" WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1 ELSE 2 END, id",
        )
        .fetch_all(&self.state.db.read)
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
            undelivered: self
                .state
                .outbox
                .parked(&self.state.db.read)
                .await
                .map_err(internal)?,
        })
    }

    /// Sends a parked message again (its tries counted afresh); 404 if it is not parked.
    pub async fn send_mail_again(&self, _agent: &SignedInAgent, id: i64) -> Result<(), ShopError> {
        let found = self
            .state
            .outbox
            .send_again(&self.state.db.write, id)
            .await
            .map_err(internal)?;
        if !found {
            return Err(ShopError::NotFound(
                "That message is no longer waiting: it was sent or sent again already.".into(),
            ));
        }
        self.desk().publish(DeskEvent::Queue);
        Ok(())
    }

    /// A conversation for an agent, marked read, with the customer's context.
    pub async fn chat_detail(
        &self,
        _agent: &SignedInAgent,
        id: i64,
    ) -> Result<ChatDetail, ShopError> {
        let row = self.conversation_by_id(id).await?;
        let marked = sqlx::query(
            "UPDATE conversations SET agent_read = (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = $1)
             WHERE id = $2 AND agent_read < (SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE conversation_id = $3)",
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

    pub async fn reply(
        &self,
        agent: &SignedInAgent,
        id: i64,
        text: &str,
    ) -> Result<Conversation, ShopError> {
        let body = check_message(text).map_err(|m| ShopError::invalid(Field::Message, m))?;
        self.desk()
            .limit(&format!("agent:{}", agent.name()), AGENT_MESSAGES)
            .await
            .map_err(too_many)?;
        let row = self.conversation_by_id(id).await?;
        if row.status != "open" {
            return Err(ShopError::invalid(
                Field::Message,
                "This conversation is closed; the customer's next message opens a new one.",
            ));
        }
        let now = unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let message_id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_messages (conversation_id, author, agent, body, created_at) VALUES ($1, 'agent', $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(agent.name())
        .bind(&body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query("UPDATE conversations SET updated_at = $1, agent_read = $2 WHERE id = $3")
            .bind(now)
            .bind(message_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        if let Some(to) = &row.reply_email {
            let help = &self.state.help;
            let mail_body = format!(
                "Hello,\n\n{} from Storefront has answered your message:\n\n{}\n\nYou can reply to this email, or open the Help panel on any page of the shop, where this conversation is waiting for you.\n\nThe Storefront team\nPhone {} ({})\n",
                agent.name(),
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
            self.state.deliver_mail_soon();
        }
        self.conversation(&self.conversation_by_id(id).await?).await
    }

    pub async fn agent_typing(&self, agent: &SignedInAgent, id: i64) -> Result<(), ShopError> {
        if self
            .desk()
            .limit(&format!("signal-agent:{}", agent.name()), SIGNALS)
            .await
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

    pub async fn close(&self, agent: &SignedInAgent, id: i64) -> Result<(), ShopError> {
        let row = self.conversation_by_id(id).await?;
        sqlx::query("UPDATE conversations SET status = 'closed', closed_by = $1, updated_at = $2 WHERE id = $3")
            .bind(agent.name())
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
}
