//! The signed-in admin's own account: language, password, sessions and API tokens.

use crate::access::secret;
use crate::access::sessions::{self, ApiToken, Session};
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::store::StoreError;
use crate::validate::Problems;
use crate::web::ctx::{Ctx, User};
use crate::web::dispatch::LANG_COOKIE;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, input, page};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn user(cx: &Ctx) -> Result<&User, WebError> {
    cx.user.as_ref().ok_or(WebError::Forbidden)
}

async fn render(
    cx: &Ctx,
    pw_problems: &Problems,
    new_token: Option<String>,
    notice: Option<&str>,
) -> Out {
    let u = user(cx)?;
    let (id, now) = (u.admin.id, cx.now);
    let (list, tokens) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, StoreError>((sessions::of_admin(r, id, now)?, sessions::tokens_of(r, id)?))
        })
        .await?;
    let status = if pw_problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        (layout::notice(cx, notice))
        p { strong { (u.admin.full_name) } " (" (u.admin.username) ")" }
        section {
            h2 { (cx.t(Msg::PreferredLanguage)) }
            form.toolbar method="post" action="/account/language" {
                (csrf(cx))
                select name="lang" aria-label=(cx.t(Msg::Language)) {
                    @for l in Lang::ALL { option value=(l.code()) selected[u.admin.lang == Some(l)] { (l.native_name()) } }
                }
                button type="submit" { (cx.t(Msg::Save)) }
            }
        }
        section {
            h2 { (cx.t(Msg::ChangePassword)) }
            (layout::problems_summary(cx, pw_problems))
            form method="post" action="/account/password" {
                (csrf(cx))
                (input(cx, pw_problems, "current", Msg::CurrentPassword, "password", "", true))
                (input(cx, pw_problems, "password", Msg::NewPassword, "password", "", true))
                (input(cx, pw_problems, "password2", Msg::PasswordConfirm, "password", "", true))
                (layout::checkbox(cx, "revoke_tokens", Msg::RevokeTokensToo, true))
                button type="submit" { (cx.t(Msg::ChangePassword)) }
            }
        }
        section {
            h2 { (cx.t(Msg::Sessions)) }
            (sessions_table(cx, u, &list))
        }
        section {
            h2 { (cx.t(Msg::ApiTokens)) }
            p.muted { (cx.t(Msg::ApiTokensHelp)) }
            @if let Some(t) = new_token { p { (cx.t(Msg::TokenCreated)) } p.token id="new-token" { (t) } }
            (tokens_table(cx, &tokens))
            form.toolbar method="post" action="/account/tokens" {
                (csrf(cx))
                label.field { span { (cx.t(Msg::TokenName)) } input type="text" name="name" maxlength="60" required; }
                button type="submit" { (cx.t(Msg::CreateToken)) }
            }
        }
    };
    Ok(http::html(status, page(cx, cx.t(Msg::MyAccount), body)))
}

fn sessions_table(cx: &Ctx, u: &User, list: &[(String, Session)]) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th { (cx.t(Msg::SessionStarted)) } th { (cx.t(Msg::SessionLastSeen)) }
                th { (cx.t(Msg::Address)) } th { (cx.t(Msg::Browser)) } th {}
            } }
            tbody {
                @for (key, s) in list {
                    tr {
                        td { (cx.datetime(s.created_at)) }
                        td { (cx.datetime(s.last_seen)) }
                        td { (s.ip) }
                        td { (s.user_agent) }
                        td {
                            @if u.session_key.as_deref() == Some(key.as_str()) { span.badge.good { (cx.t(Msg::ThisSession)) } }
                            @else {
                                form.inline method="post" action={ "/account/sessions/" (sessions::public_id(key)) "/revoke" } {
                                    (csrf(cx)) button.secondary type="submit" { (cx.t(Msg::Revoke)) }
                                }
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn tokens_table(cx: &Ctx, tokens: &[(String, ApiToken)]) -> Markup {
    html! {
        @if tokens.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::TokenName)) } th { (cx.t(Msg::CreatedDate)) } th { (cx.t(Msg::LastUsed)) } th {} } }
                tbody {
                    @for (key, t) in tokens {
                        tr {
                            td { (t.name) }
                            td { (cx.datetime(t.created_at)) }
                            td { @match t.last_used_at { Some(at) => (cx.datetime(at)), None => (cx.t(Msg::Never)) } }
                            td { form.inline method="post" action={ "/account/tokens/" (sessions::public_id(key)) "/revoke" } {
                                (csrf(cx)) button.secondary type="submit" { (cx.t(Msg::Revoke)) }
                            } }
                        }
                    }
                }
            } }
        }
    }
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    render(&cx, &Problems::default(), None, req.query("notice")).await
}

