//! Service packages: price, duration, speed, kind; saved plans are pushed to routers as profiles.

use crate::access::{Level, Menu};
use crate::billing::plan::{self, Plan, PlanDraft, ServiceKind};
use crate::error::Error;
use crate::i18n::Msg;
use crate::store::{Reader, Set, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, checkbox, csrf, input, page, select, textarea};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

pub fn kind_label(cx: &Ctx, k: ServiceKind) -> &'static str {
    cx.t(match k {
        ServiceKind::Hotspot => Msg::Hotspot,
        ServiceKind::Pppoe => Msg::Pppoe,
    })
}

pub fn duration_label(cx: &Ctx, p: &Plan) -> String {
    let mut s = String::new();
    if p.duration_days > 0 {
        s.push_str(&format!("{} {}", p.duration_days, cx.t(Msg::Days)));
    }
    if p.duration_hours > 0 {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("{} {}", p.duration_hours, cx.t(Msg::Hours)));
    }
    s
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let plans = cx
        .app
        .store
        .read_async(|r| {
            let mut out = Vec::new();
            for p in plan::list(r)? {
                let n = r.set_members(Set::CustomersByPlan, p.id)?.len();
                out.push((p, n));
            }
            Ok::<_, StoreError>(out)
        })
        .await?;
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (layout::toolbar(&cx, html! {
            @if cx.can(Menu::Plans, Level::Edit) { a.button href="/plans/new" { (cx.t(Msg::Add)) } }
        }))
        @if plans.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            div.table-wrap { table {
                thead { tr {
                    th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::Name)) } th { (cx.t(Msg::Kind)) } th.num { (cx.t(Msg::Price)) }
                    th { (cx.t(Msg::Duration)) } th { (cx.t(Msg::Speed)) } th.num { (cx.t(Msg::SharedUsers)) }
                    th { (cx.t(Msg::Profile)) } th.num { (cx.t(Msg::MenuCustomers)) } th { (cx.t(Msg::Status)) }
                } }
                tbody {
                    @for (i, (p, n)) in plans.iter().enumerate() {
                        tr {
                            td.num { (i + 1) }
                            td { a href={ "/plans/" (p.id) } { (p.name) } }
                            td { (kind_label(&cx, p.kind)) }
                            td.num { (cx.money(p.price)) }
                            td { (duration_label(&cx, p)) }
                            td { "↓" (p.download) " ↑" (p.upload) }
                            td.num { (p.shared_users) }
                            td { code { (p.profile) } }
                            td.num { a href={ "/customers?plan_id=" (p.id) } { (n) } }
                            td { @if p.active { span.badge.good { (cx.t(Msg::Active)) } } @else { span.badge { (cx.t(Msg::Inactive)) } } }
                        }
                    }
                }
            } }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuPlans), body),
    ))
}

