//! The one error type every server function answers with.
//!
//! Each variant says what the shopper can do next; details for developers go to the
//! server log, never to the page. Use `Invalid` for input the shopper can correct (with
//! the field it belongs to), `OutOfStock` when stock ran short, `NotFound` for a missing
//! product or order, and `Internal` for everything else.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use storefront_domain::validation::{Field, FieldError};

/// Not enough stock for one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockProblem {
    pub variant_id: i64,
    pub requested: u32,
    pub available: u32,
}

impl StockProblem {
    /// The words shown next to the cart line.
    pub fn message(&self) -> String {
        match self.available {
            0 => "Sorry, this has just sold out. Please remove it to continue.".to_owned(),
            n => format!("Sorry, only {n} left. Please lower the quantity to continue."),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ShopError {
    #[error("Please check the details marked below.")]
    Invalid(Vec<FieldError>),
    #[error(
        "Sorry, some items are out of stock in the quantity you asked for. Nothing was charged."
    )]
    OutOfStock(Vec<StockProblem>),
    #[error("{0}")]
    NotFound(String),
    /// The card was declined or the bank's check was not completed; nothing was charged.
    #[error("{0}")]
    Declined(String),
    /// An agent function called without a signed-in agent.
    #[error("Please sign in to the agent console.")]
    SignInRequired,
    /// Too many requests from one sender in a short time; the words say when to retry.
    #[error("{0}")]
    TooMany(String),
    #[error("Something went wrong on our side and nothing was changed. Please try again in a moment, or call us.")]
    Internal,
    #[error("We couldn't reach the shop just now. Please check your connection and try again.")]
    Unreachable,
}

impl ShopError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            ShopError::Invalid(_) => 422,
            ShopError::OutOfStock(_) => 409,
            ShopError::NotFound(_) => 404,
            ShopError::Declined(_) => 402,
            ShopError::SignInRequired => 401,
            ShopError::TooMany(_) => 429,
            ShopError::Internal => 500,
            ShopError::Unreachable => 503,
        }
    }

    /// Whether this answer settles a checkout attempt for good: the order was refused
    /// for a reason the shopper can see (bad details, stock, a decline). After any other
    /// error (the shop or the connection failed, or too many tries) the order may or may
    /// not exist, so the browser asks again under the same key and gets the real answer.
    pub fn settles_attempt(&self) -> bool {
        match self {
            ShopError::Invalid(_)
            | ShopError::OutOfStock(_)
            | ShopError::NotFound(_)
            | ShopError::Declined(_)
            | ShopError::SignInRequired => true,
            ShopError::TooMany(_) | ShopError::Internal | ShopError::Unreachable => false,
        }
    }

    /// Sets [`Self::status_code`] on the response being built, if there is one.
    #[cfg(feature = "ssr")]
    pub fn set_response_status(&self) {
        if let (Some(options), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            axum::http::StatusCode::from_u16(self.status_code()),
        ) {
            options.set_status(status);
        }
    }

    /// One message for one field.
    pub fn invalid(field: Field, message: impl Into<String>) -> Self {
        ShopError::Invalid(vec![FieldError::new(field, message)])
    }

    /// The message for `field`, if this error has one.
    pub fn message_for(&self, field: &Field) -> Option<String> {
        match self {
            ShopError::Invalid(errors) => errors
                .iter()
                .find(|e| &e.field == field)
                .map(|e| e.message.clone()),
            ShopError::OutOfStock(problems) => match field {
                Field::Line(id) => problems
                    .iter()
                    .find(|p| p.variant_id == *id)
                    .map(StockProblem::message),
                _ => None,
            },
            ShopError::Declined(message) if *field == Field::Payment => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for ShopError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %value, "server function call failed outside its body");
        let error = match value {
            ServerFnErrorErr::Request(_) => ShopError::Unreachable,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => ShopError::invalid(
                Field::Cart,
                "The shop could not read that request. Please reload the page and try again.",
            ),
            // On the server, failing to deserialize means the request's arguments were bad.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => ShopError::invalid(
                Field::Cart,
                "The shop could not read that request. Please reload the page and try again.",
            ),
            // In the browser it means the answer was not the shop's (a timeout, a proxy's
            // error page): whether anything happened is unknown.
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::Response(_) => {
                ShopError::Unreachable
            }
            _ => ShopError::Internal,
        };
        #[cfg(feature = "ssr")]
        error.set_response_status();
        error
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn messages_find_their_field() {
        let e = ShopError::Invalid(vec![FieldError::new(Field::Email, "bad email")]);
        assert_eq!(e.message_for(&Field::Email).as_deref(), Some("bad email"));
        assert_eq!(e.message_for(&Field::City), None);
        let e = ShopError::OutOfStock(vec![StockProblem {
            variant_id: 4,
            requested: 3,
            available: 1,
        }]);
        assert_eq!(
            e.message_for(&Field::Line(4)).as_deref(),
            Some("Sorry, only 1 left. Please lower the quantity to continue.")
        );
    }

    #[test]
    fn only_refusals_the_shopper_can_see_settle_a_checkout_attempt() {
        let all = [
            ShopError::invalid(Field::Cart, "x"),
            ShopError::OutOfStock(vec![]),
            ShopError::NotFound("x".into()),
            ShopError::Declined("x".into()),
            ShopError::SignInRequired,
            ShopError::TooMany("x".into()),
            ShopError::Internal,
            ShopError::Unreachable,
        ];
        for e in all {
            let status = e.status_code();
            let refused = (400..500).contains(&status) && status != 429;
            assert_eq!(e.settles_attempt(), refused, "{e:?} ({status})");
        }
    }

    #[test]
    fn survives_the_wire() {
        let e = ShopError::OutOfStock(vec![StockProblem {
            variant_id: 1,
            requested: 1,
            available: 0,
        }]);
        assert_eq!(ShopError::de(e.ser()), e);
    }
}
