//! First-admin setup, login and logout.

use crate::access::admins::{self, AdminDraft};
use crate::access::perm::SUPER_ADMIN;
use crate::access::{Grants, secret, sessions};
use crate::audit::{self, Actor};
use crate::banner;
use crate::error::Error;
use crate::i18n::Msg;
use crate::store::Reader;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::http::{self, Req, safe_next};
use crate::web::layout::{self, bare_page, csrf, input};
use crate::web::router::{Out, SESSION_COOKIE, WebError};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn setup_page(cx: &Ctx, p: &Problems, username: &str, full_name: &str) -> Markup {
    bare_page(
        cx,
        cx.t(Msg::SetupTitle),
        html! {
            p { (cx.t(Msg::SetupIntro)) }
            (layout::problems_summary(cx, p))
            form method="post" action="/setup" {
                (csrf(cx))
                (input(cx, p, "username", Msg::Username, "text", username, true))
                (input(cx, p, "full_name", Msg::FullName, "text", full_name, true))
                (input(cx, p, "password", Msg::Password, "password", "", true))
                (input(cx, p, "password2", Msg::PasswordConfirm, "password", "", true))
                button type="submit" { (cx.t(Msg::SetupCreate)) }
            }
        },
    )
}

pub async fn setup_form(cx: Arc<Ctx>, _req: Req) -> Out {
    if cx.app.store.read_async(admins::any_exists).await? {
        return Ok(http::redirect("/login"));
    }
    Ok(http::html(
        StatusCode::OK,
        setup_page(&cx, &Problems::default(), "", ""),
    ))
}

pub async fn setup(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let mut p = Problems::default();
    p.password("password", f.get("password"));
    if f.get("password") != f.get("password2") {
        p.add("password2", Msg::PasswordsDiffer);
    }
    let draft = AdminDraft {
        username: f.get("username").into(),
        full_name: f.get("full_name").into(),
        active: true,
        role_id: SUPER_ADMIN.into(),
        overrides: Grants::default(),
        ..Default::default()
    };
    let hash = if p.is_empty() {
        secret::hash_password_async(f.get("password").into())
            .await
            .map_err(WebError::Internal)?
    } else {
        String::new()
    };
    let now = cx.now;
    let (ip, ua) = (cx.ip.clone(), req.header("user-agent").to_string());
    let result = cx
        .app
        .store
        .write_async(move |w| {
            // Checked inside the transaction: two racing setups cannot both win.
            if w.count::<crate::access::Admin>()? > 0 {
                return Ok(None);
            }
            let actor = Actor {
                admin_id: None,
                username: "(setup)".into(),
                via: crate::audit::Via::Web,
                ip: Some(ip.clone()),
            };
            let mut all = p;
            let admin = match admins::create(w, now, &actor, draft, hash) {
                Ok(a) if all.is_empty() => a,
                Ok(_) => return Err(Error::Invalid(all)),
                Err(Error::Invalid(more)) => {
                    all.0.extend(more.0);
                    return Err(Error::Invalid(all));
                }
                Err(e) => return Err(e),
            };
            let (token, _) = sessions::start(w, now, admin.id, &ip, &ua)?;
            Ok(Some(token))
        })
        .await;
    match result {
        Ok(Some(token)) => Ok(logged_in(&req, &token, "/")),
        Ok(None) => Ok(http::redirect("/login")),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            setup_page(&cx, &p, f.get("username"), f.get("full_name")),
        )),
        Err(e) => Err(e.into()),
    }
}

fn login_page(
    cx: &Ctx,
    error: Option<String>,
    username: &str,
    next: &str,
    banner: Option<banner::Banner>,
) -> Markup {
    bare_page(
        cx,
        cx.t(Msg::LoginTitle),
        html! {
            @if let Some(b) = banner {
                section.banner {
                    @if b.image_mime.is_some() { img src={ "/banner-image/" (b.id) } alt=(b.title); }
                    strong { (b.title) }
                    @if !b.text.is_empty() { p { (b.text) } }
                }
            }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/login" {
                (csrf(cx))
                input type="hidden" name="next" value=(next);
                label.field { span { (cx.t(Msg::Username)) } input type="text" name="username" value=(username) required autofocus autocomplete="username"; }
                label.field { span { (cx.t(Msg::Password)) } input type="password" name="password" required autocomplete="current-password"; }
                button type="submit" { (cx.t(Msg::LogIn)) }
            }
        },
    )
}

