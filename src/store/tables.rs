//! Every table of the database, declared in one place.
//!
//! Names carry a version suffix so a change of key or value encoding is a new table
//! written by a migration, never a silent reinterpretation of old bytes.

use redb::TableDefinition;

/// Store-wide counters and markers: `schema_version`, `next_id:<table>`.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta-v1");

/// Entity tables: id → JSON-encoded record (see `codec`).
pub const ADMINS: TableDefinition<u64, &[u8]> = TableDefinition::new("admins-v1");
pub const ROLES: TableDefinition<&str, &[u8]> = TableDefinition::new("roles-v1");
/// Keyed by the hex SHA-256 of the secret, so the file never holds a usable token.
pub const SESSIONS_STR: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions-v1");
pub const API_TOKENS_STR: TableDefinition<&str, &[u8]> = TableDefinition::new("api-tokens-v1");
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit-v1");
pub const BANNERS: TableDefinition<u64, &[u8]> = TableDefinition::new("banners-v1");
/// Binary blobs (banner images, logo): key → bytes; kept apart so lists stay small.
pub const BLOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("blobs-v1");
/// Singleton records such as `settings`: key → JSON.
pub const SINGLETONS: TableDefinition<&str, &[u8]> = TableDefinition::new("singletons-v1");

/// Unique secondary index: lowercase admin username → admin id.
pub const ADMIN_BY_USERNAME: TableDefinition<&str, u64> =
    TableDefinition::new("admin-by-username-v1");

/// Creates every table so read transactions never meet a missing one.
pub fn create_all(tx: &redb::WriteTransaction) -> Result<(), redb::TableError> {
    tx.open_table(META)?;
    tx.open_table(ADMINS)?;
    tx.open_table(ROLES)?;
    tx.open_table(SESSIONS_STR)?;
    tx.open_table(API_TOKENS_STR)?;
    tx.open_table(AUDIT)?;
    tx.open_table(BANNERS)?;
    tx.open_table(BLOBS)?;
    tx.open_table(SINGLETONS)?;
    tx.open_table(ADMIN_BY_USERNAME)?;
    Ok(())
}
