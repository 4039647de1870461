//! The ledger's lists in memory: one 24-byte row per payment, bill and extension with what
//! the payments, bills and extensions lists filter on, and running totals, kept in step with
//! every commit by `store::Follower`. A page picks its ids here and then reads only its own
//! records, so a filter that matches one payment in a hundred costs a walk over rows, not over
//! the store, and a total costs nothing.
//!
//! The rows pre-filter; the records read for the page decide. Fields are narrowed so that
//! equal values stay equal (an id past `u32::MAX` or a time past 2106 saturates, a name past
//! the interned ones shares one code), so a row is never wrongly left out.

use super::ledger::{Bill, BillStatus, Extension, Payment};
use crate::reports::plans::ExtensionTotals;
use crate::store::{Current, Follower, Kind, Model, Read, Reader, Store, StoreError, Summary};
use jiff::Timestamp;

/// Rows a list page shows.
pub const PER_PAGE: usize = 100;

struct PayRow {
    id: u64,
    at: u32,
    router: u32,
    plan: u32,
    method: u8,
    /// `CustomerKind` as 0 (individual) or 1.
    kind: u8,
    by: u16,
}

/// The payments' rows by column, in id order: a filter compares one column at a time over 64
/// rows into a bit mask, and once a column has left few rows the next ones look only at those,
/// so a filter that matches nothing still passes 500,000 payments in a fraction of a
/// millisecond.
#[derive(Default)]
struct Pays {
    id: Vec<u64>,
    at: Vec<u32>,
    router: Vec<u32>,
    plan: Vec<u32>,
    method: Vec<u8>,
    kind: Vec<u8>,
    by: Vec<u16>,
}

/// Bit `j` set where `col[j]` (at most 64) lies in `lo..=hi`. The tests fill a byte array
/// without a branch; each 8 bytes of 0 or 1 are then gathered into 8 bits by one
/// multiplication (byte `i`'s low bit lands on bit 56 + `i`). (At opt-level "s" the compiler
/// does not vectorize the loop.) One function for equality and ranges keeps the router build
/// small.
fn mask<T: Copy + Into<u32>>(col: &[T], lo: T, hi: T) -> u64 {
    // One unsigned compare per value: `x - lo` wraps past `hi - lo` when `x < lo`.
    let (lo, span) = (lo.into(), hi.into().wrapping_sub(lo.into()));
    let mut hit = [0u8; 64];
    for (h, &x) in hit.iter_mut().zip(col) {
        *h = u8::from(x.into().wrapping_sub(lo) <= span);
    }
    hit.chunks_exact(8).enumerate().fold(0, |m, (k, eight)| {
        let b = u64::from_le_bytes(eight.try_into().unwrap_or([0; 8]));
        m | ((b.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k))
    })
}

impl Pays {
    fn len(&self) -> usize {
        self.id.len()
    }

    fn push(&mut self, r: PayRow) {
        self.insert(self.len(), r);
    }

    fn insert(&mut self, i: usize, r: PayRow) {
        self.id.insert(i, r.id);
        self.at.insert(i, r.at);
        self.router.insert(i, r.router);
        self.plan.insert(i, r.plan);
        self.method.insert(i, r.method);
        self.kind.insert(i, r.kind);
        self.by.insert(i, r.by);
    }

    fn set(&mut self, i: usize, r: PayRow) {
        (self.at[i], self.router[i], self.plan[i]) = (r.at, r.router, r.plan);
        (self.method[i], self.kind[i], self.by[i]) = (r.method, r.kind, r.by);
    }

    fn remove(&mut self, i: usize) {
        self.id.remove(i);
        self.at.remove(i);
        self.router.remove(i);
        self.plan.remove(i);
        self.method.remove(i);
        self.kind.remove(i);
        self.by.remove(i);
    }

    fn put(&mut self, id: u64, row: Option<PayRow>) {
        match (self.id.binary_search(&id), row) {
            (Ok(i), Some(r)) => self.set(i, r),
            (Ok(i), None) => self.remove(i),
            (Err(i), Some(r)) => self.insert(i, r),
            (Err(_), None) => {}
        }
    }

