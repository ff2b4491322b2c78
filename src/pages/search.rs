use crate::api::catalog::{search_products, SearchResults};
use crate::components::browser::Later;
use crate::components::search_box::SearchBoxText;
use crate::components::{error_fallback, use_region, HitGrid, Loading, ProductGrid};
use crate::domain::location::region as region_named;
use crate::domain::search::{FacetValue, SearchParams, SortOrder, MAX_QUERY_CHARS};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

/// The results page. Every choice (query, facets, sort) lives in the URL, so a deep link,
/// a reload and the back button all restore it.
#[component]
pub fn SearchPage() -> impl IntoView {
    let location = use_location();
    let params = Memo::new(move |_| SearchParams::parse_query_string(&location.search.get()));
    // The search box shows the query of the results on screen (back button, deep links).
    if let Some(SearchBoxText(text)) = use_context() {
        Effect::new(move |_| text.set(params.with(|p| p.query.clone())));
    }
    let region = use_region();
    let asked = move || (params.get(), region.0.get());
    let results = LocalResource::new(move || {
        let key = asked();
        async move { (key.clone(), search_products(key.0, key.1).await) }
    });
    // The heading needs only the address, so it shows at once (it is the page's largest
    // paint), above the results when they come.
    let heading = move || params.with(|p| results_heading(&p.query));
    // While new results load, the last ones stay on screen under the new heading, marked
    // busy (dimmed, and announced as updating) until the answer for this address is in.
    let shown = RwSignal::new(None);
    let updating = move || shown.with(|s| s.as_ref() != Some(&asked()));
    view! {
        <h1>{heading}</h1>
        <div class="results-area" aria-busy=move || updating().then_some("true")>
        <Transition fallback=|| view! { <Loading what="results" /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    let (key, answer) = results.await;
                    shown.set(Some(key));
                    answer.map(|r| {
                        super::set_title(&format!("Search: {}", r.params.query));
                        let truncated = r.params.query.chars().count() >= MAX_QUERY_CHARS;
                        view! { <Results results=r truncated=truncated /> }
                    })
                })}
            </ErrorBoundary>
        </Transition>
        </div>
    }
}

/// The results page's heading for a query.
fn results_heading(query: &str) -> String {
    if query.trim().is_empty() {
        "All products".to_owned()
    } else {
        format!("Results for “{}”", query.trim())
    }
}

/// Goes to the results page for `params`.
fn go(params: &SearchParams) {
    let navigate = use_navigate();
    navigate(
        &format!("/search?{}", params.to_query_string()),
        Default::default(),
    );
}

