//! Prices an order from the shop's own unit prices (never the client's).

use super::money::{Currency, Money};
use serde::{Deserialize, Serialize};

/// Orders at or above this subtotal are delivered free.
pub const FREE_DELIVERY_FROM: Money = Money::gbp(50_00);
/// Standard delivery below the threshold.
pub const STANDARD_DELIVERY: Money = Money::gbp(3_95);

/// One line to price: the shop's unit price and the quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineToPrice {
    pub unit_price: Money,
    pub quantity: u32,
}

/// What the shopper pays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub line_totals: Vec<Money>,
    pub subtotal: Money,
    pub delivery: Money,
    pub total: Money,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("an order needs at least one item")]
    Empty,
    #[error("an order cannot mix currencies")]
    MixedCurrencies,
    #[error("the order total is too large")]
    Overflow,
}

/// Delivery charge for a subtotal.
pub fn delivery_for(subtotal: Money) -> Money {
    if subtotal.minor >= FREE_DELIVERY_FROM.minor {
        Money::zero(subtotal.currency)
    } else {
        Money::new(STANDARD_DELIVERY.minor, subtotal.currency)
    }
}

/// Line totals, subtotal, delivery and total.
pub fn quote(lines: &[LineToPrice]) -> Result<Quote, PricingError> {
    let currency: Currency = lines
        .first()
        .ok_or(PricingError::Empty)?
        .unit_price
        .currency;
    let mut subtotal = Money::zero(currency);
    let mut line_totals = Vec::with_capacity(lines.len());
    for line in lines {
        if line.unit_price.currency != currency {
            return Err(PricingError::MixedCurrencies);
        }
        let total = line
            .unit_price
            .checked_mul(line.quantity)
            .ok_or(PricingError::Overflow)?;
        subtotal = subtotal.checked_add(total).ok_or(PricingError::Overflow)?;
        line_totals.push(total);
    }
    let delivery = delivery_for(subtotal);
    let total = subtotal
        .checked_add(delivery)
        .ok_or(PricingError::Overflow)?;
    Ok(Quote {
        line_totals,
        subtotal,
        delivery,
        total,
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(pence: i64, quantity: u32) -> LineToPrice {
        LineToPrice {
            unit_price: Money::gbp(pence),
            quantity,
        }
    }

    #[test]
    fn small_orders_pay_delivery() {
        let q = quote(&[line(12_00, 2)]).unwrap();
        assert_eq!(q.subtotal, Money::gbp(24_00));
        assert_eq!(q.delivery, STANDARD_DELIVERY);
        assert_eq!(q.total, Money::gbp(27_95));
    }

    #[test]
    fn delivery_is_free_from_the_threshold() {
        let q = quote(&[line(25_00, 1), line(25_00, 1)]).unwrap();
        assert_eq!(q.delivery, Money::gbp(0));
        assert_eq!(q.total, Money::gbp(50_00));
        assert_eq!(
            quote(&[line(49_99, 1)]).unwrap().delivery,
            STANDARD_DELIVERY
        );
    }

    #[test]
    fn empty_and_overflowing_orders_are_refused() {
        assert_eq!(quote(&[]), Err(PricingError::Empty));
        assert_eq!(quote(&[line(i64::MAX, 2)]), Err(PricingError::Overflow));
    }

    proptest! {
        #[test]
        fn total_is_sum_of_lines_plus_delivery(
            lines in proptest::collection::vec((1i64..100_000, 1u32..20), 1..10)
        ) {
            let lines: Vec<_> = lines.into_iter().map(|(p, q)| line(p, q)).collect();
            let q = quote(&lines).unwrap();
            let sum: i64 = lines.iter().map(|l| l.unit_price.minor * i64::from(l.quantity)).sum();
            prop_assert_eq!(q.subtotal.minor, sum);
            prop_assert_eq!(q.total.minor, sum + q.delivery.minor);
            prop_assert_eq!(q.delivery.minor == 0, sum >= FREE_DELIVERY_FROM.minor);
        }
    }
}
