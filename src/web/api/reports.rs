//! `/api/v1/reports/*`: the Reports menu for programs. JSON carries `rows` (the first 200) and
//! `totals` (every matching row); `format=csv|xlsx` returns the same export as the pages.

use crate::reports::FIRST_PAGE;
use crate::reports::customers::{self as crep, CustomerFilter};
use crate::reports::plans::{self as prep, ExtensionFilter};
use crate::reports::revenue::{self as rrep, Group, PaymentFilter};
use crate::web::ctx::Ctx;
use crate::web::http::{self, Req};
use crate::web::pages::reports::{Which, export};
use crate::web::router::{Out, WebError};
use hyper::StatusCode;
use std::sync::Arc;

fn format(req: &Req) -> Result<&str, WebError> {
    match req.query("format").unwrap_or("json") {
        f @ ("json" | "csv" | "xlsx" | "") => Ok(f),
        _ => Err(WebError::BadRequest(
            "format must be json, csv or xlsx".into(),
        )),
    }
}

pub async fn revenue(cx: Arc<Ctx>, req: Req) -> Out {
    let f = PaymentFilter::from_query(&req);
    let group = Group::parse(req.query("group").unwrap_or(""));
    if let Some(out) = export(&cx, Which::Revenue(f.clone(), group), format(&req)?).await {
        return out;
    }
    let tz = cx.tz.clone();
    let rep = cx
        .app
        .store
        .read_async(move |r| rrep::compute(r, &f, group, &tz, FIRST_PAGE))
        .await?;
    Ok(http::json(StatusCode::OK, &rep))
}

pub async fn customers(cx: Arc<Ctx>, req: Req) -> Out {
    let f = CustomerFilter::from_query(&req);
    if let Some(out) = export(&cx, Which::Customers(f.clone()), format(&req)?).await {
        return out;
    }
    let now = cx.now;
    let rep = cx
        .app
        .store
        .read_async(move |r| crep::compute(r, &f, now, FIRST_PAGE))
        .await?;
    Ok(http::json(StatusCode::OK, &rep))
}

pub async fn plans(cx: Arc<Ctx>, req: Req) -> Out {
    let f = ExtensionFilter::from_query(&req);
    if let Some(out) = export(&cx, Which::Plans(f.clone()), format(&req)?).await {
        return out;
    }
    let (now, tz) = (cx.now, cx.tz.clone());
    let rep = cx
        .app
        .store
        .read_async(move |r| prep::compute(r, &f, now, &tz, FIRST_PAGE))
        .await?;
    Ok(http::json(StatusCode::OK, &rep))
}
