//! Desired against actual: the smallest list of commands that makes the router match.
//!
//! Pure, so every rule about what Steppe may touch is unit-tested here: entries whose comment is
//! not our marker are never changed (except an explicit adoption), collisions are reported, and
//! profiles are never removed. Commands come out in phases (profiles, removals, edits, additions,
//! kicks) because a later phase may depend on an earlier one (a user needs its profile; a
//! renamed entry frees a name that an addition wants).

use super::cards;
use super::desired::{Desired, Profile, User};
use super::marked::{self, Printed};
use super::please_pay;
use crate::billing::ServiceKind;
use crate::billing::customer::{marker, parse_marker};
use crate::routeros::value::{parse_bool, parse_duration, parse_u64};
use crate::routeros::{Command, Item, ItemId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The menus a reconcile reads and writes.
pub fn user_menu(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Hotspot => "/ip/hotspot/user",
        ServiceKind::Pppoe => "/ppp/secret",
    }
}

pub fn profile_menu(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Hotspot => "/ip/hotspot/user/profile",
        ServiceKind::Pppoe => "/ppp/profile",
    }
}

pub fn active_menu(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Hotspot => "/ip/hotspot/active",
        ServiceKind::Pppoe => "/ppp/active",
    }
}

/// The property of a session that names its user.
pub fn session_user_prop(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Hotspot => "user",
        ServiceKind::Pppoe => "name",
    }
}

/// Properties printed for users: only what the diff compares.
pub fn user_props(kind: ServiceKind) -> &'static [&'static str] {
    match kind {
        // The limits are voucher cards'; `uptime` shows a card used even when its session
        // came and went between two looks at the active list.
        ServiceKind::Hotspot => &[
            ".id",
            "name",
            "password",
            "profile",
            "server",
            "comment",
            "disabled",
            "limit-uptime",
            "limit-bytes-total",
            "uptime",
        ],
        ServiceKind::Pppoe => &[
            ".id", "name", "password", "profile", "service", "comment", "disabled",
        ],
    }
}

pub fn profile_props(kind: ServiceKind) -> &'static [&'static str] {
    match kind {
        ServiceKind::Hotspot => &[".id", "name", "rate-limit", "shared-users"],
        ServiceKind::Pppoe => &[
            ".id",
            "name",
            "rate-limit",
            "local-address",
            "remote-address",
        ],
    }
}

/// A hotspot user or PPP secret as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: ItemId,
    pub name: String,
    /// `None` when the API user lacks the `sensitive` policy and the router hides it.
    pub password: Option<String>,
    pub profile: String,
    /// `server` (hotspot) or `service` (PPP).
    pub target: String,
    pub comment: String,
    pub disabled: bool,
    /// Hotspot only: `limit-uptime` in seconds, 0 for none.
    pub limit_uptime: u64,
    /// Hotspot only: `limit-bytes-total`, 0 for none.
    pub limit_bytes_total: u64,
    /// Hotspot only: the user's total logged-in time so far, in seconds.
    pub uptime: u64,
}

impl Entry {
    /// `None` for an item without an id (nothing could be done to it anyway).
    pub fn parse(kind: ServiceKind, item: &Item) -> Option<Entry> {
        let text = |n: &str| item.get(n).unwrap_or_default().to_owned();
        Some(Entry {
            id: item.id()?,
            name: text("name"),
            password: item.get("password").map(str::to_owned),
            profile: text("profile"),
            target: text(match kind {
                ServiceKind::Hotspot => "server",
                ServiceKind::Pppoe => "service",
            }),
            comment: text("comment"),
            disabled: item.get("disabled").and_then(parse_bool).unwrap_or(false),
            limit_uptime: secs(item.get("limit-uptime")),
            limit_bytes_total: item
                .get("limit-bytes-total")
                .and_then(parse_u64)
                .unwrap_or(0),
            uptime: secs(item.get("uptime")),
        })
    }
}

fn secs(text: Option<&str>) -> u64 {
    text.and_then(parse_duration).map_or(0, |d| d.as_secs())
}

/// A hotspot user profile or PPP profile as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEntry {
    pub id: ItemId,
    pub name: String,
    pub rate_limit: String,
    pub shared_users: Option<u64>,
    pub local_address: String,
    pub remote_address: String,
}

