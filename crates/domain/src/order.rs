//! Order states and order numbers.

use serde::{Deserialize, Serialize};

/// Where an order is in its life, as its heading says: derived from its shipments by
/// [`crate::fulfilment::order_status`]. Orders move forward only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    Placed,
    Packed,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    /// The happy path, in order, as the status page draws it.
    pub const JOURNEY: [OrderStatus; 4] = [
        OrderStatus::Placed,
        OrderStatus::Packed,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Packed => "packed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::JOURNEY.as_slice(), &[OrderStatus::Cancelled]]
            .concat()
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// A heading for the shopper.
    pub fn title(self) -> &'static str {
        match self {
            OrderStatus::Placed => "Order received",
            OrderStatus::Packed => "Packed",
            OrderStatus::Shipped => "On its way",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
        }
    }

    /// One sentence about what is happening and what comes next.
    pub fn explanation(self) -> &'static str {
        match self {
            OrderStatus::Placed => {
                "We have your order and are getting it ready. We'll email you when each parcel leaves, with its tracking number."
            }
            OrderStatus::Packed => {
                "Packed and waiting for the courier. We'll email you when it leaves, with its tracking number."
            }
            OrderStatus::Shipped => "On its way. Each parcel below shows where it is and when it's due.",
            OrderStatus::Delivered => "Everything has been delivered. We hope you love it.",
            OrderStatus::Cancelled => "This order was cancelled. Nothing has been or will be charged for it.",
        }
    }

    /// The moves the shop allows.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Placed, Packed)
                | (Packed, Shipped)
                | (Shipped, Delivered)
                | (Placed | Packed, Cancelled)
        )
    }

    /// Whether nothing of the order has left a distribution centre yet.
    pub fn before_shipping(self) -> bool {
        matches!(self, OrderStatus::Placed | OrderStatus::Packed)
    }
}

/// Order numbers are `SF-` and eight characters from an alphabet without look-alikes
/// (no I, L, O, U), easy to read out on the phone.
pub const ORDER_NUMBER_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Builds an order number from 40 random bits.
pub fn order_number_from_bits(bits: u64) -> String {
    let mut out = String::from("SF-");
    for i in (0..8).rev() {
        let index = ((bits >> (i * 5)) & 0x1f) as usize;
        out.push(char::from(ORDER_NUMBER_ALPHABET[index]));
    }
    out
}

/// Whether `text` looks like an order number (case-insensitive).
pub fn is_order_number(text: &str) -> bool {
    let text = text.trim().to_ascii_uppercase();
    text.len() == 11
        && text.starts_with("SF-")
        && text[3..]
            .bytes()
            .all(|b| ORDER_NUMBER_ALPHABET.contains(&b))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn statuses_round_trip_through_storage() {
        for s in OrderStatus::JOURNEY
            .into_iter()
            .chain([OrderStatus::Cancelled])
        {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderStatus::parse("lost"), None);
    }

    #[test]
    fn cannot_cancel_once_shipped() {
        assert!(OrderStatus::Placed.can_become(OrderStatus::Cancelled));
        assert!(OrderStatus::Packed.can_become(OrderStatus::Cancelled));
        assert!(!OrderStatus::Shipped.can_become(OrderStatus::Cancelled));
        assert!(!OrderStatus::Delivered.can_become(OrderStatus::Placed));
        assert!(!OrderStatus::Cancelled.can_become(OrderStatus::Placed));
    }

    proptest! {
        #[test]
        fn order_numbers_are_well_formed(bits in any::<u64>()) {
            let n = order_number_from_bits(bits);
            prop_assert!(is_order_number(&n), "{}", n);
            prop_assert!(is_order_number(&n.to_lowercase()));
        }
    }

    #[test]
    fn rejects_non_order_numbers() {
        assert!(!is_order_number("SF-1234567"));
        assert!(!is_order_number("SF-1234567O"));
        assert!(!is_order_number("XX-12345678"));
    }
}
