//! Shipments: what may follow what, the carriers a parcel is handed to (and how their
//! tracking numbers look), what an order's heading says about its shipments, and the
//! money each shipment takes when it ships.
//!
//! An order's units from one distribution centre form one shipment; units that waited
//! for stock become a later shipment when their stock arrives. Staff pack and ship a
//! shipment; from then on the courier reports what happens to it. The card is charged
//! (captured) for a shipment when, and only when, it ships.

use crate::money::Money;
use crate::order::OrderStatus;
use serde::{Deserialize, Serialize};

/// Where one shipment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ShipmentStatus {
    /// The customer cancelled before it shipped: nothing to pack, nothing charged.
    Cancelled,
    /// Waiting to be picked and packed at its centre.
    ToPack,
    Packed,
    /// Handed to the courier (the money for it taken).
    Shipped,
    Collected,
    InTransit,
    OutForDelivery,
    /// The courier could not deliver; it tries again or holds the parcel.
    DeliveryFailed,
    Delivered,
}

/// What a courier reports about a parcel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CourierEvent {
    Collected,
    InTransit,
    OutForDelivery,
    Delivered,
    DeliveryFailed,
}

/// Why a step is refused, in words for the person who asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 9] = [
        Self::Cancelled,
        Self::ToPack,
        Self::Packed,
        Self::Shipped,
        Self::Collected,
        Self::InTransit,
        Self::OutForDelivery,
        Self::DeliveryFailed,
        Self::Delivered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::ToPack => "to_pack",
            Self::Packed => "packed",
            Self::Shipped => "shipped",
            Self::Collected => "collected",
            Self::InTransit => "in_transit",
            Self::OutForDelivery => "out_for_delivery",
            Self::DeliveryFailed => "delivery_failed",
            Self::Delivered => "delivered",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The step's name on a timeline.
    pub fn title(self) -> &'static str {
        match self {
            Self::Cancelled => "Cancelled",
            Self::ToPack => "Being picked at the warehouse",
            Self::Packed => "Packed",
            Self::Shipped => "Shipped",
            Self::Collected => "Collected by the courier",
            Self::InTransit => "In transit",
            Self::OutForDelivery => "Out for delivery",
            Self::DeliveryFailed => "Delivery attempted",
            Self::Delivered => "Delivered",
        }
    }

    /// Whether the parcel has left the centre (and been paid for).
    pub fn has_shipped(self) -> bool {
        self >= Self::Shipped
    }

    /// What staff may do next: pack a shipment waiting to be packed.
    pub fn pack(self) -> Result<Self, Refused> {
        match self {
            Self::ToPack => Ok(Self::Packed),
            Self::Cancelled => Err(Refused(CANCELLED_FOR_STAFF.into())),
            Self::Packed => Err(Refused("This parcel is already packed.".into())),
            _ => Err(Refused("This parcel has already shipped.".into())),
        }
    }

    /// Hands a packed shipment to the courier.
    pub fn ship(self) -> Result<Self, Refused> {
        match self {
            Self::Packed => Ok(Self::Shipped),
            Self::Cancelled => Err(Refused(CANCELLED_FOR_STAFF.into())),
            Self::ToPack => Err(Refused(
                "Pack this parcel first, then mark it shipped.".into(),
            )),
            _ => Err(Refused("This parcel has already shipped.".into())),
        }
    }

    /// The status after the courier reports `event`. Couriers may skip scans (a parcel
    /// can go from collected straight to delivered) and repeat "in transit", but nothing
    /// moves a delivered parcel, and no courier speaks for one not yet shipped.
    pub fn after(self, event: CourierEvent) -> Result<Self, Refused> {
        use CourierEvent as E;
        let next = match event {
            E::Collected => Self::Collected,
            E::InTransit => Self::InTransit,
            E::OutForDelivery => Self::OutForDelivery,
            E::Delivered => Self::Delivered,
            E::DeliveryFailed => Self::DeliveryFailed,
        };
        let allowed = match self {
            Self::Cancelled | Self::ToPack | Self::Packed => false,
            Self::Delivered => false,
            Self::Shipped => true,
            Self::Collected => next != Self::Collected,
            Self::InTransit => !matches!(next, Self::Collected),
            Self::OutForDelivery => {
                matches!(
                    next,
                    Self::Delivered | Self::DeliveryFailed | Self::InTransit
                )
            }
            Self::DeliveryFailed => !matches!(next, Self::Collected),
        };
        if allowed {
            Ok(next)
        } else {
            Err(Refused(format!(
                "a parcel that is {} cannot become {}",
                self.as_str(),
                next.as_str()
            )))
        }
    }
}

