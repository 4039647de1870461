//! One router's reconciler: keeps a connection, reconciles when woken, retries with backoff
//! while the router is away, and records what it sees in the router's [`RouterState`].
//!
//! [`RouterTask`] holds what lasts between wake-ups; `run` is its loop, one named step at a time.
//! Wake-ups arrive through the router's [`Mailbox`].

use super::apply::LogBuf;
use super::log;
use super::mailbox::Mailbox;
use super::reconcile::{flush_lines, kick, reconcile};
use super::{Cause, Ctx, usage};
use crate::billing::ServiceKind;
use crate::model::voucher::Card;
use crate::network::router::{Router, RouterState, RouterStatus};
use crate::routeros::menus::{SystemResource, identity};
use crate::routeros::{Backoff, Client, ClientConfig, Error, Fingerprint, TlsMode};
use crate::store::{Reader, StoreError};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

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
pub(super) enum Failure {
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
    pub(super) fn text(&self) -> String {
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
    /// What was last written.
    written: RouterState,
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
            written: now.clone(),
            key,
            now,
            written_at: None,
        }
    }

    fn due(&self) -> bool {
        stable(&self.now) != stable(&self.written)
            || (self.now != self.written
                && self
                    .written_at
                    .is_none_or(|t| t.elapsed() >= Duration::from_secs(60)))
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
                self.written = self.now.clone();
                self.written_at = Some(Instant::now());
            }
            Ok(()) => {}
            Err(e) => tracing::error!(router_id, error = %e, "saving router state"),
        }
    }

    /// The same failure again keeps the time it began: a router unreachable for a day, retried
    /// every two minutes, then writes nothing until something changes (flash wear).
    fn error(&mut self, ctx: &Ctx, text: String) {
        if self.now.last_error != text || self.now.last_error_at.is_none() {
            self.now.last_error_at = Some(ctx.clock.now());
        }
        self.now.last_error = text;
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

fn mark_failure(keeper: &mut Keeper, ctx: &Ctx, failure: &Failure, pending: usize) {
    keeper.now.status = match failure {
        Failure::Router(Error::LoginRefused(_)) => RouterStatus::AuthFailed,
        _ => RouterStatus::Offline,
    };
    keeper.error(ctx, failure.text());
    keeper.now.pending_changes = u64::try_from(pending).unwrap_or(u64::MAX);
}

/// Connection liveness is checked this often while idle, so an offline router shows up without
/// waiting for the next reconcile.
const LIVENESS: Duration = Duration::from_secs(2);

/// The router was deleted from Steppe: the task ends.
struct Gone;

/// What the loop does after a reconcile step.
enum Flow {
    /// Nothing was waiting: go on to sleep until the next wake-up.
    Idle,
    /// Work was done (or failed): look at the mailbox again at once.
    Again,
    Stop,
}

/// One router's task between wake-ups: its connection, its state, and when to act next.
struct RouterTask {
    ctx: Ctx,
    router_id: u64,
    mailbox: Arc<Mailbox>,
    keeper: Keeper,
    backoff: Backoff,
    conn: Option<Client>,
    /// When to try connecting again while offline.
    retry_at: Instant,
    /// When the periodic full reconcile is due.
    next_full: Instant,
    /// When identity and resources were last read.
    resources_at: Option<Instant>,
    /// When hotspot sessions were last read for voucher cards' first logins.
    cards_at: Option<Instant>,
    /// No connection attempt yet: the first full reconcile's cause is the start-up.
    first: bool,
    /// Callers of `sync_and_wait`, answered by the next full reconcile or failure.
    waiters: Waiters,
    /// Problems already logged, so a persisting one is not logged on every pass.
    known: BTreeSet<String>,
}

impl RouterTask {
    async fn new(ctx: Ctx, router_id: u64, mailbox: Arc<Mailbox>) -> RouterTask {
        let keeper = Keeper::load(&ctx, router_id).await;
        let backoff = Backoff::new(ctx.config.backoff_min, ctx.config.backoff_max);
        RouterTask {
            ctx,
            router_id,
            mailbox,
            keeper,
            backoff,
            conn: None,
            retry_at: Instant::now(),
            next_full: Instant::now(),
            resources_at: None,
            cards_at: None,
            first: true,
            waiters: Vec::new(),
            known: BTreeSet::new(),
        }
    }

    /// Acts on a changed router (drop the connection), an admin's retry, or a connection that
    /// closed under us.
    fn follow_connection_requests(&mut self) {
        if self.mailbox.take_reconnect() {
            if let Some(c) = self.conn.take() {
                c.close();
            }
            self.retry_at = Instant::now();
            self.backoff.reset();
        }
        if self.mailbox.take_retry_now() && self.conn.is_none() {
            self.retry_at = Instant::now();
        }
        if self.conn.as_ref().is_some_and(Client::is_closed) {
            self.conn = None;
            self.retry_at = Instant::now();
        }
    }

    /// Connects when offline and the backoff has passed; a new connection asks for a full
    /// reconcile.
    async fn connect_if_due(&mut self) -> Result<(), Gone> {
        if self.conn.is_some() || Instant::now() < self.retry_at {
            return Ok(());
        }
        let (ctx, router_id) = (&self.ctx, self.router_id);
        match connect(ctx, router_id).await {
            Ok(client) => {
                self.backoff.reset();
                self.keeper.now.status = RouterStatus::Online;
                self.keeper.now.last_seen = Some(ctx.clock.now());
                if let Err(e) = refresh_resources(&client, &mut self.keeper.now).await {
                    tracing::debug!(router_id, error = %e, "reading resources");
                }
                self.resources_at = Some(Instant::now());
                let cause = if self.first {
                    Cause::Startup
                } else {
                    Cause::Sync
                };
                // `full` notifies the mailbox for this very loop; consume nothing here.
                self.mailbox.full(cause);
                self.conn = Some(client);
            }
            Err(Failure::Gone) => return Err(Gone),
            Err(f) => {
                tracing::debug!(router_id, error = %f.text(), "router unreachable");
                mark_failure(&mut self.keeper, ctx, &f, self.mailbox.pending_customers());
                self.retry_at = Instant::now() + self.backoff.next_delay();
                self.keeper.flush(ctx, router_id, Vec::new()).await;
                answer(&mut self.waiters, &Err(f.text()));
            }
        }
        self.first = false;
        Ok(())
    }

    /// While connected: asks for the periodic full reconcile when due, and rereads identity and
    /// resources when due.
    async fn refresh_if_due(&mut self, client: &Client) {
        if Instant::now() >= self.next_full {
            self.mailbox.full(Cause::Sync);
        }
        let interval = self.ctx.config.resource_interval;
        if self.resources_at.is_none_or(|t| t.elapsed() >= interval) {
            if let Err(e) = refresh_resources(client, &mut self.keeper.now).await {
                tracing::debug!(router_id = self.router_id, error = %e, "reading resources");
            }
            self.resources_at = Some(Instant::now());
            self.keeper
                .flush(&self.ctx, self.router_id, Vec::new())
                .await;
        }
    }

    /// While connected: looks for voucher cards' first logins when due. A card found to have
    /// run out already (its first session began long ago) is reconciled at once.
    async fn look_at_cards_if_due(&mut self, client: &Client) {
        let interval = self.ctx.config.card_look_interval;
        if self.cards_at.is_some_and(|t| t.elapsed() < interval) {
            return;
        }
        self.cards_at = Some(Instant::now());
        match usage::look(&self.ctx, client, self.router_id).await {
            Ok(cards) => self.expire_now(&cards),
            Err(e) => {
                tracing::debug!(router_id = self.router_id, error = %e, "reading card sessions");
                if e.is_connection_lost() {
                    self.conn = None;
                    self.retry_at = Instant::now();
                }
            }
        }
    }

    fn expire_now(&self, cards: &[Card]) {
        let now = self.ctx.clock.now();
        let due: Vec<u64> = cards
            .iter()
            .filter(|c| c.expires_at.is_some_and(|t| t <= now))
            .map(|c| c.id)
            .collect();
        if !due.is_empty() {
            self.mailbox.cards(&due, &Cause::Expiry);
        }
    }

    /// Takes what the mailbox holds and reconciles it; a failure puts it back.
    async fn reconcile_once(&mut self, client: &Client) -> Flow {
        let work = self.mailbox.take();
        if work.is_empty() {
            return Flow::Idle;
        }
        let was_full = work.full.is_some();
        let (ctx, router_id) = (self.ctx.clone(), self.router_id);
        match reconcile(&ctx, client, router_id, &work, &mut self.known).await {
            Ok(report) => {
                self.expire_now(&report.first_used);
                if report.needs_full {
                    self.mailbox.full(work.cause_of(None));
                }
                let now = ctx.clock.now();
                let state = &mut self.keeper.now;
                state.status = RouterStatus::Online;
                state.last_seen = Some(now);
                state.last_sync = Some(now);
                state.pending_changes = 0;
                if let Some((managed, sessions)) = report.counts {
                    state.managed_users = managed;
                    state.active_sessions = sessions;
                }
                if let Some(e) = report.errors.first() {
                    self.keeper.error(&ctx, e.clone());
                } else if was_full {
                    // A clean full pass proves the router in step: the error is past (the
                    // command log keeps it).
                    state.last_error.clear();
                    state.last_error_at = None;
                }
                if was_full || work.targets() > ctx.config.targeted_limit {
                    self.next_full = Instant::now() + ctx.config.full_interval;
                }
                self.keeper.flush(&ctx, router_id, report.lines).await;
                if was_full {
                    let summary = SyncReport {
                        commands: report.commands,
                        failed: report.failed,
                        managed_users: self.keeper.now.managed_users,
                        errors: report.errors,
                    };
                    answer(&mut self.waiters, &Ok(summary));
                }
            }
            Err(Failure::Gone) => return Flow::Stop,
            Err(f) => {
                tracing::debug!(router_id, error = %f.text(), "reconcile failed");
                let lost = matches!(&f, Failure::Router(_));
                self.mailbox.requeue(work);
                answer(&mut self.waiters, &Err(f.text()));
                mark_failure(&mut self.keeper, &ctx, &f, self.mailbox.pending_customers());
                self.keeper.flush(&ctx, router_id, Vec::new()).await;
                if lost {
                    if let Some(c) = self.conn.take() {
                        c.close();
                    }
                    self.retry_at = Instant::now() + self.backoff.next_delay();
                } else {
                    // A store failure: try again after a pause, not in a hot loop.
                    tokio::time::sleep(ctx.config.backoff_min).await;
                }
            }
        }
        Flow::Again
    }

    /// While offline: shows how many customers' changes wait for the router.
    async fn show_pending(&mut self) {
        let pending = self.mailbox.pending_customers();
        if self.keeper.now.pending_changes != u64::try_from(pending).unwrap_or(u64::MAX)
            && self.keeper.now.status != RouterStatus::Unknown
        {
            self.keeper.now.pending_changes = u64::try_from(pending).unwrap_or(0);
            self.keeper
                .flush(&self.ctx, self.router_id, Vec::new())
                .await;
        }
    }

    /// When to look again if nothing wakes the task.
    fn wake_at(&self) -> Instant {
        if self.conn.is_some() {
            let look = self
                .cards_at
                .map_or_else(Instant::now, |t| t + self.ctx.config.card_look_interval);
            self.next_full.min(Instant::now() + LIVENESS).min(look)
        } else {
            self.retry_at
        }
    }

    /// A kick is answered at once (or refused while offline); a sync joins the waiters of the
    /// next full reconcile.
    async fn answer_request(&mut self, request: Request) {
        match request {
            Request::Kick {
                customer_id,
                login,
                kind,
                cause,
                reply,
            } => {
                let result = match self.conn.clone() {
                    Some(client) => {
                        let ctx = &self.ctx;
                        let mut buf = LogBuf::default();
                        let r =
                            kick(ctx, &client, &login, customer_id, kind, &cause, &mut buf).await;
                        let (lines, _) = buf.finish(ctx.clock.now());
                        flush_lines(ctx, self.router_id, lines).await;
                        r.map_err(|e| e.to_string())
                    }
                    None => Err(format!(
                        "the router is offline: {}",
                        self.keeper.now.last_error
                    )),
                };
                _ = reply.send(result);
            }
            Request::Sync { cause, reply } => {
                self.mailbox.full(cause);
                self.waiters.push(reply);
                if self.conn.is_none() {
                    self.retry_at = Instant::now();
                }
            }
        }
    }
}

/// The task body: runs until stopped or the router is deleted.
pub(super) async fn run(
    ctx: Ctx,
    router_id: u64,
    mailbox: Arc<Mailbox>,
    mut requests: mpsc::UnboundedReceiver<Request>,
    mut stop: watch::Receiver<bool>,
) {
    let mut task = RouterTask::new(ctx, router_id, mailbox.clone()).await;
    loop {
        if *stop.borrow() {
            break;
        }
        task.follow_connection_requests();
        if task.connect_if_due().await.is_err() {
            break;
        }
        match task.conn.clone() {
            Some(client) => {
                task.refresh_if_due(&client).await;
                task.look_at_cards_if_due(&client).await;
                match task.reconcile_once(&client).await {
                    Flow::Idle => {}
                    Flow::Again => continue,
                    Flow::Stop => break,
                }
            }
            None => task.show_pending().await,
        }
        if task.conn.is_some() && mailbox.has_work() {
            continue;
        }
        tokio::select! {
            () = mailbox.notify.notified() => {}
            () = tokio::time::sleep_until(task.wake_at()) => {}
            req = requests.recv() => match req {
                Some(request) => task.answer_request(request).await,
                None => break,
            },
            _ = stop.changed() => break,
        }
    }
    if let Some(c) = task.conn.take() {
        c.close();
    }
    tracing::debug!(router_id, "router task stopped");
}
