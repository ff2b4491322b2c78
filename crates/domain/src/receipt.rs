//! The receipt mail: thanks, what was bought, what was charged now and what will be
//! charged later, when it arrives, how to return things and how to reach a person.

use super::date::CalendarDate;
use super::delivery::{arrival_label, DeliveryOption};
use super::money::Money;
use super::payment::CardOnFile;
use super::pricing::ChargePlan;
use super::validation::Address;
use crate::content::HelpContent;

/// One line as the receipt lists it.
pub struct ReceiptLine {
    /// "Linen shirt (Navy, M)".
    pub name: String,
    pub quantity: u32,
    pub total: Money,
    /// Units that follow when back in stock, around `around`.
    pub waiting: u32,
    pub around: Option<CalendarDate>,
}

/// Everything a receipt says.
pub struct ReceiptFacts<'a> {
    pub name: &'a str,
    pub number: &'a str,
    pub lines: &'a [ReceiptLine],
    pub subtotal: Money,
    pub delivery: Money,
    pub delivery_option: DeliveryOption,
    pub total: Money,
    pub charges: &'a ChargePlan,
    /// When what ships now leaves: "today", "on Mon 24 Nov".
    pub dispatch: &'a str,
    pub card: &'a CardOnFile,
    pub arrives: Option<CalendarDate>,
    pub address: &'a Address,
    /// The order's private status page.
    pub status_link: &'a str,
    pub help: &'a HelpContent,
}

pub struct Receipt {
    pub subject: String,
    pub body: String,
}

/// The first word of a name, for a friendly greeting.
fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("there")
}

pub fn receipt(f: &ReceiptFacts<'_>) -> Receipt {
    let mut b = String::new();
    let mut line = |text: &str| {
        b.push_str(text);
        b.push('\n');
    };
    line(&format!("Hello {},", first_name(f.name)));
    line("");
    line(&format!(
        "Thank you for your order {}. We're getting it ready, and here is everything in one place.",
        f.number
    ));
    line("");
    line("WHAT YOU ORDERED");
    for l in f.lines {
        line(&format!("  {} × {} — {}", l.quantity, l.name, l.total));
        if l.waiting > 0 {
            let when = l
                .around
                .map(|d| format!(", around {}", d.short_label()))
                .unwrap_or_default();
            line(&format!(
                "      {} to follow when back in stock{when}",
                l.waiting
            ));
        }
    }
    line(&format!("  Subtotal: {}", f.subtotal));
    let delivery = if f.delivery.minor == 0 {
        "free".to_owned()
    } else {
        f.delivery.to_string()
    };
    line(&format!("  {}: {delivery}", f.delivery_option.name()));
    line(&format!("  Total: {}", f.total));
    line("");
    line("PAYMENT");
    line(&format!("  {}", f.charges.summary(f.dispatch)));
    line(&format!(
        "  Card: {}. We only take money for items as they ship, so nothing waits on your card for stock we don't have yet.",
        f.card
    ));
    line("");
    line("DELIVERY");
    line(&format!("  To: {}", f.address.lines().join(", ")));
    if let Some(day) = f.arrives {
        line(&format!("  Arriving by {}", arrival_label(day)));
    }
    line(&format!(
        "  Follow your order (private link): {}",
        f.status_link
    ));
    line("");
    line(&f.help.returns.title.to_ascii_uppercase());
    line(&format!("  {}", f.help.returns.summary));
    for point in &f.help.returns.points {
        line(&format!("  - {point}"));
    }
    line("");
    line("WE'RE HERE TO HELP");
    line(&format!(
        "  Phone: {} ({})",
        f.help.phone_display,
        f.help.hours_text()
    ));
    line(&format!("  Email: {}", f.help.email));
    line("  Chat: open the Help panel on any page of the shop to talk to a person.");
    line("");
    line("Thank you for shopping with us.");
    line("The Storefront team");
    Receipt {
        subject: format!("Thank you for your order {}", f.number),
        body: b,
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::payment::CardBrand;
    use crate::pricing::{charge_plan, LineToCharge};

    #[test]
    fn receipt_has_items_charges_dates_returns_and_contacts() {
        let help = HelpContent::bundled();
        let around = CalendarDate::new(2026, 12, 3);
        let charges = charge_plan(
            &[LineToCharge {
                unit_price: Money::gbp(18_00),
                now: 3,
                later: 1,
                back_on: around,
            }],
            Money::gbp(0),
        )
        .unwrap();
        let lines = [ReceiptLine {
            name: "Linen shirt (Navy, M)".into(),
            quantity: 4,
            total: Money::gbp(72_00),
            waiting: 1,
            around,
        }];
        let r = receipt(&ReceiptFacts {
            name: "Ada Lovelace",
            number: "SF-ABC123",
            lines: &lines,
            subtotal: Money::gbp(72_00),
            delivery: Money::gbp(0),
            delivery_option: DeliveryOption::Standard,
            total: Money::gbp(72_00),
            charges: &charges,
            dispatch: "today",
            card: &CardOnFile {
                brand: CardBrand::Visa,
                last4: "4242".into(),
            },
            arrives: CalendarDate::new(2026, 11, 25),
            address: &Address {
                name: "Ada Lovelace".into(),
                line1: "1 Main St".into(),
                city: "Leeds".into(),
                postcode: "LS1 4AP".into(),
                country: "GB".into(),
                ..Default::default()
            },
            status_link: "https://shop.example/orders/SF-ABC123?key=k",
            help: &help,
        });
        assert_eq!(r.subject, "Thank you for your order SF-ABC123");
        for expected in [
            "Hello Ada,",
            "4 × Linen shirt (Navy, M) — £72.00",
            "1 to follow when back in stock, around 3 Dec",
            "Held on your card now: £54.00 for 3 items shipping today, taken when it ships. £18.00 for 1 item will be charged when it ships (around 3 Dec).",
            "Visa ending 4242",
            "Arriving by Wed 25 Nov",
            "https://shop.example/orders/SF-ABC123?key=k",
            &help.returns.summary,
            &help.phone_display,
            &help.email,
            "Chat",
        ] {
            assert!(r.body.contains(expected), "missing {expected:?} in\n{}", r.body);
        }
        assert!(!r.body.contains("4242 4242"));
    }
}
