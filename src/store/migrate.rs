//! Schema versioning: forward migrations, run in the same transaction that opens the file.

use super::{StoreError, tables};
use redb::{ReadableTable, WriteTransaction};

/// The schema this build writes. Bump it and add a step to `migrate` when stored data changes
/// shape in a way serde defaults cannot absorb.
pub const SCHEMA_VERSION: u64 = 1;

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
    while version < SCHEMA_VERSION {
        // Each arm upgrades exactly one version; none exist yet beyond the first schema.
        version += 1;
        tracing::info!(version, "migrated database schema");
    }
    meta.insert(KEY, version)
        .map_err(StoreError::db("writing schema version"))?;
    Ok(version)
}