impl CourierEvent {
    pub const ALL: [CourierEvent; 5] = [
        Self::Collected,
        Self::InTransit,
        Self::OutForDelivery,
        Self::Delivered,
        Self::DeliveryFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collected => "collected",
            Self::InTransit => "in_transit",
            Self::OutForDelivery => "out_for_delivery",
            Self::Delivered => "delivered",
            Self::DeliveryFailed => "delivery_failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The next event of a parcel's usual journey (the test courier's demo clock), none
    /// once delivered.
    pub fn next_after(status: ShipmentStatus) -> Option<Self> {
        match status {
            ShipmentStatus::Cancelled
            | ShipmentStatus::ToPack
            | ShipmentStatus::Packed
            | ShipmentStatus::Delivered => None,
            ShipmentStatus::Shipped => Some(Self::Collected),
            ShipmentStatus::Collected => Some(Self::InTransit),
            ShipmentStatus::InTransit | ShipmentStatus::DeliveryFailed => {
                Some(Self::OutForDelivery)
            }
            ShipmentStatus::OutForDelivery => Some(Self::Delivered),
        }
    }
}

/// What the warehouse is told about a parcel whose order was cancelled.
pub const CANCELLED_FOR_STAFF: &str =
    "The customer cancelled this order: don't pack or send it; put its items back on the shelf.";

/// Whether the customer may cancel an order whose parcels are `shipments`: only while
/// none of it has shipped (cancelling part of an order is not offered yet).
pub fn may_cancel(shipments: &[ShipmentStatus]) -> Result<(), Refused> {
    if shipments.iter().all(|s| *s == ShipmentStatus::Cancelled) && !shipments.is_empty() {
        return Err(Refused("This order is already cancelled.".into()));
    }
    if shipments.iter().any(|s| s.has_shipped()) {
        return Err(Refused(
            format!("Part of this order has already shipped, so it can't be cancelled now. Once it arrives you can send it back within {} days.", crate::returns::RETURN_DAYS),
        ));
    }
    Ok(())
}

/// The heading an order's status page shows, from its shipments (cancelled ones aside)
/// and the units still waiting for stock: delivered only when everything is; on its way once anything has
/// shipped; packed once anything is packed; otherwise received.
pub fn order_status(shipments: &[ShipmentStatus], units_waiting: u32) -> OrderStatus {
    // Parcels replaced by a change to the order count for nothing.
    let live: Vec<ShipmentStatus> = shipments
        .iter()
        .copied()
        .filter(|s| *s != ShipmentStatus::Cancelled)
        .collect();
    let shipments = live.as_slice();
    let all_delivered = !shipments.is_empty()
        && units_waiting == 0
        && shipments.iter().all(|s| *s == ShipmentStatus::Delivered);
    if all_delivered {
        OrderStatus::Delivered
    } else if shipments.iter().any(|s| s.has_shipped()) {
        OrderStatus::Shipped
    } else if shipments.contains(&ShipmentStatus::Packed) {
        OrderStatus::Packed
    } else {
        OrderStatus::Placed
    }
}

/// Carriers the warehouse hands parcels to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Carrier {
    RoyalMail,
    Dpd,
    Evri,
    /// The shop's built-in test courier: reports events like a real one, delivers nothing.
    TestCourier,
}

impl Carrier {
    pub const ALL: [Carrier; 4] = [Self::RoyalMail, Self::Dpd, Self::Evri, Self::TestCourier];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RoyalMail => "royal-mail",
            Self::Dpd => "dpd",
            Self::Evri => "evri",
            Self::TestCourier => "test-courier",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::RoyalMail => "Royal Mail",
            Self::Dpd => "DPD",
            Self::Evri => "Evri",
            Self::TestCourier => "Test courier",
        }
    }

    /// How its tracking numbers look, for the hint beside the field.
    pub fn format_hint(self) -> &'static str {
        match self {
            Self::RoyalMail => "2 letters, 9 digits and GB, like AB123456785GB",
            Self::Dpd => "14 digits",
            Self::Evri => "16 letters and digits starting with H",
            Self::TestCourier => "TC and 10 digits, like TC0000000001",
        }
    }

    /// The tracking number tidied (spaces gone, upper case) if it has this carrier's form,
    /// or the words to show beside the field.
    pub fn check_tracking(self, typed: &str) -> Result<String, String> {
        let n: String = typed
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if n.is_empty() {
            return Err("Please enter the tracking number from the label.".into());
        }
        let ok = match self {
            Self::RoyalMail => royal_mail_valid(&n),
            Self::Dpd => n.len() == 14 && n.bytes().all(|b| b.is_ascii_digit()),
            Self::Evri => {
                n.len() == 16 && n.starts_with('H') && n.bytes().all(|b| b.is_ascii_alphanumeric())
            }
            Self::TestCourier => {
                n.len() == 12 && n.starts_with("TC") && n[2..].bytes().all(|b| b.is_ascii_digit())
            }
        };
        if ok {
            Ok(n)
        } else {
            Err(format!(
                "That isn't a {} tracking number ({}). Please check the label.",
                self.name(),
                self.format_hint()
            ))
        }
    }

    /// Where a shopper follows the parcel on the carrier's own site (none for the test
    /// courier, which has no site).
    pub fn tracking_url(self, number: &str) -> Option<String> {
        match self {
            Self::RoyalMail => Some(format!(
                "https://www.royalmail.com/track-your-item#/tracking-results/{number}"
            )),
            Self::Dpd => Some(format!("https://track.dpd.co.uk/parcels/{number}")),
            Self::Evri => Some(format!(
                "https://www.evri.com/track/parcel/{number}/details"
            )),
            Self::TestCourier => None,
        }
    }
}

