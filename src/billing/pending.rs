//! The pending-bills index (`store::catalogue::PENDING_BILLS`): (due second, bill id) → amount
//! still owed, kept in each bill's transaction, so the "pending and unpaid" list and its totals
//! read no bill.

use crate::store::catalogue::PENDING_BILLS;
use crate::store::{Reader, StoreError, Write};
use jiff::Timestamp;

fn due_second(due: Timestamp) -> u64 {
    u64::try_from(due.as_second()).unwrap_or(0)
}

/// Records (or updates) what a pending bill still owes.
pub fn put(w: &mut Write, due: Timestamp, bill_id: u64, owed: i64) -> Result<(), StoreError> {
    w.table_put(PENDING_BILLS, (due_second(due), bill_id), owed)
}

/// Takes a bill that is no longer pending out of the index.
pub fn remove(w: &mut Write, due: Timestamp, bill_id: u64) -> Result<(), StoreError> {
    w.table_remove(PENDING_BILLS, (due_second(due), bill_id))
}

/// Visits pending bills (due second, bill id, amount owed), earliest due first, until `f`
/// returns false.
pub fn scan(
    r: &impl Reader,
    mut f: impl FnMut(u64, u64, i64) -> bool,
) -> Result<(), StoreError> {
    r.table_scan(PENDING_BILLS, .., |(due, id), owed| f(due, id, owed))
}
