//! Facets: which products pass the chosen filters and how many each facet value would give.

use super::*;

/// What facet counting needs to know of a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetFacts {
    pub category: String,
    pub colours: Vec<String>,
    pub sizes: Vec<String>,
    /// What its name says it is made of ([`materials_in`]).
    pub materials: Vec<String>,
    pub price_minor: i64,
    pub in_stock: bool,
    /// Centres holding at least one unit of some variant.
    pub stocked_at: Vec<i64>,
}

/// One value of a facet with the number of results it would give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u32,
    pub selected: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub categories: Vec<FacetValue>,
    pub colours: Vec<FacetValue>,
    pub sizes: Vec<FacetValue>,
    pub materials: Vec<FacetValue>,
    pub prices: Vec<FacetValue>,
    /// Results in stock, given the other choices.
    pub in_stock: u32,
    /// Results in stock at the centre nearest the shopper, given the other choices.
    pub near: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Dim {
    Category,
    Colour,
    Size,
    Material,
    Price,
    Stock,
    Near,
}

fn band_of(price: i64) -> usize {
    PRICE_BANDS
        .iter()
        .position(|(from, to)| price >= *from && price < *to)
        .unwrap_or(0)
}

/// The filters a product fails, one bit per [`Dim`]: each is checked once, and "passes
/// all but one facet" (what that facet's counts need) is a mask test.
fn fails(f: &FacetFacts, p: &SearchParams, near_centre: Option<i64>) -> u8 {
    let any = |chosen: &[String], have: &[String]| {
        chosen.is_empty() || chosen.iter().any(|c| have.contains(c))
    };
    let checks = [
        (
            Dim::Category,
            p.categories.is_empty() || p.categories.contains(&f.category),
        ),
        (Dim::Colour, any(&p.colours, &f.colours)),
        (Dim::Size, any(&p.sizes, &f.sizes)),
        (Dim::Material, any(&p.materials, &f.materials)),
        (
            Dim::Price,
            p.price_bands.is_empty() || p.price_bands.contains(&band_of(f.price_minor)),
        ),
        (Dim::Stock, !p.in_stock_only || f.in_stock),
        (
            Dim::Near,
            p.near.is_none() || near_centre.is_some_and(|c| f.stocked_at.contains(&c)),
        ),
    ];
    checks
        .iter()
        .filter(|(_, ok)| !ok)
        .fold(0, |mask, (dim, _)| mask | dim.bit())
}

