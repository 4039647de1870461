//! Online backup and restore: every table copied from one read snapshot into a fresh file.
//!
//! redb has no online backup of its own, but a read transaction is a consistent snapshot that
//! writers never disturb. Copying every table inside one read transaction therefore gives a file
//! that is exactly the database at one commit, while the server goes on writing. The backup is
//! itself a redb file with one extra table, `backup-v1`, holding the files that belong with the
//! database (above all `secret.key`, without which sealed router passwords cannot be opened) and
//! what made it. Restore copies the tables back into a fresh `steppe.redb`; the next open migrates
//! it forward like any older file.

use super::catalogue::{self, META};
use super::declare::Visit;
use super::{FILE_NAME, SCHEMA_VERSION, Store, StoreError};
use redb::{
    Builder, ConcurrencyMode, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
    WriteTransaction,
};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `meta:<what>` → text, `file:<name>` → the bytes of a file of the data directory.
const BACKUP: TableDefinition<&str, &[u8]> = TableDefinition::new("backup-v1");

/// What a backup holds, as reported after writing or inspecting one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// Schema of the copied database.
    pub schema: u64,
    /// Rows copied, over every table.
    pub rows: u64,
    /// Names of the data-directory files carried along.
    pub files: Vec<String>,
    /// When it was taken (RFC 3339) and by which Steppe version.
    pub created_at: String,
    pub steppe_version: String,
}

/// Every table's row count and SHA-256 over its keys and values in order: two databases with
/// equal digests hold the same data.
pub type Digest = BTreeMap<&'static str, (u64, [u8; 32])>;

/// Data-directory files carried in a backup: (file name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// How much of the file a handle keeps in memory. redb's default is 1 GiB, which the cache
/// fills in proportion to what is read: one year's revenue export took a process to 424 MiB
/// RSS, on a router with 256 MiB. Pages beyond this are read again from the kernel's page
/// cache, which the system can reclaim; at 16 MiB the reports and the server under load were
/// as fast as with 1 GiB (docs/benchmarks.md, "The database cache").
pub const CACHE_BYTES: usize = 16 << 20;

/// The mode every process opening the file uses: one writer (the server, or a CLI command
/// when no server runs) and any number of read-only handles, so `steppe backup` can read the
/// database while the server has it open.
pub(super) fn builder() -> Builder {
    let mut b = Builder::new();
    b.set_concurrency_mode(ConcurrencyMode::SingleWriter);
    b.set_cache_size(CACHE_BYTES);
    b
}

impl Store {
    /// Writes a consistent copy of the whole database and `files` to `out` (atomically: a
    /// partial file is renamed into place only once complete and synced).
    pub fn backup(
        &self,
        out: &Path,
        files: &[(String, Vec<u8>)],
    ) -> Result<BackupInfo, StoreError> {
        self.read(|r| write_backup(&r.tx, out, files))
    }

    /// Row counts and hashes of every table (for verifying a restore).
    pub fn digest(&self) -> Result<Digest, StoreError> {
        self.read(|r| digest(&r.tx))
    }
}

/// Backs up the database in `dir` without taking it over: read-only, so it works while a server
/// has the database open. A file that needs crash recovery cannot be read this way; then, if no
/// server holds it, the database is opened normally (which recovers it) and backed up from there.
pub fn backup_dir(
    dir: &Path,
    out: &Path,
    files: &[(String, Vec<u8>)],
) -> Result<BackupInfo, StoreError> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return Err(StoreError::Db(format!("no database at {}", path.display())));
    }
    match builder().open_read_only(&path) {
        Ok(db) => {
            let tx = db
                .begin_read()
                .map_err(StoreError::db("starting backup snapshot"))?;
            check_schema(&tx)?;
            write_backup(&tx, out, files)
        }
        Err(redb::DatabaseError::RepairAborted) => Store::open(dir)?.backup(out, files),
        Err(e) => Err(StoreError::Db(format!("opening {}: {e}", path.display()))),
    }
}

