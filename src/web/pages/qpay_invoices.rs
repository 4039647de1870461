//! Payments → QPay invoices: every invoice customers opened, by state, each with its customer
//! and the payments it became, so an operator can answer "I paid, where is my internet?".

use crate::i18n::Msg;
use crate::model::customer::Customer;
use crate::model::invoice::{Invoice, InvoiceStatus};
use crate::selfpay::invoices::{self, Filter};
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use crate::web::layout::page;
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

/// Rows shown on one page; the totals cover every match.
const SHOWN: usize = 200;

pub fn status_msg(s: InvoiceStatus) -> Msg {
    match s {
        InvoiceStatus::Open => Msg::InvoiceOpen,
        InvoiceStatus::Paid => Msg::InvoicePaid,
        InvoiceStatus::Expired => Msg::InvoiceExpired,
        InvoiceStatus::Cancelled => Msg::InvoiceCancelled,
        InvoiceStatus::Failed => Msg::InvoiceFailed,
    }
}

fn badge(cx: &Ctx, s: InvoiceStatus) -> Markup {
    let class = match s {
        InvoiceStatus::Paid => "badge good",
        InvoiceStatus::Failed => "badge bad",
        _ => "badge",
    };
    html! { span class=(class) { (cx.t(status_msg(s))) } }
}

/// The page is lenient: a filter that does not parse is left out.
fn filter(req: &Req) -> Filter {
    let date = |k: &str| req.query(k).and_then(|v| v.parse().ok());
    Filter {
        status: req.query("status").and_then(InvoiceStatus::parse),
        customer_id: req.query("customer_id").and_then(|v| v.parse().ok()),
        from: date("from"),
        to: date("to"),
    }
}

fn table(cx: &Ctx, rows: &[Invoice], names: &HashMap<u64, String>) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th { (cx.t(Msg::InvoiceNumber)) } th { (cx.t(Msg::Opened)) } th { (cx.t(Msg::MenuCustomers)) }
                th.num { (cx.t(Msg::Amount)) } th.num { (cx.t(Msg::Paid)) } th { (cx.t(Msg::Status)) }
                th { (cx.t(Msg::MenuPayments)) } th.num { (cx.t(Msg::ChecksMade)) } th { (cx.t(Msg::LastError)) }
            } }
            tbody { @for i in rows { tr {
                td { (i.number()) }
                td { (cx.datetime(i.created_at)) }
                td { a href={ "/customers/" (i.customer_id) } { (names.get(&i.customer_id).map_or("?", String::as_str)) } }
                td.num { (cx.money(i.amount)) }
                td.num { (cx.money(i.paid)) }
                td { (badge(cx, i.status)) }
                td { @for p in &i.payment_ids { a href={ "/payments/" (p) } { "#" (p) } " " } }
                td.num { (i.checks) }
                td { small { (i.error) } }
            } } }
        } }
    }
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let f = filter(&req);
    let (tz, ff) = (cx.tz.clone(), f.clone());
    let (listed, names) = cx
        .app
        .store
        .read_async(move |r| {
            let listed = invoices::list(r, &ff, &tz, SHOWN)?;
            let mut names = HashMap::new();
            for i in &listed.rows {
                if let std::collections::hash_map::Entry::Vacant(e) = names.entry(i.customer_id)
                    && let Some(c) = r.get::<Customer>(i.customer_id)?
                {
                    e.insert(c.name);
                }
            }
            Ok::<_, StoreError>((listed, names))
        })
        .await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let body = html! {
        form.toolbar.no-print method="get" action="/qpay/invoices" {
            label.field { span { (cx.t(Msg::Status)) }
                select name="status" {
                    option value="" { (cx.t(Msg::All)) }
                    @for s in InvoiceStatus::ALL { option value=(s.id()) selected[f.status == Some(s)] { (cx.t(status_msg(s))) } }
                }
            }
            label.field { span { (cx.t(Msg::From)) } input type="date" name="from" value=(q("from")); }
            label.field { span { (cx.t(Msg::To)) } input type="date" name="to" value=(q("to")); }
            @if let Some(c) = f.customer_id { input type="hidden" name="customer_id" value=(c); }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
        p.muted { (cx.f(Msg::InvoicesMatched, &[&listed.matched, &cx.money(listed.paid)])) }
        @if listed.rows.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else { (table(&cx, &listed.rows, &names)) }
        p { a href="/settings/qpay" { (cx.t(Msg::QPayStatus)) " →" } }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::QPayInvoices), body),
    ))
}