    fn reserve(&mut self, n: u64) {
        let n = usize::try_from(n).unwrap_or(0);
        self.id.reserve_exact(n);
        self.at.reserve_exact(n);
        self.router.reserve_exact(n);
        self.plan.reserve_exact(n);
        self.method.reserve_exact(n);
        self.kind.reserve_exact(n);
        self.by.reserve_exact(n);
    }

    fn shrink_to_fit(&mut self) {
        self.id.shrink_to_fit();
        self.at.shrink_to_fit();
        self.router.shrink_to_fit();
        self.plan.shrink_to_fit();
        self.method.shrink_to_fit();
        self.kind.shrink_to_fit();
        self.by.shrink_to_fit();
    }

    fn bytes(&self) -> usize {
        self.id.capacity() * 8
            + (self.at.capacity() + self.router.capacity() + self.plan.capacity()) * 4
            + self.method.capacity()
            + self.kind.capacity()
            + self.by.capacity() * 2
    }

    /// Which of rows `from..from + 64` (fewer at the end) match. The likeliest to narrow
    /// (router, package, recorder) go first, so that the rest mostly look at a few rows alone.
    fn matches(&self, q: &PayQuery, from: usize) -> u64 {
        let r = from..(from + 64).min(self.len());
        let mut m = match r.len() {
            64 => u64::MAX,
            n => (1 << n) - 1,
        };
        m = keep_in(m, &self.router[r.clone()], one(q.router));
        m = keep_in(m, &self.plan[r.clone()], one(q.plan));
        m = keep_in(m, &self.by[r.clone()], one(q.by));
        m = keep_in(m, &self.method[r.clone()], one(q.method));
        m = keep_in(m, &self.kind[r.clone()], one(q.kind));
        keep_in(m, &self.at[r], (q.at != (0, u32::MAX)).then_some(q.at))
    }
}

/// A wanted value as the range of it alone.
fn one<T: Copy>(v: Option<T>) -> Option<(T, T)> {
    v.map(|v| (v, v))
}

/// The rows of `m` whose `col` value lies in `want` (all of them when `None`): a whole-chunk
/// mask while many rows are left, and each row alone once few are.
fn keep_in<T: Copy + Into<u32>>(m: u64, col: &[T], want: Option<(T, T)>) -> u64 {
    let Some((lo, hi)) = want else { return m };
    if m.count_ones() > 8 {
        return m & mask(col, lo, hi);
    }
    let (lo, span) = (lo.into(), hi.into().wrapping_sub(lo.into()));
    let (mut left, mut kept) = (m, m);
    while left != 0 {
        let j = left.trailing_zeros() as usize;
        left &= left - 1;
        if col.get(j).is_none_or(|&x| x.into().wrapping_sub(lo) > span) {
            kept &= !(1 << j);
        }
    }
    kept
}

/// A payments filter in the columns' codes.
struct PayQuery {
    method: Option<u8>,
    router: Option<u32>,
    plan: Option<u32>,
    kind: Option<u8>,
    by: Option<u16>,
    at: (u32, u32),
}

struct BillRow {
    id: u64,
    /// What a pending bill still owes.
    owed: i64,
    status: BillStatus,
}

struct ExtRow {
    id: u64,
    days: i64,
    at: u32,
    by: u16,
    free: bool,
}

/// Names given small codes in the order first seen; past `max` they all share `max`. Kept
/// sorted by name for lookups (methods and people are few).
#[derive(Default)]
struct Codes {
    of: Vec<(Box<str>, u16)>,
}

impl Codes {
    fn at(&self, name: &str) -> Result<usize, usize> {
        self.of.binary_search_by(|(n, _)| (**n).cmp(name))
    }
    fn code(&mut self, name: &str, max: u16) -> u16 {
        match self.at(name) {
            Ok(i) => self.of[i].1,
            Err(i) => {
                let next = u16::try_from(self.of.len()).unwrap_or(max).min(max);
                if next < max {
                    self.of.insert(i, (name.into(), next));
                }
                next
            }
        }
    }
    /// The code a filter for `name` compares with: a name never seen can only be among the
    /// shared code's rows.
    fn find(&self, name: &str, max: u16) -> u16 {
        self.at(name).map_or(max, |i| self.of[i].1)
    }
}

