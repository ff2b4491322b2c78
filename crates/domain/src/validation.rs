//! Checks on what the shopper types. The browser runs them as the shopper types, the
//! server runs them again before anything is written; both give the same words.

use super::cart::{CartLine, MAX_LINES, MAX_QUANTITY_PER_LINE};
use serde::{Deserialize, Serialize};

/// A country the shop delivers to, with the formats its addresses and phones use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country {
    pub code: &'static str,
    pub name: &'static str,
    /// What a postcode is called there, for the field's label.
    pub postcode_label: &'static str,
    pub postcode_example: &'static str,
    pub phone_example: &'static str,
    /// The international dialling code, without `+`.
    pub dialling_code: &'static str,
}

/// Countries the shop delivers to.
pub const SHIPPING_COUNTRIES: &[Country] = &[
    Country {
        code: "GB",
        name: "United Kingdom",
        postcode_label: "Postcode",
        postcode_example: "LS1 4AP",
        phone_example: "07700 900123",
        dialling_code: "44",
    },
    Country {
        code: "IE",
        name: "Ireland",
        postcode_label: "Eircode",
        postcode_example: "D02 X285",
        phone_example: "087 123 4567",
        dialling_code: "353",
    },
];

/// The delivery country with this code (`GB`, `ie`), if the shop delivers there.
pub fn shipping_country(code: &str) -> Option<&'static Country> {
    let code = code.trim();
    SHIPPING_COUNTRIES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
}

/// A form field or cart line a message belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    Email,
    Phone,
    Name,
    Line1,
    Line2,
    City,
    Postcode,
    Country,
    /// The whole cart (empty, too many lines).
    Cart,
    /// One cart line, by variant.
    Line(i64),
    /// The shopper's agreement that some items follow later.
    Backorder,
    /// The tick that allows a mail (stock alerts, offers).
    Consent,
    /// Standard or express delivery.
    DeliveryOption,
    CardName,
    CardNumber,
    CardExpiry,
    CardCvc,
    /// The payment as a whole: a declined card, a cancelled authentication.
    Payment,
    /// When a call-back should happen (day and window).
    CallTime,
    /// What a call-back or message is about.
    Topic,
    /// A chat message or a note.
    Message,
    /// An order number typed to find an order.
    OrderNumber,
    /// An order as a whole (cancelling it).
    Order,
    /// Staff: the carrier a parcel is handed to, and its tracking number.
    Carrier,
    Tracking,
    /// Staff: a product variant's SKU and a number of units.
    Sku,
    Quantity,
    /// A return: the units chosen to send back (by order line), and why.
    ReturnLine(i64),
    ReturnReason,
    /// Staff: a return's code, and why a return is refused.
    ReturnCode,
    RefuseReason,
    /// An account's region, and its size in a category.
    Region,
    Size,
    /// A review: its stars, title, words and the name shown with it.
    Stars,
    ReviewTitle,
    ReviewText,
    ReviewName,
}

/// A message for the shopper, next to the field it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The delivery address as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

impl Address {
    /// The address as it is written on a parcel, one line each: name, street lines,
    /// town, postcode and the country's name (blank lines left out). Pages show these
    /// lines; the receipt joins them with commas.
    pub fn lines(&self) -> Vec<String> {
        let country = shipping_country(&self.country).map_or(self.country.as_str(), |c| c.name);
        [
            self.name.as_str(),
            &self.line1,
            &self.line2,
            &self.city,
            &self.postcode,
            country,
        ]
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
    }
}

/// Everything guest checkout asks for about the shopper.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutDetails {
    pub email: String,
    /// For the courier, in the delivery country's format.
    pub phone: String,
    pub address: Address,
}

const MAX_TEXT: usize = 100;

/// A trimmed, sensible email address, or the message to show.
pub fn check_email(raw: &str) -> Result<String, String> {
    let email = raw.trim();
    if email.is_empty() {
        return Err("Please enter your email address so we can send your receipt.".into());
    }
    if email.len() > 254 {
        return Err("That email address is too long.".into());
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err("Please enter an email address like name@example.com.".into());
    };
    // The forms every mail server and the shop's mail library take: a dot-atom before the
    // `@` (letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~, single dots between),
    // and a host name of letter-digit-hyphen labels after it. (A test in the server holds
    // this to the mail library's own parser.)
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !domain_ok || !local_ok {
        return Err("Please enter an email address like name@example.com.".into());
    }
    Ok(email.to_owned())
}

