//! The page layout and the form widgets every page is built from.

use super::ctx::Ctx;
use crate::access::{Level, Menu};
use crate::i18n::Msg;
use crate::validate::Problems;
use maud::{DOCTYPE, Markup, html};

/// The menus of the navigation, in order, with where they lead. A menu appears here once its
/// pages exist; each is shown only to admins who may view it.
pub const NAV: &[(Menu, Msg, &str)] = &[
    (Menu::Dashboard, Msg::MenuDashboard, "/"),
    (Menu::Routers, Msg::MenuRouters, "/routers"),
    (Menu::Plans, Msg::MenuPlans, "/plans"),
    (Menu::Customers, Msg::MenuCustomers, "/customers"),
    (Menu::Vouchers, Msg::MenuVouchers, "/vouchers"),
    (Menu::Agents, Msg::Agents, "/agents"),
    (Menu::AgentDesk, Msg::MenuAgentDesk, "/desk"),
    (Menu::Payments, Msg::MenuPayments, "/payments"),
    (Menu::Extensions, Msg::MenuExtensions, "/extensions"),
    (Menu::BankAccounts, Msg::MenuBankAccounts, "/bank-accounts"),
    (Menu::Messages, Msg::MenuMessages, "/messages"),
    (Menu::Banners, Msg::MenuBanners, "/banners"),
    (Menu::Admins, Msg::MenuAdmins, "/admins"),
    (Menu::Settings, Msg::MenuSettings, "/settings"),
    (Menu::Audit, Msg::MenuAudit, "/audit"),
    (Menu::Reports, Msg::MenuReports, "/reports"),
];

fn head(cx: &Ctx, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (cx.settings.company_name) }
            link rel="stylesheet" href="/assets/style.css";
            script src="/assets/app.js" defer {}
        }
    }
}

fn lang_switch(cx: &Ctx) -> Markup {
    html! {
        span.lang-switch {
            @for (l, href) in &cx.lang_links {
                @if *l == cx.lang { strong { (l.native_name()) } } @else { a href=(href) hreflang=(l.code()) { (l.native_name()) } }
                " "
            }
        }
    }
}

/// A full page for a signed-in admin.
pub fn page(cx: &Ctx, title: &str, body: Markup) -> Markup {
    page_with(cx, title, true, body)
}

/// A page whose body is a document with its own title (a receipt, a bill): the title goes to
/// the window only, so the document is not headed twice.
pub fn document_page(cx: &Ctx, title: &str, body: Markup) -> Markup {
    page_with(cx, title, false, body)
}

fn page_with(cx: &Ctx, title: &str, heading: bool, body: Markup) -> Markup {
    let current = cx.here.split('?').next().unwrap_or("/");
    html! {
        (DOCTYPE)
        html lang=(cx.lang.code()) {
            (head(cx, title))
            body {
                header.topbar {
                    a.brand href="/" {
                        @if cx.settings.logo_mime.is_some() { img.logo src="/logo" alt=""; }
                        (cx.settings.company_name)
                    }
                    nav.user {
                        (lang_switch(cx))
                        @if let Some(u) = &cx.user {
                            a href="/account" { (u.admin.username) }
                            " | "
                            form.inline method="post" action="/logout" {
                                (csrf(cx))
                                button.link type="submit" { (cx.t(Msg::LogOut)) }
                            }
                        }
                    }
                }
                div.shell {
                    @if cx.user.is_some() {
                        nav.menu aria-label=(cx.t(Msg::MainMenu)) {
                            // On a phone the list stays folded under this toggle (CSS only).
                            input #menu-toggle.menu-toggle type="checkbox" aria-controls="menu-list";
                            label.menu-button for="menu-toggle" { "☰ " (cx.t(Msg::OpenMenu)) }
                            h2 { (cx.t(Msg::MainMenu)) }
                            ul #menu-list {
                                @for (menu, label, href) in NAV {
                                    // Only agents have a desk; a super admin's grant of it is moot.
                                    @if cx.can(*menu, Level::View) && (*menu != Menu::AgentDesk || cx.user.as_ref().is_some_and(|u| u.admin.role_id == crate::vouchers::agents::ROLE)) {
                                        @let active = if *href == "/" { current == "/" } else { current.starts_with(href) || (*href == "/admins" && current.starts_with("/roles")) };
                                        li { a class=[active.then_some("active")] href=(href) { (cx.t(*label)) } }
                                    }
                                }
                            }
                        }
                    }
                    main {
                        @if heading { h1 { (title) } }
                        (body)
                    }
                }
            }
        }
    }
}

