//! The route table: every page and API operation with its guard and handler.
//!
//! Invariant: every route declares its guard here, in one table, and the dispatcher
//! (`web::dispatch`) enforces it (login, menu permission, CSRF) before the handler runs. A
//! handler cannot forget its check, and the authorization test walks this same table.

use super::error::Out;
use super::http::Req;
use super::{api, ctx::Ctx, pages};
use crate::access::{Level, Menu};
use hyper::Method;
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
    pub(super) fn matches(&self, path: &str) -> Option<Vec<String>> {
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
        GET "/portal/pay" Guard::Portal => pages::portal_pay::page;
        POST "/portal/pay" Guard::Portal => pages::portal_pay::open;
        GET "/portal/pay/{id}" Guard::Portal => pages::portal_pay::invoice;
        GET "/pay" Anonymous => pages::pay_here::page;
        POST "/pay" Anonymous => pages::pay_here::open;
        GET "/pay/{id}" Anonymous => pages::pay_here::invoice;
        GET "/qpay/callback" Public => pages::portal_pay::callback;

        GET "/" LoggedIn => pages::home::home;
        GET "/account" LoggedIn => pages::account::show;
        POST "/account/password" LoggedIn => pages::account::change_password;
        POST "/account/language" LoggedIn => pages::account::set_language;
        POST "/account/sessions/{id}/revoke" LoggedIn => pages::account::revoke_session;
        POST "/account/tokens" LoggedIn => pages::account::create_token;
        POST "/account/tokens/{id}/revoke" LoggedIn => pages::account::revoke_token;

        GET "/admins" m(Menu::Admins, View) => pages::admins::list;
        GET "/admins/export" m(Menu::Admins, View) => pages::admins::export;
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
        GET "/routers/export" m(Menu::Routers, View) => pages::routers::export;
        POST "/routers/sync" m(Menu::Routers, Edit) => pages::routers::sync_all;
        POST "/routers/try" m(Menu::Routers, Edit) => pages::routers::try_new;
        GET "/routers/new" m(Menu::Routers, Edit) => pages::routers::new_form;
        POST "/routers" m(Menu::Routers, Edit) => pages::routers::create;
        GET "/routers/{id}" m(Menu::Routers, View) => pages::routers::show;
        GET "/routers/{id}/edit" m(Menu::Routers, Edit) => pages::routers::edit_form;
        POST "/routers/{id}" m(Menu::Routers, Edit) => pages::routers::update;
        POST "/routers/{id}/delete" m(Menu::Routers, Edit) => pages::routers::delete;
        POST "/routers/{id}/sync" m(Menu::Routers, Edit) => pages::routers::sync;
        POST "/routers/{id}/test" m(Menu::Routers, Edit) => pages::routers::test;
        POST "/routers/{id}/try" m(Menu::Routers, Edit) => pages::routers::try_saved;
        GET "/routers/{id}/import" m(Menu::Routers, Edit) => pages::routers::import_form;
        POST "/routers/{id}/import" Guard::All(IMPORT) => pages::routers::import_commit;

        GET "/plans" m(Menu::Plans, View) => pages::plans::list;
        GET "/plans/new" m(Menu::Plans, Edit) => pages::plans::new_form;
        POST "/plans" m(Menu::Plans, Edit) => pages::plans::create;
        GET "/plans/{id}" m(Menu::Plans, View) => pages::plans::edit_form;
        POST "/plans/{id}" m(Menu::Plans, Edit) => pages::plans::update;
        POST "/plans/{id}/delete" m(Menu::Plans, Edit) => pages::plans::delete;
        POST "/plans/{id}/move" Guard::All(MOVE_CUSTOMERS) => pages::plans::move_customers;

        GET "/customers" m(Menu::Customers, View) => pages::customers::list;
        GET "/customers/export" m(Menu::Customers, View) => pages::customers::export;
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

        GET "/vouchers" m(Menu::Vouchers, View) => pages::vouchers::list;
        GET "/vouchers/export" m(Menu::Vouchers, View) => pages::vouchers::export;
        GET "/vouchers/new" m(Menu::Vouchers, Edit) => pages::vouchers::new_form;
        POST "/vouchers" m(Menu::Vouchers, Edit) => pages::vouchers::create;
        GET "/vouchers/{id}" m(Menu::Vouchers, View) => pages::vouchers::show;
        POST "/vouchers/{id}/void" m(Menu::Vouchers, Edit) => pages::vouchers::void;
        POST "/vouchers/{id}/void-cards" m(Menu::Vouchers, Edit) => pages::vouchers::void_cards;
        POST "/vouchers/{id}/sell" m(Menu::Vouchers, Edit) => pages::vouchers::sell;
        // Printing and exporting hand out working credentials (and PINs): edit level, audited.
        GET "/vouchers/{id}/print" m(Menu::Vouchers, Edit) => pages::vouchers::print::print;
        GET "/vouchers/{id}/cards.csv" m(Menu::Vouchers, Edit) => pages::vouchers::print::csv;
        GET "/vouchers/{id}/cards.xlsx" m(Menu::Vouchers, Edit) => pages::vouchers::print::xlsx;

        GET "/agents" m(Menu::Agents, View) => pages::agents::list;
        GET "/agents/new" m(Menu::Agents, Edit) => pages::agents::new_form;
        POST "/agents" m(Menu::Agents, Edit) => pages::agents::create;
        GET "/agents/{id}" m(Menu::Agents, View) => pages::agents::show;
        POST "/agents/{id}" m(Menu::Agents, Edit) => pages::agents::update;
        POST "/agents/{id}/deposit" m(Menu::Agents, Edit) => pages::agents::deposit;
        POST "/agents/{id}/stock" m(Menu::Agents, Edit) => pages::agents::hand_over;
        POST "/agents/{id}/return" m(Menu::Agents, Edit) => pages::agents::take_back;
        GET "/agents/{id}/statement" m(Menu::Agents, View) => pages::agents::statement;

        // An agent's own desk: each handler serves only the agent of the signed-in login.
        GET "/desk" m(Menu::AgentDesk, View) => pages::desk::show;
        POST "/desk/sell" m(Menu::AgentDesk, Edit) => pages::desk::sell;
        POST "/desk/renew" m(Menu::AgentDesk, Edit) => pages::desk::renew;
        GET "/desk/statement" m(Menu::AgentDesk, View) => pages::desk::statement;

        GET "/payments" m(Menu::Payments, View) => pages::payments::list;
        POST "/payments" m(Menu::Payments, Edit) => pages::payments::create;
        GET "/payments/export" m(Menu::Payments, View) => pages::payments::export;
        GET "/payments/{id}" m(Menu::Payments, View) => pages::payments::receipt;
        POST "/payments/{id}/reverse" m(Menu::Payments, Edit) => pages::payments::reverse_form;
        GET "/bills" m(Menu::Payments, View) => pages::bills::list;
        POST "/bills" m(Menu::Payments, Edit) => pages::bills::create;
        GET "/bills/export" m(Menu::Payments, View) => pages::bills::export;
        GET "/bills/{id}" m(Menu::Payments, View) => pages::bills::show;
        POST "/bills/{id}/void" m(Menu::Payments, Edit) => pages::bills::void;
        GET "/extensions" m(Menu::Extensions, View) => pages::extensions::list;
        GET "/extensions/export" m(Menu::Extensions, View) => pages::extensions::export;
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
        GET "/settings/qpay" m(Menu::Settings, View) => pages::qpay_settings::show;
        POST "/settings/qpay" m(Menu::Settings, Edit) => pages::qpay_settings::save;
        GET "/settings/qpay/login-page" m(Menu::Settings, View) => pages::qpay_settings::login_fragment;
        GET "/qpay/invoices" m(Menu::Payments, View) => pages::qpay_invoices::list;
        GET "/api/v1/qpay/invoices" m(Menu::Payments, View) => api::qpay::invoices;
        GET "/api/v1/qpay/status" m(Menu::Settings, View) => api::qpay::status;
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
        GET "/reports/vouchers" m(Menu::Reports, View) => pages::reports::vouchers;
        GET "/api/v1/vouchers/batches" m(Menu::Vouchers, View) => api::vouchers::list_batches;
        POST "/api/v1/vouchers/batches" m(Menu::Vouchers, Edit) => api::vouchers::create_batch;
        GET "/api/v1/vouchers/batches/{id}" m(Menu::Vouchers, View) => api::vouchers::get_batch;
        POST "/api/v1/vouchers/batches/{id}/void" m(Menu::Vouchers, Edit) => api::vouchers::void;
        // PINs in clear are working credentials: edit level, audited, as printing is.
        GET "/api/v1/vouchers/batches/{id}/cards" m(Menu::Vouchers, Edit) => api::vouchers::batch_cards;
        GET "/api/v1/vouchers/cards" m(Menu::Vouchers, View) => api::vouchers::list_cards;
        GET "/api/v1/vouchers/cards/by-code/{code}" m(Menu::Vouchers, View) => api::vouchers::card_by_code;
        GET "/api/v1/agents" m(Menu::Agents, View) => api::agents::list;
        GET "/api/v1/agents/{id}" m(Menu::Agents, View) => api::agents::get;
        POST "/api/v1/agents/{id}/deposits" m(Menu::Agents, Edit) => api::agents::deposit;
        POST "/api/v1/agents/{id}/stock" m(Menu::Agents, Edit) => api::agents::stock;
        GET "/api/v1/agents/{id}/statement" m(Menu::Agents, View) => api::agents::statement;
        // An agent's own: each handler serves only the agent of the calling login.
        GET "/api/v1/desk" m(Menu::AgentDesk, View) => api::agents::desk;
        POST "/api/v1/desk/sales" m(Menu::AgentDesk, Edit) => api::agents::sell;
        POST "/api/v1/desk/renewals" m(Menu::AgentDesk, Edit) => api::agents::renew;

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

/// Moving a package's customers changes each customer's package.
const MOVE_CUSTOMERS: &[(Menu, Level)] =
    &[(Menu::Plans, Level::Edit), (Menu::Customers, Level::Edit)];

/// A backup holds every admin's password hash and the key to the routers' passwords: only an
/// admin who may edit both settings and admins (a super admin, by the built-in roles) takes one.
/// It is a POST, so the dispatcher's CSRF check applies to the page's button.
pub const BACKUP: &[(Menu, Level)] = &[(Menu::Settings, Level::Edit), (Menu::Admins, Level::Edit)];
