//! Bills raised and voided by hand.

use super::{By, commit};
use crate::app::Core;
use crate::billing::ledger::{self, Bill};
use crate::billing::{Customer, Plan};
use crate::error::Error;
use crate::i18n::Msg;
use crate::idempotency::{Key, Scope};
use crate::store::Reader;
use crate::validate::Problems;

/// Raises the customer's next period's bill (on the package they renew onto); with a one-time
/// key, a replay raises nothing and answers with the bill the key raised (`true`).
pub async fn raise(
    core: &Core,
    by: &By,
    customer_id: u64,
    note: String,
    key: &str,
) -> Result<(Bill, bool), Error> {
    let mut p = Problems::default();
    let key = Key::parse(Scope::Bill, key, "idempotency_key", &mut p);
    p.check()?;
    commit(core, by, move |w, _, by| {
        if let Some(id) = crate::idempotency::made_before(key.as_ref(), w)? {
            return Ok((w.get::<Bill>(id)?.ok_or(Error::NotFound)?, true));
        }
        let c = w
            .get::<Customer>(customer_id)?
            .ok_or_else(|| Error::Invalid(Problems::one("customer_id", Msg::UnknownCustomer)))?;
        let plan = w
            .get::<Plan>(c.next_plan_id.unwrap_or(c.plan_id))?
            .ok_or(Error::NotFound)?;
        let bill = ledger::raise_bill(w, by.now, &by.actor, &c, &plan, &note)?;
        if let Some(k) = &key {
            k.remember(w, bill.id)?;
        }
        Ok((bill, false))
    })
    .await
}

/// Voids an open bill (never deleted: it stays in the history, marked void).
pub async fn void(core: &Core, by: &By, bill_id: u64, reason: String) -> Result<Bill, Error> {
    commit(core, by, move |w, _, by| {
        ledger::void_bill(w, by.now, &by.actor, bill_id, &reason)
    })
    .await
}
