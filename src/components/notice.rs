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

/// What a page says when its part of the app couldn't be fetched (the connection dropped
/// on the way): the rest of the shop keeps working, and trying again fetches it afresh.
#[component]
pub fn PartNotLoaded() -> impl IntoView {
    view! {
        <div class="notice notice--error" role="alert">
            <h1>"This page didn't load"</h1>
            <p>"The connection dropped on the way. Your cart is safe."</p>
            <p>
                <button type="button" class="button" on:click=move |_| {
                    let _ = window().location().reload();
                }>"Try again"</button>
                " or "
                <a href="/">"go to the home page"</a>
                "."
            </p>
        </div>
    }
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
