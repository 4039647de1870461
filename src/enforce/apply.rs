//! Sending a reconcile's commands: every command of a phase goes out before any reply is
//! awaited, so a thousand changes cost a few round trips, not a thousand.
//!
//! Also the one place that turns outcomes into command-log lines, so nothing reaches a router
//! without leaving a (redacted) trace.

use super::Cause;
use super::diff::{Changes, Op, Owner, active_menu, session_user_prop};
use super::log::{Line, redact};
use crate::billing::ServiceKind;
use crate::routeros::{Client, Command, Error, Item, ItemId, Reply};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};

/// Successful commands logged one by one per path and reconcile; beyond that, one summary
/// line, so a first sync of 10,000 users does not flush every other router's history.
const DETAIL_LIMIT: usize = 100;

/// Collects log lines for one batch of work.
#[derive(Debug, Default)]
pub struct LogBuf {
    pub lines: Vec<Line>,
    ok_per_path: HashMap<String, usize>,
    summarized: BTreeMap<String, (usize, Cause)>,
    /// Error texts of failed commands (for the router's last error).
    pub errors: Vec<String>,
}

impl LogBuf {
    pub fn record(
        &mut self,
        now: Timestamp,
        command: &Command,
        result: &Result<Reply, Error>,
        cause: Cause,
        owner: Option<Owner>,
    ) {
        let customer_id = match owner {
            Some(Owner::Customer(id)) => Some(id),
            _ => None,
        };
        match result {
            Ok(_) => {
                let path = command.path();
                let n = self.ok_per_path.entry(path.clone()).or_default();
                *n += 1;
                if *n > DETAIL_LIMIT {
                    self.summarized.entry(path).or_insert((0, cause)).0 += 1;
                    return;
                }
                self.lines.push(Line {
                    time: now,
                    command: redact(command),
                    result: "ok".into(),
                    cause,
                    customer_id,
                });
            }
            Err(e) => {
                let text = e.to_string();
                self.errors.push(format!("{}: {text}", command.path()));
                self.lines.push(Line {
                    time: now,
                    command: redact(command),
                    result: text,
                    cause,
                    customer_id,
                });
            }
        }
    }

    /// A line that is not a router command (a collision found by the diff).
    pub fn note(&mut self, now: Timestamp, what: String, error: String, cause: Cause) {
        self.errors.push(error.clone());
        self.lines.push(Line {
            time: now,
            command: what,
            result: error,
            cause,
            customer_id: None,
        });
    }

    /// A line that records an outcome without a command of its own.
    pub fn info(&mut self, now: Timestamp, what: String, cause: Cause) {
        self.lines.push(Line {
            time: now,
            command: what,
            result: "ok".into(),
            cause,
            customer_id: None,
        });
    }

    /// The lines, with one summary per path that exceeded the detail limit.
    pub fn finish(mut self, now: Timestamp) -> (Vec<Line>, Vec<String>) {
        for (path, (n, cause)) in std::mem::take(&mut self.summarized) {
            self.lines.push(Line {
                time: now,
                command: format!("{path} ({n} more, not listed one by one)"),
                result: "ok".into(),
                cause,
                customer_id: None,
            });
        }
        (self.lines, self.errors)
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.summarized.is_empty()
    }
}

/// What applying a diff achieved.
#[derive(Debug, Default)]
pub struct Applied {
    pub failed: usize,
    pub failed_adds: u64,
    pub kicked: u64,
}

/// Sends `ops` pipelined and awaits every reply; `Err` only when the connection is lost.
pub async fn phase(
    client: &Client,
    ops: &[Op],
    cause: &(dyn Fn(Option<Owner>) -> Cause + Sync),
    now: Timestamp,
    log: &mut LogBuf,
) -> Result<Vec<bool>, Error> {
    let mut in_flight = Vec::with_capacity(ops.len());
    for op in ops {
        in_flight.push(client.send(op.command.clone())?);
    }
    let mut oks = Vec::with_capacity(ops.len());
    let mut lost = None;
    for (op, f) in ops.iter().zip(in_flight) {
        let result = f.reply().await;
        log.record(now, &op.command, &result, cause(op.owner), op.owner);
        match result {
            Ok(_) => oks.push(true),
            Err(e) if e.is_connection_lost() || matches!(e, Error::Timeout(_)) => {
                oks.push(false);
                lost.get_or_insert(e);
            }
            Err(_) => oks.push(false),
        }
    }
    match lost {
        Some(e) => Err(e),
        None => Ok(oks),
    }
}

