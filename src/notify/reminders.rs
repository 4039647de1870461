//! Automatic messages: N days before expiry, on expiry, and a receipt after each payment.
//!
//! Each reminder is owed once per (customer, expiry): `Set::RemindersSent` remembers it, so a
//! restart, a second pass or a clock that moved backwards sends nothing twice, and a customer who
//! paid (new expiry) is reminded again next time. Receipts follow a watermark of the last payment
//! id looked at, moved in the same transaction that queues them.
//!
//! Only the smallest applicable "days before" is sent: a customer created with 12 hours left
//! gets the 1-day reminder, not the 3-day one as well. An on-expiry reminder is sent only within
//! a day of the expiry, so turning reminders on does not message every customer who left years
//! ago.

use super::config::{self, Reminder, Template};
use super::{Message, Origin, RenderContext, queue_for};
use crate::billing::customer::{Customer, Status};
use crate::billing::ledger::Payment;
use crate::i18n::{Lang, format};
use crate::store::{KeyedKind, KeyedRecord, Reader, Set, StoreError, Write};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

const DAY: u64 = 86_400;
/// How late an on-expiry reminder may still go out.
const EXPIRED_WINDOW: u64 = DAY;
/// Past expiries whose "sent" marks are kept (then pruned).
const KEEP_MARKS: u64 = 3 * DAY;
/// Payments looked at per pass.
const RECEIPT_BATCH: usize = 200;

fn secs(t: Timestamp) -> u64 {
    u64::try_from(t.as_second()).unwrap_or(0)
}

fn code(kind: Reminder) -> u64 {
    match kind {
        Reminder::OnExpiry => 0,
        Reminder::BeforeExpiry(d) => u64::from(d.min(250)),
        Reminder::Receipt => 255,
    }
}

fn mark(customer_id: u64, kind: Reminder) -> u64 {
    (customer_id << 8) | code(kind)
}

/// The last payment id considered for a receipt.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default)]
struct Watermark {
    last_payment_id: u64,
}

impl KeyedRecord for Watermark {
    const KIND: KeyedKind = KeyedKind::Singletons;
}

const WATERMARK: &str = "receipt-watermark";

/// What is owed at `now`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Owed {
    /// (customer, expiry second, reminder)
    pub reminders: Vec<(u64, u64, Reminder)>,
    /// Payments after the watermark, and the watermark to move to.
    pub payments: Vec<u64>,
    pub watermark: Option<u64>,
}

impl Owed {
    pub fn is_empty(&self) -> bool {
        self.reminders.is_empty() && self.watermark.is_none()
    }
}

fn eligible(c: &Customer) -> bool {
    c.status == Status::Active && !c.archived
}

/// Everything owed at `now` under `cfg`: reads only, so the worker can look without writing.
pub fn owed(r: &impl Reader, now: Timestamp, cfg: &config::Reminders) -> Result<Owed, StoreError> {
    let mut out = Owed::default();
    let now_s = secs(now);
    let sent = |exp: u64, cid: u64, kind: Reminder| -> Result<bool, StoreError> {
        r.set_contains(Set::RemindersSent, exp, mark(cid, kind))
    };
    if let Some(&max) = cfg.days_before.iter().max() {
        let mut upcoming = Vec::new();
        r.set_scan(
            Set::CustomersByExpiry,
            (now_s + 1, now_s + u64::from(max) * DAY),
            |exp, id| {
                upcoming.push((exp, id));
                true
            },
        )?;
        for (exp, id) in upcoming {
            let left = exp - now_s;
            let Some(d) = cfg
                .days_before
                .iter()
                .copied()
                .filter(|d| left <= u64::from(*d) * DAY)
                .min()
            else {
                continue;
            };
            let kind = Reminder::BeforeExpiry(d);
            if !sent(exp, id, kind)? && r.get::<Customer>(id)?.is_some_and(|c| eligible(&c)) {
                out.reminders.push((id, exp, kind));
            }
        }
    }
    if cfg.on_expiry {
        let mut ended = Vec::new();
        r.set_scan(
            Set::CustomersByExpiry,
            (now_s.saturating_sub(EXPIRED_WINDOW), now_s),
            |exp, id| {
                ended.push((exp, id));
                true
            },
        )?;
        for (exp, id) in ended {
            if !sent(exp, id, Reminder::OnExpiry)?
                && r.get::<Customer>(id)?.is_some_and(|c| eligible(&c))
            {
                out.reminders.push((id, exp, Reminder::OnExpiry));
            }
        }
    }
    match r.kget::<Watermark>(WATERMARK)? {
        // First pass ever: start after the newest payment, so history gets no receipts.
        None => {
            let mut newest = 0;
            r.scan::<Payment>(true, |p| {
                newest = p.id;
                false
            })?;
            out.watermark = Some(newest);
        }
        Some(w) => {
            for p in r.range::<Payment>(w.last_payment_id + 1, RECEIPT_BATCH)? {
                out.watermark = Some(p.id);
                if cfg.receipt && p.amount > 0 && p.reversal_of.is_none() {
                    out.payments.push(p.id);
                }
            }
        }
    }
    Ok(out)
}

