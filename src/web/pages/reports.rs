//! The Reports menu: revenue, customers and service packages, each with a filter form, an
//! on-screen table (first rows plus full totals), a print view and CSV / Excel exports.
//!
//! The figures come from `crate::reports`; this module only parses filters and renders. The
//! downloads are `web::export`, shared with the API.

use crate::billing::customer::Shown;
use crate::billing::{CustomerKind, Plan};
use crate::i18n::Msg;
use crate::network::Router;
use crate::reports::customers::{self as crep, CustomerFilter, CustomerReport};
use crate::reports::plans::{self as prep, ExtensionFilter, PlansReport};
use crate::reports::revenue::{self as rrep, Group, PaymentFilter, RevenueReport};
use crate::reports::vouchers as vrep;
use crate::reports::{FIRST_PAGE, Which};
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::export::export;
use crate::web::http::{self, Req};
use crate::web::layout::page;
use crate::web::pages::customers::{kind_label, status_label};
use crate::web::pages::payments::method_label;
use hyper::StatusCode;
use maud::{DOCTYPE, Markup, html};
use std::sync::Arc;

async fn choices(cx: &Ctx) -> Result<(Vec<Plan>, Vec<Router>), WebError> {
    Ok(cx
        .app
        .store
        .read_async(|r| Ok::<_, StoreError>((r.list::<Plan>()?, r.list::<Router>()?)))
        .await?)
}

fn plan_name(plans: &[Plan], id: u64) -> String {
    plans
        .iter()
        .find(|p| p.id == id)
        .map_or_else(|| format!("#{id}"), |p| p.name.clone())
}

fn router_name(routers: &[Router], id: u64) -> String {
    routers
        .iter()
        .find(|r| r.id == id)
        .map_or_else(|| format!("#{id}"), |r| r.name.clone())
}

/// Export links keeping the current filters.
fn export_links(cx: &Ctx, req: &Req) -> Markup {
    let with = |k: &str, v: &str| {
        let mut q: Vec<(&str, &str)> = req
            .query
            .iter()
            .filter(|(x, _)| !["format", "print", "lang"].contains(&x.as_str()))
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        q.push((k, v));
        format!(
            "{}?{}",
            req.path,
            serde_urlencoded::to_string(q).unwrap_or_default()
        )
    };
    html! {
        div.toolbar.no-print {
            a.button.secondary href=(with("format", "xlsx")) { (cx.t(Msg::ReportExcel)) }
            a.button.secondary href=(with("format", "csv")) { (cx.t(Msg::ReportCsv)) }
            a.button.secondary href=(with("print", "1")) { (cx.t(Msg::ReportPrintView)) }
        }
    }
}

/// A page for paper: company header, no navigation, sections on their own pages.
fn print_page(cx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(cx.lang.code()) {
            head {
                meta charset="utf-8";
                title { (title) " · " (cx.settings.company_name) }
                link rel="stylesheet" href="/assets/style.css";
                script src="/assets/app.js" defer {}
            }
            body.print-doc {
                header.doc-head {
                    @if cx.settings.logo_mime.is_some() { img.logo-big src="/logo" alt=""; }
                    h2 { (cx.settings.company_name) }
                }
                h1 { (title) }
                p.muted { (cx.t(Msg::ReportGenerated)) ": " (cx.datetime(cx.now)) }
                div.toolbar.no-print { button type="button" data-print { (cx.t(Msg::Print)) } }
                (body)
            }
        }
    }
}

fn respond(cx: &Ctx, req: &Req, title: &str, filters: Markup, body: Markup) -> Out {
    if req.query("print").is_some_and(|v| v == "1") {
        return Ok(http::html(StatusCode::OK, print_page(cx, title, body)));
    }
    let full = html! { (filters) (export_links(cx, req)) (body) };
    Ok(http::html(StatusCode::OK, page(cx, title, full)))
}

fn first_rows_note(cx: &Ctx, shown: usize, total: u64) -> Markup {
    html! {
        @if u64::try_from(shown).unwrap_or(u64::MAX) < total {
            p.muted { (cx.f(Msg::ReportFirstRows, &[&cx.number(i64::try_from(shown).unwrap_or(0)), &cx.number(i64::try_from(total).unwrap_or(i64::MAX))])) }
        }
    }
}

