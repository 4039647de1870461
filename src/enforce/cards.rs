//! Voucher cards on a router: each card is a hotspot user of its own, marked `steppe:v<id>`,
//! reconciled beside the customers' users in the same menu and by the same rules (never touch
//! an entry that is not ours). A card is never adopted: its code was drawn by Steppe, so an
//! unmarked user of that name is the operator's, and is reported instead.

use super::desired::{Desired, Scope, serves};
use super::diff::{Changes, Entry, Op, Owner, command, user_menu, yes_no};
use crate::billing::{Plan, ServiceKind};
use crate::model::voucher::{self, Batch, Card, LoginMode};
use crate::network::{Router, SecretBox};
use crate::routeros::Command;
use crate::routeros::value::format_duration;
use crate::store::{Reader, StoreError};
use crate::vouchers::card;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// A used-up card stays on the router, disabled, this long after it ran out (so whoever tries
/// it again is told it is disabled rather than unknown); then it is removed, so a year of
/// cards does not pile up in the router's user list.
pub const KEEP_USED_UP: SignedDuration = SignedDuration::from_hours(7 * 24);

/// One card's hotspot user as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardUser {
    pub card_id: u64,
    pub code: String,
    pub password: String,
    pub profile: String,
    pub enabled: bool,
    /// Seconds, 0 for none.
    pub limit_uptime: u64,
    /// Bytes, 0 for none.
    pub limit_bytes_total: u64,
}

/// What the store wants of a router's cards.
#[derive(Debug, Default)]
pub struct CardsDesired {
    pub users: BTreeMap<u64, CardUser>,
    /// Codes of the scoped cards, for targeted name queries.
    pub codes: Vec<String>,
    /// Packages the cards use (their profiles must exist).
    pub plans: BTreeSet<u64>,
}

pub fn desired(
    r: &impl Reader,
    secrets: &SecretBox,
    router: &Router,
    scope: &Scope,
    plans: &BTreeMap<u64, Plan>,
    now: Timestamp,
    problems: &mut Vec<String>,
) -> Result<CardsDesired, StoreError> {
    let cards: Vec<Card> = match scope {
        Scope::Full => card::on_router(r, router.id)?,
        Scope::Only(t) => {
            let mut out = Vec::with_capacity(t.cards.len());
            for id in &t.cards {
                if let Some(c) = r.get::<Card>(*id)? {
                    out.push(c);
                }
            }
            out
        }
    };
    let mut out = CardsDesired::default();
    let mut batches: HashMap<u64, Option<Batch>> = HashMap::new();
    let mut reported = HashSet::new();
    for c in cards {
        if c.router_id != router.id {
            continue;
        }
        if matches!(scope, Scope::Only(_)) {
            out.codes.push(c.code.clone());
        }
        if c.voided_at.is_some()
            || c.expires_at
                .and_then(|t| t.checked_add(KEEP_USED_UP).ok())
                .is_some_and(|gone| now >= gone)
        {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = batches.entry(c.batch_id) {
            e.insert(r.get::<Batch>(c.batch_id)?);
        }
        let Some(batch) = batches.get(&c.batch_id).and_then(Option::as_ref) else {
            continue;
        };
        let Some(plan) = plans.get(&batch.plan_id) else {
            if reported.insert(batch.id) {
                problems.push(format!(
                    "voucher batch {} has no package #{}",
                    batch.id, batch.plan_id
                ));
            }
            continue;
        };
        if !serves(router, ServiceKind::Hotspot) {
            if reported.insert(batch.id) {
                problems.push(format!(
                    "voucher batch {} has cards on this router, which no longer serves hotspot",
                    batch.id
                ));
            }
            continue;
        }
        let password = match batch.login_mode {
            LoginMode::CodeOnly => c.code.clone(),
            // As with customers: an unreadable PIN refuses the reconcile rather than lock the
            // card out with a wrong password.
            LoginMode::CodeAndPin => secrets.open_sealed(&c.pin_sealed).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "voucher card {}: its PIN cannot be unsealed (was secret.key replaced?)",
                    c.code
                ))
            })?,
        };
        out.plans.insert(plan.id);
        out.users.insert(
            c.id,
            CardUser {
                card_id: c.id,
                code: c.code.clone(),
                password,
                profile: plan.profile.clone(),
                enabled: c.usable(now),
                limit_uptime: crate::routeros::value::parse_duration(&batch.limit_uptime)
                    .map_or(0, |d| d.as_secs()),
                limit_bytes_total: batch.limit_bytes_total,
            },
        );
    }
    Ok(out)
}

