//! A product's ratings and reviews on its page, with "Tell me if it goes on sale" and
//! "Goes well with", as a part of its own (fetched after the page shows): the average and how many of each number of stars (each a filter), the
//! order, and a page at a time of the written reviews.

use super::part::{near_view, split_view, Deferred};
use super::price_watch::PriceWatchForm;
use super::recommend::GoesWellWith;
use crate::api::reviews::{get_product_reviews, ProductReviews, ReviewSort, ShownReview};
use crate::domain::reviews::{Stars, PAGE_SIZE};
use leptos::prelude::*;
use leptos::task::spawn_local;

split_view!(
    product_extras(slug: String),
    preload_product_extras => view! {
        <PriceWatchForm slug=slug.clone() />
        <GoesWellWith slug=Some(slug.clone()) variant_ids=Vec::new() />
        <ProductReviewsSection slug />
    }
);

/// Under a product: "Tell me if it goes on sale", "Goes well with" and its ratings and
/// reviews, one part (one part, not three: each part costs the first load a little),
/// fetched as its place nears the screen: below the product on a phone, so the product
/// paints without waiting for it and a shopper who never scrolls doesn't download it.
#[component]
pub fn ProductExtrasPart(slug: String) -> impl IntoView {
    let slug = StoredValue::new(slug);
    let place = NodeRef::<leptos::html::Div>::new();
    let near = near_view(place);
    view! {
        <div node_ref=place>
            <Deferred when=near load=move || product_extras(slug.get_value()) what="Reviews and suggestions" />
        </div>
    }
}

/// `★★★★☆` for the eye; the words are beside it for everyone else.
fn star_glyphs(tenths: u32) -> String {
    let full = ((tenths + 5) / 10).min(5) as usize;
    format!("{}{}", "★".repeat(full), "☆".repeat(5 - full))
}

#[component]
fn ProductReviewsSection(slug: String) -> impl IntoView {
    let sort = RwSignal::new(ReviewSort::Newest);
    let stars = RwSignal::new(None::<u8>);
    let shown = RwSignal::new(None::<ProductReviews>);
    // The filter the list on show was read with (the buttons change `stars` at once).
    let shown_for = RwSignal::new(None::<u8>);
    let more = RwSignal::new(Vec::<ShownReview>::new());
    let page = RwSignal::new(0u32);
    let problem = RwSignal::new(None::<String>);
    let slug = StoredValue::new(slug);
    // The first page again whenever the order or the filter changes.
    Effect::new(move |_| {
        let (sort, stars) = (sort.get(), stars.get());
        spawn_local(async move {
            match get_product_reviews(slug.get_value(), sort, stars, 0).await {
                Ok(r) => {
                    page.set(0);
                    more.set(Vec::new());
                    shown_for.set(stars);
                    shown.set(Some(r));
                    problem.set(None);
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    });
    let load_more = move |_| {
        let next = page.get_untracked() + 1;
        spawn_local(async move {
            match get_product_reviews(
                slug.get_value(),
                sort.get_untracked(),
                stars.get_untracked(),
                next,
            )
            .await
            {
                Ok(r) => {
                    page.set(next);
                    more.update(|m| m.extend(r.reviews));
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="reviews" aria-labelledby="reviews-heading">
            <h2 id="reviews-heading">"Ratings and reviews"</h2>
            <p class="form-error" role="alert">{move || problem.get()}</p>
            {move || shown.get().map(|r| {
                let summary = r.summary;
                if summary.count == 0 {
                    return view! {
                        <p>"No ratings yet. Only people who bought it can rate it: we ask them by email after it's delivered."</p>
                    }.into_any();
                }
                let average = summary.average_label().unwrap_or_default();
                view! {
                    <p class="reviews__average">
                        <span class="reviews__stars" aria-hidden="true">{star_glyphs(summary.average_tenths())}</span>
                        " " <strong>{average}</strong> " " {summary.count_label()}
                    </p>
                    <p class="reviews__note">"Only people who bought it can rate it. Written reviews are read by our team before they're shown; we don't remove a review for being negative."</p>
                    <ul class="reviews__bars" aria-label="Show reviews with">
                        {(1..=5u8).rev().map(|n| {
                            let count = summary.by_stars[usize::from(n - 1)];
                            let label = Stars::new(n).map(Stars::label).unwrap_or_default();
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="button reviews__bar"
                                        aria-pressed=move || (stars.get() == Some(n)).to_string()
                                        on:click=move |_| stars.update(|s| *s = if *s == Some(n) { None } else { Some(n) })
                                    >
                                        {format!("{label}: {count}")}
                                    </button>
                                </li>
                            }
                        }).collect::<Vec<_>>()}
                    </ul>
                    <div class="field reviews__sort">
                        <label for="review-sort">"Sort reviews"</label>
                        <select
                            id="review-sort"
                            on:change:target=move |ev| sort.set(ReviewSort::parse(&ev.target().value()))
                        >
                            {ReviewSort::ALL.into_iter().map(|o| view! {
                                <option value=o.as_str() selected=move || sort.get() == o>{o.label()}</option>
                            }).collect::<Vec<_>>()}
                        </select>
                    </div>
                    <p role="status" class="reviews__showing">
                        {move || {
                            let n = shown.get().map_or(0, |r| r.matching);
                            let what = if n == 1 { "1 written review".to_owned() } else { format!("{n} written reviews") };
                            match shown_for.get().and_then(Stars::new) {
                                Some(s) => format!("{what} with {}.", s.label()),
                                None => format!("{what}."),
                            }
                        }}
                    </p>
                    {move || stars.get().is_some().then(|| view! {
                        <button type="button" class="button" on:click=move |_| stars.set(None)>"Show every rating"</button>
                    })}
                    <ul class="reviews__list">
                        {r.reviews.into_iter().map(|r| view! { <Review review=r /> }).collect::<Vec<_>>()}
                        {move || more.get().into_iter().map(|r| view! { <Review review=r /> }).collect::<Vec<_>>()}
                    </ul>
                    {move || {
                        let total = shown.get().map_or(0, |r| r.matching) as usize;
                        let listed = (page.get() as usize + 1) * PAGE_SIZE;
                        (listed < total).then(|| view! {
                            <button type="button" class="button" on:click=load_more>"Show more reviews"</button>
                        })
                    }}
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn Review(review: ShownReview) -> impl IntoView {
    let label = Stars::new(review.stars)
        .map(Stars::label)
        .unwrap_or_default();
    view! {
        <li class="review">
            <p class="review__stars">
                <span aria-hidden="true">{star_glyphs(u32::from(review.stars) * 10)}</span>
                <span class="visually-hidden">{label}</span>
            </p>
            {(!review.title.is_empty()).then(|| view! { <h3 class="review__title">{review.title.clone()}</h3> })}
            <p class="review__text">{review.text}</p>
            <p class="review__by">
                {format!("{} · {}", review.name, review.written_on)}
                {review.verified.then(|| view! { " · " <strong>"Verified buyer"</strong> })}
            </p>
        </li>
    }
}