/// Row counts and hashes of every table of the database in `dir`, read-only (the file is not
/// migrated, and a running server may hold it).
pub fn digest_dir(dir: &Path) -> Result<Digest, StoreError> {
    let path = dir.join(FILE_NAME);
    let db = builder()
        .open_read_only(&path)
        .map_err(|e| StoreError::Db(format!("opening {}: {e}", path.display())))?;
    let tx = db.begin_read().map_err(StoreError::db("starting read"))?;
    digest(&tx)
}

/// Reads what a backup file holds, checking it opens and carries the tables it claims.
pub fn inspect(backup: &Path) -> Result<(BackupInfo, Files), StoreError> {
    let db = builder()
        .open_read_only(backup)
        .map_err(|e| StoreError::Db(format!("opening backup {}: {e}", backup.display())))?;
    let tx = db.begin_read().map_err(StoreError::db("reading backup"))?;
    read_info(&tx)
}

/// Restores `backup` into `dir`, which must hold no database. Returns what was restored and the
/// data-directory files the backup carries, for the caller to write beside the database.
/// The restored file keeps the backup's schema; `Store::open` migrates it forward.
pub fn restore(backup: &Path, dir: &Path) -> Result<(BackupInfo, Files), StoreError> {
    let target = dir.join(FILE_NAME);
    if target.exists() {
        return Err(StoreError::Db(format!(
            "{} already exists; restore only into an empty data directory",
            target.display()
        )));
    }
    let src = builder()
        .open_read_only(backup)
        .map_err(|e| StoreError::Db(format!("opening backup {}: {e}", backup.display())))?;
    let tx = src.begin_read().map_err(StoreError::db("reading backup"))?;
    let (info, files) = read_info(&tx)?;
    check_schema(&tx)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::Db(format!("creating data directory {}: {e}", dir.display())))?;
    let partial = partial_path(&target);
    let _ = std::fs::remove_file(&partial);
    let rows = copy_into(&tx, &partial, "restore")?;
    if rows != info.rows {
        let _ = std::fs::remove_file(&partial);
        return Err(StoreError::Corrupt(format!(
            "backup claims {} rows but holds {rows}",
            info.rows
        )));
    }
    finish(&partial, &target)?;
    Ok((info, files))
}

/// Every table of `tx` into a new owner-only database at `partial`, in one committed
/// transaction; the rows copied. `what` names the step in errors.
fn copy_into(
    tx: &redb::ReadTransaction,
    partial: &Path,
    what: &'static str,
) -> Result<u64, StoreError> {
    super::private_file(partial)?;
    let dst = builder()
        .create(partial)
        .map_err(|e| StoreError::Db(format!("creating {}: {e}", partial.display())))?;
    let wtx = dst
        .begin_write()
        .map_err(|e| StoreError::Db(format!("starting {what}: {e}")))?;
    let rows = copy_all(tx, &wtx)?;
    wtx.commit()
        .map_err(|e| StoreError::Db(format!("committing {what}: {e}")))?;
    Ok(rows)
}

/// Replaces the file at `path` by a fresh copy of what `db` holds now: only live pages, so data
/// a migration removed is gone from the disk file too, not merely unreferenced.
pub(super) fn rewrite(db: redb::Database, path: &Path) -> Result<(), StoreError> {
    let partial = partial_path(path);
    let _ = std::fs::remove_file(&partial);
    let copied = (|| {
        let tx = db
            .begin_read()
            .map_err(StoreError::db("starting rewrite"))?;
        copy_into(&tx, &partial, "rewrite").map(|_| ())
    })();
    drop(db);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    finish(&partial, path)
}

fn partial_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

/// Syncs `partial`, renames it to `target` and syncs the directory, so a crash leaves either
/// no file or the whole one.
fn finish(partial: &Path, target: &Path) -> Result<(), StoreError> {
    let io = |step: &str, p: &Path, e: std::io::Error| {
        StoreError::Db(format!("{step} {}: {e}", p.display()))
    };
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("syncing", partial, e))?;
    std::fs::rename(partial, target).map_err(|e| io("renaming into", target, e))?;
    if let Some(parent) = target.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        std::fs::File::open(parent)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("syncing", parent, e))?;
    }
    Ok(())
}

