//! The route table and the dispatcher.
//!
//! Invariant: every route declares its guard here, in one table, and the dispatcher enforces it
//! (login, menu permission, CSRF) before the handler runs. A handler cannot forget its check,
//! and the authorization test walks this same table.

use super::ctx::{App, Ctx, PortalUser, User};
use super::http::{self, Form, Req, Resp};
use super::server::Side;
use super::{api, pages};
use crate::access::{Level, Menu, admins, secret, sessions};
use crate::audit::Via;
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::settings;
use crate::store::Reader;
use crate::store::StoreError;
use crate::validate::Problems;
use hyper::{Method, StatusCode};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Anyone, even before setup (health, assets, the login banner image).
    Public,
    /// Setup and login pages: no session needed.
    Anonymous,
    /// Any signed-in admin (own account, logout).
    LoggedIn,
    /// A signed-in admin with at least this level in this menu.
    Menu(Menu, Level),
    /// A signed-in admin with all of these (an action that writes into several menus' records).
    All(&'static [(Menu, Level)]),
    /// A customer signed in to the portal (admin sessions do not count).
    Portal,
}

/// Why a handler did not produce its normal response.
#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden,
    BadRequest(String),
    /// The path exists, but not for this method (405, with `Allow`).
    MethodNotAllowed,
    Invalid(Problems),
    /// Query parameters of an API request that are unknown or do not parse (422, each named).
    BadQuery(Vec<BadParam>),
    Conflict(Msg),
    /// Too many of a bounded kind of work (downloads) at once: try again shortly (503).
    Busy,
    /// The data disk is full (507) or read-only (503): nothing was saved.
    Storage(StoreError),
    Internal(String),
}

/// One query parameter refused, with why in words the caller's language can render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParam {
    pub name: String,
    pub msg: Msg,
    pub args: Vec<String>,
}

impl BadParam {
    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<&dyn std::fmt::Display> = self
            .args
            .iter()
            .map(|a| a as &dyn std::fmt::Display)
            .collect();
        lang.f(self.msg, &args)
    }
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(p) | Error::TooMany(p) => WebError::Invalid(p),
            Error::NotFound => WebError::NotFound,
            Error::Conflict(m) => WebError::Conflict(m),
            Error::Store(e) => e.into(),
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Full | StoreError::ReadOnly | StoreError::Disk(_) => WebError::Storage(e),
            e => WebError::Internal(e.to_string()),
        }
    }
}

pub type Out = Result<Resp, WebError>;
pub type Handler = fn(Arc<Ctx>, Req) -> Pin<Box<dyn Future<Output = Out> + Send>>;

pub struct Route {
    pub method: Method,
    pub pattern: &'static str,
    pub guard: Guard,
    pub handler: Handler,
}

impl Route {
    pub fn is_api(&self) -> bool {
        self.pattern.starts_with("/api/")
    }

    /// Path parameters if `path` matches this route's pattern.
    fn matches(&self, path: &str) -> Option<Vec<String>> {
        let mut params = Vec::new();
        let mut pat = self.pattern.split('/');
        let mut segs = path.split('/');
        loop {
            match (pat.next(), segs.next()) {
                (None, None) => return Some(params),
                (Some(p), Some(s)) if p.starts_with('{') => {
                    if s.is_empty() {
                        return None;
                    }
                    params.push(s.to_string());
                }
                (Some(p), Some(s)) if p == s => {}
                _ => return None,
            }
        }
    }
}

macro_rules! routes {
    ($($method:ident $pattern:literal $guard:expr => $handler:path;)*) => {
        vec![$(Route {
            method: Method::$method,
            pattern: $pattern,
            guard: $guard,
            handler: |cx, req| Box::pin($handler(cx, req)),
        }),*]
    };
}

