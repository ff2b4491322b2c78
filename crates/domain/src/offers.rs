//! Mail the customer asked for: the monthly offers mail (only to someone who confirmed
//! they want it, at most once in the owner's number of days, and only when there is
//! something for them in it) and "tell me if it goes on sale".
//!
//! The offers mail is composed per person from what they bought and saved: lower prices
//! on what they saved, what they saved that is back in stock, new arrivals in the
//! categories they buy from, and picks from what they and people who bought the same
//! things bought. Every one carries a one-click way out.

use crate::account::sends_offers;
use crate::money::Money;

/// Days between two offers mails to one person, unless the owner sets
/// `STOREFRONT_OFFERS_EVERY_DAYS`: about monthly.
pub const EVERY_DAYS: u32 = 30;

/// The owner's cap may be set from a month to a year (the offers box at checkout
/// promises no more than one every 30 days).
pub const EVERY_DAYS_RANGE: std::ops::RangeInclusive<u32> = 30..=365;

/// Items in one section of the mail, at most.
pub const PER_SECTION: usize = 4;

/// The words a shopper ticks to be told of a lower price.
pub const PRICE_WATCH_CONSENT: &str = "Email me when its price goes down (after I confirm with the link you send now). Nothing else; one click in any of those emails stops them.";

/// Seconds in `days` days.
pub fn days(days: u32) -> i64 {
    i64::from(days) * 24 * 60 * 60
}

/// Whether the run that started at `run_at` mails this person: a confirmed consent not
/// withdrawn (each consent's (confirmed, withdrawn at), as [`sends_offers`] reads them),
/// and no offers mail from a run that started less than `every_days` before.
pub fn gets_offers(
    consents: &[(bool, Option<i64>)],
    last_run_at: Option<i64>,
    run_at: i64,
    every_days: u32,
) -> bool {
    sends_offers(consents) && last_run_at.is_none_or(|last| run_at - last >= days(every_days))
}

/// When the run after one that started at `started_at` is due.
pub fn next_run_at(started_at: i64, every_days: u32) -> i64 {
    started_at + days(every_days)
}

/// One product in the mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub name: String,
    /// The product page's path (`/p/…`).
    pub path: String,
    pub price: Money,
    /// The price it was when saved, where it is lower now.
    pub was: Option<Money>,
}

/// What one person's mail may say, each list best first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sections {
    /// Saved items whose price is lower than when they were saved.
    pub lower_prices: Vec<Offer>,
    /// Saved items in stock again, sold out when last looked at.
    pub back_in_stock: Vec<Offer>,
    /// New in the categories they buy from, in stock.
    pub new_arrivals: Vec<Offer>,
    /// From their purchases and similar customers', in stock.
    pub picked: Vec<Offer>,
}

/// The headings, in the order the mail shows them.
pub const HEADINGS: [&str; 4] = [
    "Lower prices on what you saved",
    "Back in stock, from what you saved",
    "New in what you buy",
    "Picked for you",
];

/// The mail for one person (subject, body), or `None` when there is nothing for them:
/// no mail is better than an empty one. No product is shown twice (the first section
/// that has it keeps it) and each section shows at most [`PER_SECTION`].
pub fn compose(
    sections: &Sections,
    shop_url: &str,
    unsubscribe_link: &str,
    every_days: u32,
) -> Option<(String, String)> {
    let shop = shop_url.trim_end_matches('/');
    let mut shown: Vec<&str> = Vec::new();
    let mut parts: Vec<(&str, Vec<&Offer>)> = Vec::new();
    let lists = [
        &sections.lower_prices,
        &sections.back_in_stock,
        &sections.new_arrivals,
        &sections.picked,
    ];
    for (heading, list) in HEADINGS.iter().zip(lists) {
        let mut picked = Vec::new();
        for offer in list {
            if picked.len() == PER_SECTION {
                break;
            }
            if !shown.contains(&offer.path.as_str()) {
                shown.push(&offer.path);
                picked.push(offer);
            }
        }
        if !picked.is_empty() {
            parts.push((heading, picked));
        }
    }
    let (first_heading, first) = parts.first()?;
    let subject = match first.first() {
        Some(top) if top.was.is_some() => format!("{} is now {}", top.name, top.price),
        Some(top) if *first_heading == HEADINGS[1] => format!("{} is back in stock", top.name),
        _ => "This month at Storefront, chosen for you".to_owned(),
    };
    let mut body = String::from(
        "Hello,\n\nA few things from Storefront this month, chosen from what you've bought and saved.\n",
    );
    for (heading, offers) in &parts {
        body.push_str(&format!("\n{heading}\n"));
        for offer in offers {
            let price = match offer.was {
                Some(was) => format!("now {} (was {was})", offer.price),
                None => offer.price.to_string(),
            };
            body.push_str(&format!(
                "- {}, {price}: {shop}{}\n",
                offer.name, offer.path
            ));
        }
    }
    body.push_str(&format!(
        "\nPrices and stock are as they were when we wrote this; the product page always has the latest.\n\n\
         You get this because you asked for offers by email. We send at most one every {every_days} days and never share your address.\n\
         Stop them in one click: {unsubscribe_link}\n\
         (or from your account: {shop}/account)\n\nStorefront\n"
    ));
    Some((subject, body))
}

