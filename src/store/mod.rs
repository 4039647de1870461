//! The embedded database: typed records over redb.
//!
//! Invariant: this is the only module that imports `redb`. Everything else sees records
//! (`Record`, `KeyedRecord`), unique indexes and blobs, read and written inside closures
//! that run as exactly one transaction, so a write either commits whole or not at all.

mod backup;
mod codec;
mod migrate;
mod tables;

pub use backup::{BackupInfo, Digest, backup_dir, digest_dir, inspect, restore};
pub use migrate::SCHEMA_VERSION;

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Serialize, de::DeserializeOwned};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file name inside the data directory.
pub const FILE_NAME: &str = "steppe.redb";

/// Why a store operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The database engine failed; the text says at which step.
    Db(String),
    /// A stored row could not be decoded or encoded.
    Corrupt(String),
    /// The file was written by a newer Steppe and must not be touched by this one.
    NewerSchema { found: u64, supported: u64 },
    /// Another process holds the database open.
    Locked(PathBuf),
    /// The data disk is full: nothing was written, and writes work again once space returns.
    Full,
    /// The data directory cannot be written (a read-only mount).
    ReadOnly,
    /// Another disk error stopped a write; the next write reopens the database.
    Disk(String),
}

impl StoreError {
    fn db<E: Into<redb::Error>>(step: &'static str) -> impl Fn(E) -> StoreError {
        move |e| {
            let e: redb::Error = e.into();
            if let redb::Error::Io(io) = &e {
                match io.kind() {
                    std::io::ErrorKind::StorageFull => return StoreError::Full,
                    std::io::ErrorKind::ReadOnlyFilesystem
                    | std::io::ErrorKind::PermissionDenied => {
                        return StoreError::ReadOnly;
                    }
                    _ => return StoreError::Disk(format!("{step}: {io}")),
                }
            }
            if matches!(e, redb::Error::PreviousIo) {
                return StoreError::Disk(format!("{step}: an earlier disk error stopped writes"));
            }
            StoreError::Db(format!("{step}: {e}"))
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Db(m) => write!(f, "database error: {m}"),
            StoreError::Corrupt(m) => write!(f, "stored data is unreadable: {m}"),
            StoreError::NewerSchema { found, supported } => write!(
                f,
                "the database was written by a newer Steppe (schema {found}); this build \
                 understands schema {supported} at most. Run the newer Steppe again, or restore \
                 a backup made by this version"
            ),
            StoreError::Locked(p) => write!(
                f,
                "the database {} is in use by another Steppe process; stop it first",
                p.display()
            ),
            StoreError::Full => f.write_str("the data disk is full; nothing was saved"),
            StoreError::ReadOnly => {
                f.write_str("the data directory is read-only; nothing was saved")
            }
            StoreError::Disk(m) => write!(f, "disk error, nothing was saved: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Tables of records keyed by a sequential `u64` id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    Admins,
    Banners,
    Audit,
    Routers,
    Plans,
    Customers,
    RouterLog,
    BankAccounts,
    Bills,
    Payments,
    Extensions,
    Messages,
    Feedback,
}

impl Kind {
    fn table(self) -> TableDefinition<'static, u64, &'static [u8]> {
        match self {
            Kind::Admins => tables::ADMINS,
            Kind::Banners => tables::BANNERS,
            Kind::Audit => tables::AUDIT,
            Kind::Routers => tables::ROUTERS,
            Kind::Plans => tables::PLANS,
            Kind::Customers => tables::CUSTOMERS,
            Kind::RouterLog => tables::ROUTER_LOG,
            Kind::BankAccounts => tables::BANK_ACCOUNTS,
            Kind::Bills => tables::BILLS,
            Kind::Payments => tables::PAYMENTS,
            Kind::Extensions => tables::EXTENSIONS,
            Kind::Messages => tables::MESSAGES,
            Kind::Feedback => tables::FEEDBACK,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Admins => "admins",
            Kind::Banners => "banners",
            Kind::Audit => "audit",
            Kind::Routers => "routers",
            Kind::Plans => "plans",
            Kind::Customers => "customers",
            Kind::RouterLog => "router_log",
            Kind::BankAccounts => "bank_accounts",
            Kind::Bills => "bills",
            Kind::Payments => "payments",
            Kind::Extensions => "extensions",
            Kind::Messages => "messages",
            Kind::Feedback => "feedback",
        }
    }
}

/// Tables of records keyed by a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyedKind {
    Roles,
    Sessions,
    ApiTokens,
    Singletons,
    RouterStates,
    PortalSessions,
}

impl KeyedKind {
    fn table(self) -> TableDefinition<'static, &'static str, &'static [u8]> {
        match self {
            KeyedKind::Roles => tables::ROLES,
            KeyedKind::Sessions => tables::SESSIONS_STR,
            KeyedKind::ApiTokens => tables::API_TOKENS_STR,
            KeyedKind::Singletons => tables::SINGLETONS,
            KeyedKind::RouterStates => tables::ROUTER_STATES,
            KeyedKind::PortalSessions => tables::PORTAL_SESSIONS,
        }
    }
}

/// Unique secondary indexes: normalized key → id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Index {
    AdminUsername,
    RouterName,
    PlanName,
    PlanProfile,
    CustomerLogin,
    PaymentIdempotency,
    Idempotency,
}