fn date_fields(cx: &Ctx, req: &Req) -> Markup {
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    html! {
        label.field { span { (cx.t(Msg::From)) } input type="date" name="from" value=(q("from")); }
        label.field { span { (cx.t(Msg::To)) } input type="date" name="to" value=(q("to")); }
    }
}

fn plan_router_fields(cx: &Ctx, req: &Req, plans: &[Plan], routers: &[Router]) -> Markup {
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    html! {
        label.field { span { (cx.t(Msg::MenuPlans)) } select name="plan_id" {
            option value="" { (cx.t(Msg::All)) }
            @for p in plans { option value=(p.id) selected[q("plan_id") == p.id.to_string()] { (p.name) } }
        } }
        label.field { span { (cx.t(Msg::MenuRouters)) } select name="router_id" {
            option value="" { (cx.t(Msg::All)) }
            @for r in routers { option value=(r.id) selected[q("router_id") == r.id.to_string()] { (r.name) } }
        } }
    }
}

fn kind_field(cx: &Ctx, req: &Req, name: &str) -> Markup {
    let v = req.query(name).unwrap_or("");
    html! {
        label.field { span { (cx.t(Msg::Kind)) } select name=(name) {
            option value="" { (cx.t(Msg::All)) }
            @for k in CustomerKind::ALL { option value=(k.id()) selected[v == k.id()] { (kind_label(cx, k)) } }
        } }
    }
}

pub async fn index(cx: Arc<Ctx>, _req: Req) -> Out {
    let body = html! {
        p { (cx.t(Msg::ReportsIntro)) }
        ul.report-list {
            li { a href="/reports/revenue" { strong { (cx.t(Msg::ReportRevenue)) } } " — " (cx.t(Msg::ReportRevenueHelp)) }
            li { a href="/reports/customers" { strong { (cx.t(Msg::ReportCustomers)) } } " — " (cx.t(Msg::ReportCustomersHelp)) }
            li { a href="/reports/plans" { strong { (cx.t(Msg::ReportPlans)) } } " — " (cx.t(Msg::ReportPlansHelp)) }
            li { a href="/reports/vouchers" { strong { (cx.t(Msg::VoucherSales)) } } " — " (cx.t(Msg::VoucherSalesHelp)) }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuReports), body),
    ))
}

