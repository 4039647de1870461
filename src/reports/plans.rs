//! The service package report: every package with its subscribers, how many are served now and
//! the revenue its payments brought in the range; and the extension history.

use super::{Cell, Params, ReportError, Sink, day_of, in_range, local};
use crate::billing::Plan;
use crate::billing::books::{Books, ExtWhere};
use crate::billing::ledger::Extension;
use crate::i18n::{Lang, Msg};
use crate::store::{Reader, Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::HashMap;

/// The extension history's filters, shared with the extensions page and its API.
#[derive(Debug, Clone, Default)]
pub struct ExtensionFilter {
    pub customer_id: Option<u64>,
    pub free: Option<bool>,
    pub by: String,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl ExtensionFilter {
    pub fn from_query(q: &(impl Params + ?Sized)) -> ExtensionFilter {
        ExtensionFilter {
            customer_id: q.text("customer_id").parse().ok(),
            free: match q.text("free").as_str() {
                "1" | "true" => Some(true),
                "0" | "false" => Some(false),
                _ => None,
            },
            by: q.text("by").to_lowercase(),
            from: q.text("from").parse().ok(),
            to: q.text("to").parse().ok(),
        }
    }

    pub fn keep(&self, e: &Extension, tz: &TimeZone) -> bool {
        self.customer_id.is_none_or(|c| c == e.customer_id)
            && self.free.is_none_or(|f| f == e.free)
            && (self.by.is_empty() || e.by.to_lowercase() == self.by)
            && in_range(day_of(e.at, tz), self.from, self.to)
    }

    /// One page of the history, newest first: `skip` matches passed over, up to `take`
    /// shown, whether more follow, and the totals of every match. A customer's extensions come
    /// from their set; any other filter picks the page's ids from `books`.
    pub fn page(
        &self,
        books: &Books,
        store: &Store,
        tz: &TimeZone,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<Extension>, bool, ExtensionTotals), StoreError> {
        if let Some(c) = self.customer_id {
            let mut all = store.read(|r| crate::billing::ledger::extensions_of(r, c))?;
            all.retain(|e| self.keep(e, tz));
            // The set holds them by id: reversed, newest first.
            all.reverse();
            let mut t = ExtensionTotals::default();
            for e in &all {
                t.add(e.days, e.free, 1);
            }
            let (page, more) = crate::billing::books::page_of(all, skip, take);
            return Ok((page, more, t));
        }
        let w = ExtWhere {
            free: self.free,
            by: (!self.by.is_empty()).then(|| self.by.clone()),
            from: self.from.and_then(|d| super::start_of(d, tz)),
            before: self
                .to
                .and_then(|d| d.tomorrow().ok())
                .and_then(|d| super::start_of(d, tz)),
        };
        let (ids, more, totals) = books.sync(store)?.extensions(&w, skip, take);
        store.read(|r| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(r.get::<Extension>(id)?.filter(|e| self.keep(e, tz)));
            }
            Ok((out, more, totals))
        })
    }

    /// Matching extensions, newest first, at most 5,000.
    pub fn run(&self, r: &impl Reader, tz: &TimeZone) -> Result<Vec<Extension>, StoreError> {
        let mut out = Vec::new();
        r.scan::<Extension>(true, |e| {
            if self.keep(&e, tz) {
                out.push(e);
            }
            out.len() < 5_000
        })?;
        Ok(out)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub id: u64,
    pub name: String,
    pub kind: crate::billing::ServiceKind,
    /// Minor units.
    pub price: i64,
    pub active: bool,
    /// Customers on the package (archived ones left out).
    pub subscribers: u64,
    /// Of those, served now.
    pub entitled: u64,
    /// Payment rows in the range (reversals included) and their sum.
    pub payments: u64,
    pub revenue: i64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ExtensionTotals {
    pub count: u64,
    pub days: i64,
    pub free_count: u64,
    pub free_days: i64,
    pub paid_count: u64,
    pub paid_days: i64,
}

impl ExtensionTotals {
    /// Counts one extension in (`sign` 1) or out (-1).
    pub fn add(&mut self, days: i64, free: bool, sign: i64) {
        self.count = self.count.saturating_add_signed(sign);
        self.days += sign * days;
        if free {
            self.free_count = self.free_count.saturating_add_signed(sign);
            self.free_days += sign * days;
        } else {
            self.paid_count = self.paid_count.saturating_add_signed(sign);
            self.paid_days += sign * days;
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PlanTotals {
    pub plans: u64,
    pub subscribers: u64,
    pub entitled: u64,
    pub payments: u64,
    pub revenue: i64,
    pub extensions: ExtensionTotals,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtensionRow {
    pub id: u64,
    pub at: Timestamp,
    pub customer_id: u64,
    pub customer: String,
    pub days: i64,
    pub free: bool,
    pub reason: String,
    pub by: String,
    pub expires_before: Timestamp,
    pub expires_after: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlansReport {
    pub rows: Vec<PlanRow>,
    pub extensions: Vec<ExtensionRow>,
    /// More extensions match than `extensions` holds.
    pub truncated: bool,
    pub totals: PlanTotals,
}

/// The packages with their counts and revenue, and the totals (extensions not yet counted).
fn plan_rows(
    r: &impl Reader,
    from: Option<Date>,
    to: Option<Date>,
    now: Timestamp,
    tz: &TimeZone,
) -> Result<(Vec<PlanRow>, PlanTotals), StoreError> {
    let mut rows: Vec<PlanRow> = r
        .list::<Plan>()?
        .into_iter()
        .map(|p| PlanRow {
            id: p.id,
            name: p.name,
            kind: p.kind,
            price: p.price,
            active: p.active,
            subscribers: 0,
            entitled: 0,
            payments: 0,
            revenue: 0,
        })
        .collect();
    let at: HashMap<u64, usize> = rows.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    crate::billing::summary::scan(r, |c| {
        if !c.archived
            && let Some(&i) = at.get(&c.plan_id)
        {
            rows[i].subscribers += 1;
            if c.entitled(now) {
                rows[i].entitled += 1;
            }
        }
        true
    })?;
    // Per-package revenue comes from the hourly aggregate kept with each payment, so a year
    // costs a few thousand buckets, not every payment. Days are cut in the display zone.
    let hour = |d: Option<jiff::civil::Date>| {
        d.and_then(|d| super::start_of(d, tz))
            .map(crate::billing::revenue::hour_of)
    };
    let lo = hour(from).unwrap_or(0);
    let hi = hour(to.and_then(|d| d.tomorrow().ok())).unwrap_or(u32::MAX);
    for (_, plan, amount, count) in crate::billing::revenue::by_plan(r, lo, hi)? {
        if let Some(&i) = at.get(&plan) {
            rows[i].payments += count;
            rows[i].revenue += amount;
        }
    }
    let mut t = PlanTotals {
        plans: u64::try_from(rows.len()).unwrap_or(u64::MAX),
        ..Default::default()
    };
    for p in &rows {
        t.subscribers += p.subscribers;
        t.entitled += p.entitled;
        t.payments += p.payments;
        t.revenue += p.revenue;
    }
    Ok((rows, t))
}

fn visit_extensions<E: From<StoreError>>(
    r: &impl Reader,
    f: &ExtensionFilter,
    tz: &TimeZone,
    t: &mut ExtensionTotals,
    mut each: impl FnMut(Extension) -> Result<(), E>,
) -> Result<(), E> {
    let mut failed = None;
    r.scan::<Extension>(true, |e| {
        if !f.keep(&e, tz) {
            return true;
        }
        t.add(e.days, e.free, 1);
        if let Err(x) = each(e) {
            failed = Some(x);
            return false;
        }
        true
    })?;
    failed.map_or(Ok(()), Err)
}

fn ext_row(
    r: &impl Reader,
    names: &mut super::revenue::Names,
    e: Extension,
) -> Result<ExtensionRow, StoreError> {
    Ok(ExtensionRow {
        customer: names.customer(r, e.customer_id)?,
        id: e.id,
        at: e.at,
        customer_id: e.customer_id,
        days: e.days,
        free: e.free,
        reason: e.reason,
        by: e.by,
        expires_before: e.expires_before,
        expires_after: e.expires_after,
    })
}

/// Packages over the range `ext.from..=ext.to`, with the extension history filtered by `ext`.
pub fn compute(
    r: &impl Reader,
    ext: &ExtensionFilter,
    now: Timestamp,
    tz: &TimeZone,
    limit: usize,
) -> Result<PlansReport, StoreError> {
    let (rows, mut totals) = plan_rows(r, ext.from, ext.to, now, tz)?;
    let mut names = super::revenue::Names::load(r)?;
    let mut extensions = Vec::new();
    let mut et = ExtensionTotals::default();
    visit_extensions::<StoreError>(r, ext, tz, &mut et, |e| {
        if extensions.len() < limit {
            extensions.push(ext_row(r, &mut names, e)?);
        }
        Ok(())
    })?;
    totals.extensions = et;
    let truncated = u64::try_from(extensions.len()).unwrap_or(u64::MAX) < totals.extensions.count;
    Ok(PlansReport {
        rows,
        extensions,
        truncated,
        totals,
    })
}

fn int(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

pub fn export(
    r: &impl Reader,
    ext: &ExtensionFilter,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
    sink: &mut impl Sink,
) -> Result<PlanTotals, ReportError> {
    let (rows, mut totals) = plan_rows(r, ext.from, ext.to, now, tz)?;
    sink.section(lang.t(Msg::ReportPlans))?;
    let h: Vec<&str> = [
        Msg::Number,
        Msg::Name,
        Msg::Price,
        Msg::Active,
        Msg::ReportSubscribers,
        Msg::ReportEntitled,
        Msg::ReportPayments,
        Msg::ReportRevenue,
    ]
    .iter()
    .map(|m| lang.t(*m))
    .collect();
    sink.header(&h)?;
    for p in rows {
        sink.row(&[
            int(p.id),
            Cell::Text(p.name),
            Cell::Money(p.price),
            Cell::text(lang.t(if p.active { Msg::Yes } else { Msg::No })),
            int(p.subscribers),
            int(p.entitled),
            int(p.payments),
            Cell::Money(p.revenue),
        ])?;
    }
    sink.totals(&[
        Cell::text(lang.t(Msg::Total)),
        int(totals.plans),
        Cell::Empty,
        Cell::Empty,
        int(totals.subscribers),
        int(totals.entitled),
        int(totals.payments),
        Cell::Money(totals.revenue),
    ])?;
    sink.section(lang.t(Msg::ExtensionHistory))?;
    let h: Vec<&str> = [
        Msg::When,
        Msg::MenuCustomers,
        Msg::Days,
        Msg::Free,
        Msg::Reason,
        Msg::Who,
        Msg::ExpiryDate,
    ]
    .iter()
    .map(|m| lang.t(*m))
    .collect();
    sink.header(&h)?;
    let mut names = super::revenue::Names::load(r)?;
    let mut et = ExtensionTotals::default();
    visit_extensions::<ReportError>(r, ext, tz, &mut et, |e| {
        let x = ext_row(r, &mut names, e)?;
        sink.row(&[
            Cell::DateTime(local(x.at, tz)),
            Cell::Text(x.customer),
            Cell::Int(x.days),
            Cell::text(lang.t(if x.free {
                Msg::Free
            } else {
                Msg::PaidExtension
            })),
            Cell::Text(x.reason),
            Cell::Text(x.by),
            Cell::DateTime(local(x.expires_after, tz)),
        ])
    })?;
    sink.totals(&[
        Cell::text(lang.t(Msg::Total)),
        int(et.count),
        Cell::Int(et.days),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ])?;
    totals.extensions = et;
    Ok(totals)
}
