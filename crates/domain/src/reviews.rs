//! Reviews from people who bought the thing: the follow-up that asks, what a review may
//! say, when it is shown, and the figures a product page prints from them.
//!
//! Only a customer whose order delivered the product can review it (the follow-up mail's
//! link is the proof). A rating alone is shown at once; a review with words waits for
//! staff, who publish it or reject it with a reason the customer is told. The product's
//! average is over what is shown.

use crate::validation::{Field, FieldError};
use serde::{Deserialize, Serialize};

/// How long after delivery the "How did it go?" mail goes, unless the owner sets
/// `STOREFRONT_FOLLOW_UP_DAYS`.
pub const FOLLOW_UP_DAYS: u32 = 30;

/// The longest a review's title, words, shown name and a rejection's reason may be.
pub const TITLE_MAX: usize = 80;
pub const TEXT_MAX: usize = 2000;
pub const NAME_MAX: usize = 40;
pub const REASON_MAX: usize = 300;

/// Reviews on one page of a product's list.
pub const PAGE_SIZE: usize = 10;

/// When the follow-up for an order delivered at `delivered_at` (unix seconds) is due.
pub fn follow_up_at(delivered_at: i64, days: u32) -> i64 {
    delivered_at + i64::from(days) * 24 * 60 * 60
}

/// One to five stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stars(u8);

impl Stars {
    pub fn new(n: u8) -> Option<Self> {
        (1..=5).contains(&n).then_some(Self(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// What each number of stars says, for the mail's links and the choice's labels.
    pub fn words(self) -> &'static str {
        match self.0 {
            1 => "Very disappointed",
            2 => "Not great",
            3 => "It's OK",
            4 => "Happy with it",
            _ => "Love it",
        }
    }

    /// "4 stars out of 5", for screen readers and mail.
    pub fn label(self) -> String {
        match self.0 {
            1 => "1 star out of 5".to_owned(),
            n => format!("{n} stars out of 5"),
        }
    }
}

/// Where a review stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewStatus {
    /// Words waiting for staff to read them.
    Pending,
    /// Shown on the product page (a rating alone, or words staff published).
    Published,
    /// Not shown; the customer was told why and may write it again.
    Rejected,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Published => "published",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "published" => Some(Self::Published),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }

    /// What the customer reads about their own review.
    pub fn for_customer(self) -> &'static str {
        match self {
            Self::Pending => "Thanks: we read every written review before it's shown.",
            Self::Published => "Shown on the product page.",
            Self::Rejected => "Not shown.",
        }
    }
}

/// A review as the customer sends it: stars, and optionally words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDraft {
    pub stars: u8,
    pub title: String,
    pub text: String,
    /// The name shown with the review ("Sam from Leeds"); blank shows "A verified buyer".
    pub name: String,
}

/// A draft that passed [`check_review`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedReview {
    pub stars: Stars,
    pub title: String,
    pub text: String,
    pub name: String,
}

impl CheckedReview {
    /// Whether there are words for staff to read first.
    pub fn has_words(&self) -> bool {
        !self.title.is_empty() || !self.text.is_empty()
    }

    /// Where it stands once sent: a rating alone is shown at once; words wait for staff.
    pub fn status(&self) -> ReviewStatus {
        if self.has_words() {
            ReviewStatus::Pending
        } else {
            ReviewStatus::Published
        }
    }
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

/// Checks a review; every problem, each by its field.
pub fn check_review(draft: &ReviewDraft) -> Result<CheckedReview, Vec<FieldError>> {
    let mut errors = Vec::new();
    let stars = Stars::new(draft.stars);
    if stars.is_none() {
        errors.push(FieldError::new(
            Field::Stars,
            "Please choose from 1 to 5 stars.",
        ));
    }
    let title = crate::text::visible(&draft.title);
    let text = crate::text::visible(&draft.text);
    let name = crate::text::visible(&draft.name);
    if too_long(&title, TITLE_MAX) {
        errors.push(FieldError::new(
            Field::ReviewTitle,
            format!("Please keep the title to {TITLE_MAX} characters."),
        ));
    }
    if too_long(&text, TEXT_MAX) {
        errors.push(FieldError::new(
            Field::ReviewText,
            format!("Please keep the review to {TEXT_MAX} characters."),
        ));
    }
    if !title.is_empty() && text.is_empty() {
        errors.push(FieldError::new(
            Field::ReviewText,
            "Please say a little more than the title: what was it like?",
        ));
    }
    if too_long(&name, NAME_MAX) {
        errors.push(FieldError::new(
            Field::ReviewName,
            format!("Please keep the name to {NAME_MAX} characters."),
        ));
    }
    if name.contains('@') {
        errors.push(FieldError::new(
            Field::ReviewName,
            "This name is shown to everyone: please leave your email address out.",
        ));
    }
    match (stars, errors.is_empty()) {
        (Some(stars), true) => Ok(CheckedReview {
            stars,
            title,
            text,
            name,
        }),
        _ => Err(errors),
    }
}

/// Checks the reason staff give for not showing a review (the customer reads it).
pub fn check_rejection(reason: &str) -> Result<String, FieldError> {
    let reason = crate::text::visible(reason);
    if reason.is_empty() {
        return Err(FieldError::new(
            Field::RefuseReason,
            "Please say why, in words the customer will read.",
        ));
    }
    if too_long(&reason, REASON_MAX) {
        return Err(FieldError::new(
            Field::RefuseReason,
            format!("Please keep the reason to {REASON_MAX} characters."),
        ));
    }
    Ok(reason)
}

/// The order a product's reviews are listed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewSort {
    #[default]
    Newest,
    Highest,
    Lowest,
}

