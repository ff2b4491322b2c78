//! Returns: what may be sent back and until when, what a return goes through at the
//! returns desk, and the money it gives back.
//!
//! A shopper returns units of one delivered parcel at a time (the parcel's centre takes
//! them back). The window is counted in days from the parcel's delivery; faulty items
//! have a longer one. The returns desk receives the parcel, checks it, and refunds or
//! refuses with a reason. A refund is the returned units' price, plus the order's
//! delivery charge once everything in the order has come back, and never more than
//! what was taken from the card and not yet given back.

use crate::date::CalendarDate;
use crate::delivery::is_working_day;
use crate::fulfilment::Refused;
use crate::holidays::Calendar;
use serde::{Deserialize, Serialize};

/// Days from delivery to send something back.
pub const RETURN_DAYS: i64 = 30;
/// Days from delivery to send back something faulty.
pub const FAULTY_RETURN_DAYS: i64 = 365;
/// Working days (at the centre that receives it) from a return's arrival to its refund:
/// the returns desk's list is ordered by this date and shows it.
pub const REFUND_WORKING_DAYS: i64 = 5;

/// Kinds of product that can come back only when faulty, with the word the help
/// content uses for them.
pub const HYGIENE_KINDS: [(&str, &str); 1] = [("Socks", "socks")];

/// Why it comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReturnReason {
    TooSmall,
    TooBig,
    NotAsDescribed,
    ChangedMind,
    Faulty,
}

impl ReturnReason {
    pub const ALL: [ReturnReason; 5] = [
        Self::TooSmall,
        Self::TooBig,
        Self::NotAsDescribed,
        Self::ChangedMind,
        Self::Faulty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooSmall => "too_small",
            Self::TooBig => "too_big",
            Self::NotAsDescribed => "not_as_described",
            Self::ChangedMind => "changed_mind",
            Self::Faulty => "faulty",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The words on the form and at the returns desk.
    pub fn label(self) -> &'static str {
        match self {
            Self::TooSmall => "Too small",
            Self::TooBig => "Too big",
            Self::NotAsDescribed => "Not as described",
            Self::ChangedMind => "Changed my mind",
            Self::Faulty => "Faulty or damaged",
        }
    }

    /// The days this reason gives from delivery.
    pub fn window_days(self) -> i64 {
        if self == Self::Faulty {
            FAULTY_RETURN_DAYS
        } else {
            RETURN_DAYS
        }
    }
}

/// Where a return is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReturnStatus {
    /// The shopper has the label; the parcel is on its way back.
    Requested,
    /// The returns desk has it and is checking it.
    Received,
    Refunded,
    /// Accepted, and every unit of it swapped for another size or colour (sent at no
    /// charge); nothing to refund.
    Exchanged,
    /// Not accepted (the reason is kept); the items are sent back to the shopper.
    Refused,
}

impl ReturnStatus {
    pub const ALL: [ReturnStatus; 5] = [
        Self::Requested,
        Self::Received,
        Self::Refunded,
        Self::Exchanged,
        Self::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Received => "received",
            Self::Refunded => "refunded",
            Self::Exchanged => "exchanged",
            Self::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The step's name on the status page.
    pub fn title(self) -> &'static str {
        match self {
            Self::Requested => "Return started: send it back with the label",
            Self::Received => "We've received your return and are checking it",
            Self::Refunded => "Refunded",
            Self::Exchanged => "Exchanged: the new one is on its way to you",
            Self::Refused => "Return not accepted",
        }
    }

    /// Whether the returned units still count as on their way back or back (so they
    /// can't be returned again).
    pub fn holds_units(self) -> bool {
        self != Self::Refused
    }

    /// The returns desk takes the parcel in.
    pub fn receive(self) -> Result<Self, Refused> {
        match self {
            Self::Requested => Ok(Self::Received),
            Self::Received => Err(Refused("This return is already received.".into())),
            _ => Err(Refused("This return is already settled.".into())),
        }
    }

    /// The returns desk decides: accept (refund what isn't exchanged, send the
    /// exchanges; `all_exchanged` when every unit is swapped), or refuse.
    pub fn settle(self, accept: bool, all_exchanged: bool) -> Result<Self, Refused> {
        match self {
            Self::Received => Ok(match (accept, all_exchanged) {
                (false, _) => Self::Refused,
                (true, false) => Self::Refunded,
                (true, true) => Self::Exchanged,
            }),
            Self::Requested => Err(Refused(
                "Receive the parcel first, then refund or refuse it.".into(),
            )),
            _ => Err(Refused("This return is already settled.".into())),
        }
    }
}