impl Index {
    fn table(self) -> TableDefinition<'static, &'static str, u64> {
        match self {
            Index::AdminUsername => tables::ADMIN_BY_USERNAME,
            Index::RouterName => tables::ROUTER_BY_NAME,
            Index::PlanName => tables::PLAN_BY_NAME,
            Index::PlanProfile => tables::PLAN_BY_PROFILE,
            Index::CustomerLogin => tables::CUSTOMER_BY_LOGIN,
            Index::PaymentIdempotency => tables::PAYMENT_BY_IDEMPOTENCY,
            Index::Idempotency => tables::IDEMPOTENCY,
        }
    }
}

/// Compact binary copies of records, kept beside them for fast scans (encoding is the owner's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Summary {
    Customers,
    Payments,
    Bills,
}

impl Summary {
    fn table(self) -> TableDefinition<'static, u64, &'static [u8]> {
        match self {
            Summary::Customers => tables::CUSTOMER_SUMMARIES,
            Summary::Payments => tables::PAYMENT_SUMMARIES,
            Summary::Bills => tables::BILL_SUMMARIES,
        }
    }
}

/// Grouping indexes: ordered (group, id) pairs, e.g. the customers of a router, or customers
/// by expiry second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Set {
    CustomersByRouter,
    CustomersByPlan,
    CustomersByExpiry,
    BillsByCustomer,
    PaymentsByCustomer,
    ExtensionsByCustomer,
    MessagesQueued,
    MessagesByCustomer,
    /// (UTC day number of `received_at`, payment id); see `payment_day`.
    PaymentsByDay,
    FeedbackByCustomer,
    /// (expiry second, customer id << 8 | reminder code); see `notify::reminders`.
    RemindersSent,
}

/// The group of a payment in `Set::PaymentsByDay`: whole UTC days since 1970 (0 before).
pub fn payment_day(t: jiff::Timestamp) -> u64 {
    u64::try_from(t.as_second().div_euclid(86_400)).unwrap_or(0)
}

impl Set {
    fn table(self) -> TableDefinition<'static, (u64, u64), ()> {
        match self {
            Set::CustomersByRouter => tables::CUSTOMERS_BY_ROUTER,
            Set::CustomersByPlan => tables::CUSTOMERS_BY_PLAN,
            Set::CustomersByExpiry => tables::CUSTOMERS_BY_EXPIRY,
            Set::BillsByCustomer => tables::BILLS_BY_CUSTOMER,
            Set::PaymentsByCustomer => tables::PAYMENTS_BY_CUSTOMER,
            Set::ExtensionsByCustomer => tables::EXTENSIONS_BY_CUSTOMER,
            Set::MessagesQueued => tables::MESSAGES_QUEUED,
            Set::MessagesByCustomer => tables::MESSAGES_BY_CUSTOMER,
            Set::PaymentsByDay => tables::PAYMENTS_BY_DAY,
            Set::FeedbackByCustomer => tables::FEEDBACK_BY_CUSTOMER,
            Set::RemindersSent => tables::REMINDERS_SENT,
        }
    }
}

/// A record stored under a sequential id.
pub trait Record: Serialize + DeserializeOwned {
    const KIND: Kind;
}

/// A record stored under a string key.
pub trait KeyedRecord: Serialize + DeserializeOwned {
    const KIND: KeyedKind;
}

/// The database handle; cheap to clone, shared by every task.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

struct Shared {
    /// `None` only while being reopened after a disk error.
    db: std::sync::RwLock<Option<Database>>,
    /// A write met a disk error: redb refuses writes until the file is opened again.
    broken: std::sync::atomic::AtomicBool,
    /// Serves reads while broken (the writable handle then refuses them too).
    fallback: std::sync::Mutex<Option<Arc<redb::ReadOnlyDatabase>>>,
    path: PathBuf,
    /// Bumped after every committed write, so caches of derived figures know when to refresh.
    generation: std::sync::atomic::AtomicU64,
}

/// Room a write needs before a broken database is reopened.
const PROBE_BYTES: usize = 1 << 20;