impl ProfileEntry {
    pub fn parse(item: &Item) -> Option<ProfileEntry> {
        let text = |n: &str| item.get(n).unwrap_or_default().to_owned();
        Some(ProfileEntry {
            id: item.id()?,
            name: text("name"),
            rate_limit: text("rate-limit"),
            shared_users: item.get("shared-users").and_then(parse_u64),
            local_address: text("local-address"),
            remote_address: text("remote-address"),
        })
    }
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: ItemId,
    pub user: String,
}

/// What was read from the router for the menus of the kinds it serves.
#[derive(Debug, Clone, Default)]
pub struct Actual {
    pub users: HashMap<ServiceKind, Vec<Entry>>,
    pub profiles: HashMap<ServiceKind, Vec<ProfileEntry>>,
    /// Every session (full reconcile); `None` when sessions were not read (targeted).
    pub sessions: Option<HashMap<ServiceKind, Vec<Session>>>,
    /// By position in `Desired::marked`; `None` for a menu the router would not print.
    pub marked: Vec<Option<Vec<Printed>>>,
}

/// Whose entry a command is for: a customer's or a voucher card's (separate id spaces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    Customer(u64),
    Card(u64),
}

/// One command and whose entry it is for (to attribute its cause in the log).
#[derive(Debug, Clone)]
pub struct Op {
    pub command: Command,
    pub owner: Option<Owner>,
}

/// The commands to send, by phase.
#[derive(Debug, Default)]
pub struct Changes {
    pub profiles: Vec<Op>,
    /// Marked entries added, repaired, or removed where nothing depends on them.
    pub marked_early: Vec<Op>,
    /// Marked entries removed once users no longer use them (after the kicks).
    pub marked_late: Vec<Op>,
    pub removes: Vec<Op>,
    pub sets: Vec<Op>,
    pub adds: Vec<Op>,
    /// Sessions to remove, already known by id (full reconcile).
    pub kick_ids: Vec<(ServiceKind, ItemId, Option<Owner>)>,
    /// Logins whose sessions must be looked up and removed (targeted reconcile).
    pub kick_logins: Vec<(ServiceKind, String, Option<Owner>)>,
    /// Entries we may not touch but that block a customer, one line each.
    pub collisions: Vec<String>,
    /// A targeted reconcile met something only a full one can sort out.
    pub needs_full: bool,
    /// Managed entries on the router once the commands succeed (in scope).
    pub managed: u64,
    /// Sessions left once the kicks succeed (full reconcile only).
    pub sessions_after: Option<u64>,
}

impl Changes {
    /// Commands that change the router, kicks included.
    pub fn len(&self) -> usize {
        self.profiles.len()
            + self.marked_early.len()
            + self.marked_late.len()
            + self.removes.len()
            + self.sets.len()
            + self.adds.len()
            + self.kick_ids.len()
            + self.kick_logins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn user_fields(kind: ServiceKind, u: &User, server: &str) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("name", u.login.clone()),
        ("password", u.password.clone()),
        ("profile", u.profile.clone()),
    ];
    match kind {
        ServiceKind::Hotspot => f.push(("server", server.to_owned())),
        ServiceKind::Pppoe => f.push(("service", "pppoe".to_owned())),
    }
    f.push(("comment", marker(u.customer_id)));
    f.push(("disabled", yes_no(!u.enabled)));
    f
}

pub(super) fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

pub(super) fn command(path: String, attrs: Vec<(&'static str, String)>) -> Command {
    attrs
        .into_iter()
        .fold(Command::new(&path), |c, (n, v)| c.attr(n, v))
}

/// The fields of a managed entry that differ from what the customer needs.
fn user_delta(kind: ServiceKind, u: &User, e: &Entry, server: &str) -> Vec<(&'static str, String)> {
    let mut d = Vec::new();
    if e.name != u.login {
        d.push(("name", u.login.clone()));
    }
    if e.password.as_ref().is_some_and(|p| *p != u.password) {
        d.push(("password", u.password.clone()));
    }
    if e.profile != u.profile {
        d.push(("profile", u.profile.clone()));
    }
    let target = match kind {
        ServiceKind::Hotspot => ("server", server),
        ServiceKind::Pppoe => ("service", "pppoe"),
    };
    if e.target != target.1 {
        d.push((target.0, target.1.to_owned()));
    }
    if e.disabled == u.enabled {
        d.push(("disabled", yes_no(!u.enabled)));
    }
    d
}

fn profile_fields(p: &Profile) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("name", p.name.clone()),
        ("rate-limit", p.rate_limit.clone()),
    ];
    match p.kind {
        ServiceKind::Hotspot => f.push(("shared-users", p.shared_users.to_string())),
        ServiceKind::Pppoe => {
            if !p.local_address.is_empty() {
                f.push(("local-address", p.local_address.clone()));
            }
            if !p.remote_address.is_empty() {
                f.push(("remote-address", p.remote_address.clone()));
            }
        }
    }
    f
}

