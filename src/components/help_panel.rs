//! The help panel, on every shop page including checkout. It can shrink to its bar
//! ("Need help?", "Call us", "Chat with us") but never leaves the screen; on a phone it
//! starts as that bar at the bottom, so it never covers the header, search or cart. It says whether the shop is open now, answers questions
//! about the page the shopper is on, searches every answer, and offers a chat with a
//! person and a call back.

use super::browser::now_unix;
use super::callback::CallbackSection;
use super::chat::ChatSection;
use super::part::{split_view, Deferred};
use super::shell_reads::read_phone_tel;
use super::storage;
use crate::api::support::get_help_content;
use crate::content::{Faq, HelpContent};
use crate::domain::date::uk_local;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

const OPEN_KEY: &str = "storefront.help.open";

/// What the first load holds of the help content: the number the bar's "Call us" dials
/// (built in, then the owner's current one), and a place for the whole content, filled
/// the first time a part shows it ([`use_help`]). The content, its reader and its rules'
/// words come with those parts.
#[derive(Clone, Copy)]
struct HelpState {
    phone_tel: RwSignal<String>,
    content: StoredValue<Option<RwSignal<HelpContent>>>,
    /// The app's own scope: the content outlives the part that first asked for it.
    owner: StoredValue<Owner>,
}

/// Called once by the app: the bar's number, current as soon as the server answers.
pub fn provide_help() {
    let phone_tel = RwSignal::new(crate::BUNDLED_PHONE_TEL.to_owned());
    provide_context(HelpState {
        phone_tel,
        content: StoredValue::new(None),
        owner: StoredValue::new(Owner::current().unwrap_or_default()),
    });
    leptos::task::spawn_local(async move {
        if let Some(current) = read_phone_tel().await {
            renew(phone_tel, current);
        }
    });
}

fn renew<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, current: T) {
    if signal.with_untracked(|now| *now != current) {
        signal.set(current);
    }
}

/// The number the help links dial (the bar's and the open panel's).
fn use_phone() -> RwSignal<String> {
    use_context::<HelpState>().map_or_else(
        || RwSignal::new(crate::BUNDLED_PHONE_TEL.to_owned()),
        |state| state.phone_tel,
    )
}

/// The help content: built in at first, replaced by the shop owner's current file as
/// soon as the server answers (asked the first time a page or the panel needs it).
pub fn use_help() -> RwSignal<HelpContent> {
    let Some(state) = use_context::<HelpState>() else {
        return RwSignal::new(HelpContent::bundled());
    };
    if let Some(help) = state.content.get_value() {
        return help;
    }
    let help = state
        .owner
        .with_value(|owner| owner.with(|| RwSignal::new(HelpContent::bundled())));
    state.content.set_value(Some(help));
    leptos::task::spawn_local(async move {
        if let Ok(current) = get_help_content().await {
            renew(state.phone_tel, current.phone_tel.clone());
            renew(help, current);
        }
    });
    help
}

/// The shop's phone number as a link's address ("Call us" on the bar and in the panel).
fn tel_href(phone: RwSignal<String>) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    move || phone.with(|tel| format!("tel:{tel}"))
}

/// Screens this narrow (the stylesheet's phone layout) start with the panel as a bar at
/// the bottom, so the shop comes first; wider ones have room for it beside the page.
const NARROW: &str = "(max-width: 800px)";

