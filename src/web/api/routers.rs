//! `/api/v1/routers`.

use super::fields::{Body, set};
use crate::network::router::{self, Router, RouterDraft, RouterState};
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "name",
    "host",
    "port",
    "tls",
    "tls_fingerprint",
    "username",
    "password",
    "login_method",
    "hotspot_server",
    "hotspot_dns",
    "pppoe",
    "please_pay",
    "note",
];

fn view(r: &Router, st: &RouterState) -> Value {
    let mut v = r.view();
    v["status"] = json!(st.status.id());
    v["last_error"] = json!(st.last_error);
    v["state"] = serde_json::to_value(st).unwrap_or_default();
    v
}

fn apply(b: &mut Body, d: &mut RouterDraft) {
    set(&mut d.name, b.text("name"));
    set(&mut d.host, b.text("host"));
    set(&mut d.port, b.integer("port"));
    if let Some(t) = b.boolean("tls") {
        d.tls = t;
    }
    set(&mut d.tls_fingerprint, b.text("tls_fingerprint"));
    set(&mut d.username, b.text("username"));
    set(&mut d.password, b.text("password"));
    set(&mut d.login_method, b.text("login_method"));
    set(&mut d.hotspot_server, b.text("hotspot_server"));
    set(&mut d.hotspot_dns, b.text("hotspot_dns"));
    if let Some(p) = b.boolean("pppoe") {
        d.pppoe = p;
    }
    if let Some(p) = b.boolean("please_pay") {
        d.please_pay = p;
    }
    set(&mut d.note, b.text("note"));
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    super::query::none(&req)?;
    let items = cx
        .app
        .store
        .read_async(|r| {
            let mut out = Vec::new();
            for rt in router::list(r)? {
                let st = router::state(r, rt.id)?;
                out.push(view(&rt, &st));
            }
            Ok::<_, StoreError>(out)
        })
        .await?;
    Ok(http::json(StatusCode::OK, &json!({ "items": items })))
}

async fn load(cx: &Ctx, id: u64) -> Result<(Router, RouterState), WebError> {
    let (r, st) = cx
        .app
        .store
        .read_async(move |r| Ok::<_, StoreError>((r.get::<Router>(id)?, router::state(r, id)?)))
        .await?;
    Ok((r.ok_or(WebError::NotFound)?, st))
}

pub async fn get(cx: Arc<Ctx>, req: Req) -> Out {
    let (r, st) = load(&cx, req.id(0).ok_or(WebError::NotFound)?).await?;
    Ok(http::json(StatusCode::OK, &view(&r, &st)))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(&req.body, FIELDS)?;
    let mut d = RouterDraft {
        login_method: "auto".into(),
        ..Default::default()
    };
    apply(&mut b, &mut d);
    b.check()?;
    let r = crate::ops::routers::create(&cx.app, &cx.by(), d).await?;
    Ok(http::json(
        StatusCode::CREATED,
        &view(&r, &RouterState::default()),
    ))
}

pub async fn patch(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let mut b = Body::parse(&req.body, FIELDS)?;
    // The body's own mistakes first; then it is laid over the router as the write reads it.
    apply(&mut b, &mut RouterDraft::default());
    b.check()?;
    let r = crate::ops::routers::update(&cx.app, &cx.by(), id, move |cur| {
        let mut d = RouterDraft::of(cur);
        apply(&mut b, &mut d);
        d
    })
    .await?;
    let (_, st) = load(&cx, id).await?;
    Ok(http::json(StatusCode::OK, &view(&r, &st)))
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    crate::ops::routers::delete(&cx.app, &cx.by(), id).await?;
    Ok(http::json(StatusCode::OK, &json!({ "deleted": id })))
}

pub async fn sync(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    load(&cx, id).await?;
    cx.app.enforcer.sync_now(id, cx.cause());
    Ok(http::json(
        StatusCode::ACCEPTED,
        &json!({ "sync": "started" }),
    ))
}
