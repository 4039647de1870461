//! Backups round-trip, are one commit, and refuse what they cannot copy whole.

use super::super::{Index, Kind, Reader, Record, Set};
use super::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Thing {
    name: String,
}
impl Record for Thing {
    const KIND: Kind = Kind::Banners;
}

/// One transaction: a record, its index entry, its set entry and a blob.
fn add(store: &Store, i: u64) {
    store
        .write(|w| {
            let id = w.next_id(Kind::Banners)?;
            w.put(
                id,
                &Thing {
                    name: format!("thing {i}"),
                },
            )?;
            w.index_put(Index::PlanName, &format!("t{id}"), id)?;
            w.set_add(Set::CustomersByPlan, 7, id)?;
            w.blob_put(
                &format!("b{id}"),
                &[u8::try_from(i % 256).unwrap_or(0); 100],
            )?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

fn key() -> Vec<(String, Vec<u8>)> {
    vec![("secret.key".into(), vec![42; 32])]
}

#[test]
fn restore_gives_identical_tables_and_the_files() {
    let (a, out, b) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let store = Store::open(a.path()).unwrap();
    for i in 0..50 {
        add(&store, i);
    }
    store.write(|w| w.remove::<Thing>(3).map(|_| ())).unwrap();
    let file = out.path().join("x.steppe-backup");
    let info = store.backup(&file, &key()).unwrap();
    assert_eq!(info.schema, SCHEMA_VERSION);
    assert_eq!(info.files, ["secret.key"]);
    assert!(!partial_path(&file).exists());

    let (inspected, files) = inspect(&file).unwrap();
    assert_eq!(inspected, info);
    assert_eq!(files, key());

    let (restored_info, files) = restore(&file, b.path()).unwrap();
    assert_eq!(restored_info, info);
    assert_eq!(files, key());
    let restored = Store::open(b.path()).unwrap();
    let (da, db) = (store.digest().unwrap(), restored.digest().unwrap());
    assert_eq!(da, db, "every table must be identical");
    assert_eq!(
        da.len(),
        61,
        "digest covers every table (all declared in tables.rs)"
    );
    assert_eq!(da["banners-v1"].0, 49);
    assert_eq!(info.rows, da.values().map(|(n, _)| n).sum::<u64>());
    // A second restore into the same directory is refused and changes nothing.
    let err = restore(&file, b.path()).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(restored.digest().unwrap(), db);
    // Ids continue where the original left off.
    assert_eq!(restored.write(|w| w.next_id(Kind::Banners)).unwrap(), 51);
}

#[test]
fn a_backup_taken_during_writes_is_one_commit() {
    let (a, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = Store::open(a.path()).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                add(&store, i);
                i += 1;
            }
            i
        })
    };
    let mut seen = Vec::new();
    for n in 0..8 {
        let file = out.path().join(format!("{n}.steppe-backup"));
        // Half through the open store, half through a second read-only handle, as
        // `steppe backup` does beside a running server.
        if n % 2 == 0 {
            store.backup(&file, &key()).unwrap();
        } else {
            backup_dir(a.path(), &file, &key()).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        restore(&file, dir.path()).unwrap();
        let r = Store::open(dir.path()).unwrap();
        let (records, members) = r
            .read(|r| {
                Ok::<_, StoreError>((
                    r.count::<Thing>()?,
                    r.set_members(Set::CustomersByPlan, 7)?.len() as u64,
                ))
            })
            .unwrap();
        assert_eq!(
            records, members,
            "record and set entry come from one commit"
        );
        let next = r.write(|w| w.next_id(Kind::Banners)).unwrap();
        assert_eq!(next, records + 1, "the id counter matches the records");
        seen.push(records);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]) && seen.last() > seen.first(),
        "backups must see the writes progress: {seen:?}"
    );
}

#[test]
fn backups_of_a_newer_schema_are_not_restored() {
    let (a, out, b) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let store = Store::open(a.path()).unwrap();
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
    let file = out.path().join("new.steppe-backup");
    store.backup(&file, &[]).unwrap();
    let err = restore(&file, b.path()).unwrap_err();
    assert!(err.to_string().contains("newer Steppe"), "{err}");
    assert!(!b.path().join(FILE_NAME).exists());
}

#[test]
fn an_unknown_table_stops_the_backup() {
    let (a, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = Store::open(a.path()).unwrap();
    store
        .write(|w| {
            let t: TableDefinition<u64, u64> = TableDefinition::new("from-the-future-v1");
            w.dirty = true;
            w.tx.open_table(t).map_err(StoreError::db("t"))?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let file = out.path().join("x.steppe-backup");
    let err = store.backup(&file, &[]).unwrap_err();
    assert!(err.to_string().contains("from-the-future-v1"), "{err}");
    assert!(!file.exists() && !partial_path(&file).exists());
}

#[test]
fn a_cut_backup_is_refused() {
    let (a, out, b) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let store = Store::open(a.path()).unwrap();
    for i in 0..200 {
        add(&store, i);
    }
    let file = out.path().join("x.steppe-backup");
    store.backup(&file, &key()).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    assert!(restore(&file, b.path()).is_err());
    assert!(!b.path().join(FILE_NAME).exists());
}
