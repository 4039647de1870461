//! An agent's statement: their ledger lines over a period with what each was, and the totals
//! (deposits, debits, commission, opening and closing balance), for the page, its print view
//! and its Excel export alike.

use crate::billing::Plan;
use crate::i18n::{Lang, Msg};
use crate::model::agent::{AgentEntry, EntryKind};
use crate::model::voucher::Batch;
use crate::reports::{Cell, ReportError, Sink};
use crate::store::{Reader, Set, StoreError};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::HashMap;

/// Lines one statement shows at most; a longer period is narrowed by its dates.
pub const MAX_LINES: usize = 5_000;

pub struct Line {
    pub entry: AgentEntry,
    pub what: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub opening: i64,
    pub deposits: i64,
    /// Debits as a positive figure.
    pub debits: i64,
    pub credits: i64,
    pub commission: i64,
    pub closing: i64,
    pub cards_sold: u32,
}

pub struct Statement {
    /// Oldest first.
    pub lines: Vec<Line>,
    pub totals: Totals,
    /// More lines matched than were kept.
    pub truncated: bool,
}

fn package_of(
    r: &impl Reader,
    cache: &mut HashMap<u64, String>,
    batch_id: u64,
) -> Result<String, StoreError> {
    if let Some(n) = cache.get(&batch_id) {
        return Ok(n.clone());
    }
    let name = match r.get::<Batch>(batch_id)? {
        Some(b) => r
            .get::<Plan>(b.plan_id)?
            .map_or_else(|| format!("#{}", b.plan_id), |p| p.name),
        None => format!("#{batch_id}"),
    };
    cache.insert(batch_id, name.clone());
    Ok(name)
}

fn describe(
    r: &impl Reader,
    cache: &mut HashMap<u64, String>,
    lang: Lang,
    e: &AgentEntry,
) -> Result<String, StoreError> {
    Ok(match &e.kind {
        EntryKind::Deposit { method, reference } => {
            let m = crate::reports::revenue::method_text(lang, method);
            if reference.is_empty() {
                format!("{} ({m})", lang.t(Msg::AgentDeposit))
            } else {
                format!("{} ({m}, {reference})", lang.t(Msg::AgentDeposit))
            }
        }
        EntryKind::Stock { batch_id, cards } => {
            let p = package_of(r, cache, *batch_id)?;
            lang.f(Msg::EntryStock, &[cards, &p])
        }
        EntryKind::Return { batch_id, cards } => {
            let p = package_of(r, cache, *batch_id)?;
            lang.f(Msg::EntryReturn, &[cards, &p])
        }
        EntryKind::Sale { code, .. } => lang.f(Msg::EntrySale, &[code]),
        EntryKind::Renewal { login, .. } => lang.f(Msg::EntryRenewal, &[login]),
    })
}

/// The statement of `agent_id` for entries with `from <= at < to` (either open).
pub fn statement(
    r: &impl Reader,
    agent_id: u64,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    lang: Lang,
) -> Result<Statement, StoreError> {
    let mut totals = Totals::default();
    let mut lines = Vec::new();
    let mut truncated = false;
    let mut cache = HashMap::new();
    let mut opening_set = false;
    for id in r.set_members(Set::AgentEntriesByAgent, agent_id)? {
        let Some(e) = r.get::<AgentEntry>(id)? else {
            continue;
        };
        if from.is_some_and(|f| e.at < f) {
            totals.opening = e.balance_after;
            continue;
        }
        if to.is_some_and(|t| e.at >= t) {
            break;
        }
        if !opening_set {
            totals.opening = e.balance_after - e.amount;
            opening_set = true;
        }
        match &e.kind {
            EntryKind::Deposit { .. } => totals.deposits += e.amount,
            _ if e.amount < 0 => totals.debits -= e.amount,
            _ => totals.credits += e.amount,
        }
        if matches!(e.kind, EntryKind::Sale { .. }) {
            totals.cards_sold += 1;
        }
        totals.commission += e.commission;
        totals.closing = e.balance_after;
        if lines.len() < MAX_LINES {
            let what = describe(r, &mut cache, lang, &e)?;
            lines.push(Line { entry: e, what });
        } else {
            truncated = true;
        }
    }
    if !opening_set {
        totals.closing = totals.opening;
    }
    Ok(Statement {
        lines,
        totals,
        truncated,
    })
}

/// The newest lines (newest first, at most `limit`) of the entries `keep` accepts. Read from
/// the newest back, so a page showing the last few lines of a long history reads only those.
pub fn recent(
    r: &impl Reader,
    agent_id: u64,
    lang: Lang,
    limit: usize,
    keep: impl Fn(&EntryKind) -> bool,
) -> Result<Vec<Line>, StoreError> {
    let mut out = Vec::new();
    let mut cache = HashMap::new();
    for id in r
        .set_members(Set::AgentEntriesByAgent, agent_id)?
        .into_iter()
        .rev()
    {
        if out.len() >= limit {
            break;
        }
        let Some(e) = r.get::<AgentEntry>(id)? else {
            continue;
        };
        if keep(&e.kind) {
            let what = describe(r, &mut cache, lang, &e)?;
            out.push(Line { entry: e, what });
        }
    }
    Ok(out)
}

/// The statement into a report sink (Excel, CSV).
pub fn export(
    s: &Statement,
    agent_name: &str,
    tz: &TimeZone,
    lang: Lang,
    sink: &mut impl Sink,
) -> Result<(), ReportError> {
    sink.section(&format!("{} — {agent_name}", lang.t(Msg::AgentStatement)))?;
    sink.header(&[
        lang.t(Msg::Date),
        lang.t(Msg::Description),
        lang.t(Msg::Amount),
        lang.t(Msg::AgentCommissionEarned),
        lang.t(Msg::Balance),
        lang.t(Msg::RecordedBy),
    ])?;
    sink.row(&[
        Cell::Empty,
        Cell::text(lang.t(Msg::OpeningBalance)),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(s.totals.opening),
        Cell::Empty,
    ])?;
    for l in &s.lines {
        sink.row(&[
            Cell::DateTime(l.entry.at.to_zoned_datetime(tz.clone()).datetime()),
            Cell::text(l.what.clone()),
            Cell::Money(l.entry.amount),
            Cell::Money(l.entry.commission),
            Cell::Money(l.entry.balance_after),
            Cell::text(l.entry.by.clone()),
        ])?;
    }
    let t = &s.totals;
    sink.totals(&[
        Cell::Empty,
        Cell::text(lang.t(Msg::ClosingBalance)),
        Cell::Money(t.deposits + t.credits - t.debits),
        Cell::Money(t.commission),
        Cell::Money(t.closing),
        Cell::Empty,
    ])?;
    Ok(())
}
