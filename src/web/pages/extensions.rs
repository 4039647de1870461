//! Extension by days: extend one customer, or every customer of a router or package at once
//! (previewed first), and the full history of who extended whom, by how much and why.

use crate::billing::Plan;
use crate::billing::books::PER_PAGE;
use crate::billing::ledger::{self, Extension};
use crate::i18n::Msg;
use crate::network::Router;
use crate::reports::Cell;
use crate::store::{Read, Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, page};
use crate::web::{export, grid};
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

pub fn extensions_table(cx: &Ctx, list: &[Extension], names: &HashMap<u64, String>) -> Markup {
    html! {
        div.table-wrap.grid { table {
            thead { tr {
                th { (cx.t(Msg::When)) } th { (cx.t(Msg::MenuCustomers)) } th.num { (cx.t(Msg::Days)) } th { (cx.t(Msg::Free)) }
                th { (cx.t(Msg::Reason)) } th { (cx.t(Msg::Who)) } th { (cx.t(Msg::ExpiryDate)) }
            } }
            tbody { @for e in list { tr {
                td { (cx.datetime(e.at)) }
                td { @let name = names.get(&e.customer_id).map_or("?", String::as_str); a.clip href={ "/customers/" (e.customer_id) } title=(name) { (name) } }
                td.num { (e.days) }
                td { @if e.free { (cx.t(Msg::Free)) } @else { (cx.t(Msg::PaidExtension)) } }
                td { (crate::web::grid::clip(&e.reason)) @if !e.bulk.is_empty() { " " span.badge { (bulk_label(cx.lang, &e.bulk)) } } }
                td { (e.by) }
                td { (cx.datetime(e.expires_before)) " → " (cx.datetime(e.expires_after)) }
            } } }
        } }
    }
}

/// The history filters live with the package report, which uses them too.
pub use crate::reports::plans::ExtensionFilter;

/// The names of the customers these extensions are of.
async fn names(cx: &Ctx, list: &[Extension]) -> Result<HashMap<u64, String>, WebError> {
    let ids = list.iter().map(|e| e.customer_id).collect();
    Ok(cx.app.roster.names_async(&cx.app.store, ids).await?)
}

