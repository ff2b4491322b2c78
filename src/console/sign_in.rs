//! Staff sign-in: `/agent/sign-in` for customer service, `/warehouse/sign-in` for the
//! distribution centres. Name and password, checked next to the field; each role has its
//! own accounts and session.

use crate::api::agent::AgentSignIn as AgentSignInFn;
use crate::api::warehouse::WarehouseSignIn as WarehouseSignInFn;
use crate::api::ShopError;
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::TextField;
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_navigate;

/// The form, for the server function `S` made from name and password by `make`; on
/// success it goes to `home`.
#[component]
fn StaffSignIn<S>(
    heading: &'static str,
    intro: &'static str,
    home: &'static str,
    name_label: &'static str,
    make: fn(String, String) -> S,
) -> impl IntoView
where
    S: ServerFn<Error = ShopError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    crate::components::browser::set_title(heading);
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sign_in = ServerAction::<S>::new();
    let error = last_error(sign_in);
    let navigate = use_navigate();
    after_each(sign_in, move |answer| match answer {
        Ok(_) => navigate(home, Default::default()),
        Err(_) => {
            password.set(String::new());
            focus_later("#staff-name");
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !sign_in.pending().get_untracked() {
            sign_in.dispatch(make(name.get_untracked(), password.get_untracked()));
        }
    };
    view! {
        <h1>{heading}</h1>
        <p>{intro}</p>
        <form class="agent-sign-in" on:submit=submit novalidate>
            <TextField
                id="staff-name"
                label=name_label
                value=name
                error=Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&Field::Name)))
                on_blur=|_| ()
                autocomplete="username"
            />
            <TextField
                id="staff-password"
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

/// `/agent/sign-in`.
#[component]
pub fn AgentSignIn() -> impl IntoView {
    view! {
        <StaffSignIn
            heading="Agent sign-in"
            intro="For Storefront's customer service team."
            home="/agent"
            name_label="Agent name"
            make=|name, password| AgentSignInFn { name, password }
        />
    }
}

/// `/warehouse/sign-in`.
#[component]
pub fn WarehouseSignIn() -> impl IntoView {
    view! {
        <StaffSignIn
            heading="Warehouse sign-in"
            intro="For the teams in Storefront's distribution centres."
            home="/warehouse"
            name_label="Staff name"
            make=|name, password| WarehouseSignInFn { name, password }
        />
    }
}
