//! Facets: which products pass the chosen filters and how many each facet value would give.

use super::*;

/// Facet values (category slugs, colours, sizes, materials) as small numbers, given
/// out once when products are indexed, so counting a broad search adds up arrays
/// instead of hashing strings. Ids never change.
#[derive(Clone, Debug, Default)]
pub struct FacetTerms {
    names: Vec<String>,
    ids: std::collections::HashMap<String, u32>,
}

impl FacetTerms {
    /// The id of `value`, given out if it is new.
    pub fn id(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(value.to_owned());
        self.ids.insert(value.to_owned(), id);
        id
    }

    /// The ids of `values`, given out where new.
    pub fn ids(&mut self, values: &[String]) -> Vec<u32> {
        values.iter().map(|v| self.id(v)).collect()
    }

    /// The id of `value` if it was ever given out.
    pub fn get(&self, value: &str) -> Option<u32> {
        self.ids.get(value).copied()
    }

    /// The value an id stands for.
    pub fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// What facet counting needs to know of a product; values are [`FacetTerms`] ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetFacts {
    pub category: u32,
    pub colours: Vec<u32>,
    pub sizes: Vec<u32>,
    /// What its name says it is made of ([`materials_in`]).
    pub materials: Vec<u32>,
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

/// A search's chosen filters, read once against the catalog's [`FacetTerms`].
pub struct Filters<'a> {
    params: &'a SearchParams,
    near_centre: Option<i64>,
    /// Per facet, the ids chosen (`None`: nothing chosen, so everything passes). A
    /// chosen value the catalog never had has no id and matches nothing.
    categories: Option<Vec<u32>>,
    colours: Option<Vec<u32>>,
    sizes: Option<Vec<u32>>,
    materials: Option<Vec<u32>>,
}

impl<'a> Filters<'a> {
    /// `near_centre` is the centre nearest the shopper's region, if known.
    pub fn new(params: &'a SearchParams, near_centre: Option<i64>, terms: &FacetTerms) -> Self {
        let chosen = |values: &[String]| {
            (!values.is_empty()).then(|| values.iter().filter_map(|v| terms.get(v)).collect())
        };
        Self {
            params,
            near_centre,
            categories: chosen(&params.categories),
            colours: chosen(&params.colours),
            sizes: chosen(&params.sizes),
            materials: chosen(&params.materials),
        }
    }

    /// The filters a product fails, one bit per [`Dim`]: each is checked once, and
    /// "passes all but one facet" (what that facet's counts need) is a mask test.
    fn fails(&self, f: &FacetFacts) -> u8 {
        let any = |chosen: &Option<Vec<u32>>, have: &[u32]| {
            chosen
                .as_ref()
                .is_none_or(|c| c.iter().any(|id| have.contains(id)))
        };
        let p = self.params;
        let checks = [
            (Dim::Category, any(&self.categories, &[f.category])),
            (Dim::Colour, any(&self.colours, &f.colours)),
            (Dim::Size, any(&self.sizes, &f.sizes)),
            (Dim::Material, any(&self.materials, &f.materials)),
            (
                Dim::Price,
                p.price_bands.is_empty() || p.price_bands.contains(&band_of(f.price_minor)),
            ),
            (Dim::Stock, !p.in_stock_only || f.in_stock),
            (
                Dim::Near,
                p.near.is_none() || self.near_centre.is_some_and(|c| f.stocked_at.contains(&c)),
            ),
        ];
        checks
            .iter()
            .filter(|(_, ok)| !ok)
            .fold(0, |mask, (dim, _)| mask | dim.bit())
    }

