//! Words the shop owner edits without touching code: `content/help.json` holds the
//! contact details, opening hours, quick answers, help for each kind of page and the
//! return policy. The server reads the file at start (`STOREFRONT_HELP`) and the browser
//! asks the server for it; the copy built into the app shows until that answer arrives.

use crate::domain::help::{OpeningRow, PageKind, WeeklyHours};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpContent {
    pub phone_display: String,
    /// The number as dialled, for `tel:` links (`+441134960000`).
    pub phone_tel: String,
    pub email: String,
    /// When the phones and the chat are staffed, UK time.
    pub hours: Vec<OpeningRow>,
    pub faq: Vec<Faq>,
    /// Answers for the page the shopper is on.
    pub pages: Vec<PageHelp>,
    pub returns: ReturnsPolicy,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// Help for one kind of page (`page` is a [`PageKind::key`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageHelp {
    pub page: String,
    pub title: String,
    pub answers: Vec<Faq>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnsPolicy {
    pub title: String,
    pub summary: String,
    pub points: Vec<String>,
}

impl HelpContent {
    /// The content built into this release.
    pub fn bundled() -> Self {
        Self::parse(include_str!("../content/help.json"))
            .expect("content/help.json is valid (tested)")
    }

    /// Reads and checks the owner's file: every field present, hours readable.
    pub fn parse(text: &str) -> Result<Self, String> {
        let help: Self = serde_json::from_str(text).map_err(|e| e.to_string())?;
        WeeklyHours::from_rows(&help.hours)?;
        Ok(help)
    }

    /// The opening hours to compute with (none if the rows do not read).
    pub fn weekly_hours(&self) -> WeeklyHours {
        WeeklyHours::from_rows(&self.hours)
            .unwrap_or_else(|_| WeeklyHours::from_rows(&[]).expect("no rows always reads"))
    }

    /// "Monday to Friday, 8am to 8pm; Saturday, 9am to 5pm; …".
    pub fn hours_text(&self) -> String {
        self.hours
            .iter()
            .map(OpeningRow::label)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The help for the page at `path`, falling back to the general section.
    pub fn for_page(&self, path: &str) -> Option<&PageHelp> {
        let key = PageKind::of_path(path).key();
        self.pages
            .iter()
            .find(|p| p.page == key)
            .or_else(|| self.pages.iter().find(|p| p.page == "other"))
    }

    /// Quick answers (general and per page) with every word of `query` in the question
    /// or the answer, forgiving a typo the way product search does; answers whose
    /// question has more of the words come first, and no question is listed twice.
    pub fn search(&self, query: &str) -> Vec<&Faq> {
        use crate::domain::search::{match_word, query_words, text_words};
        let words = query_words(query);
        let has = |text: &[String], i: usize, w: &String| {
            let is_last = i + 1 == words.len();
            text.iter().any(|t| match_word(w, t, is_last).is_some())
        };
        let mut seen = Vec::<&str>::new();
        let mut found: Vec<(usize, &Faq)> = self
            .faq
            .iter()
            .chain(self.pages.iter().flat_map(|p| &p.answers))
            .filter_map(|f| {
                let question = text_words(&f.question);
                let all = text_words(&format!("{} {}", f.question, f.answer));
                let matches = words.iter().enumerate().all(|(i, w)| has(&all, i, w));
                let in_question = words
                    .iter()
                    .enumerate()
                    .filter(|(i, w)| has(&question, *i, w))
                    .count();
                (matches && !seen.contains(&f.question.as_str())).then(|| {
                    seen.push(&f.question);
                    (in_question, f)
                })
            })
            .collect();
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        found.into_iter().map(|(_, f)| f).collect()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn bundled_help_content_is_complete() {
        let help = HelpContent::parse(include_str!("../content/help.json")).unwrap();
        assert!(
            help.phone_tel.starts_with('+')
                && help.phone_tel[1..].chars().all(|c| c.is_ascii_digit())
        );
        assert!(help.email.contains('@'));
        assert_eq!(help.hours.len(), 3);
        assert!(help.faq.len() >= 3);
        assert!(!help.returns.points.is_empty());
        for kind in [
            "home", "browse", "product", "cart", "checkout", "order", "returns", "other",
        ] {
            assert!(
                help.pages.iter().any(|p| p.page == kind),
                "no help for {kind}"
            );
        }
        assert!(help
            .hours_text()
            .starts_with("Monday to Friday, 8am to 8pm; Saturday"));
    }

    #[test]
    fn page_help_fits_the_page() {
        let help = HelpContent::bundled();
        let checkout = help.for_page("/checkout/payment").unwrap();
        let questions: Vec<&str> = checkout
            .answers
            .iter()
            .map(|a| a.question.as_str())
            .collect();
        assert!(questions.contains(&"How does billing work?"));
        assert!(questions.contains(&"When is my card charged?"));
        assert!(questions.contains(&"What does the receipt contain?"));
        assert!(help.for_page("/p/linen-shirt").unwrap().answers[0]
            .question
            .contains("size"));
        assert!(help.for_page("/orders/SF-1").unwrap().answers[0]
            .question
            .contains("change"));
        assert_eq!(help.for_page("/somewhere").unwrap().page, "other");
    }

    #[test]
    fn faq_search_matches_every_word() {
        let help = HelpContent::bundled();
        let found = help.search("card CHAGRED");
        assert_eq!(found[0].question, "When is my card charged?");
        let mut questions: Vec<&str> = found.iter().map(|f| f.question.as_str()).collect();
        questions.sort_unstable();
        questions.dedup();
        assert_eq!(questions.len(), found.len(), "no question twice");
        assert!(help.search("refund").len() >= 2);
        assert!(help.search("zebra crossing").is_empty());
        assert_eq!(help.search("").len(), help.search(" ").len());
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(HelpContent::parse("{}").is_err());
        let bad_hours = include_str!("../content/help.json").replace("\"08:00\"", "\"8 o'clock\"");
        assert!(HelpContent::parse(&bad_hours).is_err());
    }
}