const METHODS: u16 = u8::MAX as u16;
const PEOPLE: u16 = u16::MAX;

fn narrow(id: u64) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

fn second(t: Timestamp) -> u32 {
    u32::try_from(t.as_second().max(0)).unwrap_or(u32::MAX)
}

fn by_id<T>(rows: &mut Vec<T>, id: u64, key: impl Fn(&T) -> u64, row: Option<T>) -> Option<T> {
    match (rows.binary_search_by_key(&id, key), row) {
        (Ok(i), Some(row)) => Some(std::mem::replace(&mut rows[i], row)),
        (Ok(i), None) => Some(rows.remove(i)),
        (Err(i), Some(row)) => {
            rows.insert(i, row);
            None
        }
        (Err(_), None) => None,
    }
}

/// Bills of one status: how many, and what the pending ones still owe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BillCount {
    pub count: u64,
    pub owed: i64,
}

#[derive(Default)]
pub struct Ledger {
    pays: Pays,
    bills: Vec<BillRow>,
    exts: Vec<ExtRow>,
    methods: Codes,
    people: Codes,
    /// Pending, paid, void.
    bill_counts: [BillCount; 3],
    ext_totals: ExtensionTotals,
}

fn slot(s: BillStatus) -> usize {
    match s {
        BillStatus::Pending => 0,
        BillStatus::Paid => 1,
        BillStatus::Void => 2,
    }
}

impl Ledger {
    fn pay_row(&mut self, p: &Payment) -> PayRow {
        PayRow {
            id: p.id,
            at: second(p.received_at),
            router: narrow(p.router_id),
            plan: narrow(p.plan_id),
            method: u8::try_from(self.methods.code(&p.method, METHODS)).unwrap_or(u8::MAX),
            kind: u8::from(p.customer_kind == super::CustomerKind::Organization),
            by: self.people.code(&p.recorded_by.to_lowercase(), PEOPLE),
        }
    }

    fn put_bill(&mut self, id: u64, row: Option<BillRow>) {
        let count = |c: &mut BillCount, b: &BillRow, sign: i64| {
            c.count = c.count.saturating_add_signed(sign);
            c.owed += sign * b.owed;
        };
        if let Some(b) = &row {
            count(&mut self.bill_counts[slot(b.status)], b, 1);
        }
        if let Some(old) = by_id(&mut self.bills, id, |b| b.id, row) {
            count(&mut self.bill_counts[slot(old.status)], &old, -1);
        }
    }

    fn put_ext(&mut self, id: u64, e: Option<&Extension>) {
        let row = e.map(|e| ExtRow {
            id: e.id,
            days: e.days,
            at: second(e.at),
            by: self.people.code(&e.by.to_lowercase(), PEOPLE),
            free: e.free,
        });
        if let Some(r) = &row {
            self.ext_totals.add(r.days, r.free, 1);
        }
        if let Some(old) = by_id(&mut self.exts, id, |e| e.id, row) {
            self.ext_totals.add(old.days, old.free, -1);
        }
    }
}

fn bill_row(id: u64, bytes: &[u8]) -> Result<BillRow, StoreError> {
    let b = super::summary::decode_bill(id, bytes)
        .ok_or_else(|| StoreError::Corrupt(format!("bill summary {id}")))?;
    Ok(BillRow {
        id,
        owed: if b.status == BillStatus::Pending {
            b.amount - b.paid
        } else {
            0
        },
        status: b.status,
    })
}

fn payment(id: u64, bytes: &[u8]) -> Result<Payment, StoreError> {
    super::summary::decode_payment(id, bytes)
        .ok_or_else(|| StoreError::Corrupt(format!("payment summary {id}")))
}

