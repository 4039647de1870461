//! Bank accounts, bills, payments and extensions in the store: the money side of a customer.
//!
//! Invariant: nothing financial is ever deleted. A payment is corrected by a linked reversal
//! entry; a bill is voided, not removed. Each operation here is one transaction together with
//! the customer's new expiry and its audit entry, and returns the routers to wake.

mod bank_accounts;
mod bills;
mod extensions;
mod payments;
mod plan_change;

pub use bank_accounts::*;
pub use bills::*;
pub use extensions::*;
pub use payments::*;
pub use plan_change::*;
