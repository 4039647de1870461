//! Bills: pending and unpaid by due date, raise one by hand, print one, void an unpaid one.

use crate::billing::Plan;
use crate::billing::customer::Customer;
use crate::billing::ledger::{BankAccount, Bill, BillStatus};
use crate::i18n::Msg;
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, page};
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

pub fn status_badge(cx: &Ctx, b: &Bill) -> Markup {
    let (class, m) = match b.status {
        BillStatus::Paid => ("badge good", Msg::BillPaid),
        BillStatus::Void => ("badge", Msg::BillVoid),
        BillStatus::Pending if b.overdue(cx.now) => ("badge bad", Msg::Overdue),
        BillStatus::Pending if b.paid > 0 => ("badge", Msg::PartlyPaid),
        BillStatus::Pending => ("badge", Msg::BillPending),
    };
    html! { span class=(class) { (cx.t(m)) } }
}

pub fn bills_table(cx: &Ctx, bills: &[Bill], names: &HashMap<u64, String>) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::MenuCustomers)) } th { (cx.t(Msg::Period)) } th { (cx.t(Msg::DueDate)) }
                th.num { (cx.t(Msg::Amount)) } th.num { (cx.t(Msg::Paid)) } th { (cx.t(Msg::Status)) }
            } }
            tbody { @for b in bills { tr {
                td.num { a href={ "/bills/" (b.id) } { (b.id) } }
                td { a href={ "/customers/" (b.customer_id) } { (names.get(&b.customer_id).map_or("?", String::as_str)) } }
                td { (cx.date(b.period_start)) " – " (cx.date(b.period_end)) }
                td { (cx.date(b.due)) }
                td.num { (cx.money(b.amount)) }
                td.num { (cx.money(b.paid)) }
                td { (status_badge(cx, b)) }
            } } }
        } }
    }
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let status = req.query("status").unwrap_or("pending").to_string();
    let st = status.clone();
    let (mut bills, names) = cx
        .app
        .store
        .read_async(move |r| {
            let mut bills = Vec::new();
            r.scan::<Bill>(true, |b| {
                if st == "all" || b.status.id() == st {
                    bills.push(b);
                }
                bills.len() < 2_000
            })?;
            let names: HashMap<u64, String> = r
                .list::<Customer>()?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect();
            Ok::<_, StoreError>((bills, names))
        })
        .await?;
    bills.sort_by_key(|b| (b.due, b.id));
    let total: i64 = bills.iter().map(|b| b.amount - b.paid).sum();
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        form.toolbar.no-print method="get" action="/bills" {
            label.field { span { (cx.t(Msg::Status)) } select name="status" {
                @for (v, m) in [("pending", Msg::BillPending), ("paid", Msg::BillPaid), ("void", Msg::BillVoid), ("all", Msg::All)] {
                    option value=(v) selected[status == v] { (cx.t(m)) }
                }
            } }
            button type="submit" { (cx.t(Msg::Filter)) }
            button.secondary type="button" data-print { (cx.t(Msg::Print)) }
        }
        p.muted { (cx.t(Msg::Outstanding)) ": " strong { (cx.money(total)) } }
        (bills_table(&cx, &bills, &names))
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::Bills), body),
    ))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let customer_id = req
        .form
        .get("customer_id")
        .parse::<u64>()
        .map_err(|_| WebError::BadRequest("customer_id".into()))?;
    let (bill, _) = crate::ops::bills::raise(
        &cx.app,
        &cx.by(),
        customer_id,
        "raised by hand".into(),
        req.form.get("idempotency_key"),
    )
    .await?;
    Ok(http::redirect(&format!("/bills/{}", bill.id)))
}

pub async fn void(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let reason = req.form.get("reason").to_string();
    crate::ops::bills::void(&cx.app, &cx.by(), id, reason).await?;
    Ok(http::redirect(&format!("/bills/{id}")))
}

/// The printable bill, with the company and where to pay.
pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (bill, customer, plan, accounts) = cx
        .app
        .store
        .read_async(move |r| {
            let b = r.get::<Bill>(id)?;
            let (c, p) = match &b {
                Some(b) => (r.get::<Customer>(b.customer_id)?, r.get::<Plan>(b.plan_id)?),
                None => (None, None),
            };
            Ok::<_, StoreError>((b, c, p, r.list::<BankAccount>()?))
        })
        .await?;
    let (bill, customer) = (
        bill.ok_or(WebError::NotFound)?,
        customer.ok_or(WebError::NotFound)?,
    );
    let can_edit = cx.can(crate::access::Menu::Payments, crate::access::Level::Edit);
    let body = html! {
        (layout::toolbar(&cx, html! { a.button.secondary href={ "/customers/" (customer.id) } { (cx.t(Msg::Back)) } }))
        article.receipt {
            (crate::web::pages::payments::company_header(&cx, &accounts))
            h1.doc-title { (cx.f(Msg::BillNo, &[&bill.id])) " " (status_badge(&cx, &bill)) }
            table.kv { tbody {
                tr { th { (cx.t(Msg::Customer)) } td { (customer.name) " (" (customer.login) ")" } }
                tr { th { (cx.t(Msg::MenuPlans)) } td { (plan.as_ref().map_or("?", |p| p.name.as_str())) } }
                tr { th { (cx.t(Msg::Period)) } td { (cx.date(bill.period_start)) " – " (cx.date(bill.period_end)) } }
                tr { th { (cx.t(Msg::DueDate)) } td { (cx.date(bill.due)) } }
                tr { th { (cx.t(Msg::Amount)) } td { strong { (cx.money(bill.amount)) } } }
                tr { th { (cx.t(Msg::Paid)) } td { (cx.money(bill.paid)) } }
                (crate::web::pages::payments::amount_rows(&cx, Msg::AmountDue, bill.amount - bill.paid))
            } }
            (crate::web::pages::payments::signatures(&cx, &[Msg::IssuedBy]))
        }
        @if can_edit && bill.status == BillStatus::Pending && bill.paid == 0 {
            form.no-print method="post" action={ "/bills/" (bill.id) "/void" } {
                (csrf(&cx))
                input type="hidden" name="reason" value="voided by hand";
                button.danger type="submit" data-confirm=(cx.t(Msg::VoidBill)) { (cx.t(Msg::VoidBill)) }
            }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        layout::document_page(&cx, &cx.f(Msg::BillNo, &[&bill.id]), body),
    ))
}
