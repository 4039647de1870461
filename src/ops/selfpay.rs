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

/// The client for the current settings, kept while they stay the same (its token with it), and
/// how QPay last answered, for the admin's status panel.
#[derive(Default)]
pub struct Clients {
    client: Mutex<Option<(String, Arc<qpay::QPay>)>>,
    health: Mutex<Health>,
}

/// How talking to QPay went lately. Kept in memory: a restart starts with nothing known.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Health {
    pub last_ok: Option<jiff::Timestamp>,
    pub last_error_at: Option<jiff::Timestamp>,
    pub last_error: String,
}

impl Health {
    /// The last thing that happened was a failure.
    pub fn failing(&self) -> bool {
        self.last_error_at
            .is_some_and(|e| self.last_ok.is_none_or(|ok| e > ok))
    }
}

impl Clients {
    pub fn health(&self) -> Health {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn note(&self, now: jiff::Timestamp, outcome: Result<(), &str>) {
        let mut h = self.health.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Ok(()) => h.last_ok = Some(now),
            Err(e) => {
                h.last_error_at = Some(now);
                h.last_error = e.chars().take(300).collect();
            }
        }
    }

    fn get(&self, core: &Core, s: &QPaySettings) -> Result<Arc<qpay::QPay>, String> {
        let fingerprint = format!(
            "{}\n{}\n{}\n{}\n{}",
            s.base_url, s.client_id, s.secret_sealed, s.invoice_code, s.branch_code
        );
        let mut slot = self.client.lock().unwrap_or_else(|e| e.into_inner());
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

/// Settings → QPay saved. Every router reconciles in full: the walled garden and the PPPoE
/// "please pay" rules follow the pay address and the hosts named here.
pub async fn save_settings(
    core: &Core,
    by: &By,
    d: crate::selfpay::QPaySettingsDraft,
) -> Result<QPaySettings, Error> {
    let secrets = core.secrets.clone();
    let s = commit(core, by, move |w, fx, by| {
        let s = settings::save(w, by.now, &by.actor, &d, |pw| secrets.seal(pw))?;
        fx.plans();
        fx.selfpay();
        Ok(s)
    })
    .await?;
    Ok(s)
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
    let (invoice, customer, fresh, unit) = commit(core, &by, move |w, fx, by| {
        let s = settings::load(w)?;
        let c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
        if c.archived {
            return Err(Error::Conflict(Msg::CustomerArchived));
        }
        let due = invoices::due(w, by.now, &s, &c, plan_id)?;
        let unit = invoices::unit(crate::settings::load(w)?.currency.exponent);
        if let Some(i) = invoices::reusable(w, by.now, c.id, &due, REUSE_MARGIN)? {
            let i = invoices::watch(w, by.now, i.id)?;
            return Ok((i, c, false, unit));
        }
        let i = invoices::open(w, by.now, &c, &due, lifetime)?;
        // The replaced ones are cancelled at QPay by the checker, then asked once more: an old
        // QR paid meanwhile becomes a payment (credit) rather than lost.
        if invoices::replace_open(w, by.now, c.id, i.id)? > 0 {
            fx.selfpay();
        }
        Ok((i, c, true, unit))
    })
    .await?;
    let client = match core.selfpay_clients.get(core, &s) {
        Ok(c) => c,
        Err(e) => {
            core.selfpay_clients.note(by.now, Err(&e));
            return fail(core, &by, invoice.id, &e).await;
        }
    };
    if !fresh {
        core.selfpay.wake();
        return Ok(invoice);
    }
    // QPay requires a callback address. Without a public one the pay address (or the loopback)
    // is given: QPay's call then fails on its side, harmlessly, and polling confirms.
    let base = [&s.callback_base, &s.pay_address]
        .into_iter()
        .find(|b| !b.is_empty())
        .map_or("http://127.0.0.1", |b| b.as_str());
    let callback_url = format!("{base}/qpay/callback?invoice={}", invoice.number());
    let request = qpay::NewInvoice {
        sender_invoice_no: invoice.number(),
        receiver_code: customer.login.clone(),
        description: format!("{} {}", customer.login, invoice.number()),
        // `due` made it whole tögrög.
        amount: u64::try_from(invoice.amount / unit)
            .map_err(|_| Error::Internal("negative invoice amount".into()))?,
        callback_url,
        due_date: None,
    };
    let created = client.create_invoice(&request).await;
    let why = created.as_ref().err().map(ToString::to_string);
    core.selfpay_clients
        .note(core.clock.now(), why.as_deref().map_or(Ok(()), Err));
    match created {
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
    // Read first: a flood of callbacks (they are unauthenticated) costs reads, and a write only
    // when it really moves the invoice's next check. The whole number must match, not only its
    // id, so guessing ids finds nothing.
    let now = core.clock.now();
    let number = number.to_string();
    let needed = core
        .store
        .read_async(move |r| {
            Ok::<_, Error>(r.get::<Invoice>(id)?.is_some_and(|i| {
                i.number() == number && i.checked() && invoices::callback_moves(&i, now)
            }))
        })
        .await?;
    if !needed {
        return Ok(false);
    }
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
    let cut_short = i.status == InvoiceStatus::Open && i.qpay_id.is_empty();
    if !i.checked() && !cut_short {
        return Ok(());
    }
    let mut cancelled_there = false;
    let answer = if cut_short {
        // Its creation was cut short (a restart between the two transactions): nothing to ask.
        Err("the invoice was not created at QPay".to_string())
    } else {
        match core.selfpay_clients.get(core, s) {
            Ok(client) => {
                // An invoice ended here is cancelled at QPay first and asked after, so a QR paid
                // up to that moment is still found and nothing can be paid on it later.
                if i.ended() {
                    cancelled_there = match client.cancel_invoice(&i.qpay_id).await {
                        Ok(()) => true,
                        Err(e) => matches!(
                            e.code(),
                            Some("INVOICE_NOTFOUND" | "INVOICE_ALREADY_CANCELED")
                        ),
                    };
                }
                client
                    .check_payment(&i.qpay_id)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e),
        }
    };
    core.selfpay_clients.note(
        core.clock.now(),
        answer.as_ref().map(|_| ()).map_err(String::as_str),
    );
    let (paid, pending, error) = match answer {
        Ok(check) => (
            check
                .rows
                .iter()
                .filter(|r| r.status == qpay::PaymentStatus::Paid)
                .map(|r| Paid {
                    payment_id: r.payment_id.clone(),
                    amount: r.amount,
                })
                .collect::<Vec<_>>(),
            check
                .rows
                .iter()
                .any(|r| r.status == qpay::PaymentStatus::New),
            None,
        ),
        Err(e) => (Vec::new(), false, Some(e)),
    };
    let by = system(core);
    let settled = commit(core, &by, move |w, fx, by| {
        let out = invoices::settle(
            w,
            by.now,
            id,
            &paid,
            error.as_deref(),
            cancelled_there,
            pending,
        )?;
        apply(fx, &out);
        Ok(out)
    })
    .await;
    if let Err(e) = &settled {
        // A payment that cannot be recorded (say, its customer was archived) must neither be
        // retried in a tight loop nor vanish: the invoice shows why and is asked again later.
        let why = format!("the payment could not be recorded: {e}");
        commit(core, &by, move |w, _fx, by| {
            invoices::postpone(w, by.now, id, &why)
        })
        .await?;
    }
    settled.map(drop)
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

/// Who is behind a source address on the served networks, as the routers say; asked at most
/// once per address per `SEEN_FOR` and by a few requests at a time, so the anonymous pay page
/// cannot make Steppe hammer the routers.
pub struct Callers {
    seen: Mutex<std::collections::HashMap<std::net::IpAddr, (jiff::Timestamp, Option<u64>)>>,
    asking: tokio::sync::Semaphore,
}

const SEEN_FOR: SignedDuration = SignedDuration::from_secs(60);
const UNKNOWN_FOR: SignedDuration = SignedDuration::from_secs(10);
const MAX_SEEN: usize = 4096;
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for Callers {
    fn default() -> Callers {
        Callers {
            seen: Mutex::default(),
            asking: tokio::sync::Semaphore::new(4),
        }
    }
}

impl Callers {
    fn cached(&self, ip: std::net::IpAddr, now: jiff::Timestamp) -> Option<Option<u64>> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let (at, who) = seen.get(&network(ip))?;
        let fresh = if who.is_some() { SEEN_FOR } else { UNKNOWN_FOR };
        (now < *at + fresh).then_some(*who)
    }

    fn remember(&self, ip: std::net::IpAddr, now: jiff::Timestamp, who: Option<u64>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_SEEN {
            seen.retain(|_, (at, _)| now < *at + SEEN_FOR);
        }
        if seen.len() >= MAX_SEEN {
            // Still full of fresh entries (a flood of addresses): the oldest quarter goes, so
            // the customers asking now keep theirs.
            let mut ages: Vec<jiff::Timestamp> = seen.values().map(|(at, _)| *at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 4];
            seen.retain(|_, (at, _)| *at > cut);
        }
        seen.insert(network(ip), (now, who));
    }
}

/// What one caller is known by: an IPv4 address, or an IPv6 address's /64 (one customer's
/// network, and all an attacker with a /64 can spend lookups on).
fn network(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            std::net::IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        other => other,
    }
}

/// The customer whose session (or hotspot host) has this source address on one of the routers:
/// every router is asked at once, within one deadline, and an address two routers' customers
/// share (two sites on the same default hotspot network) finds nobody rather than the wrong one.
pub async fn caller(core: &Core, ip: std::net::IpAddr) -> Result<Option<Customer>, Error> {
    let now = core.clock.now();
    let id = match core.callers.cached(ip, now) {
        Some(who) => who,
        None => {
            let Ok(Ok(_permit)) =
                tokio::time::timeout(ASK_TIMEOUT, core.callers.asking.acquire()).await
            else {
                return Ok(None);
            };
            let routers = core.store.read_async(crate::network::router::list).await?;
            let mut asking = tokio::task::JoinSet::new();
            for r in routers {
                let Some(pw) = core.secrets.open_sealed(&r.password_sealed) else {
                    continue;
                };
                asking.spawn(async move {
                    let found = crate::network::live::caller(&r, &pw, ip).await;
                    (r.id, found)
                });
            }
            let mut logins = Vec::new();
            let _ = tokio::time::timeout(ASK_TIMEOUT, async {
                while let Some(done) = asking.join_next().await {
                    if let Ok((router, Ok(Some(login)))) = done {
                        logins.push(crate::model::customer::login_key(router, &login));
                    }
                }
            })
            .await;
            asking.abort_all();
            let ids = core
                .store
                .read_async(move |r| {
                    let mut ids = Vec::new();
                    for key in &logins {
                        if let Some(id) = r.index_get(crate::store::Index::CustomerLogin, key)? {
                            ids.push(id);
                        }
                    }
                    Ok::<_, Error>(ids)
                })
                .await?;
            let found = match ids.as_slice() {
                [one] => Some(*one),
                _ => None,
            };
            core.callers.remember(ip, now, found);
            found
        }
    };
    match id {
        Some(id) => Ok(core
            .store
            .read_async(move |r| r.get::<Customer>(id))
            .await?),
        None => Ok(None),
    }
}