/// Royal Mail's international-style numbers (UPU S10): two letters, eight digits, a
/// check digit (weights 8 6 4 2 3 5 9 7, modulus 11) and "GB".
fn royal_mail_valid(n: &str) -> bool {
    let b = n.as_bytes();
    if b.len() != 13
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..11].iter().all(u8::is_ascii_digit)
        || &b[11..] != b"GB"
    {
        return false;
    }
    let sum: u32 = b[2..10]
        .iter()
        .zip([8u32, 6, 4, 2, 3, 5, 9, 7])
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    u32::from(b[10] - b'0') == check
}

/// How the money authorized at checkout is split between the shipments made from it:
/// each takes its goods, and the first also takes what the authorization holds beyond
/// the goods (the delivery charge). `None` if the goods come to more than was authorized.
pub fn split_checkout_payment(authorized: Money, goods: &[Money]) -> Option<Vec<Money>> {
    let mut total = Money::zero(authorized.currency);
    for g in goods {
        total = total.checked_add(*g)?;
    }
    let extra = authorized.minor - total.minor;
    if extra < 0 || goods.iter().any(|g| g.currency != authorized.currency) {
        return None;
    }
    Some(
        goods
            .iter()
            .enumerate()
            .map(|(i, g)| Money {
                minor: g.minor + if i == 0 { extra } else { 0 },
                currency: g.currency,
            })
            .collect(),
    )
}

/// What a shipment may capture on an authorization that holds `authorized` and has had
/// `captured` taken already: its whole amount, or nothing if that would take more than
/// the card holds.
pub fn capture_allowed(amount: Money, authorized: Money, captured: Money) -> bool {
    amount.currency == authorized.currency
        && amount.minor >= 0
        && captured.minor + amount.minor <= authorized.minor
}

