//! `/agent/sign-in`: the agent's name and password, checked next to the field.

use crate::api::agent::AgentSignIn;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::TextField;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// `/agent/sign-in`.
#[component]
pub fn AgentSignIn() -> impl IntoView {
    crate::components::browser::set_title("Agent sign-in");
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sign_in = ServerAction::<AgentSignIn>::new();
    let error = last_error(sign_in);
    let navigate = use_navigate();
    after_each(sign_in, move |answer| match answer {
        Ok(_) => navigate("/agent", Default::default()),
        Err(_) => {
            password.set(String::new());
            focus_later("#agent-name");
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !sign_in.pending().get_untracked() {
            sign_in.dispatch(AgentSignIn {
                name: name.get_untracked(),
                password: password.get_untracked(),
            });
        }
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
            <button type="submit" class="button button--primary" disabled=move || sign_in.pending().get()>
                "Sign in"
            </button>
        </form>
    }
}
