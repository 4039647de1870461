//! Customers: create, edit, suspend / resume / disable, remove, change package.

use super::{By, commit};
use crate::app::Core;
use crate::billing::customer::{self, CustomerInput, Status};
use crate::billing::{Customer, ledger};
use crate::error::Error;
use crate::idempotency::{Key, Scope};
use crate::store::Reader;
use crate::validate::Problems;

/// Creates a customer and bills their first period.
pub async fn create(core: &Core, by: &By, d: CustomerInput) -> Result<Customer, Error> {
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        let c = customer::create(w, by.now, &by.actor, &secrets, d, false)?;
        fx.customer(&[c.router_id], c.id);
        Ok(c)
    })
    .await
}

/// A first payment taken with the new-customer form: the package's price, by this method.
pub struct PaidNow {
    pub method: String,
    /// The form's one-time key: a replayed form finds the customer it made instead of failing
    /// on the login it took.
    pub key: String,
}

/// What creating a customer made; `replayed` when the form's key had made it before.
pub struct Created {
    pub customer: Customer,
    pub payment: Option<u64>,
    pub replayed: bool,
}

/// Creates a customer and, when paid now, records their first period's payment in the same
/// transaction, so service starts the moment they are saved.
pub async fn create_paid(
    core: &Core,
    by: &By,
    d: CustomerInput,
    paid: PaidNow,
) -> Result<Created, Error> {
    let raw = paid.key.trim();
    let key = (!raw.is_empty() && raw.len() <= 80 && raw.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| format!("new-customer:{raw}"));
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        if let Some(k) = &key
            && let Some(id) = w.index_get(crate::store::Index::PaymentIdempotency, k)?
        {
            let pay = w.get::<ledger::Payment>(id)?.ok_or(Error::NotFound)?;
            let customer = w.get::<Customer>(pay.customer_id)?.ok_or(Error::NotFound)?;
            return Ok(Created {
                customer,
                payment: Some(id),
                replayed: true,
            });
        }
        let c = customer::create(w, by.now, &by.actor, &secrets, d, false)?;
        let plan = w
            .get::<crate::billing::Plan>(c.plan_id)?
            .ok_or(Error::NotFound)?;
        let amount = crate::model::Money::payment(plan.price).map_err(|m| {
            let mut p = Problems::default();
            p.add("paid_now", m);
            Error::Invalid(p)
        })?;
        let settings = crate::settings::load(w)?;
        let rec = ledger::record_payment(
            w,
            by.now,
            &by.actor,
            &ledger::NewPayment {
                customer: crate::model::CustomerId::new(c.id),
                amount,
                method: paid.method,
                bank_account: None,
                reference: String::new(),
                received_at: None,
                key,
            },
            &settings.payment_methods,
            settings.allow_partial_activation,
        )
        .map_err(|e| match e {
            // The new-customer form names its method field apart from the customer's own.
            Error::Invalid(mut p) => {
                for pr in &mut p.0 {
                    if pr.field == "method" {
                        pr.field = "first_method";
                    }
                }
                Error::Invalid(p)
            }
            e => e,
        })?;
        fx.customer(&[c.router_id], c.id);
        fx.because(crate::enforce::Cause::Payment(rec.payment.id));
        fx.notify();
        Ok(Created {
            customer: rec.customer,
            payment: Some(rec.payment.id),
            replayed: false,
        })
    })
    .await
}

/// Edits a customer; `draft` is made from the customer as the write transaction reads it (an
/// edit form merged with it, or an API PATCH laid over it).
pub async fn update<F>(core: &Core, by: &By, id: u64, draft: F) -> Result<Customer, Error>
where
    F: FnOnce(&crate::store::Write, &Customer) -> Result<CustomerInput, Error> + Send + 'static,
{
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        let before = w.get::<Customer>(id)?.ok_or(Error::NotFound)?;
        let (c, touched) = customer::update_from(w, by.now, &by.actor, &secrets, id, draft)?;
        if customer::locks_out_portal(&before, &c) {
            crate::portal::end_all_of(w, id)?;
        }
        fx.customer(&touched, c.id);
        Ok(c)
    })
    .await
}

/// Suspend, resume or disable.
pub async fn set_status(core: &Core, by: &By, id: u64, status: Status) -> Result<Customer, Error> {
    commit(core, by, move |w, fx, by| {
        let (c, touched) = customer::set_status(w, by.now, &by.actor, id, status)?;
        fx.customer(&touched, c.id);
        Ok(c)
    })
    .await
}

/// Removes a customer: deleted without financial history, archived with it. `true` = deleted.
pub async fn remove(core: &Core, by: &By, id: u64) -> Result<bool, Error> {
    commit(core, by, move |w, fx, by| {
        let history = ledger::has_history(w, id)?;
        let (deleted, touched) = customer::delete_or_archive(w, by.now, &by.actor, id, history)?;
        // Deleted or archived, nobody signs in to the portal as this customer any more.
        crate::portal::end_all_of(w, id)?;
        fx.customer(&touched, id);
        Ok(deleted)
    })
    .await
}

/// Moves a customer to another package now (the open bill follows it) or at renewal. With a
/// one-time key, once per form: `None` when the key had done it before.
pub async fn change_plan(
    core: &Core,
    by: &By,
    id: u64,
    plan_id: u64,
    at_renewal: bool,
    key: &str,
) -> Result<Option<Customer>, Error> {
    let mut p = Problems::default();
    let key = Key::parse(Scope::PlanChange, key, "idempotency_key", &mut p);
    p.check()?;
    commit(core, by, move |w, fx, by| {
        if crate::idempotency::made_before(key.as_ref(), w)?.is_some() {
            return Ok(None);
        }
        let (c, touched) = ledger::change_plan(w, by.now, &by.actor, id, plan_id, at_renewal)?;
        if let Some(k) = &key {
            k.remember(w, id)?;
        }
        fx.customer(&touched, c.id);
        Ok(Some(c))
    })
    .await
}
