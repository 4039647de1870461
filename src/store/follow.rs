//! A read model in memory, kept in step with the store's commits through the change log.
//!
//! The model remembers the generation it reflects. Before it answers it asks what its kinds of
//! record changed since, and re-reads those from a snapshot taken after asking, so a write
//! acknowledged before the call is in the answer. A model the log no longer reaches, or one
//! whose refresh failed half-way, rebuilds from a snapshot.

use super::{Changed, Kind, Read, Store, StoreError};
use std::sync::{Arc, RwLock, RwLockReadGuard};

/// What a model does with the store's records.
pub trait Model: Default + Send + Sync + 'static {
    /// The kinds of record whose changes it follows.
    const KINDS: &'static [Kind];
    /// Everything again, from one snapshot.
    fn rebuild(&mut self, r: &Read) -> Result<(), StoreError>;
    /// One record of `kind` put or removed since the model last looked.
    fn refresh(&mut self, r: &Read, kind: Kind, id: u64) -> Result<(), StoreError>;
}

struct Followed<M> {
    /// The generation the model reflects; `None` until built, or after a failed refresh.
    seen: Option<u64>,
    model: M,
}

/// A shared model; cheap to clone (every clone is the same model). Pair it with one store.
pub struct Follower<M>(Arc<RwLock<Followed<M>>>);

impl<M> Clone for Follower<M> {
    fn clone(&self) -> Self {
        Follower(self.0.clone())
    }
}

impl<M: Model> Default for Follower<M> {
    fn default() -> Self {
        Follower(Arc::new(RwLock::new(Followed {
            seen: None,
            model: M::default(),
        })))
    }
}

/// A model brought up to date, read-locked while it is held.
pub struct Current<'a, M>(RwLockReadGuard<'a, Followed<M>>);

impl<M> std::ops::Deref for Current<'_, M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.0.model
    }
}

impl<M: Model> Follower<M> {
    /// The model as it stands, not brought up to date (sizes, say).
    pub fn peek(&self) -> Current<'_, M> {
        Current(self.0.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The generation the model reflects, if built.
    pub fn seen(&self) -> Option<u64> {
        self.peek().0.seen
    }

    /// The model brought up to the store's latest commit.
    pub fn sync(&self, store: &Store) -> Result<Current<'_, M>, StoreError> {
        let current = self.peek();
        if current.0.seen == Some(store.generation()) {
            return Ok(current);
        }
        drop(current);
        let mut m = self.0.write().unwrap_or_else(|e| e.into_inner());
        let Followed { seen, model } = &mut *m;
        catch_up(store, seen, model, M::KINDS)?;
        drop(m);
        Ok(self.peek())
    }
}

/// `Model` without its constant, so the catching up below is compiled once, not per model.
trait Refresh {
    fn rebuild(&mut self, r: &Read) -> Result<(), StoreError>;
    fn refresh(&mut self, r: &Read, kind: Kind, id: u64) -> Result<(), StoreError>;
}

impl<M: Model> Refresh for M {
    fn rebuild(&mut self, r: &Read) -> Result<(), StoreError> {
        Model::rebuild(self, r)
    }
    fn refresh(&mut self, r: &Read, kind: Kind, id: u64) -> Result<(), StoreError> {
        Model::refresh(self, r, kind, id)
    }
}

fn catch_up(
    store: &Store,
    seen: &mut Option<u64>,
    model: &mut dyn Refresh,
    kinds: &[Kind],
) -> Result<(), StoreError> {
    let changed = match *seen {
        Some(since) => store.changed(kinds, since),
        None => Changed::Lost {
            now: store.generation(),
        },
    };
    store.read(|r| {
        // Unset while the model is between states, so a failure leaves it to rebuild.
        *seen = None;
        let now = match changed {
            Changed::Lost { now } => {
                model.rebuild(r)?;
                now
            }
            Changed::Ids { now, ids } => {
                for &kind in kinds {
                    let mut of: Vec<u64> = ids
                        .iter()
                        .filter(|&&(k, _)| k == kind)
                        .map(|&(_, id)| id)
                        .collect();
                    of.sort_unstable();
                    of.dedup();
                    for id in of {
                        model.refresh(r, kind, id)?;
                    }
                }
                now
            }
        };
        *seen = Some(now);
        Ok(())
    })
}