/// A UK postcode, normalised to upper case with one space (`LS1 4AP`).
pub fn check_uk_postcode(raw: &str) -> Result<String, String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let msg = || "Please enter a UK postcode like LS1 4AP.".to_owned();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return Err(msg());
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let o = outward.as_bytes();
    let letters = o.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let rest = &o[letters..];
    let outward_ok = (1..=2).contains(&letters)
        && !rest.is_empty()
        && rest.len() <= 2
        && rest[0].is_ascii_digit()
        && rest[1..].iter().all(|b| b.is_ascii_alphanumeric());
    if inward_ok && outward_ok {
        Ok(format!("{outward} {inward}"))
    } else {
        Err(msg())
    }
}

/// An Irish Eircode, normalised to upper case with one space (`D02 X285`): a routing key
/// (a letter and two digits, or `D6W`) and four characters from the Eircode alphabet.
pub fn check_eircode(raw: &str) -> Result<String, String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    const UNIQUE: &str = "0123456789ACDEFHKNPRTVWXY";
    let ok = compact.len() == 7 && compact.is_ascii() && {
        let (key, id) = compact.split_at(3);
        let k = key.as_bytes();
        let key_ok = key == "D6W"
            || (k[0].is_ascii_alphabetic() && k[1].is_ascii_digit() && k[2].is_ascii_digit());
        key_ok && id.chars().all(|c| UNIQUE.contains(c))
    };
    if ok {
        Ok(format!("{} {}", &compact[..3], &compact[3..]))
    } else {
        Err("Please enter an Eircode like D02 X285.".into())
    }
}

/// The postcode in `country`'s format, normalised.
pub fn check_postcode(country: &Country, raw: &str) -> Result<String, String> {
    match country.code {
        "IE" => check_eircode(raw),
        _ => check_uk_postcode(raw),
    }
}

/// A phone number in `country`'s format (national, or international with `+` or `00`),
/// normalised to the international form `+447700900123`.
pub fn check_phone(country: &Country, raw: &str) -> Result<String, String> {
    let message = || {
        format!(
            "Please enter a phone number in {} like {}, so the courier can reach you.",
            country.name, country.phone_example
        )
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(format!(
            "Please enter a phone number, like {}, so the courier can reach you.",
            country.phone_example
        ));
    }
    let allowed = |c: char| c.is_ascii_digit() || " -().".contains(c);
    let (international, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    if !rest.chars().all(allowed) {
        return Err(message());
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let national = if international {
        digits.strip_prefix(country.dialling_code)
    } else if let Some(after) = digits
        .strip_prefix("00")
        .and_then(|d| d.strip_prefix(country.dialling_code))
    {
        Some(after)
    } else {
        digits.strip_prefix('0')
    };
    // A trunk 0 written after the country code, "+44 (0)7700…", is dropped too.
    let national = national.map(|n| n.strip_prefix('0').unwrap_or(n));
    let valid_length = match country.code {
        // UK numbers are 10 digits after the 0 (a few old areas have 9).
        "GB" => 9..=10,
        // Irish numbers are 7 to 9 digits after the 0.
        _ => 7..=9,
    };
    match national {
        Some(n) if valid_length.contains(&n.len()) && !n.starts_with('0') => {
            Ok(format!("+{}{n}", country.dialling_code))
        }
        _ => Err(message()),
    }
}

fn required(field: Field, value: &str, what: &str, errors: &mut Vec<FieldError>) -> String {
    let value = crate::text::visible(value);
    let value = value.as_str();
    if value.is_empty() {
        errors.push(FieldError::new(field, format!("Please enter {what}.")));
    } else if value.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(
            field,
            format!("That is longer than we can print on a label ({MAX_TEXT} characters at most)."),
        ));
    } else if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            "Please remove the special characters.",
        ));
    }
    value.to_owned()
}

