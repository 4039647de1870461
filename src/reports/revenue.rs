//! The revenue report: payments received in a date range (reversals as their own negative
//! rows), totals overall, per method and per day or month, and the bills raised in the range.
//!
//! Payments are read through `Set::PaymentsByDay`, so a month costs a month of rows, not the
//! whole history. Customer kind, plan and router are the payment's own snapshot, taken when it
//! was recorded, so a report of last year does not change when a customer moves.

use super::{Cell, Params, ReportError, Sink, day_of, in_range, local, start_of};
use crate::billing::CustomerKind;
use crate::billing::Plan;
use crate::billing::books::{Books, PayWhere};
use crate::billing::customer::Customer;
use crate::billing::ledger::{self, BillStatus, Payment};
use crate::billing::revenue::payment_day;
use crate::i18n::{Lang, Msg};
use crate::network::Router;
use crate::store::{Reader, Set, Store, StoreError, Summary};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The payments list's and the revenue report's filters.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub customer_id: Option<u64>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub method: String,
    pub customer_kind: Option<CustomerKind>,
    pub plan_id: Option<u64>,
    pub router_id: Option<u64>,
    pub recorded_by: String,
}

impl PaymentFilter {
    pub fn from_query(q: &(impl Params + ?Sized)) -> PaymentFilter {
        PaymentFilter {
            customer_id: q.text("customer_id").parse().ok(),
            from: q.text("from").parse().ok(),
            to: q.text("to").parse().ok(),
            method: q.text("method"),
            customer_kind: CustomerKind::parse(&q.text("customer_kind")),
            plan_id: q.text("plan_id").parse().ok(),
            router_id: q.text("router_id").parse().ok(),
            recorded_by: q.text("recorded_by").to_lowercase(),
        }
    }

    pub fn keep(&self, p: &Payment, tz: &TimeZone) -> bool {
        self.customer_id.is_none_or(|c| c == p.customer_id)
            && (self.method.is_empty() || self.method == p.method)
            && self.customer_kind.is_none_or(|k| k == p.customer_kind)
            && self.plan_id.is_none_or(|id| id == p.plan_id)
            && self.router_id.is_none_or(|id| id == p.router_id)
            && (self.recorded_by.is_empty() || p.recorded_by.to_lowercase() == self.recorded_by)
            && in_range(day_of(p.received_at, tz), self.from, self.to)
    }

    /// Matching payments, newest first, at most `limit` (0: all): the payments list.
    pub fn run(
        &self,
        r: &impl Reader,
        tz: &TimeZone,
        limit: usize,
    ) -> Result<Vec<Payment>, StoreError> {
        let mut out = Vec::new();
        match self.customer_id {
            Some(c) => {
                out = ledger::payments_of(r, c)?
                    .into_iter()
                    .filter(|p| self.keep(p, tz))
                    .collect();
                out.reverse();
            }
            None => r.scan::<Payment>(true, |p| {
                if self.keep(&p, tz) {
                    out.push(p);
                }
                limit == 0 || out.len() < limit
            })?,
        }
        if limit > 0 {
            out.truncate(limit);
        }
        Ok(out)
    }

