//! `/api/v1/agents` (the operator managing sales agents: balances, deposits, stock, statements)
//! and `/api/v1/desk` (an agent's own: balance and stock, selling a card, renewing a customer).
//!
//! The desk serves only the agent of the calling login: the agent is found from the token's
//! admin, never from the request, so no agent can act for another.

use super::fields::Body;
use super::query::{self, Paging};
use super::vouchers::{Names, card_view};
use crate::access::admins::Admin;
use crate::billing::Plan;
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::Money;
use crate::model::agent::{Agent, AgentEntry};
use crate::model::voucher::{Batch, LoginMode, Validity};
use crate::network::Router;
use crate::ops;
use crate::store::{Reader, Set, StoreError};
use crate::validate::Problems;
use crate::vouchers::agents::{of_admin, unit_price};
use crate::vouchers::query::{self as vq, Held, held_by};
use crate::vouchers::statement;
use crate::vouchers::stock::Pick;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

/// A deposit's reference (a receipt number, a transfer id), as the page keeps it.
const MAX_REFERENCE: usize = 120;
/// A login or phone number to renew.
const MAX_WHO: usize = 60;

fn agent_view(a: &Agent, login: Option<&str>) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "phone": a.phone,
        "admin_id": a.admin_id,
        "login": login,
        "active": a.active,
        "pays_at": a.pays_at.id(),
        "balance": a.balance,
        "credit_limit": a.credit_limit,
        "available": a.balance.saturating_add(a.credit_limit),
        "note": a.note,
        "created_at": a.created_at,
        "created_by": a.created_by,
    })
}

fn login_of(r: &impl Reader, a: &Agent) -> Result<Option<String>, StoreError> {
    Ok(r.get::<Admin>(a.admin_id)?.map(|x| x.username))
}

fn stock_view(r: &impl Reader, held: &[Held]) -> Result<Vec<Value>, StoreError> {
    let mut out = Vec::with_capacity(held.len());
    for h in held {
        let plan = r.get::<Plan>(h.batch.plan_id)?;
        out.push(json!({
            "batch_id": h.batch.id,
            "plan_id": h.batch.plan_id,
            "plan": h.package,
            "price": h.batch.price,
            "agent_price": unit_price(plan.as_ref(), h.batch.price).0,
            "held": h.held,
            "sold": h.sold,
            "used": h.used,
        }));
    }
    Ok(out)
}

/// A statement line: the entry with what moved it flattened beside it (`kind` is its tag).
fn entry_view(e: &AgentEntry, what: Option<&str>) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(Value::Object(kind)) = v.get_mut("kind").map(Value::take) {
        for (k, x) in kind {
            v[k.as_str()] = x;
        }
    }
    if let Some(w) = what {
        v["what"] = json!(w);
    }
    v
}

/// The agent with login, and their stock.
async fn agent_answer(cx: &Ctx, id: u64) -> Result<Value, WebError> {
    let now = cx.now;
    cx.app
        .store
        .read_async(move |r| {
            let Some(a) = r.get::<Agent>(id)? else {
                return Ok(None);
            };
            let mut v = agent_view(&a, login_of(r, &a)?.as_deref());
            v["stock"] = json!(stock_view(r, &held_by(r, id, now)?)?);
            Ok::<_, StoreError>(Some(v))
        })
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let p: Paging = query::agents(&req)?;
    let v = cx
        .app
        .store
        .read_async(move |r| {
            let agents = r.list::<Agent>()?;
            let mut items = Vec::new();
            for a in agents.iter().skip(p.offset()).take(p.per) {
                items.push(agent_view(a, login_of(r, a)?.as_deref()));
            }
            Ok::<_, StoreError>(
                json!({ "items": items, "total": agents.len(), "page": p.page, "per": p.per }),
            )
        })
        .await?;
    Ok(http::json(StatusCode::OK, &v))
}

pub async fn get(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    query::none(&req)?;
    Ok(http::json(StatusCode::OK, &agent_answer(&cx, id).await?))
}

async fn exists(cx: &Ctx, id: u64) -> Result<(), WebError> {
    let found = cx.app.store.read_async(move |r| r.get::<Agent>(id)).await?;
    found.map(|_| ()).ok_or(WebError::NotFound)
}

