//! Reading the catalog: categories, products with their variants and live stock, search.
//!
//! The types these functions carry live in `storefront_model::catalog` and are re-exported here.

pub use storefront_model::catalog::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use storefront_domain::search::SearchParams;

/// Categories for the navigation.
#[server(prefix = "/api", endpoint = "categories", input = Json)]
pub async fn list_categories() -> Result<Vec<Category>, ShopError> {
    super::respond(super::state()?.catalog().categories().await)
}

/// Categories and a selection of products for the home page.
#[server(prefix = "/api", endpoint = "home", input = Json)]
pub async fn get_home() -> Result<HomeListing, ShopError> {
    super::respond(super::state()?.catalog().home().await)
}

/// One category and its products.
#[server(prefix = "/api", endpoint = "category", input = Json)]
pub async fn get_category(slug: String) -> Result<CategoryListing, ShopError> {
    super::respond(super::state()?.catalog().category(&slug).await)
}

/// A product with every variant's live stock and, for the shopper's `region`, where it
/// ships from and when it arrives.
#[server(prefix = "/api", endpoint = "product", input = Json)]
pub async fn get_product(
    slug: String,
    #[server(default)] region: String,
) -> Result<ProductDetail, ShopError> {
    super::respond(super::state()?.catalog().product(&slug, &region).await)
}

/// The results page for the shopper's choices: typo-tolerant matching, facets, sorting.
/// `region` is where the shopper said they are (for "in stock near you").
#[server(prefix = "/api", endpoint = "search", input = Json)]
pub async fn search_products(
    params: SearchParams,
    #[server(default)] region: String,
) -> Result<SearchResults, ShopError> {
    super::respond(super::state()?.catalog().search(params, &region).await)
}

/// Suggestions for the search box as the shopper types.
#[server(prefix = "/api", endpoint = "suggest", input = Json)]
pub async fn suggest(query: String) -> Result<Suggestions, ShopError> {
    super::respond(super::state()?.catalog().suggest(&query).await)
}

/// "Goes well with" product `slug` and/or the cart's variants: what their buyers also
/// bought, in stock, not among them.
#[server(prefix = "/api", endpoint = "goes_with", input = Json)]
pub async fn get_goes_with(
    #[server(default)] slug: Option<String>,
    #[server(default)] variant_ids: Vec<i64>,
) -> Result<Vec<ProductCard>, ShopError> {
    super::respond(
        super::state()?
            .recommendations()
            .goes_with(slug.as_deref(), &variant_ids)
            .await,
    )
}

/// "Picked for you" for the signed-in customer (nothing for anyone else).
#[server(prefix = "/api", endpoint = "picked_for_you", input = Json)]
pub async fn get_picked_for_you() -> Result<Vec<ProductCard>, ShopError> {
    let caller = storefront_server::session::Caller::current();
    super::respond(super::state()?.recommendations().for_me(&caller).await)
}
