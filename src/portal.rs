//! The customer portal's accounts: customers log in with their service login and password (the
//! hotspot user / PPP secret they already have), into sessions kept apart from admin sessions so
//! that no portal cookie can ever be taken for an admin's.

use crate::access::secret::{constant_time_eq, new_token, token_key};
use crate::billing::customer::Customer;
use crate::network::{Router, SecretBox};
use crate::store::{Index, KeyedKind, KeyedRecord, Reader, StoreError, Write};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub const IDLE: SignedDuration = SignedDuration::from_hours(8);
pub const ABSOLUTE: SignedDuration = SignedDuration::from_hours(24 * 7);
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortalSession {
    pub customer_id: u64,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    pub ip: String,
    pub csrf: String,
}

impl KeyedRecord for PortalSession {
    const KIND: KeyedKind = KeyedKind::PortalSessions;
}

impl PortalSession {
    pub fn expired(&self, now: Timestamp) -> bool {
        now.duration_since(self.last_seen) > IDLE || now.duration_since(self.created_at) > ABSOLUTE
    }
}

/// Why a portal login failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Unknown login, wrong password, or an archived customer: one answer for all.
    Wrong,
    /// The same login and password on two routers: we cannot tell who this is.
    Ambiguous,
}

/// The customer whose service login and password these are. Service passwords are sealed, not
/// hashed, because the router needs them in clear; each candidate (one per router at most) is
/// opened and compared in constant time.
pub fn authenticate(
    r: &impl Reader,
    secrets: &SecretBox,
    login: &str,
    password: &str,
) -> Result<Result<Customer, LoginError>, StoreError> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() {
        return Ok(Err(LoginError::Wrong));
    }
    let mut found = Vec::new();
    for router in r.list::<Router>()? {
        let key = format!("{}/{login}", router.id);
        if let Some(id) = r.index_get(Index::CustomerLogin, &key)?
            && let Some(c) = r.get::<Customer>(id)?
            && !c.archived
            && c.password(secrets)
                .is_some_and(|pw| constant_time_eq(&pw, password))
        {
            found.push(c);
        }
    }
    Ok(match found.len() {
        0 => Err(LoginError::Wrong),
        1 => Ok(found.remove(0)),
        _ => Err(LoginError::Ambiguous),
    })
}

/// Starts a portal session; returns the cookie secret.
pub fn start(
    w: &mut Write,
    now: Timestamp,
    customer_id: u64,
    ip: &str,
) -> Result<String, StoreError> {
    let token = new_token("");
    let s = PortalSession {
        customer_id,
        created_at: now,
        last_seen: now,
        ip: ip.into(),
        csrf: new_token(""),
    };
    w.kput(&token_key(&token), &s)?;
    // Sessions of customers who never log out would pile up: each login sweeps the dead ones.
    w.kretain::<PortalSession>(|_, s| !s.expired(now))?;
    Ok(token)
}

/// The live session behind a cookie, with its key and customer (who must still exist and not
/// be archived).
pub fn lookup(
    r: &impl Reader,
    token: &str,
    now: Timestamp,
) -> Result<Option<(String, PortalSession, Customer)>, StoreError> {
    let key = token_key(token);
    let Some(s) = r.kget::<PortalSession>(&key)?.filter(|s| !s.expired(now)) else {
        return Ok(None);
    };
    Ok(r.get::<Customer>(s.customer_id)?
        .filter(|c| !c.archived)
        .map(|c| (key, s, c)))
}

pub fn needs_touch(s: &PortalSession, now: Timestamp) -> bool {
    now.duration_since(s.last_seen) > TOUCH_EVERY
}

pub fn touch(w: &mut Write, key: &str, now: Timestamp) -> Result<(), StoreError> {
    if let Some(mut s) = w.kget::<PortalSession>(key)? {
        s.last_seen = now;
        w.kput(key, &s)?;
    }
    Ok(())
}

pub fn end(w: &mut Write, key: &str) -> Result<(), StoreError> {
    w.kremove::<PortalSession>(key)?;
    Ok(())
}

/// Ends every portal session of a customer (their password changed, or they were archived).
pub fn end_all_of(w: &mut Write, customer_id: u64) -> Result<(), StoreError> {
    w.kretain::<PortalSession>(|_, s| s.customer_id != customer_id)?;
    Ok(())
}
