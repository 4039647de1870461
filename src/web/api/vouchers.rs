//! `/api/v1/vouchers`: batches of printed cards (make, list, read, void) and their cards.
//!
//! A card's PIN (code-and-PIN batches) is a working password, so only
//! `GET /vouchers/batches/{id}/cards` shows it: that route needs Vouchers edit in the route table
//! and each call is written to the audit log as a handout, as the pages' print and export are.
//! Every other answer leaves it out; none ever carries the sealed form.

use super::fields::{Body, set};
use super::query::{self, Paging};
use crate::billing::Plan;
use crate::i18n::Msg;
use crate::model::Money;
use crate::model::agent::Agent;
use crate::model::voucher::{Batch, Card, LoginMode, Validity};
use crate::network::Router;
use crate::ops;
use crate::store::{Index, Reader, Set, StoreError};
use crate::validate::Problems;
use crate::vouchers::batch::BatchDraft;
use crate::vouchers::query::{CardFilter, Counts, MAX_SEARCH, STATES, numbered, state_id};
use crate::vouchers::void::{MAX_CODES, Selection};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Routers a batch may name: far more than any installation has, few enough to look up.
const MAX_ROUTERS: usize = 100;

/// What a person reads beside the ids: router, package and agent names.
pub struct Names {
    routers: HashMap<u64, String>,
    plans: HashMap<u64, Plan>,
    agents: HashMap<u64, String>,
}

impl Names {
    pub fn read(r: &impl Reader) -> Result<Names, StoreError> {
        Ok(Names {
            routers: r
                .list::<Router>()?
                .into_iter()
                .map(|x| (x.id, x.name))
                .collect(),
            plans: r.list::<Plan>()?.into_iter().map(|p| (p.id, p)).collect(),
            agents: r
                .list::<Agent>()?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect(),
        })
    }

    fn router(&self, id: u64) -> Value {
        json!(self.routers.get(&id))
    }

    pub fn plan(&self, id: u64) -> Option<&Plan> {
        self.plans.get(&id)
    }
}

