//! Invoices as the ledger sees them: what a customer owes when they open one, the invoice's life
//! (opened, given QPay's answer, checked, paid, expired) and turning what QPay reports paid into
//! ordinary payments. No network here: the operations layer talks to QPay between transactions.

use super::settings::QPaySettings;
use crate::audit::{Actor, Via};
use crate::billing::ledger::{self, NewPayment, Recorded};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::customer::Customer;
use crate::model::invoice::{BankLink, Invoice, InvoiceStatus};
use crate::model::ledger::BillStatus;
use crate::model::plan::Plan;
use crate::model::{CustomerId, Money};
use crate::store::{Reader, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::{SignedDuration, Timestamp};

/// The payment method QPay payments are recorded under (beside the counter's methods).
pub const METHOD: &str = "qpay";
/// At most this many bank-app links are kept per invoice.
const MAX_LINKS: usize = 20;
/// At most this many payments are taken from one invoice's check.
pub const MAX_PAYMENTS: usize = 20;

/// Who acts when QPay's word changes the ledger.
pub fn actor() -> Actor {
    Actor {
        admin_id: None,
        username: "QPay".into(),
        via: Via::System,
        ip: None,
    }
}

/// What a customer would pay now, and what for.
#[derive(Debug, Clone)]
pub struct Due {
    pub plan: Plan,
    pub plan_change: bool,
    /// Minor units, rounded up to whole major units (QPay takes whole tögrög).
    pub amount: i64,
    /// Service would last until about then.
    pub until: Timestamp,
}

/// Minor units in one tögrög (QPay counts whole ones) for the currency's exponent.
pub fn unit(exponent: u8) -> i64 {
    10_i64.pow(u32::from(exponent.min(6)))
}

fn whole_units(minor: i64, exponent: u8) -> i64 {
    let unit = unit(exponent);
    (minor + unit - 1) / unit * unit
}

/// The open bills' balance if any, else the next period of the package; another package only
/// where the settings allow it.
pub fn due(
    r: &impl Reader,
    now: Timestamp,
    settings: &QPaySettings,
    customer: &Customer,
    plan_id: Option<u64>,
) -> Result<Due> {
    let exponent = crate::settings::load(r)?.currency.exponent;
    let wanted = plan_id.unwrap_or(customer.plan_id);
    let plan_change = wanted != customer.plan_id;
    if plan_change && !settings.other_plans {
        return Err(Error::Invalid(Problems::one("plan_id", Msg::InvalidChoice)));
    }
    let plan = r
        .get::<Plan>(wanted)?
        .ok_or_else(|| Error::Invalid(Problems::one("plan_id", Msg::UnknownPlan)))?;
    let from = customer.expires_at.max(now);
    let next_period = |p: &Plan| from + p.duration();
    if !plan_change {
        let open: Vec<_> = ledger::bills_of(r, customer.id)?
            .into_iter()
            .filter(|b| b.status == BillStatus::Pending && b.amount > b.paid)
            .collect();
        let owed: i64 = open.iter().map(|b| b.amount - b.paid).sum();
        if owed > 0 {
            let until = open
                .iter()
                .map(|b| b.period_end)
                .max()
                .unwrap_or_else(|| next_period(&plan));
            return Ok(Due {
                amount: whole_units(owed, exponent),
                until,
                plan,
                plan_change,
            });
        }
    }
    if plan.price <= 0 {
        return Err(Error::Invalid(Problems::one(
            "plan_id",
            Msg::PositiveAmount,
        )));
    }
    Ok(Due {
        amount: whole_units(plan.price, exponent),
        until: next_period(&plan),
        plan,
        plan_change,
    })
}

/// The customer's invoices, newest first.
pub fn of_customer(
    r: &impl Reader,
    customer_id: u64,
) -> std::result::Result<Vec<Invoice>, StoreError> {
    let mut out = Vec::new();
    for id in r
        .set_members(Set::InvoicesByCustomer, customer_id)?
        .into_iter()
        .rev()
    {
        if let Some(i) = r.get::<Invoice>(id)? {
            out.push(i);
        }
    }
    Ok(out)
}

/// An open invoice of the customer for exactly this due amount that still has `margin` to live:
/// opening the pay page twice shows the same QR.
pub fn reusable(
    r: &impl Reader,
    now: Timestamp,
    customer_id: u64,
    due: &Due,
    margin: SignedDuration,
) -> std::result::Result<Option<Invoice>, StoreError> {
    Ok(of_customer(r, customer_id)?.into_iter().find(|i| {
        i.status == InvoiceStatus::Open
            && !i.qpay_id.is_empty()
            && i.plan_id == due.plan.id
            && i.amount == due.amount
            && i.expires_at > now + margin
    }))
}

fn due_second(t: Timestamp) -> u64 {
    u64::try_from(t.as_second()).unwrap_or(0)
}

/// Stores `i`, keeping the due-check set in step: an open invoice is in it under its next check.
pub fn save(
    w: &mut Write,
    before: Option<&Invoice>,
    i: &Invoice,
    next_check: Option<Timestamp>,
) -> Result<()> {
    if let Some(b) = before
        && let Some(at) = b.next_check
    {
        w.set_remove(Set::InvoicesDue, due_second(at), b.id)?;
    }
    let mut i = i.clone();
    let awaiting_qpay = i.status == InvoiceStatus::Open && i.qpay_id.is_empty();
    i.next_check = if i.checked() || awaiting_qpay {
        next_check
    } else {
        None
    };
    if let Some(at) = i.next_check {
        w.set_add(Set::InvoicesDue, due_second(at), i.id)?;
    }
    w.put(i.id, &i)?;
    Ok(())
}

/// A new invoice, before QPay has been asked (so its number exists to send).
pub fn open(
    w: &mut Write,
    now: Timestamp,
    customer: &Customer,
    due: &Due,
    lifetime: SignedDuration,
) -> Result<Invoice> {
    let id = w.next_id(crate::store::Kind::Invoices)?;
    let i = Invoice {
        id,
        customer_id: customer.id,
        plan_id: due.plan.id,
        plan_change: due.plan_change,
        amount: due.amount,
        qpay_id: String::new(),
        qr_text: String::new(),
        short_url: String::new(),
        links: Vec::new(),
        status: InvoiceStatus::Open,
        created_at: now,
        expires_at: now + lifetime,
        payment_ids: Vec::new(),
        paid: 0,
        paid_at: None,
        checked_at: None,
        checks: 0,
        error: String::new(),
        watched_until: None,
        next_check: None,
        closed: false,
    };
    w.set_add(Set::InvoicesByCustomer, customer.id, id)?;
    // Checked at its end even if QPay's answer never lands (a restart in between): it then ends.
    save(w, None, &i, Some(i.expires_at))?;
    Ok(i)
}

/// QPay's answer to creating it: the QR and the bank apps; checked from now on.
pub fn created(
    w: &mut Write,
    now: Timestamp,
    id: u64,
    qpay_id: &str,
    qr_text: &str,
    short_url: &str,
    links: Vec<BankLink>,
) -> Result<Invoice> {
    let before = w.get::<Invoice>(id)?.ok_or(Error::NotFound)?;
    let mut i = before.clone();
    i.qpay_id = qpay_id.chars().take(100).collect();
    i.qr_text = qr_text.chars().take(2_000).collect();
    i.short_url = short_url.chars().take(300).collect();
    i.links = links.into_iter().take(MAX_LINKS).collect();
    i.watched_until = Some(now + WATCH);
    save(w, Some(&before), &i, Some(now + WATCHED_EVERY))?;
    Ok(i)
}

/// QPay refused or could not be reached: the invoice ends as failed, with why.
pub fn failed(w: &mut Write, id: u64, error: &str) -> Result<Invoice> {
    let before = w.get::<Invoice>(id)?.ok_or(Error::NotFound)?;
    let mut i = before.clone();
    i.status = InvoiceStatus::Failed;
    i.error = error.chars().take(300).collect();
    save(w, Some(&before), &i, None)?;
    Ok(i)
}

/// Ends the customer's other open invoices (a new one replaces them); how many. Each stays
/// checked until QPay confirms it cancelled.
pub fn replace_open(w: &mut Write, now: Timestamp, customer_id: u64, keep: u64) -> Result<usize> {
    let mut n = 0;
    for before in of_customer(w, customer_id)? {
        if before.status == InvoiceStatus::Open && before.id != keep {
            let mut i = before.clone();
            i.status = InvoiceStatus::Cancelled;
            save(w, Some(&before), &i, Some(now))?;
            n += 1;
        }
    }
    Ok(n)
}

/// While the pay page is open it is checked this often, for this long after the page last asked.
pub const WATCHED_EVERY: SignedDuration = SignedDuration::from_secs(3);
pub const WATCH: SignedDuration = SignedDuration::from_secs(30);
/// Otherwise checks back off from this, doubling, up to the cap.
const FIRST_BACKOFF: SignedDuration = SignedDuration::from_secs(10);
const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(300);

/// When an open invoice is checked next: often while watched, then backing off, and once more
/// at its expiry (a payment in its last seconds still counts).
pub fn next_check(i: &Invoice, now: Timestamp) -> Timestamp {
    let wait = if i.watched_until.is_some_and(|t| t > now) {
        WATCHED_EVERY
    } else {
        (FIRST_BACKOFF * (1 << i.checks.min(5))).min(MAX_BACKOFF)
    };
    if now < i.expires_at {
        (now + wait).min(i.expires_at)
    } else {
        now + wait
    }
}

/// A check that could not be applied (the payment could not be recorded): why, and the next
/// check backed off, so a lasting problem neither loops nor hides.
pub fn postpone(w: &mut Write, now: Timestamp, id: u64, why: &str) -> Result<()> {
    let Some(before) = w.get::<Invoice>(id)? else {
        return Ok(());
    };
    let mut i = before.clone();
    i.checked_at = Some(now);
    i.checks = i.checks.saturating_add(1);
    i.error = why.chars().take(300).collect();
    let next = next_check(&i, now);
    save(w, Some(&before), &i, Some(next))
}

/// An invoice whose checks keep failing is given up this long after its expiry.
const GIVE_UP: SignedDuration = SignedDuration::from_hours(24);

/// The pay page asked after it: checked often for a while.
pub fn watch(w: &mut Write, now: Timestamp, id: u64) -> Result<Invoice> {
    let before = w.get::<Invoice>(id)?.ok_or(Error::NotFound)?;
    if before.status != InvoiceStatus::Open {
        return Ok(before);
    }
    let mut i = before.clone();
    i.watched_until = Some(now + WATCH);
    let soon = now + WATCHED_EVERY;
    let at = before.next_check.map_or(soon, |t| t.min(soon));
    save(w, Some(&before), &i, Some(at))?;
    Ok(i)
}

/// The callback said something happened: check at once.
pub fn check_now(w: &mut Write, now: Timestamp, id: u64) -> Result<Option<Invoice>> {
    let Some(before) = w.get::<Invoice>(id)? else {
        return Ok(None);
    };
    if !before.checked() {
        return Ok(None);
    }
    if !callback_moves(&before, now) {
        return Ok(Some(before));
    }
    let at = callback_check_at(&before, now);
    let i = before.clone();
    save(w, Some(&before), &i, Some(at))?;
    Ok(Some(i))
}

/// When a callback at `now` has the invoice checked: at once, or at the end of `CALLBACK_GAP`
/// after the last check (callbacks come unauthenticated and may come in floods; the next check
/// is moved, never dropped, so a genuine callback is not lost).
fn callback_check_at(i: &Invoice, now: Timestamp) -> Timestamp {
    match i.checked_at {
        Some(t) if now < t + CALLBACK_GAP => t + CALLBACK_GAP,
        _ => now,
    }
}

/// A callback now would bring the invoice's next check forward.
pub fn callback_moves(i: &Invoice, now: Timestamp) -> bool {
    let at = callback_check_at(i, now);
    i.next_check.is_none_or(|t| t > at)
}

/// The least time between two checks a callback can cause.
pub const CALLBACK_GAP: SignedDuration = SignedDuration::from_secs(2);

/// What the admin's invoice list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<InvoiceStatus>,
    pub customer_id: Option<u64>,
    /// Opened on or after / on or before these days (in the display zone).
    pub from: Option<jiff::civil::Date>,
    pub to: Option<jiff::civil::Date>,
}

