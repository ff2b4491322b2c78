//! `/agent/sign-in`: the agent's name and password, checked next to the field.

use crate::api::agent::agent_sign_in;
use crate::api::ShopError;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::TextField;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

/// `/agent/sign-in`.
#[component]
pub fn AgentSignIn() -> impl IntoView {
    crate::components::browser::set_title("Agent sign-in");
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let sending = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        let navigate = navigate.clone();
        let (n, p) = (name.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match agent_sign_in(n, p).await {
                Ok(_) => navigate("/agent", Default::default()),
                Err(e) => {
                    password.set(String::new());
                    error.set(Some(e));
                    focus_later("#agent-name");
                }
            }
            sending.set(false);
        });
    };
    view! {
        <h1>"Agent sign-in"</h1>
        <p>"For Storefront's customer service team."</p>
        <form class="agent-sign-in" on:submit=submit novalidate>
            <TextField
                id="agent-name"
                label="Agent name"
                value=name
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Name)))
                on_blur=|_| ()
                autocomplete="username"
            />
            <TextField
                id="agent-password"
                label="Password"
                value=password
                error=Signal::derive(|| None)
                on_blur=|_| ()
                kind="password"
                autocomplete="current-password"
            />
            <p class="form-error" role="alert">
                {move || error.with(|e| e.as_ref().and_then(|e| general_error(e, &[Field::Name])))}
            </p>
            <button type="submit" class="button button--primary" disabled=move || sending.get()>
                "Sign in"
            </button>
        </form>
    }
}
