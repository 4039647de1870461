//! `/api/v1/customers`.

use super::fields::{Body, set};
use crate::billing::customer::{self, Customer, CustomerDraft};
use crate::ops;
use crate::store::Reader;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "kind",
    "name",
    "reg_no",
    "contact_person",
    "phone",
    "email",
    "address",
    "note",
    "login",
    "password",
    "router_id",
    "plan_id",
    "status",
    "expires_at",
    "expiry_reason",
    "lang",
];

/// The API view: the shown status (with expiry applied) and no service password.
pub fn view(c: &Customer, now: Timestamp) -> Value {
    let mut v = customer::view(c);
    v["status"] = json!(c.shown(now).id());
    v["entitled"] = json!(c.entitled(now));
    v
}

fn apply(b: &mut Body, d: &mut CustomerDraft) {
    set(&mut d.kind, b.text("kind"));
    set(&mut d.name, b.text("name"));
    set(&mut d.reg_no, b.text("reg_no"));
    set(&mut d.contact_person, b.text("contact_person"));
    set(&mut d.phone, b.text("phone"));
    set(&mut d.email, b.text("email"));
    set(&mut d.address, b.text("address"));
    set(&mut d.note, b.text("note"));
    set(&mut d.login, b.text("login"));
    set(&mut d.password, b.text("password"));
    set(&mut d.router_id, b.integer("router_id"));
    set(&mut d.plan_id, b.integer("plan_id"));
    set(&mut d.status, b.text("status"));
    set(&mut d.expires_at, b.text("expires_at"));
    set(&mut d.expiry_reason, b.text("expiry_reason"));
    set(&mut d.lang, b.text("lang"));
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let q = super::query::customers(&req)?;
    let now = cx.now;
    let page = cx.app.roster.query_async(&cx.app.store, q, now).await?;
    let items: Vec<Value> = page.items.iter().map(|c| view(c, now)).collect();
    Ok(http::json(
        StatusCode::OK,
        &json!({ "items": items, "total": page.total }),
    ))
}

pub async fn get(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let c = cx
        .app
        .store
        .read_async(move |r| r.get::<Customer>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(http::json(StatusCode::OK, &view(&c, cx.now)))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(&req.body, FIELDS)?;
    let mut d = CustomerDraft {
        kind: "individual".into(),
        status: "active".into(),
        ..Default::default()
    };
    apply(&mut b, &mut d);
    b.check()?;
    let c = ops::customers::create(&cx.app, &cx.by(), d.parse(&cx.tz)).await?;
    Ok(http::json(StatusCode::CREATED, &view(&c, cx.now)))
}

pub async fn patch(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let mut b = Body::parse(&req.body, FIELDS)?;
    // The body's own mistakes first; it is applied for real over the customer as the write
    // transaction reads it, so a payment committed meanwhile (expiry, status, plan) is kept.
    apply(&mut b, &mut CustomerDraft::default());
    b.check()?;
    let (tz, secrets) = (cx.tz.clone(), cx.app.secrets.clone());
    let c = ops::customers::update(&cx.app, &cx.by(), id, move |_, cur| {
        // Unless the body sets it, the expiry stays exactly as stored; a PATCH says what it
        // changes, so no form-style merge.
        let mut d = CustomerDraft::of(&secrets, cur);
        apply(&mut b, &mut d);
        Ok(d.parse(&tz))
    })
    .await?;
    Ok(http::json(StatusCode::OK, &view(&c, cx.now)))
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let deleted = ops::customers::remove(&cx.app, &cx.by(), id).await?;
    Ok(http::json(
        StatusCode::OK,
        &json!({ "id": id, "deleted": deleted, "archived": !deleted }),
    ))
}

pub async fn kick(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    cx.app
        .store
        .read_async(move |r| r.get::<Customer>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    match cx.app.enforcer.kick(id, cx.cause()).await {
        Ok(n) => Ok(http::json(StatusCode::OK, &json!({ "kicked": n }))),
        Err(e) => Err(WebError::BadRequest(e)),
    }
}
