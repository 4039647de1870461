//! Read access: the `Reader` trait, implemented once for both a read snapshot and a write
//! transaction.
//!
//! The two open tables differently (a write transaction creates a missing one and lends it
//! mutably), but once open both are a redb `ReadableTable`. So every read method is written a
//! single time, as a default method over `Tables::open`, and each transaction only says how it
//! opens a table.

use super::catalogue::{BLOBS, META};
use super::declare::{Plain, Table};
use super::{Index, KeyedRecord, Record, Set, StoreError, Summary, Write, codec};
use redb::{Key, ReadableTable, ReadableTableMetadata, TableDefinition, Value};
use std::borrow::Borrow;
use std::ops::RangeBounds;

/// A read snapshot.
pub struct Read {
    pub(super) tx: redb::ReadTransaction,
}

mod sealed {
    use super::{Key, ReadableTable, StoreError, TableDefinition, Value};

    /// Opens a table inside a transaction; sealed, so only `Read` and `Write` are readers.
    pub trait Tables {
        type Table<'a, K: Key + 'static, V: Value + 'static>: ReadableTable<K, V>
        where
            Self: 'a;

        /// `step` names what failed in the error (`opening set`, `opening meta`, …).
        fn open<K: Key + 'static, V: Value + 'static>(
            &self,
            def: TableDefinition<'static, K, V>,
            step: &'static str,
        ) -> Result<Self::Table<'_, K, V>, StoreError>;
    }
}

impl sealed::Tables for Read {
    type Table<'a, K: Key + 'static, V: Value + 'static> = redb::ReadOnlyTable<K, V>;

    fn open<K: Key + 'static, V: Value + 'static>(
        &self,
        def: TableDefinition<'static, K, V>,
        step: &'static str,
    ) -> Result<Self::Table<'_, K, V>, StoreError> {
        self.tx.open_table(def).map_err(StoreError::db(step))
    }
}

impl sealed::Tables for Write {
    type Table<'a, K: Key + 'static, V: Value + 'static> = redb::Table<'a, K, V>;

    fn open<K: Key + 'static, V: Value + 'static>(
        &self,
        def: TableDefinition<'static, K, V>,
        step: &'static str,
    ) -> Result<Self::Table<'_, K, V>, StoreError> {
        self.tx.open_table(def).map_err(StoreError::db(step))
    }
}

impl Reader for Read {}
impl Reader for Write {}

/// Visits a `u64 → bytes` table in key order (or newest first) until `f` returns false.
fn walk(
    t: &impl ReadableTable<u64, &'static [u8]>,
    newest_first: bool,
    mut f: impl FnMut(u64, &[u8]) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let rows = t.iter().map_err(StoreError::db("scanning table"))?;
    let mut visit = |row: Result<
        (redb::AccessGuard<'_, u64>, redb::AccessGuard<'_, &[u8]>),
        redb::StorageError,
    >| {
        let (k, v) = row.map_err(StoreError::db("reading row"))?;
        f(k.value(), v.value())
    };
    if newest_first {
        for row in rows.rev() {
            if !visit(row)? {
                break;
            }
        }
    } else {
        for row in rows {
            if !visit(row)? {
                break;
            }
        }
    }
    Ok(())
}

/// Read access, the same inside a read snapshot and a write transaction.
pub trait Reader: sealed::Tables {
    /// The record with this id, if any.
    fn get<R: Record>(&self, id: u64) -> Result<Option<R>, StoreError> {
        let t = self.open(R::KIND.table(), "opening table")?;
        let v = t.get(id).map_err(StoreError::db("reading row"))?;
        v.map(|v| codec::decode(R::KIND.name(), v.value()))
            .transpose()
    }

    /// Every record of the table, in id order.
    fn list<R: Record>(&self) -> Result<Vec<R>, StoreError> {
        let mut out = Vec::new();
        self.scan::<R>(false, |r| {
            out.push(r);
            true
        })?;
        Ok(out)
    }

    /// Visits records in id order (or newest first) until `f` returns false.
    fn scan<R: Record>(
        &self,
        newest_first: bool,
        mut f: impl FnMut(R) -> bool,
    ) -> Result<(), StoreError> {
        let t = self.open(R::KIND.table(), "opening table")?;
        walk(&t, newest_first, |_, v| {
            Ok(f(codec::decode(R::KIND.name(), v)?))
        })
    }

    /// Number of records in the table.
    fn count<R: Record>(&self) -> Result<u64, StoreError> {
        let t = self.open(R::KIND.table(), "opening table")?;
        t.len().map_err(StoreError::db("counting rows"))
    }

    /// Records with ids in `from..`, ascending, at most `limit`.
    fn range<R: Record>(&self, from: u64, limit: usize) -> Result<Vec<R>, StoreError> {
        let t = self.open(R::KIND.table(), "opening table")?;
        let mut out = Vec::new();
        for row in t
            .range(from..)
            .map_err(StoreError::db("scanning table"))?
            .take(limit)
        {
            let (_, v) = row.map_err(StoreError::db("reading row"))?;
            out.push(codec::decode(R::KIND.name(), v.value())?);
        }
        Ok(out)
    }

    /// The keyed record under `key`, if any.
    fn kget<R: KeyedRecord>(&self, key: &str) -> Result<Option<R>, StoreError> {
        let t = self.open(R::KIND.table(), "opening table")?;
        let v = t.get(key).map_err(StoreError::db("reading row"))?;
        v.map(|v| codec::decode("keyed", v.value())).transpose()
    }

