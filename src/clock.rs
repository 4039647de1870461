//! The one source of "now", so tests can move time without waiting for it.

use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::Notify;

/// System time plus an adjustable offset (zero in production).
#[derive(Clone, Default, Debug)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
    /// Wakes tasks sleeping until a moment of this clock when the clock is moved.
    moved: Arc<Notify>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let off = self.offset_secs.load(Ordering::Relaxed);
        Timestamp::now()
            .checked_add(SignedDuration::from_secs(off))
            .unwrap_or_else(|_| Timestamp::now())
    }

    /// Moves this clock (and every clone of it) by `secs`; for tests of expiry and clock jumps.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
        self.moved.notify_waiters();
    }

    /// Completes when `advance` is next called (never, in production).
    pub async fn moved(&self) {
        self.moved.notified().await;
    }
}
