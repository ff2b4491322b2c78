//! `/review/:token`: the page the "How did it go?" mail links to. Each thing the order
//! delivered, with a rating to choose and a review to write. A star link in the mail
//! (`?product=…&stars=4`) rates that product as the page opens in a browser (a mail
//! scanner that only fetches the link runs no script, so rates nothing).

use crate::api::reviews::{
    get_review_invitation, rate_product, MyReview, RateProduct, ReviewDraft, ReviewItem,
    ReviewStatus, WriteReview,
};
use crate::components::browser::focus_later;
use crate::components::notice::general_error;
use crate::components::write::{after_each, last_error};
use crate::components::{error_fallback, Loading, TextArea, TextField};
use crate::domain::reviews::{Stars, NAME_MAX, TEXT_MAX, TITLE_MAX};
use crate::domain::validation::Field;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ReviewPage() -> impl IntoView {
    super::set_title("How did it go?");
    let token = use_params_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let query = use_query_map().read_untracked();
    let clicked: Option<(String, u8)> = query
        .get("product")
        .zip(query.get("stars").and_then(|s| s.parse().ok()));
    let token = StoredValue::new(token);
    // The star link's rating first (so the page shows it), then what the order delivered.
    let invitation = LocalResource::new(move || {
        let clicked = clicked.clone();
        async move {
            let token = token.get_value();
            let rated = match clicked {
                Some((slug, stars)) => Some(
                    rate_product(token.clone(), slug.clone(), stars)
                        .await
                        .map(|_| (slug, stars)),
                ),
                None => None,
            };
            get_review_invitation(token).await.map(|i| (i, rated))
        }
    });
    view! {
        <h1>"How did it go?"</h1>
        <Suspense fallback=|| view! { <Loading what="your order" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    invitation.await.map(|(invitation, rated)| {
                        let rated_slug = rated.as_ref().and_then(|r| r.as_ref().ok()).map(|(slug, _)| slug.clone());
                        let thanks = rated.map(|r| match r {
                            Ok((slug, stars)) => {
                                let name = invitation
                                    .items
                                    .iter()
                                    .find(|i| i.slug == slug)
                                    .map_or_else(String::new, |i| i.name.clone());
                                let stars = Stars::new(stars).map(Stars::label).unwrap_or_default();
                                view! {
                                    <p class="notice notice--ok" role="status">
                                        {format!("Thank you: you gave {name} {stars}. Want to tell other shoppers more? Write a few words below.")}
                                    </p>
                                }
                                .into_any()
                            }
                            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        });
                        view! {
                            <p class="lead">
                                {format!("Order {}. Only people who bought something can review it. A rating alone is shown at once; written reviews are read by our team before they're shown.", invitation.order_number)}
                            </p>
                            {thanks}
                            {
                                // One product: its form is open from the start; else the one rated by the link.
                                let first = match invitation.items.as_slice() {
                                    [only] => Some(only.slug.clone()),
                                    _ => rated_slug,
                                };
                                let open = RwSignal::new(first);
                                invitation.items.into_iter().map(|item| view! {
                                    <ReviewItemView token=token.get_value() item open />
                                }).collect::<Vec<_>>()
                            }
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// One delivered product: its stars (a rating counts as soon as it is chosen), where its
/// review stands, and the review form (open for one product at a time, so its fields
/// keep their ids).
#[component]
fn ReviewItemView(
    token: String,
    item: ReviewItem,
    open: RwSignal<Option<String>>,
) -> impl IntoView {
    let slug = item.slug.clone();
    let saved = RwSignal::new(item.review.clone());
    let stars = RwSignal::new(item.review.as_ref().map_or(0, |r| r.stars));
    let rate = ServerAction::<RateProduct>::new();
    let rate_error = last_error(rate);
    after_each(rate, move |answer| {
        if let Ok(review) = answer {
            saved.set(Some(review));
        }
    });
    let heading_id = format!("review-{slug}");
    let labelled_by = heading_id.clone();
    let product_name = item.name.clone();
    let is_open = {
        let slug = slug.clone();
        move || open.get().as_deref() == Some(slug.as_str())
    };
    let (token_form, slug_form, slug_open) = (token.clone(), slug.clone(), slug.clone());
    let name_button = item.name.clone();
    view! {
        <section class="review-item" aria-labelledby=labelled_by>
            <img src=item.image.clone() alt="" width="96" height="96" />
            <h2 id=heading_id>
                <a href=format!("/p/{}", item.slug)>{item.name.clone()}</a>
            </h2>
            <fieldset class="stars-choice">
                <legend>{format!("Your rating of {product_name}")}</legend>
                {(1..=5u8).rev().filter_map(Stars::new).map(|s| {
                    let n = s.get();
                    let (token, slug) = (token.clone(), slug.clone());
                    view! {
                        <label class="stars-choice__option">
                            <input
                                type="radio"
                                name=format!("stars-{slug}")
                                value=n.to_string()
                                prop:checked=move || stars.get() == n
                                on:change=move |_| {
                                    stars.set(n);
                                    rate.dispatch(RateProduct { token: token.clone(), slug: slug.clone(), stars: n });
                                }
                            />
                            {format!("{}: {}", s.label(), s.words())}
                        </label>
                    }
                }).collect::<Vec<_>>()}
            </fieldset>
            <p role="status" class="review-item__status">
                {move || saved.get().map(|r| status_words(&r))}
            </p>
            <p class="form-error" role="alert">{move || rate_error.get().map(|e| e.to_string())}</p>
            {
                let is_open = is_open.clone();
                move || (!is_open()).then(|| {
                    let slug = slug_open.clone();
                    let words = if saved.get().is_some_and(|r| !r.text.is_empty()) { "Change my review of " } else { "Write a review of " };
                    view! {
                        <button type="button" class="button" on:click=move |_| {
                            open.set(Some(slug.clone()));
                            focus_later("#review-title");
                        }>
                            {format!("{words}{name_button}")}
                        </button>
                    }
                })
            }
            {move || is_open().then(|| view! {
                <WrittenReview token=token_form.clone() slug=slug_form.clone() stars saved />
            })}
        </section>
    }
}

/// The review form for one product: stars, title, words and the name shown.
#[component]
fn WrittenReview(
    token: String,
    slug: String,
    stars: RwSignal<u8>,
    saved: RwSignal<Option<MyReview>>,
) -> impl IntoView {
    let before = saved.get_untracked();
    let title = RwSignal::new(before.as_ref().map(|r| r.title.clone()).unwrap_or_default());
    let text = RwSignal::new(before.as_ref().map(|r| r.text.clone()).unwrap_or_default());
    let name = RwSignal::new(before.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let write = ServerAction::<WriteReview>::new();
    let error = last_error(write);
    after_each(write, move |answer| {
        if let Ok(review) = answer {
            stars.set(review.stars);
            saved.set(Some(review));
        }
    });
    let field_error =
        move |field: Field| Signal::derive(move || error.get().and_then(|e| e.message_for(&field)));
    view! {
        <form
            class="review-form"
            novalidate=true
            on:submit=move |ev| {
                ev.prevent_default();
                write.dispatch(WriteReview {
                    token: token.clone(),
                    slug: slug.clone(),
                    review: ReviewDraft {
                        stars: stars.get_untracked(),
                        title: title.get_untracked(),
                        text: text.get_untracked(),
                        name: name.get_untracked(),
                    },
                });
            }
        >
            <p id="review-stars-error" class="field__error" role="alert">{move || field_error(Field::Stars).get()}</p>
            <TextField
                id="review-title"
                label=format!("Title (optional, up to {TITLE_MAX} characters)")
                value=title
                error=field_error(Field::ReviewTitle)
                on_blur=|_| ()
                autocomplete="off"
            />
            <TextArea
                id="review-text"
                label=format!("Your review (up to {TEXT_MAX} characters)")
                value=text
                error=field_error(Field::ReviewText)
                rows=5
            />
            <TextField
                id="review-name"
                label=format!("Name shown with it (optional, up to {NAME_MAX} characters)")
                hint="Like \"Sam from Leeds\". Left blank, it says \"A verified buyer\"."
                value=name
                error=field_error(Field::ReviewName)
                on_blur=|_| ()
                autocomplete="off"
            />
            <button type="submit" class="button button--primary" disabled=move || write.pending().get()>
                "Send my review"
            </button>
            <p class="form-error" role="alert">
                {move || error.get().and_then(|e| general_error(&e, &[Field::Stars, Field::ReviewTitle, Field::ReviewText, Field::ReviewName]))}
            </p>
        </form>
    }
}

fn status_words(review: &MyReview) -> String {
    let stars = Stars::new(review.stars)
        .map(Stars::label)
        .unwrap_or_default();
    match (review.status, &review.reason) {
        (ReviewStatus::Rejected, Some(reason)) => {
            format!("Your review isn't shown: {reason} Change it and send it again if you like.")
        }
        (status, _) => format!("Your rating: {stars}. {}", status.for_customer()),
    }
}