/// Whether refunded units go back on sale at the centre: not when they came back
/// faulty (those are written off).
pub fn restock(reason: ReturnReason) -> bool {
    reason != ReturnReason::Faulty
}

/// Whether `product_name` is a kind that comes back only when faulty.
pub fn hygiene_item(product_name: &str) -> bool {
    HYGIENE_KINDS
        .iter()
        .any(|(kind, _)| product_name.split_whitespace().any(|w| w == *kind))
}

/// The last day to send back something delivered on `delivered` for `reason`.
pub fn last_day(delivered: CalendarDate, reason: ReturnReason) -> CalendarDate {
    delivered.add_days(reason.window_days())
}

/// Whether units of `product_name` from a parcel delivered on `delivered` (none: not
/// delivered yet) may be sent back on `today` for `reason`.
pub fn may_return(
    product_name: &str,
    delivered: Option<CalendarDate>,
    today: CalendarDate,
    reason: ReturnReason,
) -> Result<(), Refused> {
    let Some(delivered) = delivered else {
        return Err(Refused(
            "This parcel hasn't been delivered yet: you can send it back once it arrives.".into(),
        ));
    };
    if reason != ReturnReason::Faulty && hygiene_item(product_name) {
        return Err(Refused(format!(
            "For hygiene reasons {product_name} can only be sent back if faulty."
        )));
    }
    if today > last_day(delivered, reason) {
        return Err(Refused(if reason == ReturnReason::Faulty {
            format!(
                "Faulty items can be returned within {} days of delivery; this parcel arrived on {}. Please call us: we will still help.",
                FAULTY_RETURN_DAYS,
                delivered.long_label()
            )
        } else {
            format!(
                "The {RETURN_DAYS} days for returns ended on {}. If it's faulty, choose \"{}\".",
                last_day(delivered, reason).long_label(),
                ReturnReason::Faulty.label()
            )
        }));
    }
    Ok(())
}

/// Units of a line that may still be returned: those delivered, less those already in
/// a return that was not refused.
pub fn returnable_units(delivered: u32, in_returns: u32) -> u32 {
    delivered.saturating_sub(in_returns)
}

/// What a return gives back, in minor units: the units' price, plus the delivery charge
/// when this return brings everything the order shipped back (nothing of it kept).
pub fn refund_minor(units_price_minor: i64, delivery_minor: i64, everything_back: bool) -> i64 {
    units_price_minor + if everything_back { delivery_minor } else { 0 }
}

/// Splits a refund over the payments it can come from, in the order given (the
/// returned parcel's own payment first): each gives at most what it has left
/// (`captured - refunded`). `None` when together they have less than `amount`.
pub fn split_refund(amount: i64, available: &[i64]) -> Option<Vec<i64>> {
    let mut left = amount.max(0);
    let parts: Vec<i64> = available
        .iter()
        .map(|a| {
            let part = left.min((*a).max(0));
            left -= part;
            part
        })
        .collect();
    (left == 0).then_some(parts)
}

/// The day a return received on `received` is refunded by.
pub fn refund_by(received: CalendarDate, centre: Calendar) -> CalendarDate {
    let mut day = received;
    let mut left = REFUND_WORKING_DAYS;
    while left > 0 {
        day = day.add_days(1);
        if is_working_day(day, centre) {
            left -= 1;
        }
    }
    day
}

/// A return's code, from its id: short enough to read out on the phone, with a check
/// letter so a mistyped code is caught at the desk. "R4827-K".
pub fn return_code(id: i64) -> String {
    let n = 1000 + id;
    format!("R{n}-{}", check_letter(n))
}

/// Reads a return code typed at the desk (any case, spaces and missing dash allowed).
pub fn parse_return_code(text: &str) -> Option<i64> {
    let clean: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let rest = clean.strip_prefix('R')?;
    let (digits, letter) = rest.split_at(rest.len().checked_sub(1)?);
    let n: i64 = digits.parse().ok()?;
    (n >= 1000 && letter.starts_with(check_letter(n))).then_some(n - 1000)
}

