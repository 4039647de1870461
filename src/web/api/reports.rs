//! `/api/v1/reports/*`: the Reports menu for programs. JSON carries `rows` (the first 200) and
//! `totals` (every matching row); `format=csv|xlsx` returns the same export as the pages.

use super::query::{self, Format};
use crate::reports::customers as crep;
use crate::reports::plans as prep;
use crate::reports::revenue as rrep;
use crate::reports::{FIRST_PAGE, Which};
use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::export::export;
use crate::web::http::{self, Req};
use hyper::StatusCode;
use std::sync::Arc;

/// The export's name for a download format; JSON is answered here instead.
fn download(f: Format) -> &'static str {
    match f {
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    }
}

pub async fn revenue(cx: Arc<Ctx>, req: Req) -> Out {
    let (f, group, fmt) = query::revenue(&req)?;
    if let Some(out) = export(&cx, Which::Revenue(f.clone(), group), download(fmt)).await {
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
    let (f, fmt) = query::customer_report(&req)?;
    if let Some(out) = export(&cx, Which::Customers(f.clone()), download(fmt)).await {
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
    let (f, fmt) = query::plan_report(&req)?;
    if let Some(out) = export(&cx, Which::Plans(f.clone()), download(fmt)).await {
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
