//! `/api/v1/me`, `/api/v1/admins`, `/api/v1/audit`.

use crate::access::admins::AdminDraft;
use crate::access::{Admin, Grants, Menu, secret};
use crate::ops;
use crate::store::Reader;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub async fn me(cx: Arc<Ctx>, req: Req) -> Out {
    super::query::none(&req)?;
    let u = cx.user.as_ref().ok_or(WebError::Forbidden)?;
    let perms: serde_json::Map<String, serde_json::Value> = Menu::ALL
        .iter()
        .map(|m| (m.id().to_string(), json!(u.perms.level(*m))))
        .collect();
    let mut v = u.admin.view();
    v["permissions"] = serde_json::Value::Object(perms);
    Ok(http::json(StatusCode::OK, &v))
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    super::query::none(&req)?;
    let admins = cx.app.store.read_async(|r| r.list::<Admin>()).await?;
    let items: Vec<_> = admins.iter().map(Admin::view).collect();
    Ok(http::json(StatusCode::OK, &json!({ "items": items })))
}

pub async fn get(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let a = cx
        .app
        .store
        .read_async(move |r| r.get::<Admin>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(http::json(StatusCode::OK, &a.view()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AdminBody {
    username: Option<String>,
    full_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    active: Option<bool>,
    note: Option<String>,
    role_id: Option<String>,
    overrides: Option<Grants>,
    password: Option<String>,
}

impl AdminBody {
    fn apply(self, mut d: AdminDraft) -> AdminDraft {
        if let Some(v) = self.username {
            d.username = v;
        }
        if let Some(v) = self.full_name {
            d.full_name = v;
        }
        if let Some(v) = self.phone {
            d.phone = v;
        }
        if let Some(v) = self.email {
            d.email = v;
        }
        if let Some(v) = self.active {
            d.active = v;
        }
        if let Some(v) = self.note {
            d.note = v;
        }
        if let Some(v) = self.role_id {
            d.role_id = v;
        }
        if let Some(v) = self.overrides {
            d.overrides = v;
        }
        d
    }
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b: AdminBody = super::body(&req)?;
    let password = b.password.take().unwrap_or_default();
    let mut p = Problems::default();
    p.password("password", &password);
    let d = b.apply(AdminDraft {
        active: true,
        ..Default::default()
    });
    if !p.is_empty() {
        return Err(WebError::Invalid(p));
    }
    let hash = secret::hash_password_async(password)
        .await
        .map_err(WebError::Internal)?;
    let a = ops::access::add_admin(&cx.app, &cx.by(), d, hash, Problems::default()).await?;
    Ok(http::json(StatusCode::CREATED, &a.view()))
}

pub async fn patch(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let mut b: AdminBody = super::body(&req)?;
    let password = b.password.take();
    let own = cx.user.as_ref().is_some_and(|u| u.admin.id == id);
    if password.is_some() && own && cx.via == crate::audit::Via::Api {
        // An API token is not the account: one's own password changes only on the account
        // page, with the current password.
        return Err(WebError::Forbidden);
    }
    let hash = match password {
        Some(pw) => {
            let mut p = Problems::default();
            p.password("password", &pw);
            if !p.is_empty() {
                return Err(WebError::Invalid(p));
            }
            Some(
                secret::hash_password_async(pw)
                    .await
                    .map_err(WebError::Internal)?,
            )
        }
        None => None,
    };
    let edit = move |cur: &Admin| {
        b.apply(AdminDraft {
            username: cur.username.clone(),
            full_name: cur.full_name.clone(),
            phone: cur.phone.clone(),
            email: cur.email.clone(),
            active: cur.active,
            note: cur.note.clone(),
            role_id: cur.role_id.clone(),
            overrides: cur.overrides.clone(),
        })
    };
    let a = ops::access::edit_admin(&cx.app, &cx.by(), id, edit, hash).await?;
    Ok(http::json(StatusCode::OK, &a.view()))
}

pub async fn audit(cx: Arc<Ctx>, req: Req) -> Out {
    let (f, tz) = (super::query::audit(&req)?, cx.tz.clone());
    let entries = cx
        .app
        .store
        .read_async(move |r| crate::audit::list(r, &f, &tz))
        .await?;
    Ok(http::json(StatusCode::OK, &json!({ "items": entries })))
}
