//! Login throttling that keeps guessing out without handing anyone a lockout.
//!
//! Three counters of failures within `WINDOW`:
//! - per (username, client network): `MAX_FAILURES` lock that pair only, so a stranger typing
//!   wrong passwords for the super admin locks out the stranger, not the super admin;
//! - per client network (an IPv6 /64 counts as one address, since a host there picks addresses
//!   freely): `MAX_FAILURES * ADDRESS_FACTOR` lock that network for every username;
//! - per username from anywhere: past `SLOW_AFTER`, every attempt for that username waits a
//!   little longer before its password is checked (at most `MAX_DELAY`), never refused.
//!
//! Usernames are cut to `MAX_KEY_CHARS` and every map holds at most `MAX_KEYS` keys (the oldest
//! go first), so a flood of huge or distinct usernames costs bounded memory.
//!
//! Kept in memory on purpose: it guards the argon2 verifier and the accounts against guessing,
//! and a restart (which an attacker cannot cause from the login form) may forget it.

use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

/// Failures within `WINDOW` that lock a (username, network) pair…
pub const MAX_FAILURES: usize = 5;
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// …for this long after the last failure.
pub const LOCKOUT: SignedDuration = SignedDuration::from_mins(15);
/// A network gets more room than one pair: a whole office may share one address.
const ADDRESS_FACTOR: usize = 4;
/// Failures of one username, from anywhere, before its attempts are slowed down.
pub const SLOW_AFTER: usize = 10;
/// The longest an attempt is held back.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// No account name is longer; anything past this is not kept.
pub const MAX_KEY_CHARS: usize = 64;
/// Bounds memory under a flood of distinct keys.
const MAX_KEYS: usize = 10_000;
/// More failures than this per key are not needed to decide anything.
const MAX_KEPT: usize = MAX_FAILURES * ADDRESS_FACTOR;

#[derive(Default)]
pub struct LoginLimiter {
    inner: Mutex<Maps>,
}

#[derive(Default)]
struct Maps {
    pairs: HashMap<(String, IpAddr), Vec<Timestamp>>,
    networks: HashMap<IpAddr, Vec<Timestamp>>,
    users: HashMap<String, Vec<Timestamp>>,
}

/// What an admin sees of a username's recent failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// Failures within the window, from every address.
    pub failures: usize,
    /// Networks currently locked out of this username.
    pub locked_networks: usize,
}

impl LoginLimiter {
    /// Checks the limits and counts this attempt as a failure in one step, so concurrent guesses
    /// cannot all pass the check before any is recorded; `succeeded` takes it back. `Ok` says
    /// how long to hold the attempt back before checking the password; `Err` the minutes to wait.
    pub fn begin(&self, username: &str, ip: IpAddr, now: Timestamp) -> Result<Duration, i64> {
        let (user, net) = (user_key(username), network(ip));
        let mut maps = self.lock();
        let pair = wait(maps.pairs.get(&(user.clone(), net)), MAX_FAILURES, now);
        let addr = wait(maps.networks.get(&net), MAX_FAILURES * ADDRESS_FACTOR, now);
        if let Some(minutes) = pair.max(addr) {
            return Err(minutes);
        }
        let earlier = recent(maps.users.get(&user), now);
        let delay = if earlier >= SLOW_AFTER {
            let steps = u64::try_from(earlier - SLOW_AFTER + 1).unwrap_or(u64::MAX);
            Duration::from_secs(steps).min(MAX_DELAY)
        } else {
            Duration::ZERO
        };
        push(&mut maps.pairs, (user.clone(), net), now);
        push(&mut maps.networks, net, now);
        push(&mut maps.users, user, now);
        Ok(delay)
    }

    /// A successful login clears the pair's and the username's failures and withdraws this
    /// attempt from the network's count.
    pub fn succeeded(&self, username: &str, ip: IpAddr, at: Timestamp) {
        let (user, net) = (user_key(username), network(ip));
        let mut maps = self.lock();
        maps.pairs.remove(&(user.clone(), net));
        maps.users.remove(&user);
        if let Some(v) = maps.networks.get_mut(&net)
            && let Some(pos) = v.iter().rposition(|t| *t == at)
        {
            v.remove(pos);
        }
    }

