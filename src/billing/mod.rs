//! Service packages and customers (payments, bills and extensions join them here).
//!
//! Invariant: no I/O beyond the store transaction handed in; money is integer minor units.
//! Clippy refuses float arithmetic and conversions anywhere below this module.
#![deny(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    clippy::float_cmp,
    clippy::lossy_float_literal
)]

pub mod books;
pub mod customer;
pub mod ledger;
pub mod pending;
pub mod plan;
pub mod query;
pub mod revenue;
pub mod roster;
pub mod settle;
pub use crate::model::summary;

pub use customer::{Customer, CustomerKind, Status};
pub use plan::{Plan, ServiceKind};

#[cfg(test)]
mod tests {
    /// Money is integer minor units everywhere in billing: no floating-point type may appear in
    /// any file under `src/billing/`, however many are added (the lints above catch float
    /// arithmetic and conversions; this catches a float merely stored or passed along).
    #[test]
    fn no_floats_in_billing() {
        fn walk(dir: &std::path::Path, seen: &mut usize) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, seen);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Tests may hold what they look for.
                let code: String = text
                    .split("#[cfg(test)]")
                    .next()
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                for float in ["f32", "f64", "as_secs_f"] {
                    assert!(!code.contains(float), "{} uses {float}", path.display());
                }
                *seen += 1;
            }
        }
        let mut seen = 0;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        walk(&root.join("src/billing"), &mut seen);
        walk(&root.join("src/model"), &mut seen);
        assert!(seen >= 15, "the walk found the billing files ({seen})");
    }
}