/// Every route of the web UI and the JSON API.
pub fn table() -> Vec<Route> {
    use Guard::{Anonymous, LoggedIn, Public};
    use Level::{Edit, View};
    const fn m(menu: Menu, level: Level) -> Guard {
        Guard::Menu(menu, level)
    }
    routes! {
        GET "/healthz" Public => pages::misc::healthz;
        GET "/assets/{file}" Public => pages::misc::asset;
        GET "/logo" Public => pages::misc::logo;
        GET "/banner-image/{id}" Public => pages::banners::image;

        GET "/setup" Anonymous => pages::login::setup_form;
        POST "/setup" Anonymous => pages::login::setup;
        GET "/login" Anonymous => pages::login::login_form;
        POST "/login" Anonymous => pages::login::login;
        POST "/logout" LoggedIn => pages::login::logout;

        GET "/portal/login" Anonymous => pages::portal::login_form;
        POST "/portal/login" Anonymous => pages::portal::login;
        POST "/portal/logout" Guard::Portal => pages::portal::logout;
        GET "/portal" Guard::Portal => pages::portal::home;
        POST "/portal/feedback" Guard::Portal => pages::portal::submit_feedback;
        GET "/portal/feedback/{id}" Guard::Portal => pages::portal::feedback_thread;
        POST "/portal/feedback/{id}" Guard::Portal => pages::portal::follow_up;

        GET "/" LoggedIn => pages::home::home;
        GET "/account" LoggedIn => pages::account::show;
        POST "/account/password" LoggedIn => pages::account::change_password;
        POST "/account/language" LoggedIn => pages::account::set_language;
        POST "/account/sessions/{id}/revoke" LoggedIn => pages::account::revoke_session;
        POST "/account/tokens" LoggedIn => pages::account::create_token;
        POST "/account/tokens/{id}/revoke" LoggedIn => pages::account::revoke_token;

        GET "/admins" m(Menu::Admins, View) => pages::admins::list;
        GET "/admins/new" m(Menu::Admins, Edit) => pages::admins::new_form;
        POST "/admins" m(Menu::Admins, Edit) => pages::admins::create;
        GET "/admins/{id}" m(Menu::Admins, View) => pages::admins::edit_form;
        POST "/admins/{id}" m(Menu::Admins, Edit) => pages::admins::update;
        POST "/admins/{id}/password" m(Menu::Admins, Edit) => pages::admins::reset_password;
        POST "/admins/{id}/unlock" m(Menu::Admins, Edit) => pages::admins::unlock;

        GET "/roles" m(Menu::Admins, View) => pages::roles::list;
        GET "/roles/new" m(Menu::Admins, Edit) => pages::roles::new_form;
        POST "/roles" m(Menu::Admins, Edit) => pages::roles::create;
        GET "/roles/{id}" m(Menu::Admins, View) => pages::roles::edit_form;
        POST "/roles/{id}" m(Menu::Admins, Edit) => pages::roles::update;
        POST "/roles/{id}/delete" m(Menu::Admins, Edit) => pages::roles::delete;

        GET "/banners" m(Menu::Banners, View) => pages::banners::list;
        GET "/banners/new" m(Menu::Banners, Edit) => pages::banners::new_form;
        POST "/banners" m(Menu::Banners, Edit) => pages::banners::create;
        GET "/banners/{id}" m(Menu::Banners, View) => pages::banners::edit_form;
        POST "/banners/{id}" m(Menu::Banners, Edit) => pages::banners::update;
        POST "/banners/{id}/delete" m(Menu::Banners, Edit) => pages::banners::delete;

        GET "/settings" m(Menu::Settings, View) => pages::settings::show;
        POST "/settings" m(Menu::Settings, Edit) => pages::settings::save;
        POST "/settings/backup" Guard::All(BACKUP) => pages::settings::backup;

        GET "/audit" m(Menu::Audit, View) => pages::audit::list;

        GET "/routers" m(Menu::Routers, View) => pages::routers::list;
        GET "/routers/export.csv" m(Menu::Routers, View) => pages::routers::export;
        POST "/routers/sync" m(Menu::Routers, Edit) => pages::routers::sync_all;
        GET "/routers/new" m(Menu::Routers, Edit) => pages::routers::new_form;
        POST "/routers" m(Menu::Routers, Edit) => pages::routers::create;
        GET "/routers/{id}" m(Menu::Routers, View) => pages::routers::show;
        GET "/routers/{id}/edit" m(Menu::Routers, Edit) => pages::routers::edit_form;
        POST "/routers/{id}" m(Menu::Routers, Edit) => pages::routers::update;
        POST "/routers/{id}/delete" m(Menu::Routers, Edit) => pages::routers::delete;
        POST "/routers/{id}/sync" m(Menu::Routers, Edit) => pages::routers::sync;
        POST "/routers/{id}/test" m(Menu::Routers, Edit) => pages::routers::test;
        GET "/routers/{id}/import" m(Menu::Routers, Edit) => pages::routers::import_form;
        POST "/routers/{id}/import" Guard::All(IMPORT) => pages::routers::import_commit;

        GET "/plans" m(Menu::Plans, View) => pages::plans::list;
        GET "/plans/new" m(Menu::Plans, Edit) => pages::plans::new_form;
        POST "/plans" m(Menu::Plans, Edit) => pages::plans::create;
        GET "/plans/{id}" m(Menu::Plans, View) => pages::plans::edit_form;
        POST "/plans/{id}" m(Menu::Plans, Edit) => pages::plans::update;
        POST "/plans/{id}/delete" m(Menu::Plans, Edit) => pages::plans::delete;

        GET "/customers" m(Menu::Customers, View) => pages::customers::list;
        GET "/customers/new" m(Menu::Customers, Edit) => pages::customers::new_form;
        POST "/customers" m(Menu::Customers, Edit) => pages::customers::create;
        GET "/customers/{id}" m(Menu::Customers, View) => pages::customers::show;
        GET "/customers/{id}/edit" m(Menu::Customers, Edit) => pages::customers::edit_form;
        POST "/customers/{id}" m(Menu::Customers, Edit) => pages::customers::update;
        POST "/customers/{id}/suspend" m(Menu::Customers, Edit) => pages::customers::suspend;
        POST "/customers/{id}/resume" m(Menu::Customers, Edit) => pages::customers::resume;
        POST "/customers/{id}/disable" m(Menu::Customers, Edit) => pages::customers::disable;
        POST "/customers/{id}/kick" m(Menu::Customers, Edit) => pages::customers::kick;
        POST "/customers/{id}/portal-unlock" m(Menu::Customers, Edit) => pages::customers::portal_unlock;
        POST "/customers/{id}/delete" m(Menu::Customers, Edit) => pages::customers::delete;
        POST "/customers/{id}/plan" m(Menu::Customers, Edit) => pages::customers::change_plan;

        GET "/payments" m(Menu::Payments, View) => pages::payments::list;
        POST "/payments" m(Menu::Payments, Edit) => pages::payments::create;
        GET "/payments/{id}" m(Menu::Payments, View) => pages::payments::receipt;
        POST "/payments/{id}/reverse" m(Menu::Payments, Edit) => pages::payments::reverse_form;
        GET "/bills" m(Menu::Payments, View) => pages::bills::list;
        POST "/bills" m(Menu::Payments, Edit) => pages::bills::create;
        GET "/bills/{id}" m(Menu::Payments, View) => pages::bills::show;
        POST "/bills/{id}/void" m(Menu::Payments, Edit) => pages::bills::void;
        GET "/extensions" m(Menu::Extensions, View) => pages::extensions::list;
        POST "/extensions" m(Menu::Extensions, Edit) => pages::extensions::create;
        GET "/extensions/bulk" m(Menu::Extensions, Edit) => pages::extensions::bulk_form;
        POST "/extensions/bulk" m(Menu::Extensions, Edit) => pages::extensions::bulk;
        GET "/messages" m(Menu::Messages, View) => pages::messages::list;
        GET "/messages/new" m(Menu::Messages, Edit) => pages::messages::new_form;
        POST "/messages" m(Menu::Messages, Edit) => pages::messages::send;
        POST "/messages/{id}/retry" m(Menu::Messages, Edit) => pages::messages::retry;
        GET "/feedback" m(Menu::Messages, View) => pages::feedback::inbox;
        GET "/feedback/{id}" m(Menu::Messages, View) => pages::feedback::show;
        POST "/feedback/{id}/reply" m(Menu::Messages, Edit) => pages::feedback::reply;
        POST "/feedback/{id}" m(Menu::Messages, Edit) => pages::feedback::update;
        GET "/settings/messages" m(Menu::Settings, View) => pages::message_settings::show;
        POST "/settings/messages" m(Menu::Settings, Edit) => pages::message_settings::save;
        GET "/bank-accounts" m(Menu::BankAccounts, View) => pages::bank_accounts::list;
        GET "/bank-accounts/new" m(Menu::BankAccounts, Edit) => pages::bank_accounts::new_form;
        POST "/bank-accounts" m(Menu::BankAccounts, Edit) => pages::bank_accounts::create;
        GET "/bank-accounts/{id}" m(Menu::BankAccounts, View) => pages::bank_accounts::edit_form;
        POST "/bank-accounts/{id}" m(Menu::BankAccounts, Edit) => pages::bank_accounts::update;

        GET "/api/v1/openapi.json" Public => api::openapi::document;
        POST "/api/v1/backup" Guard::All(BACKUP) => pages::settings::backup;
        GET "/api/v1/me" LoggedIn => api::admins::me;
        GET "/api/v1/admins" m(Menu::Admins, View) => api::admins::list;
        POST "/api/v1/admins" m(Menu::Admins, Edit) => api::admins::create;
        GET "/api/v1/admins/{id}" m(Menu::Admins, View) => api::admins::get;
        PATCH "/api/v1/admins/{id}" m(Menu::Admins, Edit) => api::admins::patch;
        GET "/api/v1/roles" m(Menu::Admins, View) => api::roles::list;
        POST "/api/v1/roles" m(Menu::Admins, Edit) => api::roles::create;
        GET "/api/v1/roles/{id}" m(Menu::Admins, View) => api::roles::get;
        PATCH "/api/v1/roles/{id}" m(Menu::Admins, Edit) => api::roles::patch;
        DELETE "/api/v1/roles/{id}" m(Menu::Admins, Edit) => api::roles::delete;
        GET "/api/v1/audit" m(Menu::Audit, View) => api::admins::audit;
        GET "/api/v1/dashboard" m(Menu::Dashboard, View) => api::dashboard::get;
        GET "/api/v1/routers" m(Menu::Routers, View) => api::routers::list;
        POST "/api/v1/routers" m(Menu::Routers, Edit) => api::routers::create;
        GET "/api/v1/routers/{id}" m(Menu::Routers, View) => api::routers::get;
        PATCH "/api/v1/routers/{id}" m(Menu::Routers, Edit) => api::routers::patch;
        DELETE "/api/v1/routers/{id}" m(Menu::Routers, Edit) => api::routers::delete;
        POST "/api/v1/routers/{id}/sync" m(Menu::Routers, Edit) => api::routers::sync;
        GET "/api/v1/plans" m(Menu::Plans, View) => api::plans::list;
        POST "/api/v1/plans" m(Menu::Plans, Edit) => api::plans::create;
        GET "/api/v1/plans/{id}" m(Menu::Plans, View) => api::plans::get;
        PATCH "/api/v1/plans/{id}" m(Menu::Plans, Edit) => api::plans::patch;
        DELETE "/api/v1/plans/{id}" m(Menu::Plans, Edit) => api::plans::delete;
        GET "/api/v1/customers" m(Menu::Customers, View) => api::customers::list;
        POST "/api/v1/customers" m(Menu::Customers, Edit) => api::customers::create;
        GET "/api/v1/customers/{id}" m(Menu::Customers, View) => api::customers::get;
        PATCH "/api/v1/customers/{id}" m(Menu::Customers, Edit) => api::customers::patch;
        DELETE "/api/v1/customers/{id}" m(Menu::Customers, Edit) => api::customers::delete;
        POST "/api/v1/customers/{id}/kick" m(Menu::Customers, Edit) => api::customers::kick;
        GET "/api/v1/payments" m(Menu::Payments, View) => api::money::list_payments;
        POST "/api/v1/payments" m(Menu::Payments, Edit) => api::money::create_payment;
        GET "/api/v1/payments/{id}" m(Menu::Payments, View) => api::money::get_payment;
        POST "/api/v1/payments/{id}/reverse" m(Menu::Payments, Edit) => api::money::reverse_payment;
        GET "/api/v1/extensions" m(Menu::Extensions, View) => api::money::list_extensions;
        POST "/api/v1/extensions" m(Menu::Extensions, Edit) => api::money::create_extension;
        GET "/api/v1/bills" m(Menu::Payments, View) => api::money::list_bills;
        POST "/api/v1/bills" m(Menu::Payments, Edit) => api::money::create_bill;
        GET "/api/v1/messages" m(Menu::Messages, View) => api::messages::list;
        POST "/api/v1/messages" m(Menu::Messages, Edit) => api::messages::send;
        GET "/api/v1/feedback" m(Menu::Messages, View) => api::feedback::list;
        POST "/api/v1/feedback/{id}/reply" m(Menu::Messages, Edit) => api::feedback::reply;
        GET "/api/v1/bank-accounts" m(Menu::BankAccounts, View) => api::money::list_bank_accounts;
        POST "/api/v1/bank-accounts" m(Menu::BankAccounts, Edit) => api::money::create_bank_account;

        GET "/reports" m(Menu::Reports, View) => pages::reports::index;
        GET "/reports/revenue" m(Menu::Reports, View) => pages::reports::revenue;
        GET "/reports/customers" m(Menu::Reports, View) => pages::reports::customers;
        GET "/reports/plans" m(Menu::Reports, View) => pages::reports::plans;
        GET "/api/v1/reports/revenue" m(Menu::Reports, View) => api::reports::revenue;
        GET "/api/v1/reports/customers" m(Menu::Reports, View) => api::reports::customers;
        GET "/api/v1/reports/plans" m(Menu::Reports, View) => api::reports::plans;
    }
}

