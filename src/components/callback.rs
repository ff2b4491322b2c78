//! "Call me back": a number, a time that suits (only times we are open), a topic. It is
//! checked as the server will check it, lands in the agents' queue, and the shopper gets
//! a reference. The form is a part of its own (`super::part`), fetched when the shopper
//! asks for it (or points at the button): most shoppers never do.

use super::browser::focus_later;
use super::chat::shopper_context;
use super::notice::general_error;
use super::part::{preload, split_view, Deferred};
use super::write::after_each;
use super::{SelectField, TextArea, TextField};
use crate::api::support::{get_call_slots, CallbackConfirmation, RequestCallback};
use crate::api::ShopError;
use crate::domain::callback::{check_callback, CallSlot, CallbackRequest, CALLBACK_TOPICS};
use crate::domain::validation::{Field, SHIPPING_COUNTRIES};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn slot_value(slot: &CallSlot) -> String {
    format!("{}|{}", slot.day, slot.window.key())
}

split_view!(
    callback_form(expanded: RwSignal<bool>, done: RwSignal<Option<CallbackConfirmation>>),
    preload_callback_form => view! { <CallbackForm expanded done /> }
);

/// The call-back section of the help panel: what it offers and the button that opens the
/// form; a request's confirmation and reference stay here after the form closes.
#[component]
pub fn CallbackSection() -> impl IntoView {
    let expanded = RwSignal::new(false);
    let done = RwSignal::new(None::<CallbackConfirmation>);
    view! {
        <section class="callback" aria-labelledby="callback-heading">
            <h3 id="callback-heading">"Call me back"</h3>
            {move || done.get().map(|c| view! {
                <div class="callback__done" role="status" tabindex="-1">
                    <p>
                        "Thank you. We'll call " {c.phone} " on " {c.when} " about “" {c.topic} "”."
                    </p>
                    <p>"Your reference is " <strong>{c.reference}</strong> "."</p>
                </div>
            })}
            <p>"Tell us when suits you and we'll ring, free, while we're open."</p>
            <button
                type="button"
                class="button"
                aria-expanded=move || expanded.get().to_string()
                aria-controls="callback-form"
                on:pointerenter=|_| preload(preload_callback_form)
                on:focus=|_| preload(preload_callback_form)
                on:click=move |_| expanded.update(|e| *e = !*e)
            >
                {move || if done.get().is_some() { "Ask for another call" } else { "Ask us to call you" }}
            </button>
            <Deferred
                when=expanded
                load=move || callback_form(expanded, done)
                what="The call-back form"
            />
        </section>
    }
}

/// The form itself: shown while `expanded`; a request made puts its confirmation in
/// `done` and closes it.
#[component]
fn CallbackForm(
    expanded: RwSignal<bool>,
    done: RwSignal<Option<CallbackConfirmation>>,
) -> impl IntoView {
    let slots = RwSignal::new(Vec::<CallSlot>::new());
    let name = RwSignal::new(String::new());
    let country = RwSignal::new("GB".to_owned());
    let phone = RwSignal::new(String::new());
    let when = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ShopError>);
    let send = ServerAction::<RequestCallback>::new();
    let context = shopper_context();

    let load_slots = move || {
        spawn_local(async move {
            if let Ok(found) = get_call_slots().await {
                slots.set(found);
            }
        });
    };
    // Each time it opens (the first time too: it is fetched then): today's times, and
    // the first field focused.
    Effect::new(move |_| {
        if expanded.get() {
            load_slots();
            focus_later("#callback-name");
        }
    });

    let request = move || {
        let (day, window) = when
            .get_untracked()
            .split_once('|')
            .map(|(d, w)| (d.to_owned(), w.to_owned()))
            .unwrap_or_default();
        CallbackRequest {
            name: name.get_untracked(),
            country: country.get_untracked(),
            phone: phone.get_untracked(),
            day,
            window,
            topic: topic.get_untracked(),
            note: note.get_untracked(),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if send.pending().get_untracked() {
            return;
        }
        let req = request();
        // The same rules the server runs, so mistakes show before anything is sent.
        if let Err(errors) = slots.with_untracked(|s| check_callback(&req, s)) {
            error.set(Some(ShopError::Invalid(errors)));
            focus_later(".callback [aria-invalid='true']");
            return;
        }
        send.dispatch(RequestCallback {
            request: req,
            context: context(),
        });
    };
    after_each(send, move |answer| match answer {
        Ok(confirmation) => {
            error.set(None);
            done.set(Some(confirmation));
            expanded.set(false);
            focus_later(".callback__done");
        }
        Err(e) => {
            // A time that passed while the form was open: offer the current ones.
            if e.message_for(&Field::CallTime).is_some() {
                load_slots();
            }
            error.set(Some(e));
            focus_later(".callback [aria-invalid='true'], .callback .form-error");
        }
    });

    let field_error =
        move |field: Field| Signal::derive(move || error.with(|e| e.as_ref()?.message_for(&field)));
    let country_options = Signal::derive(|| {
        SHIPPING_COUNTRIES
            .iter()
            .map(|c| (c.code.to_owned(), c.name.to_owned()))
            .collect::<Vec<_>>()
    });
    let phone_hint = Signal::derive(move || {
        let code = country.get();
        let example = SHIPPING_COUNTRIES
            .iter()
            .find(|c| c.code == code)
            .map_or("07700 900123", |c| c.phone_example);
        format!("like {example}")
    });
    let when_options = Signal::derive(move || {
        let mut options = vec![(String::new(), "Choose a time".to_owned())];
        options.extend(slots.get().iter().map(|s| (slot_value(s), s.label())));
        options
    });
    let topic_options = Signal::derive(|| {
        let mut options = vec![(String::new(), "Choose a topic".to_owned())];
        options.extend(
            CALLBACK_TOPICS
                .iter()
                .map(|t| ((*t).to_owned(), (*t).to_owned())),
        );
        options
    });

    view! {
        <form id="callback-form" class="callback__form" hidden=move || !expanded.get() on:submit=submit novalidate>
            <TextField
                id="callback-name"
                label="Your name"
                value=name
                error=field_error(Field::Name)
                on_blur=|_| ()
                autocomplete="name"
            />
            <SelectField
                id="callback-country"
                label="Country of the number"
                value=country
                options=country_options
                error=field_error(Field::Country)
            />
            <TextField
                id="callback-phone"
                label="Number to call"
                hint=phone_hint
                value=phone
                error=field_error(Field::Phone)
                on_blur=|_| ()
                kind="tel"
                autocomplete="tel"
            />
            <SelectField
                id="callback-when"
                label="When should we call? (UK time)"
                value=when
                options=when_options
                error=field_error(Field::CallTime)
            />
            <SelectField
                id="callback-topic"
                label="What is it about?"
                value=topic
                options=topic_options
                error=field_error(Field::Topic)
            />
            <TextArea
                id="callback-note"
                label="Anything we should know first? (optional)"
                value=note
                error=field_error(Field::Message)
            />
            <p class="form-error" role="alert">
                {move || {
                    error.with(|e| {
                        e.as_ref().and_then(|e| {
                            general_error(e, &[Field::Name, Field::Country, Field::Phone, Field::CallTime, Field::Topic, Field::Message])
                        })
                    })
                }}
            </p>
            <button type="submit" class="button button--primary" disabled=move || send.pending().get()>"Request a call back"</button>
        </form>
    }
}