/// Checks and tidies checkout details; every problem is reported, not just the first.
pub fn check_details(details: &CheckoutDetails) -> Result<CheckoutDetails, Vec<FieldError>> {
    let mut errors = Vec::new();
    let email = check_email(&details.email).unwrap_or_else(|m| {
        errors.push(FieldError::new(Field::Email, m));
        String::new()
    });
    let country = shipping_country(&details.address.country);
    let phone = country.map_or_else(String::new, |country| {
        check_phone(country, &details.phone).unwrap_or_else(|m| {
            errors.push(FieldError::new(Field::Phone, m));
            String::new()
        })
    });
    let a = &details.address;
    let name = required(Field::Name, &a.name, "the name to deliver to", &mut errors);
    let line1 = required(
        Field::Line1,
        &a.line1,
        "the first line of the address",
        &mut errors,
    );
    let line2 = crate::text::visible(&a.line2);
    if line2.chars().count() > MAX_TEXT || line2.chars().any(char::is_control) {
        errors.push(FieldError::new(
            Field::Line2,
            "Please shorten this line or remove special characters.",
        ));
    }
    let city = required(Field::City, &a.city, "the town or city", &mut errors);
    let (country, postcode) = match country {
        Some(country) => (
            country.code.to_owned(),
            check_postcode(country, &a.postcode).unwrap_or_else(|m| {
                errors.push(FieldError::new(Field::Postcode, m));
                String::new()
            }),
        ),
        None => {
            errors.push(FieldError::new(
                Field::Country,
                "Sorry, we can only deliver to the United Kingdom and Ireland for now.",
            ));
            (String::new(), String::new())
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CheckoutDetails {
        email,
        phone,
        address: Address {
            name,
            line1,
            line2,
            city,
            postcode,
            country,
        },
    })
}

/// Checks the requested lines: not empty, not too many, sane quantities. Lines for the
/// same variant are merged (quantities added) before the quantity check.
pub fn check_lines(lines: &[CartLine]) -> Result<Vec<CartLine>, Vec<FieldError>> {
    if lines.is_empty() {
        return Err(vec![FieldError::new(Field::Cart, "Your cart is empty.")]);
    }
    let mut merged: Vec<CartLine> = Vec::new();
    for line in lines {
        match merged.iter_mut().find(|m| m.variant_id == line.variant_id) {
            Some(m) => m.quantity = m.quantity.saturating_add(line.quantity),
            None => merged.push(*line),
        }
    }
    if merged.len() > MAX_LINES {
        return Err(vec![FieldError::new(
            Field::Cart,
            format!("An order can hold up to {MAX_LINES} different items."),
        )]);
    }
    let errors: Vec<FieldError> = merged
        .iter()
        .filter_map(|l| {
            check_quantity(l.quantity)
                .err()
                .map(|m| FieldError::new(Field::Line(l.variant_id), m))
        })
        .collect();
    if errors.is_empty() {
        Ok(merged)
    } else {
        Err(errors)
    }
}

/// A quantity for one line.
pub fn check_quantity(quantity: u32) -> Result<u32, String> {
    match quantity {
        0 => Err("Please choose at least 1.".into()),
        q if q > MAX_QUANTITY_PER_LINE => Err(format!(
            "You can buy up to {MAX_QUANTITY_PER_LINE} of one item per order; call us for larger orders."
        )),
        q => Ok(q),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn good() -> CheckoutDetails {
        CheckoutDetails {
            email: " ada@example.com ".into(),
            phone: "07700 900123".into(),
            address: Address {
                name: "Ada Lovelace".into(),
                line1: "12 St James's Square".into(),
                city: "London".into(),
                postcode: "sw1y4jh".into(),
                country: "gb".into(),
                ..Default::default()
            },
        }
    }

    #[test]
    fn invisible_characters_never_reach_a_label() {
        let mut d = good();
        d.address.name = "\u{202E}Ada\u{200B} Lovelace".into();
        d.address.line2 = "\u{FEFF}Flat 2".into();
        let tidy = check_details(&d).unwrap();
        assert_eq!(tidy.address.name, "Ada Lovelace");
        assert_eq!(tidy.address.line2, "Flat 2");
        d.address.city = "\u{2066}\u{2069}".into();
        let errors = check_details(&d).unwrap_err();
        assert!(
            errors.iter().any(|e| e.field == Field::City),
            "nothing visible is nothing"
        );
    }

    #[test]
    fn tidies_good_details() {
        let d = check_details(&good()).unwrap();
        assert_eq!(d.email, "ada@example.com");
        assert_eq!(d.address.postcode, "SW1Y 4JH");
        assert_eq!(d.address.country, "GB");
        assert_eq!(d.phone, "+447700900123");
    }

    #[test]
    fn irish_addresses_use_eircodes_and_irish_phones() {
        let mut d = good();
        d.address.country = "ie".into();
        d.address.postcode = "d02x285".into();
        d.phone = "087 123 4567".into();
        let d = check_details(&d).unwrap();
        assert_eq!(d.address.postcode, "D02 X285");
        assert_eq!(d.address.country, "IE");
        assert_eq!(d.phone, "+353871234567");
        // A UK postcode is not an Eircode, and a UK mobile is not an Irish number.
        let mut wrong = good();
        wrong.address.country = "IE".into();
        let fields: Vec<_> = check_details(&wrong)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec![Field::Phone, Field::Postcode]);
    }

    #[test]
    fn eircodes() {
        for (raw, tidy) in [
            ("D02 X285", "D02 X285"),
            ("a65f4e2", "A65 F4E2"),
            ("D6W 1234", "D6W 1234"),
        ] {
            assert_eq!(check_eircode(raw).as_deref(), Ok(tidy), "{raw}");
        }
        // B, G, I, J, L, M, O, Q, S, U and Z are never used after the routing key.
        for bad in [
            "",
            "D02",
            "D02 X28",
            "002 X285",
            "D02 B285",
            "DA2 X285",
            "D02 X2855",
        ] {
            assert!(check_eircode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_follow_the_country() {
        let gb = shipping_country("GB").unwrap();
        let ie = shipping_country("IE").unwrap();
        for (raw, tidy) in [
            ("07700 900123", "+447700900123"),
            ("+44 7700 900123", "+447700900123"),
            ("+44 (0)7700 900-123", "+447700900123"),
            ("0044 113 496 0000", "+441134960000"),
            ("(0113) 496 0000", "+441134960000"),
        ] {
            assert_eq!(check_phone(gb, raw).as_deref(), Ok(tidy), "{raw}");
        }
        for bad in [
            "",
            "12345",
            "07700 90012345",
            "+353 87 123 4567",
            "0770O 900123",
            "+44 0",
        ] {
            assert!(check_phone(gb, bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_phone(ie, "087 123 4567").as_deref(),
            Ok("+353871234567")
        );
        assert_eq!(
            check_phone(ie, "+353 1 234 5678").as_deref(),
            Ok("+35312345678")
        );
        assert!(check_phone(ie, "07700 900123").is_err());
        assert!(check_phone(ie, "+44 7700 900123").is_err());
        assert!(check_phone(gb, "").unwrap_err().contains("courier"));
    }

    #[test]
    fn reports_every_bad_field() {
        let mut d = good();
        d.email = "ada-at-example".into();
        d.address.city = "   ".into();
        d.address.postcode = "12345".into();
        let errors = check_details(&d).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, vec![Field::Email, Field::City, Field::Postcode]);
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'neil@example.ie",
            "x_y-z@mail-1.example.com",
        ] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.com",
            "a@.com",
            "a@b.com.",
            "a b@c.com",
            "a@b..com",
            "a@b_c.com",
            // Refused by the mail library: one of these once jammed every later mail.
            "probe(a@example.com",
            "a..b@x.com",
            ".a@x.com",
            "a.@x.com",
            "a@-x.com",
            "\"quoted\"@x.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn postcodes() {
        for (raw, tidy) in [
            ("LS1 4AP", "LS1 4AP"),
            ("ec1a1bb", "EC1A 1BB"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
        ] {
            assert_eq!(check_uk_postcode(raw).as_deref(), Ok(tidy), "{raw}");
        }
        for bad in [
            "", "LS1", "12345", "LS1 4A", "1S1 4AP", "LS1 AAP", "ŁS1 4AP",
        ] {
            assert!(check_uk_postcode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn other_countries_are_refused_kindly() {
        let mut d = good();
        d.address.country = "US".into();
        let errors = check_details(&d).unwrap_err();
        assert_eq!(errors[0].field, Field::Country);
    }

    #[test]
    fn lines_are_merged_then_checked() {
        let merged = check_lines(&[
            CartLine {
                variant_id: 1,
                quantity: 2,
            },
            CartLine {
                variant_id: 1,
                quantity: 3,
            },
        ])
        .unwrap();
        assert_eq!(
            merged,
            vec![CartLine {
                variant_id: 1,
                quantity: 5
            }]
        );
        assert!(check_lines(&[]).is_err());
        let errors = check_lines(&[CartLine {
            variant_id: 9,
            quantity: 0,
        }])
        .unwrap_err();
        assert_eq!(errors[0].field, Field::Line(9));
        let errors = check_lines(&[CartLine {
            variant_id: 9,
            quantity: 1_000_000,
        }])
        .unwrap_err();
        assert!(errors[0].message.contains("up to"));
    }

    proptest! {
        #[test]
        fn a_tidied_phone_is_accepted_unchanged(raw in "[+0-9 ()-]{0,20}", ie in any::<bool>()) {
            let country = &SHIPPING_COUNTRIES[usize::from(ie)];
            if let Ok(tidy) = check_phone(country, &raw) {
                let prefix = format!("+{}", country.dialling_code);
                prop_assert!(tidy.starts_with(&prefix));
                prop_assert_eq!(check_phone(country, &tidy), Ok(tidy.clone()));
            }
        }

        #[test]
        fn validation_never_panics_and_is_idempotent(
            email in ".{0,80}", name in ".{0,120}", line1 in ".{0,40}", city in ".{0,40}", postcode in ".{0,12}"
        ) {
            let d = CheckoutDetails {
                email,
                phone: "07700 900123".into(),
                address: Address { name, line1, city, postcode, country: "GB".into(), ..Default::default() },
            };
            if let Ok(clean) = check_details(&d) {
                prop_assert_eq!(check_details(&clean), Ok(clean.clone()));
            }
        }
    }
}