fn counts_view(c: &Counts) -> Value {
    STATES
        .into_iter()
        .map(|s| (state_id(s).to_string(), json!(c.get(s))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// A batch as the API shows it; `counts` when its cards were read.
pub fn batch_view(b: &Batch, n: &Names, counts: Option<&Counts>) -> Value {
    let plan = n.plan(b.plan_id);
    let (validity, until) = match b.validity {
        Validity::FromFirstLogin => ("first_login", None),
        Validity::Until(t) => ("until", Some(t)),
    };
    // Batches made before the duration was kept on them last as long as their package.
    let duration = if b.duration_secs > 0 {
        b.duration_secs
    } else {
        plan.map_or(0, |p| p.duration().as_secs())
    };
    let mut v = json!({
        "id": b.id,
        "router_ids": b.router_ids,
        "routers": b.router_ids.iter().map(|id| json!({ "id": id, "name": n.router(*id) })).collect::<Vec<_>>(),
        "plan_id": b.plan_id,
        "plan": plan.map(|p| p.name.clone()),
        "count": b.count,
        "style": b.style.id(),
        "length": b.length,
        "prefix": b.prefix,
        "login_mode": b.login_mode.id(),
        "price": b.price,
        "validity": validity,
        "until": until,
        "duration_secs": duration,
        "limit_uptime": b.limit_uptime,
        "limit_bytes_total": b.limit_bytes_total,
        "note": b.note,
        "created_at": b.created_at,
        "created_by": b.created_by,
    });
    if let Some(c) = counts {
        v["counts"] = counts_view(c);
    }
    v
}

/// A card as the API shows it, without its PIN.
pub fn card_view(number: u32, c: &Card, n: &Names, now: Timestamp) -> Value {
    json!({
        "id": c.id,
        "number": number,
        "batch_id": c.batch_id,
        "code": c.code,
        "router_id": c.router_id,
        "router": n.router(c.router_id),
        "state": state_id(c.state(now)),
        "first_used_at": c.first_used_at,
        "expires_at": c.expires_at,
        "voided_at": c.voided_at,
        "agent_id": c.agent_id,
        "agent": c.agent_id.and_then(|a| n.agents.get(&a)),
        "handed_at": c.handed_at,
        "sold_at": c.sold_at,
    })
}

fn paged(items: Vec<Value>, total: usize, p: Paging) -> Value {
    json!({ "items": items, "total": total, "page": p.page, "per": p.per })
}

pub async fn list_batches(cx: Arc<Ctx>, req: Req) -> Out {
    let p = query::voucher_batches(&req)?;
    let now = cx.now;
    let v = cx
        .app
        .store
        .read_async(move |r| {
            let mut batches = r.list::<Batch>()?;
            batches.sort_by_key(|b| std::cmp::Reverse(b.id));
            let total = batches.len();
            let names = Names::read(r)?;
            let mut items = Vec::new();
            for b in batches.iter().skip(p.offset()).take(p.per) {
                let counts = Counts::of(&crate::vouchers::batch::cards(r, b.id)?, now);
                items.push(batch_view(b, &names, Some(&counts)));
            }
            Ok::<_, StoreError>(paged(items, total, p))
        })
        .await?;
    Ok(http::json(StatusCode::OK, &v))
}

/// The batch with its counts, as a change left it.
async fn batch_answer(cx: &Ctx, id: u64) -> Result<Value, WebError> {
    let now = cx.now;
    cx.app
        .store
        .read_async(move |r| {
            let Some(b) = r.get::<Batch>(id)? else {
                return Ok(None);
            };
            let counts = Counts::of(&crate::vouchers::batch::cards(r, b.id)?, now);
            Ok::<_, StoreError>(Some(batch_view(&b, &Names::read(r)?, Some(&counts))))
        })
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn get_batch(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    query::none(&req)?;
    Ok(http::json(StatusCode::OK, &batch_answer(&cx, id).await?))
}

const BATCH_FIELDS: &[&str] = &[
    "router_ids",
    "plan_id",
    "count",
    "style",
    "length",
    "prefix",
    "login_mode",
    "price",
    "validity",
    "until",
    "limit_uptime",
    "limit_bytes_total",
    "note",
];

pub async fn create_batch(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(&req.body, BATCH_FIELDS)?;
    let mut d = BatchDraft {
        style: "letters".into(),
        length: "8".into(),
        login_mode: LoginMode::CodeOnly.id().into(),
        validity: "first_login".into(),
        ..BatchDraft::default()
    };
    if let Some(ids) = b.list("router_ids", MAX_ROUTERS) {
        d.router_ids = ids;
    }
    set(&mut d.plan_id, b.integer("plan_id"));
    set(&mut d.count, b.integer("count"));
    set(&mut d.style, b.text("style"));
    set(&mut d.length, b.integer("length"));
    set(&mut d.prefix, b.text("prefix"));
    set(&mut d.login_mode, b.text("login_mode"));
    // The API speaks minor units; the draft takes money as the counter types it.
    if let Some(price) = b.integer("price") {
        match Money::parse_minor(&price) {
            Ok(m) => {
                d.price =
                    crate::i18n::format::major_input(m.minor(), cx.settings.currency.exponent);
            }
            Err(m) => b.problems.add("price", m),
        }
    }
    set(&mut d.validity, b.text("validity"));
    set(&mut d.until, b.text("until"));
    set(&mut d.limit_uptime, b.text("limit_uptime"));
    set(&mut d.limit_bytes_total, b.text("limit_bytes_total"));
    set(&mut d.note, b.text("note"));
    b.check()?;
    let made =
        ops::vouchers::create_batch(&cx.app, &cx.by(), d, req.header("idempotency-key")).await?;
    let mut v = batch_answer(&cx, made.batch.id).await?;
    v["replayed"] = json!(made.replayed);
    Ok(http::json(
        super::money::created_or_replayed(made.replayed),
        &v,
    ))
}

pub async fn void(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let mut b = Body::parse(&req.body, &["whole", "from", "to", "codes", "reason"])?;
    let whole = b.boolean("whole").unwrap_or(false);
    let (from, to) = (b.integer("from"), b.integer("to"));
    let codes = b.list("codes", MAX_CODES);
    let reason = b.text("reason").unwrap_or_default();
    b.check()?;
    let number = |s: Option<String>| s.and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    // Exactly one way of naming cards: a body that names none voids nothing, rather than a
    // whole batch by a client's slip.
    let selection = match (whole, from.is_some() || to.is_some(), codes) {
        (true, false, None) => Selection::Batch(id),
        (false, true, None) => Selection::Numbers {
            batch_id: id,
            from: number(from),
            to: number(to),
        },
        (false, false, Some(codes)) => {
            let codes: Vec<String> = codes
                .iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .collect();
            if codes.iter().any(|c| c.len() > MAX_SEARCH) {
                return Err(WebError::Invalid(Problems::one(
                    "codes",
                    Msg::VoucherUnknownCode,
                )));
            }
            Selection::Codes(codes)
        }
        _ => {
            return Err(WebError::Invalid(Problems::one(
                "whole",
                Msg::NothingSelected,
            )));
        }
    };
    // The batch in the path must be the cards' own: codes name cards of any batch.
    let check = selection.clone();
    let known = cx
        .app
        .store
        .read_async(move |r| {
            if r.get::<Batch>(id)?.is_none() {
                return Ok(None);
            }
            if let Selection::Codes(codes) = &check {
                for code in codes {
                    let card = match r.index_get(Index::VoucherCode, code)? {
                        Some(cid) => r.get::<Card>(cid)?,
                        None => None,
                    };
                    if card.is_none_or(|c| c.batch_id != id) {
                        return Ok(Some(false));
                    }
                }
            }
            Ok::<_, StoreError>(Some(true))
        })
        .await?;
    match known {
        None => return Err(WebError::NotFound),
        Some(false) => {
            return Err(WebError::Invalid(Problems::one(
                "codes",
                Msg::VoucherUnknownCode,
            )));
        }
        Some(true) => {}
    }
    let v = ops::vouchers::void_cards(&cx.app, &cx.by(), selection, reason).await?;
    let voided: Vec<&str> = v.cards.iter().map(|c| c.code.as_str()).collect();
    Ok(http::json(
        StatusCode::OK,
        &json!({
            "voided": v.cards.len(),
            "codes": voided,
            "already_void": v.already_void,
            "used_up": v.used_up,
            "batch": batch_answer(&cx, id).await?,
        }),
    ))
}

/// One page of a batch's cards, numbered, with how many matched in all.
struct CardPage {
    batch: Batch,
    rows: Vec<(u32, Card)>,
    total: usize,
    names: Names,
}

/// One page of a batch's cards through `filter`; `None` when there is no such batch.
fn card_page(
    r: &impl Reader,
    batch_id: u64,
    filter: &CardFilter,
    p: Paging,
    now: Timestamp,
) -> Result<Option<CardPage>, StoreError> {
    let Some(batch) = r.get::<Batch>(batch_id)? else {
        return Ok(None);
    };
    let cards = numbered(r, batch_id)?;
    let (rows, total) = crate::vouchers::query::page(&cards, filter, now, p.offset(), p.per);
    Ok(Some(CardPage {
        batch,
        rows,
        total,
        names: Names::read(r)?,
    }))
}

pub async fn list_cards(cx: Arc<Ctx>, req: Req) -> Out {
    let (batch_id, filter, p) = query::voucher_cards(&req)?;
    let now = cx.now;
    let CardPage {
        rows, total, names, ..
    } = cx
        .app
        .store
        .read_async(move |r| card_page(r, batch_id, &filter, p, now))
        .await?
        .ok_or(WebError::NotFound)?;
    let items = rows
        .iter()
        .map(|(n, c)| card_view(*n, c, &names, now))
        .collect();
    Ok(http::json(StatusCode::OK, &paged(items, total, p)))
}

/// A batch's cards with their PINs in clear: the route needs Vouchers edit, and each page
/// read is audited, since whoever holds it can log in with the cards.
pub async fn batch_cards(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (filter, p) = query::batch_cards(&req)?;
    let now = cx.now;
    let CardPage {
        batch,
        rows,
        total,
        names,
    } = cx
        .app
        .store
        .read_async(move |r| card_page(r, id, &filter, p, now))
        .await?
        .ok_or(WebError::NotFound)?;
    let pins = batch.login_mode == LoginMode::CodeAndPin;
    if !rows.is_empty() {
        ops::vouchers::record_handout(
            &cx.app,
            &cx.by(),
            id,
            "export",
            crate::audit::snapshot(&serde_json::json!({
                "cards": rows.len(),
                "page": p.page,
                "per_page": p.per,
                "pins": pins,
            })),
        )
        .await?;
    }
    let items = rows
        .iter()
        .map(|(n, c)| {
            let mut v = card_view(*n, c, &names, now);
            v["pin"] = if pins {
                json!(cx.app.secrets.open_sealed(&c.pin_sealed))
            } else {
                Value::Null
            };
            v
        })
        .collect();
    Ok(http::json(StatusCode::OK, &paged(items, total, p)))
}

pub async fn card_by_code(cx: Arc<Ctx>, req: Req) -> Out {
    query::none(&req)?;
    let code = req.param(0).trim().to_ascii_uppercase();
    // Longer than any code, or not one: no lookup needed to say there is no such card.
    if code.len() > MAX_SEARCH || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(WebError::NotFound);
    }
    let now = cx.now;
    let v = cx
        .app
        .store
        .read_async(move |r| {
            let Some(id) = r.index_get(Index::VoucherCode, &code)? else {
                return Ok(None);
            };
            let Some(card) = r.get::<Card>(id)? else {
                return Ok(None);
            };
            let Some(batch) = r.get::<Batch>(card.batch_id)? else {
                return Ok(None);
            };
            let number = r
                .set_members(Set::VoucherCardsByBatch, batch.id)?
                .iter()
                .position(|x| *x == id)
                .and_then(|i| u32::try_from(i + 1).ok())
                .unwrap_or(0);
            let names = Names::read(r)?;
            let mut v = card_view(number, &card, &names, now);
            v["batch"] = batch_view(&batch, &names, None);
            Ok::<_, StoreError>(Some(v))
        })
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(http::json(StatusCode::OK, &v))
}
