//! Reading the catalog: categories, products with their variants and live stock, search.

use super::ShopError;
use crate::domain::money::Money;
use crate::domain::stock::Availability;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A category as the navigation and home page show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub slug: String,
    pub name: String,
    pub blurb: String,
    pub product_count: u32,
}

/// A product in a list or grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCard {
    pub slug: String,
    pub name: String,
    pub category: String,
    pub price: Money,
    pub image: String,
    /// Whether any variant can be bought now.
    pub in_stock: bool,
}

/// One size/colour of a product with its stock right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub id: i64,
    pub sku: String,
    pub colour: Option<String>,
    pub size: Option<String>,
    pub availability: Availability,
}

impl Variant {
    /// "Navy, M" / "One size".
    pub fn label(&self) -> String {
        match (&self.colour, &self.size) {
            (Some(c), Some(s)) => format!("{c}, {s}"),
            (Some(c), None) => c.clone(),
            (None, Some(s)) => s.clone(),
            (None, None) => "One size".to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPage {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub details: Vec<String>,
    pub price: Money,
    pub image: String,
    pub category: Category,
    pub variants: Vec<Variant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomePage {
    pub categories: Vec<Category>,
    pub featured: Vec<ProductCard>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryPage {
    pub category: Category,
    pub products: Vec<ProductCard>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub query: String,
    pub products: Vec<ProductCard>,
}

/// Longest search query looked at; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 100;

/// Categories for the navigation.
#[server(prefix = "/api", endpoint = "categories")]
pub async fn list_categories() -> Result<Vec<Category>, ShopError> {
    super::state()?.catalog().categories().await
}

/// Categories and a selection of products for the home page.
#[server(prefix = "/api", endpoint = "home")]
pub async fn get_home() -> Result<HomePage, ShopError> {
    super::state()?.catalog().home().await
}

/// One category and its products.
#[server(prefix = "/api", endpoint = "category")]
pub async fn get_category(slug: String) -> Result<CategoryPage, ShopError> {
    super::state()?.catalog().category(&slug).await
}

/// A product with every variant's live stock.
#[server(prefix = "/api", endpoint = "product")]
pub async fn get_product(slug: String) -> Result<ProductPage, ShopError> {
    super::state()?.catalog().product(&slug).await
}

/// Products matching every word of `query` in their name, category or description.
#[server(prefix = "/api", endpoint = "search")]
pub async fn search_products(query: String) -> Result<SearchResults, ShopError> {
    super::state()?.catalog().search(&query).await
}