fn check_letter(n: i64) -> char {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let sum: i64 = n
        .to_string()
        .bytes()
        .enumerate()
        .map(|(i, b)| i64::from(b - b'0') * (i as i64 + 2))
        .sum();
    LETTERS[(sum % LETTERS.len() as i64) as usize] as char
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u8, d: u8) -> CalendarDate {
        CalendarDate::new(y, m, d).unwrap()
    }

    #[test]
    fn the_window_is_thirty_days_from_delivery_and_a_year_when_faulty() {
        let delivered = day(2026, 11, 2);
        let ok = |today, reason| may_return("Merino Crew", Some(delivered), today, reason);
        assert!(ok(day(2026, 12, 2), ReturnReason::TooBig).is_ok());
        let late = ok(day(2026, 12, 3), ReturnReason::TooBig).unwrap_err();
        assert!(late.0.contains("ended on 2 Dec 2026"), "{late}");
        assert!(ok(day(2026, 12, 3), ReturnReason::Faulty).is_ok());
        assert!(ok(day(2027, 11, 2), ReturnReason::Faulty).is_ok());
        assert!(ok(day(2027, 11, 3), ReturnReason::Faulty).is_err());
        assert!(may_return("Merino Crew", None, delivered, ReturnReason::TooBig).is_err());
    }

    #[test]
    fn socks_come_back_only_when_faulty() {
        let d = day(2026, 11, 2);
        assert!(hygiene_item("Everyday Cotton Socks (3 Pack)"));
        assert!(!hygiene_item("Socksmith Jumper"));
        let refused = may_return(
            "Fine Merino Socks (3 Pack)",
            Some(d),
            d,
            ReturnReason::TooBig,
        )
        .unwrap_err();
        assert!(refused.0.contains("only be sent back if faulty"));
        assert!(may_return(
            "Fine Merino Socks (3 Pack)",
            Some(d),
            d,
            ReturnReason::Faulty
        )
        .is_ok());
    }

    #[test]
    fn the_desk_receives_then_settles_once() {
        use ReturnStatus as S;
        assert_eq!(S::Requested.receive(), Ok(S::Received));
        assert!(S::Received.receive().is_err());
        assert!(S::Requested.settle(true, false).is_err());
        assert_eq!(S::Received.settle(true, false), Ok(S::Refunded));
        assert_eq!(S::Received.settle(true, true), Ok(S::Exchanged));
        assert_eq!(S::Received.settle(false, true), Ok(S::Refused));
        assert!(S::Refunded.settle(true, false).is_err());
        assert!(S::Exchanged.settle(true, true).is_err());
        assert!(S::Refused.settle(true, false).is_err());
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for r in ReturnReason::ALL {
            assert_eq!(ReturnReason::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn refunds_land_five_working_days_after_the_parcel_arrives() {
        // Received Friday 18 Dec 2026: Christmas and Boxing Day (moved to Mon 28) are
        // not working days in England: Mon 21 to Thu 24, then Tue 29.
        assert_eq!(
            refund_by(day(2026, 12, 18), Calendar::EnglandAndWales),
            day(2026, 12, 29)
        );
        assert_eq!(
            refund_by(day(2026, 11, 23), Calendar::EnglandAndWales),
            day(2026, 11, 30)
        );
    }

    #[test]
    fn codes_read_back_and_catch_typos() {
        for id in [1, 7, 42, 999, 123_456] {
            let code = return_code(id);
            assert_eq!(parse_return_code(&code), Some(id), "{code}");
            assert_eq!(
                parse_return_code(&code.to_lowercase().replace('-', " ")),
                Some(id)
            );
        }
        let code = return_code(42);
        let typo = code.replacen("104", "105", 1);
        assert_eq!(parse_return_code(&typo), None, "{typo}");
        assert_eq!(parse_return_code("R-"), None);
        assert_eq!(parse_return_code(""), None);
    }

    #[derive(Clone, Debug)]
    enum Step {
        /// Ship and deliver the next parcel.
        Deliver,
        /// Ask to return `units` of line `line` from parcel `parcel`.
        Return {
            parcel: usize,
            line: usize,
            units: u32,
        },
        /// The desk receives return `n` and refunds it (or refuses it).
        Settle { n: usize, refund: bool },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Deliver),
            (0usize..3, 0usize..2, 0u32..4).prop_map(|(parcel, line, units)| Step::Return {
                parcel,
                line,
                units
            }),
            (0usize..6, any::<bool>()).prop_map(|(n, refund)| Step::Settle { n, refund }),
        ]
    }

    proptest! {
        /// An order of up to three parcels, each with two lines, each parcel captured
        /// when it ships from its own payment (the first carries the delivery charge).
        /// Whatever returns are asked and settled in whatever order: the card is never
        /// given back more than was taken, the money kept is exactly what shipped and
        /// was not refunded, and units are conserved (delivered = kept + in returns).
        #[test]
        fn money_and_units_add_up(
            parcels in proptest::collection::vec(
                (proptest::collection::vec((1u32..4, 100i64..5_000), 2), 0u8..2),
                1..4,
            ),
            delivery in 0i64..600,
            steps in proptest::collection::vec(step(), 0..40),
        ) {
            let n = parcels.len();
            let mut delivered = vec![false; n];
            let mut shipped_total = 0i64;
            let mut captured = vec![0i64; n];
            let mut refunded = vec![0i64; n];
            // (parcel, line, units, status)
            let mut returns: Vec<(usize, usize, u32, ReturnStatus)> = Vec::new();
            let mut next = 0;
            let units_of = |p: usize, l: usize| parcels[p].0[l].0;
            let price_of = |p: usize, l: usize| parcels[p].0[l].1;
            let order_units: u32 = parcels.iter().flat_map(|(ls, _)| ls.iter().map(|l| l.0)).sum();
            for s in steps {
                match s {
                    Step::Deliver if next < n => {
                        let goods: i64 = parcels[next].0.iter().map(|(u, p)| i64::from(*u) * p).sum();
                        captured[next] = goods + if next == 0 { delivery } else { 0 };
                        shipped_total += captured[next];
                        delivered[next] = true;
                        next += 1;
                    }
                    Step::Deliver => {}
                    Step::Return { parcel, line, units } => {
                        if parcel >= n || !delivered[parcel] || units == 0 { continue; }
                        let in_returns: u32 = returns.iter()
                            .filter(|r| r.0 == parcel && r.1 == line && r.3.holds_units())
                            .map(|r| r.2).sum();
                        if units > returnable_units(units_of(parcel, line), in_returns) { continue; }
                        returns.push((parcel, line, units, ReturnStatus::Requested));
                    }
                    Step::Settle { n: i, refund } => {
                        let Some(r) = returns.get(i).cloned() else { continue };
                        let Ok(received) = r.3.receive() else { continue };
                        let settled = received.settle(refund, false).unwrap();
                        if settled == ReturnStatus::Refunded {
                            let refunded_units: u32 = returns.iter()
                                .filter(|x| x.3 == ReturnStatus::Refunded)
                                .map(|x| x.2).sum::<u32>() + r.2;
                            let everything_back = next == n && refunded_units == order_units;
                            let amount = refund_minor(i64::from(r.2) * price_of(r.0, r.1), delivery, everything_back);
                            // The returned parcel's own payment first, then the others.
                            let mut order: Vec<usize> = vec![r.0];
                            order.extend((0..n).filter(|p| *p != r.0));
                            let available: Vec<i64> = order.iter().map(|p| captured[*p] - refunded[*p]).collect();
                            let parts = split_refund(amount, &available);
                            prop_assert!(parts.is_some(), "a refund the payments could not cover: {amount} of {available:?}");
                            for (p, part) in order.iter().zip(parts.unwrap()) {
                                refunded[*p] += part;
                            }
                        }
                        returns[i].3 = settled;
                    }
                }
                for (r, c) in refunded.iter().zip(&captured) {
                    prop_assert!(r <= c);
                }
                for (p, was_delivered) in delivered.iter().enumerate() {
                    for l in 0..2 {
                        let held: u32 = returns.iter()
                            .filter(|r| r.0 == p && r.1 == l && r.3.holds_units())
                            .map(|r| r.2).sum();
                        let most = if *was_delivered { units_of(p, l) } else { 0 };
                        prop_assert!(held <= most);
                    }
                }
                let kept_units_price: i64 = (0..n).filter(|p| delivered[*p]).map(|p| {
                    (0..2).map(|l| {
                        let back: u32 = returns.iter()
                            .filter(|r| r.0 == p && r.1 == l && r.3 == ReturnStatus::Refunded)
                            .map(|r| r.2).sum();
                        i64::from(units_of(p, l) - back) * price_of(p, l)
                    }).sum::<i64>()
                }).sum();
                let kept_money: i64 = shipped_total - refunded.iter().sum::<i64>();
                let everything_back = kept_units_price == 0 && next == n;
                let delivery_kept = if next == 0 || everything_back { 0 } else { delivery };
                prop_assert_eq!(kept_money, kept_units_price + delivery_kept);
            }
        }

        #[test]
        fn a_split_refund_covers_the_amount_from_what_each_has(
            amount in 0i64..10_000,
            available in proptest::collection::vec(0i64..5_000, 0..4),
        ) {
            match split_refund(amount, &available) {
                Some(parts) => {
                    prop_assert_eq!(parts.iter().sum::<i64>(), amount);
                    for (p, a) in parts.iter().zip(&available) {
                        prop_assert!(*p >= 0 && p <= a);
                    }
                }
                None => prop_assert!(available.iter().sum::<i64>() < amount),
            }
        }

        #[test]
        fn codes_round_trip(id in 0i64..10_000_000) {
            prop_assert_eq!(parse_return_code(&return_code(id)), Some(id));
        }
    }
}
