//! The embedded database: typed records over redb.
//!
//! Invariant: this is the only module that imports `redb`. Everything else sees records
//! (`Record`, `KeyedRecord`), unique indexes, sets, summaries, blobs and the `Table`s other
//! modules own, read and written inside closures that run as exactly one transaction, so a
//! write either commits whole or not at all. The store knows no domain rule: what a row means
//! is its owner's.

mod backup;
pub mod catalogue;
mod changes;
mod codec;
mod declare;
mod error;
mod follow;
mod group;
mod handle;
mod migrate;
mod reader;
mod writer;

pub use backup::{BackupInfo, CACHE_BYTES, Digest, backup_dir, digest_dir, inspect, restore};
pub use catalogue::{Index, KeyedKind, Kind, Set, Summary};
pub use changes::Changed;
pub use declare::{Plain, Table};
pub use error::StoreError;
pub use follow::{Current, Follower, Model};
pub(crate) use handle::private_file;
pub use handle::{Store, blocking, on_blocking_pool};
pub use migrate::SCHEMA_VERSION;
pub use reader::{Read, Reader};
pub use writer::Write;

use serde::{Serialize, de::DeserializeOwned};

/// The file name inside the data directory.
pub const FILE_NAME: &str = "steppe.redb";

/// A record stored under a sequential id.
pub trait Record: Serialize + DeserializeOwned {
    const KIND: Kind;
}

/// A record stored under a string key.
pub trait KeyedRecord: Serialize + DeserializeOwned {
    const KIND: KeyedKind;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::path::Path;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Thing {
        name: String,
    }
    impl Record for Thing {
        const KIND: Kind = Kind::Banners;
    }

    #[test]
    fn failed_closure_commits_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let r: Result<(), StoreError> = store.write(|w| {
            let id = w.next_id(Kind::Banners)?;
            w.put(id, &Thing { name: "x".into() })?;
            Err(StoreError::Db("boom".into()))
        });
        assert!(r.is_err());
        let n = store.read(|r| r.count::<Thing>()).unwrap();
        assert_eq!(n, 0);
        let id = store.write(|w| w.next_id(Kind::Banners)).unwrap();
        assert_eq!(id, 1, "the aborted transaction must not consume an id");
    }

    /// Issue #14: redb created `steppe.redb` (and backups) 0644, readable by every local user.
    #[test]
    fn the_database_and_its_backups_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(mode(store.path()), 0o600);
        let out = dir.path().join("copy.steppe-backup");
        store.backup(&out, &[]).unwrap();
        assert_eq!(mode(&out), 0o600, "a backup is as secret as the database");
        let path = store.path().to_path_buf();
        drop(store);
        // A file left 0644 by an older build is narrowed when opened.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(Store::open(dir.path()).unwrap());
        assert_eq!(mode(&path), 0o600);
        let restored = tempfile::tempdir().unwrap();
        restore(&out, restored.path()).unwrap();
        assert_eq!(mode(&restored.path().join(FILE_NAME)), 0o600);
    }

    #[test]
    fn newer_schema_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .write(|w| {
                    w.dirty = true;
                    let mut m =
                        w.tx.open_table(catalogue::META)
                            .map_err(StoreError::db("m"))?;
                    m.insert("schema_version", SCHEMA_VERSION + 1)
                        .map_err(StoreError::db("m"))?;
                    Ok::<_, StoreError>(())
                })
                .unwrap();
        }
        let err = Store::open(dir.path()).err().expect("must refuse");
        assert!(err.to_string().contains("newer Steppe"), "{err}");
    }

    #[test]
    fn records_round_trip_in_id_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for name in ["a", "b", "c"] {
            store
                .write(|w| {
                    let id = w.next_id(Kind::Banners)?;
                    w.put(id, &Thing { name: name.into() })
                })
                .unwrap();
        }
        let all: Vec<Thing> = store.read(|r| r.list()).unwrap();
        assert_eq!(
            all.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        let mut newest = Vec::new();
        store
            .read(|r| {
                r.scan::<Thing>(true, |t| {
                    newest.push(t.name);
                    newest.len() < 2
                })
            })
            .unwrap();
        assert_eq!(newest, ["c", "b"]);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
}