fn check_schema(tx: &ReadTransaction) -> Result<(), StoreError> {
    let meta = tx
        .open_table(META)
        .map_err(StoreError::db("opening meta"))?;
    let found = meta
        .get("schema_version")
        .map_err(StoreError::db("reading schema version"))?
        .map(|v| v.value())
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

fn write_backup(
    tx: &ReadTransaction,
    out: &Path,
    files: &[(String, Vec<u8>)],
) -> Result<BackupInfo, StoreError> {
    known_tables_only(tx)?;
    let partial = partial_path(out);
    let _ = std::fs::remove_file(&partial);
    let written = (|| {
        // Private from the first byte: it holds what the database holds, and `secret.key`.
        super::private_file(&partial)?;
        let dst = builder()
            .create(&partial)
            .map_err(|e| StoreError::Db(format!("creating {}: {e}", partial.display())))?;
        let wtx = dst
            .begin_write()
            .map_err(StoreError::db("starting backup file"))?;
        let rows = copy_all(tx, &wtx)?;
        let schema = {
            let meta = tx
                .open_table(META)
                .map_err(StoreError::db("opening meta"))?;
            meta.get("schema_version")
                .map_err(StoreError::db("reading schema version"))?
                .map(|v| v.value())
                .unwrap_or(0)
        };
        let info = BackupInfo {
            schema,
            rows,
            files: files.iter().map(|(n, _)| n.clone()).collect(),
            created_at: jiff::Timestamp::now().to_string(),
            steppe_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        {
            let mut t = wtx
                .open_table(BACKUP)
                .map_err(StoreError::db("opening backup table"))?;
            let meta = [
                ("meta:schema", info.schema.to_string()),
                ("meta:rows", info.rows.to_string()),
                ("meta:created_at", info.created_at.clone()),
                ("meta:steppe_version", info.steppe_version.clone()),
            ];
            for (k, v) in &meta {
                t.insert(*k, v.as_bytes())
                    .map_err(StoreError::db("writing backup table"))?;
            }
            for (name, bytes) in files {
                t.insert(format!("file:{name}").as_str(), bytes.as_slice())
                    .map_err(StoreError::db("writing backup table"))?;
            }
        }
        wtx.commit().map_err(StoreError::db("committing backup"))?;
        Ok(info)
    })();
    match written {
        Ok(info) => {
            finish(&partial, out)?;
            Ok(info)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn read_info(tx: &ReadTransaction) -> Result<(BackupInfo, Files), StoreError> {
    let t = tx
        .open_table(BACKUP)
        .map_err(|e| StoreError::Corrupt(format!("not a Steppe backup (no backup table: {e})")))?;
    let mut meta = BTreeMap::new();
    let mut files = Vec::new();
    for row in t.iter().map_err(StoreError::db("reading backup table"))? {
        let (k, v) = row.map_err(StoreError::db("reading backup table"))?;
        let (k, v) = (k.value().to_string(), v.value().to_vec());
        if let Some(name) = k.strip_prefix("file:") {
            files.push((name.to_string(), v));
        } else if let Some(what) = k.strip_prefix("meta:") {
            meta.insert(what.to_string(), String::from_utf8_lossy(&v).into_owned());
        }
    }
    let num = |k: &str| -> Result<u64, StoreError> {
        meta.get(k)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| StoreError::Corrupt(format!("backup lacks its {k}")))
    };
    let info = BackupInfo {
        schema: num("schema")?,
        rows: num("rows")?,
        files: files.iter().map(|(n, _)| n.clone()).collect(),
        created_at: meta.get("created_at").cloned().unwrap_or_default(),
        steppe_version: meta.get("steppe_version").cloned().unwrap_or_default(),
    };
    Ok((info, files))
}

/// Refuses to back up a file holding a table this build does not list: copying only the known
/// ones would silently drop data.
fn known_tables_only(tx: &ReadTransaction) -> Result<(), StoreError> {
    use redb::TableHandle;
    for t in tx.list_tables().map_err(StoreError::db("listing tables"))? {
        if !catalogue::NAMES.contains(&t.name()) {
            return Err(StoreError::Db(format!(
                "table {:?} is unknown to this build; not backing up a partial copy",
                t.name()
            )));
        }
    }
    if tx
        .list_multimap_tables()
        .map_err(StoreError::db("listing tables"))?
        .next()
        .is_some()
    {
        return Err(StoreError::Db("unexpected multimap table".into()));
    }
    Ok(())
}

/// Copies every known table present in `src` into `dst`; returns the number of rows.
fn copy_all(src: &ReadTransaction, dst: &WriteTransaction) -> Result<u64, StoreError> {
    struct Copy<'a> {
        src: &'a ReadTransaction,
        dst: &'a WriteTransaction,
        rows: u64,
    }
    impl Visit for Copy<'_> {
        fn visit<K: redb::Key + 'static, V: redb::Value + 'static>(
            &mut self,
            _name: &'static str,
            def: TableDefinition<'static, K, V>,
        ) -> Result<(), StoreError> {
            self.rows += copy_table(def, self.src, self.dst)?;
            Ok(())
        }
    }
    let mut copy = Copy { src, dst, rows: 0 };
    catalogue::each(&mut copy)?;
    Ok(copy.rows)
}

fn copy_table<K: redb::Key + 'static, V: redb::Value + 'static>(
    def: TableDefinition<K, V>,
    src: &ReadTransaction,
    dst: &WriteTransaction,
) -> Result<u64, StoreError> {
    use redb::TableHandle;
    let from = match src.open_table(def) {
        Ok(t) => t,
        // An older schema lacks tables added since; the next open creates them.
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(StoreError::Db(format!("opening {}: {e}", def.name()))),
    };
    let mut to = dst
        .open_table(def)
        .map_err(|e| StoreError::Db(format!("creating {}: {e}", def.name())))?;
    let mut n = 0;
    for row in from
        .iter()
        .map_err(|e| StoreError::Db(format!("scanning {}: {e}", def.name())))?
    {
        let (k, v) = row.map_err(|e| StoreError::Db(format!("reading {}: {e}", def.name())))?;
        to.insert(k.value(), v.value())
            .map_err(|e| StoreError::Db(format!("writing {}: {e}", def.name())))?;
        n += 1;
    }
    Ok(n)
}

fn digest(tx: &ReadTransaction) -> Result<Digest, StoreError> {
    struct Hash<'a> {
        tx: &'a ReadTransaction,
        out: Digest,
    }
    impl Visit for Hash<'_> {
        fn visit<K: redb::Key + 'static, V: redb::Value + 'static>(
            &mut self,
            name: &'static str,
            def: TableDefinition<'static, K, V>,
        ) -> Result<(), StoreError> {
            let (rows, hash) = digest_table(def, self.tx)?;
            self.out.insert(name, (rows, hash));
            Ok(())
        }
    }
    let mut hash = Hash {
        tx,
        out: Digest::new(),
    };
    catalogue::each(&mut hash)?;
    Ok(hash.out)
}

fn digest_table<K: redb::Key + 'static, V: redb::Value + 'static>(
    def: TableDefinition<'static, K, V>,
    tx: &ReadTransaction,
) -> Result<(u64, [u8; 32]), StoreError> {
    let mut h = Sha256::new();
    let t = match tx.open_table(def) {
        Ok(t) => t,
        // A file of an older schema: the table is as good as empty.
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok((0, h.finalize().into())),
        Err(e) => return Err(StoreError::Db(format!("opening table: {e}"))),
    };
    let mut n = 0u64;
    for row in t.iter().map_err(StoreError::db("scanning table"))? {
        let (k, v) = row.map_err(StoreError::db("reading row"))?;
        let (k, v) = (k.value(), v.value());
        let (kb, vb) = (K::as_bytes(&k), V::as_bytes(&v));
        let (kb, vb): (&[u8], &[u8]) = (kb.as_ref(), vb.as_ref());
        h.update((kb.len() as u64).to_le_bytes());
        h.update(kb);
        h.update((vb.len() as u64).to_le_bytes());
        h.update(vb);
        n += 1;
    }
    Ok((n, h.finalize().into()))
}

#[cfg(test)]
mod tests;