impl Filter {
    fn keep(&self, i: &Invoice, tz: &jiff::tz::TimeZone) -> bool {
        let day = tz.to_datetime(i.created_at).date();
        self.status.is_none_or(|s| s == i.status)
            && self.customer_id.is_none_or(|c| c == i.customer_id)
            && self.from.is_none_or(|d| day >= d)
            && self.to.is_none_or(|d| day <= d)
    }
}

/// A page of the list: newest first, at most `limit` rows, with how many match in all.
pub struct Listed {
    pub rows: Vec<Invoice>,
    pub matched: u64,
    /// The sum of what was paid over every matching invoice, minor units.
    pub paid: i64,
}

pub fn list(
    r: &impl Reader,
    f: &Filter,
    tz: &jiff::tz::TimeZone,
    limit: usize,
) -> std::result::Result<Listed, StoreError> {
    let mut out = Listed {
        rows: Vec::new(),
        matched: 0,
        paid: 0,
    };
    let mut visit = |i: Invoice| {
        if f.keep(&i, tz) {
            out.matched += 1;
            out.paid += i.paid;
            if out.rows.len() < limit {
                out.rows.push(i);
            }
        }
        true
    };
    match f.customer_id {
        Some(c) => of_customer(r, c)?.into_iter().for_each(|i| {
            visit(i);
        }),
        None => r.scan::<Invoice>(true, visit)?,
    }
    Ok(out)
}

