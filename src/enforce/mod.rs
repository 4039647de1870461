//! Enforcement: Steppe holds the desired state, each router is made to match it.
//!
//! One task per router ([`task`]) keeps a connection, reads what the router holds, and applies
//! the difference from what the store says ([`desired`], [`diff`], [`apply`]). One scheduler
//! task ([`scheduler`]) sleeps until the next expiry and wakes the routers concerned, so a
//! customer is cut off within moments of running out, without a polling cron. Every command
//! sent is written to the router command log ([`log`]).
//!
//! Invariant: entries on a router whose comment is not `steppe:<id>` are never changed, except
//! when a customer is explicitly set to adopt the entry of the same name.

pub mod apply;
pub mod cards;
pub mod desired;
pub mod diff;
pub mod garden;
pub mod log;
mod mailbox;
pub mod marked;
pub mod please_pay;
mod probe;
mod reconcile;
mod scheduler;
mod task;
mod usage;

pub use probe::{probe, probe_within};
pub use task::SyncReport;

use crate::billing::Customer;
use crate::billing::plan::Plan;
use crate::clock::Clock;
use crate::network::SecretBox;
use crate::store::{Reader, Store};
use mailbox::Mailbox;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use task::Request;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Why a command was sent to a router; shown in the router's command log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Cause {
    /// An admin's action (username).
    Admin(String),
    /// A payment (id) — from the billing issue on.
    Payment(u64),
    /// A customer's time ran out.
    Expiry,
    /// Periodic or on-reconnect full reconcile.
    Sync,
    /// Steppe started.
    Startup,
    /// The clock moved: entitlement may have changed either way.
    ClockMoved,
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Admin(u) => write!(f, "admin {u}"),
            Cause::Payment(id) => write!(f, "payment #{id}"),
            Cause::Expiry => f.write_str("expiry"),
            Cause::Sync => f.write_str("sync"),
            Cause::Startup => f.write_str("startup"),
            Cause::ClockMoved => f.write_str("clock moved"),
        }
    }
}

/// What "Test connection" learns from a router.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Probe {
    pub identity: String,
    pub version: String,
    pub board: String,
    pub architecture: String,
    pub uptime_secs: u64,
    pub cpu_load: u64,
    pub free_memory: u64,
    pub total_memory: u64,
    /// `(name, type, running)`.
    pub interfaces: Vec<(String, String, bool)>,
    /// `(name, interface)`.
    pub hotspot_servers: Vec<(String, String)>,
    /// `(service name, interface)` of the PPPoE servers.
    pub pppoe_servers: Vec<(String, String)>,
    pub hotspot_active: u64,
    pub ppp_active: u64,
    /// The certificate fingerprint, when api-ssl is used.
    pub tls_fingerprint: Option<String>,
}

/// How soon a card's first login is noticed, at most (the vouchers pages say so).
pub const CARD_LOOK_INTERVAL: Duration = Duration::from_secs(30);

/// Timings of the reconcilers; the defaults suit production, tests shorten them.
#[derive(Debug, Clone)]
pub struct EnforceConfig {
    /// A full reconcile of every router this often, repairing manual edits and reboots.
    pub full_interval: Duration,
    /// First reconnect delay after a failure; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub connect_timeout: Duration,
    /// Limit for one command from send to reply.
    pub command_timeout: Duration,
    /// Resource figures (CPU, memory, uptime) are read at most this often.
    pub resource_interval: Duration,
    /// A targeted reconcile of more customers than this becomes a full one (fewer queries).
    pub targeted_limit: usize,
    /// Hotspot sessions of routers with voucher cards are read this often, to notice a card's
    /// first login (and start its clock) within this time.
    pub card_look_interval: Duration,
}

impl Default for EnforceConfig {
    fn default() -> Self {
        EnforceConfig {
            full_interval: Duration::from_secs(300),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(30),
            resource_interval: Duration::from_secs(60),
            targeted_limit: 50,
            card_look_interval: CARD_LOOK_INTERVAL,
        }
    }
}

/// What every task needs.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub store: Store,
    pub clock: Clock,
    pub secrets: SecretBox,
    pub config: Arc<EnforceConfig>,
    /// Where router tasks run: the runtime the enforcer was started in, even when a router is
    /// added from a request served elsewhere.
    pub runtime: tokio::runtime::Handle,
    /// Wakes the expiry timer to plan again (a card's first use gave it an expiry).
    pub replan: Arc<Notify>,
}

