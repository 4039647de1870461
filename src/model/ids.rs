//! Record ids as types, so a plan id cannot be passed where a customer is meant.

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u64);

        impl $name {
            pub fn new(id: u64) -> $name {
                $name(id)
            }

            pub fn get(self) -> u64 {
                self.0
            }

            /// A decimal id as a form or a query string carries it; ids start at 1.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                s.parse().ok().filter(|&n| n > 0).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// A customer (`Kind::Customers`).
    CustomerId;
    /// A service package.
    PlanId;
    /// A registered router.
    RouterId;
    /// A bank account payments can be received into.
    BankAccountId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_decimal_only() {
        assert_eq!(CustomerId::parse(" 42 "), Some(CustomerId::new(42)));
        for bad in ["", "0", "-1", "+1", "abc", "1e3", "18446744073709551616"] {
            assert_eq!(PlanId::parse(bad), None, "{bad:?}");
        }
    }
}
