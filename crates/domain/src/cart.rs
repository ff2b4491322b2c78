//! The shopper's cart: which variants, how many. Prices and stock are never kept here;
//! the server looks them up afresh every time it shows or sells the cart.

use serde::{Deserialize, Serialize};

/// Most units of one variant in one order; more is almost certainly a slip of the finger.
pub const MAX_QUANTITY_PER_LINE: u32 = 20;
/// Most distinct variants in one cart.
pub const MAX_LINES: usize = 50;

/// A variant and how many. Nothing else: a price sent with a line is refused, not ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    pub variant_id: i64,
    pub quantity: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

impl Cart {
    /// Adds `quantity` of a variant, merging with an existing line and capping at
    /// [`MAX_QUANTITY_PER_LINE`]. Returns how many were actually added.
    pub fn add(&mut self, variant_id: i64, quantity: u32) -> u32 {
        if let Some(line) = self.lines.iter_mut().find(|l| l.variant_id == variant_id) {
            let before = line.quantity;
            line.quantity = before.saturating_add(quantity).min(MAX_QUANTITY_PER_LINE);
            return line.quantity - before;
        }
        if self.lines.len() >= MAX_LINES || quantity == 0 {
            return 0;
        }
        let quantity = quantity.min(MAX_QUANTITY_PER_LINE);
        self.lines.push(CartLine {
            variant_id,
            quantity,
        });
        quantity
    }

    /// Sets a line's quantity (capped); zero removes the line.
    pub fn set_quantity(&mut self, variant_id: i64, quantity: u32) {
        if quantity == 0 {
            self.remove(variant_id);
        } else if let Some(line) = self.lines.iter_mut().find(|l| l.variant_id == variant_id) {
            line.quantity = quantity.min(MAX_QUANTITY_PER_LINE);
        }
    }

    pub fn remove(&mut self, variant_id: i64) {
        self.lines.retain(|l| l.variant_id != variant_id);
    }

    pub fn quantity_of(&self, variant_id: i64) -> u32 {
        self.lines
            .iter()
            .find(|l| l.variant_id == variant_id)
            .map_or(0, |l| l.quantity)
    }

    /// Units in the cart, as the header shows them.
    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn clear(&mut self) {
        self.lines.clear();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn adding_the_same_variant_merges_lines() {
        let mut cart = Cart::default();
        assert_eq!(cart.add(7, 2), 2);
        assert_eq!(cart.add(7, 1), 1);
        assert_eq!(
            cart.lines,
            vec![CartLine {
                variant_id: 7,
                quantity: 3
            }]
        );
        assert_eq!(cart.item_count(), 3);
    }

    #[test]
    fn quantities_are_capped_and_zero_removes() {
        let mut cart = Cart::default();
        cart.add(1, 500);
        assert_eq!(cart.quantity_of(1), MAX_QUANTITY_PER_LINE);
        cart.set_quantity(1, 0);
        assert!(cart.is_empty());
        assert_eq!(cart.add(2, 0), 0);
        assert!(cart.is_empty());
    }

    proptest! {
        #[test]
        fn any_sequence_keeps_lines_distinct_and_bounded(
            ops in proptest::collection::vec((0u8..3, 0i64..8, 0u32..40), 0..60)
        ) {
            let mut cart = Cart::default();
            for (op, variant, qty) in ops {
                match op {
                    0 => { cart.add(variant, qty); }
                    1 => cart.set_quantity(variant, qty),
                    _ => cart.remove(variant),
                }
                let mut ids: Vec<i64> = cart.lines.iter().map(|l| l.variant_id).collect();
                ids.sort_unstable();
                ids.dedup();
                prop_assert_eq!(ids.len(), cart.lines.len());
                prop_assert!(cart.lines.iter().all(|l| (1..=MAX_QUANTITY_PER_LINE).contains(&l.quantity)));
            }
        }
    }
}
