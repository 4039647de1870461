//! E-mail, messages: compose to one customer or a selection (with a preview of the final
//! text), the queue with every delivery attempt, and retry of failed messages.

use crate::access::{Level, Menu};
use crate::billing::Plan;
use crate::billing::customer::{Customer, Shown};
use crate::billing::ledger::BankAccount;
use crate::billing::query::CustomerQuery;
use crate::i18n::Msg;
use crate::network::Router;
use crate::notify::{self, Channel, Compose, Message, Status};
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, page};
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

pub fn channel_label(cx: &Ctx, c: Channel) -> &'static str {
    cx.t(match c {
        Channel::SmsRouter => Msg::SmsRouter,
        Channel::SmsGateway => Msg::SmsGateway,
        Channel::Email => Msg::ChannelEmail,
    })
}

pub fn messages_table(cx: &Ctx, list: &[Message], names: &HashMap<u64, String>) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr { th { (cx.t(Msg::When)) } th { (cx.t(Msg::MenuCustomers)) } th { (cx.t(Msg::Channel)) } th { (cx.t(Msg::MessageText)) } th { (cx.t(Msg::Status)) } th {} } }
            tbody { @for m in list { tr {
                td { (cx.datetime(m.created_at)) }
                td { a href={ "/customers/" (m.customer_id) } { (names.get(&m.customer_id).map_or("?", String::as_str)) } " " (m.to) }
                td { (channel_label(cx, m.channel)) }
                td { (m.body) }
                td {
                    @match m.status {
                        Status::Sent => span.badge.good { (cx.t(Msg::Sent)) },
                        Status::Queued => span.badge { (cx.t(Msg::Queued)) },
                        Status::Failed => span.badge.bad { (cx.t(Msg::Failed)) },
                    }
                    @for a in &m.attempts { br; small.muted { (cx.datetime(a.at)) " " @if a.ok { "✓" } @else {
                        // The likely cause in the reader's words; the sender's own text beside it.
                        (cx.t(crate::web::pages::routers::reason::of(&a.detail))) " " code.muted lang="en" { (a.detail) }
                    } } }
                }
                td { @if m.status == Status::Failed && cx.can(Menu::Messages, Level::Edit) {
                    form.inline method="post" action={ "/messages/" (m.id) "/retry" } { (csrf(cx)) button.secondary type="submit" { (cx.t(Msg::Retry)) } }
                } }
            } } }
        } }
    }
}

/// The names of the customers these messages went to.
async fn names(cx: &Ctx, list: &[Message]) -> Result<HashMap<u64, String>, WebError> {
    let ids = list.iter().map(|m| m.customer_id).collect();
    Ok(cx.app.roster.names_async(&cx.app.store, ids).await?)
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let customer = req.query("customer_id").and_then(|s| s.parse::<u64>().ok());
    let list = cx
        .app
        .store
        .read_async(move |r| {
            let mut out = Vec::new();
            match customer {
                Some(c) => out = notify::of_customer(r, c)?,
                None => r.scan::<Message>(true, |m| {
                    out.push(m);
                    out.len() < 300
                })?,
            }
            Ok::<_, StoreError>(out)
        })
        .await?;
    let names = names(&cx, &list).await?;
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (layout::toolbar(&cx, html! {
            @if cx.can(Menu::Messages, Level::Edit) { a.button href="/messages/new" { (cx.t(Msg::NewMessage)) } " " }
            a.button.secondary href="/feedback" { (cx.t(Msg::FeedbackInbox)) } " "
            @if cx.can(Menu::Settings, Level::View) { a.button.secondary href="/settings/messages" { (cx.t(Msg::MessageSettings)) } }
        }))
        (messages_table(&cx, &list, &names))
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuMessages), body),
    ))
}

