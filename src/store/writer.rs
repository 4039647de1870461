//! Writing: the methods of a write transaction in progress. Reads inside it go through
//! `Reader`, like reads of a snapshot.
//!
//! Every change goes through these methods, so each can note what it replaced: while a group
//! commit runs several callers' closures in one transaction (`group`), the journal holds what the
//! current closure overwrote, and undoing it in reverse leaves the transaction exactly as the
//! closure found it. They also note which records changed, for the read models (`Store::changes`).

use super::catalogue::{BLOBS, META};
use super::declare::{Plain, Table};
use super::{Index, KeyedRecord, Kind, Reader, Record, Set, StoreError, Summary, codec};
use redb::{Key, ReadableTable, TableDefinition, WriteTransaction};
use std::borrow::Borrow;

type Rows = TableDefinition<'static, u64, &'static [u8]>;
type Named = TableDefinition<'static, &'static str, &'static [u8]>;
type Counters = TableDefinition<'static, &'static str, u64>;
type Members = TableDefinition<'static, (u64, u64), ()>;

/// What one change replaced: putting it back undoes the change.
pub(super) enum Undo {
    Row(Rows, u64, Option<Vec<u8>>),
    Named(Named, String, Option<Vec<u8>>),
    Counter(Counters, String, Option<u64>),
    Member(Members, (u64, u64), bool),
    /// A row of a table another module owns, of its own key and value types.
    Owned(PutBack),
}

/// Puts back a row of an owned table.
type PutBack = Box<dyn FnOnce(&WriteTransaction) -> Result<(), StoreError>>;

/// A write transaction in progress.
pub struct Write {
    pub(super) tx: WriteTransaction,
    /// `Some` while the closure running shares the transaction with others.
    pub(super) journal: Option<Vec<Undo>>,
    /// Records put or removed, in order (repeats included).
    pub(super) touched: Vec<(Kind, u64)>,
    /// Something was written: a transaction that wrote nothing is not committed (no fsync).
    pub(super) dirty: bool,
}

fn undo_err<E: Into<redb::Error>>(e: E) -> StoreError {
    StoreError::db("undoing a failed change")(e)
}

/// A copy of the replaced value, made only while journaling (`on`).
fn copied(on: bool, g: Option<redb::AccessGuard<'_, &'static [u8]>>) -> Option<Vec<u8>> {
    g.filter(|_| on).map(|g| g.value().to_vec())
}

impl Write {
    pub(super) fn new(tx: WriteTransaction) -> Write {
        Write {
            tx,
            journal: None,
            touched: Vec::new(),
            dirty: false,
        }
    }

    fn note(&mut self, undo: impl FnOnce() -> Undo) {
        self.dirty = true;
        if let Some(j) = self.journal.as_mut() {
            j.push(undo());
        }
    }

    /// Puts back, newest first, everything the journal holds; the journal stays on, empty.
    pub(super) fn undo(&mut self) -> Result<(), StoreError> {
        let Some(entries) = self.journal.as_mut().map(std::mem::take) else {
            return Ok(());
        };
        for u in entries.into_iter().rev() {
            match u {
                Undo::Row(def, id, old) => {
                    let mut t = self.tx.open_table(def).map_err(undo_err)?;
                    match old {
                        Some(b) => t.insert(id, b.as_slice()).map(drop),
                        None => t.remove(id).map(drop),
                    }
                    .map_err(undo_err)?;
                }
                Undo::Named(def, key, old) => {
                    let mut t = self.tx.open_table(def).map_err(undo_err)?;
                    match old {
                        Some(b) => t.insert(key.as_str(), b.as_slice()).map(drop),
                        None => t.remove(key.as_str()).map(drop),
                    }
                    .map_err(undo_err)?;
                }
                Undo::Counter(def, key, old) => {
                    let mut t = self.tx.open_table(def).map_err(undo_err)?;
                    match old {
                        Some(v) => t.insert(key.as_str(), v).map(drop),
                        None => t.remove(key.as_str()).map(drop),
                    }
                    .map_err(undo_err)?;
                }
                Undo::Member(def, key, existed) => {
                    let mut t = self.tx.open_table(def).map_err(undo_err)?;
                    if existed {
                        t.insert(key, ()).map(drop)
                    } else {
                        t.remove(key).map(drop)
                    }
                    .map_err(undo_err)?;
                }
                Undo::Owned(put_back) => put_back(&self.tx)?,
            }
        }
        Ok(())
    }

    fn counter_put(&mut self, key: &str, value: u64) -> Result<(), StoreError> {
        let mut meta = self
            .tx
            .open_table(META)
            .map_err(StoreError::db("opening meta"))?;
        let old = meta
            .insert(key, value)
            .map_err(StoreError::db("writing meta"))?
            .map(|g| g.value());
        drop(meta);
        self.note(|| Undo::Counter(META, key.to_string(), old));
        Ok(())
    }

