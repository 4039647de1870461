//! Where wake-ups for one router accumulate until its task takes them.
//!
//! Wake-ups are coalesced rather than queued: ten payments in a second cost one reconcile of
//! ten customers, and an offline router accumulates what it owes (shown as pending changes)
//! instead of a backlog of stale commands.

use super::Cause;
use super::diff::Owner;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::Notify;

/// Work waiting for a router's task.
#[derive(Debug, Default)]
struct Pending {
    full: Option<Cause>,
    customers: BTreeMap<u64, Cause>,
    /// Voucher cards by id (a separate id space from customers).
    cards: BTreeMap<u64, Cause>,
    /// Drop the connection and connect again now (the router's settings changed).
    reconnect: bool,
    /// If offline, try to connect now instead of waiting out the backoff (an admin asked).
    retry_now: bool,
}

/// Where wake-ups for one router accumulate.
#[derive(Debug, Default)]
pub(super) struct Mailbox {
    pending: Mutex<Pending>,
    /// Signalled on every wake-up; the task waits on it between passes.
    pub(super) notify: Notify,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn customers(&self, ids: &[u64], cause: &Cause) {
        let mut p = self.lock();
        for id in ids {
            p.customers.insert(*id, cause.clone());
        }
        drop(p);
        self.notify.notify_one();
    }

    pub fn cards(&self, ids: &[u64], cause: &Cause) {
        let mut p = self.lock();
        for id in ids {
            p.cards.insert(*id, cause.clone());
        }
        drop(p);
        self.notify.notify_one();
    }

    pub fn full(&self, cause: Cause) {
        self.lock().full.get_or_insert(cause);
        self.notify.notify_one();
    }

    pub fn reconnect(&self, cause: Cause) {
        let mut p = self.lock();
        p.full.get_or_insert(cause);
        p.reconnect = true;
        drop(p);
        self.notify.notify_one();
    }

    pub fn retry_now(&self, cause: Cause) {
        let mut p = self.lock();
        p.full.get_or_insert(cause);
        p.retry_now = true;
        drop(p);
        self.notify.notify_one();
    }

    pub(super) fn take_retry_now(&self) -> bool {
        std::mem::take(&mut self.lock().retry_now)
    }

    pub(super) fn take(&self) -> Work {
        let mut p = self.lock();
        Work {
            full: p.full.take(),
            customers: std::mem::take(&mut p.customers),
            cards: std::mem::take(&mut p.cards),
        }
    }

    pub(super) fn take_reconnect(&self) -> bool {
        std::mem::take(&mut self.lock().reconnect)
    }

    pub(super) fn has_work(&self) -> bool {
        let p = self.lock();
        p.full.is_some() || !p.customers.is_empty() || !p.cards.is_empty()
    }

    /// Customers and cards waiting for the router.
    pub(super) fn pending_customers(&self) -> usize {
        let p = self.lock();
        p.customers.len() + p.cards.len()
    }

    /// Puts work back after a failed attempt, keeping newer causes.
    pub(super) fn requeue(&self, work: Work) {
        let mut p = self.lock();
        if let Some(c) = work.full {
            p.full.get_or_insert(c);
        }
        for (id, cause) in work.customers {
            p.customers.entry(id).or_insert(cause);
        }
        for (id, cause) in work.cards {
            p.cards.entry(id).or_insert(cause);
        }
    }
}

/// One batch of work, as the task takes it from the mailbox.
#[derive(Debug, Default)]
pub(super) struct Work {
    pub(super) full: Option<Cause>,
    pub(super) customers: BTreeMap<u64, Cause>,
    pub(super) cards: BTreeMap<u64, Cause>,
}

impl Work {
    pub(super) fn is_empty(&self) -> bool {
        self.full.is_none() && self.customers.is_empty() && self.cards.is_empty()
    }

    /// Customers and cards together, for the "more than this becomes a full reconcile" limit.
    pub(super) fn targets(&self) -> usize {
        self.customers.len() + self.cards.len()
    }

    pub(super) fn cause_of(&self, owner: Option<Owner>) -> Cause {
        owner
            .and_then(|o| match o {
                Owner::Customer(id) => self.customers.get(&id).cloned(),
                Owner::Card(id) => self.cards.get(&id).cloned(),
            })
            .or_else(|| self.full.clone())
            .or_else(|| self.customers.values().next().cloned())
            .or_else(|| self.cards.values().next().cloned())
            .unwrap_or(Cause::Sync)
    }
}