/// Days a card authorization holds the money before the bank lets it lapse (card
/// schemes allow 7 for an online purchase); a capture after that must ask again.
pub const AUTHORIZATION_DAYS: i64 = 7;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::allocation::{serve_waiting, Waiting};
    use crate::money::Currency;
    use proptest::prelude::*;

    fn gbp(minor: i64) -> Money {
        Money {
            minor,
            currency: Currency::Gbp,
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in ShipmentStatus::ALL {
            assert_eq!(ShipmentStatus::parse(s.as_str()), Some(s));
        }
        for e in CourierEvent::ALL {
            assert_eq!(CourierEvent::parse(e.as_str()), Some(e));
        }
        for c in Carrier::ALL {
            assert_eq!(Carrier::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn staff_steps_go_one_way() {
        use ShipmentStatus::*;
        assert_eq!(ToPack.pack(), Ok(Packed));
        assert!(Packed.pack().is_err());
        assert!(ToPack.ship().is_err());
        assert_eq!(Packed.ship(), Ok(Shipped));
        assert!(Shipped.ship().is_err());
        assert!(Delivered.pack().is_err());
    }

    #[test]
    fn couriers_speak_only_for_shipped_parcels_and_never_undeliver() {
        use CourierEvent as E;
        use ShipmentStatus::*;
        assert!(Packed.after(E::Collected).is_err());
        assert!(ToPack.after(E::Delivered).is_err());
        assert_eq!(Shipped.after(E::Delivered), Ok(Delivered));
        assert_eq!(InTransit.after(E::InTransit), Ok(InTransit));
        assert_eq!(DeliveryFailed.after(E::OutForDelivery), Ok(OutForDelivery));
        for e in CourierEvent::ALL {
            assert!(Delivered.after(e).is_err(), "{e:?}");
        }
        assert!(OutForDelivery.after(E::Collected).is_err());
    }

    #[test]
    fn the_demo_journey_ends_delivered() {
        let mut s = ShipmentStatus::Shipped;
        let mut steps = 0;
        while let Some(e) = CourierEvent::next_after(s) {
            s = s.after(e).unwrap();
            steps += 1;
        }
        assert_eq!((s, steps), (ShipmentStatus::Delivered, 4));
    }

    #[test]
    fn only_orders_with_nothing_shipped_may_be_cancelled() {
        use ShipmentStatus::*;
        assert!(may_cancel(&[ToPack, Packed]).is_ok());
        assert!(
            may_cancel(&[]).is_ok(),
            "everything still waiting for stock"
        );
        assert!(may_cancel(&[ToPack, Shipped]).is_err());
        assert!(may_cancel(&[Delivered]).is_err());
        assert!(may_cancel(&[Cancelled]).is_err());
        assert!(Cancelled.pack().is_err() && Cancelled.ship().is_err());
        assert!(!Cancelled.has_shipped());
        for e in CourierEvent::ALL {
            assert!(Cancelled.after(e).is_err());
        }
    }

    #[test]
    fn order_headings() {
        use ShipmentStatus::*;
        assert_eq!(order_status(&[], 2), OrderStatus::Placed);
        assert_eq!(order_status(&[ToPack, Packed], 0), OrderStatus::Packed);
        assert_eq!(order_status(&[Delivered, ToPack], 0), OrderStatus::Shipped);
        assert_eq!(order_status(&[Delivered], 1), OrderStatus::Shipped);
        assert_eq!(
            order_status(&[Delivered, Delivered], 0),
            OrderStatus::Delivered
        );
        // A parcel replaced by a change counts for nothing.
        assert_eq!(
            order_status(&[Cancelled, Delivered], 0),
            OrderStatus::Delivered
        );
    }

    #[test]
    fn tracking_numbers_per_carrier() {
        // A well-known valid S10 example (check digit 5).
        assert_eq!(
            Carrier::RoyalMail.check_tracking("ab 1234 5678 5gb"),
            Ok("AB123456785GB".into())
        );
        assert!(Carrier::RoyalMail.check_tracking("AB123456789GB").is_err());
        assert!(Carrier::RoyalMail.check_tracking("AB12345678GB").is_err());
        assert!(Carrier::Dpd.check_tracking("15501234567890").is_ok());
        assert!(Carrier::Dpd.check_tracking("1550123456789").is_err());
        assert!(Carrier::Evri.check_tracking("H01HYA0012345678").is_ok());
        assert!(Carrier::Evri.check_tracking("X01HYA0012345678").is_err());
        assert!(Carrier::TestCourier.check_tracking("tc0000000042").is_ok());
        let e = Carrier::Dpd.check_tracking("").unwrap_err();
        assert!(e.contains("tracking number"));
        let e = Carrier::Dpd.check_tracking("123").unwrap_err();
        assert!(e.contains("14 digits"), "{e}");
        assert!(Carrier::TestCourier.tracking_url("TC0000000001").is_none());
        assert!(Carrier::Dpd
            .tracking_url("1")
            .unwrap()
            .starts_with("https://"));
    }

    #[test]
    fn the_first_shipment_carries_the_delivery_charge() {
        assert_eq!(
            split_checkout_payment(gbp(5_495), &[gbp(3_000), gbp(2_000)]),
            Some(vec![gbp(3_495), gbp(2_000)])
        );
        assert_eq!(split_checkout_payment(gbp(100), &[gbp(200)]), None);
        assert!(capture_allowed(gbp(10), gbp(10), gbp(0)));
        assert!(!capture_allowed(gbp(10), gbp(15), gbp(10)));
    }

    /// One order's life in the warehouse and on the road, driven by random steps.
    #[derive(Clone, Debug)]
    enum Step {
        Pack(usize),
        Ship(usize),
        Courier(usize, usize),
        Restock(u32),
        Cancel,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..6).prop_map(Step::Pack),
            (0usize..6).prop_map(Step::Ship),
            (0usize..6, 0usize..5).prop_map(|(s, e)| Step::Courier(s, e)),
            (0u32..4).prop_map(Step::Restock),
            Just(Step::Cancel),
        ]
    }

    struct Parcel {
        status: ShipmentStatus,
        units: u32,
        amount: Money,
    }

    proptest! {
        /// Whatever order packing, shipping, courier events, restocks and a cancel come
        /// in: every unit ships at most once, the money taken equals the value shipped
        /// (never more than authorized, nothing for a cancelled order), and stock is
        /// conserved.
        #[test]
        fn shipments_never_ship_twice_or_charge_for_what_has_not_shipped(
            now in proptest::collection::vec(1u32..4, 1..3),
            waiting in 0u32..4,
            price in 100i64..5_000,
            delivery in 0i64..600,
            steps in proptest::collection::vec(step(), 0..60),
        ) {
            let goods: Vec<Money> = now.iter().map(|u| gbp(price * i64::from(*u))).collect();
            let authorized = gbp(goods.iter().map(|g| g.minor).sum::<i64>() + delivery);
            let amounts = split_checkout_payment(authorized, &goods).unwrap();
            let mut parcels: Vec<Parcel> = now
                .iter()
                .zip(amounts)
                .map(|(u, a)| Parcel { status: ShipmentStatus::ToPack, units: *u, amount: a })
                .collect();
            let mut backordered = waiting;
            let mut stock_at_centre = 0u32;
            let mut received = 0u32;
            let mut captured = gbp(0);
            let mut authorized_total = authorized;
            let mut cancelled_waiting = 0u32;
            for s in steps {
                match s {
                    Step::Pack(i) => {
                        if let Some(p) = parcels.get_mut(i) {
                            if let Ok(next) = p.status.pack() { p.status = next; }
                        }
                    }
                    Step::Ship(i) => {
                        if let Some(p) = parcels.get_mut(i) {
                            if let Ok(next) = p.status.ship() {
                                prop_assert!(capture_allowed(p.amount, authorized_total, captured));
                                captured = captured.checked_add(p.amount).unwrap();
                                p.status = next;
                            }
                        }
                    }
                    Step::Courier(i, e) => {
                        if let Some(p) = parcels.get_mut(i) {
                            let before = p.status;
                            if let Ok(next) = p.status.after(CourierEvent::ALL[e]) {
                                prop_assert!(before.has_shipped() && next.has_shipped());
                                p.status = next;
                            }
                        }
                    }
                    Step::Cancel => {
                        let statuses: Vec<ShipmentStatus> = parcels.iter().map(|p| p.status).collect();
                        if may_cancel(&statuses).is_ok() {
                            prop_assert_eq!(captured.minor, 0, "a cancellable order has had nothing taken");
                            for (i, p) in parcels.iter_mut().enumerate() {
                                if i >= now.len() {
                                    // Units that came from a restock go back on the shelf.
                                    stock_at_centre += p.units;
                                }
                                p.status = ShipmentStatus::Cancelled;
                            }
                            cancelled_waiting += backordered;
                            backordered = 0;
                        }
                    }
                    Step::Restock(n) => {
                        received += n;
                        stock_at_centre += n;
                        let served = serve_waiting(stock_at_centre, &[Waiting { line_id: 1, quantity: backordered }]);
                        for (_, units) in served {
                            stock_at_centre -= units;
                            backordered -= units;
                            // Authorized when the stock arrives, captured when it ships.
                            let amount = gbp(price * i64::from(units));
                            authorized_total = authorized_total.checked_add(amount).unwrap();
                            parcels.push(Parcel { status: ShipmentStatus::ToPack, units, amount });
                        }
                    }
                }
                let shipped_units: u32 = parcels.iter().filter(|p| p.status.has_shipped()).map(|p| p.units).sum();
                let shipped_value: i64 = parcels.iter().filter(|p| p.status.has_shipped()).map(|p| p.amount.minor).sum();
                let in_parcels: u32 = parcels.iter().map(|p| p.units).sum();
                // Every unit ordered is in exactly one parcel or still waiting.
                prop_assert_eq!(in_parcels + backordered + cancelled_waiting, now.iter().sum::<u32>() + waiting);
                prop_assert!(shipped_units <= in_parcels);
                prop_assert_eq!(captured.minor, shipped_value);
                prop_assert!(captured.minor <= authorized_total.minor);
                // Stock received is either on the shelf or in a parcel made from it.
                let restocked_parcels: u32 = parcels[now.len()..]
                    .iter()
                    .filter(|p| p.status != ShipmentStatus::Cancelled)
                    .map(|p| p.units)
                    .sum();
                prop_assert_eq!(stock_at_centre + restocked_parcels, received);
                let statuses: Vec<ShipmentStatus> = parcels.iter().map(|p| p.status).collect();
                let heading = order_status(&statuses, backordered);
                prop_assert_eq!(heading == OrderStatus::Delivered, statuses.iter().all(|s| *s == ShipmentStatus::Delivered) && backordered == 0);
            }
        }
    }
}
