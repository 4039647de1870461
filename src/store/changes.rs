//! Which records each commit changed, for read models kept in memory beside the store.
//!
//! A read model remembers the generation it reflects and, before it answers, asks for the ids
//! of its kind changed since; it re-reads those from a snapshot taken after asking. A model that
//! has fallen further behind than the log reaches is told so, and rebuilds.

use super::{Kind, Store};
use std::collections::VecDeque;

/// Changes kept: past this the oldest are dropped, and models older than them rebuild.
const KEPT: usize = 1 << 16;

/// (generation, kind, id) of every record put or removed, oldest first.
#[derive(Default)]
pub(super) struct ChangeLog {
    entries: VecDeque<(u64, Kind, u64)>,
    /// The log holds every change after this generation.
    floor: u64,
    /// Commits so far; the store's `generation`.
    now: u64,
}

impl ChangeLog {
    /// Counts a commit and what it touched; returns the new generation.
    pub(super) fn commit(&mut self, touched: &[(Kind, u64)]) -> u64 {
        self.now += 1;
        let mut last = None;
        for &(kind, id) in touched {
            if last == Some((kind, id)) {
                continue;
            }
            last = Some((kind, id));
            if self.entries.len() == KEPT
                && let Some((gone, _, _)) = self.entries.pop_front()
            {
                // Changes of `gone` may now be missing: only a model at it or later is whole.
                self.floor = gone;
            }
            self.entries.push_back((self.now, kind, id));
        }
        self.now
    }
}

/// What changed of some kinds since a generation.
#[derive(Debug, PartialEq, Eq)]
pub enum Changed {
    /// The records changed (some perhaps more than once, in any order) up to generation `now`.
    Ids { now: u64, ids: Vec<(Kind, u64)> },
    /// The log no longer reaches back that far: rebuild from a snapshot, as of `now`.
    Lost { now: u64 },
}

impl Store {
    /// The records of `kinds` changed by the commits after generation `since`.
    pub fn changed(&self, kinds: &[Kind], since: u64) -> Changed {
        let log = self.shared.log.lock().unwrap_or_else(|e| e.into_inner());
        if since < log.floor || since > log.now {
            return Changed::Lost { now: log.now };
        }
        let from = log.entries.partition_point(|&(g, _, _)| g <= since);
        let ids = log
            .entries
            .range(from..)
            .filter(|&&(_, k, _)| kinds.contains(&k))
            .map(|&(_, k, id)| (k, id))
            .collect();
        Changed::Ids { now: log.now, ids }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_learns_what_changed_since_it_looked_or_that_it_must_rebuild() {
        let mut log = ChangeLog::default();
        assert_eq!(log.commit(&[(Kind::Customers, 1), (Kind::Payments, 7)]), 1);
        assert_eq!(log.commit(&[(Kind::Customers, 2), (Kind::Customers, 2)]), 2);
        let ids = |log: &ChangeLog, since| {
            log.entries
                .iter()
                .filter(|&&(g, k, _)| g > since && k == Kind::Customers)
                .map(|&(_, _, id)| id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&log, 0), [1, 2], "repeats in a row are kept once");
        assert_eq!(ids(&log, 1), [2]);
        for i in 0..KEPT {
            log.commit(&[(Kind::Payments, i as u64)]);
        }
        assert!(log.floor >= 2, "old changes fell out of the log");
    }

    #[test]
    fn the_store_reports_changes_of_each_commit() {
        use crate::store::{Record, Store};
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Thing(u8);
        impl Record for Thing {
            const KIND: Kind = Kind::Banners;
        }
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let start = store.generation();
        store
            .write(|w| {
                w.put(4, &Thing(1))?;
                w.put(9, &Thing(2))
            })
            .unwrap();
        let Changed::Ids { now, ids } = store.changed(&[Kind::Banners], start) else {
            panic!("the log reaches back to the start");
        };
        assert_eq!(
            (now, ids),
            (start + 1, vec![(Kind::Banners, 4), (Kind::Banners, 9)])
        );
        assert_eq!(
            store.changed(&[Kind::Customers], start),
            Changed::Ids {
                now: start + 1,
                ids: vec![]
            }
        );
        let _: Result<(), crate::store::StoreError> = store.write(|w| {
            w.put(5, &Thing(3))?;
            Err(crate::store::StoreError::Db("no".into()))
        });
        assert_eq!(store.generation(), start + 1, "a failed write is no commit");
        assert_eq!(
            store.changed(&[Kind::Banners], start + 5),
            Changed::Lost { now: start + 1 },
            "a generation from elsewhere (another store) rebuilds"
        );
    }
}
