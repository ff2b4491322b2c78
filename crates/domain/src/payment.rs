//! Card details as typed, checked in the browser as the shopper types and again by the
//! gateway: number (Luhn), brand, expiry, security code. The shop keeps only the brand,
//! the last four digits and the gateway's token, never the number.

use super::date::CalendarDate;
use super::validation::{Field, FieldError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Card schemes the shop accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
}

impl CardBrand {
    pub fn name(self) -> &'static str {
        match self {
            Self::Visa => "Visa",
            Self::Mastercard => "Mastercard",
            Self::Amex => "American Express",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Visa, Self::Mastercard, Self::Amex]
            .into_iter()
            .find(|b| b.name() == name)
    }

    fn number_length(self) -> usize {
        match self {
            Self::Amex => 15,
            _ => 16,
        }
    }

    fn cvc_length(self) -> usize {
        match self {
            Self::Amex => 4,
            _ => 3,
        }
    }

    /// The brand a card number starts like.
    pub fn of(digits: &str) -> Option<Self> {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        if digits.starts_with('4') {
            Some(Self::Visa)
        } else if matches!(prefix(2), Some(51..=55)) || matches!(prefix(4), Some(2221..=2720)) {
            Some(Self::Mastercard)
        } else if matches!(prefix(2), Some(34 | 37)) {
            Some(Self::Amex)
        } else {
            None
        }
    }
}

/// The Luhn check every card number passes.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// The card form as typed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardEntry {
    pub name: String,
    pub number: String,
    /// `MM/YY`.
    pub expiry: String,
    pub cvc: String,
}

/// Never prints the number or the security code.
impl fmt::Debug for CardEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardEntry")
            .field("name", &self.name)
            .field("number", &"<hidden>")
            .finish_non_exhaustive()
    }
}

/// A card that passed every check.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckedCard {
    pub name: String,
    /// Digits only.
    pub number: String,
    pub brand: CardBrand,
    pub expiry_month: u8,
    pub expiry_year: i32,
}

impl CheckedCard {
    pub fn last4(&self) -> String {
        self.number[self.number.len() - 4..].to_owned()
    }
}

impl fmt::Debug for CheckedCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ending {}", self.brand.name(), self.last4())
    }
}

/// What the shop keeps of a card: enough to say which card it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardOnFile {
    pub brand: CardBrand,
    pub last4: String,
}

impl fmt::Display for CardOnFile {
    /// "Visa ending 4242".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ending {}", self.brand.name(), self.last4)
    }
}

/// The card number's digits; spaces and dashes as typed are fine.
fn digits_of(number: &str) -> Option<String> {
    let digits: String = number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    digits.bytes().all(|b| b.is_ascii_digit()).then_some(digits)
}

/// `MM/YY` (or `MM/YYYY`, `MM YY`) as month and four-digit year.
fn parse_expiry(text: &str) -> Option<(u8, i32)> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (month, year) = compact
        .split_once('/')
        .or_else(|| (compact.len() == 4).then(|| compact.split_at(2)))?;
    let month: u8 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    let year: i32 = match year.len() {
        2 => 2000 + year.parse::<i32>().ok()?,
        4 => year.parse().ok()?,
        _ => return None,
    };
    Some((month, year))
}

/// Checks every card field, reporting each problem against its field.
pub fn check_card(card: &CardEntry, today: CalendarDate) -> Result<CheckedCard, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = card.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            Field::CardName,
            "Please enter the name as it appears on the card.",
        ));
    }
    let number = digits_of(&card.number).unwrap_or_default();
    let brand = CardBrand::of(&number);
    match brand {
        _ if card.number.trim().is_empty() => errors.push(FieldError::new(
            Field::CardNumber,
            "Please enter your card number.",
        )),
        None => errors.push(FieldError::new(
            Field::CardNumber,
            "We take Visa, Mastercard and American Express. Please check the number.",
        )),
        Some(b) if number.len() != b.number_length() || !luhn_valid(&number) => {
            errors.push(FieldError::new(
                Field::CardNumber,
                "That card number isn't quite right. Please check it.",
            ))
        }
        Some(_) => {}
    }
    let expiry = parse_expiry(&card.expiry);
    match expiry {
        None => errors.push(FieldError::new(
            Field::CardExpiry,
            "Please enter the expiry date as MM/YY, like 08/29.",
        )),
        Some((month, year)) if (year, month) < (today.year, today.month) => {
            errors.push(FieldError::new(
                Field::CardExpiry,
                "This card has expired. Please use another card.",
            ))
        }
        Some((_, year)) if year > today.year + 20 => errors.push(FieldError::new(
            Field::CardExpiry,
            "Please check the expiry year.",
        )),
        Some(_) => {}
    }
    let cvc = card.cvc.trim();
    let cvc_length = brand.map_or(3, CardBrand::cvc_length);
    if cvc.len() != cvc_length || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(FieldError::new(
            Field::CardCvc,
            format!("Please enter the {cvc_length}-digit security code from the card."),
        ));
    }
    match (errors.is_empty(), brand, expiry) {
        (true, Some(brand), Some((expiry_month, expiry_year))) => Ok(CheckedCard {
            name,
            number,
            brand,
            expiry_month,
            expiry_year,
        }),
        _ => Err(errors),
    }
}

/// How the built-in test gateway answers a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestCardBehaviour {
    Approve,
    Decline,
    InsufficientFunds,
    /// The bank asks the shopper to confirm the payment first (3-D Secure).
    AuthenticationRequired,
    /// Approved, but the answer takes [`SLOW_BANK_SECONDS`] to come back (for trying
    /// out what happens when a connection drops or the shop stops mid-payment).
    SlowApprove,
}

