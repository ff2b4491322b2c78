//! Catalog queries behind the `api::catalog` server functions.

use super::stock::snapshot;
use super::{internal, AppState};
use storefront_domain::money::{Currency, Money};
use storefront_domain::search::{SearchParams, MAX_QUERY_CHARS};
use storefront_domain::stock::Availability;
use storefront_model::catalog::{
    Category, CategoryListing, HomeListing, ProductCard, ProductDetail, SearchResults, Suggestions,
    Understood, Variant, RESULTS_PER_PAGE, SUGGESTED_PRODUCTS,
};
use storefront_model::ShopError;

pub struct Catalog<'a> {
    state: &'a AppState,
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    slug: String,
    name: String,
    blurb: String,
    product_count: i64,
}

impl From<CategoryRow> for Category {
    fn from(r: CategoryRow) -> Self {
        Category {
            slug: r.slug,
            name: r.name,
            blurb: r.blurb,
            product_count: u32::try_from(r.product_count).unwrap_or(0),
        }
    }
}

#[derive(sqlx::FromRow)]
struct CardRow {
    product_id: i64,
    slug: String,
    name: String,
    category: String,
    price_minor: i64,
    currency: String,
    #[sqlx(try_from = "crate::db::Flag")]
    in_stock: bool,
}

pub(crate) fn money(minor: i64, currency: &str) -> Money {
    Money::new(
        minor,
        Currency::from_code(currency).unwrap_or(Currency::Gbp),
    )
}

/// Where a product's picture is served (see `images.rs`).
pub fn image_url(slug: &str) -> String {
    format!("/images/products/{slug}.svg")
}

impl From<CardRow> for ProductCard {
    fn from(r: CardRow) -> Self {
        ProductCard {
            image: image_url(&r.slug),
            price: money(r.price_minor, &r.currency),
            slug: r.slug,
            name: r.name,
            category: r.category,
            in_stock: r.in_stock,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    details: String,
    price_minor: i64,
    currency: String,
    category_slug: String,
}

#[derive(sqlx::FromRow)]
struct VariantRow {
    id: i64,
    sku: String,
    colour: Option<String>,
    size: Option<String>,
}

const CATEGORY_SELECT: &str = "SELECT c.slug, c.name, c.blurb, COUNT(p.id) AS product_count
     FROM categories c LEFT JOIN products p ON p.category_id = c.id";

const CARD_SELECT: &str =
    "SELECT p.id AS product_id, p.slug, p.name, c.name AS category, p.price_minor, p.currency,
        EXISTS (SELECT 1 FROM variants v JOIN stock s ON s.variant_id = v.id
                WHERE v.product_id = p.id AND s.quantity > 0) AS in_stock
     FROM products p JOIN categories c ON c.id = p.category_id";

/// Product cards for `ids`, in that order (unknown ids are skipped).
pub(crate) async fn card_rows_by_id(
    pool: &crate::db::Pool,
    ids: &[i64],
) -> Result<Vec<ProductCard>, ShopError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = crate::db::placeholders(1, ids.len());
    let sql = format!("{CARD_SELECT} WHERE p.id IN ({placeholders})");
    let mut query = sqlx::query_as::<_, CardRow>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let mut rows = query.fetch_all(pool).await.map_err(internal)?;
    let mut cards = Vec::with_capacity(rows.len());
    for id in ids {
        if let Some(i) = rows.iter().position(|r| r.product_id == *id) {
            cards.push(ProductCard::from(rows.swap_remove(i)));
        }
    }
    Ok(cards)
}

impl<'a> Catalog<'a> {
    pub fn new(state: &'a AppState) -> Self {
        Self { state }
    }

    pub async fn categories(&self) -> Result<Vec<Category>, ShopError> {
        let rows: Vec<CategoryRow> = sqlx::query_as(&format!(
            "{CATEGORY_SELECT} GROUP BY c.id ORDER BY c.position"
        ))
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        Ok(rows.into_iter().map(Category::from).collect())
    }

    pub async fn home(&self) -> Result<HomeListing, ShopError> {
        let categories = self.categories().await?;
        let featured: Vec<CardRow> = sqlx::query_as(&format!(
            "{CARD_SELECT} ORDER BY in_stock DESC, p.popularity DESC LIMIT 12"
        ))
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        Ok(HomeListing {
            categories,
            featured: featured.into_iter().map(ProductCard::from).collect(),
        })
    }

