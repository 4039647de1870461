//! One pass over a router: read what it holds (every print pipelined), compare with what the
//! store says, apply the difference and log it; and kicking one customer's sessions on request.

use super::apply::{self, LogBuf};
use super::desired::{self, Desired, Scope, Targets};
use super::diff::{
    self, Actual, Entry, Owner, ProfileEntry, Session, active_menu, profile_menu, profile_props,
    session_user_prop, user_menu, user_props,
};
use super::log;
use super::mailbox::Work;
use super::marked::Printed;
use super::task::Failure;
use super::usage::{self, Seen};
use super::{Cause, Ctx};
use crate::billing::ServiceKind;
use crate::billing::customer::marker;
use crate::model::voucher::Card;
use crate::routeros::{Client, Command, Error, InFlight, Item};
use std::collections::BTreeSet;

fn print(menu: &str, props: &[&str], queries: &[String]) -> Command {
    let mut c = Command::new(&format!("{menu}/print")).proplist(props);
    for q in queries {
        c = c.query(q);
    }
    c
}

/// What a print reply is for.
enum Read {
    Users(ServiceKind),
    Profiles(ServiceKind),
    Sessions(ServiceKind),
    /// A marked menu, by position in `Desired::marked`.
    Marked(usize),
}

/// Reads the needed part of the router, every print in flight at once.
async fn read_actual(client: &Client, desired: &Desired) -> Result<Actual, Error> {
    let mut sent: Vec<(Read, InFlight)> = Vec::new();
    let full = desired.scope == Scope::Full;
    for kind in ServiceKind::ALL {
        if !desired.serves(kind) {
            continue;
        }
        let users = user_menu(kind);
        let profiles = profile_menu(kind);
        if full {
            sent.push((
                Read::Users(kind),
                client.send(print(users, user_props(kind), &[]))?,
            ));
            sent.push((
                Read::Profiles(kind),
                client.send(print(profiles, profile_props(kind), &[]))?,
            ));
            let sessions = print(active_menu(kind), &[".id", session_user_prop(kind)], &[]);
            sent.push((Read::Sessions(kind), client.send(sessions)?));
            continue;
        }
        let Scope::Only(targets) = &desired.scope else {
            continue;
        };
        let mut queries: Vec<String> = targets
            .customers
            .iter()
            .map(|id| format!("comment={}", marker(*id)))
            .collect();
        if kind == ServiceKind::Hotspot {
            queries.extend(
                targets
                    .cards
                    .iter()
                    .map(|id| format!("comment={}", crate::model::voucher::marker_of(*id))),
            );
            queries.extend(desired.card_codes.iter().map(|c| format!("name={c}")));
        }
        for q in queries {
            sent.push((
                Read::Users(kind),
                client.send(print(users, user_props(kind), &[q]))?,
            ));
        }
        for (_, login) in desired.logins.iter().filter(|(k, _)| *k == kind) {
            let q = [format!("name={login}")];
            sent.push((
                Read::Users(kind),
                client.send(print(users, user_props(kind), &q))?,
            ));
        }
        for p in desired.profiles.iter().filter(|p| p.kind == kind) {
            let q = [format!("name={}", p.name)];
            sent.push((
                Read::Profiles(kind),
                client.send(print(profiles, profile_props(kind), &q))?,
            ));
        }
    }
    for (i, m) in desired.marked.iter().enumerate() {
        // A firewall block is placed against the operator's rules, so those are read too; with
        // nothing wanted, only ours are needed (to remove them).
        let q = if m.ordered && !m.wanted.is_empty() {
            vec![]
        } else {
            vec![format!("comment={}", m.marker)]
        };
        sent.push((Read::Marked(i), client.send(print(m.menu, m.props, &q))?));
    }
    let mut actual = Actual {
        marked: vec![None; desired.marked.len()],
        sessions: full.then(std::collections::HashMap::new),
        ..Actual::default()
    };
    for (what, f) in sent {
        let result = f.reply().await;
        if let Read::Marked(i) = what {
            match result {
                Ok(reply) => {
                    actual.marked[i] =
                        Some(reply.items.iter().filter_map(Printed::parse).collect());
                }
                Err(e) if e.is_connection_lost() => return Err(e),
                // A router without the menu (no hotspot package) keeps that menu as it is.
                Err(e) => {
                    tracing::debug!(menu = desired.marked[i].menu, error = %e, "marked menu unread");
                }
            }
            continue;
        }
        let reply = result?;
        match what {
            Read::Users(kind) => actual
                .users
                .entry(kind)
                .or_default()
                .extend(reply.items.iter().filter_map(|i| Entry::parse(kind, i))),
            Read::Profiles(kind) => actual
                .profiles
                .entry(kind)
                .or_default()
                .extend(reply.items.iter().filter_map(ProfileEntry::parse)),
            Read::Marked(_) => {}
            Read::Sessions(kind) => {
                let prop = session_user_prop(kind);
                let list = reply.items.iter().filter_map(|i: &Item| {
                    Some(Session {
                        id: i.id()?,
                        user: i.get(prop)?.to_owned(),
                    })
                });
                if let Some(s) = actual.sessions.as_mut() {
                    s.entry(kind).or_default().extend(list);
                }
            }
        }
    }
    Ok(actual)
}

