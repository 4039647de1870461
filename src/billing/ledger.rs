//! Bank accounts, bills, payments and extensions in the store: the money side of a customer.
//!
//! Invariant: nothing financial is ever deleted. A payment is corrected by a linked reversal
//! entry; a bill is voided, not removed. Each operation here is one transaction together with
//! the customer's new expiry and its audit entry, and returns the routers to wake.

use super::customer::{self, Customer};
use super::pending;
use super::plan::Plan;
use super::revenue::{self, payment_day};
use super::settle::{self, Account, Allocation, OpenBill};
use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::{BankAccountId, CustomerId, Money};
use crate::store::Summary;
use crate::store::{Index, Kind, Reader, Record, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    pub id: u64,
    pub bank: String,
    pub number: String,
    pub holder: String,
    pub currency: String,
    #[serde(default)]
    pub note: String,
    pub active: bool,
}

impl Record for BankAccount {
    const KIND: Kind = Kind::BankAccounts;
}

#[derive(Debug, Clone, Default)]
pub struct BankAccountDraft {
    pub bank: String,
    pub number: String,
    pub holder: String,
    pub currency: String,
    pub note: String,
    pub active: bool,
}

pub fn save_bank_account(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: Option<u64>,
    d: &BankAccountDraft,
) -> Result<BankAccount> {
    let mut p = Problems::default();
    let bank = p.text("bank", &d.bank, 80, true, false);
    let number = p.text("number", &d.number, 40, true, false);
    if !number
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -".contains(c))
    {
        p.add("number", Msg::InvalidAccountNumber);
    }
    let holder = p.text("holder", &d.holder, 120, true, false);
    let currency = p
        .text("currency", &d.currency, 3, true, false)
        .to_uppercase();
    if !currency.is_empty()
        && (currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()))
    {
        p.add("currency", Msg::InvalidChoice);
    }
    let note = p.text("note", &d.note, 500, false, true);
    p.check()?;
    let before = match id {
        Some(id) => Some(w.get::<BankAccount>(id)?.ok_or(Error::NotFound)?),
        None => None,
    };
    let id = match id {
        Some(id) => id,
        None => w.next_id(Kind::BankAccounts)?,
    };
    let acct = BankAccount {
        id,
        bank,
        number,
        holder,
        currency,
        note,
        active: d.active,
    };
    w.put(id, &acct)?;
    let after = serde_json::to_value(&acct).unwrap_or_default();
    let summary = match &before {
        Some(b) => audit::changes(&serde_json::to_value(b).unwrap_or_default(), &after),
        None => audit::snapshot(&after),
    };
    audit::record(
        w,
        now,
        actor,
        if before.is_some() { "update" } else { "create" },
        "bank_account",
        id,
        summary,
    )?;
    Ok(acct)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BillStatus {
    Pending,
    Paid,
    Void,
}

impl BillStatus {
    pub fn id(self) -> &'static str {
        match self {
            BillStatus::Pending => "pending",
            BillStatus::Paid => "paid",
            BillStatus::Void => "void",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub id: u64,
    pub customer_id: u64,
    pub plan_id: u64,
    pub amount: i64,
    pub paid: i64,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    pub due: Timestamp,
    pub status: BillStatus,
    /// Service seconds the bill buys, fixed when raised.
    pub duration_secs: i64,
    /// Seconds already granted (partial activation).
    #[serde(default)]
    pub extended_secs: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    #[serde(default)]
    pub note: String,
}

impl Record for Bill {
    const KIND: Kind = Kind::Bills;
}

impl Bill {
    fn open(&self) -> OpenBill {
        OpenBill {
            id: self.id,
            amount: self.amount,
            paid: self.paid,
            duration_secs: self.duration_secs,
            extended_secs: self.extended_secs,
        }
    }
    fn apply(&mut self, o: &OpenBill) {
        self.paid = o.paid;
        self.extended_secs = o.extended_secs;
        self.status = if o.is_paid() {
            BillStatus::Paid
        } else {
            BillStatus::Pending
        };
    }
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.status == BillStatus::Pending && self.due < now
    }
}

