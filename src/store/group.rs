//! Group commit: writes that arrive together share one redb transaction and one durable commit.
//!
//! `Store::write_async` queues its closure and the first writer to find no one draining starts a
//! drainer on the blocking pool. The drainer takes everything queued, runs the closures one after
//! another in one transaction, commits once and only then tells each caller how it went; what
//! queued meanwhile is the next batch. A lone writer is a batch of one: its transaction is what it
//! was before group commit, and its latency too. Under load a batch is whatever arrived during the
//! previous commit's fsync, so the more writers, the fewer fsyncs per write.
//!
//! A closure that fails (or panics) must leave nothing of itself and must not fail the others.
//! redb's savepoints cannot do that: one can only be taken before a transaction's first write.
//! So every change a closure makes through `Write` notes what it replaced (`writer::Undo`); when
//! the closure fails its notes are played back in reverse and the transaction is exactly as it
//! found it. The closures after it run on that state, as they would have run after a rollback.
//! A batch of one keeps no journal: a failure there simply drops the transaction.

use super::{Store, StoreError, Write};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a closure returned, its `Ok` or `Err` value boxed: one channel type for every caller.
pub(super) type Outcome = Result<Box<dyn Any + Send>, Box<dyn Any + Send>>;

/// A queued write: the closure, and where its outcome goes once the batch has committed.
pub(super) struct Job {
    pub(super) run: Box<dyn FnOnce(&mut Write) -> Outcome + Send>,
    pub(super) reply: tokio::sync::oneshot::Sender<Result<Outcome, StoreError>>,
}

/// Writes waiting for the drainer.
#[derive(Default)]
pub(super) struct Queue {
    jobs: Vec<Job>,
    draining: bool,
}

/// Closures in one transaction at most: bounds a batch's latency and its journal.
const MOST: usize = 256;

impl Store {
    /// Queues `job`; true if the caller must start the drainer (no one is draining).
    pub(super) fn enqueue(&self, job: Job) -> bool {
        let mut q = self.queue();
        q.jobs.push(job);
        !std::mem::replace(&mut q.draining, true)
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs batches until the queue is empty.
    pub(super) fn drain(&self) {
        loop {
            let batch: Vec<Job> = {
                let mut q = self.queue();
                if q.jobs.is_empty() {
                    q.draining = false;
                    return;
                }
                let n = q.jobs.len().min(MOST);
                q.jobs.drain(..n).collect()
            };
            // Should anything outside the closures panic, the batch's callers learn their
            // writes failed (their replies are dropped) and the drainer goes on: a drainer that
            // died with `draining` set would leave every later write waiting for ever.
            if catch_unwind(AssertUnwindSafe(|| self.run_batch(batch))).is_err() {
                tracing::error!("a batch of writes failed unexpectedly");
            }
        }
    }

    fn run_batch(&self, batch: Vec<Job>) {
        let (guard, mut w) = match self.begin_write().map_err(|e| self.failed(e)) {
            Ok(begun) => begun,
            Err(e) => return tell(batch.into_iter().map(|j| (j.reply, Err(e.clone())))),
        };
        if batch.len() > 1 {
            w.journal = Some(Vec::new());
        }
        let mut done = Vec::with_capacity(batch.len());
        let mut jobs = batch.into_iter();
        for job in jobs.by_ref() {
            let told = match catch_unwind(AssertUnwindSafe(|| (job.run)(&mut w))) {
                Ok(outcome) => Ok(outcome),
                Err(_) => Err(StoreError::Db("the write task failed".into())),
            };
            let undone = match kept(&told) {
                true => {
                    w.journal.iter_mut().for_each(Vec::clear);
                    Ok(())
                }
                false => w.undo(),
            };
            done.push((job.reply, told));
            if let Err(e) = undone {
                // The transaction is in an unknown state: nothing of it is kept.
                tracing::error!(error = %e, "a failed write could not be undone");
                drop(w);
                let rest = jobs.map(|j| (j.reply, Err(e.clone())));
                return tell(lost(done, &e).chain(rest));
            }
        }
        w.journal = None;
        if !w.dirty || !done.iter().any(|(_, told)| kept(told)) {
            // Nothing to keep: no commit, no fsync.
            drop(w);
            return tell(done);
        }
        match self.commit(guard, w).map_err(|e| self.failed(e)) {
            Ok(()) => tell(done),
            Err(e) => tell(lost(done, &e)),
        }
    }
}

type Told = (
    tokio::sync::oneshot::Sender<Result<Outcome, StoreError>>,
    Result<Outcome, StoreError>,
);

/// Whether a closure succeeded, so that its writes stay in the transaction.
fn kept(told: &Result<Outcome, StoreError>) -> bool {
    matches!(told, Ok(Ok(_)))
}

/// The outcomes once the transaction is gone: what had succeeded learns why it was not kept.
fn lost(done: Vec<Told>, e: &StoreError) -> impl Iterator<Item = Told> + '_ {
    done.into_iter().map(move |(to, told)| match kept(&told) {
        true => (to, Err(e.clone())),
        false => (to, told),
    })
}

