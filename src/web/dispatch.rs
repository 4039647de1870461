//! The dispatcher: turns a request into a response. It resolves the caller (session cookie,
//! bearer token or portal session) and their language, enforces the route's guard and the CSRF
//! rules, runs the handler and maps its error (`web::error`).

use super::ctx::{App, Ctx, PortalUser, User};
use super::error::{WebError, respond};
use super::http::{self, Form, Req, Resp};
use super::router::{Guard, Route};
use super::server::Side;
use super::{api, pages};
use crate::access::{admins, secret, sessions};
use crate::audit::Via;
use crate::i18n::{Lang, Msg};
use crate::settings;
use crate::store::{Reader, StoreError};
use hyper::{Method, StatusCode};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "steppe_session";
pub const CSRF_COOKIE: &str = "steppe_csrf";
/// Under TLS the browser lets only this host set a cookie of this name (no subdomain, no
/// plain-HTTP page can plant one).
pub const CSRF_COOKIE_TLS: &str = "__Host-steppe_csrf";

fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure { CSRF_COOKIE_TLS } else { CSRF_COOKIE }
}

/// A state-changing request a browser sent from another site (Go's cross-origin protection
/// rule): `Sec-Fetch-Site` says so, or, from browsers without it, an `Origin` that is not
/// this host. Requests with neither (API clients, old browsers) pass to the token check.
fn cross_site(req: &Req) -> bool {
    match req.header("sec-fetch-site") {
        "" => {}
        "same-origin" | "none" => return false,
        _ => return true,
    }
    let origin = req.header("origin");
    if origin.is_empty() {
        return false;
    }
    let authority = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    !authority.eq_ignore_ascii_case(req.header("host"))
}
pub const LANG_COOKIE: &str = "steppe_lang";
pub const PORTAL_COOKIE: &str = "steppe_portal";

/// Portal pages answer to the portal session, never the admin one.
fn is_portal_path(path: &str) -> bool {
    let under = |p: &str| path == p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/'));
    // `/pay` is where a customer whose service ended lands (the walled garden and the PPPoE
    // redirect send them there); `/qpay/callback` is QPay's, reachable from the internet.
    under("/portal") || under("/pay") || path == "/qpay/callback"
}

/// What each listener serves: the portal listener the portal and what its pages load, the
/// admin listener everything else.
fn served_on(side: Side, path: &str) -> bool {
    match side {
        Side::Admin => !is_portal_path(path),
        Side::Portal => {
            is_portal_path(path)
                || path.starts_with("/assets/")
                || path.starts_with("/banner-image/")
                || matches!(path, "/logo" | "/healthz")
        }
    }
}

