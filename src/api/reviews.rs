//! Reviews: the follow-up link's page (rating in one click, writing a review), a
//! product's reviews, and the agent console's queue of written reviews to read.
//!
//! The types these functions carry live in `storefront_model::reviews` and are re-exported here.

pub use storefront_model::reviews::*;

use super::ShopError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// What the order behind the follow-up's link `token` delivered, with the reviews so far.
#[server(prefix = "/api", endpoint = "review_invitation", input = Json)]
pub async fn get_review_invitation(token: String) -> Result<ReviewInvitation, ShopError> {
    super::respond(super::state()?.reviews().invitation(&token).await)
}

/// Rates product `slug` from the link's order (any words written stay as they were).
#[server(prefix = "/api", endpoint = "rate_product", input = Json)]
pub async fn rate_product(token: String, slug: String, stars: u8) -> Result<MyReview, ShopError> {
    super::respond(super::state()?.reviews().rate(&token, &slug, stars).await)
}

/// Writes (or rewrites) the review of product `slug` from the link's order.
#[server(prefix = "/api", endpoint = "write_review", input = Json)]
pub async fn write_review(
    token: String,
    slug: String,
    review: ReviewDraft,
) -> Result<MyReview, ShopError> {
    super::respond(
        super::state()?
            .reviews()
            .write(&token, &slug, &review)
            .await,
    )
}

/// A product's ratings and a page of its written reviews, sorted and filtered by stars.
#[server(prefix = "/api", endpoint = "product_reviews", input = Json)]
pub async fn get_product_reviews(
    slug: String,
    #[server(default)] sort: ReviewSort,
    #[server(default)] stars: Option<u8>,
    #[server(default)] page: u32,
) -> Result<ProductReviews, ShopError> {
    super::respond(
        super::state()?
            .reviews()
            .for_product(&slug, sort, stars, page)
            .await,
    )
}