/// Applies every phase of `changes` in order.
pub async fn apply(
    client: &Client,
    changes: &Changes,
    cause: &(dyn Fn(Option<Owner>) -> Cause + Sync),
    now: Timestamp,
    log: &mut LogBuf,
) -> Result<Applied, Error> {
    let mut out = Applied::default();
    for ops in [
        &changes.profiles,
        &changes.marked_early,
        &changes.removes,
        &changes.sets,
    ] {
        if !ops.is_empty() {
            let oks = phase(client, ops, cause, now, log).await?;
            out.failed += oks.iter().filter(|ok| !**ok).count();
        }
    }
    if !changes.adds.is_empty() {
        let oks = phase(client, &changes.adds, cause, now, log).await?;
        let failed = oks.iter().filter(|ok| !**ok).count();
        out.failed += failed;
        out.failed_adds = u64::try_from(failed).unwrap_or(u64::MAX);
    }
    let mut kicks: Vec<Op> = changes
        .kick_ids
        .iter()
        .map(|(kind, id, owner)| Op {
            command: Command::new(&format!("{}/remove", active_menu(*kind))).id(id),
            owner: *owner,
        })
        .collect();
    if !changes.kick_logins.is_empty() {
        kicks.extend(lookup_sessions(client, &changes.kick_logins).await?);
    }
    if !kicks.is_empty() {
        let oks = phase(client, &kicks, cause, now, log).await?;
        let kicked: usize = kicks
            .iter()
            .zip(&oks)
            .filter(|(_, ok)| **ok)
            .map(|(op, _)| id_count(&op.command))
            .sum();
        out.kicked = u64::try_from(kicked).unwrap_or(u64::MAX);
    }
    if !changes.marked_late.is_empty() {
        let oks = phase(client, &changes.marked_late, cause, now, log).await?;
        out.failed += oks.iter().filter(|ok| !**ok).count();
    }
    Ok(out)
}

/// Finds the sessions of these logins (pipelined prints) and returns one remove per login.
pub async fn lookup_sessions(
    client: &Client,
    logins: &[(ServiceKind, String, Option<Owner>)],
) -> Result<Vec<Op>, Error> {
    let mut in_flight = Vec::with_capacity(logins.len());
    for (kind, login, _) in logins {
        let print = Command::new(&format!("{}/print", active_menu(*kind)))
            .query(&format!("{}={login}", session_user_prop(*kind)))
            .proplist(&[".id"]);
        in_flight.push(client.send(print)?);
    }
    let mut ops = Vec::new();
    for ((kind, _, owner), f) in logins.iter().zip(in_flight) {
        let reply = match f.reply().await {
            Ok(r) => r,
            Err(e) if e.is_connection_lost() => return Err(e),
            // A session lookup the router refuses leaves nothing to kick.
            Err(_) => continue,
        };
        let ids: Vec<ItemId> = reply.items.iter().filter_map(Item::id).collect();
        if !ids.is_empty() {
            ops.push(Op {
                command: Command::new(&format!("{}/remove", active_menu(*kind)))
                    .id(&ItemId::join(&ids)),
                owner: *owner,
            });
        }
    }
    Ok(ops)
}

/// Number of ids in a remove command's `.id` list.
pub fn id_count(command: &Command) -> usize {
    command
        .words()
        .iter()
        .filter_map(|w| w.strip_prefix(b"=.id="))
        .map(|ids| ids.split(|b| *b == b',').count())
        .sum()
}
