//! Which distribution centres an order ships from, and what waits for a restock.
//!
//! The caller lists each variant's centres nearest to the shopper first. Every line takes
//! from the nearest centre that has units, then the next, and so on; whatever no centre
//! can cover is a backorder, which the shop only accepts when the shopper agreed to wait.
//! When stock arrives, waiting lines are served first come, first served.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Units of one variant free at one centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreStock {
    pub centre_id: i64,
    pub available: u32,
}

/// Units taken from one centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub centre_id: i64,
    pub quantity: u32,
}

/// How one line is met.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePlan {
    /// Units shipping now, nearest centre first.
    pub picks: Vec<Pick>,
    /// Units no centre has: they wait for a restock.
    pub backordered: u32,
}

impl LinePlan {
    pub fn shipping_now(&self) -> u32 {
        self.picks.iter().map(|p| p.quantity).sum()
    }

    /// Whether the line ships from more than one centre.
    pub fn is_split(&self) -> bool {
        self.picks.len() > 1
    }
}

/// Takes `quantity` units from `centres` in the order given (nearest first).
pub fn plan_line(quantity: u32, centres: &[CentreStock]) -> LinePlan {
    let mut remaining = quantity;
    let mut picks = Vec::new();
    for centre in centres {
        if remaining == 0 {
            break;
        }
        let take = remaining.min(centre.available);
        if take > 0 {
            picks.push(Pick {
                centre_id: centre.centre_id,
                quantity: take,
            });
            remaining -= take;
        }
    }
    LinePlan {
        picks,
        backordered: remaining,
    }
}

/// Plans every `(variant_id, quantity)` line against one picture of the stock, so two
/// lines for the same variant never count the same unit twice. `stock` lists each
/// variant's centres nearest first; a variant missing from it has no stock anywhere.
pub fn plan_order(lines: &[(i64, u32)], stock: &HashMap<i64, Vec<CentreStock>>) -> Vec<LinePlan> {
    let mut left: HashMap<i64, Vec<CentreStock>> = stock.clone();
    lines
        .iter()
        .map(|&(variant_id, quantity)| {
            let centres = left.entry(variant_id).or_default();
            let plan = plan_line(quantity, centres);
            for pick in &plan.picks {
                if let Some(c) = centres.iter_mut().find(|c| c.centre_id == pick.centre_id) {
                    c.available -= pick.quantity;
                }
            }
            plan
        })
        .collect()
}

/// A line waiting for stock, in the order the orders were placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub line_id: i64,
    pub quantity: u32,
}

