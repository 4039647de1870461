//! The voucher sales report: cards sold over a period (by an agent or at the counter), with
//! totals by agent, batch, package and day, and the stock left in every batch. One walk of the
//! sold cards feeds every table, so the totals agree with each other by construction; the
//! tests check them against the agents' statements too.

use super::{Cell, Params, ReportError, Sink, day_of, in_range, local};
use crate::billing::Plan;
use crate::i18n::{Lang, Msg};
use crate::model::agent::Agent;
use crate::model::voucher::{Batch, Card, CardState};
use crate::store::{Reader, Set, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default)]
pub struct SalesFilter {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// `Some(0)`: sold at the counter.
    pub agent_id: Option<u64>,
    pub batch_id: Option<u64>,
    pub plan_id: Option<u64>,
}

impl SalesFilter {
    pub fn from_query(q: &(impl Params + ?Sized)) -> SalesFilter {
        SalesFilter {
            from: q.text("from").parse().ok(),
            to: q.text("to").parse().ok(),
            agent_id: q.text("agent_id").parse().ok(),
            batch_id: q.text("batch_id").parse().ok(),
            plan_id: q.text("plan_id").parse().ok(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SaleRow {
    pub card_id: u64,
    pub code: String,
    pub sold_at: Timestamp,
    pub batch_id: u64,
    pub package: String,
    /// Empty: at the counter.
    pub agent: String,
    /// Face price, minor units.
    pub price: i64,
    pub commission: i64,
}

/// A group's cards sold and their money.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Sum {
    pub label: String,
    pub cards: u64,
    /// Face value, minor units.
    pub face: i64,
    pub commission: i64,
}

impl Sum {
    fn add(&mut self, r: &SaleRow) {
        self.cards += 1;
        self.face += r.price;
        self.commission += r.commission;
    }

    /// What the operator keeps: face value less commission.
    pub fn net(&self) -> i64 {
        self.face - self.commission
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StockRow {
    pub batch_id: u64,
    pub package: String,
    pub made: u32,
    pub in_stock: u32,
    pub handed: u32,
    pub sold: u32,
    pub in_use: u32,
    pub used_up: u32,
    pub void: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SalesReport {
    /// Every sale matched, oldest first.
    pub rows: Vec<SaleRow>,
    pub total: Sum,
    pub by_agent: Vec<Sum>,
    pub by_batch: Vec<Sum>,
    pub by_package: Vec<Sum>,
    pub by_day: Vec<Sum>,
    pub stock: Vec<StockRow>,
}

/// Sold cards at most one report holds (ten years of a busy hotspot's days would be fewer).
const MAX_ROWS: usize = 200_000;

pub fn compute(
    r: &impl Reader,
    f: &SalesFilter,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
) -> Result<SalesReport, StoreError> {
    let plans: HashMap<u64, String> = r
        .list::<Plan>()?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let agents: HashMap<u64, String> = r
        .list::<Agent>()?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let batches: BTreeMap<u64, Batch> = r.list::<Batch>()?.into_iter().map(|b| (b.id, b)).collect();
    let package = |b: &Batch| {
        plans
            .get(&b.plan_id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", b.plan_id))
    };
    // The sold-by-day index is by UTC day: a local day may start the UTC day before.
    let utc_day = |d: Option<Date>, pad: i64| {
        d.and_then(|d| super::start_of(d, tz))
            .map(|t| crate::billing::revenue::payment_day(t).saturating_add_signed(pad))
    };
    let lo = utc_day(f.from, -1).unwrap_or(0);
    let hi = utc_day(f.to, 2).unwrap_or(u64::MAX);
    let mut ids = Vec::new();
    r.set_scan(Set::VoucherCardsSoldByDay, (lo, hi), |_, id| {
        ids.push(id);
        ids.len() < MAX_ROWS
    })?;
    let mut rep = SalesReport::default();
    let (mut by_agent, mut by_batch, mut by_package, mut by_day) = (
        BTreeMap::<String, Sum>::new(),
        BTreeMap::<u64, Sum>::new(),
        BTreeMap::<String, Sum>::new(),
        BTreeMap::<Date, Sum>::new(),
    );
    let counter = lang.t(Msg::SoldAtCounter).to_string();
    for id in ids {
        let Some(c) = r.get::<Card>(id)? else {
            continue;
        };
        let (Some(at), Some(b)) = (c.sold_at, batches.get(&c.batch_id)) else {
            continue;
        };
        let day = day_of(at, tz);
        if !in_range(day, f.from, f.to)
            || f.batch_id.is_some_and(|x| x != b.id)
            || f.plan_id.is_some_and(|x| x != b.plan_id)
            || f.agent_id.is_some_and(|x| x != c.agent_id.unwrap_or(0))
        {
            continue;
        }
        let row = SaleRow {
            card_id: c.id,
            code: c.code.clone(),
            sold_at: at,
            batch_id: b.id,
            package: package(b),
            agent: c
                .agent_id
                .and_then(|a| agents.get(&a).cloned())
                .unwrap_or_default(),
            price: b.price,
            commission: c.agent_commission,
        };
        let agent_label = if row.agent.is_empty() {
            counter.clone()
        } else {
            row.agent.clone()
        };
        rep.total.add(&row);
        by_agent
            .entry(agent_label.clone())
            .or_insert_with(|| Sum {
                label: agent_label,
                ..Sum::default()
            })
            .add(&row);
        by_batch
            .entry(b.id)
            .or_insert_with(|| Sum {
                label: format!("№{} — {}", b.id, row.package),
                ..Sum::default()
            })
            .add(&row);
        by_package
            .entry(row.package.clone())
            .or_insert_with(|| Sum {
                label: row.package.clone(),
                ..Sum::default()
            })
            .add(&row);
        by_day
            .entry(day)
            .or_insert_with(|| Sum {
                label: day.to_string(),
                ..Sum::default()
            })
            .add(&row);
        rep.rows.push(row);
    }
    rep.rows.sort_by_key(|r| (r.sold_at, r.card_id));
    rep.total.label = lang.t(Msg::Total).to_string();
    rep.by_agent = by_agent.into_values().collect();
    rep.by_batch = by_batch.into_values().collect();
    rep.by_package = by_package.into_values().collect();
    rep.by_day = by_day.into_values().collect();
    for b in batches.values().rev() {
        if f.batch_id.is_some_and(|x| x != b.id) || f.plan_id.is_some_and(|x| x != b.plan_id) {
            continue;
        }
        let mut s = StockRow {
            batch_id: b.id,
            package: package(b),
            made: b.count,
            ..StockRow::default()
        };
        for c in crate::vouchers::batch::cards(r, b.id)? {
            match c.state(now) {
                CardState::InStock => s.in_stock += 1,
                CardState::Handed => s.handed += 1,
                CardState::Sold => s.sold += 1,
                CardState::InUse => s.in_use += 1,
                CardState::UsedUp => s.used_up += 1,
                CardState::Void => s.void += 1,
            }
        }
        rep.stock.push(s);
    }
    Ok(rep)
}

fn sums(lang: Lang, title: Msg, list: &[Sum], sink: &mut impl Sink) -> Result<(), ReportError> {
    sink.section(lang.t(title))?;
    sink.header(&[
        lang.t(title),
        lang.t(Msg::CardsSold),
        lang.t(Msg::Amount),
        lang.t(Msg::AgentCommissionEarned),
        lang.t(Msg::Net),
    ])?;
    for s in list {
        sink.row(&[
            Cell::text(s.label.clone()),
            Cell::Int(i64::try_from(s.cards).unwrap_or(i64::MAX)),
            Cell::Money(s.face),
            Cell::Money(s.commission),
            Cell::Money(s.net()),
        ])?;
    }
    Ok(())
}

pub fn export(
    r: &impl Reader,
    f: &SalesFilter,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
    sink: &mut impl Sink,
) -> Result<usize, ReportError> {
    let rep = compute(r, f, now, tz, lang)?;
    sink.section(lang.t(Msg::VoucherSales))?;
    sink.header(&[
        lang.t(Msg::Date),
        lang.t(Msg::VoucherCode),
        lang.t(Msg::VoucherBatch),
        lang.t(Msg::MenuPlans),
        lang.t(Msg::Agents),
        lang.t(Msg::Price),
        lang.t(Msg::AgentCommissionEarned),
    ])?;
    for row in &rep.rows {
        sink.row(&[
            Cell::DateTime(local(row.sold_at, tz)),
            Cell::text(row.code.clone()),
            Cell::Int(i64::try_from(row.batch_id).unwrap_or(0)),
            Cell::text(row.package.clone()),
            Cell::text(if row.agent.is_empty() {
                lang.t(Msg::SoldAtCounter).to_string()
            } else {
                row.agent.clone()
            }),
            Cell::Money(row.price),
            Cell::Money(row.commission),
        ])?;
    }
    let t = &rep.total;
    sink.totals(&[
        Cell::text(lang.t(Msg::Total)),
        Cell::Int(i64::try_from(t.cards).unwrap_or(i64::MAX)),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Money(t.face),
        Cell::Money(t.commission),
    ])?;
    sums(lang, Msg::Agents, &rep.by_agent, sink)?;
    sums(lang, Msg::VoucherBatch, &rep.by_batch, sink)?;
    sums(lang, Msg::MenuPlans, &rep.by_package, sink)?;
    sums(lang, Msg::Date, &rep.by_day, sink)?;
    sink.section(lang.t(Msg::StockLeft))?;
    sink.header(&[
        lang.t(Msg::VoucherBatch),
        lang.t(Msg::MenuPlans),
        lang.t(Msg::CardCount),
        lang.t(Msg::CardInStock),
        lang.t(Msg::CardHanded),
        lang.t(Msg::CardSold),
        lang.t(Msg::CardInUse),
        lang.t(Msg::CardUsedUp),
        lang.t(Msg::CardVoid),
    ])?;
    for s in &rep.stock {
        let n = |v: u32| Cell::Int(i64::from(v));
        sink.row(&[
            Cell::Int(i64::try_from(s.batch_id).unwrap_or(0)),
            Cell::text(s.package.clone()),
            n(s.made),
            n(s.in_stock),
            n(s.handed),
            n(s.sold),
            n(s.in_use),
            n(s.used_up),
            n(s.void),
        ])?;
    }
    Ok(rep.rows.len())
}

/// Cards sold and cards first used in the local day that starts at `start` and ends at `end`
/// (the dashboard's "today").
pub fn today(r: &impl Reader, start: Timestamp, end: Timestamp) -> Result<(u64, u64), StoreError> {
    let day = crate::billing::revenue::payment_day;
    let count = |set: Set, when: fn(&Card) -> Option<Timestamp>| -> Result<u64, StoreError> {
        let mut ids = Vec::new();
        r.set_scan(set, (day(start), day(end)), |_, id| {
            ids.push(id);
            ids.len() < MAX_ROWS
        })?;
        let mut n = 0;
        for id in ids {
            if let Some(c) = r.get::<Card>(id)?
                && when(&c).is_some_and(|t| t >= start && t < end)
            {
                n += 1;
            }
        }
        Ok(n)
    };
    Ok((
        count(Set::VoucherCardsSoldByDay, |c| c.sold_at)?,
        count(Set::VoucherCardsUsedByDay, |c| c.first_used_at)?,
    ))
}
