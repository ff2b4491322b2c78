use leptos::prelude::*;

/// The text a field shows and edits: a signal of its own, or one part of a larger form
/// value (so a form can keep its entries as one structure).
#[derive(Clone, Copy)]
pub struct TextValue {
    read: Signal<String>,
    write: SignalSetter<String>,
}

impl TextValue {
    /// The part of `whole` that `get` reads and `set` writes.
    pub fn part<T: Send + Sync + 'static>(
        whole: RwSignal<T>,
        get: fn(&T) -> &String,
        set: fn(&mut T) -> &mut String,
    ) -> Self {
        let (read, write) = create_slice(whole, move |t| get(t).clone(), move |t, v| *set(t) = v);
        Self { read, write }
    }

    pub fn get(&self) -> String {
        self.read.get()
    }

    pub fn set(&self, text: String) {
        self.write.set(text);
    }
}

impl From<RwSignal<String>> for TextValue {
    fn from(signal: RwSignal<String>) -> Self {
        Self {
            read: signal.into(),
            write: signal.write_only().into(),
        }
    }
}

/// A labelled text input with an optional hint above it and its message underneath.
#[component]
pub fn TextField(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] value: TextValue,
    /// The message to show, if any; the input is marked invalid while there is one.
    error: Signal<Option<String>>,
    on_blur: impl FnMut(leptos::ev::FocusEvent) + 'static,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "on")] autocomplete: &'static str,
    /// Extra words under the label ("like 07700 900123").
    #[prop(optional, into)]
    hint: MaybeProp<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || match hint.get() {
            Some(_) => format!("{hint_id} {error_id}"),
            None => error_id.clone(),
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            {move || hint.get().map(|h| view! { <p id=hint_id.clone() class="field__hint">{h}</p> })}
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=on_blur
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described_by
            />
            <p id=error_id class="field__error">{move || error.get()}</p>
        </div>
    }
}

/// A labelled multi-line input with its message underneath.
#[component]
pub fn TextArea(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    /// Called on each keystroke (after `value` is updated), e.g. to say "typing".
    #[prop(optional)]
    on_input: Option<Box<dyn Fn() + 'static>>,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <textarea
                id=id
                name=id
                rows=rows
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(f) = &on_input {
                        f();
                    }
                }
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            ></textarea>
            <p id=error_id class="field__error">{move || error.get()}</p>
        </div>
    }
}

/// A labelled drop-down of `(value, words)` options with its message underneath.
#[component]
pub fn SelectField(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <select
                id=id
                name=id
                on:change=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            >
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(v, words)| {
                            let selected = value.get_untracked() == v;
                            view! { <option value=v selected=selected>{words}</option> }
                        })
                        .collect::<Vec<_>>()
                }}
            </select>
            <p id=error_id class="field__error">{move || error.get()}</p>
        </div>
    }
}
