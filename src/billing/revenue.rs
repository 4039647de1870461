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
    let (a, c) = w
        .table_get(REVENUE_BY_HOUR, (hour, method))?
        .unwrap_or((0, 0));
    w.table_put(
        REVENUE_BY_HOUR,
        (hour, method),
        (a + amount, c.saturating_add(1)),
    )?;
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
    r.table_scan(
        REVENUE_BY_HOUR,
        (from, "")..(to, ""),
        |(hour, method), (amount, count)| {
            out.push((hour, method.to_string(), amount, count));
            true
        },
    )?;
    Ok(out)
}

/// Revenue per package for hours in `from..to`: (hour, plan id, amount, count).
pub fn by_plan(
    r: &impl Reader,
    from: u32,
    to: u32,
) -> Result<Vec<(u32, u64, i64, u64)>, StoreError> {
    let mut out = Vec::new();
    r.table_scan(
        REVENUE_BY_HOUR_PLAN,
        (from, 0)..(to, 0),
        |(hour, plan), (amount, count)| {
            out.push((hour, plan, amount, count));
            true
        },
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn at(hour: i64) -> Timestamp {
        Timestamp::from_second(hour * 3600 + 59).unwrap()
    }

    #[test]
    fn payments_and_reversals_add_up_per_hour_method_and_package() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .write(|w| {
                add(w, at(10), "cash", 1, 500)?;
                add(w, at(10), "cash", 2, 300)?;
                add(w, at(10), "bank", 1, 200)?;
                add(w, at(11), "cash", 1, -500)?;
                add(w, at(12), "cash", 1, 999)
            })
            .unwrap();
        let (methods, plans) = store
            .read(|r| Ok::<_, StoreError>((by_method(r, 10, 12)?, by_plan(r, 10, 12)?)))
            .unwrap();
        assert_eq!(
            methods,
            [
                (10, "bank".to_string(), 200, 1),
                (10, "cash".to_string(), 800, 2),
                (11, "cash".to_string(), -500, 1),
            ],
            "hour 12 lies outside 10..12"
        );
        assert_eq!(plans, [(10, 1, 700, 2), (10, 2, 300, 1), (11, 1, -500, 1)]);
    }

    #[test]
    fn hours_and_days_are_utc_and_clamp_before_1970() {
        assert_eq!(hour_of(at(7)), 7);
        assert_eq!(hour_of(Timestamp::from_second(-1).unwrap()), 0);
        assert_eq!(
            payment_day(Timestamp::from_second(86_400 * 3 + 5).unwrap()),
            3
        );
        assert_eq!(payment_day(Timestamp::from_second(-1).unwrap()), 0);
    }
}
