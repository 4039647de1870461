//! The one source of "now", so tests can move time without waiting for it — and so a system
//! clock that jumps backwards cannot hand out free service.
//!
//! `now()` is the later of the wall clock (plus a test offset) and a floor that runs on the
//! monotonic clock from the moment the clock was made (raised by `hold_at_least` to the last
//! time a previous run saw, kept in the store). So:
//! - a wall clock set backwards (a Raspberry Pi booting without a real-time clock, a wrong
//!   manual change) is ignored: time keeps running from where it was, nobody expired becomes
//!   entitled again;
//! - a jump forwards (NTP correcting a late boot clock) is followed at once;
//! - a forward jump later undone comes back to the floor, which never moved with it, so a
//!   customer who lost service while the clock was wrong gets it back: expiries are absolute
//!   and no paid time was consumed.
//!
//! Every move is announced through `moved()`, so timers re-plan and routers re-check
//! entitlement at once instead of at their next tick.

use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;
use tokio::sync::Notify;

#[derive(Debug)]
struct Inner {
    offset_secs: AtomicI64,
    /// Nanoseconds since the epoch that the floor stood at when `started` was taken (an i64
    /// holds them until 2262). Nanoseconds, as `Timestamp` has: with anything coarser a `now()`
    /// after a backward jump could fall short of one before it.
    anchor_ns: AtomicI64,
    started: Instant,
    moved: Notify,
    /// The last wall − floor difference the watcher saw, in nanoseconds.
    last_skew_ns: AtomicI64,
}

/// System time plus an adjustable offset (zero in production), never earlier than the floor.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Inner>,
}

impl Default for Clock {
    fn default() -> Self {
        // The monotonic start first: read after it, the wall puts the floor a hair ahead of the
        // wall rather than behind it, so a backward jump right away cannot step back.
        let started = Instant::now();
        Clock {
            inner: Arc::new(Inner {
                offset_secs: AtomicI64::new(0),
                anchor_ns: AtomicI64::new(nanos(Timestamp::now())),
                started,
                moved: Notify::new(),
                last_skew_ns: AtomicI64::new(0),
            }),
        }
    }
}

/// A wall clock moving by more than this between two looks is a jump, not drift.
pub const JUMP: SignedDuration = SignedDuration::from_secs(2);

impl Clock {
    fn wall(&self) -> Timestamp {
        let off = self.inner.offset_secs.load(Ordering::Relaxed);
        Timestamp::now()
            .checked_add(SignedDuration::from_secs(off))
            .unwrap_or_else(|_| Timestamp::now())
    }

    fn elapsed_ns(&self) -> i64 {
        i64::try_from(self.inner.started.elapsed().as_nanos()).unwrap_or(i64::MAX)
    }

    fn floor(&self) -> Timestamp {
        let ns = self
            .inner
            .anchor_ns
            .load(Ordering::Relaxed)
            .saturating_add(self.elapsed_ns());
        Timestamp::from_nanosecond(i128::from(ns)).unwrap_or(Timestamp::MAX)
    }

    pub fn now(&self) -> Timestamp {
        self.wall().max(self.floor())
    }

    /// Moves this clock (and every clone of it) by `secs`, as a system clock jump would; for
    /// tests of expiry and clock jumps.
    pub fn advance(&self, secs: i64) {
        self.inner.offset_secs.fetch_add(secs, Ordering::Relaxed);
        self.inner.moved.notify_waiters();
    }

    /// Never report a time before `t` again (the last time a previous run saw).
    pub fn hold_at_least(&self, t: Timestamp) {
        self.inner.anchor_ns.fetch_max(
            nanos(t).saturating_sub(self.elapsed_ns()),
            Ordering::Relaxed,
        );
    }

    /// Completes when the clock is next moved or seen to jump.
    pub async fn moved(&self) {
        self.inner.moved.notified().await;
    }

