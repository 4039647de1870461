//! Waiting for something another task or process does: poll a check until it holds, failing the
//! test with what was awaited once the time is up. Shared by tests/enforce.rs (inside a tokio
//! runtime) and tests/web (plain threads).

use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(20);

fn give_up(started: Instant, secs: u64, what: &str) {
    assert!(
        started.elapsed() < Duration::from_secs(secs),
        "not within {secs} s: {what}"
    );
}

/// Polls `check` on this thread until it holds; fails with `what` after `secs`. Returns how long
/// it took.
#[allow(dead_code)]
pub fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        give_up(started, secs, what);
        std::thread::sleep(POLL);
    }
    started.elapsed()
}

/// The same inside an async test, yielding to the runtime between polls.
#[allow(dead_code)]
pub async fn eventually_async(secs: u64, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        give_up(started, secs, what);
        tokio::time::sleep(POLL).await;
    }
    started.elapsed()
}