pub async fn deposit(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    exists(&cx, id).await?;
    let mut b = Body::parse(&req.body, &["amount", "method", "reference"])?;
    let amount = b.integer("amount");
    let method = b.text("method").unwrap_or_default();
    let reference = b.text("reference").unwrap_or_default();
    b.check()?;
    let mut p = Problems::default();
    let amount = match amount.as_deref().map(Money::parse_minor) {
        Some(Ok(m)) => Some(m),
        Some(Err(m)) => {
            p.add("amount", m);
            None
        }
        None => {
            p.add("amount", Msg::Required);
            None
        }
    };
    let method = p.text("method", &method, 40, true, false);
    let reference = p.text("reference", &reference, MAX_REFERENCE, false, false);
    let Some(amount) = amount.filter(|_| p.is_empty()) else {
        return Err(WebError::Invalid(p));
    };
    let key = req.header("idempotency-key");
    let once = ops::agents::deposit(&cx.app, &cx.by(), id, amount, method, reference, key).await?;
    let mut v = json!({ "entry": entry_view(&once.value, None), "replayed": once.replayed });
    v["agent"] = agent_answer(&cx, id).await?;
    Ok(http::json(
        super::money::created_or_replayed(once.replayed),
        &v,
    ))
}

pub async fn stock(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    exists(&cx, id).await?;
    let mut b = Body::parse(&req.body, &["batch_id", "count", "from", "to", "back"])?;
    let batch_id = b.integer("batch_id");
    let (count, from, to) = (b.integer("count"), b.integer("from"), b.integer("to"));
    let back = b.boolean("back").unwrap_or(false);
    b.check()?;
    let mut p = Problems::default();
    let batch_id = batch_id.and_then(|s| s.parse::<u64>().ok());
    let known = match batch_id {
        Some(bid) => cx
            .app
            .store
            .read_async(move |r| r.get::<Batch>(bid))
            .await?
            .is_some(),
        None => false,
    };
    if !known {
        p.add("batch_id", Msg::InvalidChoice);
    }
    let pick = Pick::parse(
        count.as_deref().unwrap_or(""),
        from.as_deref().unwrap_or(""),
        to.as_deref().unwrap_or(""),
        &mut p,
    );
    let (Some(batch_id), Some(pick)) = (batch_id.filter(|_| p.is_empty()), pick) else {
        return Err(WebError::Invalid(p));
    };
    let key = req.header("idempotency-key");
    let once = ops::agents::move_stock(&cx.app, &cx.by(), id, batch_id, pick, back, key).await?;
    let mut v = json!({ "entry": entry_view(&once.value, None), "replayed": once.replayed });
    v["agent"] = agent_answer(&cx, id).await?;
    Ok(http::json(
        super::money::created_or_replayed(once.replayed),
        &v,
    ))
}

