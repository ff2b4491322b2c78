//! Parts of the app that are fetched the first time they are needed, not in the first
//! load. With the crate's feature `split` (release builds, `scripts/build-app.sh`) a
//! [`split_fn!`] (or [`split_view!`]) is a wasm part of its own, cut out by
//! `scripts/split-wasm.sh`; without it (`trunk serve`, the tests) the same code is an
//! ordinary async function, so every caller works the same either way.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use send_wrapper::SendWrapper;
use std::future::Future;

/// Defines `async fn $load(args) -> Result<$out, SplitLoaderError>`, giving `$body`, and
/// `async fn $preload()`, which only fetches the part (a failure is left to `$load`, which
/// tries again). With feature `split`, `$body` and whatever only it uses are the part.
macro_rules! split_fn {
    ($load:ident($($arg:ident: $ty:ty),*) -> $out:ty, $preload:ident => $body:expr) => {
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split(
            $load,
            wasm_split_path = ::leptos::wasm_split,
            preload(#[allow(dead_code)] $preload),
            fallible
        )]
        fn $load(
            $($arg: $ty),*
        ) -> Result<$out, ::leptos::wasm_split::SplitLoaderError> {
            Ok($body)
        }

        #[cfg(not(feature = "split"))]
        #[allow(clippy::unused_async)]
        async fn $load(
            $($arg: $ty),*
        ) -> Result<$out, ::leptos::wasm_split::SplitLoaderError> {
            Ok($body)
        }

        #[cfg(not(feature = "split"))]
        #[allow(clippy::unused_async, dead_code)]
        async fn $preload() -> Result<(), ::leptos::wasm_split::SplitLoaderError> {
            Ok(())
        }
    };
}
pub(crate) use split_fn;

/// [`split_fn!`] for a view: `$load` gives `$view` as an `AnyView`.
macro_rules! split_view {
    ($load:ident($($arg:ident: $ty:ty),*), $preload:ident => $view:expr) => {
        $crate::components::part::split_fn!(
            $load($($arg: $ty),*) -> ::leptos::prelude::AnyView,
            $preload => ::leptos::prelude::IntoAny::into_any($view)
        );
    };
}
pub(crate) use split_view;

/// How far below the screen a part's place may be for it to be fetched: a shopper
/// scrolling towards it finds it there, one who never scrolls doesn't download it.
const NEAR_VIEW_MARGIN: &str = "600px";

/// True from the first time `place` comes within [`NEAR_VIEW_MARGIN`] of the screen, for a
/// [`Deferred`] under the page's first screen (a product's reviews): nothing it needs is
/// fetched while the page above it loads and paints. Without an `IntersectionObserver`
/// (a very old browser) it is true at once.
pub fn near_view<E>(place: NodeRef<E>) -> Signal<bool>
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let near = RwSignal::new(false);
    Effect::new(move |_| {
        let Some(element) = place.get() else { return };
        let element: web_sys::Element = element.unchecked_into();
        let seen = Closure::<dyn Fn(web_sys::js_sys::Array, web_sys::IntersectionObserver)>::new(
            move |entries: web_sys::js_sys::Array, observer: web_sys::IntersectionObserver| {
                let close = entries.iter().any(|e| {
                    e.unchecked_into::<web_sys::IntersectionObserverEntry>()
                        .is_intersecting()
                });
                if close {
                    near.set(true);
                    observer.disconnect();
                }
            },
        );
        let options = web_sys::IntersectionObserverInit::new();
        options.set_root_margin(NEAR_VIEW_MARGIN);
        match web_sys::IntersectionObserver::new_with_options(
            seen.as_ref().unchecked_ref(),
            &options,
        ) {
            Ok(observer) => {
                observer.observe(&element);
                let observer = SendWrapper::new(observer);
                let seen = SendWrapper::new(seen);
                on_cleanup(move || {
                    observer.disconnect();
                    drop(seen);
                });
            }
            Err(_) => near.set(true),
        }
    });
    near.into()
}

/// Fetches a part in the background (say, when the control that shows it comes into
/// view), so it is there when asked for.
pub fn preload<Fut: Future + 'static>(preload: impl FnOnce() -> Fut) {
    let fut = preload();
    leptos::task::spawn_local(async move {
        let _ = fut.await;
    });
}

/// A part's `$load`, boxed, so every [`Deferred`] shares one copy of its code in the
/// first load instead of one per part.
type LoadPart = std::sync::Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<AnyView, SplitLoaderError>>>>
        + Send
        + Sync,
>;

/// Shows the part `load` gives from the first time `when` is true, and keeps it. A part
/// that can't be fetched says so where it would have been, with "Try again".
#[component]
pub fn Deferred<F, Fut>(
    /// Becomes true when the part is needed.
    #[prop(into)]
    when: Signal<bool>,
    /// The part's `$load` from [`split_view!`].
    load: F,
    /// What the part is, for the message if it can't be fetched ("The chat").
    what: &'static str,
) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<AnyView, SplitLoaderError>> + 'static,
{
    deferred(when, std::sync::Arc::new(move || Box::pin(load())), what)
}

fn deferred(when: Signal<bool>, load: LoadPart, what: &'static str) -> AnyView {
    // Once needed, always needed: closing the panel keeps a chat's state.
    let needed = Memo::new(move |was: Option<&bool>| was.copied().unwrap_or(false) || when.get());
    let attempt = RwSignal::new(0u32);
    (move || {
        attempt.track();
        let load = load.clone();
        needed.get().then(move || {
            // The part's future lives in this browser thread only.
            Suspend::new(SendWrapper::new(async move {
                match load().await {
                    Ok(part) => part,
                    Err(_) => view! {
                        <p class="form-error" role="alert">
                            {what} " didn't load: the connection dropped. "
                            <button
                                type="button"
                                class="button"
                                on:click=move |_| attempt.update(|n| *n += 1)
                            >
                                "Try again"
                            </button>
                        </p>
                    }
                    .into_any(),
                }
            }))
        })
    })
    .into_any()
}
