//! The customer record: who they are, which router and package serve them, until when; its
//! secondary indexes and summary, kept in step by `save` in every customer write.
//!
//! Invariant: a customer is entitled iff status is active, not archived, and now < expires_at.

use crate::audit::{self, Actor};
use crate::error::Result;
use crate::network::secretbox::SecretBox;
use crate::store::{Index, Kind, Reader, Record, Set, StoreError, Summary, Write};
use jiff::Timestamp;

/// Routers whose desired state a change touched (old and new router on a move).
pub type Touched = Vec<u64>;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CustomerKind {
    #[default]
    Individual,
    Organization,
}

impl CustomerKind {
    pub const ALL: [CustomerKind; 2] = [CustomerKind::Individual, CustomerKind::Organization];
    pub fn id(self) -> &'static str {
        match self {
            CustomerKind::Individual => "individual",
            CustomerKind::Organization => "organization",
        }
    }
    pub fn parse(s: &str) -> Option<CustomerKind> {
        CustomerKind::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// The operator's intent. "Expired" is not stored: it is an active customer past expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Active,
    Suspended,
    Disabled,
}

/// What a list or the API shows: the stored status with expiry applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Shown {
    Active,
    Expired,
    Suspended,
    Disabled,
}

impl Shown {
    pub const ALL: [Shown; 4] = [
        Shown::Active,
        Shown::Expired,
        Shown::Suspended,
        Shown::Disabled,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Shown::Active => "active",
            Shown::Expired => "expired",
            Shown::Suspended => "suspended",
            Shown::Disabled => "disabled",
        }
    }
    pub fn parse(s: &str) -> Option<Shown> {
        Shown::ALL.into_iter().find(|k| k.id() == s)
    }
}

