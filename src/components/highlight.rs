use leptos::prelude::*;

/// `text` with the given byte ranges wrapped in `<mark>`.
#[component]
pub fn Highlighted(
    text: String,
    /// Byte ranges of `text` to mark; invalid ranges are ignored.
    ranges: Vec<(usize, usize)>,
) -> impl IntoView {
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut at = 0;
    for (start, end) in ranges {
        if start < at
            || end > text.len()
            || start >= end
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            parts.push((text[at..start].to_owned(), false));
        }
        parts.push((text[start..end].to_owned(), true));
        at = end;
    }
    if at < text.len() {
        parts.push((text[at..].to_owned(), false));
    }
    parts
        .into_iter()
        .map(|(part, marked)| {
            if marked {
                view! { <mark>{part}</mark> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect::<Vec<_>>()
}
