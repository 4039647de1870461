//! The user (admin) manager: list, add, edit with per-menu overrides, reset password.

use crate::access::admins::AdminDraft;
use crate::access::{Admin, Grants, Level, Menu, Role, roles, secret};
use crate::error::Error;
use crate::i18n::Msg;
use crate::reports::Cell;
use crate::store::StoreError;
use crate::store::{Read, Reader};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{
    self, checkbox, csrf, input, level_label, menu_label, page, select, textarea,
};
use crate::web::{export, grid};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

/// The list as Excel or CSV, statuses and roles in words.
pub async fn export(cx: Arc<Ctx>, req: Req) -> Out {
    let (tz, lang) = (cx.tz.clone(), cx.lang);
    let header = [
        Msg::Number,
        Msg::Username,
        Msg::FullName,
        Msg::Role,
        Msg::Phone,
        Msg::Email,
        Msg::Status,
        Msg::CreatedDate,
        Msg::LastLogin,
        Msg::Note,
    ];
    let list = export::List {
        name: "users",
        title: cx.t(Msg::Admins),
        header: header.iter().map(|m| lang.t(*m)).collect(),
        walk: move |r: &Read, emit: &mut export::Emit| {
            let roles = roles::list(r)?;
            for (i, a) in r.list::<Admin>()?.into_iter().enumerate() {
                let role = roles
                    .iter()
                    .find(|x| x.id == a.role_id)
                    .map_or(a.role_id.clone(), |x| x.name.clone());
                let active = if a.active { Msg::Active } else { Msg::Inactive };
                let go_on = emit(vec![
                    export::int(i + 1),
                    Cell::text(a.username.clone()),
                    Cell::text(a.full_name.clone()),
                    Cell::Text(role),
                    Cell::text(a.phone.clone()),
                    Cell::text(a.email.clone()),
                    Cell::text(lang.t(active)),
                    Cell::Date(crate::reports::day_of(a.created_at, &tz)),
                    a.last_login_at.map_or(Cell::text(lang.t(Msg::Never)), |t| {
                        Cell::DateTime(crate::reports::local(t, &tz))
                    }),
                    Cell::Text(a.note),
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
    let (admins, roles) = cx
        .app
        .store
        .read_async(|r| Ok::<_, StoreError>((r.list::<Admin>()?, roles::list(r)?)))
        .await?;
    let role_name = |id: &str| {
        roles
            .iter()
            .find(|r| r.id == id)
            .map_or(id.to_string(), |r| super::roles::shown_name(&cx, r))
    };
    let can_edit = cx.can(Menu::Admins, Level::Edit);
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (layout::toolbar(&cx, html! {
            @if can_edit { a.button href="/admins/new" { (cx.t(Msg::Add)) } }
            a.button.secondary href="/roles" { (cx.t(Msg::Roles)) }
            (export::links(&cx, &req, "/admins/export"))
        }))
        (grid::count(&cx, admins.len()))
        div.table-wrap.grid { table {
            thead { tr {
                th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::Username)) } th { (cx.t(Msg::FullName)) }
                th { (cx.t(Msg::Role)) } th { (cx.t(Msg::Phone)) } th { (cx.t(Msg::Email)) }
                th { (cx.t(Msg::Status)) } th { (cx.t(Msg::CreatedDate)) } th { (cx.t(Msg::LastLogin)) } th { (cx.t(Msg::Note)) }
            } }
            tbody {
                @for (i, a) in admins.iter().enumerate() {
                    tr {
                        td.num { (i + 1) }
                        td { a href={ "/admins/" (a.id) } { (a.username) } }
                        td { (a.full_name) }
                        td { (role_name(&a.role_id)) @if !a.overrides.0.is_empty() { " *" } }
                        td { (a.phone) } td { (a.email) }
                        td { @if a.active { span.badge.good { (cx.t(Msg::Active)) } } @else { span.badge.bad { (cx.t(Msg::Inactive)) } } }
                        td { (cx.date(a.created_at)) }
                        td { @match a.last_login_at { Some(t) => (cx.datetime(t)), None => (cx.t(Msg::Never)) } }
                        td { (grid::clip(&a.note)) }
                    }
                }
            }
        } }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::Admins), body),
    ))
}

