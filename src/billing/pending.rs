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
pub fn scan(r: &impl Reader, mut f: impl FnMut(u64, u64, i64) -> bool) -> Result<(), StoreError> {
    r.table_scan(PENDING_BILLS, .., |(due, id), owed| f(due, id, owed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn due(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn pending_bills_come_earliest_due_first_with_what_they_still_owe() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .write(|w| {
                put(w, due(300), 1, 1000)?;
                put(w, due(100), 2, 500)?;
                put(w, due(100), 3, 700)?;
                put(w, due(300), 1, 400)?; // part paid
                put(w, due(200), 4, 50)?;
                remove(w, due(200), 4) // paid or voided
            })
            .unwrap();
        let mut all = Vec::new();
        let mut first = Vec::new();
        store
            .read(|r| {
                scan(r, |d, id, owed| {
                    all.push((d, id, owed));
                    true
                })?;
                scan(r, |d, id, owed| {
                    first.push((d, id, owed));
                    false
                })
            })
            .unwrap();
        assert_eq!(all, [(100, 2, 500), (100, 3, 700), (300, 1, 400)]);
        assert_eq!(first, [(100, 2, 500)]);
    }
}
