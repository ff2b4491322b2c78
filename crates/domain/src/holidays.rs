//! Bank holidays, on which parcels neither leave a centre nor arrive: the four calendars
//! the shop ships within (England and Wales, Scotland, Northern Ireland, Ireland), worked
//! out from their rules (Easter, "first Monday in May", fixed dates and the days that
//! stand in when one falls at a weekend).
//!
//! One-off holidays that no rule gives (a coronation, a state funeral) are not known
//! here; they are announced months ahead and would be added by hand.

use super::date::{weekday, CalendarDate};

/// Whose bank holidays apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Calendar {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
    Ireland,
}

impl Calendar {
    /// The calendar of one of the shop's delivery regions (`location::REGIONS` codes).
    pub fn of_region(code: &str) -> Self {
        match code {
            "scotland" => Self::Scotland,
            "northern-ireland" => Self::NorthernIreland,
            "ireland" => Self::Ireland,
            _ => Self::EnglandAndWales,
        }
    }
}

/// Easter Sunday (the Gregorian computus).
pub fn easter_sunday(year: i32) -> CalendarDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as u8, day as u8)
}

fn date(year: i32, month: u8, day: u8) -> CalendarDate {
    CalendarDate::new(year, month, day).unwrap_or_else(|| CalendarDate::from_days_since_epoch(0))
}

/// The `n`th Monday (1-based) of `month`.
fn nth_monday(year: i32, month: u8, n: i64) -> CalendarDate {
    let first = date(year, month, 1);
    let to_monday = (7 - i64::from(weekday(first))) % 7;
    first.add_days(to_monday + 7 * (n - 1))
}

/// The last Monday of `month`.
fn last_monday(year: i32, month: u8) -> CalendarDate {
    let next_month = if month == 12 {
        date(year + 1, 1, 1)
    } else {
        date(year, month + 1, 1)
    };
    let mut day = next_month.add_days(-1);
    while weekday(day) != 0 {
        day = day.add_days(-1);
    }
    day
}

fn is_weekend(day: CalendarDate) -> bool {
    weekday(day) >= 5
}

/// The bank holidays of `calendar` in `year`, in date order.
pub fn bank_holidays(calendar: Calendar, year: i32) -> Vec<CalendarDate> {
    use Calendar::*;
    let easter = easter_sunday(year);
    // Days that are always weekdays.
    let mut days: Vec<CalendarDate> = Vec::new();
    if calendar != Ireland {
        days.push(easter.add_days(-2)); // Good Friday
        days.push(nth_monday(year, 5, 1)); // Early May
        days.push(last_monday(year, 5)); // Spring
    }
    if matches!(calendar, EnglandAndWales | NorthernIreland | Ireland) {
        days.push(easter.add_days(1)); // Easter Monday
    }
    match calendar {
        EnglandAndWales | NorthernIreland => days.push(last_monday(year, 8)),
        Scotland => days.push(nth_monday(year, 8, 1)),
        Ireland => {
            // St Brigid's Day (from 2023): the first Monday in February, or 1 February
            // when that is a Friday.
            if year >= 2023 {
                let first = date(year, 2, 1);
                days.push(if weekday(first) == 4 {
                    first
                } else {
                    nth_monday(year, 2, 1)
                });
            }
            days.push(nth_monday(year, 5, 1));
            days.push(nth_monday(year, 6, 1));
            days.push(nth_monday(year, 8, 1));
            days.push(last_monday(year, 10));
        }
    }
    // Fixed dates, in order; one at a weekend is kept on the next weekday not already a
    // holiday (Christmas on a Saturday: Monday 27 and Tuesday 28 December). Irish law
    // names no such day, but couriers stand down on it, so the promise does too.
    let fixed: &[(u8, u8)] = match calendar {
        EnglandAndWales => &[(1, 1), (12, 25), (12, 26)],
        Scotland => &[(1, 1), (1, 2), (11, 30), (12, 25), (12, 26)],
        NorthernIreland => &[(1, 1), (3, 17), (7, 12), (12, 25), (12, 26)],
        Ireland => &[(1, 1), (3, 17), (12, 25), (12, 26)],
    };
    for &(month, day) in fixed {
        let mut holiday = date(year, month, day);
        while is_weekend(holiday) || days.contains(&holiday) {
            holiday = holiday.add_days(1);
        }
        days.push(holiday);
    }
    days.sort();
    days
}

