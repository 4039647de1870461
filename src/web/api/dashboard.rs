//! `/api/v1/dashboard`: the dashboard's figures for programs, from the same cache as the page.

use crate::web::ctx::Ctx;
use crate::web::dashboard::figures;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use hyper::StatusCode;
use std::sync::Arc;

pub async fn get(cx: Arc<Ctx>, req: Req) -> Out {
    super::query::none(&req)?;
    let d = figures(&cx).await?;
    Ok(http::json(StatusCode::OK, &*d))
}
