//! Parsing the string values RouterOS prints, which differ between versions (`yes`/`true`,
//! `01:22:53`/`1h22m53s`), into plain Rust types.

use std::time::Duration;

/// `true`/`yes` → true, `false`/`no` → false (RouterOS 6 prints the latter pair).
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => None,
    }
}

/// A decimal number as RouterOS prints it (`"1024"`).
pub fn parse_u64(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// A duration in any form RouterOS prints: `01:22:53`, `2d20h12m20s`, `1w2d`, `1d01:22:53`,
/// `500ms`, `1.5s`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if digits == 0 {
            return None;
        }
        let after = &rest[digits..];
        if after.starts_with(':') {
            total = total.checked_add(parse_clock(rest)?)?;
            break;
        }
        let number = &rest[..digits];
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &after[..unit_len];
        let seconds_per_unit = match unit {
            "w" => 604_800.0,
            "d" => 86_400.0,
            "h" => 3_600.0,
            "m" => 60.0,
            "s" | "" => 1.0,
            "ms" => 0.001,
            "us" => 0.000_001,
            _ => return None,
        };
        let value: f64 = number.parse().ok()?;
        total = total.checked_add(Duration::try_from_secs_f64(value * seconds_per_unit).ok()?)?;
        rest = &after[unit_len..];
        if unit.is_empty() && !rest.is_empty() {
            return None;
        }
    }
    Some(total)
}

fn parse_clock(text: &str) -> Option<Duration> {
    let mut parts = text.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.len() != 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: u64 = h.parse().ok()?;
    let minutes: u64 = m.parse().ok()?;
    let seconds: f64 = s.parse().ok()?;
    if minutes >= 60 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    Some(
        Duration::from_secs(hours.checked_mul(3600)?.checked_add(minutes * 60)?)
            + Duration::try_from_secs_f64(seconds).ok()?,
    )
}

/// The RouterOS 7 form (`2d20h12m20s`, `0s`), accepted as input by every version.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return if d.subsec_millis() > 0 {
            format!("{}ms", d.subsec_millis())
        } else {
            "0s".to_owned()
        };
    }
    let mut out = String::new();
    for (unit, size) in [
        ("w", 604_800),
        ("d", 86_400),
        ("h", 3_600),
        ("m", 60),
        ("s", 1),
    ] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// The RouterOS 6 clock form (`01:22:53`, `2d20:12:20`).
pub fn format_clock(d: Duration) -> String {
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let clock = format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    if days > 0 {
        format!("{days}d{clock}")
    } else {
        clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }

    #[test]
    fn booleans_in_both_spellings() {
        for (text, expected) in [
            ("true", Some(true)),
            ("yes", Some(true)),
            ("false", Some(false)),
            ("no", Some(false)),
            ("", None),
            ("1", None),
        ] {
            assert_eq!(parse_bool(text), expected, "{text:?}");
        }
    }

    #[test]
    fn durations_in_every_form() {
        let cases = [
            ("01:22:53", secs(4973)),
            ("2d20h12m20s", secs(2 * 86_400 + 20 * 3600 + 12 * 60 + 20)),
            ("1w2d", secs(9 * 86_400)),
            ("1d01:22:53", secs(86_400 + 4973)),
            ("2d20:12:20", secs(2 * 86_400 + 20 * 3600 + 12 * 60 + 20)),
            ("500ms", Some(Duration::from_millis(500))),
            ("1s500ms", Some(Duration::from_millis(1500))),
            ("0s", secs(0)),
            ("30", secs(30)),
            ("00:00:01.5", Some(Duration::from_millis(1500))),
            ("", None),
            ("5x", None),
            ("h", None),
            ("1:2:3", None),
            ("00:61:00", None),
            ("30 5", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), expected, "{text:?}");
        }
    }

    #[test]
    fn durations_format_and_parse_back() {
        for s in [0, 1, 59, 60, 3599, 86_400, 700_000, 1_234_567] {
            let d = Duration::from_secs(s);
            assert_eq!(parse_duration(&format_duration(d)), Some(d), "{s}");
            assert_eq!(parse_duration(&format_clock(d)), Some(d), "{s}");
        }
        assert_eq!(format_duration(Duration::from_secs(245_540)), "2d20h12m20s");
        assert_eq!(format_clock(Duration::from_secs(4973)), "01:22:53");
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("1024"), Some(1024));
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64("1M"), None);
    }
}