impl Status {
    pub fn id(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            // An "expired" customer is an active one whose time has run out.
            "active" | "expired" => Some(Status::Active),
            "suspended" => Some(Status::Suspended),
            "disabled" => Some(Status::Disabled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Customer {
    pub id: u64,
    pub kind: CustomerKind,
    pub name: String,
    /// Organizations: registration number and contact person.
    #[serde(default)]
    pub reg_no: String,
    #[serde(default)]
    pub contact_person: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub note: String,
    /// The hotspot user / PPP secret name on the router.
    pub login: String,
    /// The service password, sealed by `SecretBox`: the router needs it in clear, but a copy of
    /// the database without `secret.key` must not give away every customer's account.
    #[serde(default)]
    pub password_sealed: String,
    pub router_id: u64,
    pub plan_id: u64,
    pub status: Status,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
    #[serde(default)]
    pub created_by: String,
    /// Kept for its history but no longer served; its router entry is removed.
    #[serde(default)]
    pub archived: bool,
    /// Imported from the router: take over the existing entry of the same name instead of
    /// treating it as a collision.
    #[serde(default)]
    pub adopt: bool,
    /// Money received and not yet allocated to a bill, in minor units.
    #[serde(default)]
    pub credit: i64,
    /// The plan the customer moves to at the next renewal.
    #[serde(default)]
    pub next_plan_id: Option<u64>,
    /// The language of their messages and portal; `None`: the installation's default.
    #[serde(default)]
    pub lang: Option<crate::i18n::Lang>,
}

impl Record for Customer {
    const KIND: Kind = Kind::Customers;
}

impl Customer {
    /// Days of service left, counted as a person counts them: any part of a day is a day, so
    /// three days' extension reads "3 days left", not 2; none once expired.
    pub fn days_left(&self, now: Timestamp) -> i64 {
        let secs = self.expires_at.as_second() - now.as_second();
        if secs <= 0 {
            0
        } else {
            (secs + 86_399) / 86_400
        }
    }

    pub fn entitled(&self, now: Timestamp) -> bool {
        self.status == Status::Active && !self.archived && now < self.expires_at
    }

    pub fn shown(&self, now: Timestamp) -> Shown {
        match self.status {
            Status::Active if now >= self.expires_at => Shown::Expired,
            Status::Active => Shown::Active,
            Status::Suspended => Shown::Suspended,
            Status::Disabled => Shown::Disabled,
        }
    }

    /// The marker comment on the router entry: identifies it as Steppe's and whose.
    pub fn marker(&self) -> String {
        marker(self.id)
    }

    /// The service password in clear; `None` if it was sealed under another key.
    pub fn password(&self, secrets: &SecretBox) -> Option<String> {
        secrets.open_sealed(&self.password_sealed)
    }
}

pub const MARKER_PREFIX: &str = "steppe:";

pub fn marker(id: u64) -> String {
    format!("{MARKER_PREFIX}{id}")
}

/// The customer id in a marker comment, if it is one of ours.
pub fn parse_marker(comment: &str) -> Option<u64> {
    // Exactly what `marker` writes: "steppe:007" or "steppe:+7" belong to someone else.
    let id: u64 = comment.strip_prefix(MARKER_PREFIX)?.parse().ok()?;
    (marker(id) == comment).then_some(id)
}

/// The index second of a time (the group of the expiry sets).
pub fn secs(t: Timestamp) -> u64 {
    u64::try_from(t.as_second()).unwrap_or(0)
}

pub fn login_key(router_id: u64, login: &str) -> String {
    format!("{router_id}/{login}")
}

/// Keeps the secondary indexes in step with a customer's old and new versions.
pub fn reindex(
    w: &mut Write,
    before: Option<&Customer>,
    after: Option<&Customer>,
) -> Result<(), StoreError> {
    if let Some(b) = before {
        w.summary_remove(Summary::Customers, b.id)?;
        w.index_remove(Index::CustomerLogin, &login_key(b.router_id, &b.login))?;
        w.set_remove(Set::CustomersByRouter, b.router_id, b.id)?;
        w.set_remove(Set::CustomersByPlan, b.plan_id, b.id)?;
        w.set_remove(Set::CustomersByExpiry, secs(b.expires_at), b.id)?;
    }
    if let Some(a) = after {
        w.index_put(
            Index::CustomerLogin,
            &login_key(a.router_id, &a.login),
            a.id,
        )?;
        w.set_add(Set::CustomersByRouter, a.router_id, a.id)?;
        w.set_add(Set::CustomersByPlan, a.plan_id, a.id)?;
        w.set_add(Set::CustomersByExpiry, secs(a.expires_at), a.id)?;
        w.summary_put(Summary::Customers, a.id, &super::summary::encode(a))?;
    }
    Ok(())
}

pub fn count_on_router(r: &impl Reader, router_id: u64) -> Result<usize, StoreError> {
    Ok(r.set_members(Set::CustomersByRouter, router_id)?.len())
}

pub fn count_on_plan(r: &impl Reader, plan_id: u64) -> Result<usize, StoreError> {
    Ok(r.set_members(Set::CustomersByPlan, plan_id)?.len())
}

/// Every customer served by a router.
pub fn on_router(r: &impl Reader, router_id: u64) -> Result<Vec<Customer>, StoreError> {
    let ids = r.set_members(Set::CustomersByRouter, router_id)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = r.get::<Customer>(id)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// The earliest expiry strictly after `after`, with the customers expiring then.
pub fn next_expiry(
    r: &impl Reader,
    after: Timestamp,
) -> Result<Option<(Timestamp, Vec<u64>)>, StoreError> {
    next_in(r, Set::CustomersByExpiry, after)
}

/// The earliest second strictly after `after` in a set grouped by second (an expiry set), with
/// its members.
pub fn next_in(
    r: &impl Reader,
    set: Set,
    after: Timestamp,
) -> Result<Option<(Timestamp, Vec<u64>)>, StoreError> {
    let Some((at, _)) = r.set_first_from(set, secs(after) + 1)? else {
        return Ok(None);
    };
    let ids = r.set_members(set, at)?;
    let at =
        Timestamp::from_second(i64::try_from(at).unwrap_or(i64::MAX)).unwrap_or(Timestamp::MAX);
    Ok(Some((at, ids)))
}

/// Whoever knew the old login or service password is locked out by the new one, portal
/// included; so is everyone once the customer is archived.
pub fn locks_out_portal(before: &Customer, after: &Customer) -> bool {
    before.password_sealed != after.password_sealed
        || before.login != after.login
        || (after.archived && !before.archived)
}

/// Writes a changed customer with its indexes and audit entry.
pub fn save(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    before: &Customer,
    after: &Customer,
    action: &str,
) -> Result<(Customer, Touched)> {
    w.put(after.id, after)?;
    reindex(w, Some(before), Some(after))?;
    let password_changed = before.password_sealed != after.password_sealed;
    let mut summary = audit::changes(&view(before), &view(after));
    if password_changed {
        summary.push_str(if summary.is_empty() {
            "password changed"
        } else {
            "; password changed"
        });
    }
    audit::record(w, now, actor, action, "customer", after.id, summary)?;
    let mut touched = vec![after.router_id];
    if before.router_id != after.router_id {
        touched.push(before.router_id);
    }
    Ok((after.clone(), touched))
}

/// The audit view: everything except the service password, sealed or not.
pub fn view(c: &Customer) -> serde_json::Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("password_sealed");
    }
    v
}
