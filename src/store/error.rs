//! Why a store operation failed, and how redb's errors map onto that.
//!
//! Disk trouble (full, read-only, other I/O) is told apart from everything else because the
//! handle reacts to it: it marks itself broken and reopens the file once space returns.

use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, Clone)]
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
    /// Maps a redb error met at `step`, keeping disk errors apart so the handle can recover.
    pub(super) fn db<E: Into<redb::Error>>(step: &'static str) -> impl Fn(E) -> StoreError {
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

    /// Whether this error came from the disk, which leaves redb refusing further writes.
    pub(super) fn is_disk(&self) -> bool {
        matches!(
            self,
            StoreError::Full | StoreError::ReadOnly | StoreError::Disk(_)
        )
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