/// Who a compose form selects: explicit ids, or a filter like the customer list's.
fn selection(req: &Req, form: bool) -> (Vec<u64>, CustomerQuery) {
    let get = |k: &str| {
        if form {
            req.form.get(k).to_string()
        } else {
            req.query(k).unwrap_or("").to_string()
        }
    };
    let ids: Vec<u64> = if form {
        req.form
            .fields
            .iter()
            .filter(|(k, _)| k == "customer_id")
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    } else {
        req.query
            .iter()
            .filter(|(k, _)| k == "customer_id")
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    };
    let q = CustomerQuery {
        plan_id: get("plan_id").parse().ok(),
        router_id: get("router_id").parse().ok(),
        status: Shown::parse(&get("status")),
        expiring_days: get("expiring").parse().ok(),
        per: 0,
        ..Default::default()
    };
    (ids, q)
}

pub async fn new_form(cx: Arc<Ctx>, req: Req) -> Out {
    let (ids, q) = selection(&req, false);
    let filtered = q.plan_id.is_some()
        || q.router_id.is_some()
        || q.status.is_some()
        || q.expiring_days.is_some();
    let unpaid = req.query("unpaid") == Some("1");
    let now = cx.now;
    let tz = cx.tz.clone();
    let settings = cx.settings.clone();
    let (roster, store) = (cx.app.roster.clone(), cx.app.store.clone());
    let body_text = req.query("body").unwrap_or("").to_string();
    let bt = body_text.clone();
    let (routers, plans, targets, preview) = cx
        .app
        .store
        .read_async(move |r| {
            let mut targets: Vec<Customer> = if !ids.is_empty() {
                ids.iter()
                    .filter_map(|id| r.get::<Customer>(*id).ok().flatten())
                    .collect()
            } else if filtered || unpaid {
                let (ids, _) = roster.ids(&store, &q, now)?;
                ids.iter()
                    .filter_map(|id| r.get::<Customer>(*id).transpose())
                    .collect::<Result<_, _>>()?
            } else {
                Vec::new()
            };
            if unpaid {
                targets.retain(|c| notify::amount_due(r, c.id).unwrap_or(0) > 0);
            }
            let preview = match targets.first() {
                Some(c) if !bt.is_empty() => {
                    let plan = r.get::<Plan>(c.plan_id)?;
                    let accounts = r.list::<BankAccount>()?;
                    Some(notify::render(
                        &bt,
                        c,
                        plan.as_ref(),
                        notify::amount_due(r, c.id)?,
                        &accounts,
                        &settings,
                        settings.default_lang,
                        now,
                        &tz,
                    ))
                }
                _ => None,
            };
            Ok::<_, StoreError>((r.list::<Router>()?, r.list::<Plan>()?, targets, preview))
        })
        .await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let page_body = html! {
        p.muted { (cx.t(Msg::PlaceholdersHelp)) }
        form method="get" action="/messages/new" {
            @for (k, v) in req.query.iter().filter(|(k, _)| k == "customer_id") { input type="hidden" name=(k) value=(v); }
            div.toolbar {
                label.field { span { (cx.t(Msg::MenuPlans)) } select name="plan_id" { option value="" { "—" } @for p in &plans { option value=(p.id) selected[q("plan_id") == p.id.to_string()] { (p.name) } } } }
                label.field { span { (cx.t(Msg::MenuRouters)) } select name="router_id" { option value="" { "—" } @for r in &routers { option value=(r.id) selected[q("router_id") == r.id.to_string()] { (r.name) } } } }
                label.field { span { (cx.t(Msg::Status)) } select name="status" { option value="" { "—" } @for s in Shown::ALL { option value=(s.id()) selected[q("status") == s.id()] { (crate::web::pages::customers::status_text(&cx, s)) } } } }
                label.field { span { (cx.t(Msg::ExpiringWithin)) } input type="number" name="expiring" min="0" value=(q("expiring")); }
                label.check { input type="checkbox" name="unpaid" value="1" checked[unpaid]; " " (cx.t(Msg::OnlyUnpaid)) }
            }
            label.field { span { (cx.t(Msg::MessageText)) } textarea #body name="body" rows="4" maxlength="1000" { (body_text) } }
            p.muted { output data-sms-count="#body" data-gsm=(cx.f(Msg::SmsCountGsm, &[&"%c", &"%p"])) data-ucs2=(cx.f(Msg::SmsCountUnicode, &[&"%c", &"%p"])) {} }
            button.secondary type="submit" { (cx.t(Msg::Preview)) }
        }
        @if let Some(p) = &preview { section.card { h2 { (cx.t(Msg::Preview)) } p { (p) } } }
        h2 { (cx.t(Msg::Recipients)) ": " (targets.len()) }
        p.muted #selection { (selection_text(&cx, &req, &plans, &routers, unpaid)) }
        @if !targets.is_empty() && !body_text.is_empty() {
            form method="post" action="/messages" {
                (csrf(&cx))
                input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
                @for c in &targets { input type="hidden" name="customer_id" value=(c.id); }
                input type="hidden" name="body" value=(body_text);
                label.field { span { (cx.t(Msg::Subject)) } input type="text" name="subject" maxlength="120"; }
                @for ch in Channel::ALL { label.check { input type="checkbox" name="channel" value=(ch.id()) checked[ch == Channel::SmsRouter]; " " (channel_label(&cx, ch)) } }
                button type="submit" { (cx.t(Msg::SendNow)) }
            }
            ul.plain { @for c in targets.iter().take(100) { li { (c.name) " " (c.phone) } } }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::NewMessage), page_body),
    ))
}

