//! The warehouse back-office's functions, under `/api/warehouse`. Every one but sign-in
//! needs a warehouse session (its own cookie and accounts, `STOREFRONT_WAREHOUSE`); an
//! agent's or a shopper's cookie, or none, is answered 401.
//!
//! The types these functions carry live in `storefront_model::warehouse` and are
//! re-exported here.

pub use storefront_model::warehouse::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use storefront_server::{agents::SignedInWarehouse, AppState};

/// Runs `work` for the member of the warehouse team behind the request (401 for anyone
/// else); only the session check can make a [`SignedInWarehouse`].
#[cfg(feature = "ssr")]
async fn as_warehouse<T, F, Fut>(work: F) -> Result<T, ShopError>
where
    F: FnOnce(AppState, SignedInWarehouse) -> Fut,
    Fut: std::future::Future<Output = Result<T, ShopError>>,
{
    let state = super::state()?;
    super::respond(
        async {
            let staff = state.agents().warehouse_current().await?;
            work(state.clone(), staff).await
        }
        .await,
    )
}

/// Signs a member of the warehouse team in and sets the session cookie.
#[server(prefix = "/api/warehouse", endpoint = "sign_in", input = Json)]
pub async fn warehouse_sign_in(name: String, password: String) -> Result<StaffView, ShopError> {
    let state = super::state()?;
    super::respond(
        state
            .agents()
            .warehouse_sign_in(&name, &password)
            .await
            .map(|name| StaffView { name }),
    )
}

/// Ends the session.
#[server(prefix = "/api/warehouse", endpoint = "sign_out", input = Json)]
pub async fn warehouse_sign_out() -> Result<(), ShopError> {
    let state = super::state()?;
    super::respond(state.agents().warehouse_sign_out().await)
}

/// The signed-in member of the warehouse team, or 401.
#[server(prefix = "/api/warehouse", endpoint = "me", input = Json)]
pub async fn warehouse_me() -> Result<StaffView, ShopError> {
    as_warehouse(|_, staff| async move {
        Ok(StaffView {
            name: staff.name().to_owned(),
        })
    })
    .await
}

/// A centre's shipments to pack, packed, and shipped in the last day (`centre` is its
/// code; the first centre if it is unknown).
#[server(prefix = "/api/warehouse", endpoint = "work", input = Json)]
pub async fn get_centre_work(centre: String) -> Result<CentreWork, ShopError> {
    as_warehouse(|state, staff| async move { state.fulfilment().work(&staff, &centre).await }).await
}

/// Marks a shipment packed.
#[server(prefix = "/api/warehouse", endpoint = "pack", input = Json)]
pub async fn pack_shipment(id: i64) -> Result<(), ShopError> {
    as_warehouse(|state, staff| async move { state.fulfilment().pack(&staff, id).await }).await
}

/// Hands a packed shipment to a carrier under a tracking number; its money is taken now.
#[server(prefix = "/api/warehouse", endpoint = "ship", input = Json)]
pub async fn ship_shipment(id: i64, carrier: String, tracking: String) -> Result<(), ShopError> {
    as_warehouse(|state, staff| async move {
        state
            .fulfilment()
            .ship(&staff, id, &carrier, &tracking)
            .await
    })
    .await
}

/// Receives stock at a centre: waiting orders are served first, then "back in stock"
/// sign-ups are mailed.
#[server(prefix = "/api/warehouse", endpoint = "receive", input = Json)]
pub async fn receive_stock(
    centre: String,
    sku: String,
    quantity: u32,
) -> Result<Received, ShopError> {
    as_warehouse(|state, staff| async move {
        state
            .stock()
            .receive_by(&staff, &centre, &sku, quantity)
            .await
    })
    .await
}

/// A centre's returns: on their way, received and to check, settled in the last day.
#[server(prefix = "/api/warehouse", endpoint = "returns", input = Json)]
pub async fn get_returns(centre: String) -> Result<ReturnsWork, ShopError> {
    as_warehouse(|state, staff| async move { state.returns().work(&staff, &centre).await }).await
}

/// The returns desk takes in a returned parcel by the code on its label.
#[server(prefix = "/api/warehouse", endpoint = "receive_return", input = Json)]
pub async fn receive_return(code: String) -> Result<ReturnTask, ShopError> {
    as_warehouse(|state, staff| async move { state.returns().receive(&staff, &code).await }).await
}

/// Refunds a received return through the gateway, or refuses it with `because` (words
/// for the customer).
#[server(prefix = "/api/warehouse", endpoint = "settle_return", input = Json)]
pub async fn settle_return(
    id: i64,
    refund: bool,
    #[server(default)] because: String,
) -> Result<ReturnTask, ShopError> {
    as_warehouse(|state, staff| async move {
        state.returns().settle(&staff, id, refund, &because).await
    })
    .await
}
