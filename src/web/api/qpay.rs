//! `/api/v1/qpay`: the invoices customers opened and how QPay last answered.

use super::query;
use crate::model::customer::Customer;
use crate::model::invoice::Invoice;
use crate::selfpay::{invoices, settings};
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use hyper::StatusCode;
use serde_json::json;
use std::sync::Arc;

/// At most this many invoices in one answer (newest first); `matched` counts them all.
const LIMIT: usize = 1000;

fn view(i: &Invoice, customer_name: Option<&str>) -> serde_json::Value {
    json!({
        "id": i.id,
        "number": i.number(),
        "customer_id": i.customer_id,
        "customer_name": customer_name,
        "plan_id": i.plan_id,
        "plan_change": i.plan_change,
        "amount": i.amount,
        "paid": i.paid,
        "status": i.status.id(),
        "qpay_invoice_id": i.qpay_id,
        "created_at": i.created_at,
        "expires_at": i.expires_at,
        "paid_at": i.paid_at,
        "payment_ids": i.payment_ids,
        "checks": i.checks,
        "checked_at": i.checked_at,
        "error": i.error,
    })
}

/// `GET /api/v1/qpay/invoices?status=&customer_id=&from=&to=`.
pub async fn invoices(cx: Arc<Ctx>, req: Req) -> Out {
    let f = query::qpay_invoices(&req)?;
    let tz = cx.tz.clone();
    let (items, matched, paid) = cx
        .app
        .store
        .read_async(move |r| {
            let listed = invoices::list(r, &f, &tz, LIMIT)?;
            let mut items = Vec::with_capacity(listed.rows.len());
            for i in &listed.rows {
                let name = r.get::<Customer>(i.customer_id)?.map(|c| c.name);
                items.push(view(i, name.as_deref()));
            }
            Ok::<_, StoreError>((items, listed.matched, listed.paid))
        })
        .await?;
    Ok(http::json(
        StatusCode::OK,
        &json!({ "items": items, "matched": matched, "paid": paid }),
    ))
}

/// `GET /api/v1/qpay/status`.
pub async fn status(cx: Arc<Ctx>, req: Req) -> Out {
    query::none(&req)?;
    let (s, open) = cx
        .app
        .store
        .read_async(|r| Ok::<_, StoreError>((settings::load(r)?, invoices::open_count(r)?)))
        .await?;
    let h = cx.app.core.selfpay_clients.health();
    Ok(http::json(
        StatusCode::OK,
        &json!({
            "enabled": s.enabled,
            "usable": s.usable(),
            "base_url": s.base_url,
            "confirmation": if s.callback_base.is_empty() { "polling" } else { "callback_and_polling" },
            "failing": h.failing(),
            "last_ok": h.last_ok,
            "last_error_at": h.last_error_at,
            "last_error": h.last_error,
            "open_invoices": open,
        }),
    ))
}
