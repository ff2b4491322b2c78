//! Calendar dates without a time zone, enough for restock and delivery dates.

use serde::{Deserialize, Serialize};
use std::fmt;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A day in the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CalendarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl CalendarDate {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Self::new(year, month, day)
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    pub fn add_days(self, days: i64) -> Self {
        Self::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// `3 Dec`: short enough for a stock badge.
    pub fn short_label(self) -> String {
        format!("{} {}", self.day, MONTHS[usize::from(self.month - 1)])
    }

    /// `3 Dec 2026`.
    pub fn long_label(self) -> String {
        format!("{} {}", self.short_label(), self.year)
    }
}

impl fmt::Display for CalendarDate {
    /// ISO 8601, as stored.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Weekdays and the UK clock: every page, mail and rule that names a day or a time of day
// takes it from here.

/// Short weekday names, Monday first, as pages show them and the help file's opening
/// hours name them ("from": "Mon").
pub const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// 0 = Monday … 6 = Sunday.
pub fn weekday(date: CalendarDate) -> u8 {
    // 1970-01-01 was a Thursday.
    ((date.days_since_epoch() + 3).rem_euclid(7)) as u8
}

/// "Tue", for "arrives Tue 25 Nov".
pub fn weekday_name(date: CalendarDate) -> &'static str {
    WEEKDAY_NAMES[usize::from(weekday(date))]
}

fn last_sunday(year: i32, month: u8) -> CalendarDate {
    let mut day = CalendarDate::new(year, month, 31)
        .unwrap_or_else(|| CalendarDate::from_days_since_epoch(0));
    while weekday(day) != 6 {
        day = day.add_days(-1);
    }
    day
}

/// "Tuesday".
pub fn weekday_name_long(date: CalendarDate) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][usize::from(weekday(date))]
}

/// The UK date and clock hour at `unix_seconds` (see [`uk_local`]).
pub fn uk_clock(unix_seconds: i64) -> (CalendarDate, u8) {
    let (date, minute) = uk_local(unix_seconds);
    (date, (minute / 60) as u8)
}

/// The UK date and minute of the day at `unix_seconds`: GMT, or BST (one hour ahead)
/// from 01:00 UTC on the last Sunday of March until 01:00 UTC on the last Sunday of
/// October. Ireland keeps the same clock.
pub fn uk_local(unix_seconds: i64) -> (CalendarDate, u16) {
    let utc_day = CalendarDate::from_days_since_epoch(unix_seconds.div_euclid(86_400));
    let starts = last_sunday(utc_day.year, 3).days_since_epoch() * 86_400 + 3_600;
    let ends = last_sunday(utc_day.year, 10).days_since_epoch() * 86_400 + 3_600;
    let local = if (starts..ends).contains(&unix_seconds) {
        unix_seconds + 3_600
    } else {
        unix_seconds
    };
    (
        CalendarDate::from_days_since_epoch(local.div_euclid(86_400)),
        (local.rem_euclid(86_400) / 60) as u16,
    )
}

/// `"08:30"` → 510 minutes after midnight.
pub fn clock_minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// 480 → "8am", 1230 → "8:30pm", 720 → "12 noon".
pub fn clock_label(minute: u16) -> String {
    let (h, m) = (minute / 60 % 24, minute % 60);
    if (h, m) == (12, 0) {
        return "12 noon".into();
    }
    let (hour12, half) = match h {
        0 => (12, "am"),
        1..=11 => (h, "am"),
        12 => (12, "pm"),
        _ => (h - 12, "pm"),
    };
    if m == 0 {
        format!("{hour12}{half}")
    } else {
        format!("{hour12}:{m:02}{half}")
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!(CalendarDate::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(
            CalendarDate::new(2000, 3, 1).unwrap().days_since_epoch(),
            11_017
        );
        assert_eq!(
            CalendarDate::from_days_since_epoch(20_425),
            CalendarDate::new(2025, 12, 3).unwrap()
        );
    }

    #[test]
    fn parses_and_labels() {
        let d = CalendarDate::parse_iso("2026-12-03").unwrap();
        assert_eq!(d.short_label(), "3 Dec");
        assert_eq!(d.long_label(), "3 Dec 2026");
        assert_eq!(d.to_string(), "2026-12-03");
        assert_eq!(CalendarDate::parse_iso("2026-02-29"), None);
        assert!(CalendarDate::parse_iso("2028-02-29").is_some());
        assert_eq!(CalendarDate::parse_iso("2026-13-01"), None);
        assert_eq!(CalendarDate::parse_iso("soon"), None);
    }

    #[test]
    fn adds_days_across_month_and_year_ends() {
        let d = CalendarDate::new(2026, 12, 30).unwrap();
        assert_eq!(d.add_days(3), CalendarDate::new(2027, 1, 2).unwrap());
        assert_eq!(d.add_days(-30), CalendarDate::new(2026, 11, 30).unwrap());
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -1_000_000i64..1_000_000) {
            let date = CalendarDate::from_days_since_epoch(days);
            prop_assert!(CalendarDate::new(date.year, date.month, date.day).is_some());
            prop_assert_eq!(date.days_since_epoch(), days);
            if date.year >= 0 {
                prop_assert_eq!(CalendarDate::parse_iso(&date.to_string()), Some(date));
            }
        }

        #[test]
        fn next_day_is_later(days in -100_000i64..100_000) {
            let a = CalendarDate::from_days_since_epoch(days);
            prop_assert!(a.add_days(1) > a);
        }
    }

    #[test]
    fn clock_words() {
        assert_eq!(clock_minutes("08:30"), Some(510));
        assert_eq!(clock_minutes("25:00"), None);
        assert_eq!(clock_label(480), "8am");
        assert_eq!(clock_label(1230), "8:30pm");
        assert_eq!(clock_label(720), "12 noon");
        assert_eq!(clock_label(0), "12am");
    }
}