    /// Lifts every lock on this username (an admin's "unlock").
    pub fn unlock(&self, username: &str) {
        let user = user_key(username);
        let mut maps = self.lock();
        maps.pairs.retain(|(u, _), _| *u != user);
        maps.users.remove(&user);
    }

    pub fn standing(&self, username: &str, now: Timestamp) -> Standing {
        let user = user_key(username);
        let maps = self.lock();
        Standing {
            failures: recent(maps.users.get(&user), now),
            locked_networks: maps
                .pairs
                .iter()
                .filter(|((u, _), v)| *u == user && wait(Some(v), MAX_FAILURES, now).is_some())
                .count(),
        }
    }

    /// How many keys are held, all maps together (tests check the bound).
    pub fn keys(&self) -> usize {
        let maps = self.lock();
        maps.pairs.len() + maps.networks.len() + maps.users.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Failures within the window.
fn recent(times: Option<&Vec<Timestamp>>, now: Timestamp) -> usize {
    times.map_or(0, |v| {
        v.iter()
            .filter(|t| now.duration_since(**t) < WINDOW)
            .count()
    })
}

/// `Some(minutes)` if these failures lock now.
fn wait(times: Option<&Vec<Timestamp>>, max: usize, now: Timestamp) -> Option<i64> {
    let times = times?;
    if recent(Some(times), now) < max {
        return None;
    }
    let last = *times.iter().max()?;
    let left = LOCKOUT - now.duration_since(last);
    (left > SignedDuration::ZERO).then(|| (left.as_secs() + 59) / 60)
}

fn push<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, Vec<Timestamp>>,
    key: K,
    now: Timestamp,
) {
    if !map.contains_key(&key) && map.len() >= MAX_KEYS {
        map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        if map.len() >= MAX_KEYS {
            // Still full of live keys: the one whose last failure is oldest goes.
            let oldest = map
                .iter()
                .min_by_key(|(_, v)| v.last().copied())
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
    }
    let v = map.entry(key).or_default();
    v.retain(|t| now.duration_since(*t) < WINDOW);
    if v.len() >= MAX_KEPT {
        v.remove(0);
    }
    v.push(now);
}

/// A username as the limiter keys it: trimmed, lowercased, at most `MAX_KEY_CHARS` characters.
pub fn user_key(u: &str) -> String {
    u.trim()
        .chars()
        .take(MAX_KEY_CHARS)
        .collect::<String>()
        .to_lowercase()
}

/// The client's network: an IPv4 address (a mapped IPv6 one unwrapped), or an IPv6 /64.
pub fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_stranger_locks_out_only_themselves() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(l.begin("boss", ip("10.0.0.66"), t0()).is_ok());
        }
        assert_eq!(l.begin("boss", ip("10.0.0.66"), t0()), Err(15));
        assert!(
            l.begin("Boss", ip("10.0.0.1"), t0()).is_ok(),
            "the real admin, from their own address, is not locked out"
        );
        let later = t0() + SignedDuration::from_mins(16);
        assert!(l.begin("boss", ip("10.0.0.66"), later).is_ok());
    }

    #[test]
    fn many_addresses_slow_a_username_down_but_never_lock_it() {
        let l = LoginLimiter::default();
        for i in 0..SLOW_AFTER {
            assert_eq!(
                l.begin("boss", ip(&format!("10.0.1.{i}")), t0()),
                Ok(Duration::ZERO)
            );
        }
        assert_eq!(
            l.begin("boss", ip("10.0.2.1"), t0()),
            Ok(Duration::from_secs(1))
        );
        for i in 0..50 {
            let _ = l.begin("boss", ip(&format!("10.0.3.{i}")), t0());
        }
        assert_eq!(l.begin("boss", ip("10.0.0.1"), t0()), Ok(MAX_DELAY));
        l.succeeded("boss", ip("10.0.0.1"), t0());
        assert_eq!(l.begin("boss", ip("10.0.0.1"), t0()), Ok(Duration::ZERO));
    }

    #[test]
    fn a_network_locks_after_many_usernames() {
        let l = LoginLimiter::default();
        for i in 0..MAX_FAILURES * ADDRESS_FACTOR {
            assert!(l.begin(&format!("user{i}"), ip("5.5.5.5"), t0()).is_ok());
        }
        assert!(l.begin("fresh", ip("5.5.5.5"), t0()).is_err());
        assert!(l.begin("fresh", ip("5.5.5.6"), t0()).is_ok());
    }

    #[test]
    fn an_ipv6_64_is_one_network() {
        let l = LoginLimiter::default();
        for i in 0..MAX_FAILURES * ADDRESS_FACTOR {
            let a = ip(&format!("2001:db8:1:2::{:x}", i + 1));
            assert!(l.begin(&format!("user{i}"), a, t0()).is_ok());
        }
        assert!(l.begin("fresh", ip("2001:db8:1:2:ffff::9"), t0()).is_err());
        assert!(l.begin("fresh", ip("2001:db8:1:3::1"), t0()).is_ok());
        assert_eq!(network(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
    }

    #[test]
    fn unlock_lifts_every_lock_on_a_username() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES {
            let _ = l.begin("boss", ip("10.0.0.66"), t0());
            let _ = l.begin("boss", ip("10.0.0.67"), t0());
        }
        assert_eq!(
            l.standing("boss", t0()),
            Standing {
                failures: 2 * MAX_FAILURES,
                locked_networks: 2
            }
        );
        l.unlock("BOSS");
        assert_eq!(l.standing("boss", t0()), Standing::default());
        assert!(l.begin("boss", ip("10.0.0.66"), t0()).is_ok());
    }

    #[test]
    fn huge_and_countless_usernames_cost_bounded_memory() {
        let l = LoginLimiter::default();
        let huge = "x".repeat(4 << 20);
        for i in 0..(MAX_KEYS + 500) {
            let name = format!("{i}-{}", &huge[..200]);
            let from = IpAddr::V4(std::net::Ipv4Addr::from(
                0x0a00_0000 + u32::try_from(i).unwrap(),
            ));
            let _ = l.begin(&name, from, t0());
        }
        let _ = l.begin(&huge, ip("9.9.9.8"), t0());
        assert!(l.keys() <= 3 * MAX_KEYS, "{} keys", l.keys());
        assert!(user_key(&huge).len() <= MAX_KEY_CHARS);
    }
}