/// Makes `path` a file only its owner can read before redb opens it: it holds admins' password
/// hashes, sessions and every customer's details. A missing file is created empty with mode
/// 0600 (redb initializes an empty file); an existing one from an older build, created 0644,
/// is narrowed.
pub(crate) fn private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) if e.kind() == std::io::ErrorKind::StorageFull => return Err(StoreError::Full),
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
            return Err(StoreError::ReadOnly);
        }
        Err(e) => return Err(StoreError::Db(format!("creating {}: {e}", path.display()))),
    }
    let mode = std::fs::metadata(path)
        .map_err(|e| StoreError::Db(format!("reading {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0
        && let Err(e) =
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
    {
        // A read-only mount or someone else's file: redb's own open says what matters.
        tracing::warn!(path = %path.display(), error = %e, "cannot make the database private");
    }
    Ok(())
}

fn open_db(path: &Path) -> Result<Database, StoreError> {
    private_file(path)?;
    let db = backup::builder().create(path).map_err(|e| match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Locked(path.to_path_buf()),
        redb::DatabaseError::Storage(redb::StorageError::Io(io))
            if io.kind() == std::io::ErrorKind::StorageFull =>
        {
            StoreError::Full
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(io))
            if io.kind() == std::io::ErrorKind::ReadOnlyFilesystem =>
        {
            StoreError::ReadOnly
        }
        e => StoreError::Db(format!("opening {}: {e}", path.display())),
    })?;
    let tx = db.begin_write().map_err(StoreError::db("starting setup"))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let migrated = migrate::run(&tx, dir)?;
    tables::create_all(&tx).map_err(StoreError::db("creating tables"))?;
    tx.commit().map_err(StoreError::db("committing setup"))?;
    if migrated.rewrite {
        backup::rewrite(db, path)?;
        tracing::info!(path = %path.display(), "database rewritten without the clear passwords");
        return open_db(path);
    }
    tracing::debug!(path = %path.display(), version = migrated.version, "store opened");
    Ok(db)
}

impl Store {
    /// Opens (or creates) `DIR/steppe.redb`, creates every table and migrates the schema, all in
    /// one transaction.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Db(format!("creating data directory {}: {e}", dir.display()))
        })?;
        let path = dir.join(FILE_NAME);
        let db = open_db(&path)?;
        Ok(Store {
            shared: Arc::new(Shared {
                db: std::sync::RwLock::new(Some(db)),
                broken: Default::default(),
                fallback: Default::default(),
                path,
                generation: Default::default(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Changes whenever a write commits.
    pub fn generation(&self) -> u64 {
        self.shared
            .generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    fn db(&self) -> Result<std::sync::RwLockReadGuard<'_, Option<Database>>, StoreError> {
        let guard = self.shared.db.read().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            return Err(StoreError::Disk("the database is being reopened".into()));
        }
        Ok(guard)
    }

    /// Runs `f` on a consistent snapshot.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Read) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.shared.db.read().is_ok_and(|g| g.is_none()) {
            self.reopen()?;
        }
        let guard = self.db()?;
        let db = guard
            .as_ref()
            .ok_or_else(|| StoreError::Disk("closed".into()))?;
        let tx = match db.begin_read().map_err(StoreError::db("starting read")) {
            Ok(tx) => tx,
            // After a disk error the writable handle refuses reads too; a read-only handle
            // beside it still serves the last committed state until the file is reopened.
            Err(StoreError::Disk(_)) => {
                self.shared
                    .broken
                    .store(true, std::sync::atomic::Ordering::Release);
                self.read_only()?
                    .begin_read()
                    .map_err(StoreError::db("starting read"))?
            }
            Err(e) => return Err(e.into()),
        };
        f(&Read { tx })
    }

    /// The read-only handle used while the database is broken, opened on first need.
    fn read_only(&self) -> Result<Arc<redb::ReadOnlyDatabase>, StoreError> {
        let mut fallback = self
            .shared
            .fallback
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(db) = fallback.as_ref() {
            return Ok(db.clone());
        }
        let db = Arc::new(
            backup::builder()
                .open_read_only(&self.shared.path)
                .map_err(|e| StoreError::Disk(format!("opening a read-only handle: {e}")))?,
        );
        *fallback = Some(db.clone());
        Ok(db)
    }

    /// Runs `f` as one write transaction: committed (durably) if `f` returns `Ok`, otherwise
    /// nothing of it is kept.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Write) -> Result<T, E>,
    ) -> Result<T, E> {
        if self
            .shared
            .broken
            .load(std::sync::atomic::Ordering::Acquire)
        {
            self.reopen()?;
        }
        let result = (|| {
            let guard = self.db()?;
            let db = guard
                .as_ref()
                .ok_or_else(|| StoreError::Disk("closed".into()))?;
            let tx = db.begin_write().map_err(StoreError::db("starting write"))?;
            let mut w = Write { tx };
            let out = match f(&mut w) {
                Ok(out) => out,
                Err(e) => return Ok(Err(e)),
            };
            w.tx.commit().map_err(StoreError::db("committing"))?;
            self.shared
                .generation
                .fetch_add(1, std::sync::atomic::Ordering::Release);
            Ok::<_, StoreError>(Ok(out))
        })();
        match result {
            Ok(r) => r,
            Err(e) => {
                if matches!(
                    e,
                    StoreError::Full | StoreError::ReadOnly | StoreError::Disk(_)
                ) {
                    tracing::error!(error = %e, "a write failed on the data disk");
                    self.shared
                        .broken
                        .store(true, std::sync::atomic::Ordering::Release);
                }
                Err(e.into())
            }
        }
    }

    /// After a disk error, opens the file again — but only once a megabyte can be written
    /// beside it, so that while the disk is still full or read-only reads go on from the open
    /// handle and writes fail at once with the reason.
    fn reopen(&self) -> Result<(), StoreError> {
        let probe = self.shared.path.with_extension("probe");
        let room = std::fs::write(&probe, vec![0u8; PROBE_BYTES])
            .and_then(|()| std::fs::File::open(&probe)?.sync_all());
        let _ = std::fs::remove_file(&probe);
        if let Err(e) = room {
            return Err(match e.kind() {
                std::io::ErrorKind::StorageFull => StoreError::Full,
                std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                    StoreError::ReadOnly
                }
                _ => StoreError::Disk(format!("writing beside the database: {e}")),
            });
        }
        let mut guard = self.shared.db.write().unwrap_or_else(|e| e.into_inner());
        if !self
            .shared
            .broken
            .load(std::sync::atomic::Ordering::Acquire)
            && guard.is_some()
        {
            return Ok(());
        }
        // The old handles must be gone before the file can be locked again.
        *self
            .shared
            .fallback
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
        *guard = None;
        let db = open_db(&self.shared.path)?;
        *guard = Some(db);
        self.shared
            .broken
            .store(false, std::sync::atomic::Ordering::Release);
        tracing::info!("the database was reopened after a disk error");
        Ok(())
    }

    /// `read` on the blocking pool, so the async workers never wait on disk.
    pub async fn read_async<T, E>(
        &self,
        f: impl FnOnce(&Read) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| store.read(f)))
            .await
            .unwrap_or_else(|e| Err(StoreError::Db(format!("read task failed: {e}")).into()))
    }

    /// `write` on the blocking pool.
    pub async fn write_async<T, E>(
        &self,
        f: impl FnOnce(&mut Write) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| store.write(f)))
            .await
            .unwrap_or_else(|e| Err(StoreError::Db(format!("write task failed: {e}")).into()))
    }

    /// The stored schema version (for diagnostics and tests).
    pub fn schema_version(&self) -> Result<u64, StoreError> {
        self.read(|r| {
            let meta =
                r.tx.open_table(tables::META)
                    .map_err(StoreError::db("opening meta"))?;
            let v = meta
                .get("schema_version")
                .map_err(StoreError::db("reading meta"))?;
            Ok(v.map(|v| v.value()).unwrap_or(0))
        })
    }
}

