//! What a shopper sees while something loads or when it fails.

use crate::api::ShopError;
use crate::domain::validation::Field;
use leptos::prelude::*;

/// A quiet loading line (announced politely to screen readers).
#[component]
pub fn Loading(
    /// What is loading, e.g. "products".
    #[prop(into)]
    what: String,
) -> impl IntoView {
    view! { <p class="notice notice--loading" role="status">{format!("Loading {what}…")}</p> }
}

/// The fallback of every `<ErrorBoundary>`: the shop's own words, and what to do next.
pub fn error_fallback(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        errors.with(|errors| {
            errors
                .iter()
                .map(|(_, e)| view! { <p>{e.to_string()}</p> })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="notice notice--error" role="alert">
            {messages}
            <p>
                "You can "
                <a href="/">"go to the home page"</a>
                ", search above, or use the help panel to reach a person."
            </p>
        </div>
    }
}

/// A general message for errors that belong to no field here.
pub fn general_error(error: &ShopError, fields: &[Field]) -> Option<String> {
    match error {
        ShopError::Invalid(errs) if errs.iter().all(|e| fields.contains(&e.field)) => None,
        other => Some(other.to_string()),
    }
}
