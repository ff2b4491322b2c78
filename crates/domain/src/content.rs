//! Words the shop owner edits without touching code: `content/help.json` holds the
//! contact details, opening hours, quick answers, help for each kind of page and the
//! return policy. The server reads the file at start (`STOREFRONT_HELP`) and the browser
//! asks the server for it; the copy built into the app shows until that answer arrives.
//!
//! Facts that a rule decides (the delivery cut-off, prices, transit days) are never typed
//! into the file: it names them as placeholders (`{cut_off}`, `{standard_price}`, …, see
//! [`RULE_PLACEHOLDERS`]) and [`HelpContent::parse`] fills them from the rules, so the
//! answers change when the rules do. A placeholder the shop doesn't know is refused.

use crate::delivery::{cut_off_label, STANDARD_TRANSIT_DAYS};
use crate::hours::{OpeningRow, WeeklyHours};
use crate::page_kind::PageKind;
use crate::pricing::{EXPRESS_DELIVERY, FREE_DELIVERY_FROM, STANDARD_DELIVERY};
use crate::returns::{FAULTY_RETURN_DAYS, HYGIENE_KINDS, REFUND_WORKING_DAYS, RETURN_DAYS};
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

/// The placeholders the help file may use, each with the rule's words for it now.
pub fn rule_placeholders() -> [(&'static str, String); 9] {
    let (fewest, most) = STANDARD_TRANSIT_DAYS;
    [
        ("{return_days}", format!("{RETURN_DAYS} days")),
        ("{faulty_return_days}", format!("{FAULTY_RETURN_DAYS} days")),
        (
            "{refund_days}",
            format!("{REFUND_WORKING_DAYS} working days"),
        ),
        (
            "{faulty_only_kinds}",
            HYGIENE_KINDS
                .iter()
                .map(|(_, words)| *words)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("{cut_off}", cut_off_label()),
        ("{standard_price}", STANDARD_DELIVERY.to_string()),
        ("{express_price}", EXPRESS_DELIVERY.to_string()),
        ("{free_delivery_from}", FREE_DELIVERY_FROM.to_string()),
        ("{standard_days}", format!("{fewest} to {most}")),
    ]
}

/// The names of [`rule_placeholders`], for the README and error messages.
pub const RULE_PLACEHOLDERS: [&str; 9] = [
    "{return_days}",
    "{faulty_return_days}",
    "{refund_days}",
    "{faulty_only_kinds}",
    "{cut_off}",
    "{standard_price}",
    "{express_price}",
    "{free_delivery_from}",
    "{standard_days}",
];

/// `text` with every rule placeholder filled; an unknown `{…}` is an error.
fn fill_rules(text: &mut String, rules: &[(&'static str, String)]) -> Result<(), String> {
    for (name, value) in rules {
        if text.contains(name) {
            *text = text.replace(name, value);
        }
    }
    match (text.find('{'), text.find('}')) {
        (Some(a), Some(b)) if a < b => Err(format!(
            "unknown placeholder {} (known: {})",
            &text[a..=b],
            RULE_PLACEHOLDERS.join(", ")
        )),
        _ => Ok(()),
    }
}

impl HelpContent {
    /// The content built into this release.
    pub fn bundled() -> Self {
        Self::parse(include_str!("../../../content/help.json"))
            .expect("content/help.json is valid (tested)")
    }

    /// Reads and checks the owner's file: every field present, hours readable, rule
    /// placeholders filled from the rules (an unknown one is refused).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut help: Self = serde_json::from_slice(text.as_bytes()).map_err(|e| e.to_string())?;
        WeeklyHours::from_rows(&help.hours)?;
        let rules = rule_placeholders();
        let answers = help
            .faq
            .iter_mut()
            .chain(help.pages.iter_mut().flat_map(|p| p.answers.iter_mut()))
            .flat_map(|f| [&mut f.question, &mut f.answer]);
        let returns =
            std::iter::once(&mut help.returns.summary).chain(help.returns.points.iter_mut());
        for text in answers.chain(returns) {
            fill_rules(text, &rules)?;
        }
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
        use crate::search::{match_word, query_words, text_words};
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
        let help = HelpContent::parse(include_str!("../../../content/help.json")).unwrap();
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

    /// Every time, price and transit figure the help content states comes from the rule
    /// that decides it: the file holds placeholders only, and the filled answers carry
    /// the rules' words. Fails when someone types "2pm" or "£3.95" into the file.
    #[test]
    fn rule_figures_come_from_the_rules() {
        let raw: HelpContent =
            serde_json::from_slice(include_bytes!("../../../content/help.json")).unwrap();
        let texts: Vec<&String> = raw
            .faq
            .iter()
            .chain(raw.pages.iter().flat_map(|p| &p.answers))
            .flat_map(|f| [&f.question, &f.answer])
            .chain(std::iter::once(&raw.returns.summary))
            .chain(&raw.returns.points)
            .collect();
        for text in &texts {
            let typed_time = text
                .as_bytes()
                .windows(3)
                .any(|w| w[0].is_ascii_digit() && (&w[1..] == b"am" || &w[1..] == b"pm"));
            assert!(!typed_time, "a clock time typed by hand: {text}");
            assert!(!text.contains('£'), "a price typed by hand: {text}");
            assert!(
                !text.contains(" to 3 working"),
                "transit days typed by hand: {text}"
            );
            let typed_days = text
                .split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[0].chars().all(|c| c.is_ascii_digit()) && w[1].starts_with("day"));
            assert!(!typed_days, "a number of days typed by hand: {text}");
        }
        let help = HelpContent::bundled();
        let delivery = &help
            .faq
            .iter()
            .find(|f| f.question == "How much is delivery?")
            .unwrap()
            .answer;
        assert!(delivery.contains(&format!(
            "order before {}",
            crate::delivery::cut_off_label()
        )));
        assert!(delivery.contains(&STANDARD_DELIVERY.to_string()));
        assert!(delivery.contains(&EXPRESS_DELIVERY.to_string()));
        assert!(delivery.contains(&FREE_DELIVERY_FROM.to_string()));
        // The return policy says the returns rules' own figures and words.
        let policy = help.returns.points.join(" ");
        assert!(
            policy.contains(&format!("{RETURN_DAYS} days from delivery")),
            "{policy}"
        );
        assert!(policy.contains(&format!("within {FAULTY_RETURN_DAYS} days of delivery")));
        assert!(policy.contains(&format!("within {REFUND_WORKING_DAYS} working days")));
        for (kind, words) in HYGIENE_KINDS {
            assert!(policy.contains(&format!("{words} can only be sent back if faulty")));
            assert!(crate::returns::hygiene_item(&format!(
                "Fine Merino {kind} (3 Pack)"
            )));
        }
        assert!(policy
            .contains("Send back everything from an order and we refund its delivery charge too"));
        assert_eq!(crate::returns::refund_minor(1_000, 395, true), 1_395);
        assert_eq!(crate::returns::refund_minor(1_000, 395, false), 1_000);
        assert!(policy.contains("Returns are free"));
        // Exchanges are reserved when the return starts and sent once it is accepted
        // (the server's rule; tests/fulfilment/returns.rs holds it to this).
        assert!(policy.contains("we put the new one aside at once and send it, free, as soon as we've checked your return"));
        // Changing: what the answer promises is what the rule allows.
        let change = &help
            .faq
            .iter()
            .find(|f| f.question == "Can I change or cancel my order?")
            .unwrap()
            .answer;
        use crate::fulfilment::ShipmentStatus as S;
        assert!(change.contains("Yes, until it ships"));
        assert!(crate::changes::may_change(&[S::ToPack, S::Packed], 0).is_ok());
        assert!(change
            .contains("Items waiting for stock can change too, and keep their place in the queue"));
        assert!(crate::changes::may_change(&[], 1).is_ok());
        use crate::changes::{check_delivery, check_line, may_change, ChangeScope};
        assert!(change
            .contains("Once part of it has shipped you can still change or cancel what hasn't"));
        assert_eq!(
            may_change(&[S::Shipped, S::ToPack], 0),
            Ok(ChangeScope::Rest)
        );
        assert!(check_line(0, false, 2).is_ok() && check_line(1, true, 1).is_ok());
        assert!(change.contains("the address and delivery stay as they are"));
        assert!(check_delivery(ChangeScope::Rest, true, false).is_err());
        assert!(check_delivery(ChangeScope::Rest, false, true).is_err());
        assert!(crate::changes::may_cancel_rest(&[S::Shipped, S::ToPack], 0).is_ok());
        assert!(crate::changes::may_cancel_rest(&[S::Shipped], 1).is_ok());
        let arrive = &help.faq[0].answer;
        assert!(arrive.contains("1 to 3 working days"), "{arrive}");
        let all = serde_json::to_string(&help).unwrap();
        for name in RULE_PLACEHOLDERS {
            assert!(!all.contains(name), "{name} left unfilled");
        }
    }

    #[test]
    fn unknown_placeholders_are_refused() {
        let typo = include_str!("../../../content/help.json").replacen("{cut_off}", "{cutoff}", 1);
        let err = HelpContent::parse(&typo).unwrap_err();
        assert!(err.contains("{cutoff}"), "{err}");
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(HelpContent::parse("{}").is_err());
        let bad_hours =
            include_str!("../../../content/help.json").replace("\"08:00\"", "\"8 o'clock\"");
        assert!(HelpContent::parse(&bad_hours).is_err());
    }
}