    /// `run` over the summaries (the payments without their allocations), for the payments
    /// list and its export: a customer's or a closed date range's payments start from their
    /// set, anything else (an open range's newest end included) from the newest summary, so a
    /// first page reads about what it shows.
    pub fn newest(
        &self,
        r: &impl Reader,
        tz: &TimeZone,
        limit: usize,
    ) -> Result<Vec<Payment>, StoreError> {
        let mut out = Vec::new();
        let mut bad = None;
        let mut take = |id, bytes: &[u8], out: &mut Vec<Payment>| {
            match crate::billing::summary::decode_payment(id, bytes) {
                Some(p) if self.keep(&p, tz) => out.push(p),
                Some(_) => {}
                None => bad = Some(id),
            }
            bad.is_none() && (limit == 0 || out.len() < limit)
        };
        if self.customer_id.is_some() || (self.from.is_some() && self.to.is_some()) {
            let mut ids = match self.customer_id {
                Some(c) => r.set_members(Set::PaymentsByCustomer, c)?,
                None => {
                    let mut ids = Vec::new();
                    r.set_scan(Set::PaymentsByDay, self.days(tz), |_, id| {
                        ids.push(id);
                        true
                    })?;
                    ids
                }
            };
            ids.sort_unstable_by(|a, b| b.cmp(a));
            for id in ids {
                if let Some(bytes) = r.summary(Summary::Payments, id)?
                    && !take(id, &bytes, &mut out)
                {
                    break;
                }
            }
        } else {
            r.summaries(Summary::Payments, true, |id, bytes| {
                take(id, bytes, &mut out)
            })?;
        }
        match bad {
            Some(id) => Err(StoreError::Corrupt(format!("payment summary {id}"))),
            None => Ok(out),
        }
    }

    /// The filter as the in-memory rows hold it (the customer is not among them).
    fn rows_where(&self, tz: &TimeZone) -> PayWhere {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        PayWhere {
            method: text(&self.method),
            router: self.router_id,
            plan: self.plan_id,
            organization: self.customer_kind.map(|k| k == CustomerKind::Organization),
            recorded_by: text(&self.recorded_by),
            from: self.from.and_then(|d| start_of(d, tz)),
            before: self
                .to
                .and_then(|d| d.tomorrow().ok())
                .and_then(|d| start_of(d, tz)),
        }
    }