/// A read snapshot.
pub struct Read {
    tx: redb::ReadTransaction,
}

/// A write transaction in progress.
pub struct Write {
    tx: redb::WriteTransaction,
}

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
pub trait Reader {
    /// The record with this id, if any.
    fn get<R: Record>(&self, id: u64) -> Result<Option<R>, StoreError>;

    /// Every record of the table, in id order.
    fn list<R: Record>(&self) -> Result<Vec<R>, StoreError>;

    /// Visits records in id order (or newest first) until `f` returns false.
    fn scan<R: Record>(
        &self,
        newest_first: bool,
        f: impl FnMut(R) -> bool,
    ) -> Result<(), StoreError>;

    /// Number of records in the table.
    fn count<R: Record>(&self) -> Result<u64, StoreError>;

    /// The keyed record under `key`, if any.
    fn kget<R: KeyedRecord>(&self, key: &str) -> Result<Option<R>, StoreError>;

    /// Every keyed record with its key, in key order.
    fn klist<R: KeyedRecord>(&self) -> Result<Vec<(String, R)>, StoreError>;

    /// The id a unique index maps `key` to.
    fn index_get(&self, index: Index, key: &str) -> Result<Option<u64>, StoreError>;

    /// A stored blob (image bytes).
    fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// The ids in `group` of a grouping index, ascending.
    fn set_members(&self, set: Set, group: u64) -> Result<Vec<u64>, StoreError>;

    /// Whether (group, id) is in the set.
    fn set_contains(&self, set: Set, group: u64, id: u64) -> Result<bool, StoreError>;

    /// Every (group, id) pair, in order, at most `limit`.
    fn set_all(&self, set: Set, limit: usize) -> Result<Vec<(u64, u64)>, StoreError>;

    /// The first (group, id) pair with group ≥ `from`.
    fn set_first_from(&self, set: Set, from: u64) -> Result<Option<(u64, u64)>, StoreError>;

    /// Records with ids in `from..`, ascending, at most `limit`.
    fn range<R: Record>(&self, from: u64, limit: usize) -> Result<Vec<R>, StoreError>;

    /// Revenue per package for hours in `from..to`: (hour, plan id, amount, count).
    fn revenue_plan_hours(
        &self,
        from: u32,
        to: u32,
    ) -> Result<Vec<(u32, u64, i64, u64)>, StoreError>;

