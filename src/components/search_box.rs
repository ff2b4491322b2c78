//! The header's search box: a combobox that suggests categories and products after each
//! keystroke (debounced; a late answer to an older keystroke is dropped), with the
//! listbox pattern for keyboards and screen readers.

use super::part::{preload as fetch_part, split_fn};
use super::Highlighted;
use crate::api::catalog::{suggest, Suggestions};
use crate::domain::search::SearchParams;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate};
use std::time::Duration;

/// Wait after a keystroke before asking the server: short enough that suggestions
/// follow typing (goal: painted within 50 ms), long enough to skip a burst of keys.
const DEBOUNCE: Duration = Duration::from_millis(12);

/// One row of the listbox.
#[derive(Clone, Debug, PartialEq)]
struct Option_ {
    href: String,
    /// A chip's row: choosing it puts this text in the box instead of going anywhere.
    refine: Option<String>,
    kind: &'static str,
    text: String,
    highlights: Vec<(usize, usize)>,
}

fn options_of(s: &Suggestions) -> Vec<Option_> {
    // First what the words chose ("Colour: Navy"), each a chip that removes it.
    let mut out: Vec<Option_> = s
        .understood
        .iter()
        .flat_map(|u| {
            u.chips.iter().map(|c| Option_ {
                href: results_href(&c.without),
                refine: Some(c.without.clone()),
                kind: "Remove",
                text: c.label.clone(),
                highlights: Vec::new(),
            })
        })
        .collect();
    out.extend(s.categories.iter().map(|c| Option_ {
        href: format!("/c/{}", c.slug),
        refine: None,
        kind: "Category",
        text: c.name.clone(),
        highlights: c.highlights.clone(),
    }));
    out.extend(s.products.iter().map(|h| Option_ {
        href: format!("/p/{}", h.card.slug),
        refine: None,
        kind: "Product",
        text: h.card.name.clone(),
        highlights: h.highlights.clone(),
    }));
    out.push(Option_ {
        href: results_href(&s.query),
        refine: None,
        kind: "Search",
        text: format!("See all results for “{}”", s.query.trim()),
        highlights: Vec::new(),
    });
    out
}

// Asks the server for `query`'s suggestions and turns them into rows: a part of its own,
// fetched when the shopper first focuses or types in the box, so the first load carries
// neither the call nor its answer's reader.
split_fn!(suggest_part(query: String) -> Asked, preload_suggest_part => ask_server(query));

/// The rows for a query, or `None` if the server couldn't say.
type Asked = std::pin::Pin<Box<dyn std::future::Future<Output = Option<Vec<Option_>>>>>;

fn ask_server(query: String) -> Asked {
    Box::pin(async move { suggest(query).await.ok().map(|s| options_of(&s)) })
}

/// `/search?q=…`, properly encoded.
pub fn results_href(query: &str) -> String {
    format!("/search?{}", SearchParams::plain_query_string(query))
}

/// The text in the search box, which the results page keeps in step with its query (back
/// button, deep links): the app provides it, so the first load needn't read a results
/// page's address.
#[derive(Clone, Copy)]
pub struct SearchBoxText(pub RwSignal<String>);

/// Fetches the results page's part (the app provides it; a lazy route): called when a
/// search starts, so the page is there by the time the shopper presses Enter.
#[derive(Clone, Copy)]
pub struct SearchPagePart(pub Callback<()>);

