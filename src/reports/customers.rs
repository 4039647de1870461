//! The customer report: counts by type, package, status and router, and the list of customers
//! with those columns (archived customers are left out: they are no longer served).

use super::revenue::{Names, kind_msg};
use super::{Cell, Params, ReportError, Sink, local};
use crate::billing::CustomerKind;
use crate::billing::customer::{Customer, Shown};
use crate::i18n::{Lang, Msg};
use crate::store::{Reader, StoreError};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub kind: Option<CustomerKind>,
    pub plan_id: Option<u64>,
    pub router_id: Option<u64>,
    pub status: Option<Shown>,
    /// Entitled now and expiring within this many days.
    pub expiring_within_days: Option<i64>,
}

impl CustomerFilter {
    pub fn from_query(q: &(impl Params + ?Sized)) -> CustomerFilter {
        CustomerFilter {
            kind: CustomerKind::parse(&q.text("kind")),
            plan_id: q.text("plan_id").parse().ok(),
            router_id: q.text("router_id").parse().ok(),
            status: Shown::parse(&q.text("status")),
            expiring_within_days: q
                .text("expiring_within_days")
                .parse()
                .ok()
                .filter(|d: &i64| (0..=3660).contains(d)),
        }
    }

    pub fn keep(&self, c: &Customer, now: Timestamp) -> bool {
        !c.archived
            && self.kind.is_none_or(|k| k == c.kind)
            && self.plan_id.is_none_or(|p| p == c.plan_id)
            && self.router_id.is_none_or(|r| r == c.router_id)
            && self.status.is_none_or(|s| s == c.shown(now))
            && self.expiring_within_days.is_none_or(|d| {
                c.entitled(now) && c.expires_at.as_second() - now.as_second() <= d * 86_400
            })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerRow {
    pub id: u64,
    pub name: String,
    pub kind: CustomerKind,
    pub login: String,
    pub phone: String,
    pub plan_id: u64,
    pub plan: String,
    pub router_id: u64,
    pub router: String,
    pub status: Shown,
    pub expires_at: Timestamp,
    /// Minor units.
    pub credit: i64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CustomerTotals {
    pub count: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// By plan id (as text, for JSON object keys).
    pub by_plan: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
    /// By router id (as text).
    pub by_router: BTreeMap<String, u64>,
}

impl CustomerTotals {
    fn add(&mut self, c: &Customer, now: Timestamp) {
        self.count += 1;
        *self.by_kind.entry(c.kind.id().into()).or_default() += 1;
        *self.by_plan.entry(c.plan_id.to_string()).or_default() += 1;
        *self.by_status.entry(c.shown(now).id().into()).or_default() += 1;
        *self.by_router.entry(c.router_id.to_string()).or_default() += 1;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerReport {
    pub rows: Vec<CustomerRow>,
    pub truncated: bool,
    pub totals: CustomerTotals,
}

fn row(names: &Names, c: Customer, now: Timestamp) -> CustomerRow {
    CustomerRow {
        status: c.shown(now),
        plan: names.plan(c.plan_id),
        router: names.router(c.router_id),
        id: c.id,
        name: c.name,
        kind: c.kind,
        login: c.login,
        phone: c.phone,
        plan_id: c.plan_id,
        router_id: c.router_id,
        expires_at: c.expires_at,
        credit: c.credit,
    }
}

fn visit<E: From<StoreError>>(
    r: &impl Reader,
    f: &CustomerFilter,
    now: Timestamp,
    mut each: impl FnMut(Customer) -> Result<(), E>,
) -> Result<(), E> {
    let mut failed = None;
    crate::billing::summary::scan(r, |c| {
        if f.keep(&c, now)
            && let Err(e) = each(c)
        {
            failed = Some(e);
            return false;
        }
        true
    })?;
    failed.map_or(Ok(()), Err)
}

pub fn compute(
    r: &impl Reader,
    f: &CustomerFilter,
    now: Timestamp,
    limit: usize,
) -> Result<CustomerReport, StoreError> {
    let names = Names::load(r)?;
    let mut totals = CustomerTotals::default();
    let mut rows = Vec::new();
    visit::<StoreError>(r, f, now, |c| {
        totals.add(&c, now);
        if rows.len() < limit {
            rows.push(row(&names, c, now));
        }
        Ok(())
    })?;
    let truncated = u64::try_from(rows.len()).unwrap_or(u64::MAX) < totals.count;
    Ok(CustomerReport {
        rows,
        truncated,
        totals,
    })
}

pub fn status_msg(s: Shown) -> Msg {
    match s {
        Shown::Active => Msg::Active,
        Shown::Expired => Msg::Expired,
        Shown::Suspended => Msg::Suspended,
        Shown::Disabled => Msg::Disabled,
    }
}

pub fn export(
    r: &impl Reader,
    f: &CustomerFilter,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
    sink: &mut impl Sink,
) -> Result<CustomerTotals, ReportError> {
    let names = Names::load(r)?;
    let mut totals = CustomerTotals::default();
    sink.section(lang.t(Msg::ReportCustomers))?;
    let h: Vec<&str> = [
        Msg::Number,
        Msg::Name,
        Msg::Kind,
        Msg::Username,
        Msg::Phone,
        Msg::MenuPlans,
        Msg::MenuRouters,
        Msg::Status,
        Msg::ExpiryDate,
        Msg::Credit,
    ]
    .iter()
    .map(|m| lang.t(*m))
    .collect();
    sink.header(&h)?;
    visit::<ReportError>(r, f, now, |c| {
        totals.add(&c, now);
        let x = row(&names, c, now);
        sink.row(&[
            Cell::Int(i64::try_from(x.id).unwrap_or(i64::MAX)),
            Cell::Text(x.name),
            Cell::text(lang.t(kind_msg(x.kind))),
            Cell::Text(x.login),
            Cell::Text(x.phone),
            Cell::Text(x.plan),
            Cell::Text(x.router),
            Cell::text(lang.t(status_msg(x.status))),
            Cell::DateTime(local(x.expires_at, tz)),
            Cell::Money(x.credit),
        ])
    })?;
    let mut t = vec![Cell::Empty; 10];
    t[0] = Cell::text(lang.t(Msg::Total));
    t[1] = Cell::Int(i64::try_from(totals.count).unwrap_or(i64::MAX));
    sink.totals(&t)?;
    let groups: [(Msg, Vec<(String, u64)>); 4] = [
        (
            Msg::Kind,
            totals
                .by_kind
                .iter()
                .map(|(k, n)| {
                    let label =
                        CustomerKind::parse(k).map_or(k.clone(), |k| lang.t(kind_msg(k)).into());
                    (label, *n)
                })
                .collect(),
        ),
        (
            Msg::MenuPlans,
            totals
                .by_plan
                .iter()
                .map(|(k, n)| (k.parse().map(|id| names.plan(id)).unwrap_or_default(), *n))
                .collect(),
        ),
        (
            Msg::Status,
            totals
                .by_status
                .iter()
                .map(|(k, n)| {
                    let label = Shown::parse(k).map_or(k.clone(), |s| lang.t(status_msg(s)).into());
                    (label, *n)
                })
                .collect(),
        ),
        (
            Msg::MenuRouters,
            totals
                .by_router
                .iter()
                .map(|(k, n)| (k.parse().map(|id| names.router(id)).unwrap_or_default(), *n))
                .collect(),
        ),
    ];
    for (title, counts) in groups {
        sink.section(lang.t(title))?;
        sink.header(&[lang.t(title), lang.t(Msg::ReportCount)])?;
        for (label, n) in counts {
            sink.row(&[
                Cell::Text(label),
                Cell::Int(i64::try_from(n).unwrap_or(i64::MAX)),
            ])?;
        }
        sink.totals(&[
            Cell::text(lang.t(Msg::Total)),
            Cell::Int(i64::try_from(totals.count).unwrap_or(i64::MAX)),
        ])?;
    }
    Ok(totals)
}
