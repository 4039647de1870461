//! Service packages and customers (payments, bills and extensions join them here).
//!
//! Invariant: no I/O beyond the store transaction handed in; money is integer minor units.

pub mod customer;
pub mod ledger;
pub mod plan;
pub mod query;
pub mod settle;

pub use customer::{Customer, CustomerKind, Status};
pub use plan::{Plan, ServiceKind};
