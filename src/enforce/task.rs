//! One router's reconciler: keeps a connection, reconciles when woken, retries with backoff
//! while the router is away, and records what it sees in the router's [`RouterState`].
//!
//! Wake-ups are coalesced in a [`Mailbox`] rather than queued: ten payments in a second cost
//! one reconcile of ten customers, and an offline router accumulates what it owes (shown as
//! pending changes) instead of a backlog of stale commands.

use super::apply::{self, LogBuf};
use super::desired::{self, Desired, Scope};
use super::diff::{
    self, Actual, Entry, ProfileEntry, Session, active_menu, profile_menu, profile_props,
    session_user_prop, user_menu, user_props,
};
use super::log;
use super::{Cause, Ctx};
use crate::billing::ServiceKind;
use crate::billing::customer::marker;
use crate::network::router::{Router, RouterState, RouterStatus};
use crate::routeros::menus::{SystemResource, identity};
use crate::routeros::{
    Backoff, Client, ClientConfig, Command, Error, Fingerprint, InFlight, Item, TlsMode,
};
use crate::store::{Reader, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::Instant;

/// Work waiting for a router's task.
#[derive(Debug, Default)]
struct Pending {
    full: Option<Cause>,
    customers: BTreeMap<u64, Cause>,
    /// Drop the connection and connect again now (the router's settings changed).
    reconnect: bool,
    /// If offline, try to connect now instead of waiting out the backoff (an admin asked).
    retry_now: bool,
}

/// Where wake-ups for one router accumulate.
#[derive(Debug, Default)]
pub(super) struct Mailbox {
    pending: Mutex<Pending>,
    notify: Notify,
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

    fn take_retry_now(&self) -> bool {
        std::mem::take(&mut self.lock().retry_now)
    }

    fn take(&self) -> Work {
        let mut p = self.lock();
        Work {
            full: p.full.take(),
            customers: std::mem::take(&mut p.customers),
        }
    }

    fn take_reconnect(&self) -> bool {
        std::mem::take(&mut self.lock().reconnect)
    }

    fn has_work(&self) -> bool {
        let p = self.lock();
        p.full.is_some() || !p.customers.is_empty()
    }

    fn pending_customers(&self) -> usize {
        self.lock().customers.len()
    }

    /// Puts work back after a failed attempt, keeping newer causes.
    fn requeue(&self, work: Work) {
        let mut p = self.lock();
        if let Some(c) = work.full {
            p.full.get_or_insert(c);
        }
        for (id, cause) in work.customers {
            p.customers.entry(id).or_insert(cause);
        }
    }
}

/// One batch of work.
#[derive(Debug, Default)]
struct Work {
    full: Option<Cause>,
    customers: BTreeMap<u64, Cause>,
}

impl Work {
    fn is_empty(&self) -> bool {
        self.full.is_none() && self.customers.is_empty()
    }

    fn cause_of(&self, customer: Option<u64>) -> Cause {
        customer
            .and_then(|c| self.customers.get(&c).cloned())
            .or_else(|| self.full.clone())
            .or_else(|| self.customers.values().next().cloned())
            .unwrap_or(Cause::Sync)
    }
}

/// Requests that need an answer.
pub(super) enum Request {
    Kick {
        customer_id: u64,
        login: String,
        kind: Option<ServiceKind>,
        cause: Cause,
        reply: oneshot::Sender<Result<usize, String>>,
    },
    /// A full reconcile, answered when it has finished.
    Sync {
        cause: Cause,
        reply: oneshot::Sender<Result<SyncReport, String>>,
    },
}

/// What a full reconcile did (`Enforcer::sync_and_wait`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Commands that changed the router (kicks included).
    pub commands: usize,
    /// Of those, how many the router refused.
    pub failed: usize,
    /// Managed users on the router afterwards.
    pub managed_users: u64,
    /// Problems found (collisions, refused commands), one line each.
    pub errors: Vec<String>,
}

type Waiters = Vec<oneshot::Sender<Result<SyncReport, String>>>;

