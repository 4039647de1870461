//! Validated values the domain is handed: parsed once at the edge (a form, the JSON API, the
//! CLI), so a use case cannot be given nonsense. Fields are private; `parse` or a checked
//! constructor is the only way in.
#![deny(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    clippy::float_cmp,
    clippy::lossy_float_literal
)]

pub mod agent;
pub mod customer;
mod ids;
pub mod invoice;
pub mod ledger;
mod login;
mod money;
pub mod plan;
pub mod summary;
pub mod voucher;

pub use ids::{BankAccountId, CustomerId, PlanId, RouterId};
pub use login::Login;
pub use money::Money;