pub async fn revenue(cx: Arc<Ctx>, req: Req) -> Out {
    let f = PaymentFilter::from_query(&req);
    let group = Group::parse(req.query("group").unwrap_or(""));
    if let Some(out) = export(
        &cx,
        Which::Revenue(f.clone(), group),
        req.query("format").unwrap_or(""),
    )
    .await
    {
        return out;
    }
    let tz = cx.tz.clone();
    let rep: RevenueReport = cx
        .app
        .store
        .read_async(move |r| rrep::compute(r, &f, group, &tz, FIRST_PAGE))
        .await?;
    let (plans, routers) = choices(&cx).await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let filters = html! {
        form.toolbar.no-print method="get" action="/reports/revenue" {
            (date_fields(&cx, &req))
            label.field { span { (cx.t(Msg::Method)) } select name="method" {
                option value="" { (cx.t(Msg::All)) }
                @for m in &cx.settings.methods_seen() { option value=(m) selected[q("method") == *m] { (method_label(&cx, m)) } }
            } }
            (kind_field(&cx, &req, "customer_kind"))
            (plan_router_fields(&cx, &req, &plans, &routers))
            label.field { span { (cx.t(Msg::RecordedBy)) } input type="text" name="recorded_by" value=(q("recorded_by")); }
            label.field { span { (cx.t(Msg::ReportGroupBy)) } select name="group" {
                option value="day" selected[group == Group::Day] { (cx.t(Msg::ReportDay)) }
                option value="month" selected[group == Group::Month] { (cx.t(Msg::ReportMonth)) }
            } }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
    };
    let t = &rep.totals;
    let body = html! {
        section.report {
            table.kv.totals { tbody {
                tr { th { (cx.t(Msg::ReportPayments)) } td.num { (cx.number(i64::try_from(t.count).unwrap_or(i64::MAX))) } }
                tr { th { (cx.t(Msg::ReportReceived)) } td.num #total-received { (cx.money(t.received)) } }
                tr { th { (cx.t(Msg::ReportReversed)) } td.num #total-reversed { (cx.money(t.reversed)) } }
                tr { th { (cx.t(Msg::ReportNet)) } td.num #total-net { strong { (cx.money(t.net)) } } }
            } }
            h2 { (cx.t(Msg::ReportByMethod)) }
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::Method)) } th.num { (cx.t(Msg::Amount)) } } }
                tbody { @for (m, v) in &t.by_method { tr { td { (method_label(&cx, m)) } td.num { (cx.money(*v)) } } } }
            } }
            h2 { (cx.t(Msg::ReportByPeriod)) }
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::ReportPeriod)) } th.num { (cx.t(Msg::Amount)) } } }
                tbody { @for (k, v) in &t.by_period { tr { td { (k) } td.num { (cx.money(*v)) } } } }
            } }
            h2 { (cx.t(Msg::Bills)) }
            table.kv { tbody {
                tr { th { (cx.t(Msg::ReportBillsRaised)) } td.num { (cx.number(i64::try_from(t.bills.count).unwrap_or(i64::MAX))) " / " (cx.money(t.bills.raised)) } }
                tr { th { (cx.t(Msg::Paid)) } td.num { (cx.money(t.bills.paid)) } }
                tr { th { (cx.t(Msg::Outstanding)) } td.num { (cx.money(t.bills.outstanding)) } }
            } }
        }
        section.report {
            h2 { (cx.t(Msg::PaymentHistory)) }
            (first_rows_note(&cx, rep.rows.len(), t.count))
            div.table-wrap { table {
                thead { tr {
                    th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::ReceivedAt)) } th { (cx.t(Msg::MenuCustomers)) } th { (cx.t(Msg::Kind)) }
                    th { (cx.t(Msg::MenuPlans)) } th { (cx.t(Msg::MenuRouters)) } th { (cx.t(Msg::Method)) } th { (cx.t(Msg::Reference)) }
                    th { (cx.t(Msg::RecordedBy)) } th.num { (cx.t(Msg::Amount)) }
                } }
                tbody { @for p in &rep.rows { tr {
                    td.num { a href={ "/payments/" (p.id) } { (p.id) } }
                    td { (cx.datetime(p.received_at)) }
                    td { a href={ "/customers/" (p.customer_id) } { (p.customer) } }
                    td { (kind_label(&cx, p.customer_kind)) }
                    td { (p.plan) } td { (p.router) }
                    td { (method_label(&cx, &p.method)) }
                    td { (p.reference) @if let Some(o) = p.reversal_of { " " span.badge { (cx.t(Msg::ReversalOf)) " #" (o) } } }
                    td { (p.recorded_by) }
                    td.num { (cx.money(p.amount)) }
                } } }
                tfoot { tr { th colspan="9" { (cx.t(Msg::Total)) } th.num { (cx.money(t.net)) } } }
            } }
        }
    };
    respond(&cx, &req, cx.t(Msg::ReportRevenue), filters, body)
}