/// The history as Excel or CSV: the same filters, every matching extension.
pub async fn export(cx: Arc<Ctx>, req: Req) -> Out {
    let f = ExtensionFilter::from_query(&req);
    let (tz, lang) = (cx.tz.clone(), cx.lang);
    let header = [
        Msg::When,
        Msg::MenuCustomers,
        Msg::Days,
        Msg::Free,
        Msg::Reason,
        Msg::Who,
        Msg::PreviousExpiry,
        Msg::ExpiryDate,
    ];
    let list = export::List {
        name: "extensions",
        title: cx.t(Msg::MenuExtensions),
        header: header.iter().map(|m| lang.t(*m)).collect(),
        walk: move |r: &Read, emit: &mut export::Emit| {
            let names = export::customer_names(r)?;
            let time = |t| Cell::DateTime(crate::reports::local(t, &tz));
            for e in f.run(r, &tz)? {
                let free = if e.free {
                    Msg::Free
                } else {
                    Msg::PaidExtension
                };
                let reason = format!("{} {}", e.reason, bulk_label(lang, &e.bulk));
                let go_on = emit(vec![
                    time(e.at),
                    Cell::text(names.get(&e.customer_id).cloned().unwrap_or_default()),
                    Cell::Int(e.days),
                    Cell::text(lang.t(free)),
                    Cell::text(reason.trim()),
                    Cell::text(e.by.clone()),
                    time(e.expires_before),
                    time(e.expires_after),
                ])?;
                if !go_on {
                    break;
                }
            }
            Ok(())
        },
    };
    export::list(&cx, &req, list).await
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let f = ExtensionFilter::from_query(&req);
    let number = grid::page_number(&req);
    let skip = (number - 1).saturating_mul(PER_PAGE);
    let (tz, books, store) = (cx.tz.clone(), cx.app.books.clone(), cx.app.store.clone());
    let (list, _, totals) = crate::store::blocking("extensions list", move || {
        f.page(&books, &store, &tz, skip, PER_PAGE)
    })
    .await?;
    let names = names(&cx, &list).await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let count = usize::try_from(totals.count).unwrap_or(usize::MAX);
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        form.toolbar.no-print method="get" action="/extensions" {
            label.field { span { (cx.t(Msg::Free)) } select name="free" {
                option value="" { (cx.t(Msg::All)) }
                option value="1" selected[q("free") == "1"] { (cx.t(Msg::Free)) }
                option value="0" selected[q("free") == "0"] { (cx.t(Msg::PaidExtension)) }
            } }
            label.field { span { (cx.t(Msg::Who)) } input type="text" name="by" value=(q("by")); }
            label.field { span { (cx.t(Msg::From)) } input type="date" name="from" value=(q("from")); }
            label.field { span { (cx.t(Msg::To)) } input type="date" name="to" value=(q("to")); }
            button type="submit" { (cx.t(Msg::Filter)) }
            @if cx.can(crate::access::Menu::Extensions, crate::access::Level::Edit) { a.button.secondary href="/extensions/bulk" { (cx.t(Msg::BulkExtension)) } }
            button.secondary type="button" data-print { (cx.t(Msg::Print)) }
            (export::links(&cx, &req, "/extensions/export"))
        }
        p.count.muted { (cx.t(Msg::Total)) ": " (cx.number(i64::try_from(totals.count).unwrap_or(i64::MAX))) " / " (cx.number(totals.days)) " " (cx.t(Msg::Days)) }
        (extensions_table(&cx, &list, &names))
        (grid::pager(&cx, &req, number, Some(count.div_ceil(PER_PAGE).max(1)), false))
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuExtensions), body),
    ))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let id = f
        .get("customer_id")
        .parse::<u64>()
        .map_err(|_| WebError::BadRequest("customer_id".into()))?;
    // "Paid" means money taken: its amount and method become a payment.
    let paid = (f.get("paid") == "paid").then(|| crate::ops::extensions::PaidWith {
        amount: crate::model::Money::parse_major(f.get("amount"), cx.settings.currency.exponent),
        method: f.get("method"),
    });
    match crate::ops::extensions::extend_one(
        &cx.app,
        &cx.by(),
        id,
        f.get("days"),
        paid,
        f.get("reason"),
        f.get("idempotency_key"),
    )
    .await
    {
        Ok(done) => {
            let notice = if done.replayed { "already" } else { "extended" };
            Ok(http::redirect(&format!("/customers/{id}?notice={notice}")))
        }
        Err(crate::error::Error::Invalid(p)) => {
            let typed = crate::web::pages::customers::ExtensionForm {
                days: f.get("days").into(),
                paid: f.get("paid") == "paid",
                amount: f.get("amount").into(),
                method: f.get("method").into(),
                reason: f.get("reason").into(),
                idempotency_key: f.get("idempotency_key").into(),
            };
            crate::web::pages::customers::show_with(
                &cx,
                id,
                None,
                Some(crate::web::pages::customers::Rejected::Extension(typed, p)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn bulk_form(cx: Arc<Ctx>, req: Req) -> Out {
    let q = |k: &str| req.query(k).unwrap_or("").trim().to_string();
    let (router_id, plan_id) = (
        q("router_id").parse::<u64>().ok(),
        q("plan_id").parse::<u64>().ok(),
    );
    let include_expired = q("include_expired") == "on";
    let now = cx.now;
    let (routers, plans, targets) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, StoreError>((
                r.list::<Router>()?,
                r.list::<Plan>()?,
                ledger::bulk_targets(r, now, router_id, plan_id, include_expired)?,
            ))
        })
        .await?;
    let mut p = Problems::default();
    let previewing = !q("days").is_empty();
    let (days, _) = if previewing {
        ledger::check_extension(&q("days"), &q("reason"), &mut p)
    } else {
        (0, String::new())
    };
    let body = html! {
        p.muted { (cx.t(Msg::BulkHelp)) }
        form method="get" action="/extensions/bulk" {
            label.field { span { (cx.t(Msg::MenuRouters)) } select name="router_id" {
                option value="" { "—" }
                @for r in &routers { option value=(r.id) selected[router_id == Some(r.id)] { (r.name) } }
            } }
            label.field { span { (cx.t(Msg::MenuPlans)) } select name="plan_id" {
                option value="" { "—" }
                @for pl in &plans { option value=(pl.id) selected[plan_id == Some(pl.id)] { (pl.name) } }
            } }
            label.field { span { (cx.t(Msg::Days)) " *" } input type="number" name="days" min="1" value=(q("days")); }
            label.field { span { (cx.t(Msg::Reason)) " *" } input type="text" name="reason" value=(q("reason")); }
            label.check { input type="checkbox" name="include_expired" value="on" checked[include_expired]; " " (cx.t(Msg::IncludeExpired)) }
            button.secondary type="submit" { (cx.t(Msg::Preview)) }
        }
        (layout::problems_summary(&cx, &p))
        @if previewing && p.is_empty() && (router_id.is_some() || plan_id.is_some()) {
            h2 { (cx.t(Msg::Preview)) ": " (targets.len()) }
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::Name)) } th { (cx.t(Msg::Username)) } th { (cx.t(Msg::ExpiryDate)) } th { (cx.t(Msg::NewExpiry)) } } }
                tbody { @for c in &targets { tr {
                    td { (c.name) } td { code { (c.login) } } td { (cx.datetime(c.expires_at)) }
                    td { (cx.datetime(crate::billing::settle::extend_from(now, c.expires_at, days * 86_400))) }
                } } }
            } }
            form method="post" action="/extensions/bulk" {
                (csrf(&cx))
                @for c in &targets { input type="hidden" name="customer_id" value=(c.id); }
                input type="hidden" name="days" value=(q("days"));
                input type="hidden" name="reason" value=(q("reason"));
                input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
                input type="hidden" name="label" value=(chosen(&routers, router_id, |r| (r.id, &r.name)).into_iter().chain(chosen(&plans, plan_id, |p| (p.id, &p.name))).collect::<Vec<_>>().join(" · "));
                button type="submit" { (cx.t(Msg::ExtendAll)) }
            }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::BulkExtension), body),
    ))
}