fn is_narrow() -> bool {
    window()
        .match_media(NARROW)
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Open unless the shopper closed it; on a narrow screen, closed unless they opened it.
fn saved_open() -> bool {
    match storage::load(OPEN_KEY).as_deref() {
        Some("true") => true,
        Some(_) => false,
        None => !is_narrow(),
    }
}

/// How tall the opened panel may be on a narrow screen: down from the header's bottom
/// edge (as the page lies now) to the foot of the screen, so it never covers the header.
fn room_below_header() -> Option<String> {
    let header = document().query_selector(".site-header").ok().flatten()?;
    let bottom = header.get_bounding_client_rect().bottom().max(0.0);
    let screen = window().inner_height().ok()?.as_f64()?;
    // Whole pixels: formatting a float would pull its ~16 kB formatter into the bundle.
    let px = (screen - bottom - 8.0).max(120.0) as i64;
    Some(format!("{px}px"))
}

/// The help panel beside every shop page.
#[component]
pub fn HelpPanel() -> impl IntoView {
    let open = RwSignal::new(saved_open());
    let chat_focus = RwSignal::new(false);
    let panel = NodeRef::<leptos::html::Aside>::new();
    Effect::new(move |_| {
        let value = if open.get() { "true" } else { "false" };
        storage::save(OPEN_KEY, value);
        if let Some(aside) = panel.get() {
            let room = open
                .get()
                .then(is_narrow)
                .filter(|n| *n)
                .and_then(|_| room_below_header());
            // Through the CSS object model: the page's CSP refuses style attributes.
            let style = aside.style();
            let _ = match room {
                Some(height) => style.set_property("max-height", &height),
                None => style.remove_property("max-height").map(|_| ()),
            };
        }
    });
    let tel = tel_href(use_phone());

    view! {
        <aside
            class="help-panel"
            class:help-panel--open=move || open.get()
            node_ref=panel
            aria-label="Help"
        >
            <div class="help-panel__bar">
                <button
                    class="help-panel__tab"
                    type="button"
                    aria-expanded=move || open.get().to_string()
                    aria-controls="help-panel-body"
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Hide help" } else { "Need help?" }}
                </button>
                // Closed, a call and a chat stay one tap away.
                <a class="help-panel__quick" href=tel hidden=move || open.get()>"Call us"</a>
                <button
                    class="help-panel__quick"
                    type="button"
                    hidden=move || open.get()
                    on:click=move |_| {
                        open.set(true);
                        chat_focus.set(true);
                    }
                >
                    "Chat with us"
                </button>
            </div>
            <div id="help-panel-body" class="help-panel__body" hidden=move || !open.get()>
                <Deferred when=open load=move || help_body(open, chat_focus) what="Help" />
            </div>
        </aside>
    }
}

// What the open panel shows is a part: on a phone, where the panel starts as its bar, it
// is fetched when the shopper opens it; on a wide screen, as soon as the shop starts.
split_view!(help_body(open: RwSignal<bool>, chat_focus: RwSignal<bool>), preload_help_body => view! { <HelpBody open chat_focus /> });

/// The open panel: whether the shop is open now, how to reach it, answers for this page,
/// the chat, the call-back form and every answer, searchable.
#[component]
fn HelpBody(open: RwSignal<bool>, chat_focus: RwSignal<bool>) -> impl IntoView {
    let help = use_help();
    let now = RwSignal::new(now_unix());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(now_unix()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    let status = Memo::new(move |_| {
        let (today, minute) = uk_local(now.get());
        help.with(|h| {
            let status = h.weekly_hours().status_at(today, minute);
            (status.is_open(), status.describe(today))
        })
    });
    let tel = tel_href(use_phone());
    let mailto = move || help.with(|h| format!("mailto:{}", h.email));
    view! {
        <h2 class="help-panel__title">"Need a hand? We're here."</h2>
        <p
            class="help-panel__status"
            class:help-panel__status--open=move || status.get().0
        >
            {move || status.get().1}
        </p>
        <ul class="help-panel__contact">
            <li>"Call us: " <a href=tel>{move || help.with(|h| h.phone_display.clone())}</a></li>
            <li>"Email: " <a href=mailto>{move || help.with(|h| h.email.clone())}</a></li>
        </ul>
        <details class="help-panel__hours">
            <summary>"Opening hours"</summary>
            <ul>
                {move || {
                    help.with(|h| {
                        h.hours
                            .iter()
                            .map(|row| view! { <li>{row.label()}</li> })
                            .collect::<Vec<_>>()
                    })
                }}
            </ul>
        </details>
        <PageHelp />
        <ChatSection shown=open focus=chat_focus />
        <CallbackSection />
        <FaqSearch />
        <p><a href="/help/returns">"Our return policy"</a></p>
    }
}

/// Answers for the kind of page the shopper is on (checkout, product, order…).
#[component]
fn PageHelp() -> impl IntoView {
    let help = use_help();
    let location = use_location();
    let section = Memo::new(move |_| {
        let path = location.pathname.get();
        help.with(|h| h.for_page(&path).cloned())
    });
    move || {
        section.get().map(|s| {
            view! {
                <section class="help-panel__page" aria-labelledby="page-help-heading">
                    <h3 id="page-help-heading">{s.title}</h3>
                    <FaqList answers=s.answers />
                </section>
            }
        })
    }
}

/// Every answer, searchable as the shopper types; all general answers before a search.
#[component]
fn FaqSearch() -> impl IntoView {
    let help = use_help();
    let query = RwSignal::new(String::new());
    let answers = Memo::new(move |_| {
        let q = query.get();
        help.with(|h| {
            if q.trim().is_empty() {
                h.faq.clone()
            } else {
                h.search(&q).into_iter().cloned().collect()
            }
        })
    });
    view! {
        <section class="help-panel__answers" aria-labelledby="faq-heading">
            <h3 id="faq-heading">"Quick answers"</h3>
            <label for="faq-search">"Search our answers"</label>
            <input id="faq-search" type="search" autocomplete="off" bind:value=query />
            <p class="visually-hidden" role="status">
                {move || {
                    if query.get().trim().is_empty() {
                        String::new()
                    } else {
                        match answers.get().len() {
                            0 => "No answers found".to_owned(),
                            1 => "1 answer found".to_owned(),
                            n => format!("{n} answers found"),
                        }
                    }
                }}
            </p>
            {move || {
                    let found = answers.get();
                    if found.is_empty() {
                        return view! {
                            <p>"No answer matches that yet. Ask us in the chat, or call: we're glad to help."</p>
                        }
                        .into_any();
                    }
                    view! { <FaqList answers=found /> }.into_any()
                }}
        </section>
    }
}

/// Questions that open to their answers.
#[component]
fn FaqList(answers: Vec<Faq>) -> impl IntoView {
    view! {
        <div class="help-panel__faq">
            {answers
                .into_iter()
                .map(|f| {
                    view! {
                        <details>
                            <summary>{f.question}</summary>
                            <p>{f.answer}</p>
                        </details>
                    }
                })
                .collect::<Vec<_>>()}
        </div>
    }
}