/// The receipt template with the amount filled in for each language.
fn receipt_template(t: &Template, amount: i64, currency: &format::Currency) -> Template {
    let fill =
        |lang: Lang, s: &str| s.replace("{amount_paid}", &format::money(lang, amount, currency));
    Template {
        en: fill(Lang::En, &t.en),
        mn: fill(Lang::Mn, &t.mn),
    }
}

/// Queues everything owed at `now`, marks it sent and prunes old marks, in the caller's
/// transaction.
pub fn queue_due(
    w: &mut Write,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<Message>, StoreError> {
    let cfg = config::load(w)?.reminders;
    let owed = owed(w, now, &cfg)?;
    if owed.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = RenderContext::load(w, tz)?;
    let mut out = Vec::new();
    for (cid, exp, kind) in owed.reminders {
        w.set_add(Set::RemindersSent, exp, mark(cid, kind))?;
        if let Some(c) = w.get::<Customer>(cid)? {
            let origin = Origin::Reminder { reminder: kind };
            out.extend(queue_for(
                w,
                now,
                &ctx,
                &c,
                &cfg.channels,
                "",
                cfg.template(kind),
                origin,
                "(reminder)",
            )?);
        }
    }
    for pid in owed.payments {
        let Some(p) = w.get::<Payment>(pid)? else {
            continue;
        };
        let Some(c) = w.get::<Customer>(p.customer_id)? else {
            continue;
        };
        let t = receipt_template(&cfg.receipt_text, p.amount, &ctx.settings.currency);
        let origin = Origin::Reminder {
            reminder: Reminder::Receipt,
        };
        out.extend(queue_for(
            w,
            now,
            &ctx,
            &c,
            &cfg.channels,
            "",
            &t,
            origin,
            "(receipt)",
        )?);
    }
    if let Some(id) = owed.watermark {
        w.kput(
            WATERMARK,
            &Watermark {
                last_payment_id: id,
            },
        )?;
    }
    let mut old = Vec::new();
    w.set_scan(
        Set::RemindersSent,
        (0, secs(now).saturating_sub(KEEP_MARKS)),
        |g, id| {
            old.push((g, id));
            old.len() < 1000
        },
    )?;
    for (g, id) in old {
        w.set_remove(Set::RemindersSent, g, id)?;
    }
    Ok(out)
}

/// When the next reminder falls due after `now`, if any is configured.
pub fn next_at(
    r: &impl Reader,
    now: Timestamp,
    cfg: &config::Reminders,
) -> Result<Option<Timestamp>, StoreError> {
    let now_s = secs(now);
    let mut next: Option<u64> = None;
    let mut consider = |t: u64| next = Some(next.map_or(t, |n| n.min(t)));
    for d in &cfg.days_before {
        let lead = u64::from(*d) * DAY;
        if let Some((exp, _)) = r.set_first_from(Set::CustomersByExpiry, now_s + lead + 1)? {
            consider(exp - lead);
        }
    }
    if cfg.on_expiry
        && let Some((exp, _)) = r.set_first_from(Set::CustomersByExpiry, now_s + 1)?
    {
        consider(exp);
    }
    Ok(next.and_then(|s| Timestamp::from_second(i64::try_from(s).ok()?).ok()))
}
