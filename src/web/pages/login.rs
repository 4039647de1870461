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
use crate::web::dispatch::SESSION_COOKIE;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req, safe_next};
use crate::web::layout::{self, bare_page, csrf, input};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

/// Setup attempts are throttled per network under a name no account can have.
const SETUP_KEY: &str = "(setup)";

fn setup_page(cx: &Ctx, p: &Problems, username: &str, full_name: &str) -> Markup {
    bare_page(
        cx,
        cx.t(Msg::SetupTitle),
        html! {
            p { (cx.t(Msg::SetupIntro)) }
            (layout::problems_summary(cx, p))
            form method="post" action="/setup" {
                (csrf(cx))
                (input(cx, p, "setup_code", Msg::SetupCode, "text", "", true))
                p.muted { (cx.t(Msg::SetupCodeHint)) }
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
    // Before any hashing: after setup this form is a dead end, not free argon2 for anyone.
    if cx.app.store.read_async(admins::any_exists).await? {
        return Ok(http::redirect("/login"));
    }
    let f = &req.form;
    if let Err(minutes) = cx.app.limiter.begin(SETUP_KEY, cx.peer, cx.now) {
        return Ok(http::html(
            StatusCode::TOO_MANY_REQUESTS,
            bare_page(
                &cx,
                cx.t(Msg::SetupTitle),
                html! {
                    p.error role="alert" { (cx.f(Msg::LockedOut, &[&minutes])) }
                },
            ),
        ));
    }
    let mut p = Problems::default();
    let expected = cx
        .app
        .setup_code
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let typed = crate::access::first_run::normalize(f.get("setup_code"));
    let code_ok = expected.is_some_and(|c| {
        secret::constant_time_eq(&typed, &crate::access::first_run::normalize(&c))
    });
    if !code_ok {
        p.add("setup_code", Msg::SetupCodeWrong);
        return Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            setup_page(&cx, &p, f.get("username"), f.get("full_name")),
        ));
    }
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
        cx.app
            .unauthenticated_hashes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
        Ok(Some(token)) => {
            cx.app.limiter.succeeded(SETUP_KEY, cx.peer, now);
            *cx.app.setup_code.lock().unwrap_or_else(|e| e.into_inner()) = None;
            crate::access::first_run::clear(&cx.app.data_dir);
            Ok(logged_in(&req, &token, "/"))
        }
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

    let delay = match cx.app.limiter.begin(&username, cx.peer, now) {
        Ok(d) => d,
        Err(minutes) => {
            let b = current_banner(&cx).await?;
            return Ok(refuse(
                &cx,
                StatusCode::TOO_MANY_REQUESTS,
                cx.f(Msg::LockedOut, &[&minutes]),
                b,
            ));
        }
    };
    // A username under attack from many addresses: held back, never refused.
    tokio::time::sleep(delay).await;
    let name = username.clone();
    let admin = cx
        .app
        .store
        .read_async(move |r| admins::find_by_username(r, &name))
        .await?;
    let hash = admin
        .as_ref()
        .map_or_else(|| secret::DUMMY_HASH.clone(), |a| a.password_hash.clone());
    cx.app
        .unauthenticated_hashes
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ok = secret::verify_password_async(password, hash).await && admin.is_some();
    let Some(admin) = admin.clone().filter(|_| ok) else {
        record_failed_login(&cx, admin.as_ref()).await?;
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
    cx.app.limiter.succeeded(&username, cx.peer, now);
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

/// A failed login goes to the audit log, naming the account only if there is one: what was
/// typed into the username box may be a password, and may be of any size. The log line says
/// no more. The limiter bounds how many of these one network can cause.
async fn record_failed_login(
    cx: &Ctx,
    admin: Option<&crate::access::Admin>,
) -> Result<(), WebError> {
    let (id, username) = match admin {
        Some(a) => (a.id.to_string(), a.username.clone()),
        None => (String::new(), String::new()),
    };
    tracing::warn!(account = %username, known = admin.is_some(), ip = %cx.ip, "failed login");
    let (now, ip) = (cx.now, cx.ip.clone());
    cx.app
        .store
        .write_async(move |w| {
            let actor = Actor {
                admin_id: None,
                username: if username.is_empty() {
                    "(unknown username)".into()
                } else {
                    username
                },
                via: crate::audit::Via::Web,
                ip: Some(ip),
            };
            audit::record(w, now, &actor, "login_failed", "admin", id, String::new())
        })
        .await?;
    Ok(())
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