    /// One page of the payments list, newest first: `skip` matches passed over, up to `take`
    /// shown, and whether more follow. A customer's payments come from their set; any other
    /// filter picks the page's ids from `books` and reads those summaries alone.
    pub fn page(
        &self,
        books: &Books,
        store: &Store,
        tz: &TimeZone,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<Payment>, bool), StoreError> {
        if self.customer_id.is_some() {
            let all = store.read(|r| self.newest(r, tz, skip + take + 1))?;
            return Ok(crate::billing::books::page_of(all, skip, take));
        }
        let (ids, more) = books
            .sync(store)?
            .payments(&self.rows_where(tz), skip, take);
        store.read(|r| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(bytes) = r.summary(Summary::Payments, id)? {
                    let p = crate::billing::summary::decode_payment(id, &bytes)
                        .ok_or_else(|| StoreError::Corrupt(format!("payment summary {id}")))?;
                    if self.keep(&p, tz) {
                        out.push(p);
                    }
                }
            }
            Ok((out, more))
        })
    }

    /// The UTC day numbers that can hold payments of the range (one day of slack each side
    /// for the zone offset; `keep` decides exactly).
    fn days(&self, tz: &TimeZone) -> (u64, u64) {
        let lo = self
            .from
            .and_then(|d| start_of(d, tz))
            .map_or(0, |t| payment_day(t).saturating_sub(1));
        let hi = self
            .to
            .and_then(|d| d.tomorrow().ok())
            .and_then(|d| start_of(d, tz))
            .map_or(u64::MAX, |t| payment_day(t).saturating_add(1));
        (lo, hi)
    }

    /// Visits matching payments by (UTC day, id) until `f` returns false.
    pub fn visit<E: From<StoreError>>(
        &self,
        r: &impl Reader,
        tz: &TimeZone,
        mut f: impl FnMut(Payment) -> Result<bool, E>,
    ) -> Result<(), E> {
        let mut failed = None;
        let mut go_on = true;
        let mut ids = Vec::with_capacity(1024);
        let (mut lo, hi) = self.days(tz);
        // In batches of ids, so the set is not held open while records are read.
        while go_on && lo <= hi {
            ids.clear();
            let mut last_day = None;
            r.set_scan(Set::PaymentsByDay, (lo, hi), |day, id| {
                if ids.len() >= 1024 && last_day != Some(day) {
                    return false;
                }
                last_day = Some(day);
                ids.push(id);
                true
            })?;
            let Some(day) = last_day else { break };
            let finished = ids.len() < 1024;
            for &id in &ids {
                // The compact copy carries every field a report reads.
                let p = match r.summary(Summary::Payments, id)? {
                    Some(bytes) => crate::billing::summary::decode_payment(id, &bytes),
                    None => r.get::<Payment>(id)?,
                };
                let Some(p) = p else {
                    continue;
                };
                if !self.keep(&p, tz) {
                    continue;
                }
                match f(p) {
                    Ok(true) => {}
                    Ok(false) => {
                        go_on = false;
                        break;
                    }
                    Err(e) => {
                        failed = Some(e);
                        go_on = false;
                        break;
                    }
                }
            }
            if finished || day == u64::MAX {
                break;
            }
            lo = day + 1;
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Per-day or per-month totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    #[default]
    Day,
    Month,
}

impl Group {
    pub fn parse(s: &str) -> Group {
        if s == "month" {
            Group::Month
        } else {
            Group::Day
        }
    }
    pub fn id(self) -> &'static str {
        match self {
            Group::Day => "day",
            Group::Month => "month",
        }
    }
    pub fn key(self, d: Date) -> String {
        match self {
            Group::Day => d.to_string(),
            Group::Month => format!("{:04}-{:02}", d.year(), d.month()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RevenueRow {
    pub id: u64,
    pub received_at: Timestamp,
    pub customer_id: u64,
    pub customer: String,
    pub customer_kind: CustomerKind,
    pub plan_id: u64,
    pub plan: String,
    pub router_id: u64,
    pub router: String,
    pub method: String,
    pub reference: String,
    pub recorded_by: String,
    /// Minor units; negative for a reversal.
    pub amount: i64,
    pub reversal_of: Option<u64>,
    pub reversed_by: Option<u64>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct BillTotals {
    /// Bills raised in the range (void ones excluded).
    pub count: u64,
    pub raised: i64,
    pub paid: i64,
    pub outstanding: i64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RevenueTotals {
    /// Rows, reversals included.
    pub count: u64,
    /// Sum of the positive rows.
    pub received: i64,
    /// Sum of the reversal rows (negative or zero).
    pub reversed: i64,
    /// received + reversed.
    pub net: i64,
    pub by_method: BTreeMap<String, i64>,
    pub group: Group,
    pub by_period: BTreeMap<String, i64>,
    pub bills: BillTotals,
}

impl RevenueTotals {
    fn add(&mut self, p: &Payment, group: Group, tz: &TimeZone) {
        self.count += 1;
        if p.amount >= 0 {
            self.received += p.amount;
        } else {
            self.reversed += p.amount;
        }
        self.net += p.amount;
        *self.by_method.entry(p.method.clone()).or_default() += p.amount;
        *self
            .by_period
            .entry(group.key(day_of(p.received_at, tz)))
            .or_default() += p.amount;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RevenueReport {
    pub rows: Vec<RevenueRow>,
    /// More rows match than `rows` holds (the export has them all).
    pub truncated: bool,
    pub totals: RevenueTotals,
}

/// Names of customers (read on demand, cached), plans and routers.
pub struct Names {
    customers: HashMap<u64, String>,
    pub plans: HashMap<u64, String>,
    pub routers: HashMap<u64, String>,
}

impl Names {
    pub fn load(r: &impl Reader) -> Result<Names, StoreError> {
        Ok(Names {
            customers: HashMap::new(),
            plans: r
                .list::<Plan>()?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
            routers: r
                .list::<Router>()?
                .into_iter()
                .map(|x| (x.id, x.name))
                .collect(),
        })
    }

    pub fn customer(&mut self, r: &impl Reader, id: u64) -> Result<String, StoreError> {
        if let Some(n) = self.customers.get(&id) {
            return Ok(n.clone());
        }
        let n = r.get::<Customer>(id)?.map(|c| c.name).unwrap_or_default();
        if self.customers.len() > 100_000 {
            self.customers.clear();
        }
        self.customers.insert(id, n.clone());
        Ok(n)
    }

    pub fn plan(&self, id: u64) -> String {
        self.plans.get(&id).cloned().unwrap_or_default()
    }

    pub fn router(&self, id: u64) -> String {
        self.routers.get(&id).cloned().unwrap_or_default()
    }
}

fn row(r: &impl Reader, names: &mut Names, p: Payment) -> Result<RevenueRow, StoreError> {
    Ok(RevenueRow {
        id: p.id,
        received_at: p.received_at,
        customer: names.customer(r, p.customer_id)?,
        customer_id: p.customer_id,
        customer_kind: p.customer_kind,
        plan: names.plan(p.plan_id),
        plan_id: p.plan_id,
        router: names.router(p.router_id),
        router_id: p.router_id,
        method: p.method,
        reference: p.reference,
        recorded_by: p.recorded_by,
        amount: p.amount,
        reversal_of: p.reversal_of,
        reversed_by: p.reversed_by,
        reason: p.reason,
    })
}

/// Bills raised in the range. Bill ids follow creation time, so the scan runs newest first
/// and stops at the first bill raised before the range.
pub fn bill_totals(
    r: &impl Reader,
    f: &PaymentFilter,
    tz: &TimeZone,
) -> Result<BillTotals, StoreError> {
    let mut t = BillTotals::default();
    let stop = f.from.and_then(|d| start_of(d, tz));
    let mut bad = false;
    r.summaries(Summary::Bills, true, |id, bytes| {
        let Some(b) = crate::billing::summary::decode_bill(id, bytes) else {
            bad = true;
            return false;
        };
        if stop.is_some_and(|s| b.created_at < s) {
            return false;
        }
        if b.status != BillStatus::Void
            && in_range(day_of(b.created_at, tz), f.from, f.to)
            && f.customer_id.is_none_or(|c| c == b.customer_id)
            && f.plan_id.is_none_or(|p| p == b.plan_id)
        {
            t.count += 1;
            t.raised += b.amount;
            t.paid += b.paid;
            if b.status == BillStatus::Pending {
                t.outstanding += b.amount - b.paid;
            }
        }
        true
    })?;
    if bad {
        return Err(StoreError::Corrupt("a bill summary".into()));
    }
    Ok(t)
}

/// The report with its first `limit` rows and the totals of every matching row.
pub fn compute(
    r: &impl Reader,
    f: &PaymentFilter,
    group: Group,
    tz: &TimeZone,
    limit: usize,
) -> Result<RevenueReport, StoreError> {
    let mut names = Names::load(r)?;
    let mut totals = RevenueTotals {
        group,
        ..Default::default()
    };
    let mut rows = Vec::new();
    f.visit::<StoreError>(r, tz, |p| {
        totals.add(&p, group, tz);
        if rows.len() < limit {
            rows.push(row(r, &mut names, p)?);
        }
        Ok(true)
    })?;
    totals.bills = bill_totals(r, f, tz)?;
    let truncated = u64::try_from(rows.len()).unwrap_or(u64::MAX) < totals.count;
    Ok(RevenueReport {
        rows,
        truncated,
        totals,
    })
}

pub fn kind_msg(k: CustomerKind) -> Msg {
    match k {
        CustomerKind::Individual => Msg::Individual,
        CustomerKind::Organization => Msg::Organization,
    }
}

pub fn method_msg(id: &str) -> Option<Msg> {
    Some(match id {
        "cash" => Msg::MethodCash,
        "bank_transfer" => Msg::MethodBank,
        "card" => Msg::MethodCard,
        "mobile_money" => Msg::MethodMobile,
        "other" => Msg::MethodOther,
        "qpay" => Msg::MethodQPay,
        "agent" => Msg::MethodAgent,
        _ => return None,
    })
}

pub fn method_text(lang: Lang, id: &str) -> String {
    method_msg(id).map_or_else(|| id.to_string(), |m| lang.t(m).to_string())
}

/// Writes every matching row, then the totals, per-method and per-period sections.
pub fn export(
    r: &impl Reader,
    f: &PaymentFilter,
    group: Group,
    tz: &TimeZone,
    lang: Lang,
    sink: &mut impl Sink,
) -> Result<RevenueTotals, ReportError> {
    let mut names = Names::load(r)?;
    let mut totals = RevenueTotals {
        group,
        ..Default::default()
    };
    sink.section(lang.t(Msg::ReportRevenue))?;
    let h: Vec<&str> = [
        Msg::Number,
        Msg::ReceivedAt,
        Msg::MenuCustomers,
        Msg::Kind,
        Msg::MenuPlans,
        Msg::MenuRouters,
        Msg::Method,
        Msg::Reference,
        Msg::RecordedBy,
        Msg::Amount,
        Msg::ReversalOf,
    ]
    .iter()
    .map(|m| lang.t(*m))
    .collect();
    sink.header(&h)?;
    f.visit::<ReportError>(r, tz, |p| {
        totals.add(&p, group, tz);
        let x = row(r, &mut names, p)?;
        sink.row(&[
            Cell::Int(i64::try_from(x.id).unwrap_or(i64::MAX)),
            Cell::DateTime(local(x.received_at, tz)),
            Cell::Text(x.customer),
            Cell::text(lang.t(kind_msg(x.customer_kind))),
            Cell::Text(x.plan),
            Cell::Text(x.router),
            Cell::Text(method_text(lang, &x.method)),
            Cell::Text(x.reference),
            Cell::Text(x.recorded_by),
            Cell::Money(x.amount),
            x.reversal_of.map_or(Cell::Empty, |o| {
                Cell::Int(i64::try_from(o).unwrap_or(i64::MAX))
            }),
        ])?;
        Ok(true)
    })?;
    let mut total_row = vec![Cell::Empty; 11];
    total_row[0] = Cell::text(lang.t(Msg::Total));
    total_row[1] = Cell::Int(i64::try_from(totals.count).unwrap_or(i64::MAX));
    total_row[9] = Cell::Money(totals.net);
    sink.totals(&total_row)?;

    sink.section(lang.t(Msg::ReportByMethod))?;
    sink.header(&[lang.t(Msg::Method), lang.t(Msg::Amount)])?;
    for (m, v) in &totals.by_method {
        sink.row(&[Cell::Text(method_text(lang, m)), Cell::Money(*v)])?;
    }
    sink.totals(&[Cell::text(lang.t(Msg::Total)), Cell::Money(totals.net)])?;

    sink.section(lang.t(Msg::ReportByPeriod))?;
    sink.header(&[lang.t(Msg::ReportPeriod), lang.t(Msg::Amount)])?;
    for (k, v) in &totals.by_period {
        sink.row(&[Cell::text(k.as_str()), Cell::Money(*v)])?;
    }
    sink.totals(&[Cell::text(lang.t(Msg::Total)), Cell::Money(totals.net)])?;

    totals.bills = bill_totals(r, f, tz)?;
    sink.section(lang.t(Msg::Bills))?;
    sink.header(&[
        lang.t(Msg::ReportBillsRaised),
        lang.t(Msg::Amount),
        lang.t(Msg::Paid),
        lang.t(Msg::Outstanding),
    ])?;
    sink.totals(&[
        Cell::Int(i64::try_from(totals.bills.count).unwrap_or(i64::MAX)),
        Cell::Money(totals.bills.raised),
        Cell::Money(totals.bills.paid),
        Cell::Money(totals.bills.outstanding),
    ])?;
    Ok(totals)
}
