//! Call-back requests: the slots offered, a request checked and queued, and an agent's
//! view of one until it is marked done.

use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct CallbackRow {
    pub(super) id: i64,
    pub(super) reference: String,
    pub(super) name: String,
    pub(super) phone: String,
    pub(super) slot_label: String,
    pub(super) topic: String,
    pub(super) note: String,
    pub(super) page: String,
    pub(super) context: String,
    pub(super) status: String,
    pub(super) created_at: i64,
}

impl CallbackRow {
    pub(super) fn queued(self) -> (QueuedCallback, String) {
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

impl Desk<'_> {
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
            .await
            .map_err(|wait| {
                ShopError::TooMany(format!(
                    "We already have your call-back requests. Please wait {} minutes before asking again, or call us.",
                    storefront_domain::rate::minutes_to_wait(wait)
                ))
            })?;
        self.desk().new_request(&caller.ip).await?;
        let reference = format!("CB-{}", crate::random_token(6).to_ascii_uppercase());
        let when = checked.slot.label();
        let _turn = self.desk().anonymous_write_turn().await;
        sqlx::query(
            "INSERT INTO callbacks (reference, shopper_hash, name, phone, day, \"window\", slot_label, topic, note, page, context, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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

    pub(super) async fn callback_row(&self, id: i64) -> Result<CallbackRow, ShopError> {
        sqlx::query_as(
            "SELECT id, reference, name, phone, slot_label, topic, note, page, context, status, created_at
             FROM callbacks WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?
        .ok_or_else(|| ShopError::NotFound("There is no such call-back request.".into()))
    }

    pub async fn callback_detail(
        &self,
        _agent: &SignedInAgent,
        id: i64,
    ) -> Result<CallbackDetail, ShopError> {
        let (callback, context) = self.callback_row(id).await?.queued();
        let context = self.customer_context(&callback.page, &context, None).await;
        Ok(CallbackDetail { callback, context })
    }

    pub async fn callback_done(&self, agent: &SignedInAgent, id: i64) -> Result<(), ShopError> {
        self.callback_row(id).await?;
        sqlx::query(
            "UPDATE callbacks SET status = 'done', done_by = $1, done_at = $2 WHERE id = $3 AND status = 'waiting'",
        )
        .bind(agent.name())
        .bind(unix_now())
        .bind(id)
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        self.desk().publish(DeskEvent::Queue);
        Ok(())
    }
}
