//! Recording and reversing payments.

use super::{By, commit};
use crate::app::Core;
use crate::billing::Customer;
use crate::billing::ledger::{self, NewPayment, Payment, Recorded};
use crate::enforce::Cause;
use crate::error::Error;
use crate::i18n::Msg;
use crate::idempotency::{Key, Scope};
use crate::model::{BankAccountId, CustomerId, Money};
use crate::store::Reader;
use crate::validate::Problems;
use jiff::tz::TimeZone;

/// A payment as an edge received it: text, with the amount already read in the units that edge
/// takes (major at the counter, minor in the API).
pub struct PaymentFields<'a> {
    pub customer_id: &'a str,
    pub amount: Result<Money, Msg>,
    pub method: &'a str,
    pub bank_account_id: &'a str,
    pub reference: &'a str,
    /// Empty: now. RFC 3339, or local `YYYY-MM-DDTHH:MM` in `tz`.
    pub received_at: &'a str,
    pub idempotency_key: &'a str,
}

impl PaymentFields<'_> {
    /// Every field to its type, or each field's problem.
    pub fn parse(&self, tz: &TimeZone) -> Result<NewPayment, Error> {
        let mut p = Problems::default();
        let customer = CustomerId::parse(self.customer_id);
        if customer.is_none() {
            p.add("customer_id", Msg::UnknownCustomer);
        }
        let amount = self.amount.map_err(|m| p.add("amount", m)).ok();
        let bank_account = match self.bank_account_id.trim() {
            "" => Ok(None),
            s => BankAccountId::parse(s).map(Some).ok_or(()),
        }
        .map_err(|()| p.add("bank_account_id", Msg::InvalidChoice))
        .ok()
        .flatten();
        let reference = p.text("reference", self.reference, 120, false, false);
        let received_at = match self.received_at.trim() {
            "" => Some(None),
            s => crate::billing::customer::parse_time(s, tz).map(Some),
        };
        if received_at.is_none() {
            p.add("received_at", Msg::InvalidDateTime);
        }
        let key = self.idempotency_key.trim();
        if key.len() > 100 {
            p.add_arg("idempotency_key", Msg::TooLong, 100);
        }
        // QPay's payments are keyed `qpay:<payment_id>` and agents' renewals `agent:…`: a key
        // typed here must not pre-empt one.
        if key.starts_with("qpay:") || key.starts_with("agent:") {
            p.add("idempotency_key", Msg::ReservedKey);
        }
        p.check()?;
        let (Some(customer), Some(amount), Some(received_at)) = (customer, amount, received_at)
        else {
            return Err(Error::Internal("payment parse without problems".into()));
        };
        Ok(NewPayment {
            customer,
            amount,
            method: self.method.trim().to_string(),
            bank_account,
            reference,
            received_at,
            key: (!key.is_empty()).then(|| key.to_string()),
        })
    }
}

/// Records a payment under the installation's payment methods and activation rule; the
/// customer's router reconciles (cause: this payment) and a receipt may be owed.
pub async fn record(core: &Core, by: &By, payment: NewPayment) -> Result<Recorded, Error> {
    commit(core, by, move |w, fx, by| {
        let settings = crate::settings::load(w)?;
        let rec = ledger::record_payment(
            w,
            by.now,
            &by.actor,
            &payment,
            &settings.payment_methods,
            settings.allow_partial_activation,
        )?;
        if !rec.replayed {
            fx.customer(&[rec.customer.router_id], rec.customer.id);
            fx.because(Cause::Payment(rec.payment.id));
            fx.notify();
        }
        Ok(rec)
    })
    .await
}

/// What a reversal made; `replayed` when its one-time key had made it before.
pub struct Reversed {
    pub reversal: Payment,
    pub customer: Customer,
    pub replayed: bool,
}

/// Reverses a payment; with a one-time key, a replay reverses nothing and answers with the
/// reversal the key made. Without a key, a second reversal of the same payment is refused as
/// already reversed.
pub async fn reverse(
    core: &Core,
    by: &By,
    payment_id: u64,
    reason: String,
    key: &str,
) -> Result<Reversed, Error> {
    let mut p = Problems::default();
    let key = Key::parse(Scope::Reversal, key, "idempotency_key", &mut p);
    p.check()?;
    commit(core, by, move |w, fx, by| {
        if let Some(rid) = crate::idempotency::made_before(key.as_ref(), w)? {
            let reversal = w.get::<Payment>(rid)?.ok_or(Error::NotFound)?;
            let customer = w
                .get::<Customer>(reversal.customer_id)?
                .ok_or(Error::NotFound)?;
            return Ok(Reversed {
                reversal,
                customer,
                replayed: true,
            });
        }
        let (reversal, customer) =
            ledger::reverse_payment(w, by.now, &by.actor, payment_id, &reason)?;
        if let Some(k) = &key {
            k.remember(w, reversal.id)?;
        }
        fx.customer(&[customer.router_id], customer.id);
        fx.because(Cause::Payment(reversal.id));
        Ok(Reversed {
            reversal,
            customer,
            replayed: false,
        })
    })
    .await
}
