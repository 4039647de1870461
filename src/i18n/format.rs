//! Locale-aware formatting of numbers, money and times.

use super::Lang;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// The currency every amount is kept in, set once in settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    /// ISO 4217 code, e.g. `MNT`.
    pub code: String,
    /// Shown after the amount, e.g. `₮`.
    pub symbol: String,
    /// Minor units per major unit as a power of ten (2 for MNT: 1 ₮ = 100 möngö).
    pub exponent: u8,
}

impl Default for Currency {
    fn default() -> Self {
        Currency {
            code: "MNT".into(),
            symbol: "₮".into(),
            exponent: 2,
        }
    }
}

/// Groups digits in thousands: `1234567` → `1,234,567`.
pub fn number(_lang: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Formats integer minor units; the fraction is shown only when it is not zero, as operators
/// price in whole tögrög.
pub fn money(lang: Lang, minor: i64, cur: &Currency) -> String {
    let scale = 10_i64.pow(u32::from(cur.exponent));
    let major = minor / scale;
    let frac = (minor % scale).unsigned_abs();
    let sign = if minor < 0 && major == 0 { "-" } else { "" };
    let mut s = format!("{sign}{}", number(lang, major));
    if frac != 0 {
        s.push_str(&format!(
            ".{frac:0width$}",
            width = usize::from(cur.exponent)
        ));
    }
    if !cur.symbol.is_empty() {
        s.push('\u{a0}');
        s.push_str(&cur.symbol);
    }
    s
}

/// A timestamp as a wall-clock time in the configured zone.
pub fn datetime(lang: Lang, t: Timestamp, tz: &TimeZone) -> String {
    let z = t.to_zoned_datetime(tz.clone());
    match lang {
        Lang::En => z.strftime("%Y-%m-%d %H:%M").to_string(),
        Lang::Mn => z.strftime("%Y.%m.%d %H:%M").to_string(),
    }
}

pub fn date(lang: Lang, t: Timestamp, tz: &TimeZone) -> String {
    let z = t.to_zoned_datetime(tz.clone());
    match lang {
        Lang::En => z.strftime("%Y-%m-%d").to_string(),
        Lang::Mn => z.strftime("%Y.%m.%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_by_thousands() {
        assert_eq!(number(Lang::En, 0), "0");
        assert_eq!(number(Lang::En, 999), "999");
        assert_eq!(number(Lang::En, 1000), "1,000");
        assert_eq!(number(Lang::Mn, -1234567), "-1,234,567");
        assert_eq!(number(Lang::En, i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn money_uses_minor_units_without_floats() {
        let c = Currency::default();
        assert_eq!(money(Lang::En, 2_500_000, &c), "25,000\u{a0}₮");
        assert_eq!(money(Lang::En, 2_500_050, &c), "25,000.50\u{a0}₮");
        assert_eq!(money(Lang::En, -50, &c), "-0.50\u{a0}₮");
        assert_eq!(money(Lang::En, -150, &c), "-1.50\u{a0}₮");
    }

    #[test]
    fn times_are_shown_in_the_configured_zone() {
        let t: Timestamp = "2026-01-01T20:30:00Z".parse().unwrap();
        let ub = TimeZone::get("Asia/Ulaanbaatar").unwrap();
        assert_eq!(datetime(Lang::En, t, &ub), "2026-01-02 04:30");
        assert_eq!(date(Lang::Mn, t, &ub), "2026.01.02");
    }
}
