//! Writing: the methods of a write transaction in progress. Reads inside it go through
//! `Reader`, like reads of a snapshot.

use super::catalogue::{BLOBS, META};
use super::declare::{Plain, Table};
use super::{Index, KeyedRecord, Kind, Reader, Record, Set, StoreError, Summary, codec};
use redb::{Key, ReadableTable};
use std::borrow::Borrow;

/// A write transaction in progress.
pub struct Write {
    pub(super) tx: redb::WriteTransaction,
}

impl Write {
    /// Hands out the next id of a table; ids are never reused, even after a rollback-free
    /// delete, so audit entries keep pointing at the right thing.
    pub fn next_id(&mut self, kind: Kind) -> Result<u64, StoreError> {
        let mut meta = self
            .tx
            .open_table(META)
            .map_err(StoreError::db("opening meta"))?;
        let key = format!("next_id:{}", kind.name());
        let next = meta
            .get(key.as_str())
            .map_err(StoreError::db("reading id counter"))?
            .map(|v| v.value())
            .unwrap_or(1);
        meta.insert(key.as_str(), next + 1)
            .map_err(StoreError::db("writing id counter"))?;
        Ok(next)
    }

    /// Sets a store-wide marker (see `Reader::marker`).
    pub fn marker_put(&mut self, key: &str, value: u64) -> Result<(), StoreError> {
        let mut meta = self
            .tx
            .open_table(META)
            .map_err(StoreError::db("opening meta"))?;
        meta.insert(format!("marker:{key}").as_str(), value)
            .map_err(StoreError::db("writing meta"))?;
        Ok(())
    }

    /// Inserts or replaces the record under `id`.
    pub fn put<R: Record>(&mut self, id: u64, record: &R) -> Result<(), StoreError> {
        let bytes = codec::encode(record)?;
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        t.insert(id, bytes.as_slice())
            .map_err(StoreError::db("writing row"))?;
        Ok(())
    }

    /// Removes the record under `id`; true if it existed.
    pub fn remove<R: Record>(&mut self, id: u64) -> Result<bool, StoreError> {
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let old = t.remove(id).map_err(StoreError::db("removing row"))?;
        Ok(old.is_some())
    }

    pub fn kput<R: KeyedRecord>(&mut self, key: &str, record: &R) -> Result<(), StoreError> {
        let bytes = codec::encode(record)?;
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        t.insert(key, bytes.as_slice())
            .map_err(StoreError::db("writing row"))?;
        Ok(())
    }

    pub fn kremove<R: KeyedRecord>(&mut self, key: &str) -> Result<bool, StoreError> {
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let old = t.remove(key).map_err(StoreError::db("removing row"))?;
        Ok(old.is_some())
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
        t.insert(key, id).map_err(StoreError::db("writing index"))?;
        Ok(())
    }

    pub fn index_remove(&mut self, index: Index, key: &str) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(index.table())
            .map_err(StoreError::db("opening index"))?;
        t.remove(key)
            .map_err(StoreError::db("removing index entry"))?;
        Ok(())
    }

    pub fn summary_put(&mut self, kind: Summary, id: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(kind.table())
            .map_err(StoreError::db("opening summaries"))?;
        t.insert(id, bytes)
            .map_err(StoreError::db("writing summary"))?;
        Ok(())
    }

    pub fn summary_remove(&mut self, kind: Summary, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(kind.table())
            .map_err(StoreError::db("opening summaries"))?;
        t.remove(id).map_err(StoreError::db("removing summary"))?;
        Ok(())
    }

    pub fn set_add(&mut self, set: Set, group: u64, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(set.table())
            .map_err(StoreError::db("opening set"))?;
        t.insert((group, id), ())
            .map_err(StoreError::db("writing set"))?;
        Ok(())
    }

    pub fn set_remove(&mut self, set: Set, group: u64, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(set.table())
            .map_err(StoreError::db("opening set"))?;
        t.remove((group, id))
            .map_err(StoreError::db("removing from set"))?;
        Ok(())
    }

    /// Removes records with ids below `before`, oldest first, at most `limit`; returns how many.
    pub fn remove_below<R: Record>(
        &mut self,
        before: u64,
        limit: usize,
    ) -> Result<usize, StoreError> {
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
        for id in &ids {
            t.remove(id).map_err(StoreError::db("removing row"))?;
        }
        Ok(ids.len())
    }

    pub fn blob_put(&mut self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(BLOBS)
            .map_err(StoreError::db("opening blobs"))?;
        t.insert(key, bytes)
            .map_err(StoreError::db("writing blob"))?;
        Ok(())
    }

    pub fn blob_remove(&mut self, key: &str) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(BLOBS)
            .map_err(StoreError::db("opening blobs"))?;
        t.remove(key).map_err(StoreError::db("removing blob"))?;
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
        t.insert(key, value)
            .map_err(StoreError::db("writing row"))?;
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
        t.remove(key).map_err(StoreError::db("removing row"))?;
        Ok(())
    }
}
