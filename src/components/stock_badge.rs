use crate::domain::stock::Availability;
use leptos::prelude::*;

/// The stock wording for one variant: "In stock", "Only 2 left", "Out of stock — back around 3 Dec".
#[component]
pub fn StockBadge(
    /// The variant's availability; the badge follows it as it changes.
    #[prop(into)]
    availability: Signal<Availability>,
) -> impl IntoView {
    view! {
        <p class=move || format!("stock-badge stock-badge--{}", availability.get().css_modifier())>
            {move || availability.get().label()}
        </p>
    }
}
