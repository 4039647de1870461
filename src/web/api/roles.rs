//! `/api/v1/roles`.

use crate::access::roles::{self, RoleDraft};
use crate::access::{Grants, Role};
use crate::ops;
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
    let r = ops::access::add_role(&cx.app, &cx.by(), id, d).await?;
    Ok(http::json(StatusCode::CREATED, &r))
}

pub async fn patch(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.param(0).to_string();
    let b: RoleBody = super::body(&req)?;
    let edit = move |cur: &Role| RoleDraft {
        name: b.name.unwrap_or_else(|| cur.name.clone()),
        description: b.description.unwrap_or_else(|| cur.description.clone()),
        grants: b.grants.unwrap_or_else(|| cur.grants.clone()),
    };
    let r = ops::access::edit_role(&cx.app, &cx.by(), id, edit).await?;
    Ok(http::json(StatusCode::OK, &r))
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.param(0).to_string();
    ops::access::delete_role(&cx.app, &cx.by(), id.clone()).await?;
    Ok(http::json(
        StatusCode::OK,
        &json!({ "deleted": req.param(0) }),
    ))
}