#[component]
fn Results(results: SearchResults, truncated: bool) -> impl IntoView {
    let SearchResults {
        params,
        total,
        hits,
        facets,
        did_you_mean,
        closest,
        understood,
    } = results;
    let any_filter = !params.categories.is_empty()
        || !params.colours.is_empty()
        || !params.sizes.is_empty()
        || !params.materials.is_empty()
        || !params.price_bands.is_empty()
        || params.in_stock_only
        || params.near.is_some();
    let p = StoredValue::new(params.clone());
    // A colour, size or material the query's words chose: its chip, and its tick among
    // the filters, both remove it by searching for the query without those words.
    let chosen_by_words = StoredValue::new(understood.clone());
    let removal = move |value: &str| -> Option<SearchParams> {
        let mut next = p.get_value();
        if next
            .colours
            .iter()
            .chain(&next.sizes)
            .chain(&next.materials)
            .any(|v| v == value)
        {
            return None; // chosen in the filters too: untick it there
        }
        next.query = chosen_by_words.with_value(|u| {
            u.as_ref()?
                .chips
                .iter()
                .find(|c| c.values.iter().any(|v| v == value))
                .map(|c| c.without.clone())
        })?;
        Some(next)
    };
    let chips = understood.map(|u| {
        let looked_for = if u.rest.is_empty() {
            "everything".to_owned()
        } else {
            format!("“{}”", u.rest)
        };
        view! {
            <div class="understood" role="group" aria-labelledby="understood-heading">
                <p id="understood-heading" class="understood__what">
                    "Showing " {looked_for} ", with:"
                </p>
                <ul class="chips">
                    {u
                        .chips
                        .into_iter()
                        .map(|c| {
                            let next = SearchParams { query: c.without, ..p.get_value() };
                            view! {
                                <li>
                                    <a
                                        class="chip"
                                        href=format!("/search?{}", next.to_query_string())
                                        aria-label=format!("Remove {}", c.label)
                                    >
                                        {c.label.clone()}
                                        <span class="chip__x" aria-hidden="true">" ×"</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect::<Vec<_>>()}
                </ul>
            </div>
        }
    });
    let count_text = format!(
        "{total} {}",
        if total == 1 { "product" } else { "products" }
    );

    let sort_select = view! {
        <div class="field search-results__sort">
            <label for="sort">"Sort by"</label>
            <select
                id="sort"
                on:change:target=move |ev| {
                    let mut next = p.get_value();
                    next.sort = SortOrder::parse(&ev.target().value()).unwrap_or_default();
                    go(&next);
                }
            >
                {SortOrder::ALL
                    .into_iter()
                    .map(|s| view! { <option value=s.as_str() selected=s == params.sort>{s.label()}</option> })
                    .collect::<Vec<_>>()}
            </select>
        </div>
    };

    let facet_group = move |legend: &'static str, key: &'static str, values: Vec<FacetValue>| {
        (!values.is_empty()).then(|| {
            view! {
                <fieldset class="facets__group">
                    <legend>{legend}</legend>
                    {values
                        .into_iter()
                        .map(|v| {
                            let value = v.value.clone();
                            view! {
                                <label class="facets__option">
                                    <input
                                        type="checkbox"
                                        checked=v.selected
                                        on:change=move |_| {
                                            if let Some(next) = removal(&value) {
                                                return go(&next);
                                            }
                                            let mut next = p.get_value();
                                            toggle(&mut next, key, &value);
                                            go(&next);
                                        }
                                    />
                                    {v.label.clone()}
                                    <span class="facets__count">{format!(" ({})", v.count)}</span>
                                </label>
                            }
                        })
                        .collect::<Vec<_>>()}
                </fieldset>
            }
        })
    };
    let stock_count = facets.in_stock;
    let near_count = facets.near;
    let region = use_region();
    let region_name = move || region_named(&region.0.get()).map_or("you", |r| r.name);

    view! {
        {truncated.then(|| view! {
            <p class="notice" role="status">{format!("That was a long search: we looked at the first {MAX_QUERY_CHARS} characters.")}</p>
        })}
        {chips}
        <div class="search-results">
            <section class="facets" aria-labelledby="filters-heading">
                <h2 id="filters-heading" class="facets__title">"Filter"</h2>
                {facet_group("Category", "category", facets.categories)}
                {facet_group("Colour", "colour", facets.colours)}
                {facet_group("Size", "size", facets.sizes)}
                {facet_group("Material", "material", facets.materials)}
                {facet_group("Price", "price", facets.prices)}
                <fieldset class="facets__group">
                    <legend>"Availability"</legend>
                    <label class="facets__option">
                        <input
                            type="checkbox"
                            checked=params.in_stock_only
                            on:change=move |_| {
                                let mut next = p.get_value();
                                next.in_stock_only = !next.in_stock_only;
                                go(&next);
                            }
                        />
                        "In stock now"
                        <span class="facets__count">{format!(" ({stock_count})")}</span>
                    </label>
                    <label class="facets__option">
                        <input
                            type="checkbox"
                            checked=params.near.is_some()
                            on:change=move |_| {
                                let mut next = p.get_value();
                                next.near = match next.near {
                                    Some(_) => None,
                                    None => Some(region.0.get_untracked()),
                                };
                                go(&next);
                            }
                        />
                        {move || format!("In stock near {}", region_name())}
                        <span class="facets__count">{format!(" ({near_count})")}</span>
                    </label>
                </fieldset>
                {any_filter.then(|| view! {
                    <button class="button button--link" type="button" on:click=move |_| {
                        go(&SearchParams { query: p.get_value().query, sort: p.get_value().sort, ..Default::default() });
                    }>"Clear all filters"</button>
                })}
            </section>
            <section class="search-results__main" aria-label="Results">
                <div class="search-results__bar">
                    <p class="count" role="status">{count_text}</p>
                    {sort_select}
                </div>
                // The results' cards (or the page for none) a task after the filters and
                // the count: the last thing in their column (components::browser::Later).
                <Later>
                    {if total == 0 {
                        Either::Left(view! { <NoResults params=params did_you_mean=did_you_mean closest=closest filtered=any_filter /> })
                    } else {
                        Either::Right(view! { <HitGrid hits=hits /> })
                    }}
                </Later>
            </section>
        </div>
    }
}

/// Adds or removes one facet value.
fn toggle(p: &mut SearchParams, key: &str, value: &str) {
    fn flip(list: &mut Vec<String>, value: &str) {
        if let Some(i) = list.iter().position(|v| v == value) {
            list.remove(i);
        } else {
            list.push(value.to_owned());
        }
    }
    match key {
        "category" => flip(&mut p.categories, value),
        "colour" => flip(&mut p.colours, value),
        "size" => flip(&mut p.sizes, value),
        "material" => flip(&mut p.materials, value),
        "price" => {
            if let Ok(b) = value.parse::<usize>() {
                if let Some(i) = p.price_bands.iter().position(|x| *x == b) {
                    p.price_bands.remove(i);
                } else {
                    p.price_bands.push(b);
                }
            }
        }
        _ => {}
    }
}

/// Never a dead end: a query that works, products in stock, and a person to ask.
#[component]
fn NoResults(
    params: SearchParams,
    did_you_mean: Option<String>,
    closest: Vec<crate::api::catalog::ProductCard>,
    /// Whether filters are narrowing the results.
    filtered: bool,
) -> impl IntoView {
    let query = params.query.trim().to_owned();
    let suggestion = did_you_mean.map(|s| {
        let href = format!(
            "/search?{}",
            SearchParams {
                query: s.clone(),
                ..params.clone()
            }
            .to_query_string()
        );
        view! { <p class="did-you-mean">"Did you mean " <a href=href>{s}</a> "?"</p> }
    });
    view! {
        <div class="notice" role="status">
            <p>
                {if query.is_empty() {
                    "Type what you're looking for in the search box above.".to_owned()
                } else if filtered {
                    format!("Nothing matches “{query}” with these filters.")
                } else {
                    format!("We have nothing called “{query}”, but we can still help.")
                }}
            </p>
            {suggestion}
            <p>"Not what you need? Ask us in the help panel: a real person will find it for you."</p>
        </div>
        {(!closest.is_empty()).then(|| view! {
            <h2>"In stock now"</h2>
            <ProductGrid products=closest />
        })}
    }
}