/// The add/edit form. `admin` is `None` when adding.
fn form_page(
    cx: &Ctx,
    admin: Option<&Admin>,
    d: &AdminDraft,
    roles: &[Role],
    p: &Problems,
    notice: Option<&str>,
) -> Markup {
    let action = admin.map_or_else(|| "/admins".to_string(), |a| format!("/admins/{}", a.id));
    let role_opts: Vec<(String, String)> = roles
        .iter()
        .map(|r| (r.id.clone(), super::roles::shown_name(cx, r)))
        .collect();
    let role = roles.iter().find(|r| r.id == d.role_id);
    let can_edit = cx.can(Menu::Admins, Level::Edit);
    let title = if admin.is_some() {
        cx.t(Msg::EditAdmin)
    } else {
        cx.t(Msg::NewAdmin)
    };
    page(
        cx,
        title,
        html! {
            (layout::notice(cx, notice))
            (layout::problems_summary(cx, p))
            form method="post" action=(action) {
                (csrf(cx))
                (input(cx, p, "username", Msg::Username, "text", &d.username, true))
                (input(cx, p, "full_name", Msg::FullName, "text", &d.full_name, true))
                (input(cx, p, "phone", Msg::Phone, "tel", &d.phone, false))
                (input(cx, p, "email", Msg::Email, "email", &d.email, false))
                (select(cx, p, "role_id", Msg::Role, &role_opts, &d.role_id))
                (checkbox(cx, "active", Msg::Active, d.active))
                (textarea(cx, p, "note", Msg::Note, &d.note))
                @if admin.is_none() {
                    (input(cx, p, "password", Msg::Password, "password", "", true))
                    (input(cx, p, "password2", Msg::PasswordConfirm, "password", "", true))
                }
                fieldset {
                    legend { (cx.t(Msg::Overrides)) }
                    p.muted { (cx.t(Msg::OverridesHelp)) }
                    div.table-wrap { table {
                        thead { tr { th { (cx.t(Msg::Menu)) } th { (cx.t(Msg::Role)) } th { (cx.t(Msg::Overrides)) } } }
                        tbody {
                            @for m in Menu::ALL {
                                @let current = d.overrides.0.get(&m).map_or("inherit", |l| l.id());
                                tr {
                                    td { (cx.t(menu_label(m))) }
                                    td { (level_label(cx, role.map_or(Level::None, |r| r.grants.level(m)))) }
                                    td { select name={ "override_" (m.id()) } aria-label=(cx.t(menu_label(m))) {
                                        option value="inherit" selected[current == "inherit"] { (cx.t(Msg::AsRole)) }
                                        @for l in Level::ALL { option value=(l.id()) selected[current == l.id()] { (level_label(cx, l)) } }
                                    } }
                                }
                            }
                        }
                    } }
                }
                @if can_edit { button type="submit" { (cx.t(Msg::Save)) } " " }
                a.button.secondary href="/admins" { (cx.t(Msg::Back)) }
            }
            @if let Some(a) = admin.filter(|_| can_edit) {
                @let standing = cx.app.limiter.standing(&a.username, cx.now);
                @if standing.failures > 0 || standing.locked_networks > 0 {
                    section {
                        h2 { (cx.t(Msg::FailedLogins)) }
                        p { (cx.f(Msg::FailedLoginsStanding, &[&standing.failures, &standing.locked_networks])) }
                        form method="post" action={ "/admins/" (a.id) "/unlock" } {
                            (csrf(cx))
                            button type="submit" { (cx.t(Msg::Unlock)) }
                        }
                    }
                }
                section {
                    h2 { (cx.t(Msg::ResetPassword)) }
                    form method="post" action={ "/admins/" (a.id) "/password" } {
                        (csrf(cx))
                        (input(cx, p, "new_password", Msg::NewPassword, "password", "", true))
                        button.danger type="submit" { (cx.t(Msg::ResetPassword)) }
                    }
                }
            }
        },
    )
}

fn draft_from_form(f: &Form) -> AdminDraft {
    let mut overrides = Grants::default();
    for m in Menu::ALL {
        if let Some(l) = Level::parse(f.get(&format!("override_{}", m.id()))) {
            overrides.0.insert(m, l);
        }
    }
    AdminDraft {
        username: f.get("username").into(),
        full_name: f.get("full_name").into(),
        phone: f.get("phone").into(),
        email: f.get("email").into(),
        active: f.checked("active"),
        note: f.get("note").into(),
        role_id: f.get("role_id").into(),
        overrides,
    }
}

