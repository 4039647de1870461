//! Large downloads (report exports, backups) without pinning a thread on a slow client.
//!
//! A download is first written whole, at disk speed, into a file in the data directory that is
//! unlinked as soon as it is open (nothing is left behind if the client goes or the process
//! stops); then an async task streams the file. A reader that takes nothing for `SEND_DEADLINE`
//! is dropped. Before this, a CSV export held a blocking-pool thread (and a read snapshot) for
//! as long as its client did not read, and a handful of unread exports froze every request.

use super::http::Body;
use hyper::body::Bytes;
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Downloads being made or sent at once; each holds a file in the data directory.
pub const MAX_AT_ONCE: usize = 8;
/// A client that accepts no data for this long is dropped.
pub const SEND_DEADLINE: Duration = Duration::from_secs(60);
const CHUNK: usize = 64 * 1024;

static SLOTS: LazyLock<std::sync::Arc<Semaphore>> =
    LazyLock::new(|| std::sync::Arc::new(Semaphore::new(MAX_AT_ONCE)));

/// A place among the downloads in progress, or `None` when all are taken.
pub fn slot() -> Option<OwnedSemaphorePermit> {
    SLOTS.clone().try_acquire_owned().ok()
}

/// A new file in `dir`, readable and writable by this process only, already unlinked.
pub fn scratch(dir: &Path) -> Result<std::fs::File, String> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(format!(
        ".download-{}.tmp",
        crate::access::secret::new_token("")
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("creating {}: {e}", path.display()))?;
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// `file` (written, at any position) from its start to the client; `slot` is held until the
/// last byte is sent or the client is dropped.
pub fn stream(mut file: std::fs::File, slot: OwnedSemaphorePermit) -> Result<Body, String> {
    file.flush().map_err(|e| format!("writing download: {e}"))?;
    file.rewind()
        .map_err(|e| format!("rewinding download: {e}"))?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
    tokio::spawn(async move {
        let _slot = slot;
        let mut file = Some(file);
        loop {
            // One short read at a time on the blocking pool: never a wait on the client there.
            let Some(f) = file.take() else { break };
            let read = tokio::task::spawn_blocking(move || {
                use std::io::Read;
                let mut f = f;
                let mut buf = vec![0u8; CHUNK];
                let n = f.read(&mut buf);
                (f, buf, n)
            })
            .await;
            let (f, mut buf, n) = match read {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "reading a download back");
                    break;
                }
            };
            let n = match n {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    // The headers are sent: the client sees a cut file, the log why.
                    tracing::error!(error = %e, "reading a download back");
                    break;
                }
            };
            file = Some(f);
            buf.truncate(n);
            match tokio::time::timeout(SEND_DEADLINE, tx.send(Bytes::from(buf))).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => break,
                Err(_) => {
                    tracing::info!("a download's client stopped reading; dropped");
                    break;
                }
            }
        }
    });
    Ok(Body::Stream(rx))
}