/// How long the test gateway takes to answer for [`TestCardBehaviour::SlowApprove`].
pub const SLOW_BANK_SECONDS: u64 = 3;

impl TestCardBehaviour {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Decline => "decline",
            Self::InsufficientFunds => "insufficient_funds",
            Self::AuthenticationRequired => "authentication_required",
            Self::SlowApprove => "slow_approve",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Approve,
            Self::Decline,
            Self::InsufficientFunds,
            Self::AuthenticationRequired,
            Self::SlowApprove,
        ]
        .into_iter()
        .find(|b| b.as_str() == text)
    }
}

/// The test gateway's documented cards (any future expiry date, any security code).
/// Every other valid number is approved.
pub const TEST_CARDS: &[(&str, TestCardBehaviour, &str)] = &[
    (
        "4242 4242 4242 4242",
        TestCardBehaviour::Approve,
        "Visa, approved",
    ),
    (
        "5555 5555 5555 4444",
        TestCardBehaviour::Approve,
        "Mastercard, approved",
    ),
    (
        "4000 0000 0000 0002",
        TestCardBehaviour::Decline,
        "declined",
    ),
    (
        "4000 0000 0000 9995",
        TestCardBehaviour::InsufficientFunds,
        "declined: insufficient funds",
    ),
    (
        "4000 0027 6000 3184",
        TestCardBehaviour::AuthenticationRequired,
        "asks you to confirm with your bank",
    ),
    (
        "4000 0000 0000 0077",
        TestCardBehaviour::SlowApprove,
        "approved, but the bank takes 3 seconds to answer",
    ),
];

/// How the test gateway treats this (checked) card number.
pub fn test_card_behaviour(number: &str) -> TestCardBehaviour {
    TEST_CARDS
        .iter()
        .find(|(n, _, _)| n.replace(' ', "") == number)
        .map_or(TestCardBehaviour::Approve, |(_, b, _)| *b)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> CalendarDate {
        CalendarDate::new(2026, 11, 22).unwrap()
    }

    fn entry(number: &str, expiry: &str, cvc: &str) -> CardEntry {
        CardEntry {
            name: "Ada Lovelace".into(),
            number: number.into(),
            expiry: expiry.into(),
            cvc: cvc.into(),
        }
    }

    #[test]
    fn every_test_card_is_a_valid_card() {
        for (number, behaviour, _) in TEST_CARDS {
            let card = check_card(&entry(number, "12/30", "123"), today()).unwrap();
            assert_eq!(test_card_behaviour(&card.number), *behaviour, "{number}");
        }
        assert_eq!(
            test_card_behaviour("4012888888881881"),
            TestCardBehaviour::Approve
        );
    }

    #[test]
    fn the_slow_cards_words_say_how_slow_it_is() {
        let (_, _, what) = TEST_CARDS
            .iter()
            .find(|(_, b, _)| *b == TestCardBehaviour::SlowApprove)
            .unwrap();
        assert!(
            what.contains(&format!("{SLOW_BANK_SECONDS} seconds")),
            "{what}"
        );
    }

    #[test]
    fn brands_and_last_four() {
        let visa = check_card(&entry("4242-4242-4242-4242", "11/26", "123"), today()).unwrap();
        assert_eq!(
            (visa.brand, visa.last4().as_str()),
            (CardBrand::Visa, "4242")
        );
        assert_eq!(format!("{visa:?}"), "Visa ending 4242");
        let amex = check_card(&entry("3782 822463 10005", "01/27", "1234"), today()).unwrap();
        assert_eq!(amex.brand, CardBrand::Amex);
        assert_eq!(
            CardBrand::of("2223003122003222"),
            Some(CardBrand::Mastercard)
        );
        assert_eq!(CardBrand::of("6011111111111117"), None);
        let shown = format!("{:?}", entry("4242424242424242", "12/30", "123"));
        assert!(!shown.contains("4242"), "{shown}");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = CardEntry {
            name: " ".into(),
            number: "4242 4242 4242 4241".into(),
            expiry: "10/26".into(),
            cvc: "12".into(),
        };
        let fields: Vec<Field> = check_card(&bad, today())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                Field::CardName,
                Field::CardNumber,
                Field::CardExpiry,
                Field::CardCvc
            ]
        );
        // This month still counts; a 3-digit code is wrong for Amex.
        assert!(check_card(&entry("4242424242424242", "11/26", "123"), today()).is_ok());
        assert!(check_card(&entry("378282246310005", "11/26", "123"), today()).is_err());
        for expiry in ["", "13/27", "1/2", "00/30", "12/3000"] {
            assert!(
                check_card(&entry("4242424242424242", expiry, "123"), today()).is_err(),
                "{expiry}"
            );
        }
        assert!(check_card(&entry("4242424242424242", "1230", "123"), today()).is_ok());
    }

    proptest! {
        #[test]
        fn one_wrong_digit_is_always_caught(digits in "[0-9]{15}", position in 0usize..16, delta in 1u8..10) {
            // Complete a random number with its Luhn check digit, then change one digit.
            let check = (0..10u8).find(|d| luhn_valid(&format!("{digits}{d}"))).unwrap();
            let good = format!("{digits}{check}");
            prop_assert!(luhn_valid(&good));
            let mut bytes = good.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            prop_assert!(!luhn_valid(&String::from_utf8(bytes).unwrap()));
        }
    }
}
