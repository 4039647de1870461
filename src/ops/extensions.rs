//! Extending customers by days: one (a trial, a reward, a goodwill day) or many at once.

use super::{By, commit};
use crate::app::Core;
use crate::billing::Customer;
use crate::billing::ledger::{self, Extension};
use crate::error::Error;
use crate::i18n::Msg;
use crate::idempotency::{Key, Scope};
use crate::model::Money;
use crate::store::Reader;
use crate::validate::Problems;

/// What an extension made; `replayed` when its one-time key had made it before.
pub struct Extended {
    pub extension: Extension,
    pub customer: Customer,
    pub replayed: bool,
}

/// What a paid extension was paid with, as typed.
pub struct PaidWith<'a> {
    /// Checked by the caller's parser (major units on a form, minor in the API).
    pub amount: Result<Money, Msg>,
    pub method: &'a str,
}

/// Extends one customer; a paid extension records its money as a payment in the same
/// transaction. With a one-time key, a replay applies nothing and answers with what the key
/// made before.
pub async fn extend_one(
    core: &Core,
    by: &By,
    customer_id: u64,
    days: &str,
    paid: Option<PaidWith<'_>>,
    reason: &str,
    key: &str,
) -> Result<Extended, Error> {
    let mut p = Problems::default();
    let (days, reason) = ledger::check_extension(days, reason, &mut p);
    let key = Key::parse(Scope::Extension, key, "idempotency_key", &mut p);
    let paid = paid.and_then(|pw| {
        let amount = pw.amount.map_err(|m| p.add("amount", m)).ok()?;
        Some((amount, pw.method.to_string()))
    });
    p.check()?;
    let free = paid.is_none();
    commit(core, by, move |w, fx, by| {
        if let Some(id) = crate::idempotency::made_before(key.as_ref(), w)? {
            let extension = w.get::<Extension>(id)?.ok_or(Error::NotFound)?;
            let customer = w
                .get::<Customer>(extension.customer_id)?
                .ok_or(Error::NotFound)?;
            return Ok(Extended {
                extension,
                customer,
                replayed: true,
            });
        }
        let before = w.get::<Customer>(customer_id)?;
        let (extension, customer) =
            ledger::extend(w, by.now, &by.actor, customer_id, days, free, &reason, "")?;
        if let (Some((amount, method)), Some(before)) = (&paid, &before) {
            let methods = crate::settings::load(w)?.payment_methods;
            let payment = ledger::record_extension_payment(
                w, by.now, &by.actor, before, &customer, *amount, method, &methods, &reason,
            )?;
            fx.because(crate::enforce::Cause::Payment(payment.id));
        }
        if let Some(k) = &key {
            k.remember(w, extension.id)?;
        }
        fx.customer(&[customer.router_id], customer.id);
        Ok(Extended {
            extension,
            customer,
            replayed: false,
        })
    })
    .await
}

/// A bulk extension as chosen on its preview.
pub struct Bulk<'a> {
    pub customer_ids: Vec<u64>,
    pub days: &'a str,
    pub reason: &'a str,
    pub free: bool,
    /// Which group was extended, as the history shows it.
    pub label: &'a str,
    pub idempotency_key: &'a str,
}

/// Extends every chosen customer in one transaction; `false` when the key had done it before.
pub async fn extend_many(core: &Core, by: &By, b: Bulk<'_>) -> Result<bool, Error> {
    let mut p = Problems::default();
    let (days, reason) = ledger::check_extension(b.days, b.reason, &mut p);
    if b.customer_ids.is_empty() {
        p.add("customer_id", Msg::NothingSelected);
    }
    let key = Key::parse(
        Scope::BulkExtension,
        b.idempotency_key,
        "idempotency_key",
        &mut p,
    );
    p.check()?;
    let (ids, free) = (b.customer_ids, b.free);
    let label: String = b.label.chars().take(60).collect();
    commit(core, by, move |w, fx, by| {
        if crate::idempotency::made_before(key.as_ref(), w)?.is_some() {
            return Ok(false);
        }
        let mut first = None;
        for id in ids {
            let (e, c) = ledger::extend(w, by.now, &by.actor, id, days, free, &reason, &label)?;
            first.get_or_insert(e.id);
            fx.customer(&[c.router_id], c.id);
        }
        if let (Some(k), Some(first)) = (&key, first) {
            k.remember(w, first)?;
        }
        Ok(true)
    })
    .await
}