    /// Every keyed record with its key, in key order.
    fn klist<R: KeyedRecord>(&self) -> Result<Vec<(String, R)>, StoreError> {
        let t = self.open(R::KIND.table(), "opening table")?;
        let mut out = Vec::new();
        for row in t.iter().map_err(StoreError::db("scanning table"))? {
            let (k, v) = row.map_err(StoreError::db("reading row"))?;
            out.push((k.value().to_string(), codec::decode("keyed", v.value())?));
        }
        Ok(out)
    }

    /// The id a unique index maps `key` to.
    fn index_get(&self, index: Index, key: &str) -> Result<Option<u64>, StoreError> {
        let t = self.open(index.table(), "opening index")?;
        let v = t.get(key).map_err(StoreError::db("reading index"))?;
        Ok(v.map(|v| v.value()))
    }

    /// A stored blob (image bytes).
    fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let t = self.open(BLOBS, "opening blobs")?;
        let v = t.get(key).map_err(StoreError::db("reading blob"))?;
        Ok(v.map(|v| v.value().to_vec()))
    }

    /// The ids in `group` of a grouping index, ascending.
    fn set_members(&self, set: Set, group: u64) -> Result<Vec<u64>, StoreError> {
        let mut out = Vec::new();
        self.set_scan(set, (group, group), |_, id| {
            out.push(id);
            true
        })?;
        Ok(out)
    }

    /// Whether (group, id) is in the set.
    fn set_contains(&self, set: Set, group: u64, id: u64) -> Result<bool, StoreError> {
        let t = self.open(set.table(), "opening set")?;
        Ok(t.get((group, id))
            .map_err(StoreError::db("reading set"))?
            .is_some())
    }

    /// Every (group, id) pair, in order, at most `limit`.
    fn set_all(&self, set: Set, limit: usize) -> Result<Vec<(u64, u64)>, StoreError> {
        let t = self.open(set.table(), "opening set")?;
        let mut out = Vec::new();
        for row in t
            .iter()
            .map_err(StoreError::db("scanning set"))?
            .take(limit)
        {
            out.push(row.map_err(StoreError::db("reading set"))?.0.value());
        }
        Ok(out)
    }

    /// The first (group, id) pair with group ≥ `from`.
    fn set_first_from(&self, set: Set, from: u64) -> Result<Option<(u64, u64)>, StoreError> {
        let t = self.open(set.table(), "opening set")?;
        let mut it = t
            .range((from, 0)..)
            .map_err(StoreError::db("scanning set"))?;
        match it.next() {
            Some(row) => Ok(Some(row.map_err(StoreError::db("reading set"))?.0.value())),
            None => Ok(None),
        }
    }

    /// Visits the (group, id) pairs with `groups.0 <= group <= groups.1`, ascending, until `f`
    /// returns false.
    fn set_scan(
        &self,
        set: Set,
        groups: (u64, u64),
        mut f: impl FnMut(u64, u64) -> bool,
    ) -> Result<(), StoreError> {
        let t = self.open(set.table(), "opening set")?;
        for row in t
            .range((groups.0, 0)..=(groups.1, u64::MAX))
            .map_err(StoreError::db("scanning set"))?
        {
            let (k, _) = row.map_err(StoreError::db("reading set"))?;
            let (g, id) = k.value();
            if !f(g, id) {
                break;
            }
        }
        Ok(())
    }

    /// Visits summaries (id, bytes) in id order (or newest first) until `f` returns false.
    fn summaries(
        &self,
        kind: Summary,
        newest_first: bool,
        mut f: impl FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        let t = self.open(kind.table(), "opening summaries")?;
        walk(&t, newest_first, |k, v| Ok(f(k, v)))
    }

    /// One summary.
    fn summary(&self, kind: Summary, id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let t = self.open(kind.table(), "opening summaries")?;
        let v = t.get(id).map_err(StoreError::db("reading summary"))?;
        Ok(v.map(|v| v.value().to_vec()))
    }

    /// How many summaries of a kind there are.
    fn summary_count(&self, kind: Summary) -> Result<u64, StoreError> {
        let t = self.open(kind.table(), "opening summaries")?;
        t.len().map_err(StoreError::db("counting summaries"))
    }

    /// A store-wide marker (`meta` table): operational state, not records, so backups and
    /// comparisons of installations leave it aside.
    fn marker(&self, key: &str) -> Result<Option<u64>, StoreError> {
        let t = self.open(META, "opening meta")?;
        Ok(t.get(format!("marker:{key}").as_str())
            .map_err(StoreError::db("reading meta"))?
            .map(|v| v.value()))
    }

    /// The value under `key` in a table another module owns.
    fn table_get<'k, K: Key + 'static, V: Plain>(
        &self,
        table: Table<K, V>,
        key: impl Borrow<K::SelfType<'k>>,
    ) -> Result<Option<V>, StoreError> {
        let t = self.open(table.def(), "opening table")?;
        let v = t.get(key).map_err(StoreError::db("reading row"))?;
        Ok(v.map(|v| v.value()))
    }

    /// Visits the rows of a table another module owns with keys in `keys`, ascending, until `f`
    /// returns false.
    fn table_scan<'k, K: Key + 'static, V: Plain>(
        &self,
        table: Table<K, V>,
        keys: impl RangeBounds<K::SelfType<'k>> + 'k,
        mut f: impl FnMut(K::SelfType<'_>, V) -> bool,
    ) -> Result<(), StoreError> {
        let t = self.open(table.def(), "opening table")?;
        for row in t.range(keys).map_err(StoreError::db("scanning table"))? {
            let (k, v) = row.map_err(StoreError::db("reading row"))?;
            if !f(k.value(), v.value()) {
                break;
            }
        }
        Ok(())
    }
}