    /// Hands out the next id of a table; ids are never reused, even after a rollback-free
    /// delete, so audit entries keep pointing at the right thing.
    pub fn next_id(&mut self, kind: Kind) -> Result<u64, StoreError> {
        let meta = self
            .tx
            .open_table(META)
            .map_err(StoreError::db("opening meta"))?;
        let key = format!("next_id:{}", kind.name());
        let next = meta
            .get(key.as_str())
            .map_err(StoreError::db("reading id counter"))?
            .map(|v| v.value())
            .unwrap_or(1);
        drop(meta);
        self.counter_put(&key, next + 1)?;
        Ok(next)
    }

    /// Sets a store-wide marker (see `Reader::marker`).
    pub fn marker_put(&mut self, key: &str, value: u64) -> Result<(), StoreError> {
        self.counter_put(&format!("marker:{key}"), value)
    }

    /// Inserts or replaces the record under `id`.
    pub fn put<R: Record>(&mut self, id: u64, record: &R) -> Result<(), StoreError> {
        let on = self.journal.is_some();
        let bytes = codec::encode(record)?;
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let old = copied(
            on,
            t.insert(id, bytes.as_slice())
                .map_err(StoreError::db("writing row"))?,
        );
        drop(t);
        self.touched.push((R::KIND, id));
        self.note(|| Undo::Row(R::KIND.table(), id, old));
        Ok(())
    }

    /// Removes the record under `id`; true if it existed.
    pub fn remove<R: Record>(&mut self, id: u64) -> Result<bool, StoreError> {
        let on = self.journal.is_some();
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let g = t.remove(id).map_err(StoreError::db("removing row"))?;
        let existed = g.is_some();
        let old = copied(on, g);
        drop(t);
        self.touched.push((R::KIND, id));
        self.note(|| Undo::Row(R::KIND.table(), id, old));
        Ok(existed)
    }

    pub fn kput<R: KeyedRecord>(&mut self, key: &str, record: &R) -> Result<(), StoreError> {
        let on = self.journal.is_some();
        let bytes = codec::encode(record)?;
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let old = copied(
            on,
            t.insert(key, bytes.as_slice())
                .map_err(StoreError::db("writing row"))?,
        );
        drop(t);
        self.note(|| Undo::Named(R::KIND.table(), key.to_string(), old));
        Ok(())
    }

    pub fn kremove<R: KeyedRecord>(&mut self, key: &str) -> Result<bool, StoreError> {
        let on = self.journal.is_some();
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let g = t.remove(key).map_err(StoreError::db("removing row"))?;
        let existed = g.is_some();
        let old = copied(on, g);
        drop(t);
        self.note(|| Undo::Named(R::KIND.table(), key.to_string(), old));
        Ok(existed)
    }

    /// Removes every keyed record for which `f` returns true; returns how many.
    pub fn kretain<R: KeyedRecord>(
        &mut self,
        mut keep: impl FnMut(&str, &R) -> bool,
    ) -> Result<usize, StoreError> {
        let doomed: Vec<String> = self
            .klist::<R>()?
            .into_iter()
            .filter(|(k, r)| !keep(k, r))
            .map(|(k, _)| k)
            .collect();
        for k in &doomed {
            self.kremove::<R>(k)?;
        }
        Ok(doomed.len())
    }

    pub fn index_put(&mut self, index: Index, key: &str, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(index.table())
            .map_err(StoreError::db("opening index"))?;
        let old = t
            .insert(key, id)
            .map_err(StoreError::db("writing index"))?
            .map(|g| g.value());
        drop(t);
        self.note(|| Undo::Counter(index.table(), key.to_string(), old));
        Ok(())
    }

