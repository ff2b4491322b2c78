//! Checkout in steps — contact, delivery, payment, review — then the confirmation page.
//! Each step has its own address, so back and forward work; what was typed is kept for
//! this tab (session storage), so a reload loses nothing. Card numbers are never kept:
//! only the gateway's token, brand and last four digits.

mod contact;
mod delivery;
mod payment;
mod review;

use contact::ContactStep;
use delivery::DeliveryStep;
use payment::PaymentStep;
use review::ReviewStep;

use crate::api::account::{get_checkout_profile, CheckoutProfile};
use crate::api::checkout::CardToken;
use crate::components::browser::{focus_later, in_own_task, Later};
use crate::components::storage::{forget_for_tab, load_for_tab, save_for_tab};
use crate::components::text_field::TextValue;
use crate::components::use_region;
use crate::domain::delivery::DeliveryOption;
use crate::domain::location::region_for_address;
use crate::domain::validation::{
    check_details, check_email, check_postcode, shipping_country, CheckoutDetails, Country, Field,
    FieldError, SHIPPING_COUNTRIES,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::components::storage::CHECKOUT_KEY as SAVED_KEY;

/// The steps, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Contact,
    Delivery,
    Payment,
    Review,
}

impl Step {
    const ALL: [Step; 4] = [Step::Contact, Step::Delivery, Step::Payment, Step::Review];

    fn title(self) -> &'static str {
        match self {
            Step::Contact => "Contact",
            Step::Delivery => "Delivery",
            Step::Payment => "Payment",
            Step::Review => "Review",
        }
    }

    /// The step an address names (`contact` for `/checkout/contact`).
    fn named(name: &str) -> Option<Step> {
        Step::ALL
            .into_iter()
            .find(|s| s.path().strip_prefix("/checkout/") == Some(name))
    }

    fn path(self) -> &'static str {
        match self {
            Step::Contact => "/checkout/contact",
            Step::Delivery => "/checkout/delivery",
            Step::Payment => "/checkout/payment",
            Step::Review => "/checkout/review",
        }
    }
}

/// What this tab remembers of the checkout (a new field of `CheckoutDetails` is
/// remembered without a change here).
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct Saved {
    details: CheckoutDetails,
    delivery: DeliveryOption,
    offers: bool,
    save_address: bool,
    card: Option<CardToken>,
    accept_backorder: bool,
    key: Option<String>,
}

/// The checkout's entries, shared by the steps: what the shopper typed as the one
/// `CheckoutDetails` the server checks, and their choices beside it.
#[derive(Clone, Copy)]
pub struct CheckoutForm {
    /// Contact and delivery details, exactly as they are sent.
    pub details: RwSignal<CheckoutDetails>,
    pub delivery: RwSignal<DeliveryOption>,
    /// "Send me offers": never ticked until the shopper ticks it.
    pub offers: RwSignal<bool>,
    /// "Save this address in my account" (signed in only): never ticked until ticked.
    pub save_address: RwSignal<bool>,
    /// The signed-in customer's address and saved delivery addresses, once asked
    /// (`None` for a guest, and until the answer arrives).
    pub profile: RwSignal<Option<CheckoutProfile>>,
    pub card: RwSignal<Option<CardToken>>,
    pub accept_backorder: RwSignal<bool>,
    /// The current attempt's idempotency key, once the order was first submitted.
    pub key: RwSignal<Option<String>>,
    /// Set once the order is placed: nothing more is saved.
    finished: RwSignal<bool>,
}

impl CheckoutForm {
    fn load() -> Self {
        let mut saved: Saved = load_for_tab(SAVED_KEY)
            .and_then(|text| serde_json::from_slice(text.as_bytes()).ok())
            .unwrap_or_default();
        if saved.details.address.country.is_empty() {
            SHIPPING_COUNTRIES[0]
                .code
                .clone_into(&mut saved.details.address.country);
        }
        Self {
            details: RwSignal::new(saved.details),
            delivery: RwSignal::new(saved.delivery),
            offers: RwSignal::new(saved.offers),
            save_address: RwSignal::new(saved.save_address),
            profile: RwSignal::new(None),
            card: RwSignal::new(saved.card),
            accept_backorder: RwSignal::new(saved.accept_backorder),
            key: RwSignal::new(saved.key),
            finished: RwSignal::new(false),
        }
    }

