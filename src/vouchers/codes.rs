//! Card codes: drawn from the operating system's random number generator, uniformly over the
//! style's alphabet (rejection sampling: no character is likelier than another).

use crate::model::voucher::CodeStyle;

/// Random characters a code may have, by style: long enough that codes cannot be guessed off
/// a shop's counter, short enough to type on a phone.
pub fn lengths(style: CodeStyle) -> std::ops::RangeInclusive<u8> {
    match style {
        CodeStyle::Digits => 6..=16,
        CodeStyle::Letters => 5..=16,
    }
}

/// How many distinct codes the style and length allow (saturating).
pub fn space(style: CodeStyle, length: u8) -> u64 {
    let n = style.alphabet().len() as u64;
    (0..length).fold(1u64, |acc, _| acc.saturating_mul(n))
}

/// One code: `prefix` then `length` random characters.
pub fn draw(style: CodeStyle, length: u8, prefix: &str) -> String {
    let alphabet = style.alphabet();
    // The largest multiple of the alphabet's size a byte can hold: bytes above it are drawn
    // again, so `b % n` is uniform.
    let n = alphabet.len();
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(prefix.len() + usize::from(length));
    out.push_str(prefix);
    let mut buf = [0u8; 32];
    let mut left = usize::from(length);
    while left > 0 {
        getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
        for &b in &buf {
            if left == 0 {
                break;
            }
            if usize::from(b) < limit {
                out.push(char::from(alphabet[usize::from(b) % n]));
                left -= 1;
            }
        }
    }
    out
}

/// A PIN for code-and-PIN cards: digits.
pub fn pin(length: u8) -> String {
    draw(CodeStyle::Digits, length, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_prefix_length_and_alphabet_asked_for() {
        for _ in 0..200 {
            let c = draw(CodeStyle::Letters, 8, "TN");
            assert_eq!(c.len(), 10);
            assert!(c.starts_with("TN"));
            assert!(
                c[2..]
                    .bytes()
                    .all(|b| CodeStyle::Letters.alphabet().contains(&b))
            );
            assert!(
                draw(CodeStyle::Digits, 6, "")
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            );
        }
    }

    #[test]
    fn every_character_is_about_as_likely() {
        let mut seen = [0u32; 256];
        for _ in 0..20_000 {
            for b in draw(CodeStyle::Letters, 10, "").bytes() {
                seen[usize::from(b)] += 1;
            }
        }
        // 200,000 characters over 25: 8,000 each expected, σ ≈ 88. A skewed draw (`b % 25`
        // without rejection) would give the first six 8,594 each: outside ±4σ.
        for &c in CodeStyle::Letters.alphabet() {
            let n = seen[usize::from(c)];
            assert!(
                (7_650..=8_350).contains(&n),
                "{} drawn {n} times",
                c as char
            );
        }
    }

    #[test]
    fn space_counts_the_codes() {
        assert_eq!(space(CodeStyle::Digits, 6), 1_000_000);
        assert_eq!(space(CodeStyle::Letters, 16), u64::MAX, "saturates");
    }
}