/// At most `max` events per key within `window` (e.g. connection tests per admin), bounded in
/// keys like the login limiter.
pub struct Quota {
    max: usize,
    window: SignedDuration,
    events: Mutex<HashMap<String, Vec<Timestamp>>>,
}

impl Quota {
    pub fn new(max: usize, window: SignedDuration) -> Quota {
        Quota {
            max,
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an event for `key` if there is room; `Err(minutes)` to wait otherwise.
    pub fn take(&self, key: &str, now: Timestamp) -> Result<(), i64> {
        let mut map = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.window;
        if !map.contains_key(key) && map.len() >= MAX_KEYS {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < window));
            if map.len() >= MAX_KEYS {
                return Err(window.as_mins().max(1));
            }
        }
        let v = map
            .entry(key.chars().take(MAX_KEY_CHARS).collect())
            .or_default();
        v.retain(|t| now.duration_since(*t) < window);
        if v.len() >= self.max {
            let oldest = v.first().copied().unwrap_or(now);
            let left = window - now.duration_since(oldest);
            return Err((left.as_secs() + 59) / 60);
        }
        v.push(now);
        Ok(())
    }
}

#[cfg(test)]
mod quota_tests {
    use super::*;

    #[test]
    fn a_quota_refuses_past_its_count_until_the_window_moves() {
        let q = Quota::new(3, SignedDuration::from_mins(10));
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        for _ in 0..3 {
            assert!(q.take("admin 1", t0).is_ok());
        }
        assert_eq!(q.take("admin 1", t0), Err(10));
        assert!(q.take("admin 2", t0).is_ok());
        assert!(
            q.take("admin 1", t0 + SignedDuration::from_mins(11))
                .is_ok()
        );
    }
}
