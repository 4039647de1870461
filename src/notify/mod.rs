//! Messages to customers: composed with per-customer placeholders, queued in the store, and sent
//! by a background worker with retries, each attempt recorded. Nothing is lost over a restart:
//! the queue is a store index, not memory.

pub mod channels;
pub mod config;
pub mod reminders;
pub mod smtp;
pub mod worker;

use crate::audit::{self, Actor};
use crate::billing::Plan;
use crate::billing::customer::Customer;
use crate::billing::ledger::{self, BankAccount, BillStatus};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg, format};
use crate::settings::Settings;
use crate::store::{Kind, Reader, Record, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// `/tool/sms/send` on a router's LTE modem.
    SmsRouter,
    /// An HTTP SMS gateway configured in settings.
    SmsGateway,
    /// E-mail over SMTP.
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::SmsRouter, Channel::SmsGateway, Channel::Email];
    pub fn id(self) -> &'static str {
        match self {
            Channel::SmsRouter => "sms_router",
            Channel::SmsGateway => "sms_gateway",
            Channel::Email => "email",
        }
    }

    /// Where this channel reaches the customer, if they can be reached on it.
    pub fn address(self, c: &Customer) -> Option<String> {
        let a = match self {
            Channel::SmsRouter | Channel::SmsGateway => c.phone.trim(),
            Channel::Email => c.email.trim(),
        };
        (!a.is_empty()).then(|| a.to_string())
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.id() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Sent,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: Timestamp,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: u64,
    pub customer_id: u64,
    pub channel: Channel,
    /// Phone number or address the message goes to.
    pub to: String,
    pub subject: String,
    /// The final text, placeholders filled in.
    pub body: String,
    pub status: Status,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Timestamp,
    pub created_at: Timestamp,
    pub created_by: String,
    /// Why it was sent: composed by an admin, an automatic reminder, or a reply to feedback.
    #[serde(default)]
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Origin {
    #[default]
    Composed,
    Reminder {
        reminder: config::Reminder,
    },
    FeedbackReply {
        feedback_id: u64,
    },
}

impl Record for Message {
    const KIND: Kind = Kind::Messages;
}

/// After this many failed attempts a message is marked failed (and can be retried by hand).
pub const MAX_ATTEMPTS: usize = 5;

/// Waits between attempts: 1 min, 5 min, 30 min, 2 h.
pub fn backoff(attempts: usize) -> SignedDuration {
    SignedDuration::from_secs(match attempts {
        0 | 1 => 60,
        2 => 300,
        3 => 1_800,
        _ => 7_200,
    })
}

fn secs(t: Timestamp) -> u64 {
    u64::try_from(t.as_second()).unwrap_or(0)
}

/// Writes a message and keeps the queue index (by next attempt) in step.
pub fn store_message(
    w: &mut Write,
    before: Option<&Message>,
    m: &Message,
) -> Result<(), StoreError> {
    if let Some(b) = before.filter(|b| b.status == Status::Queued) {
        w.set_remove(Set::MessagesQueued, secs(b.next_attempt_at), b.id)?;
    }
    w.put(m.id, m)?;
    if m.status == Status::Queued {
        w.set_add(Set::MessagesQueued, secs(m.next_attempt_at), m.id)?;
    }
    w.set_add(Set::MessagesByCustomer, m.customer_id, m.id)
}

/// Queued messages whose time has come, oldest first.
pub fn due(r: &impl Reader, now: Timestamp, limit: usize) -> Result<Vec<Message>, StoreError> {
    let mut out = Vec::new();
    for (at, id) in r.set_all(Set::MessagesQueued, limit)? {
        if at > secs(now) {
            break;
        }
        if let Some(m) = r.get::<Message>(id)? {
            out.push(m);
        }
    }
    Ok(out)
}

/// When the next queued message falls due, if any.
pub fn next_due(r: &impl Reader) -> Result<Option<Timestamp>, StoreError> {
    Ok(r.set_all(Set::MessagesQueued, 1)?
        .first()
        .and_then(|(at, _)| Timestamp::from_second(i64::try_from(*at).ok()?).ok()))
}

pub fn of_customer(r: &impl Reader, customer_id: u64) -> Result<Vec<Message>, StoreError> {
    let mut out = Vec::new();
    for id in r.set_members(Set::MessagesByCustomer, customer_id)? {
        if let Some(m) = r.get::<Message>(id)? {
            out.push(m);
        }
    }
    Ok(out)
}

/// Records one delivery attempt's result: sent, queued again after a backoff, or failed.
pub fn record_attempt(
    w: &mut Write,
    now: Timestamp,
    id: u64,
    result: std::result::Result<(), String>,
) -> Result<Message, StoreError> {
    let Some(before) = w.get::<Message>(id)? else {
        return Err(StoreError::Corrupt(format!("message {id} vanished")));
    };
    let mut m = before.clone();
    let ok = result.is_ok();
    m.attempts.push(Attempt {
        at: now,
        ok,
        detail: result.err().unwrap_or_default(),
    });
    if ok {
        m.status = Status::Sent;
    } else if m.attempts.len() >= MAX_ATTEMPTS {
        m.status = Status::Failed;
    } else {
        m.next_attempt_at = now + backoff(m.attempts.len());
    }
    store_message(w, Some(&before), &m)?;
    Ok(m)
}

/// Puts a failed message back in the queue at once.
pub fn retry(w: &mut Write, now: Timestamp, actor: &Actor, id: u64) -> Result<Message> {
    let before = w.get::<Message>(id)?.ok_or(Error::NotFound)?;
    if before.status != Status::Failed {
        return Err(Error::Conflict(Msg::NotFailed));
    }
    let m = Message {
        status: Status::Queued,
        next_attempt_at: now,
        ..before.clone()
    };
    store_message(w, Some(&before), &m)?;
    audit::record(w, now, actor, "retry", "message", id, String::new())?;
    Ok(m)
}

/// Fills `{name}`, `{login}`, `{plan}`, `{expiry}`, `{days_left}`, `{amount_due}`,
/// `{bank_accounts}`, `{company}` for one customer, in their language.
#[allow(clippy::too_many_arguments)]
pub fn render(
    template: &str,
    c: &Customer,
    plan: Option<&Plan>,
    amount_due: i64,
    accounts: &[BankAccount],
    settings: &Settings,
    lang: Lang,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> String {
    let days_left = c.days_left(now);
    let banks = accounts
        .iter()
        .filter(|a| a.active)
        .map(|a| format!("{} {}", a.bank, a.number))
        .collect::<Vec<_>>()
        .join(", ");
    template
        .replace("{name}", &c.name)
        .replace("{login}", &c.login)
        .replace("{plan}", plan.map_or("", |p| p.name.as_str()))
        .replace("{expiry}", &format::datetime(lang, c.expires_at, tz))
        .replace("{days_left}", &days_left.to_string())
        .replace(
            "{amount_due}",
            &format::money(lang, amount_due, &settings.currency),
        )
        .replace("{bank_accounts}", &banks)
        .replace("{company}", &settings.company_name)
}

/// What is due from a customer now: open bills' remaining amounts.
pub fn amount_due(r: &impl Reader, customer_id: u64) -> Result<i64, StoreError> {
    Ok(ledger::bills_of(r, customer_id)?
        .iter()
        .filter(|b| b.status == BillStatus::Pending)
        .map(|b| b.amount - b.paid)
        .sum())
}

/// A compose request.
#[derive(Debug, Clone, Default)]
pub struct Compose {
    pub customer_ids: Vec<u64>,
    pub channels: Vec<Channel>,
    pub subject: String,
    pub body: String,
}

/// Queues one message per customer and channel they can be reached on; returns them.
pub fn enqueue(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    tz: &jiff::tz::TimeZone,
    c: &Compose,
) -> Result<Vec<Message>> {
    let mut p = Problems::default();
    let subject = p.text("subject", &c.subject, 120, false, false);
    let body = p.text("body", &c.body, 1000, true, true);
    if c.channels.is_empty() {
        p.add("channels", Msg::Required);
    }
    if c.customer_ids.is_empty() {
        p.add("customer_ids", Msg::NothingSelected);
    }
    p.check()?;
    let ctx = RenderContext::load(w, tz)?;
    let mut out = Vec::new();
    for cid in &c.customer_ids {
        let cust = w
            .get::<Customer>(*cid)?
            .ok_or_else(|| Error::Invalid(Problems::one("customer_ids", Msg::UnknownCustomer)))?;
        let both = config::Template {
            en: body.clone(),
            mn: body.clone(),
        };
        out.extend(queue_for(
            w,
            now,
            &ctx,
            &cust,
            &c.channels,
            &subject,
            &both,
            Origin::Composed,
            &actor.username,
        )?);
    }
    audit::record(
        w,
        now,
        actor,
        "send",
        "message",
        out.len(),
        audit::snapshot(&serde_json::json!({ "messages": out.len(), "channels": c.channels })),
    )?;
    Ok(out)
}

/// What filling placeholders needs besides the customer: read once per batch.
pub struct RenderContext {
    pub settings: Settings,
    pub accounts: Vec<BankAccount>,
    pub tz: jiff::tz::TimeZone,
}

impl RenderContext {
    pub fn load(r: &impl Reader, tz: &jiff::tz::TimeZone) -> Result<RenderContext, StoreError> {
        Ok(RenderContext {
            settings: crate::settings::load(r)?,
            accounts: r.list::<BankAccount>()?,
            tz: tz.clone(),
        })
    }

    /// The language a customer reads: their own, else the installation's.
    pub fn lang_of(&self, c: &Customer) -> Lang {
        c.lang.unwrap_or(self.settings.default_lang)
    }
}

/// Queues `template` (in the customer's language) to one customer on each of `channels` they can
/// be reached on.
#[allow(clippy::too_many_arguments)]
pub fn queue_for(
    w: &mut Write,
    now: Timestamp,
    ctx: &RenderContext,
    cust: &Customer,
    channels: &[Channel],
    subject: &str,
    template: &config::Template,
    origin: Origin,
    created_by: &str,
) -> Result<Vec<Message>, StoreError> {
    let plan = w.get::<Plan>(cust.plan_id)?;
    let due_amount = amount_due(w, cust.id)?;
    let lang = ctx.lang_of(cust);
    let body = render(
        template.get(lang),
        cust,
        plan.as_ref(),
        due_amount,
        &ctx.accounts,
        &ctx.settings,
        lang,
        now,
        &ctx.tz,
    );
    let subject = if subject.is_empty() {
        ctx.settings.company_name.clone()
    } else {
        subject.to_string()
    };
    let mut out = Vec::new();
    for ch in channels {
        // Each channel needs its own address; a customer without one is skipped for it.
        let Some(to) = ch.address(cust) else {
            continue;
        };
        let m = Message {
            id: w.next_id(Kind::Messages)?,
            customer_id: cust.id,
            channel: *ch,
            to,
            subject: subject.clone(),
            body: body.clone(),
            status: Status::Queued,
            attempts: Vec::new(),
            next_attempt_at: now,
            created_at: now,
            created_by: created_by.to_string(),
            origin,
        };
        store_message(w, None, &m)?;
        out.push(m);
    }
    Ok(out)
}