pub async fn customers(cx: Arc<Ctx>, req: Req) -> Out {
    let f = CustomerFilter::from_query(&req);
    if let Some(out) = export(
        &cx,
        Which::Customers(f.clone()),
        req.query("format").unwrap_or(""),
    )
    .await
    {
        return out;
    }
    let now = cx.now;
    let rep: CustomerReport = cx
        .app
        .store
        .read_async(move |r| crep::compute(r, &f, now, FIRST_PAGE))
        .await?;
    let (plans, routers) = choices(&cx).await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let filters = html! {
        form.toolbar.no-print method="get" action="/reports/customers" {
            (kind_field(&cx, &req, "kind"))
            (plan_router_fields(&cx, &req, &plans, &routers))
            label.field { span { (cx.t(Msg::Status)) } select name="status" {
                option value="" { (cx.t(Msg::All)) }
                @for s in Shown::ALL { option value=(s.id()) selected[q("status") == s.id()] { (crep_status(&cx, s)) } }
            } }
            label.field { span { (cx.t(Msg::ReportExpiringWithin)) } input type="number" min="0" name="expiring_within_days" value=(q("expiring_within_days")); }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
    };
    let t = &rep.totals;
    let count = |n: u64| cx.number(i64::try_from(n).unwrap_or(i64::MAX));
    let group = |title: Msg, rows: Vec<(String, u64)>| {
        html! {
            div.table-wrap { table {
                thead { tr { th { (cx.t(title)) } th.num { (cx.t(Msg::ReportCount)) } } }
                tbody { @for (k, n) in &rows { tr { td { (k) } td.num { (count(*n)) } } } }
                tfoot { tr { th { (cx.t(Msg::Total)) } th.num { (count(t.count)) } } }
            } }
        }
    };
    let body = html! {
        section.report {
            p { strong { (cx.t(Msg::Total)) ": " span #total-count { (count(t.count)) } } }
            div.report-grid {
                (group(Msg::Kind, t.by_kind.iter().map(|(k, n)| (CustomerKind::parse(k).map_or(k.clone(), |k| kind_label(&cx, k).to_string()), *n)).collect()))
                (group(Msg::Status, t.by_status.iter().map(|(k, n)| (Shown::parse(k).map_or(k.clone(), |s| crep_status(&cx, s).to_string()), *n)).collect()))
                (group(Msg::MenuPlans, t.by_plan.iter().map(|(k, n)| (plan_name(&plans, k.parse().unwrap_or(0)), *n)).collect()))
                (group(Msg::MenuRouters, t.by_router.iter().map(|(k, n)| (router_name(&routers, k.parse().unwrap_or(0)), *n)).collect()))
            }
        }
        section.report {
            h2 { (cx.t(Msg::MenuCustomers)) }
            (first_rows_note(&cx, rep.rows.len(), t.count))
            div.table-wrap { table {
                thead { tr {
                    th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::Name)) } th { (cx.t(Msg::Kind)) } th { (cx.t(Msg::Username)) }
                    th { (cx.t(Msg::MenuPlans)) } th { (cx.t(Msg::MenuRouters)) } th { (cx.t(Msg::Status)) } th { (cx.t(Msg::ExpiryDate)) }
                } }
                tbody { @for c in &rep.rows { tr {
                    td.num { (c.id) }
                    td { a href={ "/customers/" (c.id) } { (c.name) } }
                    td { (kind_label(&cx, c.kind)) } td { (c.login) } td { (c.plan) } td { (c.router) }
                    td { (status_label(&cx, c.status)) } td { (cx.datetime(c.expires_at)) }
                } } }
            } }
        }
    };
    respond(&cx, &req, cx.t(Msg::ReportCustomers), filters, body)
}

fn crep_status(cx: &Ctx, s: Shown) -> &'static str {
    cx.t(crep::status_msg(s))
}