/// A local calendar day's first instant in the display zone.
fn day_start(cx: &Ctx, d: jiff::civil::Date) -> Option<Timestamp> {
    d.to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(cx.tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

pub async fn statement(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (from, to) = query::statement(&req)?;
    let f = from.and_then(|d| day_start(&cx, d));
    let t = to
        .and_then(|d| d.tomorrow().ok())
        .and_then(|d| day_start(&cx, d));
    let lang = cx.lang;
    let v = cx
        .app
        .store
        .read_async(move |r| {
            let Some(a) = r.get::<Agent>(id)? else {
                return Ok(None);
            };
            let s = statement::statement(r, id, f, t, lang)?;
            let tt = &s.totals;
            Ok::<_, StoreError>(Some(json!({
                "agent": agent_view(&a, login_of(r, &a)?.as_deref()),
                "from": from,
                "to": to,
                "totals": {
                    "opening": tt.opening,
                    "deposits": tt.deposits,
                    "debits": tt.debits,
                    "credits": tt.credits,
                    "commission": tt.commission,
                    "closing": tt.closing,
                    "cards_sold": tt.cards_sold,
                },
                "lines": s.lines.iter().map(|l| entry_view(&l.entry, Some(&l.what))).collect::<Vec<_>>(),
                "truncated": s.truncated,
            })))
        })
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(http::json(StatusCode::OK, &v))
}

/// The agent of the calling login; a login that may open the desk but is no agent's (a super
/// admin) has no desk to act on.
async fn me(cx: &Ctx) -> Result<Agent, WebError> {
    let admin_id = cx
        .user
        .as_ref()
        .map(|u| u.admin.id)
        .ok_or(WebError::Forbidden)?;
    cx.app
        .store
        .read_async(move |r| of_admin(r, admin_id))
        .await?
        .ok_or(WebError::Conflict(Msg::NotAnAgent))
}

pub async fn desk(cx: Arc<Ctx>, req: Req) -> Out {
    query::none(&req)?;
    let a = me(&cx).await?;
    Ok(http::json(StatusCode::OK, &agent_answer(&cx, a.id).await?))
}

pub async fn sell(cx: Arc<Ctx>, req: Req) -> Out {
    let a = me(&cx).await?;
    let mut b = Body::parse(&req.body, &["batch_id"])?;
    let batch_id = b.integer("batch_id");
    b.check()?;
    let Some(batch_id) = batch_id.and_then(|s| s.parse::<u64>().ok()) else {
        return Err(WebError::Invalid(Problems::one("batch_id", Msg::Required)));
    };
    let key = req.header("idempotency-key");
    let sold = ops::agents::sell(&cx.app, &cx.by(), a.id, None, Some(batch_id), key).await?;
    let (card, entry) = &sold.value;
    let (card_id, batch_id, router_id, now) = (card.id, card.batch_id, card.router_id, cx.now);
    let (batch, router, names, number) = cx
        .app
        .store
        .read_async(move |r| {
            let number = r
                .set_members(Set::VoucherCardsByBatch, batch_id)?
                .iter()
                .position(|x| *x == card_id)
                .and_then(|i| u32::try_from(i + 1).ok())
                .unwrap_or(0);
            Ok::<_, StoreError>((
                r.get::<Batch>(batch_id)?,
                r.get::<Router>(router_id)?,
                Names::read(r)?,
                number,
            ))
        })
        .await?;
    let batch = batch.ok_or(WebError::NotFound)?;
    let plan = names.plan(batch.plan_id);
    let pin = match batch.login_mode {
        LoginMode::CodeOnly => None,
        LoginMode::CodeAndPin => cx.app.secrets.open_sealed(&card.pin_sealed),
    };
    let host = router.map_or_else(String::new, |r| r.hotspot_host());
    let login_url = vq::login_url(&host, &card.code, pin.as_deref().unwrap_or(&card.code));
    let until = match batch.validity {
        Validity::Until(t) => Some(t),
        Validity::FromFirstLogin => None,
    };
    let mut v = json!({
        "code": card.code,
        "pin": pin,
        "plan_id": batch.plan_id,
        "package": plan.map(|p| p.name.clone()),
        "price": batch.price,
        "validity": {
            "kind": if until.is_some() { "until" } else { "first_login" },
            "until": until,
            "duration_secs": if batch.duration_secs > 0 { batch.duration_secs } else { plan.map_or(0, |p| p.duration().as_secs()) },
            "text": vq::validity_text(cx.lang, &batch, plan, &cx.tz),
        },
        "login_url": login_url,
        "card": card_view(number, card, &names, now),
        "entry": entry_view(entry, None),
        "replayed": sold.replayed,
    });
    v["agent"] = agent_answer(&cx, a.id).await?;
    Ok(http::json(
        super::money::created_or_replayed(sold.replayed),
        &v,
    ))
}

pub async fn renew(cx: Arc<Ctx>, req: Req) -> Out {
    let a = me(&cx).await?;
    let mut b = Body::parse(&req.body, &["who"])?;
    let who = b.text("who").unwrap_or_default();
    b.check()?;
    let mut p = Problems::default();
    let who = p.text("who", &who, MAX_WHO, true, false);
    p.check().map_err(WebError::Invalid)?;
    let key = req.header("idempotency-key");
    let (rec, entry) = match ops::agents::renew(&cx.app, &cx.by(), a.id, who, key).await {
        Ok(x) => x,
        Err(Error::NotFound) => {
            return Err(WebError::Invalid(Problems::one(
                "who",
                Msg::UnknownCustomer,
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let c = &rec.customer;
    let plan_id = c.plan_id;
    let plan = cx
        .app
        .store
        .read_async(move |r| r.get::<Plan>(plan_id))
        .await?;
    let mut v = json!({
        "customer": {
            "id": c.id,
            "name": c.name,
            "login": c.login,
            "plan_id": c.plan_id,
            "plan": plan.map(|p| p.name),
            "expires_at": c.expires_at,
        },
        "payment": {
            "id": rec.payment.id,
            "amount": rec.payment.amount,
            "method": rec.payment.method,
            "received_at": rec.payment.received_at,
        },
        "entry": entry.as_ref().map(|e| entry_view(e, None)),
        "replayed": rec.replayed,
    });
    v["agent"] = agent_answer(&cx, a.id).await?;
    Ok(http::json(
        super::money::created_or_replayed(rec.replayed),
        &v,
    ))
}