/// Raises a bill for `plan` covering the period that starts at the customer's expiry (or now).
pub fn raise_bill(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    c: &Customer,
    plan: &Plan,
    note: &str,
) -> Result<Bill, StoreError> {
    let id = w.next_id(Kind::Bills)?;
    let start = now.max(c.expires_at);
    let duration = plan.duration();
    let bill = Bill {
        id,
        customer_id: c.id,
        plan_id: plan.id,
        amount: plan.price,
        paid: 0,
        period_start: start,
        period_end: start.saturating_add(duration).unwrap_or(Timestamp::MAX),
        due: start,
        status: BillStatus::Pending,
        duration_secs: duration.as_secs(),
        extended_secs: 0,
        created_at: now,
        created_by: actor.username.clone(),
        note: note.into(),
    };
    store_bill(w, &bill)?;
    w.set_add(Set::BillsByCustomer, c.id, id)?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "bill",
        id,
        format!("customer: {}; amount: {}", c.id, bill.amount),
    )?;
    Ok(bill)
}

pub fn bills_of(r: &impl Reader, customer_id: u64) -> Result<Vec<Bill>, StoreError> {
    let mut out = Vec::new();
    for id in r.set_members(Set::BillsByCustomer, customer_id)? {
        if let Some(b) = r.get::<Bill>(id)? {
            out.push(b);
        }
    }
    Ok(out)
}

pub fn void_bill(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    reason: &str,
) -> Result<Bill> {
    let mut b = w.get::<Bill>(id)?.ok_or(Error::NotFound)?;
    if b.status == BillStatus::Void {
        // A replayed void form: say so rather than that it cannot be done.
        return Err(Error::Conflict(Msg::AlreadyVoid));
    }
    if b.status != BillStatus::Pending || b.paid != 0 {
        return Err(Error::Conflict(Msg::BillNotVoidable));
    }
    b.status = BillStatus::Void;
    store_bill(w, &b)?;
    audit::record(
        w,
        now,
        actor,
        "void",
        "bill",
        id,
        format!("reason: {reason:?}"),
    )?;
    Ok(b)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: u64,
    pub customer_id: u64,
    /// Minor units; negative for a reversal entry.
    pub amount: i64,
    pub method: String,
    #[serde(default)]
    pub bank_account_id: Option<u64>,
    #[serde(default)]
    pub reference: String,
    pub received_at: Timestamp,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub allocations: Vec<Allocation>,
    /// Set on a payment that has been reversed: the reversal entry's id.
    #[serde(default)]
    pub reversed_by: Option<u64>,
    /// Set on a reversal entry: the payment it reverses.
    #[serde(default)]
    pub reversal_of: Option<u64>,
    #[serde(default)]
    pub reason: String,
    /// Customer's plan and router when recorded, for reports that must not change later.
    pub plan_id: u64,
    pub router_id: u64,
    pub customer_kind: super::CustomerKind,
    /// What the payment changed besides expiry and credit, so a reversal can put it back.
    #[serde(default)]
    pub before: Option<PaymentBefore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentBefore {
    pub status: customer::Status,
    pub plan_id: u64,
    pub next_plan_id: Option<u64>,
}

impl Record for Payment {
    const KIND: Kind = Kind::Payments;
}

impl Payment {
    pub fn extended_secs(&self) -> i64 {
        self.allocations.iter().map(|a| a.extended_secs).sum()
    }
}

/// A payment parsed at the edge: every field already of its type.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub customer: CustomerId,
    pub amount: Money,
    /// Checked against the installation's payment methods in the transaction.
    pub method: String,
    pub bank_account: Option<BankAccountId>,
    pub reference: String,
    /// `None`: now.
    pub received_at: Option<Timestamp>,
    /// Double submission guard: the same key records one payment.
    pub key: Option<String>,
}

pub struct Recorded {
    pub payment: Payment,
    /// True when the idempotency key had already been used: nothing new was written.
    pub replayed: bool,
    pub customer: Customer,
}

fn load_open_bills(w: &Write, customer_id: u64) -> Result<Vec<Bill>, StoreError> {
    let mut bills: Vec<Bill> = bills_of(w, customer_id)?
        .into_iter()
        .filter(|b| b.status == BillStatus::Pending)
        .collect();
    bills.sort_by_key(|b| (b.due, b.id));
    Ok(bills)
}

/// The most periods one payment may pay for: a daily package a year ahead.
pub const MAX_RENEWALS: usize = 366;