/// The search box with its suggestions.
#[component]
pub fn SearchBox() -> impl IntoView {
    let preload_results = use_context::<SearchPagePart>();
    let preloaded = StoredValue::new(false);
    // The first focus or keystroke fetches the suggestions' part and the results page's.
    let preload = move || {
        if preloaded.get_value() {
            return;
        }
        preloaded.set_value(true);
        fetch_part(preload_suggest_part);
        if let Some(SearchPagePart(fetch)) = preload_results {
            fetch.run(());
        }
    };
    let navigate = use_navigate();
    let location = use_location();
    let text = use_context::<SearchBoxText>().map_or_else(|| RwSignal::new(String::new()), |t| t.0);
    // The last answer's rows (empty before one, or for an empty box).
    let options = RwSignal::new(Vec::<Option_>::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    // Bumped by every keystroke; an answer for an older number is dropped.
    let latest = StoredValue::new(0u64);
    // Suggestions asked for and not yet shown: the list is about to open.
    let asking = StoredValue::new(false);

    // A new page closes the list (the results page puts its query in the box).
    Effect::new(move |_| {
        location.pathname.track();
        location.search.track();
        open.set(false);
    });

    let expanded = move || open.get() && !options.with(Vec::is_empty);

    let ask = move |query: String| {
        latest.update_value(|n| *n += 1);
        let ticket = latest.get_value();
        active.set(None);
        if query.trim().is_empty() {
            options.set(Vec::new());
            open.set(false);
            asking.set_value(false);
            return;
        }
        asking.set_value(true);
        set_timeout(
            move || {
                if latest.get_value() != ticket {
                    return; // another keystroke came
                }
                spawn_local(async move {
                    let rows = match suggest_part(query).await {
                        Ok(asked) => asked.await,
                        Err(_) => None, // the part didn't come: no list, the box still searches
                    };
                    if latest.get_value() == ticket {
                        asking.set_value(false);
                        if let Some(rows) = rows {
                            options.set(rows);
                            open.set(true);
                        }
                    }
                });
            },
            DEBOUNCE,
        );
    };

    let go = {
        let navigate = navigate.clone();
        move |href: String| {
            open.set(false);
            active.set(None);
            navigate(&href, Default::default());
        }
    };
    // A chip's row puts the query without its words in the box and asks again; any
    // other row goes where it leads.
    let choose = {
        let go = go.clone();
        move |option: Option_| match option.refine {
            Some(query) => {
                text.set(query.clone());
                ask(query);
            }
            None => go(option.href),
        }
    };
    let choose_key = choose.clone();
    let go_key = go.clone();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = options.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            // Open, or about to open (suggestions asked for): close the list, never open
            // it for this text, and keep the text. Closed: the browser clears the box.
            "Escape" if expanded() || asking.get_value() => {
                ev.prevent_default();
                latest.update_value(|n| *n += 1);
                asking.set_value(false);
                open.set(false);
                active.set(None);
            }
            "Enter" => {
                ev.prevent_default();
                let chosen = active.get_untracked().filter(|_| open.get_untracked());
                let option = chosen.and_then(|i| options.with_untracked(|o| o.get(i).cloned()));
                match option {
                    Some(o) if o.refine.is_some() => choose_key(o),
                    Some(o) => {
                        latest.update_value(|n| *n += 1);
                        go_key(o.href);
                    }
                    None => {
                        latest.update_value(|n| *n += 1);
                        go_key(results_href(&text.get_untracked()));
                    }
                }
            }
            _ => {}
        }
    };
    let on_submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            latest.update_value(|n| *n += 1);
            go(results_href(&text.get_untracked()));
        }
    };

    view! {
        <form class="search" role="search" on:submit=on_submit>
            <label class="visually-hidden" for="site-search">"Search products"</label>
            <div class="search__box">
                <input
                    id="site-search"
                    class="search__input"
                    type="search"
                    name="q"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-controls="site-search-suggestions"
                    aria-expanded=move || expanded().to_string()
                    aria-activedescendant=move || active.get().filter(|_| expanded()).map(|i| format!("suggestion-{i}"))
                    placeholder="Search shirts, shoes, bags…"
                    autocomplete="off"
                    maxlength="100"
                    prop:value=move || text.get()
                    on:input:target=move |ev| {
                        preload();
                        let value = ev.target().value();
                        text.set(value.clone());
                        ask(value);
                    }
                    on:keydown=on_key
                    on:blur=move |_| open.set(false)
                    on:focus=move |_| {
                        preload();
                        if !options.with_untracked(Vec::is_empty) && !text.get_untracked().trim().is_empty() {
                            open.set(true);
                        }
                    }
                />
                <ul
                    id="site-search-suggestions"
                    class="search__suggestions"
                    role="listbox"
                    aria-label="Suggestions"
                    hidden=move || !expanded()
                >
                    {move || {
                        options
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, o)| {
                                let choose = choose.clone();
                                let chip = o.refine.is_some();
                                let option = o.clone();
                                view! {
                                    <li
                                        id=format!("suggestion-{i}")
                                        role="option"
                                        class="search__option"
                                        class:search__option--chip=chip
                                        class:search__option--active=move || active.get() == Some(i)
                                        aria-selected=move || (active.get() == Some(i)).to_string()
                                        // mousedown, not click: it comes before the input's blur.
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            choose(option.clone());
                                        }
                                    >
                                        // The space makes the name read "Remove Colour: Navy".
                                        <span class="search__kind">{o.kind}</span>" "
                                        <Highlighted text=o.text ranges=o.highlights />
                                        {chip.then(|| view! { <span class="chip__x" aria-hidden="true">" ×"</span> })}
                                    </li>
                                }
                            })
                            .collect::<Vec<_>>()
                    }}
                </ul>
            </div>
            <button class="search__button" type="submit">"Search"</button>
            <p class="visually-hidden" role="status">
                {move || {
                    if expanded() {
                        let (chips, n) = options.with(|o| {
                            let chips = o.iter().filter(|o| o.refine.is_some()).count();
                            (chips, o.len().saturating_sub(1 + chips))
                        });
                        let understood = match chips {
                            0 => String::new(),
                            1 => "1 filter understood from your words. ".to_owned(),
                            k => format!("{k} filters understood from your words. "),
                        };
                        format!("{understood}{n} suggestions. Use the up and down arrows to choose.")
                    } else {
                        String::new()
                    }
                }}
            </p>
        </form>
    }
}
