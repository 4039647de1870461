//! `/api/v1/messages`: queueing messages to customers and reading the queue.

use super::query;
use crate::i18n::Msg;
use crate::notify::{self, Channel, Compose, Message};
use crate::store::Reader;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use std::sync::Arc;

/// `POST /api/v1/messages {customer_ids, channels, subject, body}`.
pub async fn send(cx: Arc<Ctx>, req: Req) -> Out {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        customer_ids: Vec<u64>,
        channels: Vec<String>,
        #[serde(default)]
        subject: String,
        body: String,
    }
    let b: Body = super::body(&req)?;
    let mut channels = Vec::new();
    for c in &b.channels {
        match Channel::parse(c) {
            Some(ch) => channels.push(ch),
            None => {
                return Err(WebError::Invalid(Problems::one(
                    "channels",
                    Msg::UnsupportedChannel,
                )));
            }
        }
    }
    let (out, replayed) = crate::ops::messages::queue(
        &cx.app,
        &cx.by(),
        Compose {
            customer_ids: b.customer_ids,
            channels,
            subject: b.subject,
            body: b.body,
        },
        req.header("idempotency-key"),
    )
    .await?;
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(http::json(
        status,
        &serde_json::json!({ "items": out, "replayed": replayed }),
    ))
}

/// `GET /api/v1/messages?customer_id=`: messages with their delivery attempts.
pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let customer = query::messages(&req)?;
    let items = cx
        .app
        .store
        .read_async(move |r| match customer {
            Some(c) => notify::of_customer(r, c),
            None => r.list::<Message>(),
        })
        .await?;
    Ok(http::json(
        StatusCode::OK,
        &serde_json::json!({ "items": items }),
    ))
}