/// Turns a request into a response: resolve the caller, enforce the route's guard and CSRF,
/// run the handler, and map its error.
pub async fn dispatch(app: Arc<App>, routes: &[Route], mut req: Req) -> Resp {
    let now = app.clock.now();
    let path = req.path.clone();
    let is_api = path.starts_with("/api/");
    let is_portal = is_portal_path(&path);

    // HEAD is answered as GET without a body by hyper.
    let method = if req.method == Method::HEAD {
        Method::GET
    } else {
        req.method.clone()
    };
    if !served_on(req.side, &path) {
        return match req.side {
            Side::Portal if path == "/" => http::redirect("/portal"),
            _ => http::text(StatusCode::NOT_FOUND, "not found"),
        };
    }
    // The methods this path answers to, for a 405's `Allow`.
    let mut allowed: Vec<&Method> = Vec::new();
    let mut found = None;
    for r in routes {
        if let Some(params) = r.matches(&path) {
            allowed.push(&r.method);
            if r.method == method {
                found = Some((r, params));
                break;
            }
        }
    }

    let loaded = app
        .store
        .read_async({
            // A bearer token opens the JSON API only: it cannot reach the account page, where
            // tokens are made and the password is changed.
            let bearer_token = bearer(&req).filter(|_| is_api);
            let is_bearer = bearer_token.is_some();
            let token = bearer_token.or_else(|| req.cookie(SESSION_COOKIE));
            let portal_token = req.cookie(PORTAL_COOKIE).filter(|_| is_portal);
            move |r| {
                let settings = settings::load(r)?;
                let any_admin = admins::any_exists(r)?;
                let mut user = None;
                let customer = match portal_token {
                    Some(t) => crate::portal::lookup(r, &t, now)?,
                    None => None,
                };
                if let Some(token) = token.filter(|_| !is_portal) {
                    let (admin_id, key, csrf) = if is_bearer {
                        match sessions::lookup_token(r, &token)? {
                            // The key is kept only when the token's use is due to be written.
                            Some((key, t)) => (
                                Some(t.admin_id),
                                Some(key).filter(|_| sessions::token_needs_touch(&t, now)),
                                None,
                            ),
                            None => (None, None, None),
                        }
                    } else {
                        match sessions::lookup(r, &token, now)? {
                            Some((key, s)) => (Some(s.admin_id), Some(key), Some(s)),
                            None => (None, None, None),
                        }
                    };
                    if let Some(admin) = admin_id
                        .map(|id| r.get::<crate::access::Admin>(id))
                        .transpose()?
                        .flatten()
                        && admin.active
                    {
                        let perms = admins::permissions(r, &admin)?;
                        user = Some((admin, perms, key, csrf));
                    }
                }
                Ok::<_, StoreError>((settings, any_admin, user, customer))
            }
        })
        .await;
    let (settings, any_admin, user, customer) = match loaded {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "loading request context");
            return http::text(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };

    // Language: ?lang= (remembered), then the cookie, then the admin's choice, then the default.
    let mut set_cookies = Vec::new();
    let query_lang = req.query("lang").and_then(Lang::parse);
    if let Some(l) = query_lang {
        set_cookies.push(http::cookie(
            LANG_COOKIE,
            l.code(),
            Some(365 * 86400),
            false,
            req.secure,
        ));
    }
    let lang = query_lang
        .or_else(|| req.cookie(LANG_COOKIE).as_deref().and_then(Lang::parse))
        .or_else(|| user.as_ref().and_then(|u| u.0.lang))
        .or_else(|| customer.as_ref().and_then(|c| c.2.lang))
        .unwrap_or(settings.default_lang);

    let via = if is_api && bearer(&req).is_some() {
        Via::Api
    } else {
        Via::Web
    };
    let (user, session) = match user {
        Some((admin, perms, key, session)) => {
            let session_key = if via == Via::Web { key.clone() } else { None };
            if let (Some(k), Some(s)) = (&key, &session) {
                if sessions::needs_touch(s, now) {
                    let k = k.clone();
                    let _ = app
                        .store
                        .write_async(move |w| sessions::touch(w, &k, now))
                        .await;
                }
            } else if let Some(k) = key.filter(|_| via == Via::Api) {
                let _ = app
                    .store
                    .write_async(move |w| sessions::touch_token(w, &k, now))
                    .await;
            }
            (
                Some(User {
                    admin,
                    perms,
                    session_key,
                }),
                session,
            )
        }
        None => (None, None),
    };

    let customer = match customer {
        Some((key, s, c)) => {
            if crate::portal::needs_touch(&s, now) {
                let k = key.clone();
                let _ = app
                    .store
                    .write_async(move |w| crate::portal::touch(w, &k, now))
                    .await;
            }
            Some(PortalUser {
                customer: c,
                session_key: key,
                csrf: s.csrf,
            })
        }
        None => None,
    };

    // Anonymous forms use a double-submit cookie; signed-in forms use the session's token.
    // Anonymous forms (setup, login, portal login) are tied to a random cookie by a token
    // signed with this process's key: the cookie alone does not give the token. The cookie is
    // set only by those pages, never on health checks, assets or other cacheable answers.
    let anonymous_form = found
        .as_ref()
        .is_some_and(|(r, _)| r.guard == Guard::Anonymous);
    let cookie_name = csrf_cookie_name(req.secure);
    let csrf = match (&session, &customer) {
        (_, Some(c)) => c.csrf.clone(),
        (Some(s), None) => s.csrf.clone(),
        (None, None) => match req.cookie(cookie_name).filter(|c| c.len() == 64) {
            Some(nonce) => app.csrf_token(&nonce),
            None if anonymous_form => {
                let nonce = secret::new_token("");
                set_cookies.push(http::cookie(cookie_name, &nonce, None, true, req.secure));
                app.csrf_token(&nonce)
            }
            // No form on this answer can be submitted: nothing matches this.
            None => String::new(),
        },
    };

    let here = match req.query.iter().any(|(k, _)| k != "lang") {
        true => {
            let q: Vec<_> = req.query.iter().filter(|(k, _)| k != "lang").collect();
            format!(
                "{}?{}",
                req.path,
                serde_urlencoded::to_string(q).unwrap_or_default()
            )
        }
        false => req.path.clone(),
    };
    let tz = settings.zone(&app.env_tz);
    let cx = Ctx {
        app: app.clone(),
        lang,
        tz,
        now,
        user,
        customer,
        csrf,
        via,
        ip: req.ip(),
        peer: req.peer.ip(),
        lang_links: [
            (Lang::En, req.path_with_lang("en")),
            (Lang::Mn, req.path_with_lang("mn")),
        ],
        here,
        settings,
    };

    let allow = allow_header(&allowed);
    let mut resp = run(cx, &mut req, found, allow, any_admin, is_api).await;
    for c in set_cookies {
        http::add_cookie(&mut resp, &c);
    }
    resp
}