/// The mail telling a watcher of a lower price: (subject, body). `told` is the price
/// they asked at (`first`), else the one the last of these mails gave.
pub fn price_drop_mail(
    name: &str,
    link: &str,
    now: Money,
    told: Money,
    first: bool,
    stop_link: &str,
) -> (String, String) {
    let since = if first {
        "when you asked us to watch it"
    } else {
        "in our last email about it"
    };
    (
        format!("{name} is now {now}"),
        format!(
            "Hello,\n\nThe {name} is now {now}: it was {told} {since}.\n\nSee it here: {link}\n\n\
             Prices can change again, so we can't hold this one for you. We'll email you again only if it goes lower still.\n\
             Stop these emails in one click: {stop_link}\n\nStorefront\n"
        ),
    )
}

/// Whether a watcher told of `told` hears about the price going to `now`.
pub fn tells_watcher(told: i64, now: i64) -> bool {
    now < told
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn offer(name: &str, price: i64, was: Option<i64>) -> Offer {
        Offer {
            name: name.to_owned(),
            path: format!("/p/{}", name.to_lowercase().replace(' ', "-")),
            price: Money::gbp(price),
            was: was.map(Money::gbp),
        }
    }

    #[test]
    fn nothing_to_say_means_no_mail() {
        assert_eq!(
            compose(&Sections::default(), "https://s", "https://s/u", 30),
            None
        );
    }

    #[test]
    fn the_mail_says_what_dropped_and_how_to_stop() {
        let sections = Sections {
            lower_prices: vec![offer("Wool Coat", 8_000, Some(10_000))],
            picked: vec![offer("Wool Coat", 8_000, None), offer("Scarf", 2_000, None)],
            ..Sections::default()
        };
        let (subject, body) =
            compose(&sections, "https://shop/", "https://shop/u?t=1", 30).unwrap();
        assert_eq!(subject, "Wool Coat is now £80.00");
        assert!(body.contains("- Wool Coat, now £80.00 (was £100.00): https://shop/p/wool-coat"));
        assert_eq!(body.matches("/p/wool-coat").count(), 1, "{body}");
        assert!(body.contains("Scarf"));
        assert!(body.contains("at most one every 30 days"));
        assert!(body.contains("https://shop/u?t=1"));
        assert!(
            !body.contains(HEADINGS[2]),
            "an empty section has no heading"
        );
    }

    #[test]
    fn the_cap_counts_from_the_last_run() {
        let yes = [(true, None)];
        assert!(gets_offers(&yes, None, 100, 30));
        assert!(!gets_offers(&yes, Some(100), 100 + days(29), 30));
        assert!(gets_offers(&yes, Some(100), next_run_at(100, 30), 30));
        assert!(!gets_offers(&[(false, None)], None, 100, 30));
        assert!(!gets_offers(&[(true, Some(50))], None, 100, 30));
    }

    #[test]
    fn a_watcher_hears_only_of_a_lower_price() {
        assert!(tells_watcher(1_000, 999));
        assert!(!tells_watcher(1_000, 1_000));
        assert!(!tells_watcher(1_000, 1_200));
    }

    fn offers() -> impl Strategy<Value = Vec<Offer>> {
        prop::collection::vec((0..8u8, 1..50_000i64, prop::option::of(1..50_000i64)), 0..7)
            .prop_map(|v| {
                v.into_iter()
                    .map(|(n, price, was)| offer(&format!("Item {n}"), price, was))
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn every_mail_is_short_distinct_and_can_be_stopped(
            lower in offers(), back in offers(), new in offers(), picked in offers(),
        ) {
            let sections = Sections { lower_prices: lower, back_in_stock: back, new_arrivals: new, picked };
            let any = !(sections.lower_prices.is_empty() && sections.back_in_stock.is_empty()
                && sections.new_arrivals.is_empty() && sections.picked.is_empty());
            let mail = compose(&sections, "https://s", "https://s/unsubscribe?token=x", 30);
            prop_assert_eq!(mail.is_some(), any);
            if let Some((_, body)) = mail {
                prop_assert!(body.contains("https://s/unsubscribe?token=x"));
                let lines: Vec<&str> = body.lines().filter(|l| l.starts_with("- ")).collect();
                prop_assert!(lines.len() <= 4 * PER_SECTION);
                let mut paths: Vec<&str> = lines.iter().map(|l| l.rsplit(' ').next().unwrap()).collect();
                let count = paths.len();
                paths.sort();
                paths.dedup();
                prop_assert_eq!(paths.len(), count, "a product shown twice");
            }
        }
    }
}