/// Open invoices right now (the status panel). Every open one is in the due set, beside ended
/// or paid ones still being asked about, so the set is walked and the open ones counted.
pub fn open_count(r: &impl Reader) -> std::result::Result<u64, StoreError> {
    let mut ids = Vec::new();
    r.set_scan(Set::InvoicesDue, (0, u64::MAX), |_, id| {
        ids.push(id);
        true
    })?;
    let mut n = 0;
    for id in ids {
        if r.get::<Invoice>(id)?
            .is_some_and(|i| i.status == InvoiceStatus::Open)
        {
            n += 1;
        }
    }
    Ok(n)
}

/// The open invoices due for a check by `now`, earliest first, at most `limit`.
pub fn due_checks(
    r: &impl Reader,
    now: Timestamp,
    limit: usize,
) -> std::result::Result<Vec<u64>, StoreError> {
    let mut out = Vec::new();
    r.set_scan(Set::InvoicesDue, (0, due_second(now)), |_, id| {
        out.push(id);
        out.len() < limit
    })?;
    Ok(out)
}

/// The next second any open invoice is due, if one is.
pub fn next_due(r: &impl Reader) -> std::result::Result<Option<Timestamp>, StoreError> {
    Ok(r.set_first_from(Set::InvoicesDue, 0)?
        .and_then(|(s, _)| Timestamp::from_second(i64::try_from(s).ok()?).ok()))
}

