//! When a parcel arrives: the shop's delivery rules, kept in one place.
//!
//! - Orders placed before the cut-off on a working day are dispatched that day; later
//!   ones, and those placed at a weekend or on a bank holiday where the centre is, on the
//!   next working day there.
//! - Transit takes working days by distance from the dispatching centre: 1 day up to
//!   150 km, 2 up to 400 km, 3 beyond. A working day in transit is a weekday that is a
//!   bank holiday neither where the parcel leaves nor where it goes
//!   ([`holidays`](super::holidays)).
//! - Nothing is delivered on a Saturday, a Sunday or a bank holiday.
//! - Express delivery spends one working day in transit from any centre.
//!
//! Times are UK clock time: [`uk_clock`](super::date::uk_clock) turns a moment into the UK date and hour,
//! British Summer Time included.

use super::date::{clock_label, weekday, weekday_name, CalendarDate};
use super::holidays::{is_bank_holiday, Calendar};
use serde::{Deserialize, Serialize};

/// How fast the shopper wants it. Prices are in `pricing`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryOption {
    #[default]
    Standard,
    Express,
}

impl DeliveryOption {
    pub const ALL: [Self; 2] = [Self::Standard, Self::Express];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Express => "express",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "Standard delivery",
            Self::Express => "Express delivery",
        }
    }

    /// Working days in transit from a centre `distance_km` away.
    pub fn transit_days(self, distance_km: f64) -> i64 {
        match self {
            Self::Standard => transit_days(distance_km),
            Self::Express => 1,
        }
    }

    /// The day a parcel from a centre `distance_km` away along `route` arrives if
    /// ordered now.
    pub fn arrival_day(
        self,
        today: CalendarDate,
        hour: u8,
        distance_km: f64,
        route: Route,
    ) -> CalendarDate {
        let mut day = dispatch_day(today, hour, route.from);
        for _ in 0..self.transit_days(distance_km) {
            day = next_day(day, |d| route.moves_on(d));
        }
        day
    }
}

/// Where a parcel leaves and where it goes, as far as bank holidays go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub from: Calendar,
    pub to: Calendar,
}

impl Route {
    /// Within one calendar (England to Wales, say).
    pub fn within(calendar: Calendar) -> Self {
        Self {
            from: calendar,
            to: calendar,
        }
    }

    /// Whether a parcel moves (or is delivered) on `day`: a weekday that is a bank holiday
    /// at neither end.
    pub fn moves_on(self, day: CalendarDate) -> bool {
        is_working_day(day, self.from) && is_working_day(day, self.to)
    }
}

/// Orders placed before this hour are dispatched the same working day.
pub const CUT_OFF_HOUR: u8 = 14;

/// The cut-off as shoppers read it: "2pm". Every page and answer that names the
/// cut-off takes it from here, so it cannot disagree with [`dispatch_day`].
pub fn cut_off_label() -> String {
    clock_label(u16::from(CUT_OFF_HOUR) * 60)
}

/// The dispatch rule in words, as the delivery step shows it.
pub fn dispatch_rule() -> String {
    format!(
        "Orders placed before {} on a working day leave the same day. We don't deliver at weekends or on bank holidays.",
        cut_off_label()
    )
}

/// Fewest and most working days standard delivery spends in transit (see
/// [`transit_days`]), for "1 to 3 working days".
pub const STANDARD_TRANSIT_DAYS: (i64, i64) = (1, 3);

/// Working days in transit for a distance.
pub fn transit_days(distance_km: f64) -> i64 {
    match distance_km {
        d if d <= 150.0 => STANDARD_TRANSIT_DAYS.0,
        d if d <= 400.0 => 2,
        _ => STANDARD_TRANSIT_DAYS.1,
    }
}

/// A weekday that is not a bank holiday in `calendar`.
pub fn is_working_day(date: CalendarDate, calendar: Calendar) -> bool {
    weekday(date) < 5 && !is_bank_holiday(calendar, date)
}

fn next_day(mut date: CalendarDate, works: impl Fn(CalendarDate) -> bool) -> CalendarDate {
    loop {
        date = date.add_days(1);
        if works(date) {
            return date;
        }
    }
}

/// The day an order placed on `today` at `hour` leaves a centre whose bank holidays are
/// `centre`'s.
pub fn dispatch_day(today: CalendarDate, hour: u8, centre: Calendar) -> CalendarDate {
    if is_working_day(today, centre) && hour < CUT_OFF_HOUR {
        today
    } else {
        next_day(today, |d| is_working_day(d, centre))
    }
}