pub async fn bulk(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let ids: Vec<u64> = f
        .fields
        .iter()
        .filter(|(k, _)| k == "customer_id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let done = crate::ops::extensions::extend_many(
        &cx.app,
        &cx.by(),
        crate::ops::extensions::Bulk {
            customer_ids: ids,
            days: f.get("days"),
            reason: f.get("reason"),
            // Many customers at once is goodwill (an outage, a holiday); money is taken one
            // customer at a time, where it becomes a payment.
            free: true,
            label: f.get("label"),
            idempotency_key: f.get("idempotency_key"),
        },
    )
    .await?;
    if !done {
        return Ok(http::redirect("/extensions?notice=already"));
    }
    Ok(http::redirect("/extensions?notice=saved"))
}

/// The name of the router or package a bulk extension picked, for its label: names are the
/// operator's own words, so the label reads the same in every language.
fn chosen<T>(all: &[T], id: Option<u64>, key: impl Fn(&T) -> (u64, &String)) -> Option<String> {
    let id = id?;
    Some(
        all.iter()
            .map(&key)
            .find(|(i, _)| *i == id)
            .map_or_else(|| format!("#{id}"), |(_, n)| n.clone()),
    )
}

/// A bulk extension's label. Older ones were stored as "router 1 plan 2"; those read in the
/// UI language by id.
pub fn bulk_label(lang: crate::i18n::Lang, label: &str) -> String {
    let words: Vec<&str> = label.split_whitespace().collect();
    let old = words.len().is_multiple_of(2)
        && words
            .chunks(2)
            .all(|w| matches!(w[0], "router" | "plan") && w[1].bytes().all(|b| b.is_ascii_digit()));
    if !old || words.is_empty() {
        return label.to_string();
    }
    words
        .chunks(2)
        .map(|w| {
            let what = if w[0] == "router" {
                Msg::MenuRouters
            } else {
                Msg::MenuPlans
            };
            format!("{} #{}", lang.t(what), w[1])
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