impl ReviewSort {
    pub const ALL: [Self; 3] = [Self::Newest, Self::Highest, Self::Lowest];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Highest => "highest",
            Self::Lowest => "lowest",
        }
    }

    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Newest => "Newest first",
            Self::Highest => "Highest rated first",
            Self::Lowest => "Lowest rated first",
        }
    }
}

/// What a product page prints about its ratings: how many, the average, and how many of
/// each number of stars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub count: u32,
    /// How many ratings gave 1, 2, … 5 stars.
    pub by_stars: [u32; 5],
}

impl RatingSummary {
    pub fn from_stars(stars: impl IntoIterator<Item = Stars>) -> Self {
        let mut s = Self::default();
        for star in stars {
            s.add(star, 1);
        }
        s
    }

    pub fn add(&mut self, stars: Stars, times: u32) {
        self.count += times;
        self.by_stars[usize::from(stars.get() - 1)] += times;
    }

    /// The average in tenths of a star, rounded half up (43 = 4.3); 0 with no ratings.
    pub fn average_tenths(&self) -> u32 {
        if self.count == 0 {
            return 0;
        }
        let sum: u64 = self
            .by_stars
            .iter()
            .zip(1u64..)
            .map(|(n, stars)| u64::from(*n) * stars)
            .sum();
        let count = u64::from(self.count);
        u32::try_from((sum * 20 + count) / (count * 2)).unwrap_or(50)
    }

    /// "4.3 out of 5", or `None` with no ratings.
    pub fn average_label(&self) -> Option<String> {
        (self.count > 0).then(|| {
            let t = self.average_tenths();
            format!("{}.{} out of 5", t / 10, t % 10)
        })
    }

    /// "from 12 reviews".
    pub fn count_label(&self) -> String {
        match self.count {
            1 => "from 1 rating".to_owned(),
            n => format!("from {n} ratings"),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft(stars: u8, title: &str, text: &str, name: &str) -> ReviewDraft {
        ReviewDraft {
            stars,
            title: title.into(),
            text: text.into(),
            name: name.into(),
        }
    }

    #[test]
    fn a_rating_alone_is_shown_and_words_wait_for_staff() {
        let alone = check_review(&draft(4, "", "  ", "")).unwrap();
        assert_eq!(alone.status(), ReviewStatus::Published);
        let words = check_review(&draft(2, "", "Seams came apart", "Sam")).unwrap();
        assert_eq!(words.status(), ReviewStatus::Pending);
    }

    #[test]
    fn each_problem_is_told_by_its_field() {
        let errors = check_review(&draft(0, "Title", "", "me@example.com")).unwrap_err();
        let fields: Vec<Field> = errors.into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![Field::Stars, Field::ReviewText, Field::ReviewName]
        );
        let long = "x".repeat(TEXT_MAX + 1);
        assert_eq!(
            check_review(&draft(5, "", &long, "")).unwrap_err()[0].field,
            Field::ReviewText
        );
        assert!(check_review(&draft(5, "", &"é".repeat(TEXT_MAX), "")).is_ok());
        assert!(check_rejection("  ").is_err());
        assert_eq!(
            check_rejection(" Names a person ").unwrap(),
            "Names a person"
        );
    }

    #[test]
    fn averages_round_half_up_in_tenths() {
        let s = |v: &[u8]| RatingSummary::from_stars(v.iter().map(|&n| Stars::new(n).unwrap()));
        assert_eq!(s(&[]).average_tenths(), 0);
        assert_eq!(s(&[]).average_label(), None);
        assert_eq!(s(&[5, 4]).average_tenths(), 45);
        assert_eq!(s(&[5, 4, 4]).average_tenths(), 43); // 4.333…
        assert_eq!(s(&[5, 5, 4]).average_tenths(), 47); // 4.666…
        assert_eq!(s(&[1, 2]).average_label().unwrap(), "1.5 out of 5");
        assert_eq!(s(&[3]).count_label(), "from 1 rating");
        assert_eq!(s(&[3, 3]).by_stars, [0, 0, 2, 0, 0]);
    }

    #[test]
    fn the_follow_up_waits_the_owners_days() {
        assert_eq!(follow_up_at(1_000, 0), 1_000);
        assert_eq!(follow_up_at(1_000, FOLLOW_UP_DAYS), 1_000 + 30 * 86_400);
    }

    proptest! {
        #[test]
        fn the_average_lies_between_the_lowest_and_highest_rating(v in proptest::collection::vec(1u8..=5, 1..200)) {
            let summary = RatingSummary::from_stars(v.iter().map(|&n| Stars::new(n).unwrap()));
            let t = summary.average_tenths();
            let lo = u32::from(*v.iter().min().unwrap()) * 10;
            let hi = u32::from(*v.iter().max().unwrap()) * 10;
            prop_assert!(lo <= t && t <= hi);
            prop_assert_eq!(summary.count as usize, v.len());
            prop_assert_eq!(summary.by_stars.iter().sum::<u32>() as usize, v.len());
            // Within half a tenth of the exact mean.
            let exact = v.iter().map(|&n| f64::from(n)).sum::<f64>() / v.len() as f64 * 10.0;
            prop_assert!((f64::from(t) - exact).abs() <= 0.5 + 1e-9);
        }
    }
}
