//! Opening hours as the owner writes them in the help file, and whether the shop's
//! phones and chat are staffed now ("Open now until 8pm", "Closed now. We open
//! tomorrow at 9am.").

use super::date::{
    clock_label, clock_minutes, weekday, weekday_name_long, CalendarDate, WEEKDAY_NAMES,
};
use serde::{Deserialize, Serialize};

/// One line of opening hours as the shop owner writes it in `content/help.json`:
/// `{"days": "Monday to Friday", "from": "Mon", "to": "Fri", "opens": "08:00", "closes": "20:00"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningRow {
    pub days: String,
    pub from: String,
    pub to: String,
    pub opens: String,
    pub closes: String,
}

impl OpeningRow {
    /// "Monday to Friday, 8am to 8pm".
    pub fn label(&self) -> String {
        match (clock_minutes(&self.opens), clock_minutes(&self.closes)) {
            (Some(o), Some(c)) => {
                format!("{}, {} to {}", self.days, clock_label(o), clock_label(c))
            }
            _ => self.days.clone(),
        }
    }
}

/// Opening hours for each day of the week (0 = Monday), as minutes after midnight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Option<(u16, u16)>; 7],
}

/// Whether the shop's phones and chat are staffed at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenStatus {
    Open {
        closes: u16,
    },
    Closed {
        opens_on: CalendarDate,
        opens: u16,
    },
    /// No opening hours at all.
    NeverOpen,
}

impl WeeklyHours {
    /// Reads the owner's rows; a day named twice keeps its last row.
    pub fn from_rows(rows: &[OpeningRow]) -> Result<Self, String> {
        let day = |name: &str| {
            WEEKDAY_NAMES
                .iter()
                .position(|d| d.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| format!("{name:?} is not a day (Mon … Sun)"))
        };
        let mut days = [None; 7];
        for row in rows {
            let (from, to) = (day(&row.from)?, day(&row.to)?);
            let opens = clock_minutes(&row.opens).ok_or(format!("bad time {:?}", row.opens))?;
            let closes = clock_minutes(&row.closes).ok_or(format!("bad time {:?}", row.closes))?;
            if from > to || opens >= closes {
                return Err(format!("{:?}: days or times out of order", row.days));
            }
            for slot in &mut days[from..=to] {
                *slot = Some((opens, closes));
            }
        }
        Ok(Self { days })
    }

    /// Opening and closing minute on `date`, if open that day.
    pub fn on(&self, date: CalendarDate) -> Option<(u16, u16)> {
        self.days[usize::from(weekday(date))]
    }

    /// Open or closed at UK local `date` and `minute`, and until or from when.
    pub fn status_at(&self, date: CalendarDate, minute: u16) -> OpenStatus {
        if let Some((opens, closes)) = self.on(date) {
            if (opens..closes).contains(&minute) {
                return OpenStatus::Open { closes };
            }
            if minute < opens {
                return OpenStatus::Closed {
                    opens_on: date,
                    opens,
                };
            }
        }
        (1..=7)
            .map(|n| date.add_days(n))
            .find_map(|d| {
                self.on(d)
                    .map(|(opens, _)| OpenStatus::Closed { opens_on: d, opens })
            })
            .unwrap_or(OpenStatus::NeverOpen)
    }
}

impl OpenStatus {
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open { .. })
    }

    /// "Open now until 8pm" / "Closed now. We open tomorrow at 9am."
    pub fn describe(&self, today: CalendarDate) -> String {
        match self {
            Self::Open { closes } => format!("Open now until {}", clock_label(*closes)),
            Self::Closed { opens_on, opens } => {
                let when = if *opens_on == today {
                    "today".to_owned()
                } else if *opens_on == today.add_days(1) {
                    "tomorrow".to_owned()
                } else {
                    format!("on {}", weekday_name_long(*opens_on))
                };
                format!("Closed now. We open {when} at {}.", clock_label(*opens))
            }
            Self::NeverOpen => "Our phone lines are closed.".into(),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    pub(crate) fn d(y: i32, m: u8, day: u8) -> CalendarDate {
        CalendarDate::new(y, m, day).unwrap()
    }

    pub(crate) fn row(days: &str, from: &str, to: &str, opens: &str, closes: &str) -> OpeningRow {
        OpeningRow {
            days: days.into(),
            from: from.into(),
            to: to.into(),
            opens: opens.into(),
            closes: closes.into(),
        }
    }

    pub(crate) fn shop_hours() -> WeeklyHours {
        WeeklyHours::from_rows(&[
            row("Monday to Friday", "Mon", "Fri", "08:00", "20:00"),
            row("Saturday", "Sat", "Sat", "09:00", "17:00"),
            row("Sunday", "Sun", "Sun", "10:00", "16:00"),
        ])
        .unwrap()
    }

    #[test]
    fn open_now_or_when_next() {
        let h = shop_hours();
        let sun = d(2026, 11, 22);
        assert_eq!(h.status_at(sun, 11 * 60), OpenStatus::Open { closes: 960 });
        assert_eq!(
            h.status_at(sun, 9 * 60).describe(sun),
            "Closed now. We open today at 10am."
        );
        assert_eq!(
            h.status_at(sun, 17 * 60).describe(sun),
            "Closed now. We open tomorrow at 8am."
        );
        assert_eq!(
            h.status_at(sun, 11 * 60).describe(sun),
            "Open now until 4pm"
        );
        let closed_weekends =
            WeeklyHours::from_rows(&[row("Weekdays", "Mon", "Fri", "09:00", "17:00")]).unwrap();
        let fri = d(2026, 11, 27);
        assert_eq!(
            closed_weekends.status_at(fri, 18 * 60).describe(fri),
            "Closed now. We open on Monday at 9am."
        );
        assert!(WeeklyHours::from_rows(&[row("x", "Fri", "Mon", "09:00", "17:00")]).is_err());
        assert!(WeeklyHours::from_rows(&[row("x", "Mon", "Fri", "17:00", "09:00")]).is_err());
    }

    #[test]
    fn opening_rows_read_as_words() {
        assert_eq!(
            row("Monday to Friday", "Mon", "Fri", "08:00", "20:00").label(),
            "Monday to Friday, 8am to 8pm"
        );
    }
}
