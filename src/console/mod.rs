//! The staff's screens, apart from the shop's pages: the warehouse back-office
//! (`/warehouse`: pack, ship, receive stock, the returns desk) and the agent console: sign-in, the live queue of
//! chats and call-backs, each with the customer's page, cart and orders, replies,
//! closing, "done", and order look-up. It shares the shop's components (fields, the
//! event stream, the typing mark) but no shop page uses anything from here.

mod callback_panel;
mod chat_panel;
mod customer;
mod phone_order;
mod queue;
mod returns_desk;
mod sign_in;
mod warehouse;

use callback_panel::CallbackPanel;
use chat_panel::ChatPanel;
use customer::{CustomerContextView, OrderLookup};
pub use queue::AgentConsole;
pub use sign_in::{AgentSignIn, WarehouseSignIn};
pub use warehouse::WarehouseConsole;
