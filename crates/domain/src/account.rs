//! A customer's account, reached by a link mailed to their address instead of a password:
//! how long a link and a session last, how often a link may be asked for, and the words
//! the shop says about it. Every sentence here is derived from the numbers beside it.

use crate::rate::RateLimit;

/// A sign-in link works once, within this many minutes of being asked for.
pub const LINK_MINUTES: i64 = 20;
/// A session started by a link lasts this many days (or until "Sign out").
pub const SESSION_DAYS: i64 = 30;
/// Links asked for one email address, per hour: enough to ask again when one went astray,
/// too few to fill a stranger's inbox.
pub const LINKS_PER_ADDRESS: RateLimit = RateLimit {
    max: 3,
    per_seconds: 3_600,
};
/// Links asked for from one sender (network address), per hour, whatever the addresses.
pub const LINKS_PER_SENDER: RateLimit = RateLimit {
    max: 10,
    per_seconds: 3_600,
};

/// A session's length in seconds.
pub fn session_seconds() -> i64 {
    SESSION_DAYS * 86_400
}

/// The oldest moment (unix seconds) a link may have been asked for and still work at `now`.
pub fn oldest_valid_link(now: i64) -> i64 {
    now - LINK_MINUTES * 60
}

/// Whether a link asked for at `asked_at` and used (or not) at `used_at` signs in at `now`.
pub fn link_works(asked_at: i64, used_at: Option<i64>, now: i64) -> bool {
    used_at.is_none() && asked_at > oldest_valid_link(now) && asked_at <= now
}

/// What the shop answers to every request for a link, whether or not the address has
/// ordered before (every address gets its link): it tells a guesser nothing.
pub fn link_sent_answer() -> String {
    format!(
        "Thank you. We've emailed a sign-in link to that address: it should arrive within a few minutes, and it works once, within {LINK_MINUTES} minutes. Nothing there? Check the address and ask again."
    )
}

/// What a link that can't be used (already used, too old, or never ours) says.
pub fn link_refused() -> String {
    format!(
        "This sign-in link can't be used: each link works once, within {LINK_MINUTES} minutes. Ask for a new one below and we'll email it straight away."
    )
}

/// Whether offers may be mailed: some consent given (`given_at`) and not withdrawn
/// (`withdrawn_at`). A withdrawal ends every consent given before it.
pub fn sends_offers(consents: &[(i64, Option<i64>)]) -> bool {
    consents.iter().any(|(_, withdrawn)| withdrawn.is_none())
}

/// The mail carrying a link.
pub fn link_mail(link: &str) -> (String, String) {
    (
        "Your sign-in link for Storefront".to_owned(),
        format!(
            "Hello,\n\nHere is the link to sign in to your Storefront account, as asked for on our website:\n\n{link}\n\n\
             It works once, within {LINK_MINUTES} minutes. After signing in you stay signed in on that device for {SESSION_DAYS} days, or until you sign out.\n\n\
             Didn't ask for this? You can ignore this email: nobody can sign in without the link, and nothing has changed.\n\n\
             Storefront"
        ),
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_link_works_once_within_its_minutes() {
        let asked = 1_000_000;
        assert!(link_works(asked, None, asked));
        assert!(link_works(asked, None, asked + LINK_MINUTES * 60 - 1));
        assert!(!link_works(asked, None, asked + LINK_MINUTES * 60));
        assert!(!link_works(asked, Some(asked + 5), asked + 10));
        // A link from the future (a clock gone back) is not trusted.
        assert!(!link_works(asked + 60, None, asked));
    }

    #[test]
    fn the_words_say_the_numbers_the_rules_use() {
        for words in [link_sent_answer(), link_refused(), link_mail("x").1] {
            assert!(
                words.contains(&format!("within {LINK_MINUTES} minutes")),
                "{words}"
            );
        }
        assert!(link_mail("x").1.contains(&format!("{SESSION_DAYS} days")));
        assert_eq!(session_seconds(), SESSION_DAYS * 24 * 3_600);
    }

    #[test]
    fn offers_only_while_a_consent_stands() {
        assert!(!sends_offers(&[]));
        assert!(sends_offers(&[(10, None)]));
        assert!(!sends_offers(&[(10, Some(20))]));
        assert!(sends_offers(&[(10, Some(20)), (30, None)]));
    }

    proptest! {
        #[test]
        fn the_cutoff_and_the_check_agree(asked in 0i64..10_000, now in 0i64..10_000) {
            prop_assert_eq!(
                link_works(asked, None, now),
                asked > oldest_valid_link(now) && asked <= now
            );
        }
    }
}
