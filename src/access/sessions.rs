//! Browser sessions and API tokens. Both are random secrets that the store keeps only as their
//! SHA-256, so a copied database file opens no doors.

use super::secret::{new_token, token_key};
use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::store::{KeyedKind, KeyedRecord, Reader, StoreError, Write};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// A session ends after this long without a request…
pub const IDLE: SignedDuration = SignedDuration::from_hours(8);
/// …and in any case this long after login.
pub const ABSOLUTE: SignedDuration = SignedDuration::from_hours(24 * 7);
/// `last_seen` is persisted at most this often, so browsing does not write to flash each click.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub admin_id: u64,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    pub ip: String,
    pub user_agent: String,
    /// The synchronizer token every form of this session must carry.
    pub csrf: String,
}

impl KeyedRecord for Session {
    const KIND: KeyedKind = KeyedKind::Sessions;
}

impl Session {
    pub fn expired(&self, now: Timestamp) -> bool {
        now.duration_since(self.last_seen) > IDLE || now.duration_since(self.created_at) > ABSOLUTE
    }
}

/// The public handle of a session (for listing and revoking): a prefix of its key, which is
/// itself a hash, so it reveals nothing usable.
pub fn public_id(key: &str) -> &str {
    &key[..16.min(key.len())]
}

/// Starts a session; returns the secret for the cookie and the stored record.
pub fn start(
    w: &mut Write,
    now: Timestamp,
    admin_id: u64,
    ip: &str,
    user_agent: &str,
) -> Result<(String, Session), StoreError> {
    let token = new_token("");
    let s = Session {
        admin_id,
        created_at: now,
        last_seen: now,
        ip: ip.into(),
        user_agent: user_agent.chars().take(200).collect(),
        csrf: new_token(""),
    };
    w.kput(&token_key(&token), &s)?;
    Ok((token, s))
}

/// The live session behind a cookie secret, with its key.
pub fn lookup(
    r: &impl Reader,
    token: &str,
    now: Timestamp,
) -> Result<Option<(String, Session)>, StoreError> {
    let key = token_key(token);
    Ok(r.kget::<Session>(&key)?
        .filter(|s| !s.expired(now))
        .map(|s| (key, s)))
}

/// Whether `last_seen` is stale enough to be worth a write.
pub fn needs_touch(s: &Session, now: Timestamp) -> bool {
    now.duration_since(s.last_seen) > TOUCH_EVERY
}

pub fn touch(w: &mut Write, key: &str, now: Timestamp) -> Result<(), StoreError> {
    if let Some(mut s) = w.kget::<Session>(key)? {
        s.last_seen = now;
        w.kput(key, &s)?;
    }
    Ok(())
}

pub fn end(w: &mut Write, key: &str) -> Result<bool, StoreError> {
    w.kremove::<Session>(key)
}

/// Ends every session of an admin except `keep`.
pub fn end_all_of(w: &mut Write, admin_id: u64, keep: Option<&str>) -> Result<usize, StoreError> {
    w.kretain::<Session>(|k, s| s.admin_id != admin_id || Some(k) == keep)
}

/// An admin's sessions, newest first, as (key, session).
pub fn of_admin(
    r: &impl Reader,
    admin_id: u64,
    now: Timestamp,
) -> Result<Vec<(String, Session)>, StoreError> {
    let mut v: Vec<_> = r
        .klist::<Session>()?
        .into_iter()
        .filter(|(_, s)| s.admin_id == admin_id && !s.expired(now))
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.1.created_at));
    Ok(v)
}

/// Ends the admin's session whose public id is `public`; false if there is none.
pub fn revoke(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    admin_id: u64,
    public: &str,
) -> Result<()> {
    let key = w
        .klist::<Session>()?
        .into_iter()
        .find(|(k, s)| s.admin_id == admin_id && public_id(k) == public)
        .map(|(k, _)| k)
        .ok_or(Error::NotFound)?;
    w.kremove::<Session>(&key)?;
    audit::record(w, now, actor, "revoke", "session", public, String::new())?;
    Ok(())
}

/// Drops expired sessions; run at start-up and now and then.
pub fn purge_expired(w: &mut Write, now: Timestamp) -> Result<usize, StoreError> {
    w.kretain::<Session>(|_, s| !s.expired(now))
}

/// A bearer token for the JSON API, acting as its admin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiToken {
    pub admin_id: u64,
    pub name: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub last_used_at: Option<Timestamp>,
}

impl KeyedRecord for ApiToken {
    const KIND: KeyedKind = KeyedKind::ApiTokens;
}

pub const TOKEN_PREFIX: &str = "stp_";

/// Creates a token; the secret is returned once and never stored.
pub fn create_token(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    admin_id: u64,
    name: &str,
) -> Result<String> {
    let token = new_token(TOKEN_PREFIX);
    let key = token_key(&token);
    w.kput(
        &key,
        &ApiToken {
            admin_id,
            name: name.into(),
            created_at: now,
            last_used_at: None,
        },
    )?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "api_token",
        public_id(&key),
        format!("name: {name:?}"),
    )?;
    Ok(token)
}

pub fn lookup_token(
    r: &impl Reader,
    token: &str,
) -> Result<Option<(String, ApiToken)>, StoreError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let key = token_key(token);
    Ok(r.kget::<ApiToken>(&key)?.map(|t| (key, t)))
}

pub fn tokens_of(r: &impl Reader, admin_id: u64) -> Result<Vec<(String, ApiToken)>, StoreError> {
    Ok(r.klist::<ApiToken>()?
        .into_iter()
        .filter(|(_, t)| t.admin_id == admin_id)
        .collect())
}

pub fn revoke_token(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    admin_id: u64,
    public: &str,
) -> Result<()> {
    let key = w
        .klist::<ApiToken>()?
        .into_iter()
        .find(|(k, t)| t.admin_id == admin_id && public_id(k) == public)
        .map(|(k, _)| k)
        .ok_or(Error::NotFound)?;
    w.kremove::<ApiToken>(&key)?;
    audit::record(w, now, actor, "revoke", "api_token", public, String::new())?;
    Ok(())
}

/// Whether a token's last use is old enough to be written again (at most once a minute, so
/// API calls do not each cost a write).
pub fn token_needs_touch(t: &ApiToken, now: Timestamp) -> bool {
    t.last_used_at
        .is_none_or(|l| now.duration_since(l) > TOUCH_EVERY)
}

pub fn touch_token(w: &mut Write, key: &str, now: Timestamp) -> Result<(), StoreError> {
    if let Some(mut t) = w.kget::<ApiToken>(key)?
        && token_needs_touch(&t, now)
    {
        t.last_used_at = Some(now);
        w.kput(key, &t)?;
    }
    Ok(())
}
