//! Prices an order from the shop's own unit prices (never the client's), and splits the
//! payment into what is charged now (what ships now) and later (what waits for stock).

use super::date::CalendarDate;
use super::delivery::DeliveryOption;
use super::money::{Currency, Money};
use serde::{Deserialize, Serialize};

/// Orders at or above this subtotal get standard delivery free.
pub const FREE_DELIVERY_FROM: Money = Money::gbp(50_00);
/// Standard delivery below the threshold.
pub const STANDARD_DELIVERY: Money = Money::gbp(3_95);
/// Express delivery, whatever the order's size.
pub const EXPRESS_DELIVERY: Money = Money::gbp(7_95);

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
pub fn delivery_for(subtotal: Money, option: DeliveryOption) -> Money {
    match option {
        DeliveryOption::Express => Money::new(EXPRESS_DELIVERY.minor, subtotal.currency),
        DeliveryOption::Standard if subtotal.minor >= FREE_DELIVERY_FROM.minor => {
            Money::zero(subtotal.currency)
        }
        DeliveryOption::Standard => Money::new(STANDARD_DELIVERY.minor, subtotal.currency),
    }
}

/// How the free-delivery threshold applies to a subtotal, in words for the delivery step.
pub fn free_delivery_note(subtotal: Money) -> String {
    if subtotal.minor >= FREE_DELIVERY_FROM.minor {
        format!("Standard delivery is free on orders of {FREE_DELIVERY_FROM} or more, so yours ships free.")
    } else {
        let short = Money::new(FREE_DELIVERY_FROM.minor - subtotal.minor, subtotal.currency);
        format!("Standard delivery is free on orders of {FREE_DELIVERY_FROM} or more: add {short} more to get it free.")
    }
}

/// Line totals, subtotal, delivery and total.
pub fn quote(lines: &[LineToPrice], option: DeliveryOption) -> Result<Quote, PricingError> {
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
    let delivery = delivery_for(subtotal, option);
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

/// A line as paid for: its unit price, the units shipping now and those waiting for a
/// restock expected `back_on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineToCharge {
    pub unit_price: Money,
    pub now: u32,
    pub later: u32,
    pub back_on: Option<CalendarDate>,
}

/// Money taken when waiting items ship (one per expected date).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaterCharge {
    pub amount: Money,
    pub units: u32,
    pub around: Option<CalendarDate>,
}

/// What the card is charged, and when: only what ships now is charged at checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargePlan {
    pub now: Money,
    pub now_units: u32,
    /// Earliest first.
    pub later: Vec<LaterCharge>,
    /// Delivery, included in the first charge (now, or the first later one).
    pub delivery: Money,
}

impl ChargePlan {
    /// Everything the order costs: now and later.
    pub fn total(&self) -> Money {
        self.later.iter().fold(self.now, |sum, l| {
            Money::new(sum.minor + l.amount.minor, sum.currency)
        })
    }

    /// The review step's sentence: "Held on your card now: £54.00 for 3 items shipping
    /// today, taken when it ships.
    /// £18.00 for 1 item will be charged when it ships (around 3 Dec)." `dispatch` is
    /// when the items shipping now leave ("today", "on Mon 24 Nov").
    pub fn summary(&self, dispatch: &str) -> String {
        let items = |n: u32| {
            if n == 1 {
                "1 item".to_owned()
            } else {
                format!("{n} items")
            }
        };
        let mut text = if self.now_units > 0 {
            let delivery = if self.delivery.minor > 0 {
                format!(", including {} delivery", self.delivery)
            } else {
                String::new()
            };
            format!(
                "Held on your card now: {} for {} shipping {dispatch}{delivery}, taken when it ships.",
                self.now,
                items(self.now_units)
            )
        } else {
            "Nothing is held or charged now.".to_owned()
        };
        for (i, later) in self.later.iter().enumerate() {
            let when = later
                .around
                .map(|d| format!(" (around {})", d.short_label()))
                .unwrap_or_default();
            let verb = if later.units == 1 {
                "it ships"
            } else {
                "they ship"
            };
            let delivery = if i == 0 && self.now_units == 0 && self.delivery.minor > 0 {
                format!(", including {} delivery,", self.delivery)
            } else {
                String::new()
            };
            text.push_str(&format!(
                " {} for {}{delivery} will be charged when {verb}{when}.",
                later.amount,
                items(later.units)
            ));
        }
        text
    }
}

