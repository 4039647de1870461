//! Bills: pending and unpaid by due date, raise one by hand, print one, void an unpaid one.

use crate::billing::Plan;
use crate::billing::books::PER_PAGE;
use crate::billing::customer::Customer;
use crate::billing::ledger::{BankAccount, Bill, BillStatus};
use crate::i18n::Msg;
use crate::reports::Cell;
use crate::store::{Read, Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, page};
use crate::web::{export, grid};
use hyper::StatusCode;
use jiff::Timestamp;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

fn status_msg(b: &Bill, now: Timestamp) -> Msg {
    match b.status {
        BillStatus::Paid => Msg::BillPaid,
        BillStatus::Void => Msg::BillVoid,
        BillStatus::Pending if b.overdue(now) => Msg::Overdue,
        BillStatus::Pending if b.paid > 0 => Msg::PartlyPaid,
        BillStatus::Pending => Msg::BillPending,
    }
}

pub fn status_badge(cx: &Ctx, b: &Bill) -> Markup {
    let m = status_msg(b, cx.now);
    let class = match m {
        Msg::BillPaid => "badge good",
        Msg::Overdue => "badge bad",
        _ => "badge",
    };
    html! { span class=(class) { (cx.t(m)) } }
}

/// The status filter of the list ("pending" when not chosen) and the bills it keeps.
fn status_filter(req: &Req) -> String {
    let s = req.query("status").unwrap_or("pending");
    if ["pending", "paid", "void", "all"].contains(&s) {
        s.to_string()
    } else {
        "pending".to_string()
    }
}

/// The list as Excel or CSV: the same status filter, every bill of it, in the list's order.
pub async fn export(cx: Arc<Ctx>, req: Req) -> Out {
    let of = BillStatus::parse(&status_filter(&req));
    let (now, tz, lang) = (cx.now, cx.tz.clone(), cx.lang);
    let (books, store) = (cx.app.books.clone(), cx.app.store.clone());
    let header = [
        Msg::Number,
        Msg::MenuCustomers,
        Msg::PeriodStart,
        Msg::PeriodEnd,
        Msg::DueDate,
        Msg::Amount,
        Msg::Paid,
        Msg::Status,
    ];
    let list = export::List {
        name: "bills",
        title: cx.t(Msg::Bills),
        header: header.iter().map(|m| lang.t(*m)).collect(),
        walk: move |r: &Read, emit: &mut export::Emit| {
            let names = export::customer_names(r)?;
            let day = |t| Cell::Date(crate::reports::day_of(t, &tz));
            // In the list's order, a thousand at a time.
            let mut skip = 0;
            loop {
                let (page, _, more) = books.bills_page(&store, of, skip, 1_000)?;
                skip += page.len();
                for b in page {
                    let go_on = emit(vec![
                        export::int(b.id),
                        Cell::text(names.get(&b.customer_id).cloned().unwrap_or_default()),
                        day(b.period_start),
                        day(b.period_end),
                        day(b.due),
                        Cell::Money(b.amount),
                        Cell::Money(b.paid),
                        Cell::text(lang.t(status_msg(&b, now))),
                    ])?;
                    if !go_on {
                        return Ok(());
                    }
                }
                if !more {
                    return Ok(());
                }
            }
        },
    };
    export::list(&cx, &req, list).await
}

pub fn bills_table(cx: &Ctx, bills: &[Bill], names: &HashMap<u64, String>) -> Markup {
    html! {
        div.table-wrap.grid { table {
            thead { tr {
                th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::MenuCustomers)) } th { (cx.t(Msg::Period)) } th { (cx.t(Msg::DueDate)) }
                th.num { (cx.t(Msg::Amount)) } th.num { (cx.t(Msg::Paid)) } th { (cx.t(Msg::Status)) }
            } }
            tbody { @for b in bills { tr {
                td.num { a href={ "/bills/" (b.id) } { (b.id) } }
                td { @let name = names.get(&b.customer_id).map_or("?", String::as_str); a.clip href={ "/customers/" (b.customer_id) } title=(name) { (name) } }
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
    let status = status_filter(&req);
    let number = grid::page_number(&req);
    let skip = (number - 1).saturating_mul(PER_PAGE);
    let of = BillStatus::parse(&status);
    let (books, store) = (cx.app.books.clone(), cx.app.store.clone());
    let (bills, count, _) = crate::store::blocking("bills list", move || {
        books.bills_page(&store, of, skip, PER_PAGE)
    })
    .await?;
    let ids = bills.iter().map(|b| b.customer_id).collect();
    let names = cx.app.roster.names_async(&cx.app.store, ids).await?;
    let pages = usize::try_from(count.count)
        .unwrap_or(usize::MAX)
        .div_ceil(PER_PAGE);
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
            (export::links(&cx, &req, "/bills/export"))
        }
        (grid::count(&cx, usize::try_from(count.count).unwrap_or(usize::MAX)))
        @if of.is_none_or(|s| s == BillStatus::Pending) {
            p.muted { (cx.t(Msg::Outstanding)) ": " strong { (cx.money(count.owed)) } }
        }
        (bills_table(&cx, &bills, &names))
        (grid::pager(&cx, &req, number, Some(pages.max(1)), false))
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
                // The reason is kept in the words of the admin who voided it, as if typed.
                input type="hidden" name="reason" value=(cx.t(Msg::VoidedByHand));
                button.danger type="submit" data-confirm=(cx.t(Msg::VoidBill)) { (cx.t(Msg::VoidBill)) }
            }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        layout::document_page(&cx, &cx.f(Msg::BillNo, &[&bill.id]), body),
    ))
}
