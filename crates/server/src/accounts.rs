//! Customers' accounts without passwords (`storefront_domain::account` holds the rules):
//! a sign-in link mailed to the address, a session started by opening it, and the account
//! that session shows: every order placed under that address.
//!
//! Asking for a link answers the same words for every address, and every address gets
//! its link (signing in is what makes an account), so nothing tells a guesser whether an
//! address has ordered here. Links and sessions are stored only as SHA-256 hashes.

use super::session::{self, Caller, ACCOUNT_COOKIE};
use super::{internal, unix_now, AppState};
use storefront_domain::account::{
    address_key, link_mail, link_refused, link_sent_answer, may_erase, offers_link_refused,
    oldest_valid_link, preselected_size, sends_offers, session_seconds, KEPT_AFTER_ERASURE,
    LINKS_PER_ADDRESS, LINKS_PER_SENDER, MAX_SAVED_ADDRESSES, OFFERS_CONFIRM_DAYS,
};
use storefront_domain::order::OrderStatus;
use storefront_domain::rate::minutes_to_wait;
use storefront_domain::reviews::ReviewStatus;
use storefront_domain::validation::{check_email, Address, Field};
use storefront_model::account::{
    AccountData, AccountOrder, AccountView, AlertView, CallbackData, CheckoutProfile, ConsentView,
    ConversationData, MessageData, ReviewData, SavedAddress, SizeChoice,
};
use storefront_model::agent::{CallbackSummary, ChatSummary, CustomerProfile};
use storefront_model::catalog::variant_label;
use storefront_model::checkout::OFFERS_CONSENT;
use storefront_model::ShopError;

/// Withdraws every consent to offers `email` has standing, at `now` (their record kept).
pub(crate) async fn withdraw_offers(
    conn: &mut crate::db::Conn,
    email: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE marketing_consents SET withdrawn_at = $1 WHERE email = $2 COLLATE NOCASE AND withdrawn_at IS NULL",
    )
    .bind(now)
    .bind(email)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `email`'s owner opened a link the shop mailed to it (the first time counts).
pub(crate) async fn mark_verified(
    conn: &mut crate::db::Conn,
    email: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO verified_emails (email, first_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING")
        .bind(email)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
}

/// When `email`'s owner first opened a link the shop mailed to it, if ever.
async fn verified_since(read: &crate::db::Pool, email: &str) -> Result<Option<i64>, ShopError> {
    sqlx::query_scalar("SELECT first_at FROM verified_emails WHERE email = $1")
        .bind(email)
        .fetch_optional(read)
        .await
        .map_err(internal)
}

/// A back-in-stock sign-up as the account reads it.
#[derive(sqlx::FromRow)]
struct AlertRow {
    id: i64,
    name: String,
    slug: String,
    colour: Option<String>,
    size: Option<String>,
    created_at: i64,
    confirmed_at: Option<i64>,
    #[sqlx(try_from = "crate::db::Flag")]
    lower_price: bool,
}

/// A saved delivery address as stored.
#[derive(sqlx::FromRow)]
struct SavedAddressRow {
    id: i64,
    name: String,
    line1: String,
    line2: String,
    city: String,
    postcode: String,
    country: String,
    phone: String,
}

/// The orders of an account (table alias `o`; the address bound twice, as `$1` and `$2`,
/// so other parameters come after): those placed
/// under its address and those placed while signed in to it under another.
pub(crate) const ACCOUNT_ORDERS: &str =
    "(o.email = $1 COLLATE NOCASE OR o.account_email = $2 COLLATE NOCASE)";

/// Characters in a link's token.
const TOKEN_LEN: usize = 32;

pub struct Accounts<'a> {
    state: &'a AppState,
}

/// A review written from one of the account's orders, as the download lists it.
#[derive(sqlx::FromRow)]
struct ReviewRow {
    product: String,
    order_number: String,
    stars: i64,
    title: String,
    body: String,
    name: String,
    status: String,
    reason: Option<String>,
    written_at: i64,
}

