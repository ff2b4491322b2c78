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

use crate::components::notice::PartNotLoaded;
use crate::components::offline::{register_service_worker, OfflineNotice};
use crate::components::part::{preload, split_view};
use crate::components::product_card::ProductPagePart;
use crate::components::search_box::SearchPagePart;
use crate::components::{provide_cart, provide_help, provide_region, HelpPanel, SiteHeader};
use crate::pages::{
    account::{AccountPage, SignInPage},
    alerts::MailLinkPage,
    cart::CartPage,
    category::CategoryPage,
    checkout::{CheckoutLayout, CheckoutStart, ContactStep, DeliveryStep, PaymentStep, ReviewStep},
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
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, LazyRoute};

/// Routes whose page is loaded when first shown: `$route` for the router, showing what
/// `$load($args)` gives (a split point: its own wasm part with feature `split`) and
/// preloading with `$preload` (the fetch of that part alone). Several routes may share one
/// part (checkout's steps, an order's pages): fewer parts means fewer files, because the
/// splitter cuts the code parts share into a chunk per set of sharers. The router preloads
/// every level of a nested route at once. A part that can't be fetched (a dropped
/// connection) leaves the shop running and says so.
macro_rules! lazy_route {
    ($($route:ident => $load:ident($($arg:expr),*), $preload:ident;)*) => {$(
        struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                match $load($($arg),*).await {
                    Ok(page) => page,
                    Err(_) => view! { <PartNotLoaded /> }.into_any(),
                }
            }

            async fn preload() {
                // A failure is shown by `view`, which tries again.
                let _ = $preload().await;
            }
        }
    )*};
}

/// A lazy route with a part of its own showing the component `$page`.
macro_rules! lazy_page {
    ($($route:ident => $load:ident, $preload:ident => $page:ident;)*) => {$(
        lazy_route! { $route => $load(), $preload; }
        split_view!($load(), $preload => view! { <$page /> });
    )*};
}

/// Checkout's layout and steps, one part: a shopper who starts checking out goes through
/// them all.
#[derive(Clone, Copy)]
enum CheckoutView {
    Layout,
    Start,
    Contact,
    Delivery,
    Payment,
    Review,
}

split_view!(checkout_part(page: CheckoutView), preload_checkout_part => match page {
    CheckoutView::Layout => view! { <CheckoutLayout /> }.into_any(),
    CheckoutView::Start => view! { <CheckoutStart /> }.into_any(),
    CheckoutView::Contact => view! { <ContactStep /> }.into_any(),
    CheckoutView::Delivery => view! { <DeliveryStep /> }.into_any(),
    CheckoutView::Payment => view! { <PaymentStep /> }.into_any(),
    CheckoutView::Review => view! { <ReviewStep /> }.into_any(),
});

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

lazy_route! {
    HomeRoute => browse_part(BrowseView::Home), preload_browse_part;
    CategoryRoute => browse_part(BrowseView::Category), preload_browse_part;
    CheckoutRoute => checkout_part(CheckoutView::Layout), preload_checkout_part;
    CheckoutStartRoute => checkout_part(CheckoutView::Start), preload_checkout_part;
    ContactRoute => checkout_part(CheckoutView::Contact), preload_checkout_part;
    DeliveryRoute => checkout_part(CheckoutView::Delivery), preload_checkout_part;
    PaymentRoute => checkout_part(CheckoutView::Payment), preload_checkout_part;
    ReviewRoute => checkout_part(CheckoutView::Review), preload_checkout_part;
    FindOrderRoute => order_part(OrderView::Find), preload_order_part;
    ConfirmationRoute => order_part(OrderView::Confirmation), preload_order_part;
    OrderStatusRoute => order_part(OrderView::Status), preload_order_part;
    ReturnLabelRoute => order_part(OrderView::ReturnLabel), preload_order_part;
    AccountRoute => account_part(AccountView::Account), preload_account_part;
    SignInRoute => account_part(AccountView::SignIn), preload_account_part;
}

lazy_page! {
    CartRoute => cart_page, preload_cart_page => CartPage;
    ReturnsRoute => returns_page, preload_returns_page => ReturnsPage;
    MailLinkRoute => mail_link_page, preload_mail_link_page => MailLinkPage;
    SearchRoute => search_page, preload_search_page => SearchPage;
    ReviewPageRoute => review_page, preload_review_page => ReviewPage;
    ProductRoute => product_page, preload_product_page => ProductPage;
}

/// The whole storefront.
#[component]
pub fn App() -> impl IntoView {
    provide_cart();
    provide_region();
    provide_help();
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
                    <Routes fallback=NotFoundPage>
                        <ParentRoute path=path!("/") view=HomeHero>
                            <Route path=path!("") view={Lazy::<HomeRoute>::new()} />
                        </ParentRoute>
                        <Route path=path!("/c/:slug") view={Lazy::<CategoryRoute>::new()} />
                        <Route path=path!("/p/:slug") view={Lazy::<ProductRoute>::new()} />
                        <Route path=path!("/search") view={Lazy::<SearchRoute>::new()} />
                        <Route path=path!("/cart") view={Lazy::<CartRoute>::new()} />
                        <ParentRoute path=path!("/checkout") view={Lazy::<CheckoutRoute>::new()}>
                            <Route path=path!("") view={Lazy::<CheckoutStartRoute>::new()} />
                            <Route path=path!("contact") view={Lazy::<ContactRoute>::new()} />
                            <Route path=path!("delivery") view={Lazy::<DeliveryRoute>::new()} />
                            <Route path=path!("payment") view={Lazy::<PaymentRoute>::new()} />
                            <Route path=path!("review") view={Lazy::<ReviewRoute>::new()} />
                        </ParentRoute>
                        <Route path=path!("/orders/find") view={Lazy::<FindOrderRoute>::new()} />
                        <Route path=path!("/orders/:number/confirmation") view={Lazy::<ConfirmationRoute>::new()} />
                        <Route path=path!("/orders/:number") view={Lazy::<OrderStatusRoute>::new()} />
                        <Route path=path!("/orders/:number/returns/:code") view={Lazy::<ReturnLabelRoute>::new()} />
                        <Route path=path!("/help/returns") view={Lazy::<ReturnsRoute>::new()} />
                        <Route path=path!("/alerts/confirm") view={Lazy::<MailLinkRoute>::new()} />
                        <Route path=path!("/alerts/price") view={Lazy::<MailLinkRoute>::new()} />
                        <Route path=path!("/unsubscribe") view={Lazy::<MailLinkRoute>::new()} />
                        <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} />
                        <Route path=path!("/account/sign-in") view={Lazy::<SignInRoute>::new()} />
                        <Route path=path!("/offers/confirm") view={Lazy::<MailLinkRoute>::new()} />
                        <Route path=path!("/review/:token") view={Lazy::<ReviewPageRoute>::new()} />
                    </Routes>
                </main>
                <HelpPanel />
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