fn profile_delta(p: &Profile, e: &ProfileEntry) -> Vec<(&'static str, String)> {
    let mut d = Vec::new();
    if e.rate_limit != p.rate_limit {
        d.push(("rate-limit", p.rate_limit.clone()));
    }
    match p.kind {
        ServiceKind::Hotspot => {
            if e.shared_users != Some(u64::from(p.shared_users)) {
                d.push(("shared-users", p.shared_users.to_string()));
            }
        }
        ServiceKind::Pppoe => {
            if !p.local_address.is_empty() && e.local_address != p.local_address {
                d.push(("local-address", p.local_address.clone()));
            }
            if !p.remote_address.is_empty() && e.remote_address != p.remote_address {
                d.push(("remote-address", p.remote_address.clone()));
            }
        }
    }
    d
}

/// Computes the commands that bring `actual` to `desired`.
pub fn diff(desired: &Desired, actual: &Actual) -> Changes {
    let mut ch = Changes::default();
    for (m, read) in desired.marked.iter().zip(&actual.marked) {
        if let Some(items) = read {
            let mc = marked::diff(m, items);
            ch.marked_early.extend(mc.early);
            ch.marked_late.extend(mc.late);
        }
    }
    let server = desired.router.hotspot_server.as_str();
    for kind in ServiceKind::ALL {
        if !desired.serves(kind) {
            continue;
        }
        diff_profiles(kind, desired, actual, &mut ch);
        // Targeted prints may return the same entry twice (by comment and by name).
        let mut seen = HashSet::new();
        let entries: Vec<&Entry> = actual
            .users
            .get(&kind)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|e| seen.insert(e.id.clone()))
            .collect();
        let mut kicked = diff_users(kind, desired, &entries, server, &mut ch);
        if kind == ServiceKind::Hotspot {
            for (code, owner) in cards::diff(desired, &entries, server, &mut ch) {
                kicked.entry(code).or_insert(owner);
            }
        }
        match &actual.sessions {
            Some(sessions) => {
                let list = sessions.get(&kind).map_or(&[][..], Vec::as_slice);
                let mut left = 0u64;
                for s in list {
                    match kicked.get(s.user.as_str()) {
                        Some(customer) => ch.kick_ids.push((kind, s.id.clone(), *customer)),
                        None => left += 1,
                    }
                }
                *ch.sessions_after.get_or_insert(0) += left;
            }
            None => {
                for (login, customer) in kicked {
                    ch.kick_logins.push((kind, login.to_owned(), customer));
                }
            }
        }
    }
    ch
}

fn diff_profiles(kind: ServiceKind, desired: &Desired, actual: &Actual, ch: &mut Changes) {
    let entries = actual.profiles.get(&kind).map_or(&[][..], Vec::as_slice);
    let by_name: HashMap<&str, &ProfileEntry> =
        entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let menu = profile_menu(kind);
    for p in desired.profiles.iter().filter(|p| p.kind == kind) {
        match by_name.get(p.name.as_str()) {
            None => ch.profiles.push(Op {
                command: command(format!("{menu}/add"), profile_fields(p)),
                owner: None,
            }),
            Some(e) => {
                let delta = profile_delta(p, e);
                if !delta.is_empty() {
                    let mut attrs = vec![(".id", e.id.as_str().to_owned())];
                    attrs.extend(delta);
                    ch.profiles.push(Op {
                        command: command(format!("{menu}/set"), attrs),
                        owner: None,
                    });
                }
            }
        }
    }
}

