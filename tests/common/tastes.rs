//! A purchase history with hidden tastes, for judging recommendations offline: products
//! belong to styles, each customer likes two styles, and most of what they buy is a
//! popular-ish product in one of them; the rest is whatever is popular shop-wide.
//! Deterministic (same seed, same history), so figures can be compared between runs.

use storefront::server::seed::SplitMix64;

pub struct History {
    pub products: u32,
    /// Orders in the order they were placed: (customer, products).
    pub orders: Vec<(u32, Vec<u32>)>,
}

/// Uniform in [0, 1).
fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// An index below `n`, small ones much likelier (`power` > 1 skews harder).
fn skewed(rng: &mut SplitMix64, n: usize, power: i32) -> usize {
    ((n as f64 * unit(rng).powi(power)) as usize).min(n - 1)
}

pub const STYLES: u32 = 40;

pub fn generate(products: u32, customers: u32, orders: u32, seed: u64) -> History {
    let mut rng = SplitMix64::new(seed);
    // Product id order is shop-wide popularity (0 the best seller).
    let mut by_style: Vec<Vec<u32>> = vec![Vec::new(); STYLES as usize];
    for p in 0..products {
        by_style[rng.below(u64::from(STYLES)) as usize].push(p);
    }
    let tastes: Vec<[usize; 2]> = (0..customers)
        .map(|_| {
            [
                rng.below(u64::from(STYLES)) as usize,
                rng.below(u64::from(STYLES)) as usize,
            ]
        })
        .collect();
    let orders = (0..orders)
        .map(|_| {
            // Some customers come back often, most now and then.
            let customer = skewed(&mut rng, customers as usize, 2);
            let items = 1 + rng.below(3) as usize;
            let mut basket: Vec<u32> = Vec::new();
            for _ in 0..items {
                let p = if rng.chance(80) {
                    let style = &by_style[tastes[customer][rng.below(2) as usize]];
                    if style.is_empty() {
                        continue;
                    }
                    style[skewed(&mut rng, style.len(), 2)]
                } else {
                    skewed(&mut rng, products as usize, 3) as u32
                };
                if !basket.contains(&p) {
                    basket.push(p);
                }
            }
            (customer as u32, basket)
        })
        .filter(|(_, basket)| !basket.is_empty())
        .collect();
    History { products, orders }
}

/// Hit rate at `k` of "ours" and of "most bought": for every customer with two orders or
/// more, their last order is hidden, both recommenders learn from everything else, and a
/// hit is any product of the hidden order among the `k` recommended (neither may
/// recommend what the customer already bought).
pub fn hit_rates(history: &History, k: usize) -> (f64, f64, usize) {
    use std::collections::HashMap;
    use storefront::domain::recommend::{topped_up, CoPurchases};
    let mut last: HashMap<u32, usize> = HashMap::new();
    let mut count: HashMap<u32, usize> = HashMap::new();
    for (i, (c, _)) in history.orders.iter().enumerate() {
        last.insert(*c, i);
        *count.entry(*c).or_default() += 1;
    }
    let hidden: Vec<usize> = last
        .iter()
        .filter(|(c, _)| count[*c] >= 2)
        .map(|(_, &i)| i)
        .collect();
    let hidden_set: std::collections::HashSet<usize> = hidden.iter().copied().collect();
    let mut co = CoPurchases::new();
    for (i, (c, basket)) in history.orders.iter().enumerate() {
        if !hidden_set.contains(&i) {
            co.add(&c.to_string(), basket);
        }
    }
    let (mut ours, mut popular) = (0usize, 0usize);
    for &i in &hidden {
        let (c, basket) = &history.orders[i];
        let key = c.to_string();
        let bought = co.history(&key).to_vec();
        let baseline = co.most_bought(k, |p| !bought.contains(&p));
        // As the shop shows it: topped up with the best sellers when there is too little
        // history to fill the list.
        let picks = topped_up(
            co.for_customer(&key, k, |p| !bought.contains(&p)),
            baseline.iter().copied(),
            k,
        );
        ours += usize::from(basket.iter().any(|p| picks.contains(p)));
        popular += usize::from(basket.iter().any(|p| baseline.contains(p)));
    }
    let n = hidden.len().max(1) as f64;
    (ours as f64 / n, popular as f64 / n, hidden.len())
}
