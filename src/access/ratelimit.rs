//! Login throttling per username and per client address.
//!
//! Kept in memory on purpose: it guards the argon2 verifier and the accounts against guessing,
//! and a restart (which an attacker cannot cause from the login form) may forget it.

use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;

/// Failures within `WINDOW` that lock a key…
pub const MAX_FAILURES: usize = 5;
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// …for this long after the last failure.
pub const LOCKOUT: SignedDuration = SignedDuration::from_mins(15);
/// An address gets more room than a username: a whole office may share one.
const ADDRESS_FACTOR: usize = 4;
/// Bounds memory under a flood of distinct keys.
const MAX_KEYS: usize = 10_000;

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Timestamp>>>,
}

impl LoginLimiter {
    /// `Some(minutes)` to wait if either key is locked now.
    pub fn locked(&self, username: &str, ip: &str, now: Timestamp) -> Option<i64> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let wait = |key: String, max: usize| {
            let times = map.get(&key)?;
            let recent: Vec<_> = times
                .iter()
                .filter(|t| now.duration_since(**t) < WINDOW)
                .collect();
            if recent.len() < max {
                return None;
            }
            let last = **recent.iter().max()?;
            let left = LOCKOUT - now.duration_since(last);
            (left > SignedDuration::ZERO).then(|| (left.as_secs() + 59) / 60)
        };
        let u = wait(user_key(username), MAX_FAILURES);
        let a = wait(ip_key(ip), MAX_FAILURES * ADDRESS_FACTOR);
        u.max(a)
    }

    pub fn failed(&self, username: &str, ip: &str, now: Timestamp) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > MAX_KEYS {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for key in [user_key(username), ip_key(ip)] {
            let v = map.entry(key).or_default();
            v.retain(|t| now.duration_since(*t) < WINDOW);
            v.push(now);
        }
    }

    /// Checks the limit and counts this attempt as a failure in one step, so concurrent guesses
    /// cannot all pass the check before any is recorded; `succeeded` takes it back.
    pub fn begin(&self, username: &str, ip: &str, now: Timestamp) -> Result<(), i64> {
        if let Some(minutes) = self.locked(username, ip, now) {
            return Err(minutes);
        }
        self.failed(username, ip, now);
        Ok(())
    }

    /// A successful login clears the username's failures and withdraws this attempt from the
    /// address's count.
    pub fn succeeded(&self, username: &str, ip: &str, at: Timestamp) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&user_key(username));
        if let Some(v) = map.get_mut(&ip_key(ip))
            && let Some(pos) = v.iter().rposition(|t| *t == at)
        {
            v.remove(pos);
        }
    }
}

fn user_key(u: &str) -> String {
    format!("u:{}", u.trim().to_lowercase())
}

fn ip_key(ip: &str) -> String {
    format!("a:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_unlocks_later() {
        let l = LoginLimiter::default();
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        for i in 0..MAX_FAILURES {
            assert_eq!(l.locked("bat", "1.2.3.4", t0), None, "attempt {i}");
            l.failed("Bat", "1.2.3.4", t0);
        }
        assert_eq!(l.locked("bat", "9.9.9.9", t0), Some(15));
        assert_eq!(
            l.locked("other", "1.2.3.4", t0),
            None,
            "address has more room"
        );
        let later = t0 + SignedDuration::from_mins(16);
        assert_eq!(l.locked("bat", "1.2.3.4", later), None);
    }

    #[test]
    fn begin_counts_the_attempt_before_the_password_is_checked() {
        let l = LoginLimiter::default();
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(l.begin("bat", "1.2.3.4", t0).is_ok());
        }
        assert_eq!(
            l.begin("bat", "1.2.3.4", t0),
            Err(15),
            "the sixth concurrent guess is refused"
        );
        let m = LoginLimiter::default();
        m.begin("ok", "5.5.5.5", t0).unwrap();
        m.succeeded("ok", "5.5.5.5", t0);
        assert_eq!(m.locked("ok", "5.5.5.5", t0), None);
    }

    #[test]
    fn address_locks_after_many_usernames() {
        let l = LoginLimiter::default();
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        for i in 0..MAX_FAILURES * ADDRESS_FACTOR {
            l.failed(&format!("user{i}"), "5.5.5.5", t0);
        }
        assert!(l.locked("fresh", "5.5.5.5", t0).is_some());
    }
}