pub async fn plans(cx: Arc<Ctx>, req: Req) -> Out {
    let f = ExtensionFilter::from_query(&req);
    if let Some(out) = export(
        &cx,
        Which::Plans(f.clone()),
        req.query("format").unwrap_or(""),
    )
    .await
    {
        return out;
    }
    let (now, tz) = (cx.now, cx.tz.clone());
    let rep: PlansReport = cx
        .app
        .store
        .read_async(move |r| prep::compute(r, &f, now, &tz, FIRST_PAGE))
        .await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let filters = html! {
        form.toolbar.no-print method="get" action="/reports/plans" {
            (date_fields(&cx, &req))
            label.field { span { (cx.t(Msg::Free)) } select name="free" {
                option value="" { (cx.t(Msg::All)) }
                option value="1" selected[q("free") == "1"] { (cx.t(Msg::Free)) }
                option value="0" selected[q("free") == "0"] { (cx.t(Msg::PaidExtension)) }
            } }
            label.field { span { (cx.t(Msg::Who)) } input type="text" name="by" value=(q("by")); }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
    };
    let t = &rep.totals;
    let count = |n: u64| cx.number(i64::try_from(n).unwrap_or(i64::MAX));
    let body = html! {
        section.report {
            div.table-wrap { table {
                thead { tr {
                    th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::Name)) } th.num { (cx.t(Msg::Price)) } th { (cx.t(Msg::Active)) }
                    th.num { (cx.t(Msg::ReportSubscribers)) } th.num { (cx.t(Msg::ReportEntitled)) } th.num { (cx.t(Msg::ReportPayments)) } th.num { (cx.t(Msg::ReportRevenue)) }
                } }
                tbody { @for p in &rep.rows { tr {
                    td.num { (p.id) } td { (p.name) } td.num { (cx.money(p.price)) }
                    td { @if p.active { (cx.t(Msg::Yes)) } @else { (cx.t(Msg::No)) } }
                    td.num { (count(p.subscribers)) } td.num { (count(p.entitled)) } td.num { (count(p.payments)) } td.num { (cx.money(p.revenue)) }
                } } }
                tfoot { tr {
                    th colspan="4" { (cx.t(Msg::Total)) }
                    th.num #total-subscribers { (count(t.subscribers)) } th.num { (count(t.entitled)) } th.num { (count(t.payments)) }
                    th.num #total-revenue { (cx.money(t.revenue)) }
                } }
            } }
        }
        section.report {
            h2 { (cx.t(Msg::ExtensionHistory)) }
            p.muted { (cx.t(Msg::Total)) ": " (count(t.extensions.count)) " / " (t.extensions.days) " " (cx.t(Msg::Days))
                " (" (cx.t(Msg::Free)) ": " (t.extensions.free_days) ", " (cx.t(Msg::PaidExtension)) ": " (t.extensions.paid_days) ")" }
            (first_rows_note(&cx, rep.extensions.len(), t.extensions.count))
            div.table-wrap { table {
                thead { tr {
                    th { (cx.t(Msg::When)) } th { (cx.t(Msg::MenuCustomers)) } th.num { (cx.t(Msg::Days)) } th { (cx.t(Msg::Free)) }
                    th { (cx.t(Msg::Reason)) } th { (cx.t(Msg::Who)) } th { (cx.t(Msg::ExpiryDate)) }
                } }
                tbody { @for e in &rep.extensions { tr {
                    td { (cx.datetime(e.at)) }
                    td { a href={ "/customers/" (e.customer_id) } { (e.customer) } }
                    td.num { (e.days) }
                    td { @if e.free { (cx.t(Msg::Free)) } @else { (cx.t(Msg::PaidExtension)) } }
                    td { (e.reason) } td { (e.by) }
                    td { (cx.datetime(e.expires_before)) " → " (cx.datetime(e.expires_after)) }
                } } }
            } }
        }
    };
    respond(&cx, &req, cx.t(Msg::ReportPlans), filters, body)
}

fn sums_table(cx: &Ctx, title: Msg, list: &[vrep::Sum], id: &str) -> Markup {
    let count = |n: u64| cx.number(i64::try_from(n).unwrap_or(i64::MAX));
    html! {
        section.report {
            h2 { (cx.t(title)) }
            div.table-wrap { table id=(id) {
                thead { tr {
                    th { (cx.t(title)) } th.num { (cx.t(Msg::CardsSold)) } th.num { (cx.t(Msg::Amount)) }
                    th.num { (cx.t(Msg::AgentCommissionEarned)) } th.num { (cx.t(Msg::Net)) }
                } }
                tbody { @for s in list { tr {
                    td { (s.label) } td.num { (count(s.cards)) } td.num { (cx.money(s.face)) }
                    td.num { (cx.money(s.commission)) } td.num { (cx.money(s.net())) }
                } } }
            } }
        }
    }
}