async fn run(
    cx: Ctx,
    req: &mut Req,
    found: Option<(&Route, Vec<String>)>,
    allow: Option<String>,
    any_admin: bool,
    is_api: bool,
) -> Resp {
    let Some((route, params)) = found else {
        return if let Some(allow) = allow {
            let mut r = respond(&cx, is_api, WebError::MethodNotAllowed);
            if let Ok(v) = hyper::header::HeaderValue::from_str(&allow) {
                r.headers_mut().insert(hyper::header::ALLOW, v);
            }
            r
        } else {
            respond(&cx, is_api, WebError::NotFound)
        };
    };
    req.params = params;

    // Before the first admin exists, every page leads to setup.
    // (The portal has no setup to lead to: its listener does not serve `/setup`.)
    if !any_admin
        && route.guard != Guard::Public
        && route.pattern != "/setup"
        && !is_portal_path(route.pattern)
    {
        return if is_api {
            api::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "setup_required",
                "create the first admin at /setup",
            )
        } else {
            http::redirect("/setup")
        };
    }

    match route.guard {
        Guard::Public | Guard::Anonymous => {}
        Guard::Portal => {
            if cx.customer.is_none() {
                let next =
                    serde_urlencoded::to_string([("next", cx.here.as_str())]).unwrap_or_default();
                return http::redirect(&format!("/portal/login?{next}"));
            }
        }
        Guard::LoggedIn | Guard::Menu(..) | Guard::All(..) if cx.user.is_none() => {
            return if is_api {
                api::error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "a valid API token or session is required",
                )
            } else {
                let next =
                    serde_urlencoded::to_string([("next", cx.here.as_str())]).unwrap_or_default();
                http::redirect(&format!("/login?{next}"))
            };
        }
        Guard::LoggedIn => {}
        Guard::Menu(menu, level) => {
            if !cx.can(menu, level) {
                return respond(&cx, is_api, WebError::Forbidden);
            }
        }
        Guard::All(needs) => {
            if !needs.iter().all(|(m, l)| cx.can(*m, *l)) {
                return respond(&cx, is_api, WebError::Forbidden);
            }
        }
    }

    let changes_state = !matches!(req.method, Method::GET | Method::HEAD);
    if changes_state && cx.via == Via::Web && cross_site(req) {
        tracing::warn!(path = %req.path, ip = %cx.ip, "cross-site request refused");
        return if is_api {
            api::error(StatusCode::FORBIDDEN, "csrf", "cross-site request refused")
        } else {
            pages::misc::message_page(&cx, StatusCode::FORBIDDEN, cx.t(Msg::CsrfFailed))
        };
    }
    if changes_state {
        if is_api {
            // Bearer requests carry no ambient credentials; a cookie-authenticated API call must
            // prove it came from our pages.
            if cx.via == Via::Web
                && (cx.csrf.is_empty()
                    || !secret::constant_time_eq(req.header("x-csrf-token"), &cx.csrf))
            {
                return api::error(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "missing or wrong X-CSRF-Token",
                );
            }
        } else {
            req.form = match Form::parse(&req.headers, &req.body) {
                Ok(f) => f,
                Err(e) => {
                    return respond(&cx, false, WebError::BadRequest(e));
                }
            };
            if cx.csrf.is_empty() || !secret::constant_time_eq(req.form.get("_csrf"), &cx.csrf) {
                tracing::warn!(path = %req.path, ip = %cx.ip, "form rejected: CSRF token missing or wrong");
                return pages::misc::message_page(
                    &cx,
                    StatusCode::FORBIDDEN,
                    cx.t(Msg::CsrfFailed),
                );
            }
        }
    }

    let taken = std::mem::replace(req, empty_req(req));
    let cx = Arc::new(cx);
    match (route.handler)(cx.clone(), taken).await {
        Ok(r) => r,
        Err(e) => respond(&cx, is_api, e),
    }
}

/// `Allow` for a path known under other methods (HEAD goes with GET); `None` for an unknown path.
fn allow_header(methods: &[&Method]) -> Option<String> {
    if methods.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    for m in methods {
        names.push(m.as_str());
        if **m == Method::GET {
            names.push("HEAD");
        }
    }
    Some(names.join(", "))
}

fn empty_req(r: &Req) -> Req {
    Req {
        method: r.method.clone(),
        path: String::new(),
        query: Vec::new(),
        headers: Default::default(),
        body: Default::default(),
        peer: r.peer,
        secure: r.secure,
        side: r.side,
        params: Vec::new(),
        form: Form::default(),
    }
}

fn bearer(req: &Req) -> Option<String> {
    req.header("authorization")
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
}
