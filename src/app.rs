//! The composition root: opens the store, brings it up to date, and starts the services that keep
//! routers and messages right. The web server is one consumer of what this builds; the CLI and
//! the demo are others.

use crate::clock::Clock;
use crate::enforce::Enforcer;
use crate::network::SecretBox;
use crate::notify::worker::Notifier;
use crate::store::{Store, StoreError};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What every use case reaches: the store, the clock and the services woken after a commit.
pub struct Core {
    pub store: Store,
    pub clock: Clock,
    /// Seals router API passwords (key file beside the database).
    pub secrets: SecretBox,
    /// The per-router reconcilers; every change to desired state wakes them.
    pub enforcer: Enforcer,
    /// The message sender; woken when something is queued.
    pub notifier: Notifier,
    /// The data directory (backups carry its key file; scheduled ones go under it).
    pub data_dir: PathBuf,
    /// The zone from `TZ`/`STEPPE_TZ`, used when settings name none.
    pub env_tz: TimeZone,
    pub started_at: Timestamp,
    /// Wakes the QPay invoice checker.
    pub selfpay: crate::selfpay::Checker,
    /// The QPay client for the current merchant settings.
    pub selfpay_clients: crate::ops::selfpay::Clients,
    /// Who is behind an address, as the routers last said (the anonymous pay page).
    pub callers: crate::ops::selfpay::Callers,
    /// The customers in memory for lists and name look-ups, kept in step with `store`.
    pub roster: crate::billing::roster::Roster,
    /// The payments, bills and extensions in memory for their lists, kept in step likewise.
    pub books: crate::billing::books::Books,
}

/// A running installation: the core and the runtime its services run on.
pub struct Steppe {
    pub core: Arc<Core>,
    services: Services,
    /// Holds a store handle: stopped before the store is closed.
    timekeeper: tokio::task::JoinHandle<()>,
    backup_stop: Arc<tokio::sync::Notify>,
    checker: tokio::task::JoinHandle<()>,
    checker_stop: Arc<tokio::sync::Notify>,
}

impl Steppe {
    /// Opens the data directory and starts the services. Time never starts before what the last
    /// run saw (a board without a real-time clock may boot in 1970 or at its last shutdown).
    pub fn start(data_dir: &Path, env_tz: TimeZone, clock: Clock) -> Result<Steppe, String> {
        let store = Store::open(data_dir).map_err(|e| e.to_string())?;
        if let Some(seen) = store
            .read(crate::clock::remembered)
            .map_err(|e| e.to_string())?
        {
            if seen > clock.now() {
                tracing::warn!(%seen, "the system clock is behind the last time seen; holding at that");
            }
            clock.hold_at_least(seen);
        }
        let now = clock.now();
        store
            .write(|w| housekeeping(w, now))
            .map_err(|e| e.to_string())?;
        let secrets = SecretBox::open(data_dir)?;
        let services = Services::start()?;
        // Everything that keeps routers right and messages going runs on its own threads and
        // blocking pool: no request, however slow its client, can hold them up.
        let entered = services.enter();
        let enforcer = Enforcer::start(store.clone(), clock.clone(), secrets.clone());
        let timekeeper = tokio::spawn(keep_time(store.clone(), clock.clone()));
        let notifier = Notifier::start(
            store.clone(),
            secrets.clone(),
            clock.clone(),
            env_tz.clone(),
        );
        let backup_stop = Arc::new(tokio::sync::Notify::new());
        tokio::spawn(crate::backup::schedule(
            store.clone(),
            data_dir.to_path_buf(),
            clock.clone(),
            backup_stop.clone(),
        ));
        let core = Arc::new(Core {
            store,
            clock,
            secrets,
            enforcer,
            notifier,
            data_dir: data_dir.to_path_buf(),
            env_tz,
            started_at: now,
            selfpay: Default::default(),
            selfpay_clients: Default::default(),
            callers: Default::default(),
            roster: Default::default(),
            books: Default::default(),
        });
        let checker_stop = Arc::new(tokio::sync::Notify::new());
        let checker = tokio::spawn(crate::ops::selfpay::checker(
            core.clone(),
            checker_stop.clone(),
        ));
        drop(entered);
        Ok(Steppe {
            core,
            services,
            timekeeper,
            backup_stop,
            checker,
            checker_stop,
        })
    }

    /// Stops the services, remembers how far time has come, and closes the store once the last
    /// handle to the core is gone.
    pub async fn stop(self) {
        self.core.enforcer.shutdown().await;
        self.core.notifier.shutdown().await;
        self.backup_stop.notify_one();
        // It holds the core: ended before the core's last handle is dropped. A check waiting on
        // a slow QPay is cut off (its transaction, if it began, commits whole or not at all).
        self.checker_stop.notify_one();
        let mut checker = self.checker;
        if tokio::time::timeout(Duration::from_secs(2), &mut checker)
            .await
            .is_err()
        {
            checker.abort();
            let _ = checker.await;
        }
        self.timekeeper.abort();
        let _ = self.timekeeper.await;
        let now = self.core.clock.now();
        if let Err(e) = self.core.store.write(|w| crate::clock::remember(w, now)) {
            tracing::warn!(error = %e, "remembering the time at shutdown");
        }
        // Any transaction has committed or not by now.
        drop(self.core);
        drop(self.services);
    }
}

/// What each start does to the file before anything else touches it.
fn housekeeping(w: &mut crate::store::Write, now: Timestamp) -> Result<(), StoreError> {
    crate::clock::remember(w, now)?;
    crate::access::roles::ensure_builtin(w)?;
    crate::billing::summary::ensure(w)?;
    crate::billing::summary::ensure_ledger(w)?;
    crate::access::sessions::purge_expired(w, now)?;
    Ok(())
}

/// The runtime of the background services (enforcer, scheduler, notifier, backups, clock).
struct Services(Option<tokio::runtime::Runtime>);

impl Services {
    fn start() -> Result<Services, String> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(8)
            .thread_name("steppe-services")
            .enable_all()
            .build()
            .map(|rt| Services(Some(rt)))
            .map_err(|e| format!("starting the services runtime: {e}"))
    }

    fn enter(&self) -> Option<tokio::runtime::EnterGuard<'_>> {
        self.0.as_ref().map(tokio::runtime::Runtime::enter)
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        // Dropped from inside the serving runtime, where blocking on it is not allowed; its
        // tasks have been stopped by then.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Watches the system clock for jumps and, every ten minutes, records how far time has come, so
/// a restart on a clock set back resumes from there.
async fn keep_time(store: Store, clock: Clock) {
    // Aborting this task drops the watcher with it.
    struct AbortOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _watch = AbortOnDrop(tokio::spawn(clock.clone().watch()));
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    tick.tick().await;
    loop {
        tick.tick().await;
        let now = clock.now();
        if store
            .write_async(move |w| crate::clock::remember(w, now))
            .await
            .is_err()
        {
            break;
        }
    }
}