    /// Visits pending bills (due second, bill id, amount owed), earliest due first, until `f`
    /// returns false.
    fn pending_bills(&self, f: impl FnMut(u64, u64, i64) -> bool) -> Result<(), StoreError>;

    /// Visits summaries (id, bytes) in id order (or newest first) until `f` returns false.
    fn summaries(
        &self,
        kind: Summary,
        newest_first: bool,
        f: impl FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), StoreError>;

    /// One summary.
    fn summary(&self, kind: Summary, id: u64) -> Result<Option<Vec<u8>>, StoreError>;

    /// How many summaries of a kind there are.
    fn summary_count(&self, kind: Summary) -> Result<u64, StoreError>;

    /// A store-wide marker (`meta` table): operational state, not records, so backups and
    /// comparisons of installations leave it aside.
    fn marker(&self, key: &str) -> Result<Option<u64>, StoreError>;

    /// Revenue buckets for hours in `from..to`: (hour, method, amount, count).
    fn revenue_hours(&self, from: u32, to: u32)
    -> Result<Vec<(u32, String, i64, u64)>, StoreError>;
    /// Visits the (group, id) pairs with `groups.0 <= group <= groups.1`, ascending, until `f`
    /// returns false.
    fn set_scan(
        &self,
        set: Set,
        groups: (u64, u64),
        f: impl FnMut(u64, u64) -> bool,
    ) -> Result<(), StoreError>;
}