    pub fn index_remove(&mut self, index: Index, key: &str) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(index.table())
            .map_err(StoreError::db("opening index"))?;
        let old = t
            .remove(key)
            .map_err(StoreError::db("removing index entry"))?
            .map(|g| g.value());
        drop(t);
        self.note(|| Undo::Counter(index.table(), key.to_string(), old));
        Ok(())
    }

    pub fn summary_put(&mut self, kind: Summary, id: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let on = self.journal.is_some();
        let mut t = self
            .tx
            .open_table(kind.table())
            .map_err(StoreError::db("opening summaries"))?;
        let old = copied(
            on,
            t.insert(id, bytes)
                .map_err(StoreError::db("writing summary"))?,
        );
        drop(t);
        self.note(|| Undo::Row(kind.table(), id, old));
        Ok(())
    }

    pub fn summary_remove(&mut self, kind: Summary, id: u64) -> Result<(), StoreError> {
        let on = self.journal.is_some();
        let mut t = self
            .tx
            .open_table(kind.table())
            .map_err(StoreError::db("opening summaries"))?;
        let old = copied(
            on,
            t.remove(id).map_err(StoreError::db("removing summary"))?,
        );
        drop(t);
        self.note(|| Undo::Row(kind.table(), id, old));
        Ok(())
    }

    pub fn set_add(&mut self, set: Set, group: u64, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(set.table())
            .map_err(StoreError::db("opening set"))?;
        let existed = t
            .insert((group, id), ())
            .map_err(StoreError::db("writing set"))?
            .is_some();
        drop(t);
        self.note(|| Undo::Member(set.table(), (group, id), existed));
        Ok(())
    }

    pub fn set_remove(&mut self, set: Set, group: u64, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(set.table())
            .map_err(StoreError::db("opening set"))?;
        let existed = t
            .remove((group, id))
            .map_err(StoreError::db("removing from set"))?
            .is_some();
        drop(t);
        self.note(|| Undo::Member(set.table(), (group, id), existed));
        Ok(())
    }

    /// Removes records with ids below `before`, oldest first, at most `limit`; returns how many.
    pub fn remove_below<R: Record>(
        &mut self,
        before: u64,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let on = self.journal.is_some();
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let ids: Vec<u64> = t
            .range(..before)
            .map_err(StoreError::db("scanning table"))?
            .take(limit)
            .map(|row| row.map(|(k, _)| k.value()))
            .collect::<Result<_, _>>()
            .map_err(StoreError::db("reading row"))?;
        let mut olds = Vec::new();
        for id in &ids {
            let old = copied(on, t.remove(id).map_err(StoreError::db("removing row"))?);
            if self.journal.is_some() {
                olds.push((*id, old));
            }
        }
        drop(t);
        self.touched.extend(ids.iter().map(|id| (R::KIND, *id)));
        self.dirty |= !ids.is_empty();
        for (id, old) in olds {
            self.note(|| Undo::Row(R::KIND.table(), id, old));
        }
        Ok(ids.len())
    }

    pub fn blob_put(&mut self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let on = self.journal.is_some();
        let mut t = self
            .tx
            .open_table(BLOBS)
            .map_err(StoreError::db("opening blobs"))?;
        let old = copied(
            on,
            t.insert(key, bytes)
                .map_err(StoreError::db("writing blob"))?,
        );
        drop(t);
        self.note(|| Undo::Named(BLOBS, key.to_string(), old));
        Ok(())
    }

    pub fn blob_remove(&mut self, key: &str) -> Result<(), StoreError> {
        let on = self.journal.is_some();
        let mut t = self
            .tx
            .open_table(BLOBS)
            .map_err(StoreError::db("opening blobs"))?;
        let old = copied(on, t.remove(key).map_err(StoreError::db("removing blob"))?);
        drop(t);
        self.note(|| Undo::Named(BLOBS, key.to_string(), old));
        Ok(())
    }

    /// Inserts or replaces the row under `key` in a table another module owns.
    pub fn table_put<'k, K: Key + 'static, V: Plain>(
        &mut self,
        table: Table<K, V>,
        key: impl Borrow<K::SelfType<'k>>,
        value: V,
    ) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(table.def())
            .map_err(StoreError::db("opening table"))?;
        let key = key.borrow();
        let old = t
            .insert(key, value)
            .map_err(StoreError::db("writing row"))?
            .map(|g| g.value());
        drop(t);
        self.note_owned(table, key, old);
        Ok(())
    }

    /// Removes the row under `key` from a table another module owns, if there is one.
    pub fn table_remove<'k, K: Key + 'static, V: Plain>(
        &mut self,
        table: Table<K, V>,
        key: impl Borrow<K::SelfType<'k>>,
    ) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(table.def())
            .map_err(StoreError::db("opening table"))?;
        let key = key.borrow();
        let old = t
            .remove(key)
            .map_err(StoreError::db("removing row"))?
            .map(|g| g.value());
        drop(t);
        self.note_owned(table, key, old);
        Ok(())
    }

    /// Notes the row of an owned table under `key` held `old` before.
    fn note_owned<K: Key + 'static, V: Plain>(
        &mut self,
        table: Table<K, V>,
        key: &K::SelfType<'_>,
        old: Option<V>,
    ) {
        self.note(|| {
            let key = K::as_bytes(key).as_ref().to_vec();
            Undo::Owned(Box::new(move |tx| {
                let mut t = tx.open_table(table.def()).map_err(undo_err)?;
                let k = K::from_bytes(&key);
                match old {
                    Some(v) => t.insert(k, v).map(drop),
                    None => t.remove(k).map(drop),
                }
                .map_err(undo_err)
            }))
        });
    }
}
