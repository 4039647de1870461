//! `/api/v1/payments`, `/api/v1/extensions`, `/api/v1/bills`, `/api/v1/bank-accounts`.

use super::fields::{Body, set};
use super::query;
use crate::billing::books::BillCount;
use crate::billing::ledger::{self, BankAccount, BankAccountDraft, BillStatus};
use crate::error::Error;
use crate::model::Money;
use crate::ops::{self, payments::PaymentFields};
use crate::store::{Reader, StoreError, blocking};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use hyper::StatusCode;
use serde_json::json;
use std::sync::Arc;

pub async fn list_payments(cx: Arc<Ctx>, req: Req) -> Out {
    let (f, at) = query::payments(&req)?;
    let (tz, books, store) = (cx.tz.clone(), cx.app.books.clone(), cx.app.store.clone());
    let (items, more) = blocking("list", move || {
        let (page, more) = f.page(&books, &store, &tz, at.offset(), at.per)?;
        // Whole, with their allocations.
        store.read(|r| {
            let mut items = Vec::with_capacity(page.len());
            for p in page {
                items.extend(r.get::<ledger::Payment>(p.id)?);
            }
            Ok::<_, StoreError>((items, more))
        })
    })
    .await?;
    let total: i64 = items.iter().map(|p| p.amount).sum();
    Ok(http::json(
        StatusCode::OK,
        &json!({ "items": items, "total": total, "page": at.page, "per": at.per, "more": more }),
    ))
}

