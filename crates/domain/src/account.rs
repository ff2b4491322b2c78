//! A customer's account, reached by a link mailed to their address instead of a password:
//! how long a link and a session last, how often a link may be asked for, and the words
//! the shop says about it. Every sentence here is derived from the numbers beside it.

use crate::order::OrderStatus;
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

/// Whether offers may be mailed, given each consent's (confirmed, withdrawn at): some
/// consent confirmed by its address's owner and not withdrawn. A withdrawal ends every
/// consent given before it; an unconfirmed one never counts.
pub fn sends_offers(consents: &[(bool, Option<i64>)]) -> bool {
    consents
        .iter()
        .any(|(confirmed, withdrawn)| *confirmed && withdrawn.is_none())
}

/// "Send me offers" ticked at checkout counts only once the link mailed to the address is
/// opened, within this many days (anyone can type anyone's address).
pub const OFFERS_CONFIRM_DAYS: i64 = 7;

/// Said next to the offers box at checkout.
pub fn offers_confirm_note() -> String {
    format!(
        "Before we send any, we'll email you a link to confirm it's your address (it works for {OFFERS_CONFIRM_DAYS} days)."
    )
}

/// The mail asking to confirm offers.
pub fn offers_confirm_mail(link: &str) -> (String, String) {
    (
        "Please confirm: offers by email from Storefront".to_owned(),
        format!(
            "Hello,\n\nYou ticked \"Send me offers\" when ordering from Storefront. To start getting them, please open this link within {OFFERS_CONFIRM_DAYS} days:\n\n{link}\n\n\
             Didn't tick it, or changed your mind? Ignore this email and we won't send you any offers.\n\n\
             Storefront"
        ),
    )
}

/// What a used, too old or unknown confirm link says.
pub fn offers_link_refused() -> String {
    format!(
        "This link has already been used, or is more than {OFFERS_CONFIRM_DAYS} days old. You can ask for offers any time from your account."
    )
}

/// Whether a customer's personal data may be erased now, given their orders (number and
/// status) and the orders with a return not yet refunded or refused: not while an order
/// is still on its way, since its address and phone are what deliver it, nor while a
/// return is open, since its refund and its exchange are sent to them. Answers what to
/// say otherwise.
pub fn may_erase(orders: &[(String, OrderStatus)], open_returns: &[String]) -> Result<(), String> {
    if let Some(number) = open_returns.first() {
        return Err(format!(
            "Your return of order {number} is still open, and we need your details to refund or exchange it. You can delete your data once it's settled."
        ));
    }
    let open: Vec<&str> = orders
        .iter()
        .filter(|(_, s)| !matches!(s, OrderStatus::Delivered | OrderStatus::Cancelled))
        .map(|(n, _)| n.as_str())
        .collect();
    match open.as_slice() {
        [] => Ok(()),
        [one] => Err(format!(
            "Order {one} is still on its way, and we need your address and phone to deliver it. You can delete your data once it has arrived (or cancel it first, if it hasn't shipped)."
        )),
        many => Err(format!(
            "Orders {} are still on their way, and we need your address and phone to deliver them. You can delete your data once they have arrived (or cancel them first, if they haven't shipped).",
            many.join(", ")
        )),
    }
}

/// Why order records outlive an erasure, as the account page and the answer say it.
pub const KEPT_AFTER_ERASURE: &str = "We keep the records of the orders themselves (what was bought, when, for how much, and where it was sent from), without your name, email, phone or address, because the law requires a shop to keep its sales records.";

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

/// Addresses an account keeps for checkout; saving one more forgets the one used longest ago.
pub const MAX_SAVED_ADDRESSES: usize = 10;

/// What makes two saved addresses the same place for the same person: each part trimmed,
/// runs of spaces made one, letter case ignored, and the postcode's spaces dropped
/// ("ls1 4ap" and "LS1  4AP" are one address). Saving an address already kept refreshes
/// it instead of keeping a copy.
pub fn address_key(address: &crate::validation::Address, phone: &str) -> String {
    let words = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let postcode: String = address
        .postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    [
        words(&address.name),
        words(&address.line1),
        words(&address.line2),
        words(&address.city),
        postcode,
        address.country.trim().to_uppercase(),
        digits,
    ]
    .join("\u{1f}")
}

/// The size a product page starts on for a customer whose size in its category is
/// `preferred`: that size when the product comes in it, else none (the page keeps its
/// own first choice).
pub fn preselected_size<'a>(preferred: Option<&str>, offered: &'a [String]) -> Option<&'a str> {
    let preferred = preferred?.trim();
    offered
        .iter()
        .find(|s| s.eq_ignore_ascii_case(preferred))
        .map(String::as_str)
}

