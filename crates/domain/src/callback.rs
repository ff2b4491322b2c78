//! Call-back requests: the windows the shop can call in (inside opening hours, not over
//! already) and the checks a request must pass, every problem next to its field.

use super::date::{clock_label, weekday_name, CalendarDate};
use super::hours::WeeklyHours;
use super::validation::{check_phone, shipping_country, Field, FieldError};
use serde::{Deserialize, Serialize};

/// A part of the day the shopper would like to be called in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallWindow {
    Morning,
    Afternoon,
    Evening,
}

impl CallWindow {
    pub const ALL: [CallWindow; 3] = [Self::Morning, Self::Afternoon, Self::Evening];

    /// Minutes after midnight the window starts and ends.
    pub fn range(self) -> (u16, u16) {
        match self {
            Self::Morning => (8 * 60, 12 * 60),
            Self::Afternoon => (12 * 60, 17 * 60),
            Self::Evening => (17 * 60, 20 * 60),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Morning => "morning",
            Self::Afternoon => "afternoon",
            Self::Evening => "evening",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.key() == key)
    }
}

/// A day and window the shop can call in: within opening hours, and not over already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSlot {
    pub day: CalendarDate,
    pub window: CallWindow,
    /// The part of the window the shop is open: calls happen between these minutes.
    pub from: u16,
    pub to: u16,
}

impl CallSlot {
    /// "Mon 23 Nov, 12 noon to 5pm".
    pub fn label(&self) -> String {
        format!(
            "{} {}, {} to {}",
            weekday_name(self.day),
            self.day.short_label(),
            clock_label(self.from),
            clock_label(self.to)
        )
    }
}

/// Days ahead a call-back can be booked.
pub const CALLBACK_DAYS_AHEAD: i64 = 7;
/// A window that ends sooner than this is no longer offered today.
const CALLBACK_NOTICE_MINUTES: u16 = 30;

/// The windows a call-back can be booked in from UK local `today` at `minute`.
pub fn call_slots(hours: &WeeklyHours, today: CalendarDate, minute: u16) -> Vec<CallSlot> {
    (0..=CALLBACK_DAYS_AHEAD)
        .map(|n| today.add_days(n))
        .flat_map(|day| {
            CallWindow::ALL.into_iter().filter_map(move |window| {
                let (opens, closes) = hours.on(day)?;
                let (start, end) = window.range();
                let from = start.max(opens);
                let to = end.min(closes);
                let earliest = if day == today {
                    minute.saturating_add(CALLBACK_NOTICE_MINUTES)
                } else {
                    0
                };
                (from < to && to > earliest).then_some(CallSlot {
                    day,
                    window,
                    from: from.max(if day == today { minute } else { 0 }),
                    to,
                })
            })
        })
        .collect()
}

/// What a call-back is about.
pub const CALLBACK_TOPICS: &[&str] = &[
    "An order I've placed",
    "Choosing a product or size",
    "Delivery",
    "Returns and exchanges",
    "Payment or billing",
    "Something else",
];

/// Longest note with a call-back request, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A call-back request as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    pub name: String,
    /// `GB` or `IE`: the format the phone number is read in.
    pub country: String,
    pub phone: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `morning`, `afternoon`, `evening`.
    pub window: String,
    pub topic: String,
    #[serde(default)]
    pub note: String,
}

/// A call-back request that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedCallback {
    pub name: String,
    /// International form, `+447700900123`.
    pub phone: String,
    pub slot: CallSlot,
    pub topic: String,
    pub note: String,
}

