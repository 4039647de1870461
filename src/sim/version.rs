//! RouterOS version numbers, because the protocol differs by version (login form, `!empty`).

/// A version such as `6.33` or `7.16.2`, compared part by part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(Vec<u32>);

impl Version {
    /// Parses the leading numeric parts; `7.18rc2` reads as 7.18.
    pub fn parse(text: &str) -> Version {
        let parts = text
            .split('.')
            .map_while(|part| {
                let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        Version(parts)
    }

    /// True if this version is `min` or newer (missing parts count as 0).
    pub fn at_least(&self, min: &[u32]) -> bool {
        let len = self.0.len().max(min.len());
        let part = |v: &[u32], i: usize| v.get(i).copied().unwrap_or(0);
        for i in 0..len {
            let (a, b) = (part(&self.0, i), part(min, i));
            if a != b {
                return a > b;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons() {
        let v = Version::parse;
        assert!(v("7.16").at_least(&[7]));
        assert!(!v("7.16").at_least(&[7, 18]));
        assert!(v("7.18").at_least(&[7, 18]));
        assert!(v("7.18rc2").at_least(&[7, 18]));
        assert!(!v("6.33").at_least(&[6, 43]));
        assert!(v("6.45.2").at_least(&[6, 45, 2]));
        assert!(!v("6.45.1").at_least(&[6, 45, 2]));
        assert!(v("6.43").at_least(&[6, 43]));
    }
}