/// The account page's words about saved sizes and region (they follow the customer to
/// every device they sign in on).
pub const PREFERENCES_NOTE: &str = "Kept with your account: product pages start on your size when the product comes in it, and delivery dates are for your region, on every device where you open your account.";

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
    fn offers_only_while_a_confirmed_consent_stands() {
        assert!(!sends_offers(&[]));
        assert!(sends_offers(&[(true, None)]));
        assert!(!sends_offers(&[(false, None)]), "never before confirmation");
        assert!(!sends_offers(&[(true, Some(20))]));
        assert!(sends_offers(&[(true, Some(20)), (true, None)]));
        for words in [
            offers_confirm_note(),
            offers_confirm_mail("x").1,
            offers_link_refused(),
        ] {
            assert!(
                words.contains(&format!("{OFFERS_CONFIRM_DAYS} days")),
                "{words}"
            );
        }
    }

    #[test]
    fn data_stays_while_an_order_is_on_its_way() {
        let order = |n: &str, s| (n.to_owned(), s);
        assert!(may_erase(&[], &[]).is_ok());
        let done = [
            order("SF-1", OrderStatus::Delivered),
            order("SF-2", OrderStatus::Cancelled),
        ];
        assert!(may_erase(&done, &[]).is_ok());
        let said = may_erase(&done, &["SF-1".to_owned()]).unwrap_err();
        assert!(said.contains("return of order SF-1"), "{said}");
        for waiting in [
            OrderStatus::Placed,
            OrderStatus::Packed,
            OrderStatus::Shipped,
        ] {
            let said = may_erase(
                &[
                    order("SF-1", OrderStatus::Delivered),
                    order("SF-3", waiting),
                ],
                &[],
            )
            .unwrap_err();
            assert!(said.contains("SF-3") && !said.contains("SF-1"), "{said}");
        }
        let said = may_erase(
            &[
                order("SF-3", OrderStatus::Placed),
                order("SF-4", OrderStatus::Shipped),
            ],
            &[],
        )
        .unwrap_err();
        assert!(said.starts_with("Orders SF-3, SF-4 are"), "{said}");
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

    fn address(name: &str, line1: &str, postcode: &str) -> crate::validation::Address {
        crate::validation::Address {
            name: name.into(),
            line1: line1.into(),
            line2: String::new(),
            city: "Leeds".into(),
            postcode: postcode.into(),
            country: "GB".into(),
        }
    }

    #[test]
    fn an_address_typed_differently_is_the_same_address() {
        let a = address("Sam Jones", "1 High Street", "LS1 4AP");
        let b = address("  sam  jones ", "1 high   street", "ls14ap");
        assert_eq!(
            address_key(&a, "07700 900123"),
            address_key(&b, "077009 00123")
        );
        assert_ne!(
            address_key(&a, "07700 900123"),
            address_key(
                &address("Sam Jones", "2 High Street", "LS1 4AP"),
                "07700 900123"
            )
        );
        assert_ne!(
            address_key(&a, "07700 900123"),
            address_key(&a, "07700 900124")
        );
    }

    #[test]
    fn a_preferred_size_is_chosen_only_where_the_product_has_it() {
        let sizes: Vec<String> = ["S", "M", "L"].iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(preselected_size(Some("M"), &sizes), Some("M"));
        assert_eq!(preselected_size(Some(" m "), &sizes), Some("M"));
        assert_eq!(preselected_size(Some("XL"), &sizes), None);
        assert_eq!(preselected_size(None, &sizes), None);
        assert_eq!(preselected_size(Some("M"), &[]), None);
    }

    proptest! {
        #[test]
        fn the_address_key_ignores_case_and_spacing(
            name in "[A-Za-z]{1,8}( [A-Za-z]{1,8}){0,2}",
            line in "[0-9]{1,3} [A-Za-z]{1,10}",
            postcode in "[A-Z]{1,2}[0-9] ?[0-9][A-Z]{2}",
        ) {
            let plain = address(&name, &line, &postcode);
            let shouted = address(
                &format!("  {}  ", name.to_uppercase().replace(' ', "   ")),
                &line.to_lowercase(),
                &postcode.to_lowercase().replace(' ', ""),
            );
            prop_assert_eq!(address_key(&plain, "0113 496 0000"), address_key(&shouted, "01134960000"));
        }
    }
}