macro_rules! impl_reader {
    ($t:ty) => {
        impl Reader for $t {
            /// The record with this id, if any.
            fn get<R: Record>(&self, id: u64) -> Result<Option<R>, StoreError> {
                let t = self
                    .tx
                    .open_table(R::KIND.table())
                    .map_err(StoreError::db("opening table"))?;
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
                let t = self
                    .tx
                    .open_table(R::KIND.table())
                    .map_err(StoreError::db("opening table"))?;
                walk(&t, newest_first, |_, v| {
                    Ok(f(codec::decode(R::KIND.name(), v)?))
                })
            }

            /// Number of records in the table.
            fn count<R: Record>(&self) -> Result<u64, StoreError> {
                let t = self
                    .tx
                    .open_table(R::KIND.table())
                    .map_err(StoreError::db("opening table"))?;
                t.len().map_err(StoreError::db("counting rows"))
            }

            /// The keyed record under `key`, if any.
            fn kget<R: KeyedRecord>(&self, key: &str) -> Result<Option<R>, StoreError> {
                let t = self
                    .tx
                    .open_table(R::KIND.table())
                    .map_err(StoreError::db("opening table"))?;
                let v = t.get(key).map_err(StoreError::db("reading row"))?;
                v.map(|v| codec::decode("keyed", v.value())).transpose()
            }

            /// Every keyed record with its key, in key order.
            fn klist<R: KeyedRecord>(&self) -> Result<Vec<(String, R)>, StoreError> {
                let t = self
                    .tx
                    .open_table(R::KIND.table())
                    .map_err(StoreError::db("opening table"))?;
                let mut out = Vec::new();
                for row in t.iter().map_err(StoreError::db("scanning table"))? {
                    let (k, v) = row.map_err(StoreError::db("reading row"))?;
                    out.push((k.value().to_string(), codec::decode("keyed", v.value())?));
                }
                Ok(out)
            }

            /// The id a unique index maps `key` to.
            fn index_get(&self, index: Index, key: &str) -> Result<Option<u64>, StoreError> {
                let t = self
                    .tx
                    .open_table(index.table())
                    .map_err(StoreError::db("opening index"))?;
                let v = t.get(key).map_err(StoreError::db("reading index"))?;
                Ok(v.map(|v| v.value()))
            }

            /// A stored blob (image bytes).
            fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
                let t = self
                    .tx
                    .open_table(tables::BLOBS)
                    .map_err(StoreError::db("opening blobs"))?;
                let v = t.get(key).map_err(StoreError::db("reading blob"))?;
                Ok(v.map(|v| v.value().to_vec()))
            }

            fn set_members(&self, set: Set, group: u64) -> Result<Vec<u64>, StoreError> {
                let t = self
                    .tx
                    .open_table(set.table())
                    .map_err(StoreError::db("opening set"))?;
                let mut out = Vec::new();
                for row in t
                    .range((group, 0)..=(group, u64::MAX))
                    .map_err(StoreError::db("scanning set"))?
                {
                    let (k, _) = row.map_err(StoreError::db("reading set"))?;
                    out.push(k.value().1);
                }
                Ok(out)
            }

            fn set_contains(&self, set: Set, group: u64, id: u64) -> Result<bool, StoreError> {
                let t = self
                    .tx
                    .open_table(set.table())
                    .map_err(StoreError::db("opening set"))?;
                Ok(t.get((group, id))
                    .map_err(StoreError::db("reading set"))?
                    .is_some())
            }

            fn set_all(&self, set: Set, limit: usize) -> Result<Vec<(u64, u64)>, StoreError> {
                let t = self
                    .tx
                    .open_table(set.table())
                    .map_err(StoreError::db("opening set"))?;
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

            fn set_first_from(
                &self,
                set: Set,
                from: u64,
            ) -> Result<Option<(u64, u64)>, StoreError> {
                let t = self
                    .tx
                    .open_table(set.table())
                    .map_err(StoreError::db("opening set"))?;
                let mut it = t
                    .range((from, 0)..)
                    .map_err(StoreError::db("scanning set"))?;
                match it.next() {
                    Some(row) => Ok(Some(row.map_err(StoreError::db("reading set"))?.0.value())),
                    None => Ok(None),
                }
            }

            fn revenue_hours(
                &self,
                from: u32,
                to: u32,
            ) -> Result<Vec<(u32, String, i64, u64)>, StoreError> {
                let t = self
                    .tx
                    .open_table(tables::REVENUE_BY_HOUR)
                    .map_err(StoreError::db("opening revenue"))?;
                let mut out = Vec::new();
                for row in t
                    .range((from, "")..(to, ""))
                    .map_err(StoreError::db("scanning revenue"))?
                {
                    let (k, v) = row.map_err(StoreError::db("reading revenue"))?;
                    let ((hour, method), (amount, count)) = (k.value(), v.value());
                    out.push((hour, method.to_string(), amount, count));
                }
                Ok(out)
            }

            fn revenue_plan_hours(
                &self,
                from: u32,
                to: u32,
            ) -> Result<Vec<(u32, u64, i64, u64)>, StoreError> {
                let t = self
                    .tx
                    .open_table(tables::REVENUE_BY_HOUR_PLAN)
                    .map_err(StoreError::db("opening revenue"))?;
                let mut out = Vec::new();
                for row in t
                    .range((from, 0)..(to, 0))
                    .map_err(StoreError::db("scanning revenue"))?
                {
                    let (k, v) = row.map_err(StoreError::db("reading revenue"))?;
                    let ((hour, plan), (amount, count)) = (k.value(), v.value());
                    out.push((hour, plan, amount, count));
                }
                Ok(out)
            }

            fn pending_bills(
                &self,
                mut f: impl FnMut(u64, u64, i64) -> bool,
            ) -> Result<(), StoreError> {
                let t = self
                    .tx
                    .open_table(tables::PENDING_BILLS)
                    .map_err(StoreError::db("opening pending bills"))?;
                for row in t.iter().map_err(StoreError::db("scanning pending bills"))? {
                    let (k, v) = row.map_err(StoreError::db("reading pending bill"))?;
                    let (due, id) = k.value();
                    if !f(due, id, v.value()) {
                        break;
                    }
                }
                Ok(())
            }

            fn summaries(
                &self,
                kind: Summary,
                newest_first: bool,
                mut f: impl FnMut(u64, &[u8]) -> bool,
            ) -> Result<(), StoreError> {
                let t = self
                    .tx
                    .open_table(kind.table())
                    .map_err(StoreError::db("opening summaries"))?;
                walk(&t, newest_first, |k, v| Ok(f(k, v)))
            }

            fn summary(&self, kind: Summary, id: u64) -> Result<Option<Vec<u8>>, StoreError> {
                let t = self
                    .tx
                    .open_table(kind.table())
                    .map_err(StoreError::db("opening summaries"))?;
                let v = t.get(id).map_err(StoreError::db("reading summary"))?;
                Ok(v.map(|v| v.value().to_vec()))
            }

            fn marker(&self, key: &str) -> Result<Option<u64>, StoreError> {
                let t = self
                    .tx
                    .open_table(tables::META)
                    .map_err(StoreError::db("opening meta"))?;
                Ok(t.get(format!("marker:{key}").as_str())
                    .map_err(StoreError::db("reading meta"))?
                    .map(|v| v.value()))
            }

            fn summary_count(&self, kind: Summary) -> Result<u64, StoreError> {
                let t = self
                    .tx
                    .open_table(kind.table())
                    .map_err(StoreError::db("opening summaries"))?;
                t.len().map_err(StoreError::db("counting summaries"))
            }

            fn set_scan(
                &self,
                set: Set,
                groups: (u64, u64),
                mut f: impl FnMut(u64, u64) -> bool,
            ) -> Result<(), StoreError> {
                let t = self
                    .tx
                    .open_table(set.table())
                    .map_err(StoreError::db("opening set"))?;
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

            fn range<R: Record>(&self, from: u64, limit: usize) -> Result<Vec<R>, StoreError> {
                let t = self
                    .tx
                    .open_table(R::KIND.table())
                    .map_err(StoreError::db("opening table"))?;
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
        }
    };
}

impl_reader!(Read);

impl_reader!(Write);

impl Write {
    /// Hands out the next id of a table; ids are never reused, even after a rollback-free
    /// delete, so audit entries keep pointing at the right thing.
    pub fn next_id(&mut self, kind: Kind) -> Result<u64, StoreError> {
        let mut meta = self
            .tx
            .open_table(tables::META)
            .map_err(StoreError::db("opening meta"))?;
        let key = format!("next_id:{}", kind.name());
        let next = meta
            .get(key.as_str())
            .map_err(StoreError::db("reading id counter"))?
            .map(|v| v.value())
            .unwrap_or(1);
        meta.insert(key.as_str(), next + 1)
            .map_err(StoreError::db("writing id counter"))?;
        Ok(next)
    }

    /// Sets a store-wide marker (see `Reader::marker`).
    pub fn marker_put(&mut self, key: &str, value: u64) -> Result<(), StoreError> {
        let mut meta = self
            .tx
            .open_table(tables::META)
            .map_err(StoreError::db("opening meta"))?;
        meta.insert(format!("marker:{key}").as_str(), value)
            .map_err(StoreError::db("writing meta"))?;
        Ok(())
    }

    /// Inserts or replaces the record under `id`.
    pub fn put<R: Record>(&mut self, id: u64, record: &R) -> Result<(), StoreError> {
        let bytes = codec::encode(record)?;
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        t.insert(id, bytes.as_slice())
            .map_err(StoreError::db("writing row"))?;
        Ok(())
    }

    /// Removes the record under `id`; true if it existed.
    pub fn remove<R: Record>(&mut self, id: u64) -> Result<bool, StoreError> {
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let old = t.remove(id).map_err(StoreError::db("removing row"))?;
        Ok(old.is_some())
    }

    pub fn kput<R: KeyedRecord>(&mut self, key: &str, record: &R) -> Result<(), StoreError> {
        let bytes = codec::encode(record)?;
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        t.insert(key, bytes.as_slice())
            .map_err(StoreError::db("writing row"))?;
        Ok(())
    }

    pub fn kremove<R: KeyedRecord>(&mut self, key: &str) -> Result<bool, StoreError> {
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let old = t.remove(key).map_err(StoreError::db("removing row"))?;
        Ok(old.is_some())
    }

    /// Removes every keyed record for which `f` returns true; returns how many.
    pub fn kretain<R: KeyedRecord>(
        &mut self,
        mut keep: impl FnMut(&str, &R) -> bool,
    ) -> Result<usize, StoreError> {
        let doomed: Vec<String> = self
            .klist::<R>()?
            .into_iter()
            .filter(|(k, r)| !keep(k, r))
            .map(|(k, _)| k)
            .collect();
        for k in &doomed {
            self.kremove::<R>(k)?;
        }
        Ok(doomed.len())
    }

    pub fn index_put(&mut self, index: Index, key: &str, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(index.table())
            .map_err(StoreError::db("opening index"))?;
        t.insert(key, id).map_err(StoreError::db("writing index"))?;
        Ok(())
    }

    pub fn index_remove(&mut self, index: Index, key: &str) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(index.table())
            .map_err(StoreError::db("opening index"))?;
        t.remove(key)
            .map_err(StoreError::db("removing index entry"))?;
        Ok(())
    }

    /// Records (or updates) a pending bill's amount owed.
    pub fn pending_bill_put(&mut self, due: u64, id: u64, owed: i64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(tables::PENDING_BILLS)
            .map_err(StoreError::db("opening pending bills"))?;
        t.insert((due, id), owed)
            .map_err(StoreError::db("writing pending bill"))?;
        Ok(())
    }

    pub fn pending_bill_remove(&mut self, due: u64, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(tables::PENDING_BILLS)
            .map_err(StoreError::db("opening pending bills"))?;
        t.remove((due, id))
            .map_err(StoreError::db("removing pending bill"))?;
        Ok(())
    }

    pub fn summary_put(&mut self, kind: Summary, id: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(kind.table())
            .map_err(StoreError::db("opening summaries"))?;
        t.insert(id, bytes)
            .map_err(StoreError::db("writing summary"))?;
        Ok(())
    }

    pub fn summary_remove(&mut self, kind: Summary, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(kind.table())
            .map_err(StoreError::db("opening summaries"))?;
        t.remove(id).map_err(StoreError::db("removing summary"))?;
        Ok(())
    }

    /// Adds `amount` to the package revenue bucket of `hour` and `plan`.
    pub fn revenue_plan_add(
        &mut self,
        hour: u32,
        plan: u64,
        amount: i64,
    ) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(tables::REVENUE_BY_HOUR_PLAN)
            .map_err(StoreError::db("opening revenue"))?;
        let (a, c) = t
            .get((hour, plan))
            .map_err(StoreError::db("reading revenue"))?
            .map(|v| v.value())
            .unwrap_or((0, 0));
        t.insert((hour, plan), (a + amount, c + 1))
            .map_err(StoreError::db("writing revenue"))?;
        Ok(())
    }

    /// Adds `amount` (and `count`) to the revenue bucket of `hour` and `method`.
    pub fn revenue_add(
        &mut self,
        hour: u32,
        method: &str,
        amount: i64,
        count: i64,
    ) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(tables::REVENUE_BY_HOUR)
            .map_err(StoreError::db("opening revenue"))?;
        let (a, c) = t
            .get((hour, method))
            .map_err(StoreError::db("reading revenue"))?
            .map(|v| v.value())
            .unwrap_or((0, 0));
        let c = c.saturating_add_signed(count);
        t.insert((hour, method), (a + amount, c))
            .map_err(StoreError::db("writing revenue"))?;
        Ok(())
    }

    pub fn set_add(&mut self, set: Set, group: u64, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(set.table())
            .map_err(StoreError::db("opening set"))?;
        t.insert((group, id), ())
            .map_err(StoreError::db("writing set"))?;
        Ok(())
    }

    pub fn set_remove(&mut self, set: Set, group: u64, id: u64) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(set.table())
            .map_err(StoreError::db("opening set"))?;
        t.remove((group, id))
            .map_err(StoreError::db("removing from set"))?;
        Ok(())
    }

    /// Removes records with ids below `before`, oldest first, at most `limit`; returns how many.
    pub fn remove_below<R: Record>(
        &mut self,
        before: u64,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let mut t = self
            .tx
            .open_table(R::KIND.table())
            .map_err(StoreError::db("opening table"))?;
        let ids: Vec<u64> = t
            .range(..before)
            .map_err(StoreError::db("scanning table"))?
            .take(limit)
            .map(|row| row.map(|(k, _)| k.value()))
            .collect::<Result<_, _>>()
            .map_err(StoreError::db("reading row"))?;
        for id in &ids {
            t.remove(id).map_err(StoreError::db("removing row"))?;
        }
        Ok(ids.len())
    }

    pub fn blob_put(&mut self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(tables::BLOBS)
            .map_err(StoreError::db("opening blobs"))?;
        t.insert(key, bytes)
            .map_err(StoreError::db("writing blob"))?;
        Ok(())
    }

    pub fn blob_remove(&mut self, key: &str) -> Result<(), StoreError> {
        let mut t = self
            .tx
            .open_table(tables::BLOBS)
            .map_err(StoreError::db("opening blobs"))?;
        t.remove(key).map_err(StoreError::db("removing blob"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Thing {
        name: String,
    }
    impl Record for Thing {
        const KIND: Kind = Kind::Banners;
    }

    #[test]
    fn failed_closure_commits_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let r: Result<(), StoreError> = store.write(|w| {
            let id = w.next_id(Kind::Banners)?;
            w.put(id, &Thing { name: "x".into() })?;
            Err(StoreError::Db("boom".into()))
        });
        assert!(r.is_err());
        let n = store.read(|r| r.count::<Thing>()).unwrap();
        assert_eq!(n, 0);
        let id = store.write(|w| w.next_id(Kind::Banners)).unwrap();
        assert_eq!(id, 1, "the aborted transaction must not consume an id");
    }

    /// Issue #14: redb created `steppe.redb` (and backups) 0644, readable by every local user.
    #[test]
    fn the_database_and_its_backups_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(mode(store.path()), 0o600);
        let out = dir.path().join("copy.steppe-backup");
        store.backup(&out, &[]).unwrap();
        assert_eq!(mode(&out), 0o600, "a backup is as secret as the database");
        let path = store.path().to_path_buf();
        drop(store);
        // A file left 0644 by an older build is narrowed when opened.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(Store::open(dir.path()).unwrap());
        assert_eq!(mode(&path), 0o600);
        let restored = tempfile::tempdir().unwrap();
        restore(&out, restored.path()).unwrap();
        assert_eq!(mode(&restored.path().join(FILE_NAME)), 0o600);
    }

    #[test]
    fn newer_schema_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .write(|w| {
                    let mut m = w.tx.open_table(tables::META).map_err(StoreError::db("m"))?;
                    m.insert("schema_version", SCHEMA_VERSION + 1)
                        .map_err(StoreError::db("m"))?;
                    Ok::<_, StoreError>(())
                })
                .unwrap();
        }
        let err = Store::open(dir.path()).err().expect("must refuse");
        assert!(err.to_string().contains("newer Steppe"), "{err}");
    }

    #[test]
    fn records_round_trip_in_id_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for name in ["a", "b", "c"] {
            store
                .write(|w| {
                    let id = w.next_id(Kind::Banners)?;
                    w.put(id, &Thing { name: name.into() })
                })
                .unwrap();
        }
        let all: Vec<Thing> = store.read(|r| r.list()).unwrap();
        assert_eq!(
            all.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        let mut newest = Vec::new();
        store
            .read(|r| {
                r.scan::<Thing>(true, |t| {
                    newest.push(t.name);
                    newest.len() < 2
                })
            })
            .unwrap();
        assert_eq!(newest, ["c", "b"]);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
}
