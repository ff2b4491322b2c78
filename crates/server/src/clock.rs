//! The UK clock on the server, from the IANA time-zone database (jiff, with the database
//! bundled into the binary, so a fresh machine needs none installed): Europe/London's
//! date and time for a unix timestamp. The server decides every cut-off, dispatch day
//! and timeline time with it. The browser keeps the small hand-written summer-time rule
//! in `storefront_domain::date` (no tz database in the first load); a test holds the two
//! to the same answer for every hour from 2000 to 2040.

use jiff::tz::TimeZone;
use std::sync::LazyLock;
use storefront_domain::date::CalendarDate;

static LONDON: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get("Europe/London").unwrap_or_else(|e| {
        // The database is bundled: this would be a build without it.
        tracing::error!(%e, "no Europe/London in the time-zone database; using UTC");
        TimeZone::UTC
    })
});

/// The UK date and minute of the day at `unix_seconds`.
pub fn uk_local(unix_seconds: i64) -> (CalendarDate, u16) {
    let Ok(at) = jiff::Timestamp::from_second(unix_seconds) else {
        return storefront_domain::date::uk_local(unix_seconds);
    };
    let local = LONDON.to_datetime(at);
    let date = CalendarDate::new(
        i32::from(local.year()),
        u8::try_from(local.month()).unwrap_or(1),
        u8::try_from(local.day()).unwrap_or(1),
    )
    .unwrap_or_else(|| CalendarDate::from_days_since_epoch(unix_seconds.div_euclid(86_400)));
    let minute =
        u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
    (date, minute)
}

/// The UK date and clock hour at `unix_seconds`.
pub fn uk_clock(unix_seconds: i64) -> (CalendarDate, u8) {
    let (date, minute) = uk_local(unix_seconds);
    (date, u8::try_from(minute / 60).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tz_database_knows_summer_time() {
        // 29 Mar 2026 01:00 UTC: clocks go forward to 02:00 BST.
        let spring = 1_774_746_000;
        assert_eq!(uk_local(spring - 60).1, 59);
        assert_eq!(uk_local(spring).1, 120);
        // 25 Oct 2026 01:00 UTC: back to 01:00 GMT.
        let autumn = 1_792_890_000;
        assert_eq!(uk_local(autumn - 60).1, 119);
        assert_eq!(uk_local(autumn).1, 60);
        // 23:30 UTC on 30 Jun is 00:30 the next day in London.
        let (day, minute) = uk_local(1_782_862_200);
        assert_eq!((day, minute), (CalendarDate::new(2026, 7, 1).unwrap(), 30));
    }

    #[test]
    fn the_browsers_rule_agrees_with_the_tz_database_for_every_hour_2000_to_2040() {
        let from = CalendarDate::new(2000, 1, 1).unwrap().days_since_epoch() * 86_400;
        let to = CalendarDate::new(2041, 1, 1).unwrap().days_since_epoch() * 86_400;
        let mut t = from;
        while t < to {
            // On the hour and half a minute either side of it (the changes are at 01:00 UTC).
            for at in [t - 30, t, t + 30] {
                assert_eq!(
                    uk_local(at),
                    storefront_domain::date::uk_local(at),
                    "at unix {at}"
                );
            }
            t += 3_600;
        }
    }
}
