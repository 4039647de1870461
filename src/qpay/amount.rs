//! Amounts as QPay sends them — a JSON number (`10000`, `10000.0`) or decimal text
//! (`"10000.00"`) — read as whole tögrög without going through a float, so a rounding error can
//! never become money.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Whole tögrög from decimal text: digits, optionally `.` and zeros only. Anything else (a sign,
/// an exponent, a real fraction of a tögrög, more than `u64` holds) is refused.
pub fn parse_tugrik(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{t:?} is not an amount in tögrög"));
    }
    if t.contains('.') && (fraction.is_empty() || !fraction.bytes().all(|b| b == b'0')) {
        return Err(format!("{t:?} is not a whole number of tögrög"));
    }
    whole
        .parse::<u64>()
        .map_err(|_| format!("{t:?} is too large an amount"))
}

/// Serde helper: `#[serde(deserialize_with = "tugrik")]`.
pub(super) fn tugrik<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(Tugrik)
}

struct Tugrik;

impl Visitor<'_> for Tugrik {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount in whole tögrög, as a number or decimal text")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("{v} is a negative amount")))
    }

    // serde_json hands `10000.0` over as a float; its shortest text form is exact for whole
    // numbers up to 2^53 and shows any fraction, which the text parser then refuses.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        let text = format!("{v:?}");
        parse_tugrik(&text).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse_tugrik(v).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check() {
        for (text, want) in [
            ("10000", Some(10_000)),
            ("10000.00", Some(10_000)),
            ("10000.0", Some(10_000)),
            (" 7 ", Some(7)),
            ("0", Some(0)),
            ("10000.50", None),
            ("10000.", None),
            (".5", None),
            ("-5", None),
            ("+5", None),
            ("1e4", None),
            ("", None),
            ("18446744073709551616", None),
        ] {
            assert_eq!(parse_tugrik(text).ok(), want, "{text:?}");
        }
    }

    #[derive(serde::Deserialize)]
    struct A {
        #[serde(deserialize_with = "tugrik")]
        a: u64,
    }

    #[test]
    fn numbers_and_text_from_json() {
        for (json, want) in [
            (r#"{"a":10000}"#, Some(10_000)),
            (r#"{"a":10000.0}"#, Some(10_000)),
            (r#"{"a":"10000.00"}"#, Some(10_000)),
            (r#"{"a":10000.5}"#, None),
            (r#"{"a":-1}"#, None),
            (r#"{"a":1e20}"#, None),
            (r#"{"a":null}"#, None),
        ] {
            let got = serde_json::from_str::<A>(json).ok().map(|a| a.a);
            assert_eq!(got, want, "{json}");
        }
    }
}
