//! The start page after login: who you are, what you may do, and the state of the appliance.
//! (The business dashboard with charts grows here as routers, customers and payments arrive.)

use crate::access::{Admin, Level, Menu};
use crate::banner;
use crate::i18n::Msg;
use crate::store::Reader;
use crate::web::ctx::Ctx;
use crate::web::http::{self, Req};
use crate::web::layout::{level_label, menu_label, page};
use crate::web::router::Out;
use hyper::StatusCode;
use maud::html;
use std::sync::Arc;

pub async fn home(cx: Arc<Ctx>, _req: Req) -> Out {
    let Some(user) = &cx.user else {
        return Ok(http::redirect("/login"));
    };
    let today = cx.today();
    let (admins, active_banner) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, crate::store::StoreError>((r.count::<Admin>()?, banner::current(r, today)?))
        })
        .await?;
    let body = html! {
        p { (cx.f(Msg::Welcome, &[&user.admin.full_name])) }
        div.cards {
            @if cx.can(Menu::Admins, Level::View) {
                a.card href="/admins" { div.muted { (cx.t(Msg::AdminCount)) } div.big { (admins) } }
            }
            div.card {
                div.muted { (cx.t(Msg::ActiveBanner)) }
                div { @match &active_banner { Some(b) => (b.title), None => (cx.t(Msg::None)) } }
            }
            div.card {
                div.muted { (cx.t(Msg::SystemInfo)) }
                div { (cx.t(Msg::Version)) ": " (env!("CARGO_PKG_VERSION")) }
                div { (cx.t(Msg::Uptime)) ": " (cx.datetime(cx.app.started_at)) }
                div { (cx.t(Msg::TimeZone)) ": " (cx.tz.iana_name().unwrap_or("UTC")) }
            }
        }
        h2 { (cx.t(Msg::YourAccess)) }
        div.table-wrap { table {
            thead { tr { th { (cx.t(Msg::Menu)) } th { (cx.t(Msg::Role)) } } }
            tbody {
                @for m in Menu::ALL {
                    tr { td { (cx.t(menu_label(m))) } td { (level_label(&cx, user.perms.level(m))) } }
                }
            }
        } }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuDashboard), body),
    ))
}
