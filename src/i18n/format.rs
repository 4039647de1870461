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

/// Currencies whose minor unit exists on paper only: prices, bills and receipts are in whole
/// units (the möngö has not circulated for decades), so no ".00" is shown after them.
const WHOLE_UNIT_CURRENCIES: [&str; 8] = ["MNT", "JPY", "KRW", "VND", "IDR", "ISK", "CLP", "UGX"];

impl Currency {
    /// The decimals an amount is shown with: none for a whole-unit currency, else all of its
    /// minor digits (`35.00 $`).
    pub fn shown_decimals(&self) -> u8 {
        if WHOLE_UNIT_CURRENCIES.contains(&self.code.as_str()) {
            0
        } else {
            self.exponent
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

/// Formats integer minor units with the currency's shown decimals; a whole-unit currency still
/// shows a fraction that is there, so no amount is ever rounded away.
pub fn money(lang: Lang, minor: i64, cur: &Currency) -> String {
    let scale = 10_i64.pow(u32::from(cur.exponent));
    let major = minor / scale;
    let frac = (minor % scale).unsigned_abs();
    let sign = if minor < 0 && major == 0 { "-" } else { "" };
    let mut s = format!("{sign}{}", number(lang, major));
    if frac != 0 || cur.shown_decimals() > 0 {
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

/// A month's short name as an axis shows it: `Nov` / `11-р сар`.
pub fn month_short(lang: Lang, month: i8) -> &'static str {
    use super::Msg::*;
    const MONTHS: [super::Msg; 12] = [
        MonthJan, MonthFeb, MonthMar, MonthApr, MonthMay, MonthJun, MonthJul, MonthAug, MonthSep,
        MonthOct, MonthNov, MonthDec,
    ];
    let i = usize::try_from(month.clamp(1, 12) - 1).unwrap_or(0);
    lang.t(MONTHS[i])
}

/// A month with its year: `Nov 2025` / `2025 оны 11-р сар`.
pub fn month_of_year(lang: Lang, year: i16, month: i8) -> String {
    let name = month_short(lang, month);
    // Mongolian puts the year first (in the genitive), English last.
    match lang {
        Lang::En => lang.f(super::Msg::MonthOfYear, &[&name, &year]),
        Lang::Mn => lang.f(super::Msg::MonthOfYear, &[&year, &name]),
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
        let usd = Currency {
            code: "USD".into(),
            symbol: "$".into(),
            exponent: 2,
        };
        assert_eq!(
            money(Lang::En, 3_500, &usd),
            "35.00\u{a0}$",
            "cents follow the currency"
        );
        assert_eq!(Currency::default().shown_decimals(), 0);
    }

    #[test]
    fn times_are_shown_in_the_configured_zone() {
        let t: Timestamp = "2026-01-01T20:30:00Z".parse().unwrap();
        let ub = TimeZone::get("Asia/Ulaanbaatar").unwrap();
        assert_eq!(datetime(Lang::En, t, &ub), "2026-01-02 04:30");
        assert_eq!(date(Lang::Mn, t, &ub), "2026.01.02");
    }

    #[test]
    fn months_read_as_months_in_either_language() {
        assert_eq!(month_short(Lang::En, 11), "Nov");
        assert_eq!(month_short(Lang::Mn, 11), "11-р сар");
        assert_eq!(month_of_year(Lang::En, 2025, 1), "Jan 2025");
        assert_eq!(month_of_year(Lang::Mn, 2025, 12), "2025 оны 12-р сар");
    }
}

/// Reads an amount typed in major units (`35000`, `35,000`, `35 000.50`) into minor units,
/// exactly, without floating point. `None` if it is not such a number.
pub fn parse_major(s: &str, exponent: u8) -> Option<i64> {
    let s: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_'))
        .collect();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if frac.len() > usize::from(exponent) {
        return None;
    }
    let scale = 10_i64.checked_pow(u32::from(exponent))?;
    let whole: i64 = int.parse().ok()?;
    let mut frac_val: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..usize::from(exponent) {
        frac_val *= 10;
    }
    let v = whole.checked_mul(scale)?.checked_add(frac_val)?;
    Some(if neg { -v } else { v })
}

/// Minor units as the plain major-unit text a form field shows (`3500000` → `35000`).
pub fn major_input(minor: i64, exponent: u8) -> String {
    let scale = 10_i64.pow(u32::from(exponent));
    let (whole, frac) = (minor / scale, (minor % scale).unsigned_abs());
    let sign = if minor < 0 && whole == 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        format!(
            "{sign}{whole}.{frac:0width$}",
            width = usize::from(exponent)
        )
    }
}

#[cfg(test)]
mod major_tests {
    use super::*;

    #[test]
    fn major_units_parse_exactly() {
        assert_eq!(parse_major("35000", 2), Some(3_500_000));
        assert_eq!(parse_major("35,000.5", 2), Some(3_500_050));
        assert_eq!(parse_major(" 35 000.05 ", 2), Some(3_500_005));
        assert_eq!(parse_major("-1.50", 2), Some(-150));
        assert_eq!(
            parse_major("0.001", 2),
            None,
            "more decimals than the currency has"
        );
        for bad in ["", "abc", "1e5", "12.3.4", "--1", "."] {
            assert_eq!(parse_major(bad, 2), None, "{bad:?}");
        }
        assert_eq!(major_input(3_500_000, 2), "35000");
        assert_eq!(major_input(3_500_050, 2), "35000.50");
        assert_eq!(parse_major(&major_input(-150, 2), 2), Some(-150));
    }
}