impl Model for Ledger {
    const KINDS: &'static [Kind] = &[Kind::Payments, Kind::Bills, Kind::Extensions];

    fn rebuild(&mut self, r: &Read) -> Result<(), StoreError> {
        let mut fresh = Ledger::default();
        // Sized before, so the build never holds a column and its doubled copy at once.
        fresh.pays.reserve(r.summary_count(Summary::Payments)?);
        fresh
            .bills
            .reserve_exact(usize::try_from(r.summary_count(Summary::Bills)?).unwrap_or(0));
        let mut bad = None;
        r.summaries(Summary::Payments, false, |id, bytes| {
            match payment(id, bytes) {
                Ok(p) => {
                    let row = fresh.pay_row(&p);
                    fresh.pays.push(row);
                    true
                }
                Err(e) => {
                    bad = Some(e);
                    false
                }
            }
        })?;
        r.summaries(Summary::Bills, false, |id, bytes| {
            match bill_row(id, bytes) {
                Ok(b) => {
                    fresh.bill_counts[slot(b.status)].count += 1;
                    fresh.bill_counts[slot(b.status)].owed += b.owed;
                    fresh.bills.push(b);
                    true
                }
                Err(e) => {
                    bad = Some(e);
                    false
                }
            }
        })?;
        if let Some(e) = bad {
            return Err(e);
        }
        r.scan::<Extension>(false, |e| {
            let id = e.id;
            fresh.put_ext(id, Some(&e));
            true
        })?;
        fresh.pays.shrink_to_fit();
        fresh.bills.shrink_to_fit();
        fresh.exts.shrink_to_fit();
        *self = fresh;
        Ok(())
    }

    fn refresh(&mut self, r: &Read, kind: Kind, id: u64) -> Result<(), StoreError> {
        match kind {
            Kind::Payments => {
                let row = match r.summary(Summary::Payments, id)? {
                    Some(bytes) => Some(self.pay_row(&payment(id, &bytes)?)),
                    None => None,
                };
                self.pays.put(id, row);
            }
            Kind::Bills => {
                let row = match r.summary(Summary::Bills, id)? {
                    Some(bytes) => Some(bill_row(id, &bytes)?),
                    None => None,
                };
                self.put_bill(id, row);
            }
            Kind::Extensions => {
                let e = r.get::<Extension>(id)?;
                self.put_ext(id, e.as_ref());
            }
            _ => {}
        }
        Ok(())
    }
}

/// What the payments list filters on, as the rows hold it.
#[derive(Debug, Clone, Default)]
pub struct PayWhere {
    pub method: Option<String>,
    pub router: Option<u64>,
    pub plan: Option<u64>,
    pub organization: Option<bool>,
    /// Lower-cased.
    pub recorded_by: Option<String>,
    /// Received from this instant on, and before the second.
    pub from: Option<Timestamp>,
    pub before: Option<Timestamp>,
}

/// What the extensions list filters on, as the rows hold it.
#[derive(Debug, Clone, Default)]
pub struct ExtWhere {
    pub free: Option<bool>,
    /// Lower-cased.
    pub by: Option<String>,
    pub from: Option<Timestamp>,
    pub before: Option<Timestamp>,
}

impl ExtWhere {
    fn is_everything(&self) -> bool {
        self.free.is_none() && self.by.is_none() && self.from.is_none() && self.before.is_none()
    }
}

/// The seconds `[from, before)` as the rows' narrowed seconds, both ends included.
fn seconds(from: Option<Timestamp>, before: Option<Timestamp>) -> (u32, u32) {
    let lo = from.map_or(0, second);
    let hi = before.map_or(u32::MAX, |t| {
        second(
            t.checked_sub(jiff::SignedDuration::from_secs(1))
                .unwrap_or(t),
        )
    });
    (lo, hi)
}

