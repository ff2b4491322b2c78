use leptos::prelude::*;

/// Any address the shop doesn't know.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    super::set_title("Page not found");
    view! {
        <h1>"We couldn't find that page"</h1>
        <p>"The link may be old. Try the search box above, browse a category, or ask us in the help panel."</p>
        <p><a href="/">"Go to the home page"</a></p>
    }
}
