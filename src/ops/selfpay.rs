//! QPay between transactions: opening an invoice (a record first, so its number exists, then
//! QPay, then its answer), and the checker that asks QPay about open invoices and turns what is
//! paid into payments through the same path as the counter's.

use super::{By, Effects, commit};
use crate::app::Core;
use crate::enforce::Cause;
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::customer::Customer;
use crate::model::invoice::{BankLink, Invoice, InvoiceStatus};
use crate::qpay;
use crate::selfpay::invoices::{self, Paid};
use crate::selfpay::settings::{self, QPaySettings};
use crate::store::Reader;
use jiff::SignedDuration;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Opening the pay page twice within this of an invoice's end makes a new one.
const REUSE_MARGIN: SignedDuration = SignedDuration::from_secs(120);
/// Checks run one at a time; at most this many per round.
const ROUND: usize = 16;
/// With nothing open, the checker only looks at the store this often (it asks QPay nothing).
const IDLE: Duration = Duration::from_secs(60);

/// The client for the current settings, kept while they stay the same (its token with it).
#[derive(Default)]
pub struct Clients(Mutex<Option<(String, Arc<qpay::QPay>)>>);

impl Clients {
    fn get(&self, core: &Core, s: &QPaySettings) -> Result<Arc<qpay::QPay>, String> {
        let fingerprint = format!(
            "{}\n{}\n{}\n{}\n{}",
            s.base_url, s.client_id, s.secret_sealed, s.invoice_code, s.branch_code
        );
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((f, c)) = slot.as_ref()
            && *f == fingerprint
        {
            return Ok(c.clone());
        }
        let secret = core.secrets.open_sealed(&s.secret_sealed).ok_or_else(|| {
            "the stored QPay client secret cannot be opened; enter it again".to_string()
        })?;
        let clock = core.clock.clone();
        let client = Arc::new(qpay::QPay::new(qpay::Config {
            base_url: qpay::BaseUrl::parse(&s.base_url)?,
            credentials: qpay::Credentials {
                client_id: s.client_id.clone(),
                client_secret: secret,
            },
            invoice_code: s.invoice_code.clone(),
            branch_code: (!s.branch_code.is_empty()).then(|| s.branch_code.clone()),
            timeout: qpay::TIMEOUT,
            clock: Arc::new(move || clock.now()),
        }));
        *slot = Some((fingerprint, client.clone()));
        Ok(client)
    }
}

fn system(core: &Core) -> By {
    By {
        actor: invoices::actor(),
        now: core.clock.now(),
        tz: core.env_tz.clone(),
    }
}

/// The customer's invoice for what they owe now (or for `plan_id`, where allowed): an open one
/// for the same amount is shown again, otherwise a new one replaces it. When QPay cannot be
/// reached or refuses, the invoice comes back `Failed` with why; the page offers the bank
/// accounts instead.
pub async fn open_invoice(
    core: &Core,
    customer_id: u64,
    plan_id: Option<u64>,
) -> Result<Invoice, Error> {
    let by = system(core);
    let s = core.store.read_async(settings::load).await?;
    if !s.usable() {
        return Err(Error::Conflict(Msg::QPayOff));
    }
    let lifetime = SignedDuration::from_mins(i64::from(s.invoice_minutes));
    let (invoice, customer, replaced, fresh) = commit(core, &by, move |w, _fx, by| {
        let s = settings::load(w)?;
        let c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
        if c.archived {
            return Err(Error::Conflict(Msg::CustomerArchived));
        }
        let due = invoices::due(w, by.now, &s, &c, plan_id)?;
        if let Some(i) = invoices::reusable(w, by.now, c.id, &due, REUSE_MARGIN)? {
            let i = invoices::watch(w, by.now, i.id)?;
            return Ok((i, c, Vec::new(), false));
        }
        let i = invoices::open(w, by.now, &c, &due, lifetime)?;
        let replaced = invoices::replace_open(w, c.id, i.id)?;
        Ok((i, c, replaced, true))
    })
    .await?;
    let client = match core.selfpay_clients.get(core, &s) {
        Ok(c) => c,
        Err(e) => return fail(core, &by, invoice.id, &e).await,
    };
    for id in replaced {
        // Best effort: an old QR left open at QPay could still be paid, and would then be
        // recorded as a payment (credit) rather than lost, since its invoice is still ours.
        let _ = client.cancel_invoice(&id).await;
    }
    if !fresh {
        core.selfpay.wake();
        return Ok(invoice);
    }
    let callback_url = if s.callback_base.is_empty() {
        String::new()
    } else {
        format!(
            "{}/qpay/callback?invoice={}",
            s.callback_base,
            invoice.number()
        )
    };
    let request = qpay::NewInvoice {
        sender_invoice_no: invoice.number(),
        receiver_code: customer.login.clone(),
        description: format!("{} {}", customer.login, invoice.number()),
        amount: whole(core, invoice.amount).await?,
        callback_url,
        due_date: None,
    };
    match client.create_invoice(&request).await {
        Ok(q) => {
            let links = q
                .urls
                .into_iter()
                .map(|u| BankLink {
                    name: u.name,
                    logo: u.logo,
                    link: u.link,
                })
                .collect();
            let id = invoice.id;
            let i = commit(core, &by, move |w, fx, by| {
                fx.selfpay();
                invoices::created(
                    w,
                    by.now,
                    id,
                    &q.invoice_id,
                    &q.qr_text,
                    &q.short_url,
                    links,
                )
            })
            .await?;
            Ok(i)
        }
        Err(e) => fail(core, &by, invoice.id, &e.to_string()).await,
    }
}

