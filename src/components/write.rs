//! Writes from the UI go through one pattern: a `ServerAction` per kind of write, its
//! `pending()` to disable the button (and refuse a second submit), its `value()` for the
//! message next to the field, and [`after_each`] for what happens next (clear the box,
//! move focus, navigate). Reads use resources, or a refresh when an event says so.

use crate::api::ShopError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Calls `handle` with the answer to each dispatch of `action`, once, when it arrives.
pub fn after_each<S>(
    action: ServerAction<S>,
    handle: impl Fn(Result<S::Output, ShopError>) + 'static,
) where
    S: ServerFn<Error = ShopError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        if seen.is_some_and(|s| s != version) {
            if let Some(answer) = action.value().get_untracked() {
                handle(answer);
            }
        }
        version
    });
}

/// The error of the last answer to `action`, if it was one.
pub fn last_error<S>(action: ServerAction<S>) -> Signal<Option<ShopError>>
where
    S: ServerFn<Error = ShopError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}