struct Handle {
    mailbox: Arc<Mailbox>,
    requests: mpsc::UnboundedSender<Request>,
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

pub(crate) struct Inner {
    ctx: Ctx,
    routers: Mutex<HashMap<u64, Handle>>,
    replan: Arc<Notify>,
    stop: watch::Sender<bool>,
    scheduler: Mutex<Option<JoinHandle<()>>>,
}

impl Inner {
    fn routers(&self) -> MutexGuard<'_, HashMap<u64, Handle>> {
        // The map stays consistent even if a holder panicked: keep going.
        self.routers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The mailbox of a router's task, starting the task if it is not running.
    fn mailbox(&self, router_id: u64) -> Option<Arc<Mailbox>> {
        if *self.stop.borrow() {
            return None;
        }
        let mut routers = self.routers();
        if let Some(h) = routers.get(&router_id)
            && !h.join.is_finished()
        {
            return Some(h.mailbox.clone());
        }
        let h = spawn_router(&self.ctx, router_id);
        let mailbox = h.mailbox.clone();
        routers.insert(router_id, h);
        Some(mailbox)
    }

    fn wake(&self, router_id: u64, customers: &[u64], cause: &Cause) {
        if let Some(m) = self.mailbox(router_id) {
            m.customers(customers, cause);
        }
    }
}

fn spawn_router(ctx: &Ctx, router_id: u64) -> Handle {
    let mailbox = Arc::new(Mailbox::default());
    let (requests, rx) = mpsc::unbounded_channel();
    let (stop, stop_rx) = watch::channel(false);
    let join = ctx.runtime.spawn(task::run(
        ctx.clone(),
        router_id,
        mailbox.clone(),
        rx,
        stop_rx,
    ));
    Handle {
        mailbox,
        requests,
        stop,
        join,
    }
}

/// Handle to the per-router reconcilers and the expiry timer. Cheap to clone.
#[derive(Clone)]
pub struct Enforcer {
    inner: Arc<Inner>,
}

impl Enforcer {
    /// Starts one reconciler per stored router and the expiry scheduler, with default timings.
    /// Must be called inside a tokio runtime.
    pub fn start(store: Store, clock: Clock, secrets: SecretBox) -> Enforcer {
        Enforcer::start_with(store, clock, secrets, EnforceConfig::default())
    }

    /// [`Enforcer::start`] with chosen timings.
    pub fn start_with(
        store: Store,
        clock: Clock,
        secrets: SecretBox,
        config: EnforceConfig,
    ) -> Enforcer {
        let ctx = Ctx {
            store,
            clock,
            secrets,
            config: Arc::new(config),
            runtime: tokio::runtime::Handle::current(),
            replan: Arc::new(Notify::new()),
        };
        let (stop, _) = watch::channel(false);
        let inner = Arc::new(Inner {
            ctx: ctx.clone(),
            routers: Mutex::new(HashMap::new()),
            replan: ctx.replan.clone(),
            stop,
            scheduler: Mutex::new(None),
        });
        let ids: Vec<u64> = match ctx.store.read(|r| r.list::<crate::network::Router>()) {
            Ok(routers) => routers.iter().map(|r| r.id).collect(),
            Err(e) => {
                tracing::error!(error = %e, "reading routers to enforce");
                Vec::new()
            }
        };
        for id in ids {
            inner.mailbox(id);
        }
        let scheduler = ctx.runtime.clone().spawn(scheduler::run(
            ctx,
            Arc::downgrade(&inner),
            inner.replan.clone(),
            inner.stop.subscribe(),
        ));
        *inner.scheduler.lock().unwrap_or_else(|p| p.into_inner()) = Some(scheduler);
        Enforcer { inner }
    }

    /// A router was added or edited: (re)connect with its settings and reconcile fully.
    pub fn router_saved(&self, router_id: u64) {
        if let Some(m) = self.inner.mailbox(router_id) {
            m.reconnect(Cause::Sync);
        }
    }

    /// A router was deleted: its task stops (nothing is removed from the router).
    pub fn router_deleted(&self, router_id: u64) {
        if let Some(h) = self.inner.routers().remove(&router_id) {
            h.stop.send_replace(true);
        }
    }

    /// Customers changed (created, edited, paid, suspended, moved, deleted): the routers that
    /// held or hold them reconcile those customers now, and the expiry timer re-plans.
    pub fn customers_changed(&self, router_ids: &[u64], customer_ids: &[u64], cause: Cause) {
        for &r in router_ids {
            self.inner.wake(r, customer_ids, &cause);
        }
        self.inner.replan.notify_one();
    }