    pub fn details(&self) -> CheckoutDetails {
        self.details.get()
    }

    /// One text part of the details, for a field to show and edit.
    pub fn text(
        &self,
        get: fn(&CheckoutDetails) -> &String,
        set: fn(&mut CheckoutDetails) -> &mut String,
    ) -> TextValue {
        TextValue::part(self.details, get, set)
    }

    fn saved(&self) -> Saved {
        Saved {
            details: self.details.get(),
            delivery: self.delivery.get(),
            offers: self.offers.get(),
            save_address: self.save_address.get(),
            card: self.card.get(),
            accept_backorder: self.accept_backorder.get(),
            key: self.key.get(),
        }
    }

    /// The delivery country (the first the shop ships to until one is chosen).
    pub fn country(&self) -> &'static Country {
        self.details
            .with(|d| shipping_country(&d.address.country))
            .unwrap_or(&SHIPPING_COUNTRIES[0])
    }

    /// The first step not yet done.
    fn first_to_do(&self) -> Step {
        if self.details.with(|d| check_email(&d.email).is_err()) {
            Step::Contact
        } else if check_details(&self.details()).is_err() {
            Step::Delivery
        } else if self.card.with(Option::is_none) {
            Step::Payment
        } else {
            Step::Review
        }
    }

    /// Forgets everything typed (after the order is placed).
    pub fn forget(&self) {
        self.finished.set(true);
        forget_for_tab(SAVED_KEY);
    }
}

pub fn use_checkout() -> CheckoutForm {
    expect_context::<CheckoutForm>()
}

/// The frame around every step: the heading, the progress and the step itself.
#[component]
pub fn CheckoutLayout() -> impl IntoView {
    let form = CheckoutForm::load();
    provide_context(form);
    // Everything typed survives a reload of this tab: saved at every change (not on the
    // first run, when it holds what was just read back, so the first frame needn't wait).
    Effect::new(move |previous_run: Option<()>| {
        if form.finished.get() {
            return;
        }
        let saved = form.saved();
        if previous_run.is_some() {
            if let Ok(text) = serde_json::to_string(&saved) {
                save_for_tab(SAVED_KEY, &text);
            }
        }
    });
    // The delivery address decides the nearest centre and the dates shown.
    let region = use_region();
    Effect::new(move |_| {
        let country = form.country();
        let postcode = form.details.with(|d| d.address.postcode.clone());
        let found = check_postcode(country, &postcode)
            .ok()
            .and_then(|p| region_for_address(country.code, &p));
        if let Some(r) = found {
            if region.0.get_untracked() != r.code {
                region.0.set(r.code.to_owned());
            }
        }
    });
    // A signed-in customer: their address for the receipt, and their saved addresses.
    // Asked after the first frame, which needn't wait for the request to start.
    in_own_task(move || {
        leptos::task::spawn_local(async move {
            if let Ok(Some(profile)) = get_checkout_profile().await {
                if form.details.with_untracked(|d| d.email.trim().is_empty()) {
                    form.details.update(|d| d.email.clone_from(&profile.email));
                }
                form.profile.set(Some(profile));
            }
        });
    });
    // One route for every step (`/checkout/:step?`): moving between steps keeps this frame
    // and the form; each step's own view is made anew.
    let params = use_params_map();
    let step = Memo::new(move |_| params.with(|p| p.get_str("step").and_then(Step::named)));
    view! {
        <h1>"Checkout"</h1>
        <Progress current=step />
        // The step, in a task after its frame's (components::browser::Later).
        <Later>
            {move || match step.get() {
                Some(Step::Contact) => view! { <ContactStep /> }.into_any(),
                Some(Step::Delivery) => view! { <DeliveryStep /> }.into_any(),
                Some(Step::Payment) => view! { <PaymentStep /> }.into_any(),
                Some(Step::Review) => view! { <ReviewStep /> }.into_any(),
                None => view! { <CheckoutStart /> }.into_any(),
            }}
        </Later>
    }
}