/// Puts the customer's credit on their open bills; each bill completed raises the next period's
/// bill, which more credit may settle too. Returns the allocations.
fn settle_customer(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    c: &mut Customer,
    partial: bool,
) -> Result<Vec<Allocation>> {
    let mut all = Vec::new();
    let mut renewals = 0;
    loop {
        let mut bills = load_open_bills(w, c.id)?;
        if bills.is_empty() {
            break;
        }
        let mut open: Vec<OpenBill> = bills.iter().map(Bill::open).collect();
        let mut acct = Account {
            expires_at: c.expires_at,
            credit: c.credit,
        };
        let allocations = settle::settle(
            now,
            &mut acct,
            &mut open,
            partial,
            all.iter().any(|a: &Allocation| a.completed),
        );
        if allocations.is_empty() {
            break;
        }
        c.expires_at = acct.expires_at;
        c.credit = acct.credit;
        let mut completed_plan = None;
        for (bill, o) in bills.iter_mut().zip(&open) {
            if bill.paid != o.paid {
                bill.apply(o);
                store_bill(w, bill)?;
                if bill.status == BillStatus::Paid {
                    completed_plan = Some(bill.plan_id);
                }
            }
        }
        let completed = allocations.iter().any(|a| a.completed);
        all.extend(allocations);
        let Some(plan_id) = completed_plan.filter(|_| completed) else {
            break;
        };
        // The renewal: a paid bill switches the customer to its plan and raises the next one.
        if c.plan_id != plan_id {
            c.plan_id = plan_id;
        }
        if !load_open_bills(w, c.id)?.is_empty() {
            // Bills already open (raised by hand, reopened by a reversal) are settled first.
            continue;
        }
        renewals += 1;
        if renewals > MAX_RENEWALS {
            // A typo with extra zeros would otherwise raise bills for centuries in one
            // transaction, holding every other write.
            let mut p = Problems::default();
            p.add_arg("amount", Msg::TooManyPeriods, MAX_RENEWALS);
            return Err(Error::Invalid(p));
        }
        let next_plan = c.next_plan_id.take().unwrap_or(c.plan_id);
        let plan = w.get::<Plan>(next_plan)?.ok_or(Error::NotFound)?;
        raise_bill(w, now, actor, c, &plan, "renewal")?;
    }
    Ok(all)
}

/// Records a payment, settles bills and extends service — one transaction.
pub fn record_payment(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    d: &NewPayment,
    methods: &[String],
    partial_activation: bool,
) -> Result<Recorded> {
    if let Some(key) = &d.key
        && let Some(id) = w.index_get(Index::PaymentIdempotency, key)?
    {
        let payment = w.get::<Payment>(id)?.ok_or(Error::NotFound)?;
        let customer = w
            .get::<Customer>(payment.customer_id)?
            .ok_or(Error::NotFound)?;
        return Ok(Recorded {
            payment,
            replayed: true,
            customer,
        });
    }
    let mut p = Problems::default();
    let customer = w.get::<Customer>(d.customer.get())?;
    if customer.is_none() {
        p.add("customer_id", Msg::UnknownCustomer);
    }
    let method = d.method.trim().to_string();
    if !methods.contains(&method) {
        p.add("method", Msg::InvalidChoice);
    }
    let bank_account_id = match d.bank_account {
        None => None,
        Some(id) => match w.get::<BankAccount>(id.get())? {
            Some(b) => Some(b.id),
            None => {
                p.add("bank_account_id", Msg::InvalidChoice);
                None
            }
        },
    };
    p.check()?;
    let Some(mut c) = customer else {
        return Err(Error::Internal("payment check without problems".into()));
    };
    let (amount, reference) = (d.amount.minor(), d.reference.clone());
    let received_at = d.received_at.unwrap_or(now);
    if c.archived {
        return Err(Error::Conflict(Msg::CustomerArchived));
    }
    let before = c.clone();
    // A customer with nothing open is billed for the next period of their plan first.
    if load_open_bills(w, c.id)?.is_empty() {
        let plan = w
            .get::<Plan>(c.next_plan_id.unwrap_or(c.plan_id))?
            .ok_or(Error::NotFound)?;
        raise_bill(w, now, actor, &c, &plan, "renewal")?;
    }
    c.credit += amount;
    let allocations = settle_customer(w, now, actor, &mut c, partial_activation)?;
    if allocations.iter().any(|a| a.extended_secs > 0) && c.status != customer::Status::Active {
        // Paying switches service on: a suspended or disabled customer who pays is active again.
        c.status = customer::Status::Active;
    }
    let id = w.next_id(Kind::Payments)?;
    let payment = Payment {
        id,
        customer_id: c.id,
        amount,
        method,
        bank_account_id,
        reference,
        received_at,
        recorded_at: now,
        recorded_by: actor.username.clone(),
        allocations,
        reversed_by: None,
        reversal_of: None,
        reason: String::new(),
        plan_id: c.plan_id,
        router_id: c.router_id,
        customer_kind: c.kind,
        before: Some(PaymentBefore {
            status: before.status,
            plan_id: before.plan_id,
            next_plan_id: before.next_plan_id,
        }),
    };
    w.put(id, &payment)?;
    w.summary_put(
        Summary::Payments,
        id,
        &super::summary::encode_payment(&payment),
    )?;
    w.set_add(Set::PaymentsByCustomer, c.id, id)?;
    revenue::add(w, received_at, &payment.method, payment.plan_id, amount)?;
    w.set_add(Set::PaymentsByDay, payment_day(received_at), id)?;
    if let Some(key) = &d.key {
        w.index_put(Index::PaymentIdempotency, key, id)?;
    }
    audit::record(
        w,
        now,
        actor,
        "create",
        "payment",
        id,
        format!(
            "customer: {}; amount: {amount}; method: {}; extended: {} s",
            c.id,
            payment.method,
            payment.extended_secs()
        ),
    )?;
    customer::save(w, now, actor, &before, &c, "payment")?;
    Ok(Recorded {
        payment,
        replayed: false,
        customer: c,
    })
}