    async fn category_by_slug(&self, slug: &str) -> Result<Category, ShopError> {
        let row: Option<CategoryRow> = sqlx::query_as(&format!(
            "{CATEGORY_SELECT} WHERE c.slug = $1 GROUP BY c.id"
        ))
        .bind(slug)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?;
        row.map(Category::from).ok_or_else(|| {
            ShopError::NotFound(
                "We couldn't find that category. Try the menu or the search box.".into(),
            )
        })
    }

    pub async fn category(&self, slug: &str) -> Result<CategoryListing, ShopError> {
        let category = self.category_by_slug(slug).await?;
        let products: Vec<CardRow> = sqlx::query_as(&format!(
            "{CARD_SELECT} WHERE c.slug = $1 ORDER BY p.popularity DESC"
        ))
        .bind(slug)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        Ok(CategoryListing {
            category,
            products: products.into_iter().map(ProductCard::from).collect(),
        })
    }

    pub async fn product(&self, slug: &str, region: &str) -> Result<ProductDetail, ShopError> {
        let not_found = || {
            ShopError::NotFound(
                "We couldn't find that product. It may have been renamed; try searching for it."
                    .into(),
            )
        };
        let row: Option<ProductRow> = sqlx::query_as(
            "SELECT p.id, p.slug, p.name, p.description, p.details, p.price_minor, p.currency,
                    c.slug AS category_slug
             FROM products p JOIN categories c ON c.id = p.category_id WHERE p.slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)?;
        let p = row.ok_or_else(not_found)?;
        let variants: Vec<VariantRow> = sqlx::query_as(
            "SELECT id, sku, colour, size FROM variants WHERE product_id = $1 ORDER BY position",
        )
        .bind(p.id)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)?;
        // Stock and delivery exactly as the live feed will later tell them.
        let ids: Vec<i64> = variants.iter().map(|v| v.id).collect();
        let mut conn = self.state.db.read.acquire().await.map_err(internal)?;
        let stock = snapshot(&mut conn, &ids).await.map_err(internal)?;
        drop(conn);
        let centres = &self.state.centres;
        let nearest = centres.nearest_first(region);
        let to = storefront_domain::holidays::Calendar::of_region(region);
        let now = super::unix_now();
        Ok(ProductDetail {
            id: p.id,
            image: image_url(&p.slug),
            category: self.category_by_slug(&p.category_slug).await?,
            slug: p.slug,
            name: p.name,
            description: p.description,
            details: p.details.lines().map(str::to_owned).collect(),
            price: money(p.price_minor, &p.currency),
            variants: variants
                .into_iter()
                .map(|row| {
                    let live = stock
                        .iter()
                        .find(|c| c.variant_id == row.id)
                        .map(|c| c.live(centres, &nearest, to, now));
                    Variant {
                        id: row.id,
                        sku: row.sku,
                        colour: row.colour,
                        size: row.size,
                        availability: live
                            .as_ref()
                            .map_or(Availability::OutOfStock { back_on: None }, |l| {
                                l.availability
                            }),
                        delivery: live.and_then(|l| l.delivery),
                    }
                })
                .collect(),
        })
    }

    pub async fn search(
        &self,
        params: SearchParams,
        region: &str,
    ) -> Result<SearchResults, ShopError> {
        let region = storefront_domain::location::region(region)
            .map_or(storefront_domain::location::DEFAULT_REGION, |r| r.code);
        let outcome = self
            .state
            .search
            .search_near(&params, region, RESULTS_PER_PAGE)
            .map_err(internal)?;
        Ok(SearchResults {
            params,
            total: outcome.total,
            hits: outcome.hits,
            facets: outcome.facets,
            did_you_mean: outcome.did_you_mean,
            closest: outcome.closest,
            understood: outcome.understood.as_ref().and_then(Understood::of),
        })
    }

    pub async fn suggest(&self, query: &str) -> Result<Suggestions, ShopError> {
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let params = SearchParams {
            query: query.clone(),
            ..Default::default()
        };
        let outcome = self
            .state
            .search
            .search(&params, SUGGESTED_PRODUCTS)
            .map_err(internal)?;
        Ok(Suggestions {
            categories: self.state.search.matching_categories(&query),
            products: outcome.hits,
            understood: outcome.understood.as_ref().and_then(Understood::of),
            query,
        })
    }

    /// `(category slug, colour hex, name)` for drawing a product's picture.
    pub async fn image_facts(
        &self,
        slug: &str,
    ) -> Result<Option<(String, String, String)>, ShopError> {
        sqlx::query_as(
            "SELECT c.slug, p.colour_hex, p.name FROM products p JOIN categories c ON c.id = p.category_id WHERE p.slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.state.db.read)
        .await
        .map_err(internal)
    }
}
