//! Help rules: which help fits the page the shopper is on, whether the shop is open, and
//! what a chat message and a call-back request must be.

use super::date::CalendarDate;
use super::delivery::{weekday, weekday_name};
use super::validation::{check_phone, shipping_country, Field, FieldError};
use serde::{Deserialize, Serialize};

/// The kinds of page the help panel has answers for. The keys name the sections of
/// `content/help.json` → `pages`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageKind {
    Home,
    Browse,
    Product,
    Cart,
    Checkout,
    Order,
    Returns,
    Other,
}

impl PageKind {
    /// The kind of page at `path` (`/p/linen-shirt` → product).
    pub fn of_path(path: &str) -> Self {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        match first {
            "" => Self::Home,
            "c" | "search" => Self::Browse,
            "p" => Self::Product,
            "cart" => Self::Cart,
            "checkout" => Self::Checkout,
            "orders" => Self::Order,
            "help" => Self::Returns,
            _ => Self::Other,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Browse => "browse",
            Self::Product => "product",
            Self::Cart => "cart",
            Self::Checkout => "checkout",
            Self::Order => "order",
            Self::Returns => "returns",
            Self::Other => "other",
        }
    }
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

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
            DAY_NAMES
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
                    format!("on {}", day_name_long(*opens_on))
                };
                format!("Closed now. We open {when} at {}.", clock_label(*opens))
            }
            Self::NeverOpen => "Our phone lines are closed.".into(),
        }
    }
}

fn day_name_long(date: CalendarDate) -> &'static str {
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

/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// A chat message as it will be stored: trimmed, control characters other than line
/// breaks and tabs removed. Markup is kept as typed; it is always shown as text.
pub fn check_message(raw: &str) -> Result<String, String> {
    let text: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    let count = text.chars().count();
    if count == 0 {
        return Err("Please type a message first.".into());
    }
    if count > MAX_MESSAGE_CHARS {
        return Err(format!(
            "Please keep a message to {MAX_MESSAGE_CHARS} characters (this one has {count}); send the rest in a second message."
        ));
    }
    Ok(text)
}

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
    let name = req.name.trim().to_owned();
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
    let note = req.note.trim().to_owned();
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

/// At most `max` events per `per_seconds` for one sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub max: usize,
    pub per_seconds: i64,
}

impl RateLimit {
    /// Records an event at `now` if it is allowed; otherwise says how many seconds until
    /// the next one is. `recent` is this sender's earlier events, oldest first.
    pub fn allow(&self, recent: &mut Vec<i64>, now: i64) -> Result<(), i64> {
        recent.retain(|&t| t > now - self.per_seconds);
        if self.is_full(recent, now) {
            let oldest = recent.first().copied().unwrap_or(now);
            return Err((oldest + self.per_seconds - now).max(1));
        }
        recent.push(now);
        Ok(())
    }

    /// Whether the events in `recent` already use up the window ending at `now`.
    pub fn is_full(&self, recent: &[i64], now: i64) -> bool {
        recent
            .iter()
            .filter(|&&t| t > now - self.per_seconds)
            .count()
            >= self.max
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u8, day: u8) -> CalendarDate {
        CalendarDate::new(y, m, day).unwrap()
    }

    fn row(days: &str, from: &str, to: &str, opens: &str, closes: &str) -> OpeningRow {
        OpeningRow {
            days: days.into(),
            from: from.into(),
            to: to.into(),
            opens: opens.into(),
            closes: closes.into(),
        }
    }

    fn shop_hours() -> WeeklyHours {
        WeeklyHours::from_rows(&[
            row("Monday to Friday", "Mon", "Fri", "08:00", "20:00"),
            row("Saturday", "Sat", "Sat", "09:00", "17:00"),
            row("Sunday", "Sun", "Sun", "10:00", "16:00"),
        ])
        .unwrap()
    }

    #[test]
    fn pages_by_path() {
        assert_eq!(PageKind::of_path("/"), PageKind::Home);
        assert_eq!(PageKind::of_path("/p/linen-shirt"), PageKind::Product);
        assert_eq!(PageKind::of_path("/checkout/payment"), PageKind::Checkout);
        assert_eq!(PageKind::of_path("/orders/SF-1?key=x"), PageKind::Order);
        assert_eq!(PageKind::of_path("/search?q=shirt"), PageKind::Browse);
        assert_eq!(PageKind::of_path("/c/shirts"), PageKind::Browse);
        assert_eq!(PageKind::of_path("/nowhere"), PageKind::Other);
    }

    #[test]
    fn clock_words() {
        assert_eq!(clock_minutes("08:30"), Some(510));
        assert_eq!(clock_minutes("25:00"), None);
        assert_eq!(clock_label(480), "8am");
        assert_eq!(clock_label(1230), "8:30pm");
        assert_eq!(clock_label(720), "12 noon");
        assert_eq!(clock_label(0), "12am");
        assert_eq!(
            row("Monday to Friday", "Mon", "Fri", "08:00", "20:00").label(),
            "Monday to Friday, 8am to 8pm"
        );
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
    fn messages_are_checked() {
        assert_eq!(check_message("  hi \u{7}there\n ").unwrap(), "hi there");
        assert!(check_message("   ").is_err());
        assert!(check_message(&"a".repeat(MAX_MESSAGE_CHARS)).is_ok());
        let long = check_message(&"é".repeat(MAX_MESSAGE_CHARS + 1)).unwrap_err();
        assert!(long.contains("1001"), "{long}");
        assert_eq!(
            check_message("<img src=x onerror=alert(1)>").unwrap(),
            "<img src=x onerror=alert(1)>"
        );
    }

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

    #[test]
    fn rate_limit_counts_a_window() {
        let limit = RateLimit {
            max: 3,
            per_seconds: 10,
        };
        let mut recent = Vec::new();
        for t in 0..3 {
            assert!(limit.allow(&mut recent, t).is_ok());
        }
        assert_eq!(limit.allow(&mut recent, 5), Err(5));
        assert!(limit.allow(&mut recent, 10).is_ok());
    }

    proptest! {
        #[test]
        fn never_more_than_max_in_any_window(gaps in proptest::collection::vec(0i64..4, 1..200)) {
            let limit = RateLimit { max: 5, per_seconds: 10 };
            let mut recent = Vec::new();
            let mut allowed = Vec::new();
            let mut now = 0;
            for gap in gaps {
                now += gap;
                if limit.allow(&mut recent, now).is_ok() {
                    allowed.push(now);
                }
            }
            for (i, &t) in allowed.iter().enumerate() {
                let in_window = allowed[i..].iter().take_while(|&&u| u < t + 10).count();
                prop_assert!(in_window <= 5);
            }
        }

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