fn draft_of(a: &Admin) -> AdminDraft {
    AdminDraft {
        username: a.username.clone(),
        full_name: a.full_name.clone(),
        phone: a.phone.clone(),
        email: a.email.clone(),
        active: a.active,
        note: a.note.clone(),
        role_id: a.role_id.clone(),
        overrides: a.overrides.clone(),
    }
}

async fn load_roles(cx: &Ctx) -> Result<Vec<Role>, WebError> {
    Ok(cx.app.store.read_async(roles::list).await?)
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let roles = load_roles(&cx).await?;
    let d = AdminDraft {
        active: true,
        role_id: "viewer".into(),
        ..Default::default()
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, None, &d, &roles, &Problems::default(), None),
    ))
}

/// The new login's password from `password` / `password2`: its argon2id hash, or the
/// problems found (and no hash) for the form to show beside its own.
pub(super) async fn new_password(req: &Req) -> Result<(String, Problems), WebError> {
    let mut p = Problems::default();
    p.password("password", req.form.get("password"));
    if req.form.get("password") != req.form.get("password2") {
        p.add("password2", Msg::PasswordsDiffer);
    }
    let hash = if p.is_empty() {
        secret::hash_password_async(req.form.get("password").into())
            .await
            .map_err(WebError::Internal)?
    } else {
        String::new()
    };
    Ok((hash, p))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let d = draft_from_form(&req.form);
    let (hash, p) = new_password(&req).await?;
    let result = crate::ops::access::add_admin(&cx.app, &cx.by(), d.clone(), hash, p).await;
    match result {
        Ok(a) => Ok(http::redirect(&format!("/admins/{}?notice=saved", a.id))),
        Err(Error::Invalid(p)) => {
            let roles = load_roles(&cx).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&cx, None, &d, &roles, &p, None),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(cx: &Ctx, id: u64) -> Result<(Admin, Vec<Role>), WebError> {
    let (a, roles) = cx
        .app
        .store
        .read_async(move |r| Ok::<_, StoreError>((r.get::<Admin>(id)?, roles::list(r)?)))
        .await?;
    Ok((a.ok_or(WebError::NotFound)?, roles))
}

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let (a, roles) = load(&cx, req.id(0).ok_or(WebError::NotFound)?).await?;
    Ok(http::html(
        StatusCode::OK,
        form_page(
            &cx,
            Some(&a),
            &draft_of(&a),
            &roles,
            &Problems::default(),
            req.query("notice"),
        ),
    ))
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let d = draft_from_form(&req.form);
    let draft = d.clone();
    match crate::ops::access::edit_admin(&cx.app, &cx.by(), id, move |_| draft, None).await {
        Ok(_) => Ok(http::redirect(&format!("/admins/{id}?notice=saved"))),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let p = match e {
                Error::Invalid(p) => p,
                Error::Conflict(m) => Problems::one("role_id", m),
                _ => Problems::default(),
            };
            let (a, roles) = load(&cx, id).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&cx, Some(&a), &d, &roles, &p, None),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reset_password(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let mut p = Problems::default();
    p.password("new_password", req.form.get("new_password"));
    if !p.is_empty() {
        let (a, roles) = load(&cx, id).await?;
        return Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cx, Some(&a), &draft_of(&a), &roles, &p, None),
        ));
    }
    let hash = secret::hash_password_async(req.form.get("new_password").into())
        .await
        .map_err(WebError::Internal)?;
    crate::ops::access::set_password(&cx.app, &cx.by(), id, hash, None, true).await?;
    Ok(http::redirect(&format!("/admins/{id}?notice=reset")))
}

/// Lifts the login locks and slowdown on this admin's username (a super admin's way out when
/// someone has been guessing).
pub async fn unlock(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (a, _) = load(&cx, id).await?;
    cx.app.limiter.unlock(&a.username);
    let (actor, now) = (cx.actor(), cx.now);
    cx.app
        .store
        .write_async(move |w| {
            crate::audit::record(w, now, &actor, "unlock_login", "admin", id, String::new())
        })
        .await?;
    Ok(http::redirect(&format!("/admins/{id}?notice=unlocked")))
}