async fn current_banner(cx: &Ctx) -> Result<Option<banner::Banner>, WebError> {
    let today = cx.today();
    Ok(cx
        .app
        .store
        .read_async(move |r| banner::current(r, today))
        .await?)
}

pub async fn login_form(cx: Arc<Ctx>, req: Req) -> Out {
    if cx.user.is_some() {
        return Ok(http::redirect(safe_next(req.query("next").unwrap_or("/"))));
    }
    let b = current_banner(&cx).await?;
    Ok(http::html(
        StatusCode::OK,
        login_page(&cx, None, "", req.query("next").unwrap_or("/"), b),
    ))
}

pub async fn login(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let (username, password) = (
        f.get("username").trim().to_string(),
        f.get("password").to_string(),
    );
    let next = safe_next(f.get("next")).to_string();
    let now = cx.now;
    let refuse = |cx: &Ctx, status, msg: String, b| {
        http::html(status, login_page(cx, Some(msg), &username, &next, b))
    };

    if let Err(minutes) = cx.app.limiter.begin(&username, &cx.ip, now) {
        let b = current_banner(&cx).await?;
        return Ok(refuse(
            &cx,
            StatusCode::TOO_MANY_REQUESTS,
            cx.f(Msg::LockedOut, &[&minutes]),
            b,
        ));
    }
    let name = username.clone();
    let admin = cx
        .app
        .store
        .read_async(move |r| admins::find_by_username(r, &name))
        .await?;
    let hash = admin
        .as_ref()
        .map_or_else(|| secret::DUMMY_HASH.clone(), |a| a.password_hash.clone());
    let ok = secret::verify_password_async(password, hash).await && admin.is_some();
    let Some(admin) = admin.filter(|_| ok) else {
        tracing::warn!(username = %username, ip = %cx.ip, "failed login");
        let b = current_banner(&cx).await?;
        return Ok(refuse(
            &cx,
            StatusCode::UNAUTHORIZED,
            cx.t(Msg::BadCredentials).into(),
            b,
        ));
    };
    if !admin.active {
        let b = current_banner(&cx).await?;
        return Ok(refuse(
            &cx,
            StatusCode::FORBIDDEN,
            cx.t(Msg::AccountDisabled).into(),
            b,
        ));
    }
    cx.app.limiter.succeeded(&username, &cx.ip, now);
    let (ip, ua) = (cx.ip.clone(), req.header("user-agent").to_string());
    let token = cx
        .app
        .store
        .write_async(move |w| {
            let (token, _) = sessions::start(w, now, admin.id, &ip, &ua)?;
            let mut a = admin.clone();
            a.last_login_at = Some(now);
            w.put(a.id, &a)?;
            let actor = Actor {
                admin_id: Some(a.id),
                username: a.username.clone(),
                via: crate::audit::Via::Web,
                ip: Some(ip),
            };
            audit::record(w, now, &actor, "login", "admin", a.id, String::new())?;
            Ok::<_, Error>(token)
        })
        .await?;
    Ok(logged_in(&req, &token, &next))
}

fn logged_in(req: &Req, token: &str, next: &str) -> http::Resp {
    let mut r = http::redirect(next);
    let age = sessions::ABSOLUTE.as_secs();
    http::add_cookie(
        &mut r,
        &http::cookie(SESSION_COOKIE, token, Some(age), true, req.secure),
    );
    r
}

pub async fn logout(cx: Arc<Ctx>, req: Req) -> Out {
    if let Some(key) = cx.user.as_ref().and_then(|u| u.session_key.clone()) {
        cx.app
            .store
            .write_async(move |w| sessions::end(w, &key))
            .await?;
    }
    let mut r = http::redirect("/login");
    http::add_cookie(
        &mut r,
        &http::cookie(SESSION_COOKIE, "", Some(0), true, req.secure),
    );
    Ok(r)
}