/// Says which selection the recipient count is of, so "0" never stands unexplained.
fn selection_text(cx: &Ctx, req: &Req, plans: &[Plan], routers: &[Router], unpaid: bool) -> String {
    let q = |k: &str| req.query(k).unwrap_or("").trim().to_string();
    let picked = req.query.iter().filter(|(k, _)| k == "customer_id").count();
    let mut parts: Vec<String> = Vec::new();
    if picked > 0 {
        parts.push(cx.f(Msg::SelectedCustomers, &[&picked]));
    }
    let name_of = |id: String, names: Vec<(u64, &str)>| {
        names
            .into_iter()
            .find(|(i, _)| i.to_string() == id)
            .map(|(_, n)| n.to_string())
    };
    if let Some(n) = name_of(
        q("plan_id"),
        plans.iter().map(|p| (p.id, p.name.as_str())).collect(),
    ) {
        parts.push(format!("{}: {n}", cx.t(Msg::AuditPlan)));
    }
    if let Some(n) = name_of(
        q("router_id"),
        routers.iter().map(|r| (r.id, r.name.as_str())).collect(),
    ) {
        parts.push(format!("{}: {n}", cx.t(Msg::AuditRouter)));
    }
    if let Some(s) = Shown::parse(&q("status")) {
        parts.push(format!(
            "{}: {}",
            cx.t(Msg::Status),
            crate::web::pages::customers::status_text(cx, s)
        ));
    }
    if let Ok(days) = q("expiring").parse::<u32>() {
        parts.push(cx.f(Msg::ExpiringSoon, &[&days]));
    }
    if unpaid {
        parts.push(cx.t(Msg::OnlyUnpaid).to_string());
    }
    if parts.is_empty() {
        cx.t(Msg::NoSelectionYet).to_string()
    } else {
        cx.f(Msg::SelectionIs, &[&parts.join(", ")])
    }
}

pub async fn send(cx: Arc<Ctx>, req: Req) -> Out {
    let (ids, _) = selection(&req, true);
    let channels: Vec<Channel> = req
        .form
        .fields
        .iter()
        .filter(|(k, _)| k == "channel")
        .filter_map(|(_, v)| Channel::parse(v))
        .collect();
    let compose = Compose {
        customer_ids: ids,
        channels,
        subject: req.form.get("subject").to_string(),
        body: req.form.get("body").to_string(),
    };
    let (_, replayed) =
        crate::ops::messages::queue(&cx.app, &cx.by(), compose, req.form.get("idempotency_key"))
            .await?;
    let notice = if replayed { "already" } else { "saved" };
    Ok(http::redirect(&format!("/messages?notice={notice}")))
}

pub async fn retry(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    crate::ops::messages::retry(&cx.app, &cx.by(), id).await?;
    Ok(http::redirect("/messages?notice=saved"))
}
