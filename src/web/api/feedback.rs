//! `/api/v1/feedback`: customers' requests, complaints and inquiries, and replies to them.

use super::query;
use crate::feedback;
use crate::store::StoreError;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use std::sync::Arc;

/// `GET /api/v1/feedback?status=&customer_id=`.
pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let (status, customer) = query::feedback(&req)?;
    let items = cx
        .app
        .store
        .read_async(move |r| match customer {
            Some(c) => Ok::<_, StoreError>(
                feedback::of_customer(r, c)?
                    .into_iter()
                    .filter(|f| status.is_none_or(|s| s == f.status))
                    .collect::<Vec<_>>(),
            ),
            None => feedback::inbox(r, status, 1000),
        })
        .await?;
    Ok(http::json(
        StatusCode::OK,
        &serde_json::json!({ "items": items }),
    ))
}

/// `POST /api/v1/feedback/{id}/reply {text, sms?}`.
pub async fn reply(cx: Arc<Ctx>, req: Req) -> Out {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        text: String,
        #[serde(default)]
        sms: bool,
    }
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let b: Body = super::body(&req)?;
    let f = crate::ops::messages::reply(&cx.app, &cx.by(), id, b.text, b.sms).await?;
    Ok(http::json(StatusCode::OK, &f))
}