impl<'a> Accounts<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    /// Mails a sign-in link to `email` and answers [`link_sent_answer`]; a malformed
    /// address is named next to its field, and too many requests (for one address or
    /// from one sender) are refused with when to try again, before anything is stored.
    pub async fn request_link(&self, email: &str, caller: &Caller) -> Result<String, ShopError> {
        if email.trim().is_empty() {
            return Err(ShopError::invalid(
                Field::Email,
                "Please enter your email address so we can send you a sign-in link.",
            ));
        }
        let email = check_email(email).map_err(|m| ShopError::invalid(Field::Email, m))?;
        let too_many = |wait: i64| {
            ShopError::TooMany(format!(
                "We've sent several sign-in links just now. Please try again in {} minutes, or check the links already sent.",
                minutes_to_wait(wait)
            ))
        };
        let desk = &self.state.desk;
        desk.limit(&format!("sign-in-ip:{}", caller.ip), LINKS_PER_SENDER)
            .await
            .map_err(too_many)?;
        desk.limit(
            &format!("sign-in:{}", email.to_lowercase()),
            LINKS_PER_ADDRESS,
        )
        .await
        .map_err(too_many)?;
        let token = super::random_token(TOKEN_LEN);
        let link = format!(
            "{}/account/sign-in?token={token}",
            self.state.config.public_url.trim_end_matches('/')
        );
        let (subject, body) = link_mail(&link);
        let now = unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        async {
            // Old links are no use to anyone: cleared as new ones are made.
            sqlx::query("DELETE FROM sign_in_links WHERE created_at <= $1")
                .bind(oldest_valid_link(now))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sign_in_links (email, token_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(&email)
            .bind(session::digest(&token))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            super::mail::queue(
                &mut tx,
                super::mail::Mail {
                    to: &email,
                    subject: &subject,
                    body: &body,
                },
            )
            .await?;
            tx.commit().await
        }
        .await
        .map_err(internal)?;
        self.state.deliver_mail_soon();
        Ok(link_sent_answer())
    }

    /// Signs in with a link's token: used up at once (one statement, so two tabs opening
    /// it together start one session), a session cookie set, the account answered.
    pub async fn sign_in(&self, token: &str) -> Result<AccountView, ShopError> {
        let token = token.trim();
        let refused = || ShopError::NotFound(link_refused());
        if token.len() != TOKEN_LEN || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(refused());
        }
        let now = unix_now();
        let key = session::new_key();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let email: Option<String> = sqlx::query_scalar(
            "UPDATE sign_in_links SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND created_at > $3 AND created_at <= $4
             RETURNING email",
        )
        .bind(now)
        .bind(session::digest(token))
        .bind(oldest_valid_link(now))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let Some(email) = email else {
            return Err(refused());
        };
        mark_verified(&mut tx, &email, now)
            .await
            .map_err(internal)?;
        sqlx::query("DELETE FROM account_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        sqlx::query(
            "INSERT INTO account_sessions (email, key_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&email)
        .bind(session::digest(&key))
        .bind(now)
        .bind(now + session_seconds())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        session::send_cookie(session::set_cookie_value(
            ACCOUNT_COOKIE,
            &key,
            session_seconds(),
        ));
        self.view_as(&email, &Caller::current()).await
    }

    /// The verified address of the caller's session, if they are signed in.
    pub async fn signed_in(&self, caller: &Caller) -> Result<Option<String>, ShopError> {
        let Some(key) = session::cookie(&caller.headers, ACCOUNT_COOKIE) else {
            return Ok(None);
        };
        sqlx::query_scalar(
            "SELECT email FROM account_sessions WHERE key_hash = $1 AND expires_at > $2",
        )
        .bind(session::digest(&key))
        .bind(unix_now())
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)
    }

    /// The caller's account, or `None` when they are not signed in.
    pub async fn view(&self, caller: &Caller) -> Result<Option<AccountView>, ShopError> {
        match self.signed_in(caller).await? {
            Some(email) => Ok(Some(self.view_as(&email, caller).await?)),
            None => Ok(None),
        }
    }

    /// Ends the caller's session, here and on the server.
    pub async fn sign_out(&self, caller: &Caller) -> Result<(), ShopError> {
        if let Some(key) = session::cookie(&caller.headers, ACCOUNT_COOKIE) {
            sqlx::query("DELETE FROM account_sessions WHERE key_hash = $1")
                .bind(session::digest(&key))
                .execute(&self.state.db.write)
                .await
                .map_err(internal)?;
        }
        session::send_cookie(session::set_cookie_value(ACCOUNT_COOKIE, "", 0));
        Ok(())
    }

    /// The caller's address, or "please sign in" as an error.
    async fn required(&self, caller: &Caller) -> Result<String, ShopError> {
        self.signed_in(caller).await?.ok_or_else(|| {
            ShopError::NotFound(
                "You're signed out (on this device, or the session ended). Please sign in again to see your account.".into(),
            )
        })
    }

    /// Gives (`send`) or withdraws consent to offers by mail, in one click. Giving stores
    /// the words shown ([`OFFERS_CONSENT`]) and the time; withdrawing ends every standing
    /// consent and keeps their record.
    pub async fn set_offers(&self, caller: &Caller, send: bool) -> Result<AccountView, ShopError> {
        let email = self.required(caller).await?;
        let now = unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let standing: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM marketing_consents
             WHERE email = $1 COLLATE NOCASE AND withdrawn_at IS NULL AND confirmed_at IS NOT NULL",
        )
        .bind(&email)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
        if send && standing == 0 {
            // Given while signed in by a link to the address: confirmed already.
            sqlx::query(
                "INSERT INTO marketing_consents (email, wording, given_at, confirmed_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&email)
            .bind(OFFERS_CONSENT)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        } else if !send {
            withdraw_offers(&mut tx, &email, now)
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        self.view_as(&email, caller).await
    }

    /// Confirms the offers consent behind a mailed link's token, once and within
    /// [`OFFERS_CONFIRM_DAYS`]; answers what to tell the customer.
    pub async fn confirm_offers(&self, token: &str) -> Result<String, ShopError> {
        let now = unix_now();
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let email: Option<String> = sqlx::query_scalar(
            "UPDATE marketing_consents SET confirmed_at = $1, confirm_hash = NULL
             WHERE confirm_hash = $2 AND confirmed_at IS NULL AND withdrawn_at IS NULL AND given_at > $3
             RETURNING email",
        )
        .bind(now)
        .bind(session::digest(token.trim()))
        .bind(now - OFFERS_CONFIRM_DAYS * 86_400)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        if let Some(email) = &email {
            mark_verified(&mut tx, email, now).await.map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        match email {
            Some(email) => Ok(format!(
                "Confirmed: we'll email offers to {email}. You can stop them any time, in one click, from your account."
            )),
            None => Err(ShopError::NotFound(offers_link_refused())),
        }
    }

    /// Cancels one of the caller's back-in-stock sign-ups, or price watches with
    /// `lower_price` (another address's is left alone).
    pub async fn cancel_alert(
        &self,
        caller: &Caller,
        id: i64,
        lower_price: bool,
    ) -> Result<AccountView, ShopError> {
        let email = self.required(caller).await?;
        if lower_price {
            let mut tx = self.state.db.begin_write().await.map_err(internal)?;
            let mine: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM price_watches WHERE id = $1 AND email = $2 COLLATE NOCASE",
            )
            .bind(id)
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
            if let Some(id) = mine {
                super::offers::forget_watch(&mut tx, id)
                    .await
                    .map_err(internal)?;
            }
            tx.commit().await.map_err(internal)?;
            return self.view_as(&email, caller).await;
        }
        sqlx::query("DELETE FROM stock_alerts WHERE id = $1 AND email = $2 COLLATE NOCASE")
            .bind(id)
            .bind(&email)
            .execute(&self.state.db.write)
            .await
            .map_err(internal)?;
        self.view_as(&email, caller).await
    }

    /// Everything the shop holds about the caller, or `None` when they are not signed in.
    pub async fn export(&self, caller: &Caller) -> Result<Option<AccountData>, ShopError> {
        let Some(email) = self.signed_in(caller).await? else {
            return Ok(None);
        };
        let read = &self.state.db.read;
        let device = session::shopper_hash(caller, false);
        let view = self.view_for(&email, device.as_deref()).await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM orders o WHERE {ACCOUNT_ORDERS} ORDER BY placed_at DESC, id DESC"
        ))
        .bind(&email)
        .bind(&email)
        .fetch_all(read)
        .await
        .map_err(internal)?;
        let mut orders = Vec::with_capacity(ids.len());
        for id in ids {
            orders.push(self.state.orders().view_by_id(id).await?);
        }
        let callbacks: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT reference, name, phone, slot_label, topic, note FROM callbacks WHERE shopper_hash = $1 ORDER BY id",
        )
        .bind(device.as_deref())
        .fetch_all(read)
        .await
        .map_err(internal)?;
        let devices: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM account_sessions WHERE email = $1 COLLATE NOCASE AND expires_at > $2",
        )
        .bind(&email)
        .bind(unix_now())
        .fetch_one(read)
        .await
        .map_err(internal)?;
        let verified = verified_since(read, &email).await?;
        let reviews: Vec<ReviewRow> =
            sqlx::query_as(&format!(
                "SELECT p.name AS product, o.number AS order_number, r.stars, r.title, r.body, r.name, r.status, r.reason, r.written_at
                 FROM reviews r JOIN orders o ON o.id = r.order_id JOIN products p ON p.id = r.product_id
                 WHERE {ACCOUNT_ORDERS} ORDER BY r.written_at, r.id"
            ))
            .bind(&email)
            .bind(&email)
            .fetch_all(read)
            .await
            .map_err(internal)?;
        let offers: Vec<i64> = sqlx::query_scalar(
            "SELECT run_at FROM offer_mails WHERE email = $1 COLLATE NOCASE ORDER BY run_at",
        )
        .bind(&email)
        .fetch_all(read)
        .await
        .map_err(internal)?;
        Ok(Some(AccountData {
            email_verified_on: verified.map(super::date_of),
            offers_mailed_on: offers.into_iter().map(super::date_of).collect(),
            about: "Everything Storefront holds about you: your orders in full, your saved addresses, sizes and region, your consents to marketing mail and when offers were mailed to you, your back-in-stock and lower-price sign-ups, your ratings and reviews, your chats and call-backs, and how many devices are signed in to your account. We never share it.".into(),
            email,
            exported_at: unix_now(),
            orders,
            consents: view.consents,
            alerts: view.alerts,
            conversations: view.chats,
            saved_addresses: view.addresses,
            region: view.region,
            sizes: view.sizes.into_iter().filter(|s| s.preferred.is_some()).collect(),
            callbacks: callbacks
                .into_iter()
                .map(|(reference, name, phone, when, topic, note)| CallbackData {
                    reference,
                    name,
                    phone,
                    when,
                    topic,
                    note,
                })
                .collect(),
            reviews: reviews
                .into_iter()
                .map(|r| ReviewData {
                    product: r.product,
                    order_number: r.order_number,
                    stars: u8::try_from(r.stars).unwrap_or(5),
                    title: r.title,
                    text: r.body,
                    name: r.name,
                    status: ReviewStatus::parse(&r.status).unwrap_or(ReviewStatus::Pending),
                    reason: r.reason,
                    written_on: super::date_of(r.written_at),
                })
                .collect(),
            signed_in_devices: u32::try_from(devices).unwrap_or(0),
        }))
    }

    /// Erases everything personal the shop holds about the caller: their details are
    /// blanked on their orders (the records of the sales stay, [`KEPT_AFTER_ERASURE`]),
    /// and their order links, consents, sign-ups, chats and call-backs (those mailed to
    /// the address, and those made on this device), sign-in links and sessions, checkout
    /// attempts and mail (in the outbox and its files) are deleted. Refused, changing
    /// nothing, while an order or a return still needs them ([`may_erase`]). Answers what
    /// to tell them; their session ends.
    pub async fn erase(&self, caller: &Caller) -> Result<String, ShopError> {
        let email = self.required(caller).await?;
        let device = session::shopper_hash(caller, false);
        let mut tx = self.state.db.begin_write().await.map_err(internal)?;
        let orders: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT id, number, status, email FROM orders o WHERE {ACCOUNT_ORDERS}"
        ))
        .bind(&email)
        .bind(&email)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
        let open_returns: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT o.number FROM returns r JOIN orders o ON o.id = r.order_id
             WHERE {ACCOUNT_ORDERS} AND r.status IN ('requested', 'received')"
        ))
        .bind(&email)
        .bind(&email)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
        let statuses: Vec<(String, OrderStatus)> = orders
            .iter()
            .map(|(_, number, status, _)| {
                (
                    number.clone(),
                    OrderStatus::parse(status).unwrap_or(OrderStatus::Placed),
                )
            })
            .collect();
        may_erase(&statuses, &open_returns).map_err(ShopError::NotFound)?;
        let mut mail_ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM mail_outbox WHERE recipient = $1 COLLATE NOCASE")
                .bind(&email)
                .fetch_all(&mut *tx)
                .await
                .map_err(internal)?;
        // Orders placed while signed in under another address: the mail about them.
        for (_, number, _, to) in orders.iter().filter(|o| !o.3.eq_ignore_ascii_case(&email)) {
            let about: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM mail_outbox WHERE recipient = $1 COLLATE NOCASE AND instr(body, $2) > 0",
            )
            .bind(to)
            .bind(number)
            .fetch_all(&mut *tx)
            .await
            .map_err(internal)?;
            mail_ids.extend(about);
        }
        let mut reviewed = Vec::new();
        async {
            for (id, _, _, _) in &orders {
                // Their reviews (a review is theirs: their words, their name) and review links.
                reviewed.extend(super::reviews::forget_order(&mut tx, *id).await?);
                sqlx::query(
                    "UPDATE orders SET email = '', phone = '', ship_name = '', ship_line1 = '', ship_line2 = '',
                            ship_city = '', ship_postcode = '', access_key = '', card_last4 = NULL, card_token = NULL,
                            account_email = NULL
                     WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM order_keys WHERE order_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let by_email = [
                "DELETE FROM checkout_attempts WHERE json_extract(request, '$.details.email') = $1 COLLATE NOCASE",
                "DELETE FROM checkout_attempts WHERE account_email = $1 COLLATE NOCASE",
                "DELETE FROM saved_addresses WHERE email = $1",
                "DELETE FROM account_regions WHERE email = $1",
                "DELETE FROM account_sizes WHERE email = $1",
                "DELETE FROM marketing_consents WHERE email = $1 COLLATE NOCASE",
                "DELETE FROM stock_alerts WHERE email = $1 COLLATE NOCASE",
                "DELETE FROM price_watch_stops WHERE watch_id IN (SELECT id FROM price_watches WHERE email = $1 COLLATE NOCASE)",
                "DELETE FROM price_watches WHERE email = $1 COLLATE NOCASE",
                "DELETE FROM offer_mails WHERE email = $1 COLLATE NOCASE",
                "DELETE FROM sign_in_links WHERE email = $1 COLLATE NOCASE",
                "DELETE FROM account_sessions WHERE email = $1 COLLATE NOCASE",
                "DELETE FROM verified_emails WHERE email = $1 COLLATE NOCASE",
                "DELETE FROM mail_outbox WHERE recipient = $1 COLLATE NOCASE",
            ];
            for sql in by_email {
                sqlx::query(sql).bind(&email).execute(&mut *tx).await?;
            }
            if self.state.db.dialect == crate::db::Dialect::Postgres {
                // The rate windows shared by the processes name the address too
                // ("sign-in:…", "ack:…"); SQLite's are in memory and gone within a day.
                sqlx::query("DELETE FROM rate_events WHERE substr(key, strpos(key, ':') + 1) = lower($1)")
                    .bind(&email)
                    .execute(&mut *tx)
                    .await?;
            }
            for id in &mail_ids {
                sqlx::query("DELETE FROM mail_outbox WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let chats = "SELECT id FROM conversations WHERE reply_email = $1 COLLATE NOCASE OR shopper_hash = $2";
            sqlx::query(&format!(
                "DELETE FROM chat_messages WHERE conversation_id IN ({chats})"
            ))
            .bind(&email)
            .bind(device.as_deref())
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!("DELETE FROM conversations WHERE id IN ({chats})"))
                .bind(&email)
                .bind(device.as_deref())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM callbacks WHERE shopper_hash = $1")
                .bind(device.as_deref())
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await
        .map_err(internal)?;
        self.state.recommender.forget(&email);
        if let Err(e) = self.state.refresh_search(Some(&reviewed)).await {
            tracing::error!(%e, "ratings in search not refreshed after an erasure");
        }
        // The delivered copies the outbox keeps as files (when there is no SMTP server).
        for id in mail_ids {
            let file = self.state.outbox.file_of(id);
            if let Err(e) = std::fs::remove_file(&file) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::error!(%e, file = %file.display(), "erased mail file not removed");
                }
            }
        }
        session::send_cookie(session::set_cookie_value(ACCOUNT_COOKIE, "", 0));
        Ok(format!(
            "Done: your personal data is deleted and you're signed out. {KEPT_AFTER_ERASURE}"
        ))
    }

    /// One customer for the agent console, found by an order number, an email address or
    /// a (UK) phone number; what is proved and what was only typed kept apart.
    pub async fn profile(&self, query: &str) -> Result<CustomerProfile, ShopError> {
        let read = &self.state.db.read;
        let query = query.trim();
        let number = query.to_ascii_uppercase();
        let (found_by, email, phone) = if storefront_domain::order::is_order_number(&number) {
            let email: Option<String> =
                sqlx::query_scalar("SELECT email FROM orders WHERE number = $1")
                    .bind(&number)
                    .fetch_optional(read)
                    .await
                    .map_err(internal)?;
            let email = email
                .ok_or_else(|| ShopError::NotFound("There is no order with that number.".into()))?;
            (
                format!("order {number}"),
                Some(email).filter(|e| !e.is_empty()),
                None,
            )
        } else if query.contains('@') {
            let email = check_email(query).map_err(|m| ShopError::invalid(Field::Email, m))?;
            (email.clone(), Some(email), None)
        } else if query.starts_with('+') || query.chars().any(|c| c.is_ascii_digit()) {
            let uk = &storefront_domain::validation::SHIPPING_COUNTRIES[0];
            let phone = storefront_domain::validation::check_phone(uk, query).map_err(|_| {
                ShopError::invalid(
                    Field::Email,
                    "That isn't a phone number we can read: try it like 07700 900123 or +44 7700 900123.",
                )
            })?;
            let email: Option<String> = sqlx::query_scalar(
                "SELECT email FROM orders WHERE phone = $1 AND email != '' ORDER BY placed_at DESC LIMIT 1",
            )
            .bind(&phone)
            .fetch_optional(read)
            .await
            .map_err(internal)?;
            (format!("phone {phone}"), email, Some(phone))
        } else {
            return Err(ShopError::invalid(
                Field::Email,
                "Enter an order number (like SF-7K3M9QX2), the customer's email address or their phone number.",
            ));
        };
        let email_key = email.clone().unwrap_or_default();
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM orders
             WHERE ($1 != '' AND (email = $1 COLLATE NOCASE OR account_email = $1 COLLATE NOCASE)) OR phone = $2
             ORDER BY placed_at DESC, id DESC LIMIT 20",
        )
        .bind(&email_key)
        .bind(phone.as_deref())
        .fetch_all(read)
        .await
        .map_err(internal)?;
        // Asked about one order: that order, and how many more there are.
        let asked: Option<i64> = if found_by.starts_with("order ") {
            sqlx::query_scalar("SELECT id FROM orders WHERE number = $1")
                .bind(&number)
                .fetch_optional(read)
                .await
                .map_err(internal)?
        } else {
            None
        };
        let listed: Vec<i64> = match asked {
            Some(id) => vec![id],
            None => ids.clone(),
        };
        let more_orders =
            u32::try_from(ids.iter().filter(|id| !listed.contains(id)).count()).unwrap_or(0);
        let mut orders = Vec::with_capacity(listed.len());
        for id in listed {
            orders.push(self.state.orders().view_by_id(id).await?);
        }
        let mut phones: Vec<String> = orders.iter().map(|o| o.phone.clone()).collect();
        phones.extend(phone);
        phones.sort();
        phones.dedup();
        let verified = verified_since(read, &email_key).await?;
        let chats: Vec<(i64, i64, String, i64, String)> = sqlx::query_as(
            "SELECT c.id, c.created_at, c.status,
                    (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = c.id),
                    COALESCE((SELECT body FROM chat_messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1), '')
             FROM conversations c WHERE c.reply_email = $1 COLLATE NOCASE ORDER BY c.id DESC LIMIT 20",
        )
        .bind(&email_key)
        .fetch_all(read)
        .await
        .map_err(internal)?;
        let mut callbacks = Vec::new();
        for phone in &phones {
            let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
                "SELECT reference, name, phone, slot_label, topic, status FROM callbacks WHERE phone = $1 ORDER BY id DESC LIMIT 20",
            )
            .bind(phone)
            .fetch_all(read)
            .await
            .map_err(internal)?;
            callbacks.extend(rows.into_iter().map(
                |(reference, name, phone, when, topic, status)| CallbackSummary {
                    reference,
                    name,
                    phone,
                    when,
                    topic,
                    done: status == "done",
                },
            ));
        }
        let view = match &email {
            Some(e) => Some(self.view_for(e, None).await?),
            None => None,
        };
        Ok(CustomerProfile {
            found_by,
            email,
            verified_on: verified.map(super::date_of),
            orders,
            more_orders,
            chats: chats
                .into_iter()
                .map(|(id, at, status, messages, latest)| ChatSummary {
                    id,
                    started_on: super::date_of(at),
                    open: status == "open",
                    messages: u32::try_from(messages).unwrap_or(0),
                    latest: latest.chars().take(120).collect(),
                })
                .collect(),
            callbacks,
            offers: view.as_ref().is_some_and(|v| v.offers),
            consents: view
                .as_ref()
                .map(|v| v.consents.clone())
                .unwrap_or_default(),
            alerts: view.map(|v| v.alerts).unwrap_or_default(),
        })
    }

    /// The account of `email` as `caller`'s browser sees it (with the chats started on it).
    async fn view_as(&self, email: &str, caller: &Caller) -> Result<AccountView, ShopError> {
        self.view_for(email, session::shopper_hash(caller, false).as_deref())
            .await
    }

    /// The account of `email`; `device` (the help key of the browser asking) adds the
    /// chats started on it.
    async fn view_for(&self, email: &str, device: Option<&str>) -> Result<AccountView, ShopError> {
        let read = &self.state.db.read;
        let rows: Vec<(String, String, i64, i64, String, i64)> = sqlx::query_as(&format!(
            "SELECT o.number, o.status, o.placed_at, o.total_minor, o.currency,
                    COALESCE((SELECT SUM(quantity) FROM order_lines l WHERE l.order_id = o.id), 0)
             FROM orders o WHERE {ACCOUNT_ORDERS} ORDER BY o.placed_at DESC, o.id DESC"
        ))
        .bind(email)
        .bind(email)
        .fetch_all(read)
        .await
        .map_err(internal)?;
        let addresses = self.saved_addresses(email).await?;
        let region: Option<String> =
            sqlx::query_scalar("SELECT region FROM account_regions WHERE email = $1")
                .bind(email)
                .fetch_optional(read)
                .await
                .map_err(internal)?;
        let sizes = self.sizes(email).await?;
        let chats = self.conversations(email, device).await?;
        let consents: Vec<(String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT wording, given_at, confirmed_at, withdrawn_at FROM marketing_consents
             WHERE email = $1 COLLATE NOCASE ORDER BY given_at DESC, id DESC",
        )
        .bind(email)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        let alerts: Vec<AlertRow> =
            sqlx::query_as(
                "SELECT a.id, p.name, p.slug, v.colour, v.size, a.created_at, a.confirmed_at, 0 AS lower_price
                 FROM stock_alerts a JOIN variants v ON v.id = a.variant_id JOIN products p ON p.id = v.product_id
                 WHERE a.email = $1 COLLATE NOCASE
                 UNION ALL
                 SELECT w.id, p.name, p.slug, NULL, NULL, w.created_at, w.confirmed_at, 1
                 FROM price_watches w JOIN products p ON p.id = w.product_id
                 WHERE w.email = $2 COLLATE NOCASE
                 ORDER BY 6 DESC, 1 DESC",
            )
            .bind(email)
            .bind(email)
            .fetch_all(&self.state.db.read)
            .await
            .map_err(internal)?;
        Ok(AccountView {
            email: email.to_owned(),
            offers: sends_offers(
                &consents
                    .iter()
                    .map(|(_, _, confirmed, withdrawn)| (confirmed.is_some(), *withdrawn))
                    .collect::<Vec<_>>(),
            ),
            consents: consents
                .into_iter()
                .map(|(wording, given, confirmed, withdrawn)| ConsentView {
                    wording,
                    given_on: super::date_of(given),
                    confirmed: confirmed.is_some(),
                    withdrawn_on: withdrawn.map(super::date_of),
                })
                .collect(),
            alerts: alerts
                .into_iter()
                .map(|a| AlertView {
                    id: a.id,
                    product: a.name,
                    slug: a.slug,
                    variant: if a.lower_price {
                        String::new()
                    } else {
                        variant_label(a.colour.as_deref(), a.size.as_deref())
                    },
                    since: super::date_of(a.created_at),
                    confirmed: a.confirmed_at.is_some(),
                    lower_price: a.lower_price,
                })
                .collect(),
            orders: rows
                .into_iter()
                .map(
                    |(number, status, placed_at, total, currency, items)| AccountOrder {
                        number,
                        status: OrderStatus::parse(&status).unwrap_or(OrderStatus::Placed),
                        placed_on: super::date_of(placed_at),
                        total: super::catalog::money(total, &currency),
                        items: u32::try_from(items).unwrap_or(0),
                    },
                )
                .collect(),
            addresses,
            region,
            sizes,
            chats,
        })
    }

    /// The delivery addresses `email` keeps, most recently used first.
    async fn saved_addresses(&self, email: &str) -> Result<Vec<SavedAddress>, ShopError> {
        let rows: Vec<SavedAddressRow> = sqlx::query_as(
            "SELECT id, name, line1, line2, city, postcode, country, phone FROM saved_addresses
             WHERE email = $1 ORDER BY used_at DESC, id DESC",
        )
        .bind(email)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|r| SavedAddress {
                id: r.id,
                address: Address {
                    name: r.name,
                    line1: r.line1,
                    line2: r.line2,
                    city: r.city,
                    postcode: r.postcode,
                    country: r.country,
                },
                phone: r.phone,
            })
            .collect())
    }

    /// Every category whose products come in sizes, its sizes in the shop's order, and
    /// `email`'s size in it.
    async fn sizes(&self, email: &str) -> Result<Vec<SizeChoice>, ShopError> {
        let read = &self.state.db.read;
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT c.slug, c.name, v.size FROM variants v
             JOIN products p ON p.id = v.product_id JOIN categories c ON c.id = p.category_id
             WHERE v.size IS NOT NULL
             GROUP BY c.id, v.size ORDER BY c.position, c.id, MIN(v.position), MIN(v.id)",
        )
        .fetch_all(read)
        .await
        .map_err(internal)?;
        let chosen: Vec<(String, String)> =
            sqlx::query_as("SELECT category, size FROM account_sizes WHERE email = $1")
                .bind(email)
                .fetch_all(read)
                .await
                .map_err(internal)?;
        let mut out: Vec<SizeChoice> = Vec::new();
        for (category, name, size) in rows {
            match out.last_mut() {
                Some(last) if last.category == category => last.sizes.push(size),
                _ => out.push(SizeChoice {
                    preferred: chosen
                        .iter()
                        .find(|(c, _)| *c == category)
                        .map(|(_, s)| s.clone()),
                    category,
                    name,
                    sizes: vec![size],
                }),
            }
        }
        Ok(out)
    }

    /// Chats answered by mail to `email`, or started on `device`, with their messages.
    async fn conversations(
        &self,
        email: &str,
        device: Option<&str>,
    ) -> Result<Vec<ConversationData>, ShopError> {
        let read = &self.state.db.read;
        let chats: Vec<(i64, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT id, reply_email, page, created_at FROM conversations
             WHERE reply_email = $1 COLLATE NOCASE OR shopper_hash = $2 ORDER BY id",
        )
        .bind(email)
        .bind(device)
        .fetch_all(read)
        .await
        .map_err(internal)?;
        let mut conversations = Vec::with_capacity(chats.len());
        for (id, reply_email, page, created_at) in chats {
            let messages: Vec<(String, Option<String>, String, i64)> = sqlx::query_as(
                "SELECT author, agent, body, created_at FROM chat_messages WHERE conversation_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(read)
            .await
            .map_err(internal)?;
            conversations.push(ConversationData {
                started_on: super::date_of(created_at),
                reply_email,
                page,
                messages: messages
                    .into_iter()
                    .map(|(author, agent, text, at)| MessageData {
                        from: if author == "shopper" {
                            "you".to_owned()
                        } else {
                            format!("Storefront ({})", agent.unwrap_or_default())
                        },
                        text,
                        sent_on: super::date_of(at),
                    })
                    .collect(),
            });
        }
        Ok(conversations)
    }

    /// Forgets one of the caller's saved addresses (another account's is left alone).
    pub async fn forget_address(&self, caller: &Caller, id: i64) -> Result<AccountView, ShopError> {
        let email = self.required(caller).await?;
        sqlx::query("DELETE FROM saved_addresses WHERE id = $1 AND email = $2")
            .bind(id)
            .bind(&email)
            .execute(&self.state.db.write)
            .await
            .map_err(internal)?;
        self.view_as(&email, caller).await
    }

    /// Keeps `region` (a code of `location::REGIONS`) as the caller's region.
    pub async fn set_region(
        &self,
        caller: &Caller,
        region: &str,
    ) -> Result<AccountView, ShopError> {
        let email = self.required(caller).await?;
        if storefront_domain::location::region(region).is_none() {
            return Err(ShopError::invalid(
                Field::Region,
                "Please choose one of the regions listed.",
            ));
        }
        sqlx::query(
            "INSERT INTO account_regions (email, region) VALUES ($1, $2)
             ON CONFLICT (email) DO UPDATE SET region = excluded.region",
        )
        .bind(&email)
        .bind(region)
        .execute(&self.state.db.write)
        .await
        .map_err(internal)?;
        self.view_as(&email, caller).await
    }

    /// Keeps `size` as the caller's size in `category`, or forgets it (`None`). Only a
    /// size the category's products come in is kept.
    pub async fn set_size(
        &self,
        caller: &Caller,
        category: &str,
        size: Option<&str>,
    ) -> Result<AccountView, ShopError> {
        let email = self.required(caller).await?;
        match size.map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                sqlx::query("DELETE FROM account_sizes WHERE email = $1 AND category = $2")
                    .bind(&email)
                    .bind(category)
                    .execute(&self.state.db.write)
                    .await
                    .map_err(internal)?;
            }
            Some(size) => {
                let offered = self.sizes(&email).await?;
                let Some(size) = offered
                    .iter()
                    .find(|c| c.category == category)
                    .and_then(|c| preselected_size(Some(size), &c.sizes))
                else {
                    return Err(ShopError::invalid(
                        Field::Size,
                        "Please choose one of the sizes listed for that category.",
                    ));
                };
                sqlx::query(
                    "INSERT INTO account_sizes (email, category, size) VALUES ($1, $2, $3)
                     ON CONFLICT (email, category) DO UPDATE SET size = excluded.size",
                )
                .bind(&email)
                .bind(category)
                .bind(size)
                .execute(&self.state.db.write)
                .await
                .map_err(internal)?;
            }
        }
        self.view_as(&email, caller).await
    }

    /// What checkout fills in for a signed-in caller: their address and saved delivery
    /// addresses; `None` when they are not signed in.
    pub async fn checkout_profile(
        &self,
        caller: &Caller,
    ) -> Result<Option<CheckoutProfile>, ShopError> {
        let Some(email) = self.signed_in(caller).await? else {
            return Ok(None);
        };
        Ok(Some(CheckoutProfile {
            addresses: self.saved_addresses(&email).await?,
            email,
        }))
    }
}

/// Keeps `address` (with `phone`) for `email`'s checkouts, on the order's transaction:
/// the same address saved again is refreshed, and past [`MAX_SAVED_ADDRESSES`] the one
/// used longest ago is forgotten.
pub(crate) async fn save_address(
    conn: &mut crate::db::Conn,
    email: &str,
    address: &Address,
    phone: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO saved_addresses (email, same, name, line1, line2, city, postcode, country, phone, used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (email, same) DO UPDATE SET used_at = excluded.used_at",
    )
    .bind(email)
    .bind(address_key(address, phone))
    .bind(address.name.trim())
    .bind(address.line1.trim())
    .bind(address.line2.trim())
    .bind(address.city.trim())
    .bind(address.postcode.trim())
    .bind(&address.country)
    .bind(phone)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM saved_addresses WHERE email = $1 AND id NOT IN
           (SELECT id FROM saved_addresses WHERE email = $1 ORDER BY used_at DESC, id DESC LIMIT $2)",
    )
    .bind(email)
    .bind(i64::try_from(MAX_SAVED_ADDRESSES).unwrap_or(i64::MAX))
    .execute(conn)
    .await?;
    Ok(())
}
