//! Access levels (roles): the per-menu none/view/edit matrix.

use crate::access::roles::{self, RoleDraft};
use crate::access::{Admin, Grants, Level, Menu, Role};
use crate::error::Error;
use crate::i18n::Msg;
use crate::store::Reader;
use crate::store::StoreError;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::grid;
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, csrf, input, level_label, menu_label, page};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let (roles, admins) = cx
        .app
        .store
        .read_async(|r| Ok::<_, StoreError>((roles::list(r)?, r.list::<Admin>()?)))
        .await?;
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (layout::toolbar(&cx, html! {
            @if cx.can(Menu::Admins, Level::Edit) { a.button href="/roles/new" { (cx.t(Msg::Add)) } }
            a.button.secondary href="/admins" { (cx.t(Msg::Admins)) }
        }))
        // Twenty menus side by side fit only as narrow columns: names written upwards, a mark
        // per level (its word in the legend and on hover).
        p.muted.legend { @for l in [Level::Edit, Level::View, Level::None] { span { (level_mark(l)) " " (level_label(&cx, l)) } } }
        (grid::count(&cx, roles.len()))
        div.table-wrap.grid.rights { table {
            thead { tr {
                th { (cx.t(Msg::Name)) } th { (cx.t(Msg::RoleId)) } th { (cx.t(Msg::Description)) }
                th.num { (cx.t(Msg::UsersWithRole)) }
                @for m in Menu::ALL { th.up title=(cx.t(menu_label(m))) { span { (cx.t(menu_label(m))) } } }
            } }
            tbody {
                @for r in &roles {
                    tr {
                        td { a href={ "/roles/" (r.id) } { (shown_name(&cx, r)) } @if r.builtin { " " span.badge { (cx.t(Msg::Builtin)) } } }
                        // A built-in role's id is Steppe's own code, not something to read.
                        td { @if !r.builtin { code { (r.id) } } }
                        td { (grid::clip(&shown_description(&cx, r))) }
                        td.num { (admins.iter().filter(|a| a.role_id == r.id).count()) }
                        @for m in Menu::ALL {
                            @let l = r.grants.level(m);
                            td class={ "level " (l.id()) } title={ (cx.t(menu_label(m))) ": " (level_label(&cx, l)) } { (level_mark(l)) }
                        }
                    }
                }
            }
        } }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::Roles), body),
    ))
}

/// A level as one character, so a rights column is as narrow as a letter.
fn level_mark(l: Level) -> &'static str {
    match l {
        Level::Edit => "●",
        Level::View => "◐",
        Level::None => "·",
    }
}

fn form_page(cx: &Ctx, existing: Option<&Role>, id: &str, d: &RoleDraft, p: &Problems) -> Markup {
    let action = existing.map_or_else(|| "/roles".to_string(), |r| format!("/roles/{}", r.id));
    let can_edit = cx.can(Menu::Admins, Level::Edit);
    let title = if existing.is_some() {
        cx.t(Msg::EditRole)
    } else {
        cx.t(Msg::NewRole)
    };
    page(
        cx,
        title,
        html! {
            (layout::problems_summary(cx, p))
            form method="post" action=(action) {
                (csrf(cx))
                @if existing.is_none() { (input(cx, p, "id", Msg::RoleId, "text", id, true)) }
                @else if !existing.is_some_and(|r| r.builtin) { p { (cx.t(Msg::RoleId)) ": " code { (id) } } }
                (input(cx, p, "name", Msg::Name, "text", &d.name, true))
                (input(cx, p, "description", Msg::Description, "text", &d.description, false))
                div.table-wrap { table {
                    thead { tr { th { (cx.t(Msg::Menu)) } @for l in Level::ALL { th { (level_label(cx, l)) } } } }
                    tbody {
                        @for m in Menu::ALL {
                            tr {
                                td { (cx.t(menu_label(m))) }
                                @for l in Level::ALL {
                                    td { input type="radio" name={ "grant_" (m.id()) } value=(l.id())
                                        checked[d.grants.level(m) == l] aria-label={ (cx.t(menu_label(m))) ": " (level_label(cx, l)) }; }
                                }
                            }
                        }
                    }
                } }
                p {
                    @if can_edit { button type="submit" { (cx.t(Msg::Save)) } " " }
                    a.button.secondary href="/roles" { (cx.t(Msg::Back)) }
                }
            }
            @if let Some(r) = existing.filter(|r| can_edit && !r.builtin) {
                form method="post" action={ "/roles/" (r.id) "/delete" } {
                    (csrf(cx))
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmDelete)) { (cx.t(Msg::Delete)) }
                }
            }
        },
    )
}