/// The day it arrives by standard delivery from a centre `distance_km` away.
pub fn arrival_day(today: CalendarDate, hour: u8, distance_km: f64, route: Route) -> CalendarDate {
    DeliveryOption::Standard.arrival_day(today, hour, distance_km, route)
}

/// "Tue 25 Nov".
pub fn arrival_label(date: CalendarDate) -> String {
    format!("{} {}", weekday_name(date), date.short_label())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::date::uk_clock;
    use proptest::prelude::*;

    fn d(y: i32, m: u8, day: u8) -> CalendarDate {
        CalendarDate::new(y, m, day).unwrap()
    }

    const ENGLAND: Route = Route {
        from: Calendar::EnglandAndWales,
        to: Calendar::EnglandAndWales,
    };

    fn arrival_day(today: CalendarDate, hour: u8, km: f64) -> CalendarDate {
        super::arrival_day(today, hour, km, ENGLAND)
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday_name(d(2026, 11, 22)), "Sun");
        assert_eq!(weekday_name(d(2026, 11, 23)), "Mon");
        assert_eq!(weekday_name(d(1970, 1, 1)), "Thu");
    }

    #[test]
    fn examples() {
        // Monday morning, 200 km: dispatched Monday, 2 working days → Wednesday.
        assert_eq!(arrival_day(d(2026, 11, 23), 9, 200.0), d(2026, 11, 25));
        // Monday after the cut-off: dispatched Tuesday → Thursday.
        assert_eq!(arrival_day(d(2026, 11, 23), 15, 200.0), d(2026, 11, 26));
        // Friday morning, near: dispatched Friday, arrives Monday (no weekend deliveries).
        assert_eq!(arrival_day(d(2026, 11, 27), 9, 50.0), d(2026, 11, 30));
        // Sunday: dispatched Monday, far → Thursday.
        assert_eq!(arrival_day(d(2026, 11, 22), 9, 500.0), d(2026, 11, 26));
        assert_eq!(arrival_label(d(2026, 11, 25)), "Wed 25 Nov");
    }

    #[test]
    fn express_is_one_working_day_from_anywhere() {
        let express = DeliveryOption::Express;
        assert_eq!(
            express.arrival_day(d(2026, 11, 23), 9, 500.0, ENGLAND),
            d(2026, 11, 24)
        );
        // After the cut-off on a Friday: dispatched Monday, there Tuesday.
        assert_eq!(
            express.arrival_day(d(2026, 11, 27), 15, 50.0, ENGLAND),
            d(2026, 12, 1)
        );
        assert_eq!(DeliveryOption::parse("express"), Some(express));
        assert_eq!(DeliveryOption::parse("teleport"), None);
    }

    /// The words and the rule must agree: the hour the words name is exactly where a
    /// working day's orders stop leaving that day. (A regression guard for the "2pm"
    /// once typed by hand in a page and the help content beside `CUT_OFF_HOUR`.)
    #[test]
    fn the_cut_off_in_words_is_the_cut_off_the_rule_applies() {
        let monday = d(2026, 11, 23);
        let first_late_hour = (0u8..24)
            .find(|h| dispatch_day(monday, *h, Calendar::EnglandAndWales) != monday)
            .unwrap();
        let label = cut_off_label();
        assert_eq!(label, clock_label(u16::from(first_late_hour) * 60));
        assert!(dispatch_rule().contains(&format!("before {label} on a working day")));
        let min = (0..2_000).map(|km| transit_days(f64::from(km))).min();
        let max = (0..2_000).map(|km| transit_days(f64::from(km))).max();
        assert_eq!((min.unwrap(), max.unwrap()), STANDARD_TRANSIT_DAYS);
    }

    #[test]
    fn bank_holidays_are_skipped_where_the_parcel_leaves_and_where_it_goes() {
        // Christmas 2026: Thursday 24 December after the cut-off leaves on Tuesday 29
        // (25 and 28 are bank holidays) and, 1 working day away, arrives Wednesday 30.
        assert_eq!(arrival_day(d(2026, 12, 24), 15, 50.0), d(2026, 12, 30));
        // Easter 2026 (Good Friday 3 April, Easter Monday 6 April): ordered Thursday
        // 2 April before the cut-off, 1 day away: leaves Thursday, arrives Tuesday 7.
        assert_eq!(arrival_day(d(2026, 4, 2), 9, 50.0), d(2026, 4, 7));
        // St Andrew's Day (Monday 30 November 2026) is a holiday in Scotland only.
        let to_scotland = Route {
            from: Calendar::EnglandAndWales,
            to: Calendar::Scotland,
        };
        assert_eq!(arrival_day(d(2026, 11, 27), 9, 50.0), d(2026, 11, 30));
        assert_eq!(
            super::arrival_day(d(2026, 11, 27), 9, 50.0, to_scotland),
            d(2026, 12, 1)
        );
        // Easter Monday is no holiday in Scotland, but a Glasgow parcel to London waits.
        let glasgow_to_london = Route {
            from: Calendar::Scotland,
            to: Calendar::EnglandAndWales,
        };
        assert_eq!(
            dispatch_day(d(2026, 4, 6), 9, Calendar::Scotland),
            d(2026, 4, 6)
        );
        assert_eq!(
            super::arrival_day(d(2026, 4, 6), 9, 50.0, glasgow_to_london),
            d(2026, 4, 7)
        );
    }

    #[test]
    fn summer_time_changes_move_the_cut_off_with_the_clock() {
        // The Friday before the clocks go back (23 October 2026), 13:30 UTC is 14:30 BST:
        // after the cut-off, so it leaves on Monday; the same moment in November (GMT)
        // is 13:30, before it.
        let at = |date: CalendarDate, minutes: i64| date.days_since_epoch() * 86_400 + minutes * 60;
        let (day, hour) = uk_clock(at(d(2026, 10, 23), 13 * 60 + 30));
        assert_eq!(
            dispatch_day(day, hour, Calendar::EnglandAndWales),
            d(2026, 10, 26)
        );
        let (day, hour) = uk_clock(at(d(2026, 11, 20), 13 * 60 + 30));
        assert_eq!(
            dispatch_day(day, hour, Calendar::EnglandAndWales),
            d(2026, 11, 20)
        );
    }

    #[test]
    fn uk_clock_follows_summer_time() {
        // 2026: BST from Sun 29 March 01:00 UTC to Sun 25 October 01:00 UTC.
        let at = |date: CalendarDate, h: i64| date.days_since_epoch() * 86_400 + h * 3_600;
        assert_eq!(uk_clock(at(d(2026, 11, 23), 13)), (d(2026, 11, 23), 13));
        assert_eq!(uk_clock(at(d(2026, 7, 1), 13)), (d(2026, 7, 1), 14));
        assert_eq!(uk_clock(at(d(2026, 3, 29), 0)), (d(2026, 3, 29), 0));
        assert_eq!(uk_clock(at(d(2026, 3, 29), 1)), (d(2026, 3, 29), 2));
        assert_eq!(uk_clock(at(d(2026, 10, 25), 0)), (d(2026, 10, 25), 1));
        assert_eq!(uk_clock(at(d(2026, 10, 25), 1)), (d(2026, 10, 25), 1));
        // 23:30 UTC on a summer evening is already tomorrow in the UK.
        assert_eq!(uk_clock(at(d(2026, 6, 30), 23)), (d(2026, 7, 1), 0));
    }

    proptest! {
        #[test]
        fn never_at_a_weekend_and_never_sooner_when_later_or_farther(
            day in 19_000i64..22_000, hour in 0u8..24, km in 0.0f64..1_200.0, extra in 0.0f64..500.0,
            from in 0usize..4, to in 0usize..4
        ) {
            let today = CalendarDate::from_days_since_epoch(day);
            let calendars = [Calendar::EnglandAndWales, Calendar::Scotland, Calendar::NorthernIreland, Calendar::Ireland];
            let route = Route { from: calendars[from], to: calendars[to] };
            let arrives = super::arrival_day(today, hour, km, route);
            prop_assert!(route.moves_on(arrives), "never at a weekend or on a bank holiday at either end");
            prop_assert!(arrives > today);
            prop_assert!(super::arrival_day(today, hour, km + extra, route) >= arrives);
            prop_assert!(super::arrival_day(today, 23, km, route) >= arrives);
            let express = DeliveryOption::Express.arrival_day(today, hour, km, route);
            prop_assert!(express <= arrives && route.moves_on(express));
            // Christmas and New Year together close at most four weekdays in a row.
            prop_assert!(arrives <= today.add_days(14));
        }
    }
}