fn answer(waiters: &mut Waiters, result: &Result<SyncReport, String>) {
    for w in waiters.drain(..) {
        _ = w.send(result.clone());
    }
}

/// Why an attempt failed.
enum Failure {
    /// The router is unreachable or refused us; reconnect later.
    Router(Error),
    /// Settings that cannot work (api-ssl without a pin, unreadable password).
    Config(String),
    Store(StoreError),
    /// The router was deleted from Steppe.
    Gone,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Router(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl Failure {
    fn text(&self) -> String {
        match self {
            Failure::Router(e) => e.to_string(),
            Failure::Config(m) => m.clone(),
            Failure::Store(e) => e.to_string(),
            Failure::Gone => "router deleted".into(),
        }
    }
}

/// The router's state as kept in memory, written to the store only when it means something.
struct Keeper {
    key: String,
    now: RouterState,
    written: serde_json::Value,
    written_at: Option<Instant>,
}

/// Fields that change on every contact; written at most once a minute on their own.
const VOLATILE: &[&str] = &[
    "last_seen",
    "last_sync",
    "uptime_secs",
    "cpu_load",
    "free_memory",
];

fn stable(s: &RouterState) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in VOLATILE {
            o.remove(*k);
        }
    }
    v
}

impl Keeper {
    async fn load(ctx: &Ctx, router_id: u64) -> Keeper {
        let key = router_id.to_string();
        let k = key.clone();
        let now = ctx
            .store
            .read_async(move |r| {
                Ok::<_, StoreError>(r.kget::<RouterState>(&k)?.unwrap_or_default())
            })
            .await
            .unwrap_or_default();
        Keeper {
            written: stable(&now),
            key,
            now,
            written_at: None,
        }
    }

    fn due(&self) -> bool {
        stable(&self.now) != self.written
            || self
                .written_at
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
    }

    /// Writes the state (if due) and the log lines in one transaction.
    async fn flush(&mut self, ctx: &Ctx, router_id: u64, lines: Vec<log::Line>) {
        let write_state = self.due();
        if !write_state && lines.is_empty() {
            return;
        }
        let state = write_state.then(|| self.now.clone());
        let key = self.key.clone();
        let result = ctx
            .store
            .write_async(move |w| {
                // A router deleted meanwhile must not get its state back.
                if w.get::<Router>(router_id)?.is_none() {
                    return Ok(());
                }
                if let Some(s) = &state {
                    w.kput(&key, s)?;
                }
                log::append(w, router_id, lines)
            })
            .await;
        match result {
            Ok(()) if write_state => {
                self.written = stable(&self.now);
                self.written_at = Some(Instant::now());
            }
            Ok(()) => {}
            Err(e) => tracing::error!(router_id, error = %e, "saving router state"),
        }
    }

    fn error(&mut self, ctx: &Ctx, text: String) {
        self.now.last_error = text;
        self.now.last_error_at = Some(ctx.clock.now());
    }
}

async fn load_router(ctx: &Ctx, router_id: u64) -> Result<Router, Failure> {
    ctx.store
        .read_async(move |r| r.get::<Router>(router_id))
        .await?
        .ok_or(Failure::Gone)
}

/// The client settings for a router, from its stored record.
pub(super) fn client_config(
    router: &Router,
    password: String,
    ctx_config: &super::EnforceConfig,
) -> Result<ClientConfig, String> {
    let mut c = ClientConfig::new(
        router.host.clone(),
        router.port,
        router.username.clone(),
        password,
    );
    c.login = router.login_method.protocol();
    c.connect_timeout = ctx_config.connect_timeout;
    c.login_timeout = ctx_config.connect_timeout;
    c.command_timeout = ctx_config.command_timeout;
    if router.tls {
        if router.tls_fingerprint.is_empty() {
            return Err(
                "api-ssl needs the router's certificate fingerprint: use Test connection \
                        to read it, check it, and save it with the router"
                    .into(),
            );
        }
        let pin: Fingerprint = router
            .tls_fingerprint
            .parse()
            .map_err(|e: Error| e.to_string())?;
        c.tls = Some(TlsMode::Pinned(pin));
    }
    Ok(c)
}

