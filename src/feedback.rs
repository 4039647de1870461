//! Feedback from customers: requests, complaints and inquiries sent from the portal, each a
//! thread the operator answers, assigns and resolves. Replies show in the portal and can also go
//! out by SMS.
//!
//! Invariant: a customer reaches only their own threads; every portal read and write here takes
//! the customer id from the portal session, never from the request.

use crate::audit::{self, Actor, Via};
use crate::billing::customer::Customer;
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::notify::{self, Channel, Message, Origin, RenderContext};
use crate::store::{Kind, Reader, Record, Set, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Request,
    Complaint,
    Inquiry,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Request, Category::Complaint, Category::Inquiry];
    pub fn id(self) -> &'static str {
        match self {
            Category::Request => "request",
            Category::Complaint => "complaint",
            Category::Inquiry => "inquiry",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == s)
    }
    pub fn msg(self) -> Msg {
        match self {
            Category::Request => Msg::CatRequest,
            Category::Complaint => Msg::CatComplaint,
            Category::Inquiry => Msg::CatInquiry,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    InProgress,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::New, Status::InProgress, Status::Resolved];
    pub fn id(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|c| c.id() == s)
    }
    pub fn msg(self) -> Msg {
        match self {
            Status::New => Msg::FbNew,
            Status::InProgress => Msg::FbInProgress,
            Status::Resolved => Msg::FbResolved,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub at: Timestamp,
    /// True for the customer's own follow-ups, false for the operator's answers.
    pub from_customer: bool,
    /// The admin's username (operator replies); never shown to the customer.
    pub author: String,
    pub text: String,
    /// The SMS that carried this reply, if one was sent.
    #[serde(default)]
    pub sms_message_ids: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: u64,
    pub customer_id: u64,
    pub category: Category,
    pub text: String,
    pub status: Status,
    pub assigned_to: Option<u64>,
    pub replies: Vec<Reply>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Record for Feedback {
    const KIND: Kind = Kind::Feedback;
}

const MAX_TEXT: usize = 2000;

/// What one customer may post. A person with a real problem writes a few threads a day and
/// a handful of follow-ups in a conversation; these let that through untouched while a script
/// (300 threads in 0.7 s, issue #14) stops at a page of the inbox. New threads per hour.
pub const THREADS_PER_HOUR: usize = 5;
/// Threads and follow-ups together per hour: room for a lively back-and-forth with the operator.
pub const MESSAGES_PER_HOUR: usize = 20;
/// Threads not resolved: past this the customer adds to one of them instead; an operator
/// resolving some frees room.
pub const MAX_OPEN: usize = 50;

/// Refuses a post past the limits, counted from the customer's stored threads inside the write
/// transaction that would add it; redb runs one writer at a time, so concurrent posts are
/// counted one after the other and none slips past. `reopens`: a follow-up to a resolved thread,
/// which makes it open again.
fn check_limits(
    w: &Write,
    now: Timestamp,
    customer_id: u64,
    new_thread: bool,
    reopens: bool,
) -> Result<()> {
    let hour_ago = now - jiff::SignedDuration::from_hours(1);
    let (mut threads, mut messages, mut open) = (0, 0, 0);
    for id in w.set_members(Set::FeedbackByCustomer, customer_id)? {
        let Some(f) = w.get::<Feedback>(id)? else {
            continue;
        };
        if f.created_at > hour_ago {
            threads += 1;
        }
        messages += f
            .replies
            .iter()
            .filter(|r| r.from_customer && r.at > hour_ago)
            .count();
        if f.status != Status::Resolved {
            open += 1;
        }
    }
    messages += threads;
    let mut p = Problems::default();
    if new_thread && threads >= THREADS_PER_HOUR {
        p.add_arg("text", Msg::FeedbackThreadsPerHour, threads);
    } else if messages >= MESSAGES_PER_HOUR {
        p.add_arg("text", Msg::FeedbackMessagesPerHour, messages);
    } else if (new_thread || reopens) && open >= MAX_OPEN {
        p.add_arg("text", Msg::FeedbackTooManyOpen, open);
    }
    if p.is_empty() {
        Ok(())
    } else {
        Err(Error::TooMany(p))
    }
}

/// The actor recorded for a customer's own action in the portal.
pub fn customer_actor(c: &Customer, ip: &str) -> Actor {
    Actor {
        admin_id: None,
        username: format!("customer:{}", c.login),
        via: Via::Web,
        ip: Some(ip.to_string()),
    }
}

/// A customer opens a thread.
pub fn submit(
    w: &mut Write,
    now: Timestamp,
    customer_id: u64,
    ip: &str,
    category: &str,
    text: &str,
) -> Result<Feedback> {
    let c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let category = Category::parse(category.trim()).unwrap_or_else(|| {
        p.add("category", Msg::InvalidChoice);
        Category::Inquiry
    });
    let text = p.text("text", text, MAX_TEXT, true, true);
    p.check()?;
    check_limits(w, now, customer_id, true, false)?;
    let f = Feedback {
        id: w.next_id(Kind::Feedback)?,
        customer_id,
        category,
        text,
        status: Status::New,
        assigned_to: None,
        replies: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    w.put(f.id, &f)?;
    w.set_add(Set::FeedbackByCustomer, customer_id, f.id)?;
    audit::record(
        w,
        now,
        &customer_actor(&c, ip),
        "create",
        "feedback",
        f.id,
        audit::snapshot(&serde_json::json!({
            "category": category.id(),
            "text": f.text.chars().take(80).collect::<String>(),
        })),
    )?;
    Ok(f)
}

/// One of the customer's own threads; another customer's is "not found".
pub fn own(r: &impl Reader, customer_id: u64, id: u64) -> Result<Feedback> {
    r.get::<Feedback>(id)?
        .filter(|f| f.customer_id == customer_id)
        .ok_or(Error::NotFound)
}

/// A customer adds to their own thread; a resolved thread opens again.
pub fn customer_follow_up(
    w: &mut Write,
    now: Timestamp,
    customer_id: u64,
    ip: &str,
    id: u64,
    text: &str,
) -> Result<Feedback> {
    let mut f = own(w, customer_id, id)?;
    let c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let text = p.text("text", text, MAX_TEXT, true, true);
    p.check()?;
    check_limits(w, now, customer_id, false, f.status == Status::Resolved)?;
    f.replies.push(Reply {
        at: now,
        from_customer: true,
        author: c.name.clone(),
        text,
        sms_message_ids: Vec::new(),
    });
    if f.status == Status::Resolved {
        f.status = Status::InProgress;
    }
    f.updated_at = now;
    w.put(f.id, &f)?;
    audit::record(
        w,
        now,
        &customer_actor(&c, ip),
        "reply",
        "feedback",
        id,
        String::new(),
    )?;
    Ok(f)
}

/// The operator answers; optionally the answer also goes to the customer by SMS (through the
/// router when no gateway is configured). A new thread moves to "in progress".
pub fn reply(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    tz: &jiff::tz::TimeZone,
    id: u64,
    text: &str,
    by_sms: bool,
) -> Result<(Feedback, Vec<Message>)> {
    let mut f = w.get::<Feedback>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let text = p.text("text", text, MAX_TEXT, true, true);
    p.check()?;
    let mut sent = Vec::new();
    if by_sms {
        let c = w.get::<Customer>(f.customer_id)?.ok_or(Error::NotFound)?;
        if Channel::SmsRouter.address(&c).is_none() {
            return Err(Error::Invalid(Problems::one("sms", Msg::InvalidPhone)));
        }
        let ctx = RenderContext::load(w, tz)?;
        let channel = if ctx.settings.sms_gateway_url.is_empty() {
            Channel::SmsRouter
        } else {
            Channel::SmsGateway
        };
        // The operator's words go out as written: no placeholders in a reply.
        let t = notify::config::Template {
            en: text.clone(),
            mn: text.clone(),
        };
        sent = notify::queue_for(
            w,
            now,
            &ctx,
            &c,
            &[channel],
            "",
            &t,
            Origin::FeedbackReply { feedback_id: id },
            &actor.username,
        )?;
    }
    f.replies.push(Reply {
        at: now,
        from_customer: false,
        author: actor.username.clone(),
        text,
        sms_message_ids: sent.iter().map(|m| m.id).collect(),
    });
    if f.status == Status::New {
        f.status = Status::InProgress;
    }
    f.updated_at = now;
    w.put(f.id, &f)?;
    audit::record(
        w,
        now,
        actor,
        "reply",
        "feedback",
        id,
        if by_sms {
            "also by SMS".into()
        } else {
            String::new()
        },
    )?;
    Ok((f, sent))
}

/// The operator sets status and assignment.
pub fn update(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    status: &str,
    assigned_to: &str,
) -> Result<Feedback> {
    let before = w.get::<Feedback>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let status = Status::parse(status.trim()).unwrap_or_else(|| {
        p.add("status", Msg::InvalidChoice);
        before.status
    });
    let assigned_to = match assigned_to.trim() {
        "" => None,
        v => match v
            .parse::<u64>()
            .ok()
            .filter(|a| w.get::<crate::access::Admin>(*a).ok().flatten().is_some())
        {
            Some(a) => Some(a),
            None => {
                p.add("assigned_to", Msg::InvalidChoice);
                None
            }
        },
    };
    p.check()?;
    let after = Feedback {
        status,
        assigned_to,
        updated_at: now,
        ..before.clone()
    };
    w.put(id, &after)?;
    let summary = audit::changes(
        &serde_json::json!({ "status": before.status, "assigned_to": before.assigned_to }),
        &serde_json::json!({ "status": after.status, "assigned_to": after.assigned_to }),
    );
    audit::record(w, now, actor, "update", "feedback", id, summary)?;
    Ok(after)
}

/// A customer's threads, newest first.
pub fn of_customer(r: &impl Reader, customer_id: u64) -> Result<Vec<Feedback>, StoreError> {
    let mut out = Vec::new();
    for id in r
        .set_members(Set::FeedbackByCustomer, customer_id)?
        .into_iter()
        .rev()
    {
        if let Some(f) = r.get::<Feedback>(id)? {
            out.push(f);
        }
    }
    Ok(out)
}

/// The inbox: newest first, optionally one status, at most `limit`.
pub fn inbox(
    r: &impl Reader,
    status: Option<Status>,
    limit: usize,
) -> Result<Vec<Feedback>, StoreError> {
    let mut out = Vec::new();
    r.scan::<Feedback>(true, |f| {
        if status.is_none_or(|s| s == f.status) {
            out.push(f);
        }
        out.len() < limit
    })?;
    Ok(out)
}