fn tell(done: impl IntoIterator<Item = Told>) {
    for (to, told) in done {
        // A caller that gave up waiting (its request dropped) is told nothing.
        let _ = to.send(told);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Index, Kind, Reader, Record, Set, Summary, Table};
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Thing(String);
    impl Record for Thing {
        const KIND: Kind = Kind::Banners;
    }

    const OWNED: Table<(u64, u64), i64> = crate::store::catalogue::PENDING_BILLS;

    /// Everything a closure can touch, so that undoing each kind of change is tested.
    fn touch_all(w: &mut Write, name: &str) -> Result<u64, StoreError> {
        let id = w.next_id(Kind::Banners)?;
        w.put(id, &Thing(name.into()))?;
        w.index_put(Index::RouterName, name, id)?;
        w.set_add(Set::CustomersByRouter, 1, id)?;
        w.summary_put(Summary::Customers, id, name.as_bytes())?;
        w.blob_put(name, b"blob")?;
        w.marker_put("last", id)?;
        w.table_put(OWNED, (id, id), 5)?;
        Ok(id)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    type Queued<T> = Box<dyn FnOnce(&mut Write) -> Result<T, StoreError> + Send>;

    /// Holds the drainer in a write until `jobs` are queued, in order, so they form one batch.
    async fn batch_of<T: Send + 'static>(
        store: &Store,
        jobs: Vec<Queued<T>>,
    ) -> Vec<Result<T, StoreError>> {
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let (running, started) = tokio::sync::oneshot::channel::<()>();
        let s = store.clone();
        let blocker = tokio::spawn(async move {
            s.write_async(move |_w| {
                let _ = running.send(());
                wait.recv().ok();
                Ok::<_, StoreError>(())
            })
            .await
        });
        started.await.unwrap();
        let mut handles = Vec::new();
        for (k, f) in jobs.into_iter().enumerate() {
            let s = store.clone();
            handles.push(tokio::spawn(async move { s.write_async(f).await }));
            while store.queue().jobs.len() <= k {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        }
        go.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }

    fn failing_between_two_good_ones(bad: Queued<u64>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let before = store.generation();
        let results = runtime().block_on(batch_of(
            &store,
            vec![
                Box::new(|w| touch_all(w, "first")),
                bad,
                Box::new(|w| touch_all(w, "third")),
            ],
        ));
        assert_eq!(results[0].as_ref().unwrap(), &1);
        assert!(results[1].is_err(), "the failing closure is told it failed");
        assert_eq!(
            results[2].as_ref().unwrap(),
            &2,
            "the one after it runs as if the failed one had never run (its id is not used up)"
        );
        assert_eq!(
            store.generation(),
            before + 1,
            "one commit for all three (the blocker wrote nothing, so it committed nothing)"
        );
        store
            .read(|r| {
                let things: Vec<Thing> = r.list()?;
                assert_eq!(things, [Thing("first".into()), Thing("third".into())]);
                assert_eq!(r.index_get(Index::RouterName, "second")?, None);
                assert_eq!(r.index_get(Index::RouterName, "third")?, Some(2));
                assert_eq!(r.set_members(Set::CustomersByRouter, 1)?, [1, 2]);
                assert_eq!(r.summary_count(Summary::Customers)?, 2);
                assert_eq!(r.blob("second")?, None);
                assert_eq!(r.marker("last")?, Some(2));
                assert_eq!(r.table_get(OWNED, (3, 3))?, None);
                assert_eq!(r.table_get(OWNED, (2, 2))?, Some(5));
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn a_failing_closure_between_two_good_ones_leaves_nothing_and_fails_neither() {
        failing_between_two_good_ones(Box::new(|w| {
            touch_all(w, "second")?;
            // It also overwrote what the first one wrote: that must come back too.
            w.put(1, &Thing("overwritten".into()))?;
            w.remove::<Thing>(1)?;
            w.set_remove(Set::CustomersByRouter, 1, 1)?;
            w.table_remove(OWNED, (1, 1))?;
            w.index_remove(Index::RouterName, "first")?;
            Err(StoreError::Db("refused".into()))
        }));
    }

    #[test]
    fn a_panicking_closure_between_two_good_ones_leaves_nothing_and_fails_neither() {
        failing_between_two_good_ones(Box::new(|w| {
            touch_all(w, "second")?;
            w.put(1, &Thing("overwritten".into()))?;
            panic!("a bug in one write");
        }));
    }

    #[test]
    fn concurrent_writes_share_commits_and_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let before = store.generation();
        let rt = runtime();
        rt.block_on(async {
            let handles: Vec<_> = (0..200)
                .map(|i| {
                    let s = store.clone();
                    tokio::spawn(async move {
                        s.write_async(move |w| touch_all(w, &format!("t{i}"))).await
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap().unwrap();
            }
        });
        let commits = store.generation() - before;
        assert_eq!(store.read(|r| r.count::<Thing>()).unwrap(), 200);
        assert!(
            (1..200).contains(&commits),
            "200 concurrent writes took {commits} commits"
        );
    }
}
