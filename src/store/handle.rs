//! The database handle: opening the file (private, migrated, every table created), running
//! closures as one read snapshot or one write transaction, and recovering from disk errors.
//!
//! redb refuses writes after an I/O error, and in the single-writer mode the online backup
//! needs, reads through that handle too. So a disk error marks the handle broken: reads go on
//! through a read-only handle opened beside it, and the next write reopens the file once a
//! megabyte can be written next to it.

use super::catalogue::{self, META};
use super::changes::ChangeLog;
use super::declare::Visit;
use super::group::{self, Queue};
use super::{FILE_NAME, Read, StoreError, Write, backup, migrate};
use redb::{Database, ReadableDatabase, TableDefinition};
use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Held for a transaction's life, so the file is not reopened under it.
pub(super) type DbGuard<'a> = std::sync::RwLockReadGuard<'a, Option<Database>>;

/// The database handle; cheap to clone, shared by every task.
#[derive(Clone)]
pub struct Store {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    /// `None` only while being reopened after a disk error.
    db: std::sync::RwLock<Option<Database>>,
    /// A write met a disk error: redb refuses writes until the file is opened again.
    broken: std::sync::atomic::AtomicBool,
    /// Serves reads while broken (the writable handle then refuses them too).
    fallback: std::sync::Mutex<Option<Arc<redb::ReadOnlyDatabase>>>,
    path: PathBuf,
    /// Bumped after every committed write, so caches of derived figures know when to refresh.
    generation: std::sync::atomic::AtomicU64,
    /// What each commit changed (`changes`); its count of commits is `generation`.
    pub(super) log: std::sync::Mutex<ChangeLog>,
    /// Writes waiting for one shared transaction (`group`).
    pub(super) queue: std::sync::Mutex<Queue>,
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
    catalogue::each(&mut CreateAll(&tx))?;
    tx.commit().map_err(StoreError::db("committing setup"))?;
    if migrated.rewrite {
        backup::rewrite(db, path)?;
        tracing::info!(path = %path.display(), "database rewritten without the clear passwords");
        return open_db(path);
    }
    tracing::debug!(path = %path.display(), version = migrated.version, "store opened");
    Ok(db)
}

/// Creates every table, so read transactions never meet a missing one.
struct CreateAll<'a>(&'a redb::WriteTransaction);

