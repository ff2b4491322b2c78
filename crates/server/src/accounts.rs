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
    link_mail, link_refused, link_sent_answer, oldest_valid_link, session_seconds,
    LINKS_PER_ADDRESS, LINKS_PER_SENDER,
};
use storefront_domain::order::OrderStatus;
use storefront_domain::rate::minutes_to_wait;
use storefront_domain::validation::{check_email, Field};
use storefront_model::account::{AccountOrder, AccountView};
use storefront_model::ShopError;

/// Characters in a link's token.
const TOKEN_LEN: usize = 32;

pub struct Accounts<'a> {
    state: &'a AppState,
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
            .map_err(too_many)?;
        desk.limit(
            &format!("sign-in:{}", email.to_lowercase()),
            LINKS_PER_ADDRESS,
        )
        .map_err(too_many)?;
        let token = super::random_token(TOKEN_LEN);
        let link = format!(
            "{}/account/sign-in?token={token}",
            self.state.config.public_url.trim_end_matches('/')
        );
        let (subject, body) = link_mail(&link);
        let now = unix_now();
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
        async {
            // Old links are no use to anyone: cleared as new ones are made.
            sqlx::query("DELETE FROM sign_in_links WHERE created_at <= ?")
                .bind(oldest_valid_link(now))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sign_in_links (email, token_hash, created_at) VALUES (?, ?, ?)",
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
        let mut tx = self.state.db.write.begin().await.map_err(internal)?;
        let email: Option<String> = sqlx::query_scalar(
            "UPDATE sign_in_links SET used_at = ?
             WHERE token_hash = ? AND used_at IS NULL AND created_at > ? AND created_at <= ?
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
        sqlx::query("DELETE FROM account_sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        sqlx::query(
            "INSERT INTO account_sessions (email, key_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
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
        self.view_for(&email).await
    }

    /// The verified address of the caller's session, if they are signed in.
    pub async fn signed_in(&self, caller: &Caller) -> Result<Option<String>, ShopError> {
        let Some(key) = session::cookie(&caller.headers, ACCOUNT_COOKIE) else {
            return Ok(None);
        };
        sqlx::query_scalar(
            "SELECT email FROM account_sessions WHERE key_hash = ? AND expires_at > ?",
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
            Some(email) => Ok(Some(self.view_for(&email).await?)),
            None => Ok(None),
        }
    }

    /// Ends the caller's session, here and on the server.
    pub async fn sign_out(&self, caller: &Caller) -> Result<(), ShopError> {
        if let Some(key) = session::cookie(&caller.headers, ACCOUNT_COOKIE) {
            sqlx::query("DELETE FROM account_sessions WHERE key_hash = ?")
                .bind(session::digest(&key))
                .execute(&self.state.db.write)
                .await
                .map_err(internal)?;
        }
        session::send_cookie(session::set_cookie_value(ACCOUNT_COOKIE, "", 0));
        Ok(())
    }

    async fn view_for(&self, email: &str) -> Result<AccountView, ShopError> {
        let rows: Vec<(String, String, i64, i64, String, i64)> = sqlx::query_as(
            "SELECT o.number, o.status, o.placed_at, o.total_minor, o.currency,
                    COALESCE((SELECT SUM(quantity) FROM order_lines l WHERE l.order_id = o.id), 0)
             FROM orders o WHERE o.email = ? COLLATE NOCASE ORDER BY o.placed_at DESC, o.id DESC",
        )
        .bind(email)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        Ok(AccountView {
            email: email.to_owned(),
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
        })
    }
}