/// Hands `arrived` units to the waiting lines, first come first served: the earliest
/// line is filled before a later one gets anything. Returns `(line_id, units)` for each
/// line that gets some.
pub fn serve_waiting(arrived: u32, waiting: &[Waiting]) -> Vec<(i64, u32)> {
    let mut left = arrived;
    let mut served = Vec::new();
    for w in waiting {
        if left == 0 {
            break;
        }
        let give = left.min(w.quantity);
        if give > 0 {
            served.push((w.line_id, give));
            left -= give;
        }
    }
    served
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stock(levels: &[u32]) -> Vec<CentreStock> {
        levels
            .iter()
            .enumerate()
            .map(|(i, &available)| CentreStock {
                centre_id: i as i64 + 1,
                available,
            })
            .collect()
    }

    fn pick(centre_id: i64, quantity: u32) -> Pick {
        Pick {
            centre_id,
            quantity,
        }
    }

    #[test]
    fn takes_from_the_nearest_centre_when_it_can() {
        let plan = plan_line(3, &stock(&[5, 9]));
        assert_eq!(plan.picks, vec![pick(1, 3)]);
        assert_eq!(plan.backordered, 0);
        assert!(!plan.is_split());
    }

    #[test]
    fn splits_when_one_centre_cannot_cover() {
        let plan = plan_line(7, &stock(&[5, 0, 9]));
        assert_eq!(plan.picks, vec![pick(1, 5), pick(3, 2)]);
        assert!(plan.is_split());
    }

    #[test]
    fn what_no_centre_has_is_backordered() {
        let plan = plan_line(4, &stock(&[1, 2]));
        assert_eq!(plan.shipping_now(), 3);
        assert_eq!(plan.backordered, 1);
        assert_eq!(plan_line(1, &[]).backordered, 1);
    }

    #[test]
    fn two_lines_for_one_variant_share_the_stock() {
        let mut s = HashMap::new();
        s.insert(7, stock(&[2, 1]));
        let plans = plan_order(&[(7, 2), (7, 2)], &s);
        assert_eq!(plans[0].picks, vec![pick(1, 2)]);
        assert_eq!(plans[1].picks, vec![pick(2, 1)]);
        assert_eq!(plans[1].backordered, 1);
    }

    #[test]
    fn restocks_serve_the_earliest_orders_first() {
        let waiting = [
            Waiting {
                line_id: 10,
                quantity: 2,
            },
            Waiting {
                line_id: 11,
                quantity: 5,
            },
            Waiting {
                line_id: 12,
                quantity: 1,
            },
        ];
        assert_eq!(serve_waiting(4, &waiting), vec![(10, 2), (11, 2)]);
        assert_eq!(serve_waiting(20, &waiting), vec![(10, 2), (11, 5), (12, 1)]);
        assert!(serve_waiting(0, &waiting).is_empty());
    }

    proptest! {
        #[test]
        fn plans_never_overdraw_and_prefer_the_nearest(
            spread in proptest::collection::vec(proptest::collection::vec(0u32..8, 0..4), 1..4),
            cart in proptest::collection::vec((0usize..4, 1u32..12), 0..8),
        ) {
            let stock_map: HashMap<i64, Vec<CentreStock>> = spread
                .iter()
                .enumerate()
                .map(|(v, levels)| (v as i64, stock(levels)))
                .collect();
            let lines: Vec<(i64, u32)> = cart.iter().map(|&(v, q)| (v as i64, q)).collect();
            let plans = plan_order(&lines, &stock_map);
            prop_assert_eq!(plans.len(), lines.len());
            let mut taken: HashMap<(i64, i64), u32> = HashMap::new();
            for ((variant, quantity), plan) in lines.iter().zip(&plans) {
                // Every unit asked for either ships or waits.
                prop_assert_eq!(plan.shipping_now() + plan.backordered, *quantity);
                for p in &plan.picks {
                    prop_assert!(p.quantity > 0);
                    *taken.entry((*variant, p.centre_id)).or_default() += p.quantity;
                }
                // Nearest first: picks follow the centre order, and a centre is only passed
                // over for a later one once it is empty.
                let ids: Vec<i64> = plan.picks.iter().map(|p| p.centre_id).collect();
                prop_assert!(ids.windows(2).all(|w| w[0] < w[1]));
            }
            // Never more than a centre had: stock can't go negative.
            for ((variant, centre), units) in &taken {
                let had = stock_map
                    .get(variant)
                    .and_then(|cs| cs.iter().find(|c| c.centre_id == *centre))
                    .map_or(0, |c| c.available);
                prop_assert!(*units <= had);
            }
            // Nothing waits while a centre still has units of that variant.
            for ((variant, _), plan) in lines.iter().zip(&plans) {
                if plan.backordered > 0 {
                    let total: u32 = stock_map.get(variant).map_or(0, |cs| cs.iter().map(|c| c.available).sum());
                    let used: u32 = taken.iter().filter(|((v, _), _)| v == variant).map(|(_, u)| *u).sum();
                    prop_assert_eq!(used, total);
                }
            }
        }

        #[test]
        fn restocks_are_first_come_first_served(
            arrived in 0u32..40,
            queue in proptest::collection::vec(1u32..10, 0..8),
        ) {
            let waiting: Vec<Waiting> = queue
                .iter()
                .enumerate()
                .map(|(i, &quantity)| Waiting { line_id: i as i64, quantity })
                .collect();
            let served = serve_waiting(arrived, &waiting);
            let given: u32 = served.iter().map(|(_, u)| u).sum();
            prop_assert_eq!(given, arrived.min(queue.iter().sum()));
            for (i, (line, units)) in served.iter().enumerate() {
                prop_assert_eq!(*line, i as i64);
                prop_assert!(*units <= queue[i]);
                // Only the last line served may be partly filled.
                if i + 1 < served.len() {
                    prop_assert_eq!(*units, queue[i]);
                }
            }
        }
    }
}