/// Importing creates packages and customers from a router's entries.
const IMPORT: &[(Menu, Level)] = &[
    (Menu::Routers, Level::Edit),
    (Menu::Plans, Level::Edit),
    (Menu::Customers, Level::Edit),
];

/// A backup holds every admin's password hash and the key to the routers' passwords: only an
/// admin who may edit both settings and admins (a super admin, by the built-in roles) takes one.
/// It is a POST, so the dispatcher's CSRF check applies to the page's button.
pub const BACKUP: &[(Menu, Level)] = &[(Menu::Settings, Level::Edit), (Menu::Admins, Level::Edit)];

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
    path == "/portal" || path.starts_with("/portal/")
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
                            Some((key, t)) => (Some(t.admin_id), Some(key), None),
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
            let mut r = error_response(
                &cx,
                is_api,
                WebError::MethodNotAllowed,
                StatusCode::METHOD_NOT_ALLOWED,
            );
            if let Ok(v) = hyper::header::HeaderValue::from_str(&allow) {
                r.headers_mut().insert(hyper::header::ALLOW, v);
            }
            r
        } else {
            error_response(&cx, is_api, WebError::NotFound, StatusCode::NOT_FOUND)
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
                return error_response(&cx, is_api, WebError::Forbidden, StatusCode::FORBIDDEN);
            }
        }
        Guard::All(needs) => {
            if !needs.iter().all(|(m, l)| cx.can(*m, *l)) {
                return error_response(&cx, is_api, WebError::Forbidden, StatusCode::FORBIDDEN);
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
                    return error_response(
                        &cx,
                        false,
                        WebError::BadRequest(e),
                        StatusCode::BAD_REQUEST,
                    );
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
        Err(e) => {
            let status = match &e {
                WebError::NotFound => StatusCode::NOT_FOUND,
                WebError::Forbidden => StatusCode::FORBIDDEN,
                WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
                WebError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
                WebError::Invalid(_) | WebError::BadQuery(_) => StatusCode::UNPROCESSABLE_ENTITY,
                WebError::Conflict(_) => StatusCode::CONFLICT,
                WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
                WebError::Storage(StoreError::Full) => StatusCode::INSUFFICIENT_STORAGE,
                WebError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
                WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error_response(&cx, is_api, e, status)
        }
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

fn error_response(cx: &Ctx, is_api: bool, e: WebError, status: StatusCode) -> Resp {
    if let WebError::Internal(detail) = &e {
        tracing::error!(%detail, "request failed");
    }
    if let WebError::Storage(problem) = &e {
        tracing::error!(%problem, "a write was refused by the data disk");
    }
    if is_api {
        return match e {
            WebError::NotFound => api::error(status, "not_found", "no such resource"),
            WebError::Forbidden => {
                api::error(status, "forbidden", "your access level does not allow this")
            }
            WebError::BadRequest(m) => api::error(status, "bad_request", &m),
            WebError::MethodNotAllowed => api::error(
                status,
                "method_not_allowed",
                "this path does not take this method; see Allow",
            ),
            WebError::Invalid(p) => api::invalid(&p),
            WebError::BadQuery(bad) => api::bad_query(&bad, cx.lang),
            WebError::Conflict(m) => api::error(status, "conflict", m.en()),
            WebError::Busy => api::error(status, "busy", Msg::Busy.en()),
            WebError::Storage(StoreError::Full) => {
                api::error(status, "storage_full", Msg::DiskFull.en())
            }
            WebError::Storage(StoreError::ReadOnly) => {
                api::error(status, "storage_read_only", Msg::DiskReadOnly.en())
            }
            WebError::Storage(_) => api::error(status, "storage_error", Msg::DiskReadOnly.en()),
            WebError::Internal(_) => {
                api::error(status, "internal", "internal error; see the server log")
            }
        };
    }
    let text = match &e {
        WebError::NotFound => cx.t(Msg::NotFound).to_string(),
        WebError::Forbidden => cx.t(Msg::Forbidden).to_string(),
        WebError::BadRequest(_)
        | WebError::MethodNotAllowed
        | WebError::Invalid(_)
        | WebError::BadQuery(_) => cx.t(Msg::BadRequest).to_string(),
        WebError::Conflict(m) => cx.t(*m).to_string(),
        WebError::Busy => cx.t(Msg::Busy).to_string(),
        WebError::Storage(StoreError::Full) => cx.t(Msg::DiskFull).to_string(),
        WebError::Storage(_) => cx.t(Msg::DiskReadOnly).to_string(),
        WebError::Internal(_) => cx.t(Msg::ServerError).to_string(),
    };
    pages::misc::message_page(cx, status, &text)
}

fn bearer(req: &Req) -> Option<String> {
    req.header("authorization")
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
}
