//! Schema versioning: forward migrations, run in the same transaction that opens the file.

use super::catalogue::{self, META};
use super::{Kind, Set, StoreError};
use redb::{ReadableTable, WriteTransaction};
use std::path::Path;

/// The schema this build writes. Bump it and add a step to `migrate` when stored data changes
/// shape in a way serde defaults cannot absorb.
pub const SCHEMA_VERSION: u64 = 3;

const KEY: &str = "schema_version";

/// What opening the file did to it.
pub struct Migrated {
    pub version: u64,
    /// Secrets were removed from records: the pages that held them are free but not wiped, so
    /// the file must be rewritten before it can be said not to hold them.
    pub rewrite: bool,
}

/// Brings the file to `SCHEMA_VERSION`, or refuses a file from a newer build. `dir` is the data
/// directory, whose `secret.key` seals what a step moves out of clear text.
pub fn run(tx: &WriteTransaction, dir: &Path) -> Result<Migrated, StoreError> {
    let mut rewrite = false;
    let mut meta = tx
        .open_table(META)
        .map_err(StoreError::db("opening meta"))?;
    let found = meta
        .get(KEY)
        .map_err(StoreError::db("reading schema version"))?
        .map(|v| v.value());
    let Some(mut version) = found else {
        meta.insert(KEY, SCHEMA_VERSION)
            .map_err(StoreError::db("writing schema version"))?;
        return Ok(Migrated {
            version: SCHEMA_VERSION,
            rewrite,
        });
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
        if version == 2 {
            rewrite |= seal_customer_passwords(tx, dir)?;
        }
        version += 1;
        tracing::info!(version, "migrated database schema");
    }
    let mut meta = tx
        .open_table(META)
        .map_err(StoreError::db("opening meta"))?;
    meta.insert(KEY, version)
        .map_err(StoreError::db("writing schema version"))?;
    Ok(Migrated { version, rewrite })
}

/// 2 → 3: customers' service passwords move from `password` (clear) to `password_sealed`.
/// Returns whether any clear password was found.
fn seal_customer_passwords(tx: &WriteTransaction, dir: &Path) -> Result<bool, StoreError> {
    let mut customers = tx
        .open_table(Kind::Customers.table())
        .map_err(StoreError::db("opening customers"))?;
    let mut clear = Vec::new();
    for row in customers
        .iter()
        .map_err(StoreError::db("scanning customers"))?
    {
        let (id, v) = row.map_err(StoreError::db("reading customer"))?;
        let record: serde_json::Value = super::codec::decode("customers", v.value())?;
        if record.get("password").is_some() {
            clear.push((id.value(), record));
        }
    }
    if clear.is_empty() {
        return Ok(false);
    }
    // Opened only when there is something to seal, so a fresh or already sealed file never
    // makes the store create a key of its own.
    let secrets = crate::network::secretbox::SecretBox::open(dir).map_err(StoreError::Db)?;
    for (id, mut record) in clear {
        if let Some(o) = record.as_object_mut() {
            let password = o.remove("password");
            let password = password.as_ref().and_then(|p| p.as_str()).unwrap_or("");
            o.insert("password_sealed".into(), secrets.seal(password).into());
        }
        customers
            .insert(id, super::codec::encode(&record)?.as_slice())
            .map_err(StoreError::db("writing customer"))?;
    }
    Ok(true)
}

/// The group of a payment in `payments-by-day-v1`: whole UTC days since 1970 (0 before). A
/// step is frozen with the rule of its day, so it keeps its own copy of the one billing uses.
fn utc_day(t: jiff::Timestamp) -> u64 {
    u64::try_from(t.as_second().div_euclid(86_400)).unwrap_or(0)
}

/// 1 → 2: fills `payments-by-day-v1` from the payments already stored.
fn index_payments_by_day(tx: &WriteTransaction) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct Received {
        received_at: jiff::Timestamp,
    }
    let payments = tx
        .open_table(Kind::Payments.table())
        .map_err(StoreError::db("opening payments"))?;
    let mut by_day = tx
        .open_table(Set::PaymentsByDay.table())
        .map_err(StoreError::db("opening payments by day"))?;
    for row in payments
        .iter()
        .map_err(StoreError::db("scanning payments"))?
    {
        let (id, v) = row.map_err(StoreError::db("reading payment"))?;
        let r: Received = super::codec::decode("payments", v.value())?;
        by_day
            .insert((utc_day(r.received_at), id.value()), ())
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
        .open_table(Kind::Payments.table())
        .map_err(StoreError::db("opening payments"))?;
    let mut by_plan = tx
        .open_table(catalogue::REVENUE_BY_HOUR_PLAN.def())
        .map_err(StoreError::db("opening revenue"))?;
    let mut revenue = tx
        .open_table(catalogue::REVENUE_BY_HOUR.def())
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
        .open_table(Kind::Bills.table())
        .map_err(StoreError::db("opening bills"))?;
    let mut pending = tx
        .open_table(catalogue::PENDING_BILLS.def())
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