fn fields(u: &CardUser, server: &str) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("name", u.code.clone()),
        ("password", u.password.clone()),
        ("profile", u.profile.clone()),
        ("server", server.to_owned()),
    ];
    if u.limit_uptime > 0 {
        f.push((
            "limit-uptime",
            format_duration(Duration::from_secs(u.limit_uptime)),
        ));
    }
    if u.limit_bytes_total > 0 {
        f.push(("limit-bytes-total", u.limit_bytes_total.to_string()));
    }
    f.push(("comment", voucher::marker_of(u.card_id)));
    f.push(("disabled", yes_no(!u.enabled)));
    f
}

fn delta(u: &CardUser, e: &Entry, server: &str) -> Vec<(&'static str, String)> {
    let mut d = Vec::new();
    if e.name != u.code {
        d.push(("name", u.code.clone()));
    }
    if e.password.as_ref().is_some_and(|p| *p != u.password) {
        d.push(("password", u.password.clone()));
    }
    if e.profile != u.profile {
        d.push(("profile", u.profile.clone()));
    }
    if e.target != server {
        d.push(("server", server.to_owned()));
    }
    if e.limit_uptime != u.limit_uptime {
        d.push((
            "limit-uptime",
            format_duration(Duration::from_secs(u.limit_uptime)),
        ));
    }
    if e.limit_bytes_total != u.limit_bytes_total {
        d.push(("limit-bytes-total", u.limit_bytes_total.to_string()));
    }
    if e.disabled == u.enabled {
        d.push(("disabled", yes_no(!u.enabled)));
    }
    d
}

/// Diffs the cards among the hotspot users; returns the codes whose sessions must end.
pub fn diff<'a>(
    desired: &'a Desired,
    entries: &[&'a Entry],
    server: &str,
    ch: &mut Changes,
) -> BTreeMap<&'a str, Option<Owner>> {
    let menu = user_menu(ServiceKind::Hotspot);
    let mut by_marker: HashMap<u64, usize> = HashMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(id) = voucher::parse_marker(&e.comment) {
            by_marker.entry(id).or_insert(i);
        }
        by_name.entry(e.name.as_str()).or_insert(i);
    }
    let mut consumed = BTreeSet::new();
    let mut kicks = BTreeMap::new();
    for u in desired.cards.values() {
        let owner = Some(Owner::Card(u.card_id));
        if let Some(&i) = by_marker.get(&u.card_id) {
            consumed.insert(i);
            let attrs = delta(u, entries[i], server);
            if !attrs.is_empty() {
                let mut all = vec![(".id", entries[i].id.as_str().to_owned())];
                all.extend(attrs);
                ch.sets.push(Op {
                    command: command(format!("{menu}/set"), all),
                    owner,
                });
            }
        } else if let Some(&i) = by_name.get(u.code.as_str()) {
            ch.collisions.push(format!(
                "{menu} {:?} exists and is not this voucher card's; the card cannot be used until \
                 that user is removed",
                entries[i].name
            ));
            continue;
        } else {
            ch.adds.push(Op {
                command: command(format!("{menu}/add"), fields(u, server)),
                owner,
            });
        }
        ch.managed += 1;
        if !u.enabled {
            kicks.insert(u.code.as_str(), owner);
        }
    }
    for (i, e) in entries.iter().enumerate() {
        let Some(id) = voucher::parse_marker(&e.comment) else {
            continue;
        };
        if consumed.contains(&i) || !desired.scope.contains_card(id) {
            continue;
        }
        ch.removes.push(Op {
            command: Command::new(&format!("{menu}/remove")).id(&e.id),
            owner: Some(Owner::Card(id)),
        });
        kicks
            .entry(e.name.as_str())
            .or_insert(Some(Owner::Card(id)));
    }
    kicks
}
