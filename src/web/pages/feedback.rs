//! The admin inbox of customer feedback: status, assignment, replies that show in the portal
//! and can also go out by SMS.

use crate::access::{Admin, Level, Menu};
use crate::billing::customer::Customer;
use crate::error::Error;
use crate::feedback::{self, Feedback, Status};
use crate::i18n::Msg;
use crate::store::{Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, page};
use crate::web::pages::portal::thread;
use hyper::StatusCode;
use maud::html;
use std::collections::HashMap;
use std::sync::Arc;

fn status_badge(cx: &Ctx, s: Status) -> maud::Markup {
    let class = match s {
        Status::New => "badge bad",
        Status::InProgress => "badge",
        Status::Resolved => "badge good",
    };
    html! { span class=(class) { (cx.t(s.msg())) } }
}

pub async fn inbox(cx: Arc<Ctx>, req: Req) -> Out {
    let status = req.query("status").and_then(Status::parse);
    let (list, names, admins) = cx
        .app
        .store
        .read_async(move |r| {
            let list = feedback::inbox(r, status, 300)?;
            let mut names = HashMap::new();
            for f in &list {
                if let Some(c) = r.get::<Customer>(f.customer_id)? {
                    names.insert(c.id, c.name);
                }
            }
            let admins: HashMap<u64, String> = r
                .list::<Admin>()?
                .into_iter()
                .map(|a| (a.id, a.username))
                .collect();
            Ok::<_, StoreError>((list, names, admins))
        })
        .await?;
    let chosen = req.query("status").unwrap_or("");
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        form.toolbar method="get" action="/feedback" {
            label.field { span { (cx.t(Msg::Status)) }
                select name="status" {
                    option value="" { (cx.t(Msg::All)) }
                    @for s in Status::ALL { option value=(s.id()) selected[chosen == s.id()] { (cx.t(s.msg())) } }
                }
            }
            button.secondary type="submit" { (cx.t(Msg::Filter)) }
        }
        div.table-wrap { table {
            thead { tr { th { (cx.t(Msg::When)) } th { (cx.t(Msg::MenuCustomers)) } th { (cx.t(Msg::Category)) } th { (cx.t(Msg::MessageText)) } th { (cx.t(Msg::Status)) } th { (cx.t(Msg::AssignedTo)) } } }
            tbody { @for f in &list { tr {
                td { a href={ "/feedback/" (f.id) } { (cx.datetime(f.updated_at)) } }
                td { a href={ "/customers/" (f.customer_id) } { (names.get(&f.customer_id).map_or("?", String::as_str)) } }
                td { (cx.t(f.category.msg())) }
                td { a href={ "/feedback/" (f.id) } { (f.text.chars().take(80).collect::<String>()) } }
                td { (status_badge(&cx, f.status)) }
                td { (f.assigned_to.and_then(|a| admins.get(&a)).map_or(cx.t(Msg::Unassigned), String::as_str)) }
            } } }
        } }
        @if list.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::FeedbackInbox), body),
    ))
}

async fn show_page(cx: &Ctx, id: u64, p: &Problems, text: &str) -> Out {
    let (f, customer, admins) = cx
        .app
        .store
        .read_async(move |r| {
            let f = r.get::<Feedback>(id)?;
            let c = match &f {
                Some(f) => r.get::<Customer>(f.customer_id)?,
                None => None,
            };
            Ok::<_, StoreError>((f, c, r.list::<Admin>()?))
        })
        .await?;
    let f = f.ok_or(WebError::NotFound)?;
    let edit = cx.can(Menu::Messages, Level::Edit);
    let status = if p.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        (layout::notice(cx, None))
        p { a href="/feedback" { "← " (cx.t(Msg::FeedbackInbox)) } }
        section.card {
            h2 {
                (cx.t(f.category.msg())) " · "
                @if let Some(c) = &customer { a href={ "/customers/" (c.id) } { (c.name) } " " small.muted { (c.login) " " (c.phone) } }
                " " (status_badge(cx, f.status))
            }
            h3 { (cx.t(Msg::Conversation)) }
            (thread(cx, &f, false))
        }
        @if edit {
            section.card {
                h2 { (cx.t(Msg::Reply)) }
                (layout::problems_summary(cx, p))
                @if let Some(e) = p.get("sms") { p.error { (e.text(cx.lang)) } }
                form method="post" action={ "/feedback/" (f.id) "/reply" } {
                    (csrf(cx))
                    (layout::textarea(cx, p, "text", Msg::MessageText, text))
                    label.check { input type="checkbox" name="sms" value="1"; " " (cx.t(Msg::AlsoBySms)) }
                    button type="submit" { (cx.t(Msg::Reply)) }
                }
            }
            section.card {
                form.toolbar method="post" action={ "/feedback/" (f.id) } {
                    (csrf(cx))
                    label.field { span { (cx.t(Msg::Status)) }
                        select name="status" { @for s in Status::ALL { option value=(s.id()) selected[s == f.status] { (cx.t(s.msg())) } } }
                    }
                    label.field { span { (cx.t(Msg::AssignedTo)) }
                        select name="assigned_to" {
                            option value="" { (cx.t(Msg::Unassigned)) }
                            @for a in admins.iter().filter(|a| a.active) { option value=(a.id) selected[f.assigned_to == Some(a.id)] { (a.username) " — " (a.full_name) } }
                        }
                    }
                    button type="submit" { (cx.t(Msg::Update)) }
                }
            }
        }
    };
    Ok(http::html(status, page(cx, cx.t(Msg::Feedback), body)))
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    show_page(&cx, id, &Problems::default(), "").await
}

async fn do_reply(cx: &Ctx, id: u64, text: String, sms: bool) -> Result<Feedback, Error> {
    crate::ops::messages::reply(&cx.app, &cx.by(), id, text, sms).await
}

pub async fn reply(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let text = req.form.get("text").to_string();
    match do_reply(&cx, id, text.clone(), req.form.get("sms") == "1").await {
        Ok(_) => Ok(http::redirect(&format!("/feedback/{id}"))),
        Err(Error::Invalid(p)) => show_page(&cx, id, &p, &text).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (status, assigned) = (
        req.form.get("status").to_string(),
        req.form.get("assigned_to").to_string(),
    );
    let result =
        crate::ops::messages::update_feedback(&cx.app, &cx.by(), id, status, assigned).await;
    match result {
        Ok(_) => Ok(http::redirect(&format!("/feedback/{id}"))),
        Err(Error::Invalid(p)) => show_page(&cx, id, &p, "").await,
        Err(e) => Err(e.into()),
    }
}
