//! Reading the catalog: categories, products with their variants and live stock, search.

use serde::{Deserialize, Serialize};
use storefront_domain::date::CalendarDate;
use storefront_domain::money::Money;
use storefront_domain::search::{Facets, SearchParams, Understanding};
use storefront_domain::stock::Availability;

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
    /// For the shopper's region: the nearest centre holding it, and the arrival day.
    pub delivery: Option<DeliveryPromise>,
}

/// "Ships from Leeds, arrives Tue 25 Nov".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPromise {
    pub centre: String,
    pub arrives: CalendarDate,
}

impl DeliveryPromise {
    pub fn label(&self) -> String {
        format!(
            "Ships from {}, arrives {}",
            self.centre,
            storefront_domain::delivery::arrival_label(self.arrives)
        )
    }
}

/// "Navy, M" / "Navy" / "M" / "One size".
pub fn variant_label(colour: Option<&str>, size: Option<&str>) -> String {
    match (colour, size) {
        (Some(c), Some(s)) => format!("{c}, {s}"),
        (Some(c), None) => c.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => "One size".to_owned(),
    }
}

impl Variant {
    pub fn label(&self) -> String {
        variant_label(self.colour.as_deref(), self.size.as_deref())
    }
}

/// A product with its variants, as the product page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
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

/// What the home page lists: the categories and a selection of products.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeListing {
    pub categories: Vec<Category>,
    pub featured: Vec<ProductCard>,
}

/// One category and its products, as the category page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryListing {
    pub category: Category,
    pub products: Vec<ProductCard>,
}

/// One search result, with the parts of its name that matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub card: ProductCard,
    /// Byte ranges of `card.name` to highlight.
    pub highlights: Vec<(usize, usize)>,
}

/// The results page: what was asked, what matched, the facets, and help when nothing did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub params: SearchParams,
    pub total: u32,
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
    /// A query that does have results, offered when this one had none.
    pub did_you_mean: Option<String>,
    /// In-stock products to offer when nothing matched.
    pub closest: Vec<ProductCard>,
    /// Colours, sizes and materials the query's words chose ("navy hoodies": hoodies
    /// in navy), shown as chips the shopper can remove.
    pub understood: Option<Understood>,
}

/// What a query's words chose, as the shopper sees it: the words still searched for and
/// a chip for each choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Understood {
    /// The words still searched for ("hoodies"); empty when every word chose something.
    pub rest: String,
    pub chips: Vec<Chip>,
}

/// One choice the words made: "Colour: Navy", and the query to search for without it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chip {
    pub label: String,
    /// The values chosen (to match them among the filters).
    pub values: Vec<String>,
    /// The query without the words that chose it.
    pub without: String,
}

impl Understood {
    /// The chips of a query the engine read (`None` when no word chose anything).
    pub fn of(u: &Understanding) -> Option<Self> {
        u.chose_anything().then(|| Self {
            rest: u.words.join(" "),
            chips: u
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| Chip {
                    label: c.label(),
                    values: c.values.clone(),
                    without: u.without(i),
                })
                .collect(),
        })
    }
}

/// A category suggested while typing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySuggestion {
    pub slug: String,
    pub name: String,
    pub highlights: Vec<(usize, usize)>,
}

/// What the search box offers after each keystroke.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestions {
    pub query: String,
    pub categories: Vec<CategorySuggestion>,
    pub products: Vec<SearchHit>,
    /// What the query's words chose, as on the results page.
    pub understood: Option<Understood>,
}

/// Results shown on one page.
pub const RESULTS_PER_PAGE: usize = 48;
/// Products suggested while typing.
pub const SUGGESTED_PRODUCTS: usize = 6;