fn draft_from_form(f: &Form) -> RoleDraft {
    let mut grants = Grants::default();
    for m in Menu::ALL {
        if let Some(l) = Level::parse(f.get(&format!("grant_{}", m.id()))) {
            grants.0.insert(m, l);
        }
    }
    RoleDraft {
        name: f.get("name").into(),
        description: f.get("description").into(),
        grants,
    }
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let d = RoleDraft {
        name: String::new(),
        description: String::new(),
        grants: Grants::default(),
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, None, "", &d, &Problems::default()),
    ))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let d = draft_from_form(&req.form);
    let id = req.form.get("id").trim().to_string();
    match crate::ops::access::add_role(&cx.app, &cx.by(), id.clone(), d.clone()).await {
        Ok(r) => Ok(http::redirect(&format!("/roles/{}", r.id))),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cx, None, &id, &d, &p),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn load(cx: &Ctx, id: &str) -> Result<Role, WebError> {
    let id = id.to_string();
    cx.app
        .store
        .read_async(move |r| r.kget::<Role>(&id))
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let r = load(&cx, req.param(0)).await?;
    let d = RoleDraft {
        name: shown_name(&cx, &r),
        description: shown_description(&cx, &r),
        grants: r.grants.clone(),
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, Some(&r), &r.id, &d, &Problems::default()),
    ))
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let role = load(&cx, req.param(0)).await?;
    let d = draft_from_form(&req.form);
    let mut draft = d.clone();
    // Saved unchanged, a built-in role keeps its shipped text, so it goes on following the
    // reader's language.
    if let Some((name, help)) = shipped(&role.id).filter(|_| role.builtin) {
        for (field, m) in [(&mut draft.name, name), (&mut draft.description, help)] {
            if field.trim() == cx.t(m) {
                *field = m.en().to_string();
            }
        }
    }
    match crate::ops::access::edit_role(&cx.app, &cx.by(), role.id.clone(), move |_| draft).await {
        Ok(_) => Ok(http::redirect("/roles?notice=saved")),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cx, Some(&role), &role.id, &d, &p),
        )),
        Err(Error::Conflict(m)) => Ok(http::html(
            StatusCode::CONFLICT,
            form_page(&cx, Some(&role), &role.id, &d, &Problems::one("name", m)),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    crate::ops::access::delete_role(&cx.app, &cx.by(), req.param(0).to_string()).await?;
    Ok(http::redirect("/roles?notice=deleted"))
}

/// The texts a built-in role shipped with, by role id.
fn shipped(id: &str) -> Option<(Msg, Msg)> {
    Some(match id {
        crate::access::perm::SUPER_ADMIN => (Msg::RoleSuperAdmin, Msg::RoleSuperAdminHelp),
        "manager" => (Msg::RoleManager, Msg::RoleManagerHelp),
        "cashier" => (Msg::RoleCashier, Msg::RoleCashierHelp),
        "technician" => (Msg::RoleTechnician, Msg::RoleTechnicianHelp),
        "viewer" => (Msg::RoleViewer, Msg::RoleViewerHelp),
        crate::vouchers::agents::ROLE => (Msg::RoleAgent, Msg::RoleAgentHelp),
        _ => return None,
    })
}

/// A role's name in the UI language. Built-in roles are stored with their English names; one
/// the operator renamed (in either language) shows as they wrote it.
pub fn shown_name(cx: &Ctx, r: &Role) -> String {
    shown(cx, r, &r.name, |(name, _)| name)
}

pub fn shown_description(cx: &Ctx, r: &Role) -> String {
    shown(cx, r, &r.description, |(_, help)| help)
}

fn shown(cx: &Ctx, r: &Role, stored: &str, pick: fn((Msg, Msg)) -> Msg) -> String {
    match shipped(&r.id).filter(|_| r.builtin).map(pick) {
        Some(m) if m.en() == stored => cx.t(m).to_string(),
        _ => stored.to_string(),
    }
}
