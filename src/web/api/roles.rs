//! `/api/v1/roles`.

use crate::access::roles::{self, RoleDraft};
use crate::access::{Grants, Role};
use crate::error::Error;
use crate::store::Reader;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    super::query::none(&req)?;
    let items = cx.app.store.read_async(roles::list).await?;
    Ok(http::json(StatusCode::OK, &json!({ "items": items })))
}

pub async fn get(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.param(0).to_string();
    let r = cx
        .app
        .store
        .read_async(move |r| r.kget::<Role>(&id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(http::json(StatusCode::OK, &r))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    grants: Option<Grants>,
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let b: RoleBody = super::body(&req)?;
    let id = b.id.unwrap_or_default();
    let d = RoleDraft {
        name: b.name.unwrap_or_default(),
        description: b.description.unwrap_or_default(),
        grants: b.grants.unwrap_or_default(),
    };
    let (actor, now) = (cx.actor(), cx.now);
    let r = cx
        .app
        .store
        .write_async(move |w| roles::create(w, now, &actor, &id, d))
        .await?;
    Ok(http::json(StatusCode::CREATED, &r))
}

pub async fn patch(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.param(0).to_string();
    let b: RoleBody = super::body(&req)?;
    let (actor, now) = (cx.actor(), cx.now);
    let r = cx
        .app
        .store
        .write_async(move |w| {
            let cur = w.kget::<Role>(&id)?.ok_or(Error::NotFound)?;
            let d = RoleDraft {
                name: b.name.unwrap_or(cur.name),
                description: b.description.unwrap_or(cur.description),
                grants: b.grants.unwrap_or(cur.grants),
            };
            roles::update(w, now, &actor, &id, d)
        })
        .await?;
    Ok(http::json(StatusCode::OK, &r))
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.param(0).to_string();
    let (actor, now) = (cx.actor(), cx.now);
    cx.app
        .store
        .write_async(move |w| roles::delete(w, now, &actor, &id))
        .await?;
    Ok(http::json(
        StatusCode::OK,
        &json!({ "deleted": req.param(0) }),
    ))
}