/// A page's ids, newest first: `skip` matches passed over, then up to `take`; and whether
/// more match after them.
fn newest<T>(
    rows: &[T],
    keep: impl Fn(&T) -> bool,
    id: impl Fn(&T) -> u64,
    skip: usize,
    take: usize,
) -> (Vec<u64>, bool) {
    let mut it = rows.iter().rev().filter(|r| keep(r)).skip(skip);
    let ids: Vec<u64> = it.by_ref().take(take).map(&id).collect();
    let more = it.next().is_some();
    (ids, more)
}

impl Ledger {
    /// Payments matching `w`, newest first (see `newest`).
    pub fn payments(&self, w: &PayWhere, skip: usize, take: usize) -> (Vec<u64>, bool) {
        let method = w.method.as_deref().map(|m| self.methods.find(m, METHODS));
        let by = w
            .recorded_by
            .as_deref()
            .map(|b| self.people.find(b, PEOPLE));
        let (router, plan) = (w.router.map(narrow), w.plan.map(narrow));
        let kind = w.organization.map(u8::from);
        let (lo, hi) = seconds(w.from, w.before);
        if lo > hi {
            // A range that ends before it starts.
            return (Vec::new(), false);
        }
        let q = PayQuery {
            method: method.map(|m| u8::try_from(m.min(METHODS)).unwrap_or(u8::MAX)),
            router,
            plan,
            kind,
            by,
            at: (lo, hi),
        };
        let (mut ids, mut seen, mut more) = (Vec::with_capacity(take.min(1_000)), 0, false);
        // Chunks of 64 from the newest, and each chunk's matches newest first.
        'chunks: for from in (0..self.pays.len()).step_by(64).rev() {
            let mut m = self.pays.matches(&q, from);
            while m != 0 {
                let bit = 63 - m.leading_zeros() as usize;
                m &= !(1 << bit);
                seen += 1;
                if ids.len() == take {
                    more = true;
                    break 'chunks;
                }
                if seen > skip {
                    ids.push(self.pays.id[from + bit]);
                }
            }
        }
        (ids, more)
    }

    /// Bills of `status` (any when `None`), newest first (see `newest`).
    pub fn bills(&self, status: Option<BillStatus>, skip: usize, take: usize) -> (Vec<u64>, bool) {
        let keep = |b: &BillRow| status.is_none_or(|s| b.status == s);
        newest(&self.bills, keep, |b| b.id, skip, take)
    }

    /// How many bills there are of `status` (all when `None`), and what pending ones owe.
    pub fn bill_count(&self, status: Option<BillStatus>) -> BillCount {
        match status {
            Some(s) => self.bill_counts[slot(s)],
            None => self
                .bill_counts
                .iter()
                .fold(BillCount::default(), |a, c| BillCount {
                    count: a.count + c.count,
                    owed: a.owed + c.owed,
                }),
        }
    }

    /// Extensions matching `w`, newest first (see `newest`), with the totals of every match.
    pub fn extensions(
        &self,
        w: &ExtWhere,
        skip: usize,
        take: usize,
    ) -> (Vec<u64>, bool, ExtensionTotals) {
        let by = w.by.as_deref().map(|b| self.people.find(b, PEOPLE));
        let (lo, hi) = seconds(w.from, w.before);
        let keep = |e: &ExtRow| {
            w.free.is_none_or(|f| e.free == f)
                && by.is_none_or(|b| e.by == b)
                && (lo..=hi).contains(&e.at)
        };
        let totals = if w.is_everything() {
            self.ext_totals.clone()
        } else {
            let mut t = ExtensionTotals::default();
            for e in self.exts.iter().filter(|e| keep(e)) {
                t.add(e.days, e.free, 1);
            }
            t
        };
        let (ids, more) = newest(&self.exts, keep, |e| e.id, skip, take);
        (ids, more, totals)
    }

    /// Rows held of payments, bills and extensions, and the bytes they take.
    pub fn size(&self) -> ([usize; 3], usize) {
        (
            [self.pays.len(), self.bills.len(), self.exts.len()],
            self.pays.bytes()
                + self.bills.capacity() * std::mem::size_of::<BillRow>()
                + self.exts.capacity() * std::mem::size_of::<ExtRow>(),
        )
    }
}