/// The result of one reconcile.
pub(super) struct Report {
    pub(super) needs_full: bool,
    pub(super) commands: usize,
    pub(super) failed: usize,
    pub(super) lines: Vec<log::Line>,
    pub(super) errors: Vec<String>,
    /// Full reconcile only: (managed users, sessions).
    pub(super) counts: Option<(u64, u64)>,
    /// Cards whose first use this pass noticed (from their users' uptime).
    pub(super) first_used: Vec<Card>,
}

pub(super) async fn reconcile(
    ctx: &Ctx,
    client: &Client,
    router_id: u64,
    work: &Work,
    known: &mut BTreeSet<String>,
) -> Result<Report, Failure> {
    let now = ctx.clock.now();
    let scope = if work.full.is_some() || work.targets() > ctx.config.targeted_limit {
        Scope::Full
    } else {
        Scope::Only(Targets {
            customers: work.customers.keys().copied().collect::<BTreeSet<u64>>(),
            cards: work.cards.keys().copied().collect::<BTreeSet<u64>>(),
        })
    };
    let secrets = ctx.secrets.clone();
    let desired = ctx
        .store
        .read_async(move |r| desired::compute(r, &secrets, router_id, scope, now))
        .await?
        .ok_or(Failure::Gone)?;
    let actual = read_actual(client, &desired).await?;
    let first_used = if desired.scope == Scope::Full {
        usage::record(ctx, router_id, used_cards(&actual, now)).await
    } else {
        Vec::new()
    };
    let changes = diff::diff(&desired, &actual);
    let mut buf = LogBuf::default();
    let cause = |o: Option<Owner>| work.cause_of(o);
    // A problem that persists is logged once, not on every reconcile.
    let found: Vec<(&str, &String)> = desired
        .problems
        .iter()
        .map(|p| ("(store)", p))
        .chain(changes.collisions.iter().map(|c| ("(collision)", c)))
        .collect();
    for (what, text) in &found {
        if !known.contains(*text) {
            buf.note(now, (*what).into(), (*text).clone(), work.cause_of(None));
        }
    }
    if desired.scope == Scope::Full {
        known.clear();
    }
    known.extend(found.into_iter().map(|(_, t)| t.clone()));
    let applied = apply::apply(client, &changes, &cause, now, &mut buf).await;
    let (lines, errors) = buf.finish(now);
    let applied = match applied {
        Ok(a) => a,
        Err(e) => {
            // Keep the log of what did happen before the connection broke.
            flush_lines(ctx, router_id, lines).await;
            return Err(Failure::Router(e));
        }
    };
    let counts = changes
        .sessions_after
        .map(|s| (changes.managed.saturating_sub(applied.failed_adds), s));
    tracing::debug!(
        router_id,
        commands = changes.len(),
        failed = applied.failed,
        kicked = applied.kicked,
        "reconciled"
    );
    Ok(Report {
        needs_full: changes.needs_full,
        commands: changes.len(),
        failed: applied.failed,
        lines,
        errors,
        counts,
        first_used,
    })
}

/// Card users the router shows logged in at some time (a session may have come and gone
/// between two looks at the active list), with the latest their first login can have been.
fn used_cards(actual: &Actual, now: jiff::Timestamp) -> Vec<(Seen, jiff::Timestamp)> {
    actual
        .users
        .get(&ServiceKind::Hotspot)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter(|e| e.uptime > 0)
        .filter_map(|e| {
            let id = crate::model::voucher::parse_marker(&e.comment)?;
            Some((Seen::Card(id), usage::began(now, e.uptime)))
        })
        .collect()
}

pub(super) async fn flush_lines(ctx: &Ctx, router_id: u64, lines: Vec<log::Line>) {
    if lines.is_empty() {
        return;
    }
    if let Err(e) = ctx
        .store
        .write_async(move |w| log::append(w, router_id, lines))
        .await
    {
        tracing::error!(router_id, error = %e, "writing the router log");
    }
}

/// Ends a customer's sessions on request (`Enforcer::kick`).
pub(super) async fn kick(
    ctx: &Ctx,
    client: &Client,
    login: &str,
    customer_id: u64,
    kind: Option<ServiceKind>,
    cause: &Cause,
    buf: &mut LogBuf,
) -> Result<usize, Error> {
    let kinds: Vec<ServiceKind> = kind.map_or_else(|| ServiceKind::ALL.to_vec(), |k| vec![k]);
    let logins: Vec<(ServiceKind, String, Option<Owner>)> = kinds
        .into_iter()
        .map(|k| (k, login.to_owned(), Some(Owner::Customer(customer_id))))
        .collect();
    let ops = apply::lookup_sessions(client, &logins).await?;
    let now = ctx.clock.now();
    if ops.is_empty() {
        buf.info(
            now,
            format!("kick {login}: no active session"),
            cause.clone(),
        );
        return Ok(0);
    }
    let oks = apply::phase(client, &ops, &|_| cause.clone(), now, buf).await?;
    Ok(ops
        .iter()
        .zip(oks)
        .filter(|(_, ok)| *ok)
        .map(|(op, _)| apply::id_count(&op.command))
        .sum())
}