/// Splits an order's cost into the charge now (units shipping now, plus delivery) and
/// later charges per expected date. With nothing shipping now, delivery goes with the
/// first later charge. The parts always add up to the order's total.
pub fn charge_plan(lines: &[LineToCharge], delivery: Money) -> Result<ChargePlan, PricingError> {
    let currency = delivery.currency;
    let add = |a: Money, b: Money| {
        if a.currency != b.currency {
            return Err(PricingError::MixedCurrencies);
        }
        a.checked_add(b).ok_or(PricingError::Overflow)
    };
    let mut now = Money::zero(currency);
    let mut now_units = 0u32;
    let mut later: Vec<LaterCharge> = Vec::new();
    for line in lines {
        if line.now > 0 {
            now = add(
                now,
                line.unit_price
                    .checked_mul(line.now)
                    .ok_or(PricingError::Overflow)?,
            )?;
            now_units = now_units.saturating_add(line.now);
        }
        if line.later > 0 {
            let amount = line
                .unit_price
                .checked_mul(line.later)
                .ok_or(PricingError::Overflow)?;
            match later.iter_mut().find(|l| l.around == line.back_on) {
                Some(l) => {
                    l.amount = add(l.amount, amount)?;
                    l.units = l.units.saturating_add(line.later);
                }
                None => later.push(LaterCharge {
                    amount,
                    units: line.later,
                    around: line.back_on,
                }),
            }
        }
    }
    // Known dates first, earliest first; an unknown date last.
    later.sort_by_key(|l| (l.around.is_none(), l.around));
    match later.first_mut() {
        Some(first) if now_units == 0 => first.amount = add(first.amount, delivery)?,
        _ => now = add(now, delivery)?,
    }
    Ok(ChargePlan {
        now,
        now_units,
        later,
        delivery,
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
        let q = quote(&[line(12_00, 2)], DeliveryOption::Standard).unwrap();
        assert_eq!(q.subtotal, Money::gbp(24_00));
        assert_eq!(q.delivery, STANDARD_DELIVERY);
        assert_eq!(q.total, Money::gbp(27_95));
    }

    #[test]
    fn delivery_is_free_from_the_threshold() {
        let q = quote(&[line(25_00, 1), line(25_00, 1)], DeliveryOption::Standard).unwrap();
        assert_eq!(q.delivery, Money::gbp(0));
        assert_eq!(q.total, Money::gbp(50_00));
        assert_eq!(
            quote(&[line(49_99, 1)], DeliveryOption::Standard)
                .unwrap()
                .delivery,
            STANDARD_DELIVERY
        );
    }

    #[test]
    fn empty_and_overflowing_orders_are_refused() {
        assert_eq!(
            quote(&[], DeliveryOption::Standard),
            Err(PricingError::Empty)
        );
        assert_eq!(
            quote(&[line(i64::MAX, 2)], DeliveryOption::Standard),
            Err(PricingError::Overflow)
        );
    }

    #[test]
    fn express_costs_the_same_at_any_size() {
        let q = quote(&[line(60_00, 1)], DeliveryOption::Express).unwrap();
        assert_eq!(q.delivery, EXPRESS_DELIVERY);
        assert_eq!(q.total, Money::gbp(67_95));
        assert!(free_delivery_note(Money::gbp(40_00)).contains("add £10.00 more"));
        assert!(free_delivery_note(Money::gbp(50_00)).contains("yours ships free"));
    }

    fn charge(pence: i64, now: u32, later: u32, back_on: Option<(i32, u8, u8)>) -> LineToCharge {
        LineToCharge {
            unit_price: Money::gbp(pence),
            now,
            later,
            back_on: back_on.map(|(y, m, d)| CalendarDate::new(y, m, d).unwrap()),
        }
    }

    #[test]
    fn charges_only_what_ships_now() {
        // 3 in stock and 1 waiting at £18: delivery is free (£72), £54 now, £18 later.
        let plan = charge_plan(&[charge(18_00, 3, 1, Some((2026, 12, 3)))], Money::gbp(0)).unwrap();
        assert_eq!(plan.now, Money::gbp(54_00));
        assert_eq!(plan.total(), Money::gbp(72_00));
        assert_eq!(
            plan.summary("today"),
            "Held on your card now: £54.00 for 3 items shipping today, taken when it ships. £18.00 for 1 item will be charged when it ships (around 3 Dec)."
        );
    }

    #[test]
    fn delivery_goes_with_the_first_charge() {
        let plan = charge_plan(&[charge(10_00, 2, 0, None)], STANDARD_DELIVERY).unwrap();
        assert_eq!(plan.now, Money::gbp(23_95));
        assert_eq!(
            plan.summary("on Mon 24 Nov"),
            "Held on your card now: £23.95 for 2 items shipping on Mon 24 Nov, including £3.95 delivery, taken when it ships."
        );
        let plan = charge_plan(
            &[
                charge(10_00, 0, 1, Some((2026, 12, 9))),
                charge(5_00, 0, 2, Some((2026, 12, 3))),
            ],
            STANDARD_DELIVERY,
        )
        .unwrap();
        assert_eq!(plan.now, Money::gbp(0));
        assert_eq!(plan.later[0].amount, Money::gbp(13_95));
        assert_eq!(plan.later[1].amount, Money::gbp(10_00));
        assert_eq!(
            plan.summary("today"),
            "Nothing is held or charged now. £13.95 for 2 items, including £3.95 delivery, will be charged when they ship (around 3 Dec). £10.00 for 1 item will be charged when it ships (around 9 Dec)."
        );
    }

    proptest! {
        #[test]
        fn charges_add_up_and_now_is_only_what_ships(
            lines in proptest::collection::vec((1i64..20_000, 0u32..5, 0u32..5, 0u8..3), 1..8),
            express in any::<bool>()
        ) {
            let lines: Vec<LineToCharge> = lines
                .into_iter()
                .map(|(p, now, later, day)| charge(p, now, later, Some((2026, 12, 1 + day))))
                .collect();
            let units: Vec<LineToPrice> = lines
                .iter()
                .map(|l| LineToPrice { unit_price: l.unit_price, quantity: l.now + l.later })
                .filter(|l| l.quantity > 0)
                .collect();
            prop_assume!(!units.is_empty());
            let option = if express { DeliveryOption::Express } else { DeliveryOption::Standard };
            let q = quote(&units, option).unwrap();
            let plan = charge_plan(&lines, q.delivery).unwrap();
            prop_assert_eq!(plan.total(), q.total);
            let shipping_now: i64 = lines.iter().map(|l| l.unit_price.minor * i64::from(l.now)).sum();
            let delivery_now = if plan.now_units > 0 { q.delivery.minor } else { 0 };
            prop_assert_eq!(plan.now.minor, shipping_now + delivery_now);
            prop_assert!(plan.later.windows(2).all(|w| w[0].around < w[1].around));
        }
    }

    proptest! {
        #[test]
        fn total_is_sum_of_lines_plus_delivery(
            lines in proptest::collection::vec((1i64..100_000, 1u32..20), 1..10)
        ) {
            let lines: Vec<_> = lines.into_iter().map(|(p, q)| line(p, q)).collect();
            let q = quote(&lines, DeliveryOption::Standard).unwrap();
            let sum: i64 = lines.iter().map(|l| l.unit_price.minor * i64::from(l.quantity)).sum();
            prop_assert_eq!(q.subtotal.minor, sum);
            prop_assert_eq!(q.total.minor, sum + q.delivery.minor);
            prop_assert_eq!(q.delivery.minor == 0, sum >= FREE_DELIVERY_FROM.minor);
        }
    }
}
