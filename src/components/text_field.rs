use leptos::prelude::*;

/// A labelled text input with its message underneath.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    /// The message to show, if any; the input is marked invalid while there is one.
    error: Signal<Option<String>>,
    on_blur: impl FnMut(leptos::ev::FocusEvent) + 'static,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "on")] autocomplete: &'static str,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                bind:value=value
                on:blur=on_blur
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <p id=error_id class="field__error">{move || error.get()}</p>
        </div>
    }
}