/// A page without navigation (setup, login, errors for visitors).
pub fn bare_page(cx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(cx.lang.code()) {
            (head(cx, title))
            body.bare {
                main.narrow {
                    div.right { (lang_switch(cx)) }
                    @if cx.settings.logo_mime.is_some() { img.logo-big src="/logo" alt=""; }
                    p.company { (cx.settings.company_name) }
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A customer portal page: phone-first, no admin navigation.
pub fn portal_page(cx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(cx.lang.code()) {
            (head(cx, title))
            body.portal {
                header.topbar {
                    a.brand href="/portal" {
                        @if cx.settings.logo_mime.is_some() { img.logo src="/logo" alt=""; }
                        (cx.settings.company_name)
                    }
                    nav.user {
                        (lang_switch(cx))
                        @if cx.customer.is_some() {
                            form.inline method="post" action="/portal/logout" {
                                (csrf(cx))
                                button.link type="submit" { (cx.t(Msg::LogOut)) }
                            }
                        }
                    }
                }
                main.narrow {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

pub fn csrf(cx: &Ctx) -> Markup {
    html! { input type="hidden" name="_csrf" value=(cx.csrf); }
}

/// The notice shown after a redirect (`?notice=saved`).
pub fn notice(cx: &Ctx, which: Option<&str>) -> Markup {
    let msg = match which {
        Some("saved") => Some(Msg::Saved),
        Some("deleted") => Some(Msg::Deleted),
        Some("revoked") => Some(Msg::Revoked),
        Some("password") => Some(Msg::PasswordChanged),
        Some("reset") => Some(Msg::PasswordReset),
        Some("unlocked") => Some(Msg::Unlocked),
        Some("already") => Some(Msg::AlreadyApplied),
        _ => None,
    };
    html! { @if let Some(m) = msg { p.notice role="status" { (cx.t(m)) } } }
}

pub fn problems_summary(cx: &Ctx, p: &Problems) -> Markup {
    html! { @if !p.is_empty() { p.error role="alert" { (cx.t(Msg::FixErrors)) } } }
}

/// Every problem spelled out, for a page of several small forms where a problem may concern no
/// input of its own (a balance, a batch that ran out).
pub fn problems_listed(cx: &Ctx, p: &Problems) -> Markup {
    html! {
        @if !p.is_empty() {
            div.error role="alert" { ul { @for pr in &p.0 { li { (pr.text(cx.lang)) } } } }
        }
    }
}

fn field_error(cx: &Ctx, p: &Problems, name: &str) -> Markup {
    html! { @if let Some(pr) = p.get(name) { span.field-error id={ "err-" (name) } { (pr.text(cx.lang)) } } }
}

/// A labelled `<input>` with its error beside it.
pub fn input(
    cx: &Ctx,
    p: &Problems,
    name: &str,
    label: Msg,
    kind: &str,
    value: &str,
    required: bool,
) -> Markup {
    html! {
        label.field {
            span { (cx.t(label)) @if required { " *" } }
            input type=(kind) name=(name) value=(value) required[required]
                aria-invalid=[p.get(name).map(|_| "true")] autocomplete=[(kind == "password").then_some("new-password")];
            (field_error(cx, p, name))
        }
    }
}

pub fn textarea(cx: &Ctx, p: &Problems, name: &str, label: Msg, value: &str) -> Markup {
    html! {
        label.field {
            span { (cx.t(label)) }
            textarea name=(name) rows="3" { (value) }
            (field_error(cx, p, name))
        }
    }
}

pub fn select(
    cx: &Ctx,
    p: &Problems,
    name: &str,
    label: Msg,
    options: &[(String, String)],
    selected: &str,
) -> Markup {
    html! {
        label.field {
            span { (cx.t(label)) }
            select name=(name) {
                @for (v, l) in options {
                    option value=(v) selected[v == selected] { (l) }
                }
            }
            (field_error(cx, p, name))
        }
    }
}

pub fn checkbox(cx: &Ctx, name: &str, label: Msg, checked: bool) -> Markup {
    html! {
        label.check {
            input type="checkbox" name=(name) value="on" checked[checked];
            " " (cx.t(label))
        }
    }
}

pub fn file(cx: &Ctx, p: &Problems, name: &str, label: Msg) -> Markup {
    html! {
        label.field {
            span { (cx.t(label)) }
            input type="file" name=(name) accept="image/png,image/jpeg,image/gif,image/webp";
            (field_error(cx, p, name))
        }
    }
}

/// The per-menu level picker used by roles (levels) and admins (overrides, with "as role").
pub fn level_label(cx: &Ctx, l: Level) -> &'static str {
    cx.t(match l {
        Level::None => Msg::LevelNone,
        Level::View => Msg::LevelView,
        Level::Edit => Msg::LevelEdit,
    })
}

pub fn menu_label(m: Menu) -> Msg {
    match m {
        Menu::Dashboard => Msg::MenuDashboard,
        Menu::Routers => Msg::MenuRouters,
        Menu::Plans => Msg::MenuPlans,
        Menu::Customers => Msg::MenuCustomers,
        Menu::Payments => Msg::MenuPayments,
        Menu::Extensions => Msg::MenuExtensions,
        Menu::BankAccounts => Msg::MenuBankAccounts,
        Menu::Messages => Msg::MenuMessages,
        Menu::Banners => Msg::MenuBanners,
        Menu::Admins => Msg::MenuAdmins,
        Menu::Settings => Msg::MenuSettings,
        Menu::Reports => Msg::MenuReports,
        Menu::Audit => Msg::MenuAudit,
        Menu::Vouchers => Msg::MenuVouchers,
        Menu::Agents => Msg::Agents,
        Menu::AgentDesk => Msg::MenuAgentDesk,
    }
}

/// Toolbar with print (and whatever actions the page adds).
pub fn toolbar(cx: &Ctx, actions: Markup) -> Markup {
    html! {
        div.toolbar.no-print {
            (actions)
            button.secondary type="button" data-print { (cx.t(Msg::Print)) }
        }
    }
}
