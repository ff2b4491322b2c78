//! Reviews on the wire: what the follow-up's page shows and sends, what a product page
//! lists, and the staff's queue of reviews to read.

pub use storefront_domain::reviews::{RatingSummary, ReviewDraft, ReviewSort, ReviewStatus};

use serde::{Deserialize, Serialize};

/// The page the follow-up mail links to: what the order delivered, each with the
/// customer's review of it so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInvitation {
    pub order_number: String,
    pub items: Vec<ReviewItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub slug: String,
    pub name: String,
    pub image: String,
    pub review: Option<MyReview>,
}

/// The customer's own review, as they left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyReview {
    pub stars: u8,
    pub title: String,
    pub text: String,
    pub name: String,
    pub status: ReviewStatus,
    /// Why staff did not show it, when they did not.
    pub reason: Option<String>,
}

/// A review as a product page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownReview {
    pub id: i64,
    pub stars: u8,
    pub title: String,
    pub text: String,
    /// "Sam from Leeds", or "A verified buyer".
    pub name: String,
    /// `3 Dec 2026`.
    pub written_on: String,
    /// Written from an order that delivered the product (the demo catalog's seeded
    /// reviews are not).
    pub verified: bool,
}

/// A product's ratings and one page of its written reviews.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductReviews {
    pub summary: RatingSummary,
    /// Written reviews matching the filter (the list shows a page of them).
    pub matching: u32,
    pub reviews: Vec<ShownReview>,
}

/// A written review waiting for staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReview {
    pub id: i64,
    pub product_name: String,
    pub product_slug: String,
    pub stars: u8,
    pub title: String,
    pub text: String,
    pub name: String,
    pub order_number: String,
    /// `3 Dec 2026`.
    pub written_on: String,
}
