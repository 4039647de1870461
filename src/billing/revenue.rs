//! Revenue aggregates kept in each payment's transaction, so the dashboard and the packages
//! report never scan payments: per UTC hour and method, and per UTC hour and package
//! (`store::catalogue::REVENUE_BY_HOUR`, `REVENUE_BY_HOUR_PLAN`). A reversal counts negative at
//! its own time. Also the day grouping of `Set::PaymentsByDay`.

use crate::store::catalogue::{REVENUE_BY_HOUR, REVENUE_BY_HOUR_PLAN};
use crate::store::{Reader, StoreError, Write};
use jiff::Timestamp;

/// The revenue bucket of a moment: whole UTC hours since the epoch.
pub fn hour_of(t: Timestamp) -> u32 {
    u32::try_from(t.as_second().max(0) / 3600).unwrap_or(u32::MAX)
}

/// The group of a payment in `Set::PaymentsByDay`: whole UTC days since 1970 (0 before).
pub fn payment_day(t: Timestamp) -> u64 {
    u64::try_from(t.as_second().div_euclid(86_400)).unwrap_or(0)
}

/// Counts one payment (or reversal, with its negative amount) received at `at` in the buckets of
/// its hour, by method and by package.
pub fn add(
    w: &mut Write,
    at: Timestamp,
    method: &str,
    plan_id: u64,
    amount: i64,
) -> Result<(), StoreError> {
    let hour = hour_of(at);
    let (a, c) = w.table_get(REVENUE_BY_HOUR, (hour, method))?.unwrap_or((0, 0));
    w.table_put(REVENUE_BY_HOUR, (hour, method), (a + amount, c.saturating_add(1)))?;
    let (a, c) = w
        .table_get(REVENUE_BY_HOUR_PLAN, (hour, plan_id))?
        .unwrap_or((0, 0));
    w.table_put(REVENUE_BY_HOUR_PLAN, (hour, plan_id), (a + amount, c + 1))
}

/// Revenue buckets for hours in `from..to`: (hour, method, amount, count).
pub fn by_method(
    r: &impl Reader,
    from: u32,
    to: u32,
) -> Result<Vec<(u32, String, i64, u64)>, StoreError> {
    let mut out = Vec::new();
    r.table_scan(REVENUE_BY_HOUR, (from, "")..(to, ""), |(hour, method), (amount, count)| {
        out.push((hour, method.to_string(), amount, count));
        true
    })?;
    Ok(out)
}

/// Revenue per package for hours in `from..to`: (hour, plan id, amount, count).
pub fn by_plan(
    r: &impl Reader,
    from: u32,
    to: u32,
) -> Result<Vec<(u32, u64, i64, u64)>, StoreError> {
    let mut out = Vec::new();
    r.table_scan(REVENUE_BY_HOUR_PLAN, (from, 0)..(to, 0), |(hour, plan), (amount, count)| {
        out.push((hour, plan, amount, count));
        true
    })?;
    Ok(out)
}
