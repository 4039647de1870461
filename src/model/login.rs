//! A customer's service login: what they type at the hotspot or PPPoE prompt.

/// RouterOS accepts more, but these survive every menu, codepage and shell: 1–64 of ASCII
/// letters, digits and `._@-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Login(String);

impl Login {
    pub fn parse(s: &str) -> Option<Login> {
        let s = s.trim();
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
        ok.then(|| Login(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_conservative() {
        assert_eq!(
            Login::parse(" bat.erdene@ub-1 ").map(Login::into_string),
            Some("bat.erdene@ub-1".to_string())
        );
        for bad in ["", "has space", "кирилл", "a;b", &"x".repeat(65)] {
            assert!(Login::parse(bad).is_none(), "{bad:?}");
        }
    }
}
