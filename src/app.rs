//! The shop's app: the router and the page layout shared by every route. The staff
//! screens are another app (`crate::console::StaffApp`, its own bundle).
//!
//! The first load is the layout (header, help bar, footer) and the home page's heading;
//! every page (the rest of the home page, a category, a product, search results, the cart,
//! checkout, an order's pages, finding an order, returns, alert confirmations, the
//! account, reviewing an order) is a lazy route. A release build with feature `split`
//! (`scripts/build-app.sh`, `scripts/split-wasm.sh`) puts each in a wasm part (routes used
//! one after another share one), fetched in one download (its pack) the first time it is
//! shown, or preloaded by the page when opened directly (`scripts/part-packs.py`); without
//! it (`trunk serve`, tests) they are ordinary pages behind the same routes.

use crate::components::browser::Later;
use crate::components::notice::PartNotLoaded;
use crate::components::offline::{register_service_worker, OfflineNotice};
use crate::components::part::{preload, split_view, Deferred};
use crate::components::product_card::ProductPagePart;
use crate::components::search_box::{SearchBoxText, SearchPagePart};
use crate::components::{provide_cart, provide_help, provide_region, HelpPanel, SiteHeader};
use crate::pages::{
    account::{AccountPage, SignInPage},
    alerts::MailLinkPage,
    cart::CartPage,
    category::CategoryPage,
    checkout::CheckoutLayout,
    find_order::FindOrderPage,
    home::{HomeHero, HomePage},
    not_found::NotFoundPage,
    order::{ConfirmationPage, OrderStatusPage},
    order_returns::ReturnLabelPage,
    product::ProductPage,
    returns::ReturnsPage,
    review::ReviewPage,
    search::SearchPage,
};
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::{path, ChooseView, PossibleRouteMatch};
use std::sync::Arc;

/// The pages loaded when first shown: `Page::$page` is a route's view, showing what
/// `$load($args)` gives (a split point: its own wasm part with feature `split`);
/// `$preload`, named `preload_` and the part, names the page's part for
/// `scripts/part-packs.py`, which gives a page opened directly a preload link for it
/// (`ChooseView`'s preload is left empty: only the nested router calls it). Several pages
/// may share one part (an order's pages, browsing): fewer parts means fewer files,
/// because the splitter cuts the code parts share into a chunk per set of sharers. A part
/// that can't be fetched (a dropped connection) leaves the shop running and says so.
///
/// One type for every lazy page (not a `LazyRoute` type each) and one for every path
/// ([`route`]): the router's code is generic over both, so the first load has one copy of
/// it. The routes are flat (`FlatRoutes`, no nested routes): the nested router's code was
/// about 11 kB brotli of the first load.
macro_rules! lazy_pages {
    ($($page:ident => $load:ident($($arg:expr),*), $preload:ident;)*) => {
        #[derive(Clone, Copy)]
        enum Page {
            $($page),*
        }

        impl ChooseView for Page {
            async fn choose(self) -> AnyView {
                let page = match self {
                    $(Self::$page => $load($($arg),*).await),*
                };
                page.unwrap_or_else(|_| view! { <PartNotLoaded /> }.into_any())
            }

            async fn preload(&self) {}
        }
    };
}

// Checkout, every step (one route: moving between steps keeps the form), a part of its
// own: a shopper who starts checking out goes through them all.
split_view!(checkout_page(), preload_checkout_page => view! { <CheckoutLayout /> });

/// An order's pages, one part: finding it, its confirmation, its status, a return's label.
#[derive(Clone, Copy)]
enum OrderView {
    Find,
    Confirmation,
    Status,
    ReturnLabel,
}

split_view!(order_part(page: OrderView), preload_order_part => match page {
    OrderView::Find => view! { <FindOrderPage /> }.into_any(),
    OrderView::Confirmation => view! { <ConfirmationPage /> }.into_any(),
    OrderView::Status => view! { <OrderStatusPage /> }.into_any(),
    OrderView::ReturnLabel => view! { <ReturnLabelPage /> }.into_any(),
});

/// Browsing: the home page (under its heading, which is in the first load) and a
/// category's, one part.
#[derive(Clone, Copy)]
enum BrowseView {
    Home,
    Category,
}

split_view!(browse_part(page: BrowseView), preload_browse_part => match page {
    BrowseView::Home => view! { <HomePage /> }.into_any(),
    BrowseView::Category => view! { <CategoryPage /> }.into_any(),
});

/// The account and signing in to it, one part.
#[derive(Clone, Copy)]
enum AccountView {
    Account,
    SignIn,
}

split_view!(account_part(page: AccountView), preload_account_part => match page {
    AccountView::Account => view! { <AccountPage /> }.into_any(),
    AccountView::SignIn => view! { <SignInPage /> }.into_any(),
});