/// Reverses a payment with a linked negative entry and undoes its bills and expiry.
pub fn reverse_payment(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    reason: &str,
) -> Result<(Payment, Customer)> {
    let mut original = w.get::<Payment>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let reason = p.text("reason", reason, 300, true, false);
    p.check()?;
    if original.reversed_by.is_some() || original.reversal_of.is_some() {
        return Err(Error::Conflict(Msg::AlreadyReversed));
    }
    let mut c = w
        .get::<Customer>(original.customer_id)?
        .ok_or(Error::NotFound)?;
    let before = c.clone();
    let mut bills: Vec<Bill> = bills_of(w, c.id)?;
    let mut open: Vec<OpenBill> = bills.iter().map(Bill::open).collect();
    let mut acct = Account {
        expires_at: c.expires_at,
        credit: c.credit,
    };
    settle::reverse(&mut acct, &mut open, original.amount, &original.allocations);
    c.expires_at = acct.expires_at;
    c.credit = acct.credit;
    // Undo what the payment switched, unless something changed it again since.
    if let Some(b) = &original.before {
        if c.status == customer::Status::Active && b.status != customer::Status::Active {
            c.status = b.status;
        }
        if c.plan_id == original.plan_id && c.plan_id != b.plan_id {
            c.plan_id = b.plan_id;
        }
        if c.next_plan_id.is_none() && b.next_plan_id.is_some() {
            c.next_plan_id = b.next_plan_id;
        }
    }
    for (bill, o) in bills.iter_mut().zip(&open) {
        if bill.paid != o.paid || bill.extended_secs != o.extended_secs {
            bill.apply(o);
            store_bill(w, bill)?;
        }
    }
    // Renewal bills that this payment raised and nobody paid are voided with it.
    for bill in bills.iter_mut().filter(|b| {
        b.status == BillStatus::Pending
            && b.paid == 0
            && b.created_at == original.recorded_at
            && b.note == "renewal"
    }) {
        bill.status = BillStatus::Void;
        store_bill(w, bill)?;
    }
    let rid = w.next_id(Kind::Payments)?;
    let reversal = Payment {
        id: rid,
        amount: -original.amount,
        allocations: Vec::new(),
        reversal_of: Some(id),
        reversed_by: None,
        reason: reason.clone(),
        recorded_at: now,
        received_at: now,
        recorded_by: actor.username.clone(),
        before: None,
        ..original.clone()
    };
    original.reversed_by = Some(rid);
    w.put(id, &original)?;
    w.summary_put(
        Summary::Payments,
        id,
        &super::summary::encode_payment(&original),
    )?;
    w.put(rid, &reversal)?;
    w.summary_put(
        Summary::Payments,
        rid,
        &super::summary::encode_payment(&reversal),
    )?;
    revenue::add(w, now, &reversal.method, reversal.plan_id, reversal.amount)?;
    w.set_add(Set::PaymentsByCustomer, c.id, rid)?;
    w.set_add(Set::PaymentsByDay, payment_day(now), rid)?;
    audit::record(
        w,
        now,
        actor,
        "reverse",
        "payment",
        id,
        format!("reversal: {rid}; reason: {reason:?}"),
    )?;
    customer::save(w, now, actor, &before, &c, "payment_reversal")?;
    Ok((reversal, c))
}

