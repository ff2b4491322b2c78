//! Words the shop owner edits without touching code: `content/help.json` holds the
//! contact details, opening hours, quick answers and the return policy.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct HelpContent {
    pub phone_display: String,
    /// The number as dialled, for `tel:` links (`+441134960000`).
    pub phone_tel: String,
    pub email: String,
    pub hours: Vec<String>,
    pub faq: Vec<Faq>,
    pub returns: ReturnsPolicy,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReturnsPolicy {
    pub title: String,
    pub summary: String,
    pub points: Vec<String>,
}

impl HelpContent {
    /// The content built into this release.
    pub fn bundled() -> Self {
        serde_json::from_str(include_str!("../content/help.json"))
            .expect("content/help.json is valid (tested)")
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn bundled_help_content_is_complete() {
        let help: HelpContent = serde_json::from_str(include_str!("../content/help.json")).unwrap();
        assert!(
            help.phone_tel.starts_with('+')
                && help.phone_tel[1..].chars().all(|c| c.is_ascii_digit())
        );
        assert!(help.email.contains('@'));
        assert!(!help.hours.is_empty());
        assert!(help.faq.len() >= 3);
        assert!(!help.returns.points.is_empty());
    }
}