    /// Compares the wall clock with the floor; called every few seconds by `watch`. Small drift
    /// behind the floor is absorbed (the floor steps back to the wall, at most `JUMP`); a jump
    /// either way is logged and announced. Returns the jump seen, if any.
    pub fn check(&self) -> Option<SignedDuration> {
        let skew = self.wall().duration_since(self.floor());
        let skew_ns = i64::try_from(skew.as_nanos()).unwrap_or(i64::MAX);
        let last = self.inner.last_skew_ns.swap(skew_ns, Ordering::Relaxed);
        if skew < SignedDuration::ZERO && skew > -JUMP {
            // The monotonic clock ran a little ahead of a disciplined wall clock.
            self.inner.anchor_ns.fetch_add(skew_ns, Ordering::Relaxed);
            self.inner.last_skew_ns.store(0, Ordering::Relaxed);
            return None;
        }
        let moved = SignedDuration::from_nanos(skew_ns.saturating_sub(last));
        if moved.abs() < JUMP {
            return None;
        }
        if skew < SignedDuration::ZERO {
            tracing::warn!(by = %moved, "the system clock went back; holding time where it was");
        } else {
            tracing::warn!(by = %moved, "the system clock jumped");
        }
        self.inner.moved.notify_waiters();
        Some(moved)
    }

    /// Looks for wall-clock jumps every few seconds until the task is dropped.
    pub async fn watch(self) {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            self.check();
        }
    }
}

/// Nanoseconds since the epoch, saturating outside what an i64 holds (before 1677, after 2262).
fn nanos(t: Timestamp) -> i64 {
    i64::try_from(t.as_nanosecond()).unwrap_or(if t > Timestamp::UNIX_EPOCH {
        i64::MAX
    } else {
        i64::MIN
    })
}

const HIGH_WATER: &str = "clock_high_water_us";

/// The time the last run of Steppe saw last (kept so that the next start never begins earlier).
pub fn remembered(
    r: &impl crate::store::Reader,
) -> Result<Option<Timestamp>, crate::store::StoreError> {
    Ok(r.marker(HIGH_WATER)?
        .and_then(|us| Timestamp::from_microsecond(i64::try_from(us).ok()?).ok()))
}

/// Keeps `at` as the time this run has reached.
pub fn remember(
    w: &mut crate::store::Write,
    at: Timestamp,
) -> Result<(), crate::store::StoreError> {
    w.marker_put(HIGH_WATER, u64::try_from(at.as_microsecond()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_back_but_follows_forward_and_returns() {
        // Right after a reading, even within the same microsecond.
        for _ in 0..2000 {
            let c = Clock::default();
            let t0 = c.now();
            c.advance(-3600);
            assert!(c.now() >= t0, "a backward jump is not followed");
        }
        let c = Clock::default();
        let t0 = c.now();
        c.advance(-3600);
        c.advance(3600 + 86_400);
        assert!(
            c.now() >= t0 + SignedDuration::from_hours(24),
            "forward is followed"
        );
        c.advance(-86_400);
        let back = c.now();
        assert!(
            back >= t0 && back < t0 + SignedDuration::from_mins(1),
            "returns to the floor"
        );
    }

    #[test]
    fn holds_at_least_a_time_with_nanoseconds_at_once() {
        // Many tries, so some land within the microsecond that `hold_at_least` was called in
        // (a floor counting microseconds fell short of `later` there).
        for _ in 0..2000 {
            let c = Clock::default();
            let later = Timestamp::now() + SignedDuration::from_nanos(3_600_000_000_999);
            c.hold_at_least(later);
            assert!(c.now() >= later);
        }
    }

    #[test]
    fn holds_at_least_a_previous_runs_time() {
        let c = Clock::default();
        let later = Timestamp::now() + SignedDuration::from_hours(5);
        c.hold_at_least(later);
        assert!(c.now() >= later);
        c.hold_at_least(Timestamp::UNIX_EPOCH);
        assert!(c.now() >= later, "the floor never moves down");
    }

    #[test]
    fn check_reports_jumps_and_absorbs_drift() {
        let c = Clock::default();
        assert_eq!(c.check(), None);
        c.inner.offset_secs.store(600, Ordering::Relaxed);
        let j = c.check().expect("a forward jump is seen");
        assert!(j >= SignedDuration::from_secs(599));
        assert_eq!(c.check(), None, "reported once");
        c.inner.offset_secs.store(0, Ordering::Relaxed);
        assert!(c.check().is_some(), "the way back is seen too");
    }
}
