//! Amounts in words, as a receipt states them beside the figure ("Гучин таван мянган төгрөг").
//!
//! Mongolian numerals before a noun take their attributive form (гурав → гурван, арав → арван),
//! and on a receipt every numeral is followed by another numeral or by the currency, so only
//! those forms are needed.

use super::Lang;
use super::format::Currency;

const MN_ONES: [&str; 10] = [
    "",
    "нэг",
    "хоёр",
    "гурван",
    "дөрвөн",
    "таван",
    "зургаан",
    "долоон",
    "найман",
    "есөн",
];
const MN_TENS: [&str; 10] = [
    "",
    "арван",
    "хорин",
    "гучин",
    "дөчин",
    "тавин",
    "жаран",
    "далан",
    "наян",
    "ерэн",
];
const MN_SCALES: [&str; 5] = ["", "мянган", "сая", "тэрбум", "их наяд"];

const EN_ONES: [&str; 20] = [
    "",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const EN_SCALES: [&str; 5] = ["", "thousand", "million", "billion", "trillion"];

/// Whole units up to this are spelled out; beyond it (no receipt of a small ISP) the figure
/// stands alone.
const MAX_SPELLED: u64 = 999_999_999_999_999;

fn group_mn(n: u16, out: &mut Vec<&'static str>) {
    let n = usize::from(n);
    let (h, t, o) = (n / 100, n / 10 % 10, n % 10);
    if h > 0 {
        out.extend([MN_ONES[h], "зуун"]);
    }
    if t > 0 {
        out.push(MN_TENS[t]);
    }
    if o > 0 {
        out.push(MN_ONES[o]);
    }
}

fn group_en(n: u16, out: &mut Vec<String>) {
    let n = usize::from(n);
    let (h, rest) = (n / 100, n % 100);
    if h > 0 {
        out.push(format!("{} hundred", EN_ONES[h]));
    }
    match rest {
        0 => {}
        1..=19 => out.push(EN_ONES[rest].into()),
        _ if rest % 10 == 0 => out.push(EN_TENS[rest / 10].into()),
        _ => out.push(format!("{}-{}", EN_TENS[rest / 10], EN_ONES[rest % 10])),
    }
}

/// The thousands groups of `n`, most significant first, with their scale index.
fn groups(n: u64) -> Vec<(u16, usize)> {
    let mut out = Vec::new();
    let (mut n, mut scale) = (n, 0);
    while n > 0 {
        let g = u16::try_from(n % 1000).unwrap_or(0);
        if g > 0 {
            out.push((g, scale));
        }
        n /= 1000;
        scale += 1;
    }
    out.reverse();
    out
}

/// A whole number in words, lower case; `None` past what is spelled out.
pub fn number(lang: Lang, n: u64) -> Option<String> {
    if n > MAX_SPELLED {
        return None;
    }
    if n == 0 {
        return Some(match lang {
            Lang::En => "zero".into(),
            Lang::Mn => "тэг".into(),
        });
    }
    Some(match lang {
        Lang::Mn => {
            let mut w = Vec::new();
            for (g, scale) in groups(n) {
                group_mn(g, &mut w);
                if scale > 0 {
                    w.push(MN_SCALES[scale]);
                }
            }
            w.join(" ")
        }
        Lang::En => {
            let mut w = Vec::new();
            for (g, scale) in groups(n) {
                group_en(g, &mut w);
                if scale > 0 {
                    w.push(EN_SCALES[scale].into());
                }
            }
            w.join(" ")
        }
    })
}

/// The currency's unit and minor unit as words: tögrög and möngö for MNT; another currency is
/// named by its code, its minor part written as a fraction ("99/100"), as on a cheque.
fn units(lang: Lang, cur: &Currency) -> (String, Option<&'static str>) {
    match (cur.code.as_str(), lang) {
        ("MNT", Lang::Mn) => ("төгрөг".into(), Some("мөнгө")),
        ("MNT", Lang::En) => ("tögrög".into(), Some("möngö")),
        _ => (cur.code.clone(), None),
    }
}

/// An amount in minor units as a receipt writes it out, capitalised: "Гучин таван мянган
/// төгрөг", "Thirty-five thousand tögrög and 50 möngö". `None` for an amount too large to spell.
pub fn money(lang: Lang, minor: i64, cur: &Currency) -> Option<String> {
    let scale = 10_u64.pow(u32::from(cur.exponent));
    let abs = minor.unsigned_abs();
    let (whole, frac) = (abs / scale, abs % scale);
    let (unit, minor_unit) = units(lang, cur);
    let mut s = number(lang, whole)?;
    s.push(' ');
    s.push_str(&unit);
    if frac > 0 {
        let width = usize::from(cur.exponent);
        s.push_str(if lang == Lang::En { " and " } else { " " });
        match minor_unit {
            Some(m) => s.push_str(&format!("{frac:0width$} {m}")),
            None => s.push_str(&format!("{frac:0width$}/{scale}")),
        }
    }
    if minor < 0 {
        s.insert_str(
            0,
            if lang == Lang::En {
                "minus "
            } else {
                "хасах "
            },
        );
    }
    let mut chars = s.chars();
    Some(match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mnt(minor: i64, lang: Lang) -> String {
        money(lang, minor, &Currency::default()).unwrap()
    }

    #[test]
    fn mongolian_amounts_read_as_on_a_receipt() {
        assert_eq!(mnt(3_500_000, Lang::Mn), "Гучин таван мянган төгрөг");
        assert_eq!(
            mnt(36_100_000, Lang::Mn),
            "Гурван зуун жаран нэг мянган төгрөг"
        );
        assert_eq!(mnt(100_000_000, Lang::Mn), "Нэг сая төгрөг");
        assert_eq!(
            mnt(120_500_000, Lang::Mn),
            "Нэг сая хоёр зуун таван мянган төгрөг"
        );
        assert_eq!(mnt(1_100, Lang::Mn), "Арван нэг төгрөг");
        assert_eq!(mnt(0, Lang::Mn), "Тэг төгрөг");
        assert_eq!(mnt(-1_550, Lang::Mn), "Хасах арван таван төгрөг 50 мөнгө");
    }

    #[test]
    fn english_amounts_read_as_on_a_receipt() {
        assert_eq!(mnt(3_500_000, Lang::En), "Thirty-five thousand tögrög");
        assert_eq!(
            mnt(36_100_000, Lang::En),
            "Three hundred sixty-one thousand tögrög"
        );
        assert_eq!(mnt(100_001_500, Lang::En), "One million fifteen tögrög");
        assert_eq!(mnt(1_205, Lang::En), "Twelve tögrög and 05 möngö");
        let usd = Currency {
            code: "USD".into(),
            symbol: "$".into(),
            exponent: 2,
        };
        assert_eq!(
            money(Lang::En, 1_999, &usd).unwrap(),
            "Nineteen USD and 99/100"
        );
    }

    #[test]
    fn every_group_and_scale_is_spelled() {
        assert!(
            number(Lang::Mn, MAX_SPELLED)
                .unwrap()
                .starts_with("есөн зуун ерэн есөн их наяд есөн зуун ерэн есөн тэрбум")
        );
        assert_eq!(number(Lang::En, MAX_SPELLED + 1), None);
        assert_eq!(
            number(Lang::En, 1_000_000_000_001).unwrap(),
            "one trillion one"
        );
        assert_eq!(number(Lang::Mn, 1_000_010).unwrap(), "нэг сая арван");
    }
}
