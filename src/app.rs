//! The shop's app: the router and the page layout shared by every route. The staff
//! screens are another app (`crate::console::StaffApp`, its own bundle).

use crate::components::{provide_cart, provide_help, provide_region, HelpPanel, SiteHeader};
use crate::pages::{
    alerts::AlertConfirmPage,
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
    search::SearchPage,
};
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The whole storefront.
#[component]
pub fn App() -> impl IntoView {
    provide_cart();
    provide_region();
    provide_help();
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader />
            <div class="layout">
                <main id="main" class="layout__main" tabindex="-1">
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/c/:slug") view=CategoryPage />
                        <Route path=path!("/p/:slug") view=ProductPage />
                        <Route path=path!("/search") view=SearchPage />
                        <Route path=path!("/cart") view=CartPage />
                        <ParentRoute path=path!("/checkout") view=CheckoutLayout>
                            <Route path=path!("") view=CheckoutStart />
                            <Route path=path!("contact") view=ContactStep />
                            <Route path=path!("delivery") view=DeliveryStep />
                            <Route path=path!("payment") view=PaymentStep />
                            <Route path=path!("review") view=ReviewStep />
                        </ParentRoute>
                        <Route path=path!("/orders/find") view=FindOrderPage />
                        <Route path=path!("/orders/:number/confirmation") view=ConfirmationPage />
                        <Route path=path!("/orders/:number") view=OrderStatusPage />
                        <Route path=path!("/orders/:number/returns/:code") view=ReturnLabelPage />
                        <Route path=path!("/help/returns") view=ReturnsPage />
                        <Route path=path!("/alerts/confirm") view=AlertConfirmPage />
                    </Routes>
                </main>
                <HelpPanel />
            </div>
            <footer class="site-footer">
                <p>{format!("Storefront · Free returns within {} days · We never share your personal data.", crate::domain::returns::RETURN_DAYS)}</p>
                <p><a href="/help/returns">"Returns and exchanges"</a>" · "<a href="/orders/find">"Find my order"</a></p>
            </footer>
        </Router>
    }
}

/// Starts the browser app.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