/// The page of a whole list (a customer's few payments, bills or extensions): `skip` passed
/// over, up to `take` kept, and whether more follow.
pub fn page_of<T>(mut all: Vec<T>, skip: usize, take: usize) -> (Vec<T>, bool) {
    let end = skip.saturating_add(take);
    let more = all.len() > end;
    all.truncate(end);
    let page = all.split_off(skip.min(all.len()));
    (page, more)
}

/// The read model; cheap to clone (every clone is the same). Pair it with one store.
#[derive(Clone, Default)]
pub struct Books(Follower<Ledger>);

impl Books {
    /// The rows brought up to the store's latest commit.
    pub fn sync(&self, store: &Store) -> Result<Current<'_, Ledger>, StoreError> {
        self.0.sync(store)
    }

    /// One page of bills of `status` (any when `None`): pending ones earliest due first, from
    /// the pending index, the others newest first; only the page's bills are read whole. With
    /// the count and what is owed of every bill of the status, and whether more follow.
    pub fn bills_page(
        &self,
        store: &Store,
        status: Option<BillStatus>,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<Bill>, BillCount, bool), StoreError> {
        let (ids, count) = {
            let l = self.sync(store)?;
            let count = l.bill_count(status);
            match status {
                Some(BillStatus::Pending) => (None, count),
                _ => (Some(l.bills(status, skip, take)), count),
            }
        };
        store.read(|r| {
            let (ids, more) = match ids {
                Some(page) => page,
                None => {
                    let (mut ids, mut seen, mut more) = (Vec::with_capacity(take), 0, false);
                    super::pending::scan(r, |_, id, _| {
                        seen += 1;
                        if ids.len() == take {
                            more = true;
                        } else if seen > skip {
                            ids.push(id);
                        }
                        !more
                    })?;
                    (ids, more)
                }
            };
            let mut bills = Vec::with_capacity(ids.len());
            for id in ids {
                bills.extend(r.get::<Bill>(id)?);
            }
            Ok((bills, count, more))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::CustomerKind;
    use crate::billing::summary::{encode_bill, encode_payment};
    use crate::reports::plans::ExtensionFilter;
    use crate::reports::revenue::PaymentFilter;
    use crate::store::Set;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    const METHODS: [&str; 3] = ["cash", "card", "qpay"];
    const PEOPLE: [&str; 3] = ["Cashier", "cashier", "Болд"];

    fn t(hours: i64) -> Timestamp {
        Timestamp::from_second(1_767_225_600 + hours * 3_600).unwrap()
    }

    fn payment(id: u64) -> Payment {
        let i = usize::try_from(id).unwrap();
        Payment {
            id,
            customer_id: id % 7 + 1,
            amount: 1_000 * i64::try_from(id).unwrap(),
            method: METHODS[i % 3].into(),
            bank_account_id: None,
            reference: String::new(),
            received_at: t(i64::try_from(id * 5 % 97).unwrap() * 11),
            recorded_at: t(0),
            recorded_by: PEOPLE[i % 5 % 3].into(),
            allocations: Vec::new(),
            reversed_by: None,
            reversal_of: None,
            reason: String::new(),
            plan_id: id % 2 + 1,
            router_id: if id.is_multiple_of(11) {
                u64::MAX
            } else {
                id % 4 + 1
            },
            customer_kind: if id.is_multiple_of(3) {
                CustomerKind::Organization
            } else {
                CustomerKind::Individual
            },
            before: None,
        }
    }

    fn bill(id: u64, status: BillStatus) -> Bill {
        Bill {
            id,
            customer_id: id % 7 + 1,
            plan_id: 1,
            amount: 5_000,
            paid: i64::try_from(id % 3).unwrap() * 1_000,
            period_start: t(0),
            period_end: t(24),
            due: t(i64::try_from(id).unwrap()),
            status,
            duration_secs: 86_400,
            extended_secs: 0,
            created_at: t(0),
            created_by: String::new(),
            note: String::new(),
        }
    }

    fn extension(id: u64) -> Extension {
        Extension {
            id,
            customer_id: id % 5 + 1,
            days: i64::try_from(id % 9).unwrap() + 1,
            free: id.is_multiple_of(2),
            reason: String::new(),
            by: PEOPLE[usize::try_from(id).unwrap() % 3].into(),
            at: t(i64::try_from(id * 7 % 53).unwrap() * 13),
            expires_before: t(0),
            expires_after: t(24),
            bulk: String::new(),
        }
    }

    fn put_payments(store: &Store, ids: impl Iterator<Item = u64>) {
        store
            .write(|w| {
                for id in ids {
                    let p = payment(id);
                    w.put(id, &p)?;
                    w.summary_put(Summary::Payments, id, &encode_payment(&p))?;
                    w.set_add(Set::PaymentsByCustomer, p.customer_id, id)?;
                    let day = crate::billing::revenue::payment_day(p.received_at);
                    w.set_add(Set::PaymentsByDay, day, id)?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    fn put_bill(store: &Store, b: &Bill) {
        store
            .write(|w| {
                w.put(b.id, b)?;
                w.summary_put(Summary::Bills, b.id, &encode_bill(b))
            })
            .unwrap();
    }

    /// Every page of `page` joined, checked against the reference list.
    fn pages<T: PartialEq + std::fmt::Debug>(
        reference: &[T],
        per: usize,
        page: impl Fn(usize, usize) -> (Vec<T>, bool),
        what: &str,
    ) {
        let mut seen = 0;
        loop {
            let (got, more) = page(seen, per);
            let want = reference
                .get(seen..(seen + per).min(reference.len()))
                .unwrap_or(&[]);
            assert_eq!(got, want, "{what}: page at {seen}");
            seen += got.len();
            assert_eq!(more, seen < reference.len(), "{what}: more after {seen}");
            if !more {
                break;
            }
        }
    }

    fn payment_filters() -> Vec<PaymentFilter> {
        let mut all = vec![PaymentFilter::default()];
        for m in ["", "card", "qpay", "never used"] {
            for r in [None, Some(2), Some(u64::MAX)] {
                for by in ["", "cashier", "болд"] {
                    for k in [None, Some(CustomerKind::Organization)] {
                        all.push(PaymentFilter {
                            method: m.into(),
                            router_id: r,
                            recorded_by: by.into(),
                            customer_kind: k,
                            ..Default::default()
                        });
                    }
                }
            }
        }
        for (from, to) in [
            (Some(date(2026, 1, 3)), None),
            (None, Some(date(2026, 1, 20))),
            (Some(date(2026, 1, 10)), Some(date(2026, 1, 12))),
            (Some(date(2026, 1, 12)), Some(date(2026, 1, 10))),
        ] {
            for plan_id in [None, Some(2)] {
                all.push(PaymentFilter {
                    from,
                    to,
                    plan_id,
                    ..Default::default()
                });
            }
        }
        all.push(PaymentFilter {
            customer_id: Some(3),
            method: "cash".into(),
            ..Default::default()
        });
        all
    }

    fn check_payments(books: &Books, store: &Store, tz: &TimeZone) {
        for f in payment_filters() {
            let reference: Vec<u64> = store
                .read(|r| f.newest(r, tz, 0))
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect();
            for per in [7, 100] {
                pages(
                    &reference,
                    per,
                    |skip, take| {
                        let (got, more) = f.page(books, store, tz, skip, take).unwrap();
                        (got.iter().map(|p| p.id).collect(), more)
                    },
                    &format!("{f:?}"),
                );
            }
        }
    }

    fn check_extensions(books: &Books, store: &Store, tz: &TimeZone) {
        for free in [None, Some(true), Some(false)] {
            for by in ["", "cashier", "болд", "nobody"] {
                for (from, to) in [
                    (None, None),
                    (Some(date(2026, 1, 5)), Some(date(2026, 1, 9))),
                ] {
                    for customer_id in [None, Some(2)] {
                        let f = ExtensionFilter {
                            customer_id,
                            free,
                            by: by.into(),
                            from,
                            to,
                        };
                        let all = store.read(|r| f.run(r, tz)).unwrap();
                        let mut want = ExtensionTotals::default();
                        for e in &all {
                            want.add(e.days, e.free, 1);
                        }
                        let reference: Vec<u64> = all.iter().map(|e| e.id).collect();
                        pages(
                            &reference,
                            6,
                            |skip, take| {
                                let (got, more, totals) =
                                    f.page(books, store, tz, skip, take).unwrap();
                                assert_eq!(totals, want, "{f:?}");
                                (got.iter().map(|e| e.id).collect(), more)
                            },
                            &format!("{f:?}"),
                        );
                    }
                }
            }
        }
    }

    fn check_bills(books: &Books, store: &Store) {
        let all: Vec<Bill> = store.read(|r| r.list::<Bill>()).unwrap();
        for status in [
            None,
            Some(BillStatus::Pending),
            Some(BillStatus::Paid),
            Some(BillStatus::Void),
        ] {
            let mut of: Vec<&Bill> = all
                .iter()
                .filter(|b| status.is_none_or(|s| b.status == s))
                .collect();
            of.sort_by_key(|b| std::cmp::Reverse(b.id));
            let owed = of
                .iter()
                .filter(|b| b.status == BillStatus::Pending)
                .map(|b| b.amount - b.paid)
                .sum();
            let l = books.sync(store).unwrap();
            assert_eq!(
                l.bill_count(status),
                BillCount {
                    count: of.len() as u64,
                    owed
                },
                "{status:?}"
            );
            let reference: Vec<u64> = of.iter().map(|b| b.id).collect();
            pages(
                &reference,
                4,
                |skip, take| l.bills(status, skip, take),
                "bills",
            );
        }
    }

    #[test]
    fn pages_and_totals_are_those_of_the_store_through_every_kind_of_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let tz = TimeZone::get("Asia/Ulaanbaatar").unwrap_or(TimeZone::UTC);
        put_payments(&store, 1..=300);
        for id in 1..=40 {
            let status = [BillStatus::Pending, BillStatus::Paid, BillStatus::Void][id % 3];
            put_bill(&store, &bill(id as u64, status));
        }
        store
            .write(|w| {
                for id in 1..=60 {
                    let e = extension(id);
                    w.put(id, &e)?;
                    w.set_add(Set::ExtensionsByCustomer, e.customer_id, id)?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let books = Books::default();
        check_payments(&books, &store, &tz);
        check_bills(&books, &store);
        check_extensions(&books, &store, &tz);

        // Changes after the rows were built: new payments, one rewritten (as a reversal
        // rewrites its summary), bills paid and voided, an extension changed and one removed.
        put_payments(&store, 301..=340);
        store
            .write(|w| {
                let mut p = payment(17);
                p.method = "qpay".into();
                p.recorded_by = "Болд".into();
                w.put(17, &p)?;
                w.summary_put(Summary::Payments, 17, &encode_payment(&p))
            })
            .unwrap();
        let mut b = bill(3, BillStatus::Pending);
        b.paid = 4_000;
        put_bill(&store, &b);
        put_bill(&store, &bill(4, BillStatus::Paid));
        put_bill(&store, &bill(41, BillStatus::Pending));
        store
            .write(|w| {
                let mut e = extension(8);
                e.days = 30;
                e.free = false;
                w.put(8, &e)?;
                w.remove::<Extension>(9)?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        check_payments(&books, &store, &tz);
        check_bills(&books, &store);
        check_extensions(&books, &store, &tz);
        let (held, bytes) = books.0.peek().size();
        assert_eq!(held, [340, 41, 59]);
        let row = [
            std::mem::size_of::<BillRow>(),
            std::mem::size_of::<ExtRow>(),
        ];
        assert_eq!(row, [24; 2]);
        assert!(books.0.peek().pays.bytes() >= 24 * 340);
        assert!(bytes >= 24 * (340 + 41 + 59));
    }
}
