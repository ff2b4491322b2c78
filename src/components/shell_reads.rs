//! What the layout asks the server for as the shop starts: the categories (the header's
//! row) and the number the help bar's "Call us" dials. Both calls and the readers of their
//! answers are a part of their own (`shell_reads`), fetched as the shop starts beside the
//! page's part, so the first load carries neither the server functions' client nor the
//! readers of their answers: the layout paints from the first load (the header's row
//! keeps its height, the bar the built-in number) and fills these in.
//! `scripts/part-packs.py` has every page preload this part and the service worker keep it
//! with the shell, so the categories and the number are there offline too.

use super::part::split_fn;
use crate::api::catalog::{list_categories, Category};
use crate::api::support::get_help_phone;
use std::future::Future;
use std::pin::Pin;

/// A call, not yet started; `None` for an answer the server couldn't give.
type Call<T> = Pin<Box<dyn Future<Output = Option<T>>>>;

/// The layout's calls: each starts when awaited.
struct ShellCalls {
    categories: Call<Vec<Category>>,
    phone_tel: Call<String>,
}

split_fn!(shell_reads() -> ShellCalls, preload_shell_reads => ShellCalls {
    categories: Box::pin(async { list_categories().await.ok() }),
    phone_tel: Box::pin(async { get_help_phone().await.ok() }),
});

/// The shop's categories, for the header's row; `None` if they can't be had.
pub async fn read_categories() -> Option<Vec<Category>> {
    shell_reads().await.ok()?.categories.await
}

/// The number the help bar's "Call us" dials, as the owner last saved it; `None` if it
/// can't be had (the bar keeps the built-in one).
pub async fn read_phone_tel() -> Option<String> {
    shell_reads().await.ok()?.phone_tel.await
}