async fn fail(core: &Core, by: &By, id: u64, why: &str) -> Result<Invoice, Error> {
    tracing::warn!(invoice = id, error = why, "QPay invoice not created");
    let why = why.to_string();
    commit(core, by, move |w, _fx, _by| invoices::failed(w, id, &why)).await
}

/// Minor units to the whole units QPay is asked for.
async fn whole(core: &Core, minor: i64) -> Result<u64, Error> {
    let exponent = core
        .store
        .read_async(|r| Ok::<_, Error>(crate::settings::load(r)?.currency.exponent))
        .await?;
    let unit = 10_i64.pow(u32::from(exponent.min(6)));
    u64::try_from(minor / unit).map_err(|_| Error::Internal("negative invoice amount".into()))
}

/// The pay page is open on this invoice: check it often for a while. Returns it as it is now.
pub async fn watch(core: &Core, customer_id: u64, id: u64) -> Result<Invoice, Error> {
    let by = system(core);
    let i = commit(core, &by, move |w, fx, by| {
        let i = w.get::<Invoice>(id)?.ok_or(Error::NotFound)?;
        if i.customer_id != customer_id {
            return Err(Error::NotFound);
        }
        fx.selfpay();
        invoices::watch(w, by.now, id)
    })
    .await?;
    Ok(i)
}

/// QPay's callback named one of our invoice numbers: check it at once. The callback proves
/// nothing; only the check's answer changes anything.
pub async fn callback(core: &Core, number: &str) -> Result<bool, Error> {
    let Some(id) = Invoice::parse_number(number) else {
        return Ok(false);
    };
    let by = system(core);
    let found = commit(core, &by, move |w, fx, by| {
        let i = invoices::check_now(w, by.now, id)?;
        if i.is_some() {
            fx.selfpay();
        }
        Ok(i.is_some())
    })
    .await?;
    Ok(found)
}

/// Asks QPay about one open invoice and applies the answer.
async fn check_one(core: &Core, s: &QPaySettings, id: u64) -> Result<(), Error> {
    let Some(i) = core.store.read_async(move |r| r.get::<Invoice>(id)).await? else {
        return Ok(());
    };
    if i.status != InvoiceStatus::Open {
        return Ok(());
    }
    let answer = if i.qpay_id.is_empty() {
        // Its creation was cut short (a restart between the two transactions): nothing to ask.
        Err("the invoice was not created at QPay".to_string())
    } else {
        match core.selfpay_clients.get(core, s) {
            Ok(client) => client
                .check_payment(&i.qpay_id)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        }
    };
    let (paid, error) = match answer {
        Ok(check) => (
            check
                .rows
                .into_iter()
                .filter(|r| r.status == qpay::PaymentStatus::Paid)
                .map(|r| Paid {
                    payment_id: r.payment_id,
                    amount: r.amount,
                })
                .collect::<Vec<_>>(),
            None,
        ),
        Err(e) => (Vec::new(), Some(e)),
    };
    let by = system(core);
    let settled = commit(core, &by, move |w, fx, by| {
        let out = invoices::settle(w, by.now, id, &paid, error.as_deref())?;
        apply(fx, &out);
        Ok(out)
    })
    .await?;
    if let Some(i) = &settled.invoice
        && i.status == InvoiceStatus::Expired
        && !i.qpay_id.is_empty()
        && let Ok(client) = core.selfpay_clients.get(core, s)
    {
        let _ = client.cancel_invoice(&i.qpay_id).await;
    }
    Ok(())
}

fn apply(fx: &mut Effects, out: &invoices::Settled) {
    if let Some((c, touched)) = &out.plan_changed {
        fx.customer(touched, c.id);
    }
    for rec in &out.recorded {
        fx.customer(&[rec.customer.router_id], rec.customer.id);
        fx.because(Cause::Payment(rec.payment.id));
        fx.notify();
    }
}

/// The checker: runs until `stop`, asking QPay only about open invoices that are due, one at a
/// time, and sleeping until the next is due or something wakes it.
pub async fn checker(core: Arc<Core>, stop: Arc<tokio::sync::Notify>) {
    loop {
        let now = core.clock.now();
        let round = core
            .store
            .read_async(move |r| {
                Ok::<_, Error>((settings::load(r)?, invoices::due_checks(r, now, ROUND)?))
            })
            .await;
        match round {
            Ok((s, due)) if s.usable() => {
                for id in due {
                    if let Err(e) = check_one(&core, &s, id).await {
                        tracing::warn!(invoice = id, error = %e, "checking a QPay invoice");
                    }
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading QPay invoices"),
        }
        let next = core
            .store
            .read_async(|r| Ok::<_, Error>(invoices::next_due(r)?))
            .await
            .ok()
            .flatten();
        let now = core.clock.now();
        let wait = match next {
            Some(t) if t <= now => Duration::from_millis(200),
            Some(t) => Duration::try_from(t - now)
                .unwrap_or(IDLE)
                .min(IDLE)
                .max(Duration::from_millis(200)),
            None => IDLE,
        };
        tokio::select! {
            _ = stop.notified() => return,
            _ = core.selfpay.woken() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Saves the QPay settings. Every router reconciles in full: the walled garden and the "please
/// pay" fence follow QPay's host, the pay address and the garden hosts.
pub async fn save_settings(
    core: &Core,
    by: &By,
    draft: settings::QPaySettingsDraft,
) -> Result<QPaySettings, Error> {
    let secrets = core.secrets.clone();
    commit(core, by, move |w, fx, by| {
        let saved = settings::save(w, by.now, &by.actor, &draft, |s| secrets.seal(s))?;
        fx.plans();
        Ok(saved)
    })
    .await
}