lazy_pages! {
    Home => home_page(), preload_browse_part;
    Category => browse_part(BrowseView::Category), preload_browse_part;
    Product => product_page(), preload_product_page;
    Search => search_page(), preload_search_page;
    Cart => cart_page(), preload_cart_page;
    Checkout => checkout_page(), preload_checkout_page;
    FindOrder => order_part(OrderView::Find), preload_order_part;
    Confirmation => order_part(OrderView::Confirmation), preload_order_part;
    OrderStatus => order_part(OrderView::Status), preload_order_part;
    ReturnLabel => order_part(OrderView::ReturnLabel), preload_order_part;
    Returns => returns_page(), preload_returns_page;
    MailLink => mail_link_page(), preload_mail_link_page;
    Account => account_part(AccountView::Account), preload_account_part;
    SignIn => account_part(AccountView::SignIn), preload_account_part;
    ReviewOrder => review_page(), preload_review_page;
}

/// The home page: its heading at once (in the first load: it is what a shopper reads
/// first, and the page's largest paint), the rest under it when the browse part comes.
#[allow(clippy::unused_async)]
async fn home_page() -> Result<AnyView, SplitLoaderError> {
    Ok(view! {
        <HomeHero />
        <Deferred when=true load=|| browse_part(BrowseView::Home) what="The categories and popular products" />
    }
    .into_any())
}

// Pages with a part of their own.
split_view!(cart_page(), preload_cart_page => view! { <CartPage /> });
split_view!(returns_page(), preload_returns_page => view! { <ReturnsPage /> });
split_view!(mail_link_page(), preload_mail_link_page => view! { <MailLinkPage /> });
split_view!(search_page(), preload_search_page => view! { <SearchPage /> });
split_view!(review_page(), preload_review_page => view! { <ReviewPage /> });
split_view!(product_page(), preload_product_page => view! { <ProductPage /> });

/// A route's path behind one type: the router's matching code is generic over a route's
/// path, so with every route's path of one type the first load has one copy of it, not
/// one per shape of path (`/cart`, `/p/:slug`, `/orders/:number/confirmation`, …).
fn route(
    path: impl PossibleRouteMatch + Send + Sync + 'static,
) -> Arc<dyn PossibleRouteMatch + Send + Sync> {
    Arc::new(path)
}

/// The whole storefront.
#[component]
pub fn App() -> impl IntoView {
    provide_cart();
    provide_region();
    provide_help();
    // The search box's text, which the results page sets to its query.
    provide_context(SearchBoxText(RwSignal::new(String::new())));
    // The results page is a part: the search box fetches it as soon as someone starts a
    // search, so it is there by the time they press Enter.
    provide_context(SearchPagePart(Callback::new(|()| {
        preload(preload_search_page)
    })));
    // So is a product page: a product's tile fetches it when pointed at or focused.
    provide_context(ProductPagePart(Callback::new(|()| {
        preload(preload_product_page)
    })));
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader />
            <OfflineNotice />
            <div class="layout">
                <main id="main" class="layout__main" tabindex="-1">
                    // The page and the help panel each drawn in a task of their own, after
                    // the header's (components::browser::Later): the first task stays short
                    // (README "Size and speed on a phone"). The layout keeps their space, so
                    // nothing moves when they come.
                    <Later>
                        <FlatRoutes fallback=NotFoundPage>
                            <Route path=route(path!("/")) view={Page::Home} />
                            <Route path=route(path!("/c/:slug")) view={Page::Category} />
                            <Route path=route(path!("/p/:slug")) view={Page::Product} />
                            <Route path=route(path!("/search")) view={Page::Search} />
                            <Route path=route(path!("/cart")) view={Page::Cart} />
                            <Route path=route(path!("/checkout/:step?")) view={Page::Checkout} />
                            <Route path=route(path!("/orders/find")) view={Page::FindOrder} />
                            <Route path=route(path!("/orders/:number/confirmation")) view={Page::Confirmation} />
                            <Route path=route(path!("/orders/:number")) view={Page::OrderStatus} />
                            <Route path=route(path!("/orders/:number/returns/:code")) view={Page::ReturnLabel} />
                            <Route path=route(path!("/help/returns")) view={Page::Returns} />
                            <Route path=route(path!("/alerts/confirm")) view={Page::MailLink} />
                            <Route path=route(path!("/alerts/price")) view={Page::MailLink} />
                            <Route path=route(path!("/unsubscribe")) view={Page::MailLink} />
                            <Route path=route(path!("/account")) view={Page::Account} />
                            <Route path=route(path!("/account/sign-in")) view={Page::SignIn} />
                            <Route path=route(path!("/offers/confirm")) view={Page::MailLink} />
                            <Route path=route(path!("/review/:token")) view={Page::ReviewOrder} />
                        </FlatRoutes>
                    </Later>
                </main>
                <Later>
                    <HelpPanel />
                </Later>
            </div>
            <footer class="site-footer">
                <p>{format!("Storefront · Free returns within {} days · We never share your personal data.", crate::domain::returns::RETURN_DAYS)}</p>
                <p><a href="/help/returns">"Returns and exchanges"</a>" · "<a href="/orders/find">"Find my order"</a>" · "<a href="/account">"Your account"</a></p>
            </footer>
        </Router>
    }
}

/// Starts the browser app.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
    register_service_worker();
}