/// Diffs one user menu; returns the logins whose sessions must end (with their customer).
fn diff_users<'a>(
    kind: ServiceKind,
    desired: &'a Desired,
    entries: &[&'a Entry],
    server: &str,
    ch: &mut Changes,
) -> BTreeMap<&'a str, Option<Owner>> {
    let menu = user_menu(kind);
    let wanted: BTreeMap<u64, &User> = desired
        .users
        .values()
        .filter(|u| u.kind == kind)
        .map(|u| (u.customer_id, u))
        .collect();
    let mut by_marker: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(m) = parse_marker(&e.comment) {
            by_marker.entry(m).or_default().push(i);
        }
        by_name.entry(e.name.as_str()).or_insert(i);
    }
    let mut consumed: BTreeSet<usize> = BTreeSet::new();
    let mut kicks: BTreeMap<&str, Option<Owner>> = BTreeMap::new();
    for u in wanted.values() {
        let placed = if let Some(&first) = by_marker.get(&u.customer_id).and_then(|v| v.first()) {
            consumed.insert(first);
            let e = entries[first];
            let delta = user_delta(kind, u, e, server);
            // A PPP session keeps the profile it came up with: moving a customer onto or off
            // the fence only takes effect once they dial again.
            if kind == ServiceKind::Pppoe
                && e.profile != u.profile
                && (e.profile == please_pay::PROFILE || u.profile == please_pay::PROFILE)
            {
                kicks.insert(u.login.as_str(), Some(Owner::Customer(u.customer_id)));
            }
            if !delta.is_empty() {
                let mut attrs = vec![(".id", e.id.as_str().to_owned())];
                attrs.extend(delta);
                ch.sets.push(Op {
                    command: command(format!("{menu}/set"), attrs),
                    owner: Some(Owner::Customer(u.customer_id)),
                });
            }
            true
        } else if let Some(&i) = by_name.get(u.login.as_str()) {
            let e = entries[i];
            match parse_marker(&e.comment) {
                None if u.adopt => {
                    consumed.insert(i);
                    take_over(menu, kind, u, e, server, ch);
                    true
                }
                None => {
                    ch.collisions.push(format!(
                        "{menu} {:?} exists and is not managed by Steppe; customer {} cannot \
                         use this login until it is removed or the customer is set to adopt it",
                        u.login, u.customer_id
                    ));
                    false
                }
                // Another customer's entry that is being renamed away: add after the rename.
                Some(other) if wanted.contains_key(&other) => {
                    add(menu, kind, u, server, ch);
                    true
                }
                Some(other) if desired.scope.contains(other) => {
                    consumed.insert(i);
                    take_over(menu, kind, u, e, server, ch);
                    true
                }
                Some(_) => {
                    ch.needs_full = true;
                    false
                }
            }
        } else {
            add(menu, kind, u, server, ch);
            true
        };
        if placed {
            ch.managed += 1;
            if !u.enabled {
                kicks.insert(u.login.as_str(), Some(Owner::Customer(u.customer_id)));
            }
        }
    }
    for (i, e) in entries.iter().enumerate() {
        let Some(m) = parse_marker(&e.comment) else {
            continue;
        };
        if consumed.contains(&i) || !desired.scope.contains(m) {
            continue;
        }
        ch.removes.push(Op {
            command: Command::new(&format!("{menu}/remove")).id(&e.id),
            owner: Some(Owner::Customer(m)),
        });
        if !wanted.values().any(|u| u.login == e.name && u.enabled) {
            kicks
                .entry(e.name.as_str())
                .or_insert(Some(Owner::Customer(m)));
        }
    }
    kicks
}

fn add(menu: &str, kind: ServiceKind, u: &User, server: &str, ch: &mut Changes) {
    ch.adds.push(Op {
        command: command(format!("{menu}/add"), user_fields(kind, u, server)),
        owner: Some(Owner::Customer(u.customer_id)),
    });
}

/// Makes an existing entry ours: every field, the marker comment included.
fn take_over(menu: &str, kind: ServiceKind, u: &User, e: &Entry, server: &str, ch: &mut Changes) {
    let mut attrs = vec![(".id", e.id.as_str().to_owned())];
    attrs.extend(user_fields(kind, u, server));
    ch.sets.push(Op {
        command: command(format!("{menu}/set"), attrs),
        owner: Some(Owner::Customer(u.customer_id)),
    });
}

#[cfg(test)]
mod tests;
