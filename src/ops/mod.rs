//! The use cases: what an admin, the API or the CLI can do to an installation.
//!
//! Each takes typed input and who acts, runs one store transaction through [`commit`], and
//! returns what it touched. The transaction records its consequences in [`Effects`]; `commit`
//! applies them only after the write has committed — the routers to reconcile, the message
//! sender to wake — so no caller can forget a wake-up or send one for a change that rolled back.
//! Pages, the JSON API and the CLI all call these; none of them writes to the store for a change
//! that grants service or money on its own.

pub mod access;
pub mod admins;
pub mod agents;
pub mod bills;
pub mod customers;
pub mod extensions;
pub mod installation;
pub mod messages;
pub mod payments;
pub mod plans;
pub mod routers;
pub mod selfpay;
pub mod vouchers;

use crate::app::Core;
use crate::audit::Actor;
use crate::enforce::Cause;
use crate::error::Error;
use crate::store::Write;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Who acts, when, and in which zone they type local times.
#[derive(Debug, Clone)]
pub struct By {
    pub actor: Actor,
    pub now: Timestamp,
    pub tz: TimeZone,
}

impl By {
    /// The cause shown in the router command log for what this actor changed.
    pub fn cause(&self) -> Cause {
        Cause::Admin(self.actor.username.clone())
    }
}

/// What a committed transaction asks of the services.
#[derive(Debug, Default)]
pub struct Effects {
    routers: Vec<u64>,
    customers: Vec<u64>,
    card_routers: Vec<u64>,
    cards: Vec<u64>,
    cause: Option<Cause>,
    plans: bool,
    saved: Vec<u64>,
    deleted: Vec<u64>,
    synced: Vec<u64>,
    notify: bool,
    selfpay: bool,
}

impl Effects {
    /// The desired state of `customer` changed on these routers (old and new on a move).
    pub fn customer(&mut self, routers: &[u64], customer: u64) {
        self.routers.extend_from_slice(routers);
        self.customers.push(customer);
    }

    /// These voucher cards' desired state changed on these routers (made, voided, first used).
    pub fn cards(&mut self, routers: &[u64], cards: &[u64]) {
        self.card_routers.extend_from_slice(routers);
        self.cards.extend_from_slice(cards);
    }

    /// Shown in the router command log instead of the acting admin (a payment names itself).
    pub fn because(&mut self, cause: Cause) {
        self.cause = Some(cause);
    }

    /// Packages changed: every router reconciles its profiles.
    pub fn plans(&mut self) {
        self.plans = true;
    }

    pub fn router_saved(&mut self, id: u64) {
        self.saved.push(id);
    }

    pub fn router_deleted(&mut self, id: u64) {
        self.deleted.push(id);
    }

    /// A full reconcile of this router (what an import adopted is taken over at once).
    pub fn sync(&mut self, id: u64) {
        self.synced.push(id);
    }

    /// Something may be owed a message now (queued, a receipt, new reminder rules).
    pub fn notify(&mut self) {
        self.notify = true;
    }

    /// An invoice to check changed (new, watched, called back): the QPay checker looks again.
    pub fn selfpay(&mut self) {
        self.selfpay = true;
    }

    fn apply(mut self, core: &Core, by: &By) {
        let cause = self.cause.take().unwrap_or_else(|| by.cause());
        if !self.customers.is_empty() {
            self.routers.sort_unstable();
            self.routers.dedup();
            core.enforcer
                .customers_changed(&self.routers, &self.customers, cause.clone());
        }
        if !self.cards.is_empty() {
            self.card_routers.sort_unstable();
            self.card_routers.dedup();
            core.enforcer
                .cards_changed(&self.card_routers, &self.cards, cause.clone());
        }
        if self.plans {
            core.enforcer.plans_changed(cause.clone());
        }
        for id in self.synced {
            core.enforcer.sync_now(id, cause.clone());
        }
        for id in self.saved {
            core.enforcer.router_saved(id);
        }
        for id in self.deleted {
            core.enforcer.router_deleted(id);
        }
        if self.notify {
            core.notifier.wake();
        }
        if self.selfpay {
            core.selfpay.wake();
        }
    }
}

/// Runs `change` in one write transaction on the blocking pool, handed who acts; once it has
/// committed, applies the effects it recorded. A change that fails commits nothing and wakes nothing.
pub async fn commit<T, F>(core: &Core, by: &By, change: F) -> Result<T, Error>
where
    F: FnOnce(&mut Write, &mut Effects, &By) -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    let who = by.clone();
    let (out, fx) = core
        .store
        .write_async(move |w| {
            let mut fx = Effects::default();
            let out = change(w, &mut fx, &who)?;
            Ok::<_, Error>((out, fx))
        })
        .await?;
    fx.apply(core, by);
    Ok(out)
}
