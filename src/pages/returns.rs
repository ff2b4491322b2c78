use crate::components::use_help;
use leptos::prelude::*;

/// The return policy, from the shop's editable content.
#[component]
pub fn ReturnsPage() -> impl IntoView {
    // The built-in content first, the owner's current file once the server answers.
    let help = use_help();
    move || {
        let help = help.get();
        super::set_title(&help.returns.title);
        view! {
            <h1>{help.returns.title.clone()}</h1>
            <p class="lead">{help.returns.summary.clone()}</p>
            <ul class="policy">
                {help.returns.points.iter().map(|p| view! { <li>{p.clone()}</li> }).collect::<Vec<_>>()}
            </ul>
            <p>
                "Questions? Call " <a href=format!("tel:{}", help.phone_tel)>{help.phone_display.clone()}</a>
                " or email " <a href=format!("mailto:{}", help.email)>{help.email.clone()}</a> "."
            </p>
        }
    }
}