pub async fn vouchers(cx: Arc<Ctx>, req: Req) -> Out {
    let f = vrep::SalesFilter::from_query(&req);
    if let Some(out) = export(
        &cx,
        Which::Vouchers(f.clone()),
        req.query("format").unwrap_or(""),
    )
    .await
    {
        return out;
    }
    let (now, tz, lang) = (cx.now, cx.tz.clone(), cx.lang);
    let (rep, agents) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, StoreError>((
                vrep::compute(r, &f, now, &tz, lang)?,
                r.list::<crate::model::agent::Agent>()?,
            ))
        })
        .await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let filters = html! {
        form.toolbar.no-print method="get" action="/reports/vouchers" {
            (date_fields(&cx, &req))
            label.field { span { (cx.t(Msg::Agents)) } select name="agent_id" {
                option value="" { (cx.t(Msg::All)) }
                option value="0" selected[q("agent_id") == "0"] { (cx.t(Msg::SoldAtCounter)) }
                @for a in &agents { option value=(a.id) selected[q("agent_id") == a.id.to_string()] { (a.name) } }
            } }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
    };
    let t = &rep.total;
    let count = |n: u64| cx.number(i64::try_from(n).unwrap_or(i64::MAX));
    let n32 = |n: u32| cx.number(i64::from(n));
    let shown: Vec<&vrep::SaleRow> = rep.rows.iter().rev().take(FIRST_PAGE).collect();
    let body = html! {
        dl.facts {
            dt { (cx.t(Msg::CardsSold)) } dd #total-cards { (count(t.cards)) }
            dt { (cx.t(Msg::Amount)) } dd #total-face { (cx.money(t.face)) }
            dt { (cx.t(Msg::AgentCommissionEarned)) } dd #total-commission { (cx.money(t.commission)) }
            dt { (cx.t(Msg::Net)) } dd { (cx.money(t.net())) }
        }
        (sums_table(&cx, Msg::Agents, &rep.by_agent, "by-agent"))
        (sums_table(&cx, Msg::VoucherBatch, &rep.by_batch, "by-batch"))
        (sums_table(&cx, Msg::MenuPlans, &rep.by_package, "by-package"))
        (sums_table(&cx, Msg::Date, &rep.by_day, "by-day"))
        section.report {
            h2 { (cx.t(Msg::StockLeft)) }
            div.table-wrap { table {
                thead { tr {
                    th { (cx.t(Msg::VoucherBatch)) } th { (cx.t(Msg::MenuPlans)) } th.num { (cx.t(Msg::CardCount)) }
                    th.num { (cx.t(Msg::CardInStock)) } th.num { (cx.t(Msg::CardHanded)) } th.num { (cx.t(Msg::CardSold)) }
                    th.num { (cx.t(Msg::CardInUse)) } th.num { (cx.t(Msg::CardUsedUp)) } th.num { (cx.t(Msg::CardVoid)) }
                } }
                tbody { @for s in &rep.stock { tr {
                    td { a href={ "/vouchers/" (s.batch_id) } { "№" (s.batch_id) } } td { (s.package) } td.num { (n32(s.made)) }
                    td.num { (n32(s.in_stock)) } td.num { (n32(s.handed)) } td.num { (n32(s.sold)) }
                    td.num { (n32(s.in_use)) } td.num { (n32(s.used_up)) } td.num { (n32(s.void)) }
                } } }
            } }
        }
        section.report {
            h2 { (cx.t(Msg::VoucherSales)) }
            (first_rows_note(&cx, shown.len(), t.cards))
            div.table-wrap { table {
                thead { tr {
                    th { (cx.t(Msg::Date)) } th { (cx.t(Msg::VoucherCode)) } th { (cx.t(Msg::MenuPlans)) }
                    th { (cx.t(Msg::Agents)) } th.num { (cx.t(Msg::Price)) } th.num { (cx.t(Msg::AgentCommissionEarned)) }
                } }
                tbody { @for s in shown { tr {
                    td { (cx.datetime(s.sold_at)) } td { code { (s.code) } } td { (s.package) }
                    td { @if s.agent.is_empty() { (cx.t(Msg::SoldAtCounter)) } @else { (s.agent) } }
                    td.num { (cx.money(s.price)) } td.num { (cx.money(s.commission)) }
                } } }
            } }
        }
    };
    respond(&cx, &req, cx.t(Msg::VoucherSales), filters, body)
}
