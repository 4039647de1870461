//! Money: integer minor units of the installation's currency, never a float.

use crate::i18n::Msg;

/// The most one payment may carry (a typo with extra zeros is refused, not booked).
const MAX_PAYMENT: i64 = 1_000_000_000_000;

/// A positive amount a payment can carry, in minor units (tögrög have none: 1 ₮ is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(i64);

impl Money {
    /// Checked: more than zero and at most the payment ceiling.
    pub fn payment(minor: i64) -> Result<Money, Msg> {
        if minor > 0 && minor <= MAX_PAYMENT {
            Ok(Money(minor))
        } else {
            Err(Msg::PositiveAmount)
        }
    }

    /// Minor units as text (the API's integer).
    pub fn parse_minor(s: &str) -> Result<Money, Msg> {
        let s = s.trim();
        match s.parse::<i64>() {
            Ok(v) => Money::payment(v),
            Err(_) => Err(Msg::InvalidNumber),
        }
    }

    /// Major units as typed at the counter ("12 500", "12,500.50"), `exponent` digits after the
    /// point at most.
    pub fn parse_major(s: &str, exponent: u8) -> Result<Money, Msg> {
        match crate::i18n::format::parse_major(s, exponent) {
            Some(v) => Money::payment(v),
            None => Err(Msg::InvalidNumber),
        }
    }

    pub fn minor(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_positive_and_bounded() {
        assert_eq!(Money::parse_minor("15000").map(Money::minor), Ok(15000));
        assert_eq!(Money::parse_minor("0"), Err(Msg::PositiveAmount));
        assert_eq!(Money::parse_minor("-5"), Err(Msg::PositiveAmount));
        assert_eq!(Money::parse_minor("1.5"), Err(Msg::InvalidNumber));
        assert_eq!(
            Money::parse_minor("1000000000001"),
            Err(Msg::PositiveAmount)
        );
        assert_eq!(
            Money::parse_major("12 500.50", 2).map(Money::minor),
            Ok(1_250_050)
        );
        assert_eq!(Money::parse_major("1.234", 2), Err(Msg::InvalidNumber));
    }
}
