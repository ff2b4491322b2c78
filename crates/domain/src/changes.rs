//! Changing an order before it ships: when it may change, what the change is in words,
//! and what it does to the money held on the card, said before the shopper confirms.
//!
//! A change describes the whole order as it should be (lines, address, delivery
//! option). The shop re-plans it (nearest centre first), re-prices it (lines already
//! ordered keep the price they were ordered at; new ones cost today's price), and the
//! hold on the card follows the new total: a smaller total reduces the hold, a larger
//! one asks the bank to hold the new total in place of the old.

use crate::delivery::DeliveryOption;
use crate::fulfilment::{Refused, ShipmentStatus};
use crate::money::Money;
use crate::pricing::{quote, LineToPrice, PricingError, Quote};
use serde::{Deserialize, Serialize};

/// How much of an order a change may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeScope {
    /// Nothing has shipped: every line, the address and the delivery option may change,
    /// and delivery is priced afresh.
    Whole,
    /// Part has shipped: what hasn't may change (its quantities, sizes and colours, lines
    /// added or removed); the units that left stay as they are, and so do the address,
    /// the delivery option and the delivery charge (the parcels that left went that way).
    Rest,
}

/// What may change of an order whose parcels (exchanges aside) are at `shipments`, with
/// `units_waiting` units waiting for stock: all of it until any of it ships, then what
/// hasn't shipped (a parcel still to pack, or units waiting for stock). Units waiting
/// for stock keep the order's place in the queue, which goes by when it was placed.
pub fn may_change(
    shipments: &[ShipmentStatus],
    units_waiting: u32,
) -> Result<ChangeScope, Refused> {
    if !shipments.is_empty() && shipments.iter().all(|s| *s == ShipmentStatus::Cancelled) {
        return Err(Refused("This order is cancelled.".into()));
    }
    let live = || {
        shipments
            .iter()
            .filter(|s| **s != ShipmentStatus::Cancelled)
    };
    if !live().any(|s| s.has_shipped()) {
        return Ok(ChangeScope::Whole);
    }
    if units_waiting == 0 && live().all(|s| s.has_shipped()) {
        return Err(Refused(
            "Everything in this order has shipped, so it can't be changed now. Once it arrives you can send anything back."
                .into(),
        ));
    }
    Ok(ChangeScope::Rest)
}

/// Whether an order line of which `shipped` units have left may become `quantity` units
/// of the same size and colour (`same_variant`) or of another: the units that left stay.
pub fn check_line(shipped: u32, same_variant: bool, quantity: u32) -> Result<(), String> {
    let these = if shipped == 1 {
        "1 of these has".to_owned()
    } else {
        format!("{shipped} of these have")
    };
    if shipped > 0 && !same_variant {
        return Err(format!(
            "{these} already shipped in this size and colour: to get another, add it as a new item."
        ));
    }
    if quantity < shipped {
        return Err(format!(
            "{these} already shipped, so the quantity can't go below {shipped}. Once they arrive you can send them back."
        ));
    }
    Ok(())
}

/// Whether a change in `scope` may move the delivery address or option.
pub fn check_delivery(
    scope: ChangeScope,
    address_changed: bool,
    option_changed: bool,
) -> Result<(), Refused> {
    if scope == ChangeScope::Rest && address_changed {
        return Err(Refused(
            "Part of this order has already left for this address, so the rest goes there too."
                .into(),
        ));
    }
    if scope == ChangeScope::Rest && option_changed {
        return Err(Refused(
            "Part of this order has already left, so the rest goes by the same delivery.".into(),
        ));
    }
    Ok(())
}

/// The order's price after a change to `lines` (every line at its full quantity):
/// delivery priced afresh for `option` while nothing has shipped; once part has, the
/// delivery charge stays `charged`.
pub fn change_quote(
    lines: &[LineToPrice],
    option: DeliveryOption,
    scope: ChangeScope,
    charged: Money,
) -> Result<Quote, PricingError> {
    let mut q = quote(lines, option)?;
    if scope == ChangeScope::Rest {
        q.delivery = charged;
        q.total = q
            .subtotal
            .checked_add(charged)
            .ok_or(PricingError::Overflow)?;
    }
    Ok(q)
}

/// How much of the delivery charge `delivery` is still to be taken, given the parcels
/// that shipped as (what each took, the goods in it): a parcel takes its goods and, the
/// first to carry it, the delivery charge.
pub fn delivery_left(delivery: Money, shipped: &[(Money, Money)]) -> Money {
    let taken: i64 = shipped
        .iter()
        .map(|(took, goods)| (took.minor - goods.minor).max(0))
        .sum();
    Money::new((delivery.minor - taken).max(0), delivery.currency)
}