pub fn payments_of(r: &impl Reader, customer_id: u64) -> Result<Vec<Payment>, StoreError> {
    let mut out = Vec::new();
    for id in r.set_members(Set::PaymentsByCustomer, customer_id)? {
        if let Some(p) = r.get::<Payment>(id)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Whether a customer has anything financial (then they are archived, never deleted).
pub fn has_history(r: &impl Reader, customer_id: u64) -> Result<bool, StoreError> {
    Ok(!r
        .set_members(Set::PaymentsByCustomer, customer_id)?
        .is_empty()
        || !r
            .set_members(Set::ExtensionsByCustomer, customer_id)?
            .is_empty()
        || bills_of(r, customer_id)?.iter().any(|b| b.paid > 0))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub id: u64,
    pub customer_id: u64,
    pub days: i64,
    pub free: bool,
    pub reason: String,
    pub by: String,
    pub at: Timestamp,
    pub expires_before: Timestamp,
    pub expires_after: Timestamp,
    /// Set when made as part of a bulk extension (router or plan wide).
    #[serde(default)]
    pub bulk: String,
}

impl Record for Extension {
    const KIND: Kind = Kind::Extensions;
}

pub fn check_extension(days: &str, reason: &str, p: &mut Problems) -> (i64, String) {
    let days = match days.trim().parse::<i64>() {
        Ok(d) if (1..=3660).contains(&d) => d,
        _ => {
            p.add("days", Msg::InvalidDays);
            0
        }
    };
    let reason = p.text("reason", reason, 300, true, false);
    (days, reason)
}

/// Extends one customer by whole days from max(now, expiry), inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub fn extend(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    customer_id: u64,
    days: i64,
    free: bool,
    reason: &str,
    bulk: &str,
) -> Result<(Extension, Customer)> {
    let mut c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
    if c.archived {
        return Err(Error::Conflict(Msg::CustomerArchived));
    }
    let before = c.clone();
    c.expires_at = settle::extend_from(now, c.expires_at, days * 86_400);
    let e = log_extension(w, now, actor, &before, &c, days, free, reason, bulk)?;
    customer::save(w, now, actor, &before, &c, "extend")?;
    Ok((e, c))
}

/// Puts a move of `before`'s expiry to `after`'s in the customer's extension history (the caller
/// saves the customer).
#[allow(clippy::too_many_arguments)]
pub fn log_extension(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    before: &Customer,
    after: &Customer,
    days: i64,
    free: bool,
    reason: &str,
    bulk: &str,
) -> Result<Extension> {
    let id = w.next_id(Kind::Extensions)?;
    let e = Extension {
        id,
        customer_id: before.id,
        days,
        free,
        reason: reason.into(),
        by: actor.username.clone(),
        at: now,
        expires_before: before.expires_at,
        expires_after: after.expires_at,
        bulk: bulk.into(),
    };
    w.put(id, &e)?;
    w.set_add(Set::ExtensionsByCustomer, before.id, id)?;
    Ok(e)
}

/// A change of expiry in days, to the nearest day (negative when it was brought forward).
pub fn whole_days(d: jiff::SignedDuration) -> i64 {
    let secs = d.as_secs();
    (secs + secs.signum() * 43_200) / 86_400
}

pub fn extensions_of(r: &impl Reader, customer_id: u64) -> Result<Vec<Extension>, StoreError> {
    let mut out = Vec::new();
    for id in r.set_members(Set::ExtensionsByCustomer, customer_id)? {
        if let Some(e) = r.get::<Extension>(id)? {
            out.push(e);
        }
    }
    Ok(out)
}

/// Who a bulk extension of a router or plan would reach: every customer served now (entitled),
/// or also the expired ones when `include_expired`.
pub fn bulk_targets(
    r: &impl Reader,
    now: Timestamp,
    router_id: Option<u64>,
    plan_id: Option<u64>,
    include_expired: bool,
) -> Result<Vec<Customer>, StoreError> {
    let ids = match (router_id, plan_id) {
        (Some(rid), _) => r.set_members(Set::CustomersByRouter, rid)?,
        (None, Some(pid)) => r.set_members(Set::CustomersByPlan, pid)?,
        (None, None) => Vec::new(),
    };
    let mut out = Vec::new();
    for id in ids {
        if let Some(c) = r.get::<Customer>(id)? {
            let served = c.entitled(now)
                || (include_expired && !c.archived && c.status == customer::Status::Active);
            if served && plan_id.is_none_or(|p| p == c.plan_id) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// A plan change: now (speed at once, expiry unchanged) or at the next renewal.
pub fn change_plan(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    customer_id: u64,
    plan_id: u64,
    at_renewal: bool,
) -> Result<(Customer, Vec<u64>)> {
    let mut c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
    if c.archived {
        return Err(Error::Conflict(Msg::CustomerArchived));
    }
    let plan = w
        .get::<Plan>(plan_id)?
        .ok_or_else(|| Error::Invalid(Problems::one("plan_id", Msg::UnknownPlan)))?;
    let router = w
        .get::<crate::network::Router>(c.router_id)?
        .ok_or(Error::NotFound)?;
    let served = match plan.kind {
        super::ServiceKind::Hotspot => !router.hotspot_server.is_empty(),
        super::ServiceKind::Pppoe => router.pppoe,
    };
    if !served {
        return Err(Error::Invalid(Problems::one(
            "plan_id",
            Msg::RouterLacksKind,
        )));
    }
    let before = c.clone();
    if at_renewal {
        c.next_plan_id = Some(plan_id);
    } else {
        c.plan_id = plan_id;
        c.next_plan_id = None;
        // Untouched open bills for the old plan are replaced by one for the new plan.
        if void_untouched(w, now, actor, c.id, Some(plan_id), "plan changed")? > 0 {
            raise_bill(w, now, actor, &c, &plan, "plan change")?;
        }
    }
    let action = if at_renewal {
        "plan_change_at_renewal"
    } else {
        "plan_change"
    };
    let (c, touched) = customer::save(w, now, actor, &before, &c, action)?;
    Ok((c, touched))
}

/// Writes a bill and keeps the pending-by-due index in step (a bill's due date never changes).
fn store_bill(w: &mut Write, b: &Bill) -> Result<(), StoreError> {
    w.put(b.id, b)?;
    w.summary_put(Summary::Bills, b.id, &super::summary::encode_bill(b))?;
    if b.status == BillStatus::Pending {
        pending::put(w, b.due, b.id, b.amount - b.paid)
    } else {
        pending::remove(w, b.due, b.id)
    }
}

/// Voids a customer's open bills that nothing has been paid on and that are not for `keep_plan`
/// (all of them when `None`); returns how many.
pub fn void_untouched(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    customer_id: u64,
    keep_plan: Option<u64>,
    reason: &str,
) -> Result<usize> {
    let stale: Vec<Bill> = load_open_bills(w, customer_id)?
        .into_iter()
        .filter(|b| b.paid == 0 && Some(b.plan_id) != keep_plan)
        .collect();
    for b in &stale {
        void_bill(w, now, actor, b.id, reason)?;
    }
    Ok(stale.len())
}

/// Pending bills, earliest due first, at most `limit`.
pub fn pending_bills(r: &impl Reader, limit: usize) -> Result<Vec<Bill>, StoreError> {
    let mut ids = Vec::new();
    pending::scan(r, |_, id, _| {
        ids.push(id);
        ids.len() < limit
    })?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(b) = r.get::<Bill>(id)? {
            out.push(b);
        }
    }
    Ok(out)
}

/// (total owed, owed on bills due before `now`) over every pending bill, without reading them.
pub fn pending_totals(r: &impl Reader, now: Timestamp) -> Result<(i64, i64), StoreError> {
    let cutoff = u64::try_from(now.as_second()).unwrap_or(0);
    let (mut total, mut overdue) = (0, 0);
    pending::scan(r, |due, _, owed| {
        total += owed;
        if due < cutoff {
            overdue += owed;
        }
        true
    })?;
    Ok((total, overdue))
}

/// The duration of `days` whole days.
pub fn days(d: i64) -> SignedDuration {
    SignedDuration::from_hours(d * 24)
}
