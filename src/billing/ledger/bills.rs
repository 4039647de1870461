//! Bills: raised when a customer is put on a package, at each renewal, or by hand; voided,
//! never deleted. Pending bills are kept in `pending` for the dashboard.

use crate::audit::{self, Actor};
use crate::billing::pending;
use crate::billing::settle::OpenBill;
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::customer::Customer;
pub use crate::model::ledger::*;
use crate::model::plan::Plan;
use crate::store::Summary;
use crate::store::{Kind, Reader, Set, StoreError, Write};
use jiff::Timestamp;

impl Bill {
    pub(super) fn open(&self) -> OpenBill {
        OpenBill {
            id: self.id,
            amount: self.amount,
            paid: self.paid,
            duration_secs: self.duration_secs,
            extended_secs: self.extended_secs,
        }
    }
    pub(super) fn apply(&mut self, o: &OpenBill) {
        self.paid = o.paid;
        self.extended_secs = o.extended_secs;
        self.status = if o.is_paid() {
            BillStatus::Paid
        } else {
            BillStatus::Pending
        };
    }
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.status == BillStatus::Pending && self.due < now
    }
}

/// Raises a bill for `plan` covering the period that starts at the customer's expiry (or now).
pub fn raise_bill(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    c: &Customer,
    plan: &Plan,
    note: &str,
) -> Result<Bill, StoreError> {
    let id = w.next_id(Kind::Bills)?;
    let start = now.max(c.expires_at);
    let duration = plan.duration();
    let bill = Bill {
        id,
        customer_id: c.id,
        plan_id: plan.id,
        amount: plan.price,
        paid: 0,
        period_start: start,
        period_end: start.saturating_add(duration).unwrap_or(Timestamp::MAX),
        due: start,
        status: BillStatus::Pending,
        duration_secs: duration.as_secs(),
        extended_secs: 0,
        created_at: now,
        created_by: actor.username.clone(),
        note: note.into(),
    };
    store_bill(w, &bill)?;
    w.set_add(Set::BillsByCustomer, c.id, id)?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "bill",
        id,
        format!("customer: {}; amount: {}", c.id, bill.amount),
    )?;
    Ok(bill)
}

pub fn bills_of(r: &impl Reader, customer_id: u64) -> Result<Vec<Bill>, StoreError> {
    let mut out = Vec::new();
    for id in r.set_members(Set::BillsByCustomer, customer_id)? {
        if let Some(b) = r.get::<Bill>(id)? {
            out.push(b);
        }
    }
    Ok(out)
}

pub fn void_bill(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    reason: &str,
) -> Result<Bill> {
    let mut b = w.get::<Bill>(id)?.ok_or(Error::NotFound)?;
    if b.status == BillStatus::Void {
        // A replayed void form: say so rather than that it cannot be done.
        return Err(Error::Conflict(Msg::AlreadyVoid));
    }
    if b.status != BillStatus::Pending || b.paid != 0 {
        return Err(Error::Conflict(Msg::BillNotVoidable));
    }
    b.status = BillStatus::Void;
    store_bill(w, &b)?;
    audit::record(
        w,
        now,
        actor,
        "void",
        "bill",
        id,
        format!("reason: {reason:?}"),
    )?;
    Ok(b)
}

/// Writes a bill and keeps the pending-by-due index in step (a bill's due date never changes).
pub(super) fn store_bill(w: &mut Write, b: &Bill) -> Result<(), StoreError> {
    w.put(b.id, b)?;
    w.summary_put(
        Summary::Bills,
        b.id,
        &crate::billing::summary::encode_bill(b),
    )?;
    if b.status == BillStatus::Pending {
        pending::put(w, b.due, b.id, b.amount - b.paid)
    } else {
        pending::remove(w, b.due, b.id)
    }
}

/// Voids a customer's open bills that nothing has been paid on and that are not for `keep_plan`
/// (all of them when `None`); returns how many.
pub fn void_untouched(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    customer_id: u64,
    keep_plan: Option<u64>,
    reason: &str,
) -> Result<usize> {
    let stale: Vec<Bill> = load_open_bills(w, customer_id)?
        .into_iter()
        .filter(|b| b.paid == 0 && Some(b.plan_id) != keep_plan)
        .collect();
    for b in &stale {
        void_bill(w, now, actor, b.id, reason)?;
    }
    Ok(stale.len())
}

/// Pending bills, earliest due first, at most `limit`.
pub fn pending_bills(r: &impl Reader, limit: usize) -> Result<Vec<Bill>, StoreError> {
    let mut ids = Vec::new();
    pending::scan(r, |_, id, _| {
        ids.push(id);
        ids.len() < limit
    })?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(b) = r.get::<Bill>(id)? {
            out.push(b);
        }
    }
    Ok(out)
}

/// (total owed, owed on bills due before `now`, how many bills) over every pending bill,
/// without reading them.
pub fn pending_totals(r: &impl Reader, now: Timestamp) -> Result<(i64, i64, u64), StoreError> {
    let cutoff = u64::try_from(now.as_second()).unwrap_or(0);
    let (mut total, mut overdue, mut count) = (0, 0, 0);
    pending::scan(r, |due, _, owed| {
        total += owed;
        count += 1;
        if due < cutoff {
            overdue += owed;
        }
        true
    })?;
    Ok((total, overdue, count))
}

/// The customer's pending bills, oldest due first.
pub(super) fn load_open_bills(w: &Write, customer_id: u64) -> Result<Vec<Bill>, StoreError> {
    let mut bills: Vec<Bill> = bills_of(w, customer_id)?
        .into_iter()
        .filter(|b| b.status == BillStatus::Pending)
        .collect();
    bills.sort_by_key(|b| (b.due, b.id));
    Ok(bills)
}
