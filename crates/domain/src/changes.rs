//! Changing an order before it ships: when it may change, what the change is in words,
//! and what it does to the money held on the card, said before the shopper confirms.
//!
//! A change describes the whole order as it should be (lines, address, delivery
//! option). The shop re-plans it (nearest centre first), re-prices it (lines already
//! ordered keep the price they were ordered at; new ones cost today's price), and the
//! hold on the card follows the new total: a smaller total reduces the hold, a larger
//! one asks the bank to hold the new total in place of the old.

use crate::fulfilment::{Refused, ShipmentStatus};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Whether an order whose parcels are at `shipments` may be changed now: until any of
/// it ships. Units waiting for stock may change too (they keep the order's place in the
/// queue, which goes by when the order was placed).
pub fn may_change(shipments: &[ShipmentStatus]) -> Result<(), Refused> {
    if !shipments.is_empty() && shipments.iter().all(|s| *s == ShipmentStatus::Cancelled) {
        return Err(Refused("This order is cancelled.".into()));
    }
    if shipments.iter().any(|s| s.has_shipped()) {
        return Err(Refused(
            "Part of this order has already shipped, so it can't be changed now. Once it arrives you can send anything back."
                .into(),
        ));
    }
    Ok(())
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

/// The money of a change in plain words, before it is confirmed: what the total does
/// and what happens on the card (`card` like "your Visa ending 4242"). Nothing is taken
/// before a parcel ships, so a change only moves the hold.
pub fn hold_words(old_total: Money, new_total: Money, card: &str) -> String {
    let diff = new_total.minor - old_total.minor;
    let by = Money {
        minor: diff.abs(),
        currency: new_total.currency,
    };
    match diff {
        0 => format!("The total stays {new_total}: nothing changes on {card}."),
        d if d < 0 => format!(
            "{by} less: the hold on {card} drops by {by}, to {new_total}; nothing was taken."
        ),
        _ => format!(
            "{by} more: we'll ask your bank to hold {new_total} on {card} in place of {old_total}; nothing is taken until it ships."
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
    fn only_before_anything_ships() {
        use ShipmentStatus as S;
        assert!(may_change(&[S::ToPack, S::Packed]).is_ok());
        assert!(may_change(&[]).is_ok(), "everything waiting for stock");
        assert!(may_change(&[S::ToPack, S::Shipped]).is_err());
        assert!(may_change(&[S::Cancelled]).is_err());
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
        assert_eq!(
            hold_words(Money::gbp(5_200), Money::gbp(3_400), card),
            "£18.00 less: the hold on your Visa ending 4242 drops by £18.00, to £34.00; nothing was taken."
        );
        assert!(hold_words(Money::gbp(5_200), Money::gbp(6_400), card)
            .starts_with("£12.00 more: we'll ask your bank to hold £64.00"));
        assert!(hold_words(Money::gbp(5_200), Money::gbp(5_200), card).contains("nothing changes"));
    }

    proptest! {
        /// Whatever the totals, the sentence names the new total and the difference,
        /// and says which way it went.
        #[test]
        fn the_sentence_names_both_amounts(old in 0i64..100_000, new in 0i64..100_000) {
            let words = hold_words(Money::gbp(old), Money::gbp(new), "your card");
            let diff = Money::gbp((new - old).abs());
            prop_assert!(words.contains(&Money::gbp(new).to_string()));
            if new != old {
                prop_assert!(words.starts_with(&diff.to_string()));
                prop_assert_eq!(words.contains(" less:"), new < old);
            }
        }
    }
}