/// Whether the part of an order that hasn't shipped may be cancelled on its own: some of
/// it has shipped (otherwise the whole order is cancelled instead) and some of it has not
/// (a parcel still to pack, or units waiting for stock). Parcels replaced by a change
/// count for nothing.
pub fn may_cancel_rest(shipments: &[ShipmentStatus], units_waiting: u32) -> Result<(), Refused> {
    let live: Vec<ShipmentStatus> = shipments
        .iter()
        .copied()
        .filter(|s| *s != ShipmentStatus::Cancelled)
        .collect();
    if !live.iter().any(|s| s.has_shipped()) {
        return Err(Refused(
            "Nothing has shipped yet: you can cancel the whole order instead.".into(),
        ));
    }
    if units_waiting == 0 && live.iter().all(|s| s.has_shipped()) {
        return Err(Refused(
            "Everything in this order has shipped. Once it arrives you can send anything back."
                .into(),
        ));
    }
    Ok(())
}

/// A line of an order before or after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineState {
    /// The order line it is (none: added by the change).
    pub line: Option<i64>,
    pub product: String,
    /// "Navy, M".
    pub label: String,
    pub quantity: u32,
}

/// What a change does, one phrase per difference: "Merino Crew: Navy, M → Navy, L",
/// "Oxford Shirt: 2 → 1", "Oxford Shirt removed", "added 1 × Wool Scarf (Grey)".
pub fn describe(
    before: &[LineState],
    after: &[LineState],
    address_changed: bool,
    option_changed: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    for b in before {
        match after.iter().find(|a| a.line.is_some() && a.line == b.line) {
            None => out.push(format!("{} ({}) removed", b.product, b.label)),
            Some(a) if a.quantity == 0 => out.push(format!("{} ({}) removed", b.product, b.label)),
            Some(a) => {
                if a.label != b.label {
                    out.push(format!("{}: {} → {}", b.product, b.label, a.label));
                }
                if a.quantity != b.quantity {
                    out.push(format!(
                        "{} ({}): {} → {}",
                        a.product, a.label, b.quantity, a.quantity
                    ));
                }
            }
        }
    }
    for a in after.iter().filter(|a| a.line.is_none() && a.quantity > 0) {
        out.push(format!(
            "added {} × {} ({})",
            a.quantity, a.product, a.label
        ));
    }
    if address_changed {
        out.push("new delivery address".into());
    }
    if let Some(option) = option_changed {
        out.push(format!("{option} delivery"));
    }
    out
}