async fn connect(ctx: &Ctx, router_id: u64) -> Result<Client, Failure> {
    let router = load_router(ctx, router_id).await?;
    let password = ctx
        .secrets
        .open_sealed(&router.password_sealed)
        .ok_or_else(|| {
            Failure::Config(
                "the stored API password cannot be unsealed (was secret.key replaced?); enter the \
             password again"
                    .into(),
            )
        })?;
    let config = client_config(&router, password, &ctx.config).map_err(Failure::Config)?;
    Ok(Client::connect(&config).await?)
}

/// Reads identity and resources into the state.
async fn refresh_resources(client: &Client, state: &mut RouterState) -> Result<(), Error> {
    let (name, res) = tokio::join!(identity(client), SystemResource::get(client));
    state.identity = name?;
    let res = res?;
    state.version = res.version.unwrap_or_default();
    state.board = res.board_name.unwrap_or_default();
    state.architecture = res.architecture_name.unwrap_or_default();
    state.uptime_secs = res.uptime.map_or(0, |d| d.as_secs());
    state.cpu_load = res.cpu_load.unwrap_or(0);
    state.free_memory = res.free_memory.unwrap_or(0);
    state.total_memory = res.total_memory.unwrap_or(0);
    Ok(())
}

fn print(menu: &str, props: &[&str], queries: &[String]) -> Command {
    let mut c = Command::new(&format!("{menu}/print")).proplist(props);
    for q in queries {
        c = c.query(q);
    }
    c
}

/// What a print reply is for.
enum Read {
    Users(ServiceKind),
    Profiles(ServiceKind),
    Sessions(ServiceKind),
}

/// Reads the needed part of the router, every print in flight at once.
async fn read_actual(client: &Client, desired: &Desired) -> Result<Actual, Error> {
    let mut sent: Vec<(Read, InFlight)> = Vec::new();
    let full = desired.scope == Scope::Full;
    for kind in ServiceKind::ALL {
        if !desired.serves(kind) {
            continue;
        }
        let users = user_menu(kind);
        let profiles = profile_menu(kind);
        if full {
            sent.push((
                Read::Users(kind),
                client.send(print(users, user_props(kind), &[]))?,
            ));
            sent.push((
                Read::Profiles(kind),
                client.send(print(profiles, profile_props(kind), &[]))?,
            ));
            let sessions = print(active_menu(kind), &[".id", session_user_prop(kind)], &[]);
            sent.push((Read::Sessions(kind), client.send(sessions)?));
            continue;
        }
        let Scope::Customers(ids) = &desired.scope else {
            continue;
        };
        for id in ids {
            let q = [format!("comment={}", marker(*id))];
            sent.push((
                Read::Users(kind),
                client.send(print(users, user_props(kind), &q))?,
            ));
        }
        for (_, login) in desired.logins.iter().filter(|(k, _)| *k == kind) {
            let q = [format!("name={login}")];
            sent.push((
                Read::Users(kind),
                client.send(print(users, user_props(kind), &q))?,
            ));
        }
        for p in desired.profiles.iter().filter(|p| p.kind == kind) {
            let q = [format!("name={}", p.name)];
            sent.push((
                Read::Profiles(kind),
                client.send(print(profiles, profile_props(kind), &q))?,
            ));
        }
    }
    let mut actual = Actual::default();
    if full {
        actual.sessions = Some(std::collections::HashMap::new());
    }
    for (what, f) in sent {
        let reply = f.reply().await?;
        match what {
            Read::Users(kind) => actual
                .users
                .entry(kind)
                .or_default()
                .extend(reply.items.iter().filter_map(|i| Entry::parse(kind, i))),
            Read::Profiles(kind) => actual
                .profiles
                .entry(kind)
                .or_default()
                .extend(reply.items.iter().filter_map(ProfileEntry::parse)),
            Read::Sessions(kind) => {
                let prop = session_user_prop(kind);
                let list = reply.items.iter().filter_map(|i: &Item| {
                    Some(Session {
                        id: i.id()?,
                        user: i.get(prop)?.to_owned(),
                    })
                });
                if let Some(s) = actual.sessions.as_mut() {
                    s.entry(kind).or_default().extend(list);
                }
            }
        }
    }
    Ok(actual)
}

