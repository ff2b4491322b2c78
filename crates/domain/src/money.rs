//! Money is an integer number of minor units (pence) with its currency; never a float.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The currencies the shop prices in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    Gbp,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Gbp => "GBP",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Gbp => "£",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "GBP" => Some(Currency::Gbp),
            _ => None,
        }
    }
}

/// An amount of money in minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub const fn gbp(minor: i64) -> Self {
        Self::new(minor, Currency::Gbp)
    }

    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// `self + other`, or `None` on overflow or mixed currencies.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Money::new(
            self.minor.checked_add(other.minor)?,
            self.currency,
        ))
    }

    /// `self × quantity`, or `None` on overflow.
    pub fn checked_mul(self, quantity: u32) -> Option<Money> {
        Some(Money::new(
            self.minor.checked_mul(i64::from(quantity))?,
            self.currency,
        ))
    }
}

impl fmt::Display for Money {
    /// `£1,234.50`, `-£3.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let (major, minor) = (abs / 100, abs % 100);
        let digits = major.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}{}{grouped}.{minor:02}", self.currency.symbol())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn formats_pounds_and_pence_with_grouping() {
        assert_eq!(Money::gbp(0).to_string(), "£0.00");
        assert_eq!(Money::gbp(5).to_string(), "£0.05");
        assert_eq!(Money::gbp(1850).to_string(), "£18.50");
        assert_eq!(Money::gbp(12_345_678).to_string(), "£123,456.78");
        assert_eq!(Money::gbp(100_000_000).to_string(), "£1,000,000.00");
        assert_eq!(Money::gbp(-300).to_string(), "-£3.00");
    }

    #[test]
    fn arithmetic_refuses_overflow() {
        assert_eq!(Money::gbp(250).checked_mul(3), Some(Money::gbp(750)));
        assert_eq!(Money::gbp(i64::MAX).checked_mul(2), None);
        assert_eq!(Money::gbp(i64::MAX).checked_add(Money::gbp(1)), None);
        assert_eq!(
            Money::gbp(1).checked_add(Money::gbp(2)),
            Some(Money::gbp(3))
        );
    }

    #[test]
    fn currency_codes_round_trip() {
        assert_eq!(
            Currency::from_code(Currency::Gbp.code()),
            Some(Currency::Gbp)
        );
        assert_eq!(Currency::from_code("XXX"), None);
    }
}