pub async fn get_payment(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let p = cx
        .app
        .store
        .read_async(move |r| r.get::<ledger::Payment>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(http::json(StatusCode::OK, &p))
}

pub async fn create_payment(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(
        &req.body,
        &[
            "customer_id",
            "amount",
            "method",
            "bank_account_id",
            "reference",
            "received_at",
        ],
    )?;
    let (customer_id, amount, method, bank_account_id, reference, received_at) = (
        b.integer("customer_id").unwrap_or_default(),
        b.integer("amount").unwrap_or_default(),
        b.text("method").unwrap_or_default(),
        b.integer("bank_account_id").unwrap_or_default(),
        b.text("reference").unwrap_or_default(),
        b.text("received_at").unwrap_or_default(),
    );
    b.check()?;
    let new = PaymentFields {
        customer_id: &customer_id,
        amount: Money::parse_minor(&amount),
        method: &method,
        bank_account_id: &bank_account_id,
        reference: &reference,
        received_at: &received_at,
        idempotency_key: req.header("idempotency-key"),
    }
    .parse(&cx.tz)?;
    let rec = ops::payments::record(&cx.app, &cx.by(), new).await?;
    let mut v = serde_json::to_value(&rec.payment).unwrap_or_default();
    v["customer"] = crate::web::api::customers::view(&rec.customer, cx.now);
    v["replayed"] = json!(rec.replayed);
    Ok(http::json(created_or_replayed(rec.replayed), &v))
}

pub async fn reverse_payment(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let mut b = Body::parse(&req.body, &["reason"])?;
    let reason = b.text("reason").unwrap_or_default();
    b.check()?;
    let r = ops::payments::reverse(&cx.app, &cx.by(), id, reason, req.header("idempotency-key"))
        .await?;
    let mut v = serde_json::to_value(&r.reversal).unwrap_or_default();
    v["customer"] = crate::web::api::customers::view(&r.customer, cx.now);
    v["replayed"] = json!(r.replayed);
    Ok(http::json(created_or_replayed(r.replayed), &v))
}

pub async fn list_extensions(cx: Arc<Ctx>, req: Req) -> Out {
    let (f, at) = query::extensions(&req)?;
    let (tz, books, store) = (cx.tz.clone(), cx.app.books.clone(), cx.app.store.clone());
    let (items, more, totals) = blocking("list", move || {
        f.page(&books, &store, &tz, at.offset(), at.per)
    })
    .await?;
    Ok(http::json(
        StatusCode::OK,
        &json!({ "items": items, "totals": totals, "page": at.page, "per": at.per, "more": more }),
    ))
}

pub async fn create_extension(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(
        &req.body,
        &["customer_id", "days", "free", "reason", "amount", "method"],
    )?;
    let customer_id = b.integer("customer_id").and_then(|s| s.parse::<u64>().ok());
    let days = b.integer("days").unwrap_or_default();
    let free = b.boolean("free").unwrap_or(true);
    let reason = b.text("reason").unwrap_or_default();
    let amount = b.integer("amount").unwrap_or_default();
    let method = b.text("method").unwrap_or_default();
    b.check()?;
    // Not free means paid for: the amount (minor units) and method become a payment.
    let paid = (!free).then(|| ops::extensions::PaidWith {
        amount: crate::model::Money::parse_minor(&amount),
        method: &method,
    });
    let id = customer_id.ok_or_else(|| {
        WebError::Invalid(crate::validate::Problems::one(
            "customer_id",
            crate::i18n::Msg::UnknownCustomer,
        ))
    })?;
    let key = req.header("idempotency-key");
    let done = ops::extensions::extend_one(&cx.app, &cx.by(), id, &days, paid, &reason, key)
        .await
        .map_err(|e| match e {
            Error::NotFound => WebError::Invalid(crate::validate::Problems::one(
                "customer_id",
                crate::i18n::Msg::UnknownCustomer,
            )),
            e => e.into(),
        })?;
    let mut v = serde_json::to_value(&done.extension).unwrap_or_default();
    v["customer"] = crate::web::api::customers::view(&done.customer, cx.now);
    v["replayed"] = json!(done.replayed);
    Ok(http::json(created_or_replayed(done.replayed), &v))
}

/// 201 for a change made now, 200 for a replayed key that made it before.
pub(super) fn created_or_replayed(replayed: bool) -> StatusCode {
    if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

pub async fn list_bills(cx: Arc<Ctx>, req: Req) -> Out {
    let (customer, status, at) = query::bills(&req)?;
    let (books, store) = (cx.app.books.clone(), cx.app.store.clone());
    let (items, count, more) = blocking("list", move || match customer {
        // A customer's bills are few: all of them, by due date.
        Some(c) => store.read(|r| {
            let mut bills = ledger::bills_of(r, c)?;
            bills.retain(|b| status.is_none_or(|s| s == b.status));
            bills.sort_by_key(|b| (b.due, b.id));
            let count = BillCount {
                count: u64::try_from(bills.len()).unwrap_or(u64::MAX),
                owed: bills
                    .iter()
                    .filter(|b| b.status == BillStatus::Pending)
                    .map(|b| b.amount - b.paid)
                    .sum(),
            };
            let (page, more) = crate::billing::books::page_of(bills, at.offset(), at.per);
            Ok::<_, StoreError>((page, count, more))
        }),
        None => books.bills_page(&store, status, at.offset(), at.per),
    })
    .await?;
    Ok(http::json(
        StatusCode::OK,
        &json!({
            "items": items, "count": count.count, "owed": count.owed,
            "page": at.page, "per": at.per, "more": more,
        }),
    ))
}

pub async fn create_bill(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(&req.body, &["customer_id", "note"])?;
    let customer_id = b
        .integer("customer_id")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    let note = b.text("note").unwrap_or_else(|| "raised by hand".into());
    b.check()?;
    let (bill, replayed) = ops::bills::raise(
        &cx.app,
        &cx.by(),
        customer_id,
        note,
        req.header("idempotency-key"),
    )
    .await?;
    let mut v = serde_json::to_value(&bill).unwrap_or_default();
    v["replayed"] = json!(replayed);
    Ok(http::json(created_or_replayed(replayed), &v))
}

pub async fn list_bank_accounts(cx: Arc<Ctx>, req: Req) -> Out {
    query::none(&req)?;
    let items = cx.app.store.read_async(|r| r.list::<BankAccount>()).await?;
    Ok(http::json(StatusCode::OK, &json!({ "items": items })))
}

pub async fn create_bank_account(cx: Arc<Ctx>, req: Req) -> Out {
    let mut b = Body::parse(
        &req.body,
        &["bank", "number", "holder", "currency", "note", "active"],
    )?;
    let mut d = BankAccountDraft {
        currency: cx.settings.currency.code.clone(),
        active: true,
        ..Default::default()
    };
    set(&mut d.bank, b.text("bank"));
    set(&mut d.number, b.text("number"));
    set(&mut d.holder, b.text("holder"));
    set(&mut d.currency, b.text("currency"));
    set(&mut d.note, b.text("note"));
    if let Some(a) = b.boolean("active") {
        d.active = a;
    }
    b.check()?;
    let a = ops::installation::save_bank_account(&cx.app, &cx.by(), None, d).await?;
    Ok(http::json(StatusCode::CREATED, &a))
}