    /// Whether a product passes every chosen filter.
    pub fn matches(&self, f: &FacetFacts) -> bool {
        self.fails(f) == 0
    }
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

/// Counts for every facet value. Each facet's counts apply all the *other* chosen
/// filters, so a count is what ticking that value (alone in its facet) would show.
pub fn facet_counts<'a>(
    items: impl Iterator<Item = &'a FacetFacts>,
    filters: &Filters,
    terms: &FacetTerms,
    category_names: &BTreeMap<String, String>,
) -> Facets {
    let p = filters.params;
    // Counting is the hot loop of a broad search: arrays by term id, named at the end.
    let mut categories = vec![0u32; terms.len()];
    let mut colours = vec![0u32; terms.len()];
    let mut sizes = vec![0u32; terms.len()];
    let mut materials = vec![0u32; terms.len()];
    let mut prices = [0u32; PRICE_BANDS.len()];
    let mut in_stock = 0;
    let mut near = 0;
    let add = |counts: &mut [u32], ids: &[u32]| {
        for id in ids {
            if let Some(n) = counts.get_mut(*id as usize) {
                *n += 1;
            }
        }
    };
    for f in items {
        let mask = filters.fails(f);
        if passes_except(mask, Dim::Category) {
            add(&mut categories, &[f.category]);
        }
        if passes_except(mask, Dim::Colour) {
            add(&mut colours, &f.colours);
        }
        if passes_except(mask, Dim::Size) {
            add(&mut sizes, &f.sizes);
        }
        if passes_except(mask, Dim::Material) {
            add(&mut materials, &f.materials);
        }
        if passes_except(mask, Dim::Price) {
            prices[band_of(f.price_minor)] += 1;
        }
        if passes_except(mask, Dim::Stock) && f.in_stock {
            in_stock += 1;
        }
        if passes_except(mask, Dim::Near)
            && filters
                .near_centre
                .is_some_and(|c| f.stocked_at.contains(&c))
        {
            near += 1;
        }
    }
    let values = |counts: Vec<u32>, chosen: &[String], label: &dyn Fn(&str) -> String| {
        let mut counts: Vec<(&str, u32)> = counts
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .map(|(id, n)| (terms.name(u32::try_from(id).unwrap_or(u32::MAX)), n))
            .collect();
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

    fn item(
        terms: &mut FacetTerms,
        category: &str,
        colour: &str,
        size: &str,
        price: i64,
        in_stock: bool,
    ) -> FacetFacts {
        FacetFacts {
            category: terms.id(category),
            colours: vec![terms.id(colour)],
            sizes: vec![terms.id(size)],
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

    fn three(terms: &mut FacetTerms) -> [FacetFacts; 3] {
        [
            item(terms, "shirts", "Navy", "M", 30_00, true),
            item(terms, "shirts", "White", "L", 45_00, false),
            item(terms, "shoes", "Navy", "UK 8", 80_00, true),
        ]
    }

    #[test]
    fn near_me_counts_stock_at_the_nearest_centre() {
        let mut terms = FacetTerms::default();
        let items = three(&mut terms);
        let names = BTreeMap::new();
        let p = SearchParams {
            near: Some("london".into()),
            ..Default::default()
        };
        let near = |c| Filters::new(&p, Some(c), &terms);
        assert_eq!(facet_counts(items.iter(), &near(2), &terms, &names).near, 1);
        assert_eq!(facet_counts(items.iter(), &near(1), &terms, &names).near, 2);
        assert!(near(2).matches(&items[0]));
        assert!(!near(2).matches(&items[2]));
        assert!(!near(1).matches(&items[1]));
        let p = SearchParams::parse_query_string("q=x&near=scotland");
        assert_eq!(p.near.as_deref(), Some("scotland"));
        assert_eq!(SearchParams::parse_query_string(&p.to_query_string()), p);
        assert_eq!(SearchParams::parse_query_string("near=mars").near, None);
    }

    #[test]
    fn facet_counts_apply_the_other_filters() {
        let mut terms = FacetTerms::default();
        let items = three(&mut terms);
        let names = BTreeMap::from([("shirts".to_owned(), "Shirts".to_owned())]);
        let p = SearchParams {
            colours: vec!["Navy".into()],
            ..Default::default()
        };
        let f = facet_counts(
            items.iter(),
            &Filters::new(&p, None, &terms),
            &terms,
            &names,
        );
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
    fn a_choice_the_catalog_never_had_matches_nothing_and_stays_shown() {
        let mut terms = FacetTerms::default();
        let items = three(&mut terms);
        let p = SearchParams {
            colours: vec!["Mauve".into()],
            ..Default::default()
        };
        let filters = Filters::new(&p, None, &terms);
        assert!(items.iter().all(|i| !filters.matches(i)));
        let f = facet_counts(items.iter(), &filters, &terms, &BTreeMap::new());
        assert!(f.categories.is_empty());
        assert!(f
            .colours
            .iter()
            .any(|v| v.value == "Mauve" && v.count == 0 && v.selected));
        assert_eq!(
            f.colours.iter().find(|v| v.value == "Navy").unwrap().count,
            2
        );
    }

    #[test]
    fn sizes_sort_naturally() {
        let mut s = vec!["XL", "S", "UK 10", "M", "UK 4", "One"];
        s.sort_by_key(|x| size_rank(x));
        assert_eq!(s, vec!["S", "M", "XL", "UK 4", "UK 10", "One"]);
    }
}