/// The result of one reconcile.
struct Report {
    needs_full: bool,
    commands: usize,
    failed: usize,
    lines: Vec<log::Line>,
    errors: Vec<String>,
    /// Full reconcile only: (managed users, sessions).
    counts: Option<(u64, u64)>,
}

async fn reconcile(
    ctx: &Ctx,
    client: &Client,
    router_id: u64,
    work: &Work,
    known: &mut BTreeSet<String>,
) -> Result<Report, Failure> {
    let now = ctx.clock.now();
    let scope = if work.full.is_some() || work.customers.len() > ctx.config.targeted_limit {
        Scope::Full
    } else {
        Scope::Customers(work.customers.keys().copied().collect::<BTreeSet<u64>>())
    };
    let secrets = ctx.secrets.clone();
    let desired = ctx
        .store
        .read_async(move |r| desired::compute(r, &secrets, router_id, scope, now))
        .await?
        .ok_or(Failure::Gone)?;
    let actual = read_actual(client, &desired).await?;
    let changes = diff::diff(&desired, &actual);
    let mut buf = LogBuf::default();
    let cause = |c: Option<u64>| work.cause_of(c);
    // A problem that persists is logged once, not on every reconcile.
    let found: Vec<(&str, &String)> = desired
        .problems
        .iter()
        .map(|p| ("(store)", p))
        .chain(changes.collisions.iter().map(|c| ("(collision)", c)))
        .collect();
    for (what, text) in &found {
        if !known.contains(*text) {
            buf.note(now, (*what).into(), (*text).clone(), work.cause_of(None));
        }
    }
    if desired.scope == Scope::Full {
        known.clear();
    }
    known.extend(found.into_iter().map(|(_, t)| t.clone()));
    let applied = apply::apply(client, &changes, &cause, now, &mut buf).await;
    let (lines, errors) = buf.finish(now);
    let applied = match applied {
        Ok(a) => a,
        Err(e) => {
            // Keep the log of what did happen before the connection broke.
            flush_lines(ctx, router_id, lines).await;
            return Err(Failure::Router(e));
        }
    };
    let counts = changes
        .sessions_after
        .map(|s| (changes.managed.saturating_sub(applied.failed_adds), s));
    tracing::debug!(
        router_id,
        commands = changes.len(),
        failed = applied.failed,
        kicked = applied.kicked,
        "reconciled"
    );
    Ok(Report {
        needs_full: changes.needs_full,
        commands: changes.len(),
        failed: applied.failed,
        lines,
        errors,
        counts,
    })
}

async fn flush_lines(ctx: &Ctx, router_id: u64, lines: Vec<log::Line>) {
    if lines.is_empty() {
        return;
    }
    if let Err(e) = ctx
        .store
        .write_async(move |w| log::append(w, router_id, lines))
        .await
    {
        tracing::error!(router_id, error = %e, "writing the router log");
    }
}