pub async fn change_password(cx: Arc<Ctx>, req: Req) -> Out {
    let u = user(&cx)?;
    let f = &req.form;
    let mut p = Problems::default();
    p.password("password", f.get("password"));
    if f.get("password") != f.get("password2") {
        p.add("password2", Msg::PasswordsDiffer);
    }
    // The current-password check is a password guess like a login's: throttled the same way.
    let username = u.admin.username.clone();
    match cx.app.limiter.begin(&username, cx.peer, cx.now) {
        Err(minutes) => {
            p.add_arg("current", Msg::LockedOut, minutes);
        }
        Ok(delay) => {
            tokio::time::sleep(delay).await;
            let current = f.get("current").to_string();
            if secret::verify_password_async(current, u.admin.password_hash.clone()).await {
                cx.app.limiter.succeeded(&username, cx.peer, cx.now);
            } else {
                p.add("current", Msg::WrongCurrentPassword);
            }
        }
    }
    if !p.is_empty() {
        return render(&cx, &p, None, None).await;
    }
    let hash = secret::hash_password_async(f.get("password").into())
        .await
        .map_err(WebError::Internal)?;
    let (id, keep, revoke) = (
        u.admin.id,
        u.session_key.clone(),
        f.checked("revoke_tokens"),
    );
    crate::ops::access::set_password(&cx.app, &cx.by(), id, hash, keep, revoke).await?;
    Ok(http::redirect("/account?notice=password"))
}

pub async fn set_language(cx: Arc<Ctx>, req: Req) -> Out {
    let u = user(&cx)?;
    let lang = Lang::parse(req.form.get("lang"))
        .ok_or_else(|| WebError::BadRequest("unknown language".into()))?;
    crate::ops::access::set_language(&cx.app, &cx.by(), u.admin.id, lang).await?;
    let mut r = http::redirect("/account?notice=saved");
    http::add_cookie(
        &mut r,
        &http::cookie(
            LANG_COOKIE,
            lang.code(),
            Some(365 * 86400),
            false,
            req.secure,
        ),
    );
    Ok(r)
}

pub async fn revoke_session(cx: Arc<Ctx>, req: Req) -> Out {
    let u = user(&cx)?;
    crate::ops::access::end_session(&cx.app, &cx.by(), u.admin.id, req.param(0).to_string())
        .await?;
    Ok(http::redirect("/account?notice=revoked"))
}

pub async fn create_token(cx: Arc<Ctx>, req: Req) -> Out {
    let u = user(&cx)?;
    let mut p = Problems::default();
    let name = p.text("name", req.form.get("name"), 60, true, false);
    if !p.is_empty() {
        return Err(WebError::Invalid(p));
    }
    let token = crate::ops::access::issue_token(&cx.app, &cx.by(), u.admin.id, name).await?;
    render(&cx, &Problems::default(), Some(token), None).await
}

pub async fn revoke_token(cx: Arc<Ctx>, req: Req) -> Out {
    let u = user(&cx)?;
    crate::ops::access::revoke_token(&cx.app, &cx.by(), u.admin.id, req.param(0).to_string())
        .await
        .map_err(|e: Error| WebError::from(e))?;
    Ok(http::redirect("/account?notice=revoked"))
}
