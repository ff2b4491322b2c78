//! What to offer instead of a variant that is out of stock: in-stock variants from the
//! same category, closest in fit, then colour, then price. The caller supplies only
//! candidates that can ship to the shopper now.

/// A variant, as far as "is it like the one wanted?" goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Likeness {
    pub product_id: i64,
    pub colour: Option<String>,
    pub size: Option<String>,
    pub price_minor: i64,
}

/// A different size is the biggest difference (it may not fit), then colour, then price.
const SIZE_DIFFERS: u32 = 1_000;
const COLOUR_DIFFERS: u32 = 300;
/// Price difference counts per percent, up to this much.
const PRICE_CAP: u32 = 200;

/// How unlike `wanted` a candidate is; 0 is the same in every way that matters.
pub fn unlikeness(wanted: &Likeness, candidate: &Likeness) -> u32 {
    let size = match (&wanted.size, &candidate.size) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => SIZE_DIFFERS,
        _ => 0,
    };
    let colour = match (&wanted.colour, &candidate.colour) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => COLOUR_DIFFERS,
        _ => 0,
    };
    let base = wanted.price_minor.max(1);
    let percent = (wanted.price_minor - candidate.price_minor).unsigned_abs() * 100 / base as u64;
    size + colour + u32::try_from(percent).unwrap_or(u32::MAX).min(PRICE_CAP)
}

/// Indices of the best `limit` candidates, closest first, at most one per product and
/// never the wanted variant itself. Ties keep the candidates' order.
pub fn closest(wanted: &Likeness, candidates: &[Likeness], limit: usize) -> Vec<usize> {
    let mut scored: Vec<(u32, usize)> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| *c != wanted)
        .map(|(i, c)| (unlikeness(wanted, c), i))
        .collect();
    scored.sort();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (_, i) in scored {
        if out.len() == limit {
            break;
        }
        let product = candidates[i].product_id;
        if seen.contains(&product) {
            continue;
        }
        seen.push(product);
        out.push(i);
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn like(product_id: i64, colour: &str, size: &str, price_minor: i64) -> Likeness {
        Likeness {
            product_id,
            colour: Some(colour.into()),
            size: Some(size.into()),
            price_minor,
        }
    }

    #[test]
    fn same_size_beats_same_colour_beats_price() {
        let wanted = like(1, "Navy", "L", 4_000);
        let candidates = [
            like(2, "Navy", "M", 4_000), // wrong size
            like(3, "Red", "L", 4_000),  // wrong colour
            like(4, "Navy", "L", 6_000), // dearer, otherwise the same
            like(1, "Grey", "L", 4_000), // the same product in another colour
            like(5, "navy", "l", 4_100), // same, nearly the same price
        ];
        assert_eq!(closest(&wanted, &candidates, 4), vec![4, 2, 1, 3]);
    }

    #[test]
    fn one_per_product_and_never_itself() {
        let wanted = like(1, "Navy", "L", 4_000);
        let candidates = [
            wanted.clone(),
            like(2, "Navy", "L", 4_000),
            like(2, "Navy", "M", 4_000),
        ];
        assert_eq!(closest(&wanted, &candidates, 5), vec![1]);
    }

    proptest! {
        #[test]
        fn results_are_distinct_products_in_order_of_likeness(
            raw in proptest::collection::vec((0i64..6, 0usize..3, 0usize..3, 100i64..10_000), 0..30),
            limit in 0usize..6,
        ) {
            let colours = ["Navy", "Red", "Grey"];
            let sizes = ["S", "M", "L"];
            let candidates: Vec<Likeness> = raw
                .iter()
                .map(|&(p, c, s, price)| like(p, colours[c], sizes[s], price))
                .collect();
            let wanted = like(0, "Navy", "M", 2_500);
            let picked = closest(&wanted, &candidates, limit);
            prop_assert!(picked.len() <= limit);
            let mut products: Vec<i64> = picked.iter().map(|&i| candidates[i].product_id).collect();
            let scores: Vec<u32> = picked.iter().map(|&i| unlikeness(&wanted, &candidates[i])).collect();
            prop_assert!(scores.windows(2).all(|w| w[0] <= w[1]));
            products.sort_unstable();
            products.dedup();
            prop_assert_eq!(products.len(), picked.len());
        }
    }
}
