//! What the shop offers when a variant is gone: similar things in stock now, and one
//! email when it is back (only if the shopper ticks the box).

use super::part::{split_view, Deferred};
use super::{use_region, ProductGrid, TextField};
use crate::api::stock::{get_alternatives, NotifyWhenBack, BACK_IN_STOCK_CONSENT};
use crate::api::ShopError;
use crate::domain::validation::Field;
use leptos::prelude::*;

/// "In stock instead": up to four similar products that can ship to the shopper now.
#[component]
pub fn InStockInstead(
    variant_id: i64,
    /// The heading's id, unique on the page.
    #[prop(default = "alternatives-heading".to_owned())]
    heading_id: String,
) -> impl IntoView {
    let region = use_region();
    let alternatives = LocalResource::new(move || get_alternatives(variant_id, region.0.get()));
    let heading_id = StoredValue::new(heading_id);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (labelled_by, id) = (heading_id.get_value(), heading_id.get_value());
                alternatives.await.ok().filter(|a| !a.is_empty()).map(move |products| view! {
                    <section class="alternatives" aria-labelledby=labelled_by>
                        <h2 id=id>"In stock instead"</h2>
                        <ProductGrid products=products />
                    </section>
                })
            })}
        </Suspense>
    }
}

split_view!(
    alternatives_part(variant_id: i64, heading_id: String),
    preload_alternatives_part => view! { <InStockInstead variant_id heading_id /> }
);

/// [`InStockInstead`] as a part of its own: most pages never show it (only a sold-out
/// variant or a cart line asking for similar items does).
#[component]
pub fn InStockInsteadPart(
    variant_id: i64,
    /// The heading's id, unique on the page.
    #[prop(default = "alternatives-heading".to_owned())]
    heading_id: String,
) -> impl IntoView {
    let heading_id = StoredValue::new(heading_id);
    view! {
        <Deferred
            when=true
            load=move || alternatives_part(variant_id, heading_id.get_value())
            what="Similar items in stock"
        />
    }
}

split_view!(
    notify_form(variant_id: i64),
    preload_notify_form => view! { <NotifyWhenBackForm variant_id /> }
);

/// "Tell me when it's back" for a sold-out variant, as a part of its own: most product
/// pages open on something in stock and never need it.
#[component]
pub fn NotifyWhenBackPart(variant_id: i64) -> impl IntoView {
    view! {
        <Deferred when=true load=move || notify_form(variant_id) what="The back-in-stock form" />
    }
}

/// "Tell me when it's back": an email address and an unticked consent box.
#[component]
pub fn NotifyWhenBackForm(variant_id: i64) -> impl IntoView {
    let action = ServerAction::<NotifyWhenBack>::new();
    view! {
        <SignUpForm
            id="notify-email"
            heading="Tell me when it's back"
            consent=BACK_IN_STOCK_CONSENT
            pending=action.pending()
            answer=action.value()
            send=Callback::new(move |(email, consent)| {
                action.dispatch(NotifyWhenBack { variant_id, email, consent });
            })
        />
    }
}

/// A request to be emailed about something: an email address and an unticked consent
/// box (`consent`, the words ticked), each problem shown by its field. `send` gets the
/// address and the box; `answer` is the shop's.
#[component]
pub fn SignUpForm(
    /// The email field's id, unique on the page; the form's other ids start with it.
    id: &'static str,
    /// The form's heading, and its button's words.
    heading: &'static str,
    consent: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] answer: Signal<Option<Result<String, ShopError>>>,
    send: Callback<(String, bool)>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let ticked = RwSignal::new(false);
    let error_for = move |field: Field| {
        move || {
            answer.get().and_then(|r| r.err()).and_then(|e| match e {
                ShopError::Invalid(_) => e.message_for(&field),
                other if field == Field::Email => Some(other.to_string()),
                _ => None,
            })
        }
    };
    let done = move || answer.get().and_then(Result::ok);
    let email_error = Signal::derive(error_for(Field::Email));
    let consent_error = Signal::derive(error_for(Field::Consent));
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    let consent_id = format!("{id}-consent");
    view! {
        <form
            class="notify"
            aria-labelledby=labelled_by
            novalidate=true
            on:submit=move |ev| {
                ev.prevent_default();
                if !pending.get_untracked() {
                    send.run((email.get_untracked(), ticked.get_untracked()));
                }
            }
        >
            <h2 id=heading_id>{heading}</h2>
            <TextField
                id=id
                label="Your email"
                kind="email"
                autocomplete="email"
                value=email
                error=email_error
                on_blur=|_| {}
            />
            <div class="field field--check" class:field--invalid=move || consent_error.get().is_some()>
                <input
                    id=consent_id.clone()
                    type="checkbox"
                    bind:checked=ticked
                    aria-invalid=move || consent_error.get().is_some().to_string()
                    aria-describedby=format!("{consent_id}-error")
                />
                <label for=consent_id.clone()>{consent}</label>
                <p id=format!("{consent_id}-error") class="field__error">{move || consent_error.get()}</p>
            </div>
            <button class="button" type="submit" disabled=move || pending.get()>
                {heading}
            </button>
            <p class="notify__done" role="status">{done}</p>
        </form>
    }
}
