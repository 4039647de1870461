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
