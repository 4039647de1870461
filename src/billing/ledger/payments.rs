//! Payments: recorded against open bills oldest first (`settle`), each completed bill extending
//! service and raising the next; reversed by a linked negative entry that undoes them exactly.

use super::bank_accounts::BankAccount;
use super::bills::{Bill, BillStatus, bills_of, load_open_bills, raise_bill, store_bill};
use crate::audit::{self, Actor};
use crate::billing::revenue::{self, payment_day};
use crate::billing::settle::{self, Account, Allocation, OpenBill};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::customer::{self, Customer};
pub use crate::model::ledger::*;
use crate::model::plan::Plan;
use crate::model::{BankAccountId, CustomerId, Money};
use crate::store::Summary;
use crate::store::{Index, Kind, Reader, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;

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
        before: Some(PaymentBefore::of(&before)),
    };
    store_new(w, &payment)?;
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

/// Files a new payment where lists, the revenue totals and the day index find it.
fn store_new(w: &mut Write, payment: &Payment) -> Result<()> {
    let id = payment.id;
    w.put(id, payment)?;
    w.summary_put(
        Summary::Payments,
        id,
        &crate::billing::summary::encode_payment(payment),
    )?;
    w.set_add(Set::PaymentsByCustomer, payment.customer_id, id)?;
    revenue::add(
        w,
        payment.received_at,
        &payment.method,
        payment.plan_id,
        payment.amount,
    )?;
    w.set_add(Set::PaymentsByDay, payment_day(payment.received_at), id)?;
    Ok(())
}

/// The money of a paid extension: a payment whose one allocation is the extension's days, on
/// no bill (`bill_id` 0), so it counts as revenue and a reversal takes the days back as it
/// would a renewal's.
#[allow(clippy::too_many_arguments)]
pub fn record_extension_payment(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    before: &Customer,
    after: &Customer,
    amount: Money,
    method: &str,
    methods: &[String],
    reason: &str,
) -> Result<Payment> {
    let method = method.trim().to_string();
    if !methods.contains(&method) {
        let mut p = Problems::default();
        p.add("method", Msg::InvalidChoice);
        return Err(Error::Invalid(p));
    }
    let id = w.next_id(Kind::Payments)?;
    let payment = Payment {
        id,
        customer_id: after.id,
        amount: amount.minor(),
        method,
        bank_account_id: None,
        reference: reason.chars().take(120).collect(),
        received_at: now,
        recorded_at: now,
        recorded_by: actor.username.clone(),
        allocations: vec![Allocation {
            bill_id: 0,
            amount: amount.minor(),
            extended_secs: after.expires_at.as_second() - before.expires_at.as_second(),
            expires_before: before.expires_at,
            expires_after: after.expires_at,
            completed: false,
        }],
        reversed_by: None,
        reversal_of: None,
        reason: String::new(),
        plan_id: after.plan_id,
        router_id: after.router_id,
        customer_kind: after.kind,
        before: Some(PaymentBefore::of(before)),
    };
    store_new(w, &payment)?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "payment",
        id,
        format!(
            "customer: {}; amount: {}; method: {}; extension",
            after.id,
            amount.minor(),
            payment.method
        ),
    )?;
    Ok(payment)
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
        &crate::billing::summary::encode_payment(&original),
    )?;
    w.put(rid, &reversal)?;
    w.summary_put(
        Summary::Payments,
        rid,
        &crate::billing::summary::encode_payment(&reversal),
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