/// Ends a customer's sessions on request (`Enforcer::kick`).
async fn kick(
    ctx: &Ctx,
    client: &Client,
    login: &str,
    customer_id: u64,
    kind: Option<ServiceKind>,
    cause: &Cause,
    buf: &mut LogBuf,
) -> Result<usize, Error> {
    let kinds: Vec<ServiceKind> = kind.map_or_else(|| ServiceKind::ALL.to_vec(), |k| vec![k]);
    let logins: Vec<(ServiceKind, String, Option<u64>)> = kinds
        .into_iter()
        .map(|k| (k, login.to_owned(), Some(customer_id)))
        .collect();
    let ops = apply::lookup_sessions(client, &logins).await?;
    let now = ctx.clock.now();
    if ops.is_empty() {
        buf.info(
            now,
            format!("kick {login}: no active session"),
            cause.clone(),
        );
        return Ok(0);
    }
    let oks = apply::phase(client, &ops, &|_| cause.clone(), now, buf).await?;
    Ok(ops
        .iter()
        .zip(oks)
        .filter(|(_, ok)| *ok)
        .map(|(op, _)| apply::id_count(&op.command))
        .sum())
}

fn mark_failure(keeper: &mut Keeper, ctx: &Ctx, failure: &Failure, pending: usize) {
    keeper.now.status = match failure {
        Failure::Router(Error::LoginRefused(_)) => RouterStatus::AuthFailed,
        _ => RouterStatus::Offline,
    };
    keeper.error(ctx, failure.text());
    keeper.now.pending_changes = u64::try_from(pending).unwrap_or(u64::MAX);
}

