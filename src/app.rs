//! The shop's app: the router and the page layout shared by every route. The staff
//! screens are another app (`crate::console::StaffApp`, its own bundle).
//!
//! Browsing (home, categories, products, the cart) is in the first load; the pages a
//! shopper reaches later (search results, checkout, an order's pages, finding an order,
//! returns, alert confirmations, reviewing an order) are lazy routes. A release build with feature `split`
//! (`scripts/build-app.sh`, `scripts/split-wasm.sh`) puts each in a wasm part of its own,
//! fetched the first time it is shown; without it (`trunk serve`, tests) they are ordinary
//! pages behind the same routes.

use crate::components::notice::PartNotLoaded;
use crate::components::offline::{register_service_worker, OfflineNotice};
use crate::components::part::split_view;
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
    home::HomePage,
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

/// A route whose page is loaded when first shown: `$route` for the router, `$load` the
/// split point (its own wasm part with feature `split`) and `$preload` the fetch of that
/// part alone, `$page` the component. The router preloads every level of a nested route
/// at once (checkout's layout and its step come together, not one after the other). A
/// part that can't be fetched (a dropped connection) leaves the shop running and says so.
macro_rules! lazy_page {
    ($($route:ident => $load:ident, $preload:ident => $page:ident;)*) => {$(
        struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                match $load().await {
                    Ok(page) => page,
                    Err(_) => view! { <PartNotLoaded /> }.into_any(),
                }
            }

            async fn preload() {
                // A failure is shown by `view`, which tries again.
                let _ = $preload().await;
            }
        }

        split_view!($load(), $preload => view! { <$page /> });
    )*};
}

lazy_page! {
    CheckoutRoute => checkout_layout, preload_checkout_layout => CheckoutLayout;
    CheckoutStartRoute => checkout_start, preload_checkout_start => CheckoutStart;
    ContactRoute => contact_step, preload_contact_step => ContactStep;
    DeliveryRoute => delivery_step, preload_delivery_step => DeliveryStep;
    PaymentRoute => payment_step, preload_payment_step => PaymentStep;
    ReviewRoute => review_step, preload_review_step => ReviewStep;
    FindOrderRoute => find_order_page, preload_find_order_page => FindOrderPage;
    ConfirmationRoute => confirmation_page, preload_confirmation_page => ConfirmationPage;
    OrderStatusRoute => order_status_page, preload_order_status_page => OrderStatusPage;
    ReturnLabelRoute => return_label_page, preload_return_label_page => ReturnLabelPage;
    ReturnsRoute => returns_page, preload_returns_page => ReturnsPage;
    MailLinkRoute => mail_link_page, preload_mail_link_page => MailLinkPage;
    SearchRoute => search_page, preload_search_page => SearchPage;
    AccountRoute => account_page, preload_account_page => AccountPage;
    SignInRoute => sign_in_page, preload_sign_in_page => SignInPage;
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
        leptos::task::spawn_local(async {
            let _ = preload_search_page().await;
        });
    })));
    // So is a product page: a product's tile fetches it when pointed at or focused.
    provide_context(ProductPagePart(Callback::new(|()| {
        leptos::task::spawn_local(async {
            let _ = preload_product_page().await;
        });
    })));
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader />
            <OfflineNotice />
            <div class="layout">
                <main id="main" class="layout__main" tabindex="-1">
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/c/:slug") view=CategoryPage />
                        <Route path=path!("/p/:slug") view={Lazy::<ProductRoute>::new()} />
                        <Route path=path!("/search") view={Lazy::<SearchRoute>::new()} />
                        <Route path=path!("/cart") view=CartPage />
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
