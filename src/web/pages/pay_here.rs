//! `/pay`: where a customer whose service ended lands without signing in (the walled garden,
//! the PPPoE "please pay" redirect and the hotspot login page send them here). The caller is
//! found by their connection's source address in the routers' sessions, so it shows only what
//! paying buys, the amount and the QR: no name, phone or history, which need the portal login.
//! An address nobody is known at goes to the portal login.

use super::portal_pay::{bank_accounts, invoice_page, what_you_get};
use crate::billing::ledger::BankAccount;
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::customer::Customer;
use crate::selfpay::{invoices, settings};
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{csrf, portal_page};
use hyper::StatusCode;
use maud::html;
use std::sync::Arc;

const LOGIN: &str = "/portal/login?next=/portal/pay";

/// The customer at the caller's address; `Err` is the answer to give when there is none.
async fn here(cx: &Ctx) -> Result<Customer, Out> {
    if cx.customer.is_some() {
        return Err(Ok(http::redirect("/portal/pay")));
    }
    match crate::ops::selfpay::caller(&cx.app.core, cx.peer).await {
        Ok(Some(c)) if !c.archived => Ok(c),
        Ok(_) => Err(Ok(http::redirect(LOGIN))),
        Err(e) => Err(Err(e.into())),
    }
}

pub async fn page(cx: Arc<Ctx>, _req: Req) -> Out {
    let c = match here(&cx).await {
        Ok(c) => c,
        Err(out) => return out,
    };
    let (now, cc) = (cx.now, c.clone());
    let (s, due, accounts) = cx
        .app
        .store
        .read_async(move |r| {
            let s = settings::load(r)?;
            let due = invoices::due(r, now, &s, &cc, None);
            Ok::<_, StoreError>((s, due, r.list::<BankAccount>()?))
        })
        .await?;
    let body = html! {
        @if !c.entitled(cx.now) { p.notice role="status" { (cx.t(Msg::ServiceEndedPay)) } }
        @if !s.usable() {
            p.notice role="status" { (cx.t(Msg::QPayOff)) }
        } @else {
            @match &due {
                Ok(due) => {
                    section.card {
                        h2 { (cx.t(Msg::PayRenew)) }
                        (what_you_get(&cx, &due.plan.name, due.amount, due.until))
                        form method="post" action="/pay" {
                            (csrf(&cx))
                            button type="submit" { (cx.t(Msg::PayWithQPay)) }
                        }
                    }
                }
                Err(_) => { p.error role="alert" { (cx.t(Msg::NothingToPay)) } }
            }
        }
        (bank_accounts(&cx, &accounts, None))
        p { a href=(LOGIN) { (cx.t(Msg::PortalTitle)) } }
    };
    Ok(http::html(
        StatusCode::OK,
        portal_page(&cx, cx.t(Msg::PayRenew), body),
    ))
}

/// Opens (or shows again) the invoice for what the customer at this address owes.
pub async fn open(cx: Arc<Ctx>, _req: Req) -> Out {
    let c = match here(&cx).await {
        Ok(c) => c,
        Err(out) => return out,
    };
    match crate::ops::selfpay::open_invoice(&cx.app.core, c.id, None).await {
        Ok(i) => Ok(http::redirect(&format!("/pay/{}", i.id))),
        Err(Error::Conflict(_) | Error::Invalid(_)) => Ok(http::redirect("/pay")),
        Err(e) => Err(e.into()),
    }
}

pub async fn invoice(cx: Arc<Ctx>, req: Req) -> Out {
    let c = match here(&cx).await {
        Ok(c) => c,
        Err(out) => return out,
    };
    let id = req.id(0).ok_or(WebError::NotFound)?;
    invoice_page(&cx, &c, id, "/pay").await
}
