//! What the shop tells a shopper about stock. One rule, used by every page: never call
//! something in stock that isn't, and say when an out-of-stock item is expected back.

use super::date::CalendarDate;
use serde::{Deserialize, Serialize};

/// At or below this many units the shopper is told how many are left.
pub const LOW_STOCK_THRESHOLD: u32 = 5;

/// The availability of one variant, summed over the distribution centres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Availability {
    InStock { available: u32 },
    LowStock { available: u32 },
    OutOfStock { back_on: Option<CalendarDate> },
}

impl Availability {
    /// Classifies `available` units; `back_on` is the expected restock date, if known.
    pub fn from_stock(available: u32, back_on: Option<CalendarDate>) -> Self {
        match available {
            0 => Availability::OutOfStock { back_on },
            n if n <= LOW_STOCK_THRESHOLD => Availability::LowStock { available: n },
            n => Availability::InStock { available: n },
        }
    }

    /// The words on the badge: "In stock", "Only 2 left", "Out of stock — back around 3 Dec".
    pub fn label(&self) -> String {
        match self {
            Availability::InStock { .. } => "In stock".to_owned(),
            Availability::LowStock { available } => format!("Only {available} left"),
            Availability::OutOfStock {
                back_on: Some(date),
            } => {
                format!("Out of stock — back around {}", date.short_label())
            }
            Availability::OutOfStock { back_on: None } => "Out of stock".to_owned(),
        }
    }

    /// Units that can be bought now.
    pub fn available(&self) -> u32 {
        match self {
            Availability::InStock { available } | Availability::LowStock { available } => {
                *available
            }
            Availability::OutOfStock { .. } => 0,
        }
    }

    pub fn is_in_stock(&self) -> bool {
        self.available() > 0
    }

    /// A modifier for styling: `in`, `low` or `out`.
    pub fn css_modifier(&self) -> &'static str {
        match self {
            Availability::InStock { .. } => "in",
            Availability::LowStock { .. } => "low",
            Availability::OutOfStock { .. } => "out",
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wording_matches_the_design() {
        let dec3 = CalendarDate::new(2026, 12, 3);
        assert_eq!(Availability::from_stock(40, None).label(), "In stock");
        assert_eq!(Availability::from_stock(2, None).label(), "Only 2 left");
        assert_eq!(
            Availability::from_stock(0, dec3).label(),
            "Out of stock — back around 3 Dec"
        );
        assert_eq!(Availability::from_stock(0, None).label(), "Out of stock");
    }

    #[test]
    fn threshold_is_inclusive() {
        assert!(matches!(
            Availability::from_stock(5, None),
            Availability::LowStock { available: 5 }
        ));
        assert!(matches!(
            Availability::from_stock(6, None),
            Availability::InStock { available: 6 }
        ));
    }

    proptest! {
        #[test]
        fn never_in_stock_when_nothing_is_there(n in 0u32..10_000) {
            let a = Availability::from_stock(n, None);
            prop_assert_eq!(a.is_in_stock(), n > 0);
            prop_assert_eq!(a.available(), n);
            prop_assert_eq!(a.label().starts_with("Out of stock"), n == 0);
        }
    }
}
