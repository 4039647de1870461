//! `/api/v1/plans`.

use super::fields::{Body, set};
use crate::billing::plan::{self, Plan, PlanDraft};
use crate::ops;
use crate::store::Reader;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use serde_json::json;
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "name",
    "kind",
    "price",
    "agent_price",
    "agent_commission_pct",
    "duration_days",
    "duration_hours",
    "download",
    "upload",
    "shared_users",
    "burst_download",
    "burst_upload",
    "burst_threshold_download",
    "burst_threshold_upload",
    "burst_time",
    "local_address",
    "remote_address",
    "active",
    "description",
];

fn apply(b: &mut Body, d: &mut PlanDraft) {
    set(&mut d.name, b.text("name"));
    set(&mut d.kind, b.text("kind"));
    set(&mut d.price, b.integer("price"));
    set(&mut d.agent_price, b.integer("agent_price"));
    set(&mut d.agent_commission, b.integer("agent_commission_pct"));
    set(&mut d.duration_days, b.integer("duration_days"));
    set(&mut d.duration_hours, b.integer("duration_hours"));
    set(&mut d.download, b.text("download"));
    set(&mut d.upload, b.text("upload"));
    set(&mut d.shared_users, b.integer("shared_users"));
    set(&mut d.burst_download, b.text("burst_download"));
    set(&mut d.burst_upload, b.text("burst_upload"));
    set(
        &mut d.burst_threshold_download,
        b.text("burst_threshold_download"),
    );
    set(
        &mut d.burst_threshold_upload,
        b.text("burst_threshold_upload"),
    );
    set(&mut d.burst_time, b.integer("burst_time"));
    set(&mut d.local_address, b.text("local_address"));
    set(&mut d.remote_address, b.text("remote_address"));
    if let Some(a) = b.boolean("active") {
        d.active = a;
    }
    set(&mut d.description, b.text("description"));
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    super::query::none(&req)?;
    let items = cx.app.store.read_async(plan::list).await?;
    Ok(http::json(StatusCode::OK, &json!({ "items": items })))
}

pub async fn get(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let p = cx
        .app
        .store
        .read_async(move |r| r.get::<Plan>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(http::json(StatusCode::OK, &p))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(&req.body, FIELDS)?;
    let mut d = PlanDraft {
        shared_users: "1".into(),
        active: true,
        ..Default::default()
    };
    apply(&mut b, &mut d);
    b.check()?;
    let p = ops::plans::create(&cx.app, &cx.by(), d).await?;
    Ok(http::json(StatusCode::CREATED, &p))
}

pub async fn patch(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let mut b = Body::parse(&req.body, FIELDS)?;
    // The body's own mistakes first; then it is laid over the package as the write reads it.
    apply(&mut b, &mut PlanDraft::default());
    b.check()?;
    let p = ops::plans::update(&cx.app, &cx.by(), id, move |cur| {
        let mut d = PlanDraft::of(cur);
        apply(&mut b, &mut d);
        d
    })
    .await?;
    Ok(http::json(StatusCode::OK, &p))
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    ops::plans::delete(&cx.app, &cx.by(), id).await?;
    Ok(http::json(StatusCode::OK, &json!({ "deleted": id })))
}
