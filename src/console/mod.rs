//! The staff app, apart from the shop: its own bundle (`staff.html`, the
//! `storefront-staff` binary), served at `/agent` and `/warehouse`, so shoppers never
//! download it. The warehouse back-office (`/warehouse`: pack, ship, receive stock, the
//! returns desk) and the agent console: sign-in, the live queue of chats and
//! call-backs, each with the customer's page, cart and orders, replies, closing,
//! "done", order look-up, changes, returns and orders by phone. It shares the shop's
//! components (fields, the event stream, the change form) but no shop page or the
//! shop's app uses anything from here.

mod callback_panel;
mod chat_panel;
mod customer;
mod offers_mail;
mod phone_order;
mod queue;
mod returns_desk;
mod review_queue;
mod sign_in;
mod warehouse;

use callback_panel::CallbackPanel;
use chat_panel::ChatPanel;
use customer::{CustomerContextView, OrderLookup};
pub use queue::AgentConsole;
pub use sign_in::{AgentSignIn, WarehouseSignIn};
pub use warehouse::WarehouseConsole;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The staff app: the console's routes under a plain staff header. Links to the shop
/// are plain links to another app (`rel="external"`: the router leaves them to the
/// browser).
#[component]
pub fn StaffApp() -> impl IntoView {
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="staff-header">
                <p class="staff-header__name">"Storefront staff"</p>
                <nav aria-label="Staff screens" class="staff-header__nav">
                    <a href="/agent">"Agent console"</a>
                    <a href="/warehouse">"Warehouse"</a>
                    <a href="/" rel="external">"The shop"</a>
                </nav>
            </header>
            <main id="main" class="staff-main" tabindex="-1">
                <Routes fallback=StaffNotFound>
                    <Route path=path!("/agent") view=AgentConsole />
                    <Route path=path!("/agent/sign-in") view=AgentSignIn />
                    <Route path=path!("/warehouse") view=WarehouseConsole />
                    <Route path=path!("/warehouse/sign-in") view=WarehouseSignIn />
                </Routes>
            </main>
        </Router>
    }
}

/// A staff address that isn't a staff screen.
#[component]
fn StaffNotFound() -> impl IntoView {
    crate::components::browser::set_title("Not a staff page");
    view! {
        <h1>"There's no staff screen here"</h1>
        <p>
            <a href="/agent">"The agent console"</a>", "<a href="/warehouse">"the warehouse"</a>
            " or "<a href="/" rel="external">"the shop"</a>"."
        </p>
    }
}

/// Starts the staff app.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(StaffApp);
}