/// Whether `day` is a bank holiday in `calendar`, days standing in for a weekend one
/// included (every one of them falls in the same year as the day it stands in for).
pub fn is_bank_holiday(calendar: Calendar, day: CalendarDate) -> bool {
    bank_holidays(calendar, day.year).contains(&day)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iso(days: &[CalendarDate]) -> Vec<String> {
        days.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn easter_falls_where_the_almanacs_put_it() {
        for (year, month, day) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), date(year, month, day), "{year}");
        }
    }

    #[test]
    fn england_and_wales_as_gov_uk_lists_them() {
        assert_eq!(
            iso(&bank_holidays(Calendar::EnglandAndWales, 2026)),
            [
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28"
            ]
        );
        // Christmas on a Saturday: Monday 27 and Tuesday 28 stand in.
        assert_eq!(
            iso(&bank_holidays(Calendar::EnglandAndWales, 2027))[5..],
            ["2027-08-30", "2027-12-27", "2027-12-28"]
        );
    }

    #[test]
    fn scotland_northern_ireland_and_ireland_have_their_own() {
        assert_eq!(
            iso(&bank_holidays(Calendar::Scotland, 2026)),
            [
                "2026-01-01",
                "2026-01-02",
                "2026-04-03",
                "2026-05-04",
                "2026-05-25",
                "2026-08-03",
                "2026-11-30",
                "2026-12-25",
                "2026-12-28"
            ]
        );
        // New Year's Day on a Saturday: Monday 3 and Tuesday 4 January.
        let scotland_2022 = iso(&bank_holidays(Calendar::Scotland, 2022));
        assert_eq!(scotland_2022[..2], ["2022-01-03", "2022-01-04"]);
        let ni = iso(&bank_holidays(Calendar::NorthernIreland, 2026));
        assert!(ni.contains(&"2026-03-17".to_owned()) && ni.contains(&"2026-07-13".to_owned()));
        assert_eq!(
            iso(&bank_holidays(Calendar::Ireland, 2026)),
            [
                "2026-01-01",
                "2026-02-02",
                "2026-03-17",
                "2026-04-06",
                "2026-05-04",
                "2026-06-01",
                "2026-08-03",
                "2026-10-26",
                "2026-12-25",
                "2026-12-28"
            ]
        );
        // St Brigid's Day on 1 February when that is a Friday.
        assert!(bank_holidays(Calendar::Ireland, 2030).contains(&date(2030, 2, 1)));
    }

    #[test]
    fn days_standing_in_for_new_year_are_holidays_where_they_are_kept() {
        assert!(is_bank_holiday(Calendar::EnglandAndWales, date(2022, 1, 3)));
        assert!(!is_bank_holiday(
            Calendar::EnglandAndWales,
            date(2022, 1, 4)
        ));
        assert!(is_bank_holiday(Calendar::Scotland, date(2022, 1, 4)));
    }

    proptest! {
        #[test]
        fn every_holiday_is_a_weekday_and_each_is_counted_once(year in 2000i32..2100, which in 0usize..4) {
            let calendar = [Calendar::EnglandAndWales, Calendar::Scotland, Calendar::NorthernIreland, Calendar::Ireland][which];
            let days = bank_holidays(calendar, year);
            prop_assert!(days.iter().all(|d| !is_weekend(*d)));
            let mut unique = days.clone();
            unique.dedup();
            prop_assert_eq!(unique.len(), days.len());
            prop_assert!(days.len() >= 8);
        }
    }
}
