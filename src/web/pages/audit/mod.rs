//! The audit log viewer: newest first, filtered by who, what and when; read-only by design.
//! A customer's activity is this page filtered to the customer.

mod describe;
mod names;

use crate::audit::{self, Filter, PAGE_SIZE, Via};
use crate::i18n::Msg;
use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use crate::web::layout::page;
use hyper::StatusCode;
use maud::html;
use std::sync::Arc;

/// The page's filters from its form: lenient, a value that does not parse is left out (the
/// API refuses it instead, see `api::query`).
fn filter_from(req: &Req) -> Filter {
    Filter {
        who: req.query("who").unwrap_or("").trim().to_lowercase(),
        entity: req.query("entity").unwrap_or("").trim().to_lowercase(),
        entity_id: req.query("entity_id").unwrap_or("").trim().to_string(),
        from: req.query("from").and_then(|s| s.parse().ok()),
        to: req.query("to").and_then(|s| s.parse().ok()),
        before: req.query("before").and_then(|s| s.parse().ok()),
    }
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let (f, tz) = (filter_from(&req), cx.tz.clone());
    let entries = cx
        .app
        .store
        .read_async(move |r| {
            let entries = audit::list(r, &f, &tz)?;
            let names = names::Names::load(r, &entries)?;
            Ok::<_, crate::store::StoreError>((entries, names))
        })
        .await?;
    let (entries, names) = entries;
    let older = (entries.len() == PAGE_SIZE)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    // Filtered to one record (a customer's "Activity"), the title says whose.
    let whose = names::Ref::of_entity(&q("entity"))
        .zip(q("entity_id").parse().ok())
        .and_then(|(kind, id)| names.get(kind, id));
    let title = match whose {
        Some(name) => cx.f(Msg::AuditActivityOf, &[&name]),
        None => cx.t(Msg::Audit).to_string(),
    };
    let body = html! {
        form.toolbar.no-print method="get" action="/audit" {
            label.field { span { (cx.t(Msg::Who)) } input type="text" name="who" value=(q("who")); }
            label.field { span { (cx.t(Msg::Entity)) } input type="text" name="entity" value=(q("entity")); }
            input type="hidden" name="entity_id" value=(q("entity_id"));
            label.field { span { (cx.t(Msg::From)) } input type="date" name="from" value=(q("from")); }
            label.field { span { (cx.t(Msg::To)) } input type="date" name="to" value=(q("to")); }
            button type="submit" { (cx.t(Msg::Filter)) }
            button.secondary type="button" data-print { (cx.t(Msg::Print)) }
        }
        div.table-wrap.grid.audit { table {
            thead { tr {
                th { (cx.t(Msg::When)) } th { (cx.t(Msg::Who)) } th { (cx.t(Msg::Via)) } th { (cx.t(Msg::Address)) }
                th { (cx.t(Msg::Action)) } th { (cx.t(Msg::Entity)) } th { (cx.t(Msg::Change)) }
            } }
            tbody {
                @for e in &entries {
                    tr {
                        td { (cx.datetime(e.at)) }
                        td { (e.actor.username) }
                        td { (via(&cx, e.actor.via)) }
                        td { (e.actor.ip.as_deref().unwrap_or("")) }
                        td { (describe::action(&cx, &e.action)) }
                        td { (describe::record(&cx, &names, e)) }
                        td.audit-change { (describe::summary(&cx, &names, e)) }
                    }
                }
            }
        } }
        @if let Some(id) = older {
            p { a.button.secondary href={ "/audit?" (serde_urlencoded::to_string([
                ("who", q("who")), ("entity", q("entity")), ("entity_id", q("entity_id")), ("from", q("from")), ("to", q("to")), ("before", id.to_string())
            ]).unwrap_or_default()) } { (cx.t(Msg::Older)) } }
        }
    };
    Ok(http::html(StatusCode::OK, page(&cx, &title, body)))
}

fn via(cx: &Ctx, v: Via) -> &'static str {
    cx.t(match v {
        Via::Web => Msg::AuditViaWeb,
        Via::Api => Msg::AuditViaApi,
        Via::Cli => Msg::AuditViaCli,
        Via::System => Msg::AuditViaSystem,
    })
}