impl Dim {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Whether a product that fails `mask` passes every filter but `except`'s.
fn passes_except(mask: u8, except: Dim) -> bool {
    mask & !except.bit() == 0
}

/// Whether a product passes every chosen filter. `near_centre` is the centre nearest
/// the shopper's region, if known.
pub fn matches_filters(f: &FacetFacts, p: &SearchParams, near_centre: Option<i64>) -> bool {
    fails(f, p, near_centre) == 0
}

/// Counts for every facet value. Each facet's counts apply all the *other* chosen
/// filters, so a count is what ticking that value (alone in its facet) would show.
pub fn facet_counts<'a>(
    items: impl Iterator<Item = &'a FacetFacts> + Clone,
    p: &SearchParams,
    near_centre: Option<i64>,
    category_names: &BTreeMap<String, String>,
) -> Facets {
    // Counting is the hot loop of a broad search: a fast hash here, sorted at the end.
    let mut categories: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut colours: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut sizes: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut materials: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let mut prices = [0u32; PRICE_BANDS.len()];
    let mut in_stock = 0;
    let mut near = 0;
    for f in items {
        let mask = fails(f, p, near_centre);
        if passes_except(mask, Dim::Category) {
            *categories.entry(f.category.as_str()).or_default() += 1;
        }
        if passes_except(mask, Dim::Colour) {
            for c in &f.colours {
                *colours.entry(c.as_str()).or_default() += 1;
            }
        }
        if passes_except(mask, Dim::Size) {
            for s in &f.sizes {
                *sizes.entry(s.as_str()).or_default() += 1;
            }
        }
        if passes_except(mask, Dim::Material) {
            for m in &f.materials {
                *materials.entry(m.as_str()).or_default() += 1;
            }
        }
        if passes_except(mask, Dim::Price) {
            prices[band_of(f.price_minor)] += 1;
        }
        if passes_except(mask, Dim::Stock) && f.in_stock {
            in_stock += 1;
        }
        if passes_except(mask, Dim::Near) && near_centre.is_some_and(|c| f.stocked_at.contains(&c))
        {
            near += 1;
        }
    }
    let values = |counts: rustc_hash::FxHashMap<&str, u32>,
                  chosen: &[String],
                  label: &dyn Fn(&str) -> String| {
        let mut counts: Vec<(&str, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        let mut v: Vec<FacetValue> = counts
            .into_iter()
            .map(|(value, count)| FacetValue {
                label: label(value),
                selected: chosen.iter().any(|c| c == value),
                value: value.to_owned(),
                count,
            })
            .collect();
        // Chosen values stay visible even when nothing else matches them.
        for c in chosen {
            if !v.iter().any(|x| &x.value == c) {
                v.push(FacetValue {
                    value: c.clone(),
                    label: label(c),
                    count: 0,
                    selected: true,
                });
            }
        }
        v
    };
    let mut sizes_v = values(sizes, &p.sizes, &|s| s.to_owned());
    sizes_v.sort_by_key(|v| size_rank(&v.value));
    Facets {
        categories: values(categories, &p.categories, &|slug| {
            category_names
                .get(slug)
                .cloned()
                .unwrap_or_else(|| slug.to_owned())
        }),
        colours: values(colours, &p.colours, &|c| c.to_owned()),
        sizes: sizes_v,
        materials: values(materials, &p.materials, &|m| m.to_owned()),
        prices: prices
            .iter()
            .enumerate()
            .filter(|(b, count)| **count > 0 || p.price_bands.contains(b))
            .map(|(b, count)| FacetValue {
                value: b.to_string(),
                label: price_band_label(b),
                count: *count,
                selected: p.price_bands.contains(&b),
            })
            .collect(),
        in_stock,
        near,
    }
}

/// Sizes in the order people expect (XS before S before M…, UK 4 before UK 10).
pub fn size_rank(size: &str) -> (u8, u32, String) {
    const LETTERS: [&str; 7] = ["XXS", "XS", "S", "M", "L", "XL", "XXL"];
    if let Some(i) = LETTERS.iter().position(|l| *l == size) {
        return (0, i as u32, String::new());
    }
    let digits: String = size.chars().filter(char::is_ascii_digit).collect();
    match digits.parse::<u32>() {
        Ok(n) => (1, n, size.to_owned()),
        Err(_) => (2, 0, size.to_owned()),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn item(category: &str, colour: &str, size: &str, price: i64, in_stock: bool) -> FacetFacts {
        FacetFacts {
            category: category.into(),
            colours: vec![colour.into()],
            sizes: vec![size.into()],
            materials: vec![],
            price_minor: price,
            in_stock,
            // In stock at centre 1 (first item also at 2).
            stocked_at: if !in_stock {
                vec![]
            } else if colour == "Navy" && size == "M" {
                vec![1, 2]
            } else {
                vec![1]
            },
        }
    }

    #[test]
    fn near_me_counts_stock_at_the_nearest_centre() {
        let items = [
            item("shirts", "Navy", "M", 30_00, true),
            item("shirts", "White", "L", 45_00, false),
            item("shoes", "Navy", "UK 8", 80_00, true),
        ];
        let names = BTreeMap::new();
        let p = SearchParams {
            near: Some("london".into()),
            ..Default::default()
        };
        assert_eq!(facet_counts(items.iter(), &p, Some(2), &names).near, 1);
        assert_eq!(facet_counts(items.iter(), &p, Some(1), &names).near, 2);
        assert!(matches_filters(&items[0], &p, Some(2)));
        assert!(!matches_filters(&items[2], &p, Some(2)));
        assert!(!matches_filters(&items[1], &p, Some(1)));
        let p = SearchParams::parse_query_string("q=x&near=scotland");
        assert_eq!(p.near.as_deref(), Some("scotland"));
        assert_eq!(SearchParams::parse_query_string(&p.to_query_string()), p);
        assert_eq!(SearchParams::parse_query_string("near=mars").near, None);
    }

    #[test]
    fn facet_counts_apply_the_other_filters() {
        let items = [
            item("shirts", "Navy", "M", 30_00, true),
            item("shirts", "White", "L", 45_00, false),
            item("shoes", "Navy", "UK 8", 80_00, true),
        ];
        let names = BTreeMap::from([("shirts".to_owned(), "Shirts".to_owned())]);
        let p = SearchParams {
            colours: vec!["Navy".into()],
            ..Default::default()
        };
        let f = facet_counts(items.iter(), &p, None, &names);
        // Category counts respect the colour choice...
        assert_eq!(
            f.categories
                .iter()
                .map(|v| (v.value.as_str(), v.count))
                .collect::<Vec<_>>(),
            vec![("shirts", 1), ("shoes", 1)]
        );
        assert_eq!(f.categories[0].label, "Shirts");
        // ...but colour counts ignore it (they show what each colour would give).
        assert_eq!(
            f.colours
                .iter()
                .map(|v| (v.value.as_str(), v.count, v.selected))
                .collect::<Vec<_>>(),
            vec![("Navy", 2, true), ("White", 1, false)]
        );
        assert_eq!(f.in_stock, 2);
        assert_eq!(
            f.sizes.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
            vec!["M", "UK 8"]
        );
    }

    #[test]
    fn sizes_sort_naturally() {
        let mut s = vec!["XL", "S", "UK 10", "M", "UK 4", "One"];
        s.sort_by_key(|x| size_rank(x));
        assert_eq!(s, vec!["S", "M", "XL", "UK 4", "UK 10", "One"]);
    }
}