/// Checks a call-back request against the slots open now; every problem is reported,
/// each next to its field.
pub fn check_callback(
    req: &CallbackRequest,
    slots: &[CallSlot],
) -> Result<CheckedCallback, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = crate::text::visible(&req.name);
    if name.is_empty() {
        errors.push(FieldError::new(
            Field::Name,
            "Please tell us who to ask for.",
        ));
    } else if name.chars().count() > 100 {
        errors.push(FieldError::new(
            Field::Name,
            "Please keep the name under 100 characters.",
        ));
    }
    let phone = match shipping_country(&req.country) {
        None => {
            errors.push(FieldError::new(
                Field::Country,
                "We can call numbers in the United Kingdom and Ireland.",
            ));
            None
        }
        Some(country) => match check_phone(country, &req.phone) {
            Ok(p) => Some(p),
            Err(_) if req.phone.trim().is_empty() => {
                errors.push(FieldError::new(
                    Field::Phone,
                    format!(
                        "Please enter the number to call, like {}.",
                        country.phone_example
                    ),
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(
                    Field::Phone,
                    format!(
                        "Please enter a phone number in {} like {}.",
                        country.name, country.phone_example
                    ),
                ));
                None
            }
        },
    };
    let day = CalendarDate::parse_iso(&req.day);
    let window = CallWindow::parse(req.window.trim());
    let slot = match (day, window) {
        (Some(day), Some(window)) => {
            let slot = slots
                .iter()
                .find(|s| s.day == day && s.window == window)
                .copied();
            if slot.is_none() {
                errors.push(FieldError::new(
                    Field::CallTime,
                    "We can't call then: please choose one of the times listed (we call while we're open).",
                ));
            }
            slot
        }
        _ => {
            errors.push(FieldError::new(
                Field::CallTime,
                "Please choose when we should call.",
            ));
            None
        }
    };
    let topic = req.topic.trim();
    if !CALLBACK_TOPICS.contains(&topic) {
        errors.push(FieldError::new(
            Field::Topic,
            "Please choose what the call is about.",
        ));
    }
    let note = crate::text::visible(&req.note);
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(FieldError::new(
            Field::Message,
            format!("Please keep the note to {MAX_NOTE_CHARS} characters."),
        ));
    }
    match (phone, slot) {
        (Some(phone), Some(slot)) if errors.is_empty() => Ok(CheckedCallback {
            name,
            phone,
            slot,
            topic: topic.to_owned(),
            note,
        }),
        _ => Err(errors),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::hours::tests::{d, shop_hours};
    use crate::hours::OpenStatus;
    use proptest::prelude::*;

    #[test]
    fn call_slots_follow_opening_hours() {
        let h = shop_hours();
        let sun = d(2026, 11, 22);
        // Sunday 11:00: morning nearly over (the shop opens at 10), afternoon 12–4pm, no evening.
        let slots = call_slots(&h, sun, 11 * 60);
        let today: Vec<_> = slots.iter().filter(|s| s.day == sun).collect();
        assert_eq!(today.len(), 2);
        assert_eq!(today[0].window, CallWindow::Morning);
        assert_eq!((today[0].from, today[0].to), (660, 720));
        assert_eq!(today[1].label(), "Sun 22 Nov, 12 noon to 4pm");
        // Sunday 11:45: the morning window closes within the notice period.
        assert!(call_slots(&h, sun, 11 * 60 + 45)
            .iter()
            .all(|s| !(s.day == sun && s.window == CallWindow::Morning)));
        // Monday has all three; the last day offered is a week ahead.
        assert_eq!(slots.iter().filter(|s| s.day == sun.add_days(1)).count(), 3);
        assert_eq!(slots.last().unwrap().day, sun.add_days(CALLBACK_DAYS_AHEAD));
    }

    fn request() -> CallbackRequest {
        CallbackRequest {
            name: "Ann".into(),
            country: "GB".into(),
            phone: "07700 900123".into(),
            day: "2026-11-23".into(),
            window: "evening".into(),
            topic: "Delivery".into(),
            note: String::new(),
        }
    }

    #[test]
    fn callback_requests_are_checked() {
        let slots = call_slots(&shop_hours(), d(2026, 11, 22), 11 * 60);
        let ok = check_callback(&request(), &slots).unwrap();
        assert_eq!(ok.phone, "+447700900123");
        assert_eq!(ok.slot.label(), "Mon 23 Nov, 5pm to 8pm");
        let bad = CallbackRequest {
            name: " ".into(),
            phone: "12".into(),
            day: "2026-11-22".into(),
            window: "evening".into(),
            topic: "Gossip".into(),
            note: "x".repeat(MAX_NOTE_CHARS + 1),
            ..request()
        };
        let fields: Vec<Field> = check_callback(&bad, &slots)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                Field::Name,
                Field::Phone,
                Field::CallTime,
                Field::Topic,
                Field::Message
            ]
        );
    }

    proptest! {
        #[test]
        fn status_agrees_with_slots(day in 0i64..400, minute in 0u16..1440) {
            let h = shop_hours();
            let date = d(2026, 1, 1).add_days(day);
            let slots = call_slots(&h, date, minute);
            // Every slot lies inside opening hours and in the future.
            for s in &slots {
                let (opens, closes) = h.on(s.day).unwrap();
                prop_assert!(opens <= s.from && s.to <= closes && s.from < s.to);
                if s.day == date {
                    prop_assert!(s.to > minute);
                }
            }
            match h.status_at(date, minute) {
                OpenStatus::Open { closes } => prop_assert!(closes > minute),
                OpenStatus::Closed { opens_on, opens } => {
                    prop_assert!(opens_on > date || opens > minute);
                }
                OpenStatus::NeverOpen => prop_assert!(false),
            }
        }
    }
}
