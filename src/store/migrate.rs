//! Schema versioning: forward migrations, run in the same transaction that opens the file.

use super::{StoreError, tables};
use redb::{ReadableTable, WriteTransaction};

/// The schema this build writes. Bump it and add a step to `migrate` when stored data changes
/// shape in a way serde defaults cannot absorb.
pub const SCHEMA_VERSION: u64 = 2;

const KEY: &str = "schema_version";

/// Brings the file to `SCHEMA_VERSION`, or refuses a file from a newer build.
pub fn run(tx: &WriteTransaction) -> Result<u64, StoreError> {
    let mut meta = tx
        .open_table(tables::META)
        .map_err(StoreError::db("opening meta"))?;
    let found = meta
        .get(KEY)
        .map_err(StoreError::db("reading schema version"))?
        .map(|v| v.value());
    let Some(mut version) = found else {
        meta.insert(KEY, SCHEMA_VERSION)
            .map_err(StoreError::db("writing schema version"))?;
        return Ok(SCHEMA_VERSION);
    };
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    drop(meta);
    while version < SCHEMA_VERSION {
        // Each arm upgrades exactly one version.
        if version == 1 {
            index_payments_by_day(tx)?;
            index_revenue_and_pending_bills(tx)?;
        }
        version += 1;
        tracing::info!(version, "migrated database schema");
    }
    let mut meta = tx
        .open_table(tables::META)
        .map_err(StoreError::db("opening meta"))?;
    meta.insert(KEY, version)
        .map_err(StoreError::db("writing schema version"))?;
    Ok(version)
}

/// 1 → 2: fills `payments-by-day-v1` from the payments already stored.
fn index_payments_by_day(tx: &WriteTransaction) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct Received {
        received_at: jiff::Timestamp,
    }
    let payments = tx
        .open_table(tables::PAYMENTS)
        .map_err(StoreError::db("opening payments"))?;
    let mut by_day = tx
        .open_table(tables::PAYMENTS_BY_DAY)
        .map_err(StoreError::db("opening payments by day"))?;
    for row in payments
        .iter()
        .map_err(StoreError::db("scanning payments"))?
    {
        let (id, v) = row.map_err(StoreError::db("reading payment"))?;
        let r: Received = super::codec::decode("payments", v.value())?;
        by_day
            .insert((super::payment_day(r.received_at), id.value()), ())
            .map_err(StoreError::db("writing payments by day"))?;
    }
    Ok(())
}

/// 1 → 2: fills the revenue-by-hour aggregate and the pending-bills index from what is stored.
fn index_revenue_and_pending_bills(tx: &WriteTransaction) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct PaymentRow {
        received_at: jiff::Timestamp,
        method: String,
        amount: i64,
        plan_id: u64,
    }
    #[derive(serde::Deserialize)]
    struct BillRow {
        due: jiff::Timestamp,
        status: String,
        amount: i64,
        paid: i64,
    }
    let payments = tx
        .open_table(tables::PAYMENTS)
        .map_err(StoreError::db("opening payments"))?;
    let mut by_plan = tx
        .open_table(tables::REVENUE_BY_HOUR_PLAN)
        .map_err(StoreError::db("opening revenue"))?;
    let mut revenue = tx
        .open_table(tables::REVENUE_BY_HOUR)
        .map_err(StoreError::db("opening revenue"))?;
    for row in payments
        .iter()
        .map_err(StoreError::db("scanning payments"))?
    {
        let (_, v) = row.map_err(StoreError::db("reading payment"))?;
        let p: PaymentRow = super::codec::decode("payments", v.value())?;
        let hour = u32::try_from(p.received_at.as_second().max(0) / 3600).unwrap_or(u32::MAX);
        let (a, c) = revenue
            .get((hour, p.method.as_str()))
            .map_err(StoreError::db("reading revenue"))?
            .map(|v| v.value())
            .unwrap_or((0, 0));
        revenue
            .insert((hour, p.method.as_str()), (a + p.amount, c + 1))
            .map_err(StoreError::db("writing revenue"))?;
        let (pa, pc) = by_plan
            .get((hour, p.plan_id))
            .map_err(StoreError::db("reading revenue"))?
            .map(|v| v.value())
            .unwrap_or((0, 0));
        by_plan
            .insert((hour, p.plan_id), (pa + p.amount, pc + 1))
            .map_err(StoreError::db("writing revenue"))?;
    }
    let bills = tx
        .open_table(tables::BILLS)
        .map_err(StoreError::db("opening bills"))?;
    let mut pending = tx
        .open_table(tables::PENDING_BILLS)
        .map_err(StoreError::db("opening pending bills"))?;
    for row in bills.iter().map_err(StoreError::db("scanning bills"))? {
        let (id, v) = row.map_err(StoreError::db("reading bill"))?;
        let b: BillRow = super::codec::decode("bills", v.value())?;
        if b.status == "pending" {
            let due = u64::try_from(b.due.as_second()).unwrap_or(0);
            pending
                .insert((due, id.value()), b.amount - b.paid)
                .map_err(StoreError::db("writing pending bills"))?;
        }
    }
    Ok(())
}