impl Visit for CreateAll<'_> {
    fn visit<K: redb::Key + 'static, V: redb::Value + 'static>(
        &mut self,
        _name: &'static str,
        def: TableDefinition<'static, K, V>,
    ) -> Result<(), StoreError> {
        self.0
            .open_table(def)
            .map_err(StoreError::db("creating tables"))?;
        Ok(())
    }
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
                log: Default::default(),
                queue: Default::default(),
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

    fn db(&self) -> Result<DbGuard<'_>, StoreError> {
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
        let (_guard, r) = self.begin_read()?;
        f(&r)
    }

    // `read` and `write` are instantiated for every closure handed to them: what does not depend
    // on the closure lives in these, once.
    #[inline(never)]
    fn begin_read(&self) -> Result<(DbGuard<'_>, Read), StoreError> {
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
            Err(e) => return Err(e),
        };
        Ok((guard, Read { tx }))
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
        let (guard, mut w) = self.begin_write().map_err(|e| self.failed(e))?;
        let out = f(&mut w)?;
        if w.dirty {
            self.commit(guard, w).map_err(|e| self.failed(e))?;
        }
        Ok(out)
    }

    #[inline(never)]
    pub(super) fn begin_write(&self) -> Result<(DbGuard<'_>, Write), StoreError> {
        if self
            .shared
            .broken
            .load(std::sync::atomic::Ordering::Acquire)
        {
            self.reopen()?;
        }
        let guard = self.db()?;
        let db = guard
            .as_ref()
            .ok_or_else(|| StoreError::Disk("closed".into()))?;
        let tx = db.begin_write().map_err(StoreError::db("starting write"))?;
        Ok((guard, Write::new(tx)))
    }

    /// Commits while the handle is still held, then counts the change and logs what it touched.
    #[inline(never)]
    pub(super) fn commit(&self, guard: DbGuard<'_>, w: Write) -> Result<(), StoreError> {
        let Write { tx, touched, .. } = w;
        tx.commit().map_err(StoreError::db("committing"))?;
        drop(guard);
        let mut log = self.shared.log.lock().unwrap_or_else(|e| e.into_inner());
        let now = log.commit(&touched);
        self.shared
            .generation
            .store(now, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// A write that failed on the disk marks the store broken (redb refuses writes after an
    /// I/O error); the next write reopens it.
    #[inline(never)]
    pub(super) fn failed(&self, e: StoreError) -> StoreError {
        if e.is_disk() {
            tracing::error!(error = %e, "a write failed on the data disk");
            self.shared
                .broken
                .store(true, std::sync::atomic::Ordering::Release);
        }
        e
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
        on_blocking_pool(move || span.in_scope(|| store.read(f)))
            .await
            .unwrap_or_else(|| Err(StoreError::Db("the read task failed".into()).into()))
    }

    /// `write` on the blocking pool, committed together with the writes that arrive with it
    /// (`group`): it returns once the shared transaction has committed durably, and if `f`
    /// fails nothing of it is kept while the others' writes are.
    pub async fn write_async<T, E>(
        &self,
        f: impl FnOnce(&mut Write) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let span = tracing::Span::current();
        let run = Box::new(move |w: &mut Write| {
            span.in_scope(|| match f(w) {
                Ok(v) => Ok(Box::new(v) as Box<dyn Any + Send>),
                Err(e) => Err(Box::new(e) as Box<dyn Any + Send>),
            })
        });
        let lost = || Err(StoreError::Db("the write task failed".into()).into());
        match self.submit(run).await? {
            Ok(v) => v.downcast::<T>().map_or_else(|_| lost(), |v| Ok(*v)),
            Err(e) => e.downcast::<E>().map_or_else(|_| lost(), |e| Err(*e)),
        }
    }

    /// Queues a write and waits for its batch to commit; one body for every closure type.
    #[inline(never)]
    async fn submit(
        &self,
        run: Box<dyn FnOnce(&mut Write) -> group::Outcome + Send>,
    ) -> Result<group::Outcome, StoreError> {
        let (reply, told) = tokio::sync::oneshot::channel();
        if self.enqueue(group::Job { run, reply }) {
            let store = self.clone();
            drop(tokio::task::spawn_blocking(move || store.drain()));
        }
        told.await
            .unwrap_or_else(|_| Err(StoreError::Db("the write task failed".into())))
    }

    /// The stored schema version (for diagnostics and tests).
    pub fn schema_version(&self) -> Result<u64, StoreError> {
        self.read(|r| {
            let meta =
                r.tx.open_table(META)
                    .map_err(StoreError::db("opening meta"))?;
            let v = meta
                .get("schema_version")
                .map_err(StoreError::db("reading meta"))?;
            Ok(v.map(|v| v.value()).unwrap_or(0))
        })
    }
}

/// Runs `job` on the blocking pool; `None` if it panicked. Every call goes through one task
/// type and one channel type (`run_boxed`): each distinct closure handed to `spawn_blocking`
/// instantiated tokio's task machinery anew, and each result type a channel — with one per store
/// read or write that was about 0.4 MB of the router binary (docs/benchmarks.md, "After QPay").
pub async fn on_blocking_pool<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let out = run_boxed(Box::new(move || Box::new(job()) as Box<dyn Any + Send>)).await?;
    out.downcast::<T>().ok().map(|b| *b)
}

/// `on_blocking_pool` for a job that answers with a store error: one that died (panicked) is
/// `StoreError::Db` naming `what`.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    job: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    on_blocking_pool(job)
        .await
        .unwrap_or_else(|| Err(StoreError::Db(format!("the {what} task failed"))))
}

type Job = Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>;

async fn run_boxed(job: Job) -> Option<Box<dyn Any + Send>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    drop(tokio::task::spawn_blocking(move || {
        let _ = tx.send(job());
    }));
    rx.await.ok()
}