/// `/checkout` (or a step that doesn't exist): straight to the first step not done yet.
#[component]
fn CheckoutStart() -> impl IntoView {
    let form = use_checkout();
    let navigate = use_navigate();
    // Once, from what was known on arrival (details filled in later, such as a signed-in
    // customer's address, don't move the shopper on by themselves).
    Effect::new(move |_| {
        navigate(
            untrack(|| form.first_to_do()).path(),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    });
}

/// Sends the shopper back to the first step not done, if it comes before `step`.
fn require_steps_before(step: Step) {
    let form = use_checkout();
    let navigate = use_navigate();
    Effect::new(move |_| {
        let first = form.first_to_do();
        if first < step {
            navigate(
                first.path(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
}

/// Where the shopper is in the checkout: steps done are links back.
#[component]
fn Progress(
    /// The step shown (none while `/checkout` finds the first not done).
    #[prop(into)]
    current: Signal<Option<Step>>,
) -> impl IntoView {
    let form = use_checkout();
    view! {
        <nav class="checkout-progress" aria-label="Checkout progress">
            <ol class="steps">
                {Step::ALL
                    .into_iter()
                    .enumerate()
                    .map(|(i, step)| {
                        let is_current = move || current.get() == Some(step);
                        let reachable = move || step <= form.first_to_do() && !is_current();
                        let label = format!("{}. {}", i + 1, step.title());
                        view! {
                            <li
                                class="steps__step"
                                class:steps__step--done=move || current.get().is_some_and(|c| step < c)
                                aria-current=move || is_current().then_some("step")
                            >
                                {move || if reachable() {
                                    view! { <a href=step.path()>{label.clone()}</a> }.into_any()
                                } else {
                                    view! { <span class="steps__title">{label.clone()}</span> }.into_any()
                                }}
                            </li>
                        }
                    })
                    .collect::<Vec<_>>()}
            </ol>
        </nav>
    }
}

/// Which fields show their message: those left once, or all after a submit.
#[derive(Clone, Copy)]
pub struct FormErrors {
    touched: RwSignal<HashSet<Field>>,
    pub submitted: RwSignal<bool>,
    /// The browser's own checks, as the shopper types.
    client: Memo<Vec<FieldError>>,
    /// What the server said last, shown until the field is corrected.
    pub server: RwSignal<Vec<FieldError>>,
}

impl FormErrors {
    pub fn new(check: impl Fn() -> Vec<FieldError> + Send + Sync + 'static) -> Self {
        Self {
            touched: RwSignal::new(HashSet::new()),
            submitted: RwSignal::new(false),
            client: Memo::new(move |_| check()),
            server: RwSignal::new(Vec::new()),
        }
    }

    pub fn is_valid(&self) -> bool {
        self.client.with_untracked(Vec::is_empty)
    }

    pub fn error(&self, field: Field) -> Signal<Option<String>> {
        let this = *self;
        Signal::derive(move || {
            let shown = this.submitted.get() || this.touched.with(|t| t.contains(&field));
            let client = this.client.with(|errs| {
                errs.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            });
            if shown && client.is_some() {
                return client;
            }
            this.server.with(|errs| {
                errs.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        })
    }

    pub fn blur(&self, field: Field) -> impl FnMut(leptos::ev::FocusEvent) + 'static {
        let touched = self.touched;
        move |_| {
            touched.update(|t| {
                t.insert(field.clone());
            })
        }
    }
}

/// Moves focus to the first field marked invalid, once the marks are drawn, so keyboard
/// and screen-reader users land on what needs fixing.
pub fn focus_first_invalid() {
    focus_later(".checkout__form [aria-invalid='true']");
}