    /// Voucher cards changed (voided, first used, made): their routers reconcile those cards
    /// now, and the expiry timer re-plans.
    pub fn cards_changed(&self, router_ids: &[u64], card_ids: &[u64], cause: Cause) {
        for &r in router_ids {
            if let Some(m) = self.inner.mailbox(r) {
                m.cards(card_ids, &cause);
            }
        }
        self.inner.replan.notify_one();
    }

    /// Plans changed: every router reconciles fully (profiles and users).
    pub fn plans_changed(&self, cause: Cause) {
        self.inner.full_all(&cause);
    }

    /// A full reconcile of one router now, reconnecting at once if it is offline.
    pub fn sync_now(&self, router_id: u64, cause: Cause) {
        if let Some(m) = self.inner.mailbox(router_id) {
            m.retry_now(cause);
        }
        self.inner.replan.notify_one();
    }

    /// A full reconcile of one router, answered when it has finished (for "Sync now" with a
    /// result, and for benchmarks).
    pub async fn sync_and_wait(&self, router_id: u64, cause: Cause) -> Result<SyncReport, String> {
        self.inner.mailbox(router_id);
        let requests = self
            .inner
            .routers()
            .get(&router_id)
            .map(|h| h.requests.clone())
            .ok_or_else(|| "the enforcer is stopped".to_owned())?;
        let (reply, rx) = oneshot::channel();
        requests
            .send(Request::Sync { cause, reply })
            .map_err(|_| "the router's task has stopped".to_owned())?;
        rx.await
            .map_err(|_| "the router's task has stopped".to_owned())?
    }

    /// Ends the customer's live session(s) now; returns how many were removed.
    pub async fn kick(&self, customer_id: u64, cause: Cause) -> Result<usize, String> {
        let found = self
            .inner
            .ctx
            .store
            .read_async(move |r| {
                let Some(c) = r.get::<Customer>(customer_id)? else {
                    return Ok(None);
                };
                let kind = r.get::<Plan>(c.plan_id)?.map(|p| p.kind);
                Ok::<_, crate::store::StoreError>(Some((c, kind)))
            })
            .await
            .map_err(|e| e.to_string())?;
        let Some((customer, kind)) = found else {
            return Err(format!("customer {customer_id} does not exist"));
        };
        let requests = {
            self.inner.mailbox(customer.router_id);
            let routers = self.inner.routers();
            routers
                .get(&customer.router_id)
                .map(|h| h.requests.clone())
                .ok_or_else(|| "the enforcer is stopped".to_owned())?
        };
        let (reply, rx) = oneshot::channel();
        requests
            .send(Request::Kick {
                login: customer.login,
                customer_id,
                kind,
                cause,
                reply,
            })
            .map_err(|_| "the router's task has stopped".to_owned())?;
        let limit = self.inner.ctx.config.command_timeout.saturating_mul(3);
        match tokio::time::timeout(limit, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err("the router's task has stopped".into()),
            Err(_) => Err("the router did not answer in time".into()),
        }
    }

    /// Stops every task and waits for them (at most a few seconds).
    pub async fn shutdown(&self) {
        self.inner.stop.send_replace(true);
        let handles: Vec<Handle> = self.inner.routers().drain().map(|(_, h)| h).collect();
        let mut joins: Vec<JoinHandle<()>> = handles
            .into_iter()
            .map(|h| {
                h.stop.send_replace(true);
                h.join
            })
            .collect();
        if let Some(s) = self
            .inner
            .scheduler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            joins.push(s);
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        for mut j in joins {
            if tokio::time::timeout_at(deadline, &mut j).await.is_err() {
                j.abort();
            }
        }
    }
}

/// Wakes routers from the scheduler without keeping the enforcer alive.
impl Inner {
    /// A full reconcile of every router.
    pub(crate) fn full_all(&self, cause: &Cause) {
        let ids: Vec<u64> = self.routers().keys().copied().collect();
        for id in ids {
            if let Some(m) = self.mailbox(id) {
                m.full(cause.clone());
            }
        }
    }
}

pub(crate) fn wake_routers(
    inner: &Weak<Inner>,
    customers: &HashMap<u64, Vec<u64>>,
    cards: &HashMap<u64, Vec<u64>>,
) {
    if let Some(inner) = inner.upgrade() {
        for (router, ids) in customers {
            inner.wake(*router, ids, &Cause::Expiry);
        }
        for (router, ids) in cards {
            if let Some(m) = inner.mailbox(*router) {
                m.cards(ids, &Cause::Expiry);
            }
        }
    }
}
