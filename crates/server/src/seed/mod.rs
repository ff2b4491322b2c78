//! The demo catalog: a deterministic generator (same seed, same shop) and the code that
//! writes it into an empty database on first start. The data it draws from (centres,
//! categories, colours, range names) is in `data.rs`.

use storefront_domain::date::CalendarDate;
use storefront_domain::money::Money;

mod data;

use data::{
    CategorySpec, CATEGORIES, COLLECTIONS, COLOURS, REVIEWER_NAMES, REVIEW_SENTENCES, REVIEW_TITLES,
};
pub use data::{DemoCentre, CENTRES};
use storefront_domain::reviews::{RatingSummary, Stars};

/// A small, fast, seedable generator (SplitMix64): the demo data must not change between
/// runs or machines, so it does not depend on `rand`'s algorithms.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub struct DemoCategory {
    pub slug: String,
    pub name: String,
    pub blurb: String,
}

/// A demo shopper's rating, with words or without.
pub struct DemoReview {
    pub stars: Stars,
    pub title: String,
    pub text: String,
    pub name: String,
    pub written_on: CalendarDate,
}

/// Believable reviews for one product: most products have a handful, a few none; each
/// product has a quality of its own, so some are loved and a few are let down; about a
/// third are a rating alone.
fn demo_reviews(rng: &mut SplitMix64, today: CalendarDate) -> Vec<DemoReview> {
    let count = match rng.below(10) {
        0 | 1 => 0,
        2..=6 => 1 + rng.below(5),
        _ => 5 + rng.below(12),
    };
    // 0: loved by nearly everyone … 3: often disappointing.
    let quality = match rng.below(20) {
        0..=8 => 0,
        9..=15 => 1,
        16..=18 => 2,
        _ => 3,
    };
    let mut reviews: Vec<DemoReview> = (0..count)
        .map(|_| {
            let roll = rng.below(100);
            let stars: u8 = match (quality, roll) {
                (0, 0..=69) | (1, 0..=34) => 5,
                (0, 70..=94) | (1, 35..=79) | (2, 0..=24) => 4,
                (0, _) | (1, 80..=93) | (2, 25..=69) | (3, 0..=29) => 3,
                (2, 70..=89) | (3, 30..=64) => 2,
                _ => 1,
            };
            let tone = match stars {
                5 => 0,
                4 => 1,
                3 => 2,
                _ => 3,
            };
            let (title, text) = if rng.chance(35) {
                (String::new(), String::new())
            } else {
                let sentences = REVIEW_SENTENCES[tone];
                let first = rng.below(sentences.len() as u64) as usize;
                let second =
                    (first + 1 + rng.below(sentences.len() as u64 - 1) as usize) % sentences.len();
                (
                    (*rng.pick(REVIEW_TITLES[tone])).to_owned(),
                    format!("{} {}", sentences[first], sentences[second]),
                )
            };
            DemoReview {
                stars: Stars::new(stars).unwrap_or_else(|| unreachable!("1 to 5")),
                title,
                text,
                name: (*rng.pick(REVIEWER_NAMES)).to_owned(),
                written_on: today.add_days(-(1 + rng.below(330) as i64)),
            }
        })
        .collect();
    reviews.sort_by_key(|r| r.written_on);
    reviews
}

pub struct DemoVariant {
    pub sku: String,
    pub colour: Option<String>,
    pub size: Option<String>,
    /// Units at each of [`CENTRES`], in order.
    pub stock: [u32; 3],
    pub restock_on: Option<CalendarDate>,
}

pub struct DemoProduct {
    pub category: usize,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub details: Vec<String>,
    pub price: Money,
    pub colour_hex: String,
    pub popularity: u32,
    /// Reviews from demo shoppers (not tied to orders: shown without the verified-buyer
    /// mark), newest last.
    pub reviews: Vec<DemoReview>,
    pub created_on: CalendarDate,
    pub variants: Vec<DemoVariant>,
}