/// The task body: runs until stopped or the router is deleted.
pub(super) async fn run(
    ctx: Ctx,
    router_id: u64,
    mailbox: Arc<Mailbox>,
    mut requests: mpsc::UnboundedReceiver<Request>,
    mut stop: watch::Receiver<bool>,
) {
    let mut keeper = Keeper::load(&ctx, router_id).await;
    let mut backoff = Backoff::new(ctx.config.backoff_min, ctx.config.backoff_max);
    let mut conn: Option<Client> = None;
    let mut retry_at = Instant::now();
    let mut next_full = Instant::now();
    let mut resources_at: Option<Instant> = None;
    let mut first = true;
    let mut waiters: Waiters = Vec::new();
    let mut known = BTreeSet::new();
    // Connection liveness is checked this often while idle, so an offline router shows up
    // without waiting for the next reconcile.
    let liveness = Duration::from_secs(2);
    loop {
        if *stop.borrow() {
            break;
        }
        if mailbox.take_reconnect() {
            if let Some(c) = conn.take() {
                c.close();
            }
            retry_at = Instant::now();
            backoff.reset();
        }
        if mailbox.take_retry_now() && conn.is_none() {
            retry_at = Instant::now();
        }
        if conn.as_ref().is_some_and(Client::is_closed) {
            conn = None;
            retry_at = Instant::now();
        }
        if conn.is_none() && Instant::now() >= retry_at {
            match connect(&ctx, router_id).await {
                Ok(client) => {
                    backoff.reset();
                    keeper.now.status = RouterStatus::Online;
                    keeper.now.last_seen = Some(ctx.clock.now());
                    if let Err(e) = refresh_resources(&client, &mut keeper.now).await {
                        tracing::debug!(router_id, error = %e, "reading resources");
                    }
                    resources_at = Some(Instant::now());
                    mailbox.full(if first { Cause::Startup } else { Cause::Sync });
                    // `full` notified the mailbox for this very loop; consume nothing here.
                    conn = Some(client);
                }
                Err(Failure::Gone) => break,
                Err(f) => {
                    tracing::debug!(router_id, error = %f.text(), "router unreachable");
                    mark_failure(&mut keeper, &ctx, &f, mailbox.pending_customers());
                    retry_at = Instant::now() + backoff.next_delay();
                    keeper.flush(&ctx, router_id, Vec::new()).await;
                    answer(&mut waiters, &Err(f.text()));
                }
            }
            first = false;
        }
        if let Some(client) = conn.clone() {
            if Instant::now() >= next_full {
                mailbox.full(Cause::Sync);
            }
            if resources_at.is_none_or(|t| t.elapsed() >= ctx.config.resource_interval) {
                if let Err(e) = refresh_resources(&client, &mut keeper.now).await {
                    tracing::debug!(router_id, error = %e, "reading resources");
                }
                resources_at = Some(Instant::now());
                keeper.flush(&ctx, router_id, Vec::new()).await;
            }
            let work = mailbox.take();
            if !work.is_empty() {
                let was_full = work.full.is_some();
                match reconcile(&ctx, &client, router_id, &work, &mut known).await {
                    Ok(report) => {
                        if report.needs_full {
                            mailbox.full(work.cause_of(None));
                        }
                        let now = ctx.clock.now();
                        keeper.now.status = RouterStatus::Online;
                        keeper.now.last_seen = Some(now);
                        keeper.now.last_sync = Some(now);
                        keeper.now.pending_changes = 0;
                        if let Some((managed, sessions)) = report.counts {
                            keeper.now.managed_users = managed;
                            keeper.now.active_sessions = sessions;
                        }
                        if let Some(e) = report.errors.first() {
                            keeper.error(&ctx, e.clone());
                        } else if was_full {
                            // A clean full pass proves the router in step: the error is past
                            // (the command log keeps it).
                            keeper.now.last_error.clear();
                            keeper.now.last_error_at = None;
                        }
                        if was_full || work.customers.len() > ctx.config.targeted_limit {
                            next_full = Instant::now() + ctx.config.full_interval;
                        }
                        keeper.flush(&ctx, router_id, report.lines).await;
                        if was_full {
                            let summary = SyncReport {
                                commands: report.commands,
                                failed: report.failed,
                                managed_users: keeper.now.managed_users,
                                errors: report.errors,
                            };
                            answer(&mut waiters, &Ok(summary));
                        }
                    }
                    Err(Failure::Gone) => break,
                    Err(f) => {
                        tracing::debug!(router_id, error = %f.text(), "reconcile failed");
                        let lost = matches!(&f, Failure::Router(_));
                        mailbox.requeue(work);
                        answer(&mut waiters, &Err(f.text()));
                        mark_failure(&mut keeper, &ctx, &f, mailbox.pending_customers());
                        keeper.flush(&ctx, router_id, Vec::new()).await;
                        if lost {
                            if let Some(c) = conn.take() {
                                c.close();
                            }
                            retry_at = Instant::now() + backoff.next_delay();
                        } else {
                            // A store failure: try again after a pause, not in a hot loop.
                            tokio::time::sleep(ctx.config.backoff_min).await;
                        }
                    }
                }
                continue;
            }
        } else if keeper.now.pending_changes
            != u64::try_from(mailbox.pending_customers()).unwrap_or(u64::MAX)
            && keeper.now.status != RouterStatus::Unknown
        {
            keeper.now.pending_changes = u64::try_from(mailbox.pending_customers()).unwrap_or(0);
            keeper.flush(&ctx, router_id, Vec::new()).await;
        }
        if conn.is_some() && mailbox.has_work() {
            continue;
        }
        let wake_at = if conn.is_some() {
            next_full.min(Instant::now() + liveness)
        } else {
            retry_at
        };
        tokio::select! {
            () = mailbox.notify.notified() => {}
            () = tokio::time::sleep_until(wake_at) => {}
            req = requests.recv() => match req {
                Some(Request::Kick { customer_id, login, kind, cause, reply }) => {
                    let result = match conn.clone() {
                        Some(client) => {
                            let mut buf = LogBuf::default();
                            let r = kick(&ctx, &client, &login, customer_id, kind, &cause, &mut buf).await;
                            let (lines, _) = buf.finish(ctx.clock.now());
                            flush_lines(&ctx, router_id, lines).await;
                            r.map_err(|e| e.to_string())
                        }
                        None => Err(format!("the router is offline: {}", keeper.now.last_error)),
                    };
                    _ = reply.send(result);
                }
                Some(Request::Sync { cause, reply }) => {
                    mailbox.full(cause);
                    waiters.push(reply);
                    if conn.is_none() {
                        retry_at = Instant::now();
                    }
                }
                None => break,
            },
            _ = stop.changed() => break,
        }
    }
    if let Some(c) = conn {
        c.close();
    }
    tracing::debug!(router_id, "router task stopped");
}