/// The money of a change in plain words, before it is confirmed: what the card holds
/// for what hasn't shipped now (`old_held`) and after (`new_held`), and what happens on
/// it (`card` like "your Visa ending 4242"). Nothing more is taken before a parcel
/// ships, so a change only moves the hold; `taken` is what shipped parcels already took
/// (it stays as it is).
pub fn hold_words(old_held: Money, new_held: Money, card: &str, taken: Money) -> String {
    let diff = new_held.minor - old_held.minor;
    let by = Money {
        minor: diff.abs(),
        currency: new_held.currency,
    };
    let was_taken = if taken.minor > 0 {
        format!("the {taken} taken for what has shipped stays as it is")
    } else {
        "nothing was taken".to_owned()
    };
    match diff {
        0 => format!("The amount held stays {new_held}: nothing changes on {card}."),
        d if d < 0 => format!(
            "{by} less: the hold on {card} drops by {by}, to {new_held}; {was_taken}."
        ),
        _ => format!(
            "{by} more: we'll ask your bank to hold {new_held} on {card} in place of {old_held}; nothing is taken until it ships."
        ),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(line: Option<i64>, product: &str, label: &str, quantity: u32) -> LineState {
        LineState {
            line,
            product: product.into(),
            label: label.into(),
            quantity,
        }
    }

    #[test]
    fn all_of_it_until_any_ships_then_the_rest() {
        use ShipmentStatus as S;
        assert_eq!(
            may_change(&[S::ToPack, S::Packed], 0),
            Ok(ChangeScope::Whole)
        );
        assert_eq!(
            may_change(&[], 2),
            Ok(ChangeScope::Whole),
            "everything waiting"
        );
        assert_eq!(
            may_change(&[S::Cancelled, S::ToPack], 0),
            Ok(ChangeScope::Whole),
            "replaced parcels count for nothing"
        );
        assert_eq!(
            may_change(&[S::ToPack, S::Shipped], 0),
            Ok(ChangeScope::Rest)
        );
        assert_eq!(may_change(&[S::Delivered], 1), Ok(ChangeScope::Rest));
        assert!(may_change(&[S::Delivered, S::InTransit], 0).is_err());
        assert!(may_change(&[S::Cancelled], 0).is_err());
        assert!(may_change(&[S::Cancelled, S::Shipped], 0).is_err());
    }

    #[test]
    fn shipped_units_stay() {
        assert!(check_line(0, false, 0).is_ok(), "nothing shipped: anything");
        assert!(check_line(2, true, 3).is_ok());
        assert!(check_line(2, true, 2).is_ok(), "the rest removed");
        assert_eq!(
            check_line(2, true, 1).unwrap_err(),
            "2 of these have already shipped, so the quantity can't go below 2. Once they arrive you can send them back."
        );
        assert!(check_line(1, false, 1)
            .unwrap_err()
            .starts_with("1 of these has already shipped in this size and colour"));
        assert!(check_delivery(ChangeScope::Whole, true, true).is_ok());
        assert!(check_delivery(ChangeScope::Rest, false, false).is_ok());
        assert!(check_delivery(ChangeScope::Rest, true, false).is_err());
        assert!(check_delivery(ChangeScope::Rest, false, true).is_err());
    }

    #[test]
    fn once_part_has_shipped_delivery_stays_as_charged() {
        let lines = [LineToPrice {
            unit_price: Money::gbp(2_000),
            quantity: 1,
        }];
        let fresh = change_quote(
            &lines,
            DeliveryOption::Standard,
            ChangeScope::Whole,
            Money::gbp(0),
        )
        .unwrap();
        assert_eq!(fresh, quote(&lines, DeliveryOption::Standard).unwrap());
        let kept = change_quote(
            &lines,
            DeliveryOption::Standard,
            ChangeScope::Rest,
            Money::gbp(0),
        )
        .unwrap();
        assert_eq!(kept.delivery, Money::gbp(0));
        assert_eq!(kept.total, Money::gbp(2_000));
        // Two parcels left: the first carried £3.95 of delivery on top of its goods.
        let shipped = [
            (Money::gbp(2_395), Money::gbp(2_000)),
            (Money::gbp(1_000), Money::gbp(1_000)),
        ];
        assert_eq!(delivery_left(Money::gbp(395), &shipped), Money::gbp(0));
        assert_eq!(
            delivery_left(Money::gbp(395), &shipped[1..]),
            Money::gbp(395)
        );
        // An exchange parcel takes nothing for its goods.
        assert_eq!(
            delivery_left(Money::gbp(395), &[(Money::gbp(0), Money::gbp(2_000))]),
            Money::gbp(395)
        );
    }

    #[test]
    fn the_rest_only_once_some_has_shipped_and_some_has_not() {
        use ShipmentStatus as S;
        assert!(may_cancel_rest(&[S::ToPack, S::Packed], 0).is_err());
        assert!(may_cancel_rest(&[S::Shipped, S::ToPack], 0).is_ok());
        assert!(may_cancel_rest(&[S::Delivered], 2).is_ok());
        assert!(may_cancel_rest(&[S::Delivered, S::InTransit], 0).is_err());
        assert!(may_cancel_rest(&[S::Cancelled, S::Delivered], 0).is_err());
        assert!(may_cancel_rest(&[S::Cancelled, S::Shipped, S::Packed], 0).is_ok());
    }

    #[test]
    fn a_change_in_words() {
        let before = [
            line(Some(1), "Merino Crew", "Navy, M", 1),
            line(Some(2), "Oxford Shirt", "White, 15", 2),
            line(Some(3), "Wool Scarf", "Grey", 1),
        ];
        let after = [
            line(Some(1), "Merino Crew", "Navy, L", 1),
            line(Some(2), "Oxford Shirt", "White, 15", 1),
            line(Some(3), "Wool Scarf", "Grey", 0),
            line(None, "Beanie", "Red", 2),
        ];
        assert_eq!(
            describe(&before, &after, true, Some("Express")),
            [
                "Merino Crew: Navy, M → Navy, L",
                "Oxford Shirt (White, 15): 2 → 1",
                "Wool Scarf (Grey) removed",
                "added 2 × Beanie (Red)",
                "new delivery address",
                "Express delivery",
            ]
        );
    }

    #[test]
    fn the_money_sentence() {
        let card = "your Visa ending 4242";
        let none = Money::gbp(0);
        assert_eq!(
            hold_words(Money::gbp(5_200), Money::gbp(3_400), card, none),
            "£18.00 less: the hold on your Visa ending 4242 drops by £18.00, to £34.00; nothing was taken."
        );
        assert_eq!(
            hold_words(Money::gbp(5_200), Money::gbp(3_400), card, Money::gbp(2_395)),
            "£18.00 less: the hold on your Visa ending 4242 drops by £18.00, to £34.00; the £23.95 taken for what has shipped stays as it is."
        );
        assert!(hold_words(Money::gbp(5_200), Money::gbp(6_400), card, none)
            .starts_with("£12.00 more: we'll ask your bank to hold £64.00"));
        assert!(hold_words(Money::gbp(5_200), Money::gbp(5_200), card, none)
            .contains("nothing changes"));
    }

    proptest! {
        /// Whatever the totals, the sentence names the new total and the difference,
        /// and says which way it went.
        #[test]
        fn the_sentence_names_both_amounts(old in 0i64..100_000, new in 0i64..100_000, taken in 0i64..100_000) {
            let words = hold_words(Money::gbp(old), Money::gbp(new), "your card", Money::gbp(taken));
            let diff = Money::gbp((new - old).abs());
            prop_assert!(words.contains(&Money::gbp(new).to_string()));
            if new != old {
                prop_assert!(words.starts_with(&diff.to_string()));
                prop_assert_eq!(words.contains(" less:"), new < old);
                prop_assert_eq!(
                    words.contains(&format!("the {} taken", Money::gbp(taken))),
                    new < old && taken > 0
                );
            }
        }
    }
}
