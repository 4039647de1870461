//! The extension history: every move of a customer's expiry that no payment made.

use crate::audit::Actor;
use crate::billing::settle::{self};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::customer::{self, Customer};
pub use crate::model::ledger::*;
use crate::store::{Kind, Reader, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::{SignedDuration, Timestamp};

pub fn check_extension(days: &str, reason: &str, p: &mut Problems) -> (i64, String) {
    let days = match days.trim().parse::<i64>() {
        Ok(d) if (1..=3660).contains(&d) => d,
        _ => {
            p.add("days", Msg::InvalidDays);
            0
        }
    };
    let reason = p.text("reason", reason, 300, true, false);
    (days, reason)
}

/// Extends one customer by whole days from max(now, expiry), inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub fn extend(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    customer_id: u64,
    days: i64,
    free: bool,
    reason: &str,
    bulk: &str,
) -> Result<(Extension, Customer)> {
    let mut c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
    if c.archived {
        return Err(Error::Conflict(Msg::CustomerArchived));
    }
    let before = c.clone();
    c.expires_at = settle::extend_from(now, c.expires_at, days * 86_400);
    let e = log_extension(w, now, actor, &before, &c, days, free, reason, bulk)?;
    customer::save(w, now, actor, &before, &c, "extend")?;
    Ok((e, c))
}

/// Puts a move of `before`'s expiry to `after`'s in the customer's extension history (the caller
/// saves the customer).
#[allow(clippy::too_many_arguments)]
pub fn log_extension(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    before: &Customer,
    after: &Customer,
    days: i64,
    free: bool,
    reason: &str,
    bulk: &str,
) -> Result<Extension> {
    let id = w.next_id(Kind::Extensions)?;
    let e = Extension {
        id,
        customer_id: before.id,
        days,
        free,
        reason: reason.into(),
        by: actor.username.clone(),
        at: now,
        expires_before: before.expires_at,
        expires_after: after.expires_at,
        bulk: bulk.into(),
    };
    w.put(id, &e)?;
    w.set_add(Set::ExtensionsByCustomer, before.id, id)?;
    Ok(e)
}

/// A change of expiry in days, to the nearest day (negative when it was brought forward).
pub fn whole_days(d: jiff::SignedDuration) -> i64 {
    let secs = d.as_secs();
    (secs + secs.signum() * 43_200) / 86_400
}

pub fn extensions_of(r: &impl Reader, customer_id: u64) -> Result<Vec<Extension>, StoreError> {
    let mut out = Vec::new();
    for id in r.set_members(Set::ExtensionsByCustomer, customer_id)? {
        if let Some(e) = r.get::<Extension>(id)? {
            out.push(e);
        }
    }
    Ok(out)
}

/// Who a bulk extension of a router or plan would reach: every customer served now (entitled),
/// or also the expired ones when `include_expired`.
pub fn bulk_targets(
    r: &impl Reader,
    now: Timestamp,
    router_id: Option<u64>,
    plan_id: Option<u64>,
    include_expired: bool,
) -> Result<Vec<Customer>, StoreError> {
    let ids = match (router_id, plan_id) {
        (Some(rid), _) => r.set_members(Set::CustomersByRouter, rid)?,
        (None, Some(pid)) => r.set_members(Set::CustomersByPlan, pid)?,
        (None, None) => Vec::new(),
    };
    let mut out = Vec::new();
    for id in ids {
        if let Some(c) = r.get::<Customer>(id)? {
            let served = c.entitled(now)
                || (include_expired && !c.archived && c.status == customer::Status::Active);
            if served && plan_id.is_none_or(|p| p == c.plan_id) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// The duration of `days` whole days.
pub fn days(d: i64) -> SignedDuration {
    SignedDuration::from_hours(d * 24)
}