fn form_page(cx: &Ctx, existing: Option<&Plan>, d: &PlanDraft, p: &Problems) -> Markup {
    let action = existing.map_or_else(|| "/plans".to_string(), |pl| format!("/plans/{}", pl.id));
    let kinds: Vec<(String, String)> = ServiceKind::ALL
        .iter()
        .map(|k| (k.id().to_string(), kind_label(cx, *k).to_string()))
        .collect();
    let can_edit = cx.can(Menu::Plans, Level::Edit);
    let title = if existing.is_some() {
        cx.t(Msg::EditPlan)
    } else {
        cx.t(Msg::NewPlan)
    };
    page(
        cx,
        title,
        html! {
            (layout::problems_summary(cx, p))
            form method="post" action=(action) {
                (csrf(cx))
                (input(cx, p, "name", Msg::Name, "text", &d.name, true))
                (select(cx, p, "kind", Msg::Kind, &kinds, &d.kind))
                (input(cx, p, "price", Msg::PriceMajor, "text", &d.price.parse::<i64>().map_or_else(|_| d.price.clone(), |v| crate::i18n::format::major_input(v, cx.settings.currency.exponent)), true))
                fieldset {
                    legend { (cx.t(Msg::Agents)) }
                    p.muted { (cx.t(Msg::AgentPriceHelp)) }
                    (input(cx, p, "agent_price", Msg::AgentPrice, "text", &d.agent_price.parse::<i64>().map_or_else(|_| d.agent_price.clone(), |v| crate::i18n::format::major_input(v, cx.settings.currency.exponent)), false))
                    (input(cx, p, "agent_commission", Msg::AgentCommission, "number", &d.agent_commission, false))
                }
                (input(cx, p, "duration_days", Msg::Days, "number", &d.duration_days, false))
                (input(cx, p, "duration_hours", Msg::Hours, "number", &d.duration_hours, false))
                (input(cx, p, "download", Msg::Download, "text", &d.download, true))
                (input(cx, p, "upload", Msg::Upload, "text", &d.upload, true))
                (input(cx, p, "shared_users", Msg::SharedUsers, "number", &d.shared_users, false))
                fieldset {
                    legend { (cx.t(Msg::Burst)) }
                    (input(cx, p, "burst_download", Msg::BurstDownload, "text", &d.burst_download, false))
                    (input(cx, p, "burst_upload", Msg::BurstUpload, "text", &d.burst_upload, false))
                    (input(cx, p, "burst_threshold_download", Msg::BurstThresholdDownload, "text", &d.burst_threshold_download, false))
                    (input(cx, p, "burst_threshold_upload", Msg::BurstThresholdUpload, "text", &d.burst_threshold_upload, false))
                    (input(cx, p, "burst_time", Msg::BurstTime, "number", &d.burst_time, false))
                }
                fieldset {
                    legend { (cx.t(Msg::Pppoe)) }
                    (input(cx, p, "local_address", Msg::LocalAddress, "text", &d.local_address, false))
                    (input(cx, p, "remote_address", Msg::RemoteAddress, "text", &d.remote_address, false))
                }
                (checkbox(cx, "active", Msg::Active, d.active))
                (textarea(cx, p, "description", Msg::Description, &d.description))
                @if let Some(pl) = existing { p.muted { (cx.t(Msg::Profile)) ": " code { (pl.profile) } " — " (pl.rate_limit()) } }
                @if can_edit { button type="submit" { (cx.t(Msg::Save)) } " " }
                a.button.secondary href="/plans" { (cx.t(Msg::Back)) }
            }
            @if let Some(pl) = existing.filter(|_| can_edit) {
                form method="post" action={ "/plans/" (pl.id) "/delete" } {
                    (csrf(cx))
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmDelete)) { (cx.t(Msg::Delete)) }
                }
            }
        },
    )
}

/// The form's price is in major units; the draft (like the API) carries minor units.
pub fn draft_from_form(f: &Form, exponent: u8) -> PlanDraft {
    PlanDraft {
        name: f.get("name").into(),
        kind: f.get("kind").into(),
        price: crate::i18n::format::parse_major(f.get("price"), exponent)
            .map_or_else(|| f.get("price").to_string(), |v| v.to_string()),
        agent_price: match f.get("agent_price").trim() {
            "" => String::new(),
            s => crate::i18n::format::parse_major(s, exponent)
                .map_or_else(|| s.to_string(), |v| v.to_string()),
        },
        agent_commission: f.get("agent_commission").into(),
        duration_days: f.get("duration_days").into(),
        duration_hours: f.get("duration_hours").into(),
        download: f.get("download").into(),
        upload: f.get("upload").into(),
        burst_download: f.get("burst_download").into(),
        burst_upload: f.get("burst_upload").into(),
        burst_threshold_download: f.get("burst_threshold_download").into(),
        burst_threshold_upload: f.get("burst_threshold_upload").into(),
        burst_time: f.get("burst_time").into(),
        shared_users: f.get("shared_users").into(),
        local_address: f.get("local_address").into(),
        remote_address: f.get("remote_address").into(),
        active: f.checked("active"),
        description: f.get("description").into(),
    }
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let d = PlanDraft {
        kind: "hotspot".into(),
        duration_days: "30".into(),
        shared_users: "1".into(),
        active: true,
        ..Default::default()
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, None, &d, &Problems::default()),
    ))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let d = draft_from_form(&req.form, cx.settings.currency.exponent);
    match crate::ops::plans::create(&cx.app, &cx.by(), d.clone()).await {
        Ok(_) => Ok(http::redirect("/plans?notice=saved")),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cx, None, &d, &p),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn load(cx: &Ctx, id: u64) -> Result<Plan, WebError> {
    cx.app
        .store
        .read_async(move |r| r.get::<Plan>(id))
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let p = load(&cx, req.id(0).ok_or(WebError::NotFound)?).await?;
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, Some(&p), &PlanDraft::of(&p), &Problems::default()),
    ))
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let d = draft_from_form(&req.form, cx.settings.currency.exponent);
    let draft = d.clone();
    match crate::ops::plans::update(&cx.app, &cx.by(), id, move |_| draft).await {
        Ok(_) => Ok(http::redirect("/plans?notice=saved")),
        Err(Error::Invalid(p)) => {
            let existing = load(&cx, id).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&cx, Some(&existing), &d, &p),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    crate::ops::plans::delete(&cx.app, &cx.by(), id).await?;
    Ok(http::redirect("/plans?notice=deleted"))
}