pub struct DemoCatalog {
    pub categories: Vec<DemoCategory>,
    pub products: Vec<DemoProduct>,
}

/// Products the demo shop starts with.
pub const DEMO_PRODUCTS: usize = 216;
/// The seed of the demo shop.
pub const DEMO_SEED: u64 = 0x5709_EF20;

pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Generates `count` products spread over the categories; the same arguments always
/// give the same catalog.
pub fn generate(seed: u64, count: usize, today: CalendarDate) -> DemoCatalog {
    let mut rng = SplitMix64::new(seed);
    let categories = CATEGORIES
        .iter()
        .map(|c| DemoCategory {
            slug: c.slug.into(),
            name: c.name.into(),
            blurb: c.blurb.into(),
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut products = Vec::with_capacity(count);
    while products.len() < count {
        let category = products.len() % CATEGORIES.len();
        let spec = &CATEGORIES[category];
        // Look for a fresh style/material/kind; past the distinct combinations (large
        // generated catalogs) add a collection name, and only then number the editions.
        let mut tries = 0;
        let (name, style, material, kind) = loop {
            let style = *rng.pick(spec.styles);
            let material = *rng.pick(spec.materials);
            let kind = *rng.pick(spec.kinds);
            tries += 1;
            // "Linen Linen Shirt" reads badly: skip a material the kind already names.
            let repeats = kind.split(' ').any(|w| material.split(' ').any(|m| m == w));
            if repeats && tries < 90 {
                continue;
            }
            let plain = format!("{style} {material} {kind}");
            let name = if tries <= 30 {
                plain
            } else {
                format!("{} {plain}", rng.pick(COLLECTIONS))
            };
            if !seen.contains(&slugify(&name)) {
                break (name, style, material, kind);
            }
            if tries >= 90 {
                break (
                    format!("{name} No. {}", products.len() + 1),
                    style,
                    material,
                    kind,
                );
            }
        };
        let slug = slugify(&name);
        seen.insert(slug.clone());
        products.push(product(
            &mut rng, spec, category, name, slug, style, material, kind, today,
        ));
    }
    DemoCatalog {
        categories,
        products,
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one generated product: each argument is a distinct choice the generator made"
)]
fn product(
    rng: &mut SplitMix64,
    spec: &CategorySpec,
    category: usize,
    name: String,
    slug: String,
    style: &str,
    material: &str,
    kind: &str,
    today: CalendarDate,
) -> DemoProduct {
    let (lo, hi) = spec.price_pounds;
    let pounds = lo + rng.below(hi - lo + 1);
    let pence = if rng.chance(40) { 50 } else { 0 };
    let price = Money::gbp((pounds * 100 + pence) as i64);

    let colour_count = 1 + rng.below(3) as usize;
    let mut colours: Vec<(&str, &str)> = Vec::new();
    while colours.len() < colour_count {
        let c = *rng.pick(COLOURS);
        if !colours.contains(&c) {
            colours.push(c);
        }
    }
    let sizes: Vec<Option<&str>> = if spec.sizes.is_empty() {
        vec![None]
    } else {
        spec.sizes.iter().map(|s| Some(*s)).collect()
    };

    let mut variants = Vec::new();
    for (colour, _) in &colours {
        for size in &sizes {
            let mut stock = [0u32; 3];
            let mut restock_on = None;
            let roll = rng.below(100);
            if roll < 8 {
                // Sold out everywhere; most have a date when more is due.
                if rng.chance(85) {
                    restock_on = Some(today.add_days(3 + rng.below(30) as i64));
                }
            } else if roll < 18 {
                // Nearly gone: a few units in one centre.
                stock[rng.below(3) as usize] = 1 + rng.below(4) as u32;
            } else {
                for units in &mut stock {
                    *units = rng.below(15) as u32;
                }
                stock[rng.below(3) as usize] += 6;
            }
            let sku = format!(
                "{}-{}{}",
                slug.to_ascii_uppercase(),
                slugify(colour).to_ascii_uppercase(),
                size.map(|s| format!("-{}", slugify(s).to_ascii_uppercase()))
                    .unwrap_or_default()
            );
            variants.push(DemoVariant {
                sku,
                colour: Some((*colour).to_owned()),
                size: size.map(str::to_owned),
                stock,
                restock_on,
            });
        }
    }

    let benefit = rng.pick(spec.benefit);
    let description = format!(
        "Our {} {} in {} {benefit}. {}",
        style.to_lowercase(),
        kind.to_lowercase(),
        material.to_lowercase(),
        if spec.sizes.is_empty() {
            "One size, made to last for years of daily use."
        } else {
            "It fits true to size, so take your usual size; between sizes? Call us and we will help you choose."
        }
    );
    let details = vec![
        format!("Material: {material}"),
        format!(
            "Colours: {}",
            colours
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("Care: {}", spec.care),
        format!(
            "Free returns within {} days",
            storefront_domain::returns::RETURN_DAYS
        ),
    ];
    DemoProduct {
        category,
        slug,
        name,
        description,
        details,
        price,
        colour_hex: colours[0].1.to_owned(),
        popularity: rng.below(1000) as u32,
        // One draw of the main generator, as the generated rating it replaces took, so the
        // rest of the demo shop stays as it was.
        reviews: demo_reviews(&mut SplitMix64::new(rng.next_u64()), today),
        created_on: today.add_days(-(rng.below(365) as i64)),
        variants,
    }
}

/// Writes the catalog and the centres into an empty database, in one transaction.
pub async fn insert(db: &super::db::Db, catalog: &DemoCatalog) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    insert_into(&mut tx, db.dialect, catalog).await?;
    tx.commit().await
}

async fn insert_into(
    tx: &mut super::db::Conn,
    dialect: super::db::Dialect,
    catalog: &DemoCatalog,
) -> Result<(), sqlx::Error> {
    for (i, c) in CENTRES.iter().enumerate() {
        sqlx::query(
            "INSERT INTO centres (id, code, name, latitude, longitude) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i as i64 + 1)
        .bind(c.code)
        .bind(c.name)
        .bind(c.latitude)
        .bind(c.longitude)
        .execute(&mut *tx)
        .await?;
    }
    for (i, c) in catalog.categories.iter().enumerate() {
        sqlx::query(
            "INSERT INTO categories (id, slug, name, blurb, position) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i as i64 + 1)
        .bind(&c.slug)
        .bind(&c.name)
        .bind(&c.blurb)
        .bind(i as i64)
        .execute(&mut *tx)
        .await?;
    }
    for p in &catalog.products {
        let product_id: i64 = sqlx::query_scalar(
            "INSERT INTO products (slug, category_id, name, description, details, price_minor, currency, colour_hex, popularity, created_on, rating_tenths)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&p.slug)
        .bind(p.category as i64 + 1)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.details.join("\n"))
        .bind(p.price.minor)
        .bind(p.price.currency.code())
        .bind(&p.colour_hex)
        .bind(i64::from(p.popularity))
        .bind(p.created_on.to_string())
        .bind(i64::from(
            RatingSummary::from_stars(p.reviews.iter().map(|r| r.stars)).average_tenths(),
        ))
        .fetch_one(&mut *tx)
        .await?;
        for r in &p.reviews {
            sqlx::query(
                "INSERT INTO reviews (product_id, stars, title, body, name, status, written_at)
                 VALUES ($1, $2, $3, $4, $5, 'published', $6)",
            )
            .bind(product_id)
            .bind(i64::from(r.stars.get()))
            .bind(&r.title)
            .bind(&r.text)
            .bind(&r.name)
            .bind(r.written_on.days_since_epoch() * 86_400 + 12 * 3_600)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE products SET review_count = $1 WHERE id = $2")
            .bind(p.reviews.len() as i64)
            .bind(product_id)
            .execute(&mut *tx)
            .await?;
        for (position, v) in p.variants.iter().enumerate() {
            let variant_id: i64 = sqlx::query_scalar(
                "INSERT INTO variants (product_id, sku, colour, size, position, restock_on) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(product_id)
            .bind(&v.sku)
            .bind(&v.colour)
            .bind(&v.size)
            .bind(position as i64)
            .bind(v.restock_on.map(|d| d.to_string()))
            .fetch_one(&mut *tx)
            .await?;
            if let Some(expected) = v.restock_on {
                // The delivery that brings it back, at one of the centres.
                sqlx::query("INSERT INTO incoming (variant_id, centre_id, quantity, expected_on) VALUES ($1, $2, $3, $4)")
                    .bind(variant_id)
                    .bind((position % CENTRES.len()) as i64 + 1)
                    .bind(10 + (position % 7) as i64)
                    .bind(expected.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            for (centre, units) in v.stock.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO stock (variant_id, centre_id, quantity) VALUES ($1, $2, $3)",
                )
                .bind(variant_id)
                .bind(centre as i64 + 1)
                .bind(i64::from(*units))
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    if dialect == super::db::Dialect::Postgres {
        // The centres and categories came with their ids: their sequences go on after them.
        for table in ["centres", "categories"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// Seeds the demo catalog (`products` of them) if the database has no products yet.
/// Returns whether it did.
pub async fn seed_if_empty(
    db: &super::db::Db,
    today: CalendarDate,
    products: usize,
) -> Result<bool, sqlx::Error> {
    // Counted under the writer lock: shop processes starting together seed once.
    let mut tx = db.begin_write().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    insert_into(&mut tx, db.dialect, &generate(DEMO_SEED, products, today)).await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn today() -> CalendarDate {
        CalendarDate::new(2026, 11, 22).unwrap()
    }

    #[test]
    fn the_demo_shop_is_big_varied_and_deterministic() {
        let a = generate(DEMO_SEED, DEMO_PRODUCTS, today());
        let b = generate(DEMO_SEED, DEMO_PRODUCTS, today());
        assert!(a.products.len() >= 200);
        assert!(a.categories.len() >= 5);
        let names_a: Vec<_> = a.products.iter().map(|p| &p.slug).collect();
        let names_b: Vec<_> = b.products.iter().map(|p| &p.slug).collect();
        assert_eq!(names_a, names_b);
        let variants: Vec<&DemoVariant> = a.products.iter().flat_map(|p| &p.variants).collect();
        let sold_out_with_date = variants
            .iter()
            .filter(|v| v.stock.iter().sum::<u32>() == 0 && v.restock_on.is_some())
            .count();
        assert!(sold_out_with_date > 20, "{sold_out_with_date}");
        // Stock is spread: every centre holds something.
        for centre in 0..3 {
            assert!(variants.iter().any(|v| v.stock[centre] > 0));
        }
        // Variants have sizes and colours.
        assert!(variants
            .iter()
            .any(|v| v.size.is_some() && v.colour.is_some()));
    }

    #[test]
    fn slugs_and_skus_are_unique() {
        let c = generate(7, 2_000, today());
        let mut slugs: Vec<_> = c.products.iter().map(|p| p.slug.clone()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 2_000);
        let mut skus: Vec<_> = c
            .products
            .iter()
            .flat_map(|p| p.variants.iter().map(|v| v.sku.clone()))
            .collect();
        let n = skus.len();
        skus.sort();
        skus.dedup();
        assert_eq!(skus.len(), n);
    }

    #[test]
    fn large_catalogs_read_like_real_ranges() {
        let c = generate(7, 10_000, today());
        let numbered = c
            .products
            .iter()
            .filter(|p| p.name.contains(" No. "))
            .count();
        assert!(numbered < 100, "{numbered} numbered names");
        assert!(c.products.iter().all(|p| !p.name.contains("Linen Linen")));
    }

    #[test]
    fn slugify_is_url_safe() {
        assert_eq!(slugify("Socks (3 Pack)"), "socks-3-pack");
        assert_eq!(slugify("  A--B  "), "a-b");
    }
}
