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

/// What stands between a saved package and its deletion: the customers on it, and the other
/// packages of its kind they could be moved to.
#[derive(Default)]
struct Removal {
    customers: usize,
    targets: Vec<(String, String)>,
    /// Why the last delete was refused, shown beside the button instead of on an error page.
    refused: Option<Msg>,
    /// How many customers the last move took away.
    moved: Option<usize>,
}

fn removal_section(cx: &Ctx, pl: &Plan, rm: &Removal, p: &Problems) -> Markup {
    html! {
        section.card #removal {
            @if let Some(n) = rm.moved { p.notice role="status" { (cx.f(Msg::CustomersMoved, &[&n])) } }
            // "Customers are on it" is what the count below says, with the way out.
            @if let Some(m) = rm.refused.filter(|m| *m != Msg::PlanInUse || rm.customers == 0) {
                p.error role="alert" { (cx.t(m)) }
            }
            @if rm.customers > 0 {
                p { (cx.f(Msg::PlanHasCustomers, &[&rm.customers])) }
                @if rm.targets.is_empty() { p.muted { (cx.t(Msg::NoPlanToMoveTo)) } } @else {
                    form method="post" action={ "/plans/" (pl.id) "/move" } {
                        (csrf(cx))
                        (select(cx, p, "plan_id", Msg::MoveCustomersTo, &rm.targets, ""))
                        button type="submit" { (cx.t(Msg::MoveCustomers)) }
                    }
                }
            } @else {
                form method="post" action={ "/plans/" (pl.id) "/delete" } {
                    (csrf(cx))
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmDelete)) { (cx.t(Msg::Delete)) }
                }
            }
        }
    }
}

fn form_page(cx: &Ctx, existing: Option<(&Plan, &Removal)>, d: &PlanDraft, p: &Problems) -> Markup {
    let removal = existing.map(|(_, rm)| rm);
    let existing = existing.map(|(pl, _)| pl);
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
            @if let (Some(pl), Some(rm), true) = (existing, removal, can_edit) {
                (removal_section(cx, pl, rm, p))
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

async fn load(cx: &Ctx, id: u64) -> Result<(Plan, Removal), WebError> {
    let (plan, removal) = cx
        .app
        .store
        .read_async(move |r| {
            let Some(plan) = r.get::<Plan>(id)? else {
                return Ok::<_, StoreError>((None, Removal::default()));
            };
            let targets = plan::list(r)?
                .into_iter()
                .filter(|o| o.id != id && o.kind == plan.kind)
                .map(|o| (o.id.to_string(), o.name))
                .collect();
            let customers = r.set_members(Set::CustomersByPlan, id)?.len();
            let removal = Removal {
                customers,
                targets,
                ..Removal::default()
            };
            Ok((Some(plan), removal))
        })
        .await?;
    Ok((plan.ok_or(WebError::NotFound)?, removal))
}

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let (p, mut rm) = load(&cx, req.id(0).ok_or(WebError::NotFound)?).await?;
    rm.moved = req.query("moved").and_then(|n| n.parse().ok());
    Ok(http::html(
        StatusCode::OK,
        form_page(
            &cx,
            Some((&p, &rm)),
            &PlanDraft::of(&p),
            &Problems::default(),
        ),
    ))
}

/// The package's page again with `problems` or a refusal, the form as it is stored.
async fn again(cx: &Ctx, id: u64, status: StatusCode, p: &Problems, refused: Option<Msg>) -> Out {
    let (pl, mut rm) = load(cx, id).await?;
    rm.refused = refused;
    Ok(http::html(
        status,
        form_page(cx, Some((&pl, &rm)), &PlanDraft::of(&pl), p),
    ))
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let d = draft_from_form(&req.form, cx.settings.currency.exponent);
    let draft = d.clone();
    match crate::ops::plans::update(&cx.app, &cx.by(), id, move |_| draft).await {
        Ok(_) => Ok(http::redirect("/plans?notice=saved")),
        Err(Error::Invalid(p)) => {
            let (existing, rm) = load(&cx, id).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&cx, Some((&existing, &rm)), &d, &p),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    match crate::ops::plans::delete(&cx.app, &cx.by(), id).await {
        Ok(()) => Ok(http::redirect("/plans?notice=deleted")),
        // Refused because it is in use: the package's page says why and offers the move.
        Err(Error::Conflict(m)) => {
            again(&cx, id, StatusCode::CONFLICT, &Problems::default(), Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn move_customers(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let to = req.form.get("plan_id").trim().parse::<u64>().unwrap_or(0);
    match crate::ops::plans::move_customers(&cx.app, &cx.by(), id, to).await {
        Ok(n) => Ok(http::redirect(&format!("/plans/{id}?moved={n}"))),
        Err(Error::Invalid(p)) => again(&cx, id, StatusCode::UNPROCESSABLE_ENTITY, &p, None).await,
        Err(e) => Err(e.into()),
    }
}
