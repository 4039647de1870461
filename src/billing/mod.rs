//! Service packages and customers (payments, bills and extensions join them here).
//!
//! Invariant: no I/O beyond the store transaction handed in; money is integer minor units.

pub mod customer;
pub mod ledger;
pub mod pending;
pub mod plan;
pub mod query;
pub mod revenue;
pub mod settle;
pub mod summary;

pub use customer::{Customer, CustomerKind, Status};
pub use plan::{Plan, ServiceKind};

#[cfg(test)]
mod tests {
    /// Money is integer minor units everywhere in billing: no floating-point type may appear.
    #[test]
    fn no_floats_in_billing() {
        for (name, src) in [
            ("customer.rs", include_str!("customer.rs")),
            ("ledger.rs", include_str!("ledger.rs")),
            ("pending.rs", include_str!("pending.rs")),
            ("plan.rs", include_str!("plan.rs")),
            ("query.rs", include_str!("query.rs")),
            ("revenue.rs", include_str!("revenue.rs")),
            ("settle.rs", include_str!("settle.rs")),
        ] {
            let code: String = src
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for float in ["f32", "f64", "as_secs_f"] {
                assert!(!code.contains(float), "{name} uses {float}");
            }
        }
    }
}