/// One payment QPay reports paid for an invoice.
#[derive(Debug, Clone)]
pub struct Paid {
    pub payment_id: String,
    /// Whole major units, as QPay counts.
    pub amount: u64,
}

/// What a check changed.
#[derive(Default)]
pub struct Settled {
    pub invoice: Option<Invoice>,
    /// Payments recorded now (replays of ones recorded before are not here).
    pub recorded: Vec<Recorded>,
    /// The customer's package changed first (a paid choice of another package).
    pub plan_changed: Option<(Customer, Vec<u64>)>,
}

/// Applies a check's answer in one transaction: each PAID payment not seen before becomes an
/// ordinary payment (method `qpay`, reference and idempotency key from QPay's `payment_id`, so a
/// second callback, a poll racing it or a restart record it once); the invoice is paid, or
/// scheduled for its next check, or expired.
pub fn settle(
    w: &mut Write,
    now: Timestamp,
    id: u64,
    paid: &[Paid],
    error: Option<&str>,
    cancelled_there: bool,
    pending: bool,
) -> Result<Settled> {
    let Some(before) = w.get::<Invoice>(id)? else {
        return Ok(Settled::default());
    };
    let mut i = before.clone();
    i.checked_at = Some(now);
    i.checks = i.checks.saturating_add(1);
    i.error = error
        .map(|e| e.chars().take(300).collect())
        .unwrap_or_default();
    let settings = crate::settings::load(w)?;
    let unit = unit(settings.currency.exponent);
    let mut methods = settings.payment_methods.clone();
    methods.push(METHOD.into());
    let actor = actor();
    let mut out = Settled::default();
    for p in paid.iter().take(MAX_PAYMENTS) {
        // The key is made of the id: one missing or cut would merge payments.
        if p.payment_id.trim().is_empty() || p.payment_id.len() > 90 {
            i.error = "QPay reported a payment without a usable payment id".into();
            continue;
        }
        let Ok(major) = i64::try_from(p.amount) else {
            continue;
        };
        let Ok(amount) = Money::payment(major.saturating_mul(unit)) else {
            continue;
        };
        if i.plan_change && i.payment_ids.is_empty() && out.plan_changed.is_none() {
            let c = w.get::<Customer>(i.customer_id)?.ok_or(Error::NotFound)?;
            if c.plan_id != i.plan_id {
                out.plan_changed =
                    Some(ledger::change_plan(w, now, &actor, c.id, i.plan_id, false)?);
            }
        }
        let rec = ledger::record_payment(
            w,
            now,
            &actor,
            &NewPayment {
                customer: CustomerId::new(i.customer_id),
                amount,
                method: METHOD.into(),
                bank_account: None,
                reference: p.payment_id.clone(),
                received_at: None,
                key: Some(format!("qpay:{}", p.payment_id)),
            },
            &methods,
            settings.allow_partial_activation,
        )?;
        if !i.payment_ids.contains(&rec.payment.id) {
            i.payment_ids.push(rec.payment.id);
            i.paid += amount.minor();
        }
        if !rec.replayed {
            out.recorded.push(rec);
        }
    }
    let given_up = now >= i.expires_at + GIVE_UP;
    let next = if !i.payment_ids.is_empty() {
        i.status = InvoiceStatus::Paid;
        i.paid_at.get_or_insert(now);
        // Another payment QPay still shows as pending (the same QR paid twice) is waited for.
        if pending && error.is_none() && !given_up {
            Some(next_check(&i, now))
        } else {
            i.closed = true;
            None
        }
    } else if i.qpay_id.is_empty() {
        // Its creation was cut short (a restart before QPay answered): nothing to pay there.
        if now >= i.expires_at {
            i.status = InvoiceStatus::Failed;
            i.closed = true;
            None
        } else {
            Some(i.expires_at)
        }
    } else if i.ended() {
        // Asked once more after QPay confirmed the cancel: nothing can land on it now.
        if (cancelled_there && error.is_none()) || given_up {
            i.closed = true;
            None
        } else {
            Some(next_check(&i, now))
        }
    } else if given_up {
        i.status = InvoiceStatus::Expired;
        i.closed = true;
        None
    } else if error.is_none() && now >= i.expires_at {
        // Only a check that answered may end it: a payment in its last second still counts.
        // It is cancelled at QPay at the next check, and asked once more then.
        i.status = InvoiceStatus::Expired;
        Some(now)
    } else {
        Some(next_check(&i, now))
    };
    save(w, Some(&before), &i, next)?;
    out.invoice = Some(i);
    Ok(out)
}
