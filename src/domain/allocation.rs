//! Which distribution centres a line ships from.
//!
//! The caller orders the centres by preference (today: most stock first; later: nearest
//! to the shopper first). Allocation takes from each in turn until the line is covered,
//! or reports how many could have been had.

use serde::{Deserialize, Serialize};

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

/// Not enough stock anywhere: `available` units could be had in total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortfall {
    pub requested: u32,
    pub available: u32,
}

/// Takes `quantity` units from `centres` in the order given.
pub fn allocate(quantity: u32, centres: &[CentreStock]) -> Result<Vec<Pick>, Shortfall> {
    let total: u64 = centres.iter().map(|c| u64::from(c.available)).sum();
    if total < u64::from(quantity) {
        return Err(Shortfall {
            requested: quantity,
            available: u32::try_from(total).unwrap_or(u32::MAX),
        });
    }
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
    Ok(picks)
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

    #[test]
    fn takes_from_the_first_centre_when_it_can() {
        let picks = allocate(3, &stock(&[5, 9])).unwrap();
        assert_eq!(
            picks,
            vec![Pick {
                centre_id: 1,
                quantity: 3
            }]
        );
    }

    #[test]
    fn splits_when_one_centre_cannot_cover() {
        let picks = allocate(7, &stock(&[5, 0, 9])).unwrap();
        assert_eq!(
            picks,
            vec![
                Pick {
                    centre_id: 1,
                    quantity: 5
                },
                Pick {
                    centre_id: 3,
                    quantity: 2
                }
            ]
        );
    }

    #[test]
    fn reports_the_shortfall() {
        assert_eq!(
            allocate(4, &stock(&[1, 2])),
            Err(Shortfall {
                requested: 4,
                available: 3
            })
        );
        assert_eq!(
            allocate(1, &[]),
            Err(Shortfall {
                requested: 1,
                available: 0
            })
        );
    }

    proptest! {
        #[test]
        fn picks_sum_to_the_request_and_never_exceed_a_centre(
            levels in proptest::collection::vec(0u32..50, 0..6),
            quantity in 0u32..120,
        ) {
            let centres = stock(&levels);
            let total: u32 = levels.iter().sum();
            match allocate(quantity, &centres) {
                Ok(picks) => {
                    prop_assert!(quantity <= total);
                    prop_assert_eq!(picks.iter().map(|p| p.quantity).sum::<u32>(), quantity);
                    for pick in &picks {
                        let centre = centres.iter().find(|c| c.centre_id == pick.centre_id).unwrap();
                        prop_assert!(pick.quantity > 0 && pick.quantity <= centre.available);
                    }
                    // Preference order holds: a centre is only used once all before it are empty.
                    for (i, pick) in picks.iter().enumerate().skip(1) {
                        let before = &picks[i - 1];
                        let c = centres.iter().find(|c| c.centre_id == before.centre_id).unwrap();
                        prop_assert_eq!(before.quantity, c.available);
                        prop_assert!(pick.centre_id > before.centre_id);
                    }
                }
                Err(shortfall) => {
                    prop_assert!(quantity > total);
                    prop_assert_eq!(shortfall.available, total);
                }
            }
        }
    }
}
