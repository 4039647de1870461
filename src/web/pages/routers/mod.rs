//! The network and device manager: routers, their live status, test connection, command log,
//! and import from a router already in service.

use crate::access::{Level, Menu};
use crate::billing::customer;
use crate::enforce::{self, log};
use crate::error::Error;
use crate::i18n::Msg;
use crate::network::router::{self, LoginMethodId, Router, RouterDraft, RouterState, RouterStatus};
use crate::reports::Cell;
use crate::store::{Read, Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, checkbox, csrf, input, page, select, textarea};
use crate::web::{export, grid};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

pub mod reason;
mod takeover;
pub use takeover::{import_commit, import_form};

pub fn status_badge(cx: &Ctx, s: RouterStatus) -> Markup {
    let class = match s {
        RouterStatus::Online => "badge good",
        RouterStatus::Offline | RouterStatus::AuthFailed => "badge bad",
        RouterStatus::Unknown => "badge",
    };
    html! { span class=(class) { (cx.t(status_msg(s))) } }
}

async fn load_all(cx: &Ctx) -> Result<Vec<(Router, RouterState)>, WebError> {
    Ok(cx
        .app
        .store
        .read_async(|r| {
            let mut out = Vec::new();
            for rt in router::list(r)? {
                let st = router::state(r, rt.id)?;
                out.push((rt, st));
            }
            Ok::<_, StoreError>(out)
        })
        .await?)
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let routers = load_all(&cx).await?;
    let can_edit = cx.can(Menu::Routers, Level::Edit);
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (layout::toolbar(&cx, html! {
            @if can_edit { a.button href="/routers/new" { (cx.t(Msg::Add)) } }
            (export::links(&cx, &req, "/routers/export"))
            @if can_edit { form.inline method="post" action="/routers/sync" { (csrf(&cx)) button.secondary type="submit" { (cx.t(Msg::Refresh)) } } }
        }))
        @if routers.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            (grid::count(&cx, routers.len()))
            div.table-wrap.grid { table {
                thead { tr {
                    th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::Name)) } th { (cx.t(Msg::IpAddress)) }
                    th { (cx.t(Msg::Username)) } th { (cx.t(Msg::Status)) } th { (cx.t(Msg::CreatedDate)) } th { (cx.t(Msg::Note)) }
                } }
                tbody {
                    @for (i, (r, st)) in routers.iter().enumerate() {
                        tr {
                            td.num { (i + 1) }
                            td { a href={ "/routers/" (r.id) } { (r.name) } }
                            td { (r.address()) @if r.tls { " (TLS)" } }
                            td { (r.username) }
                            td { (status_badge(&cx, st.status)) }
                            td { (cx.date(r.created_at)) }
                            td { (grid::clip(&r.note)) }
                        }
                    }
                }
            } }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuRouters), body),
    ))
}

fn status_msg(s: RouterStatus) -> Msg {
    match s {
        RouterStatus::Online => Msg::Online,
        RouterStatus::Offline => Msg::Offline,
        RouterStatus::AuthFailed => Msg::AuthFailed,
        RouterStatus::Unknown => Msg::NotContacted,
    }
}

/// The list as Excel or CSV, statuses in words.
pub async fn export(cx: Arc<Ctx>, req: Req) -> Out {
    let (tz, lang) = (cx.tz.clone(), cx.lang);
    let header = [
        Msg::Number,
        Msg::Name,
        Msg::IpAddress,
        Msg::Username,
        Msg::Status,
        Msg::CreatedDate,
        Msg::Note,
    ];
    let list = export::List {
        name: "routers",
        title: cx.t(Msg::MenuRouters),
        header: header.iter().map(|m| lang.t(*m)).collect(),
        walk: move |r: &Read, emit: &mut export::Emit| {
            for (i, rt) in router::list(r)?.into_iter().enumerate() {
                let st = router::state(r, rt.id)?;
                let tls = if rt.tls { " (TLS)" } else { "" };
                let go_on = emit(vec![
                    export::int(i + 1),
                    Cell::text(rt.name.clone()),
                    Cell::text(format!("{}{tls}", rt.address())),
                    Cell::text(rt.username.clone()),
                    Cell::text(lang.t(status_msg(st.status))),
                    Cell::Date(crate::reports::day_of(rt.created_at, &tz)),
                    Cell::Text(rt.note),
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

/// A connection test: what the router is, or why not.
type Tried = Result<enforce::Probe, Failed>;

enum Failed {
    /// The client's error text (English, technical): explained by [`reason`].
    Router(String),
    /// Already in the operator's words (the test quota).
    Said(String),
}

/// What the router said when the form was opened or tested: the card to show (a test's
/// result), and the lists its pick fields offer (from either).
#[derive(Default)]
struct Heard {
    probe: Option<Tried>,
    /// Show `probe` as a test's result, not only as the source of the pick lists.
    tested: bool,
}

impl Heard {
    fn found(&self) -> Option<&enforce::Probe> {
        self.probe.as_ref().and_then(|r| r.as_ref().ok())
    }
}

fn form_page(
    cx: &Ctx,
    existing: Option<&Router>,
    d: &RouterDraft,
    p: &Problems,
    heard: &Heard,
) -> Markup {
    let action = existing.map_or_else(|| "/routers".to_string(), |r| format!("/routers/{}", r.id));
    let try_action = existing.map_or_else(
        || "/routers/try".to_string(),
        |r| format!("/routers/{}/try", r.id),
    );
    let found = heard.found();
    let methods: Vec<(String, String)> = LoginMethodId::ALL
        .iter()
        .map(|m| {
            let label = match m {
                LoginMethodId::Auto => cx.t(Msg::LoginAuto),
                LoginMethodId::Plain => cx.t(Msg::LoginPlain),
                LoginMethodId::Challenge => cx.t(Msg::LoginChallenge),
            };
            (m.id().to_string(), label.to_string())
        })
        .collect();
    let title = if existing.is_some() {
        cx.t(Msg::EditRouter)
    } else {
        cx.t(Msg::NewRouter)
    };
    page(
        cx,
        title,
        html! {
            (layout::problems_summary(cx, p))
            @if let (true, Some(pr)) = (heard.tested, &heard.probe) {
                (probe_card(cx, pr))
                p.muted { (cx.t(Msg::NothingSavedYet)) }
            }
            form method="post" action=(action) {
                (csrf(cx))
                (input(cx, p, "name", Msg::Name, "text", &d.name, true))
                (input(cx, p, "host", Msg::IpAddress, "text", &d.host, true))
                (input(cx, p, "port", Msg::Port, "number", &d.port, false))
                (checkbox(cx, "tls", Msg::ApiSsl, d.tls))
                p.muted { (cx.t(Msg::ApiSslHelp)) }
                (input(cx, p, "tls_fingerprint", Msg::Fingerprint, "text", &d.tls_fingerprint, false))
                (input(cx, p, "username", Msg::ApiUser, "text", &d.username, true))
                label.field {
                    span { (cx.t(Msg::ApiPassword)) @if existing.is_none() { " *" } }
                    // After a test of a new router the typed password comes back, so Save
                    // right after it does not fail for want of it.
                    input type="password" name="password" autocomplete="new-password" value=[(!d.password.is_empty()).then_some(&d.password)] aria-invalid=[p.get("password").map(|_| "true")];
                    @if existing.is_some() { span.muted { (cx.t(Msg::PasswordKept)) } }
                    @if let Some(pr) = p.get("password") { span.field-error { (pr.text(cx.lang)) } }
                }
                (select(cx, p, "login_method", Msg::LoginMethod, &methods, &d.login_method))
                (hotspot_server_field(cx, p, &d.hotspot_server, found))
                (input(cx, p, "hotspot_dns", Msg::HotspotDns, "text", &d.hotspot_dns, false))
                p.muted { (cx.t(Msg::HotspotDnsHelp)) }
                (checkbox(cx, "pppoe", Msg::Pppoe, d.pppoe))
                @if let Some(f) = found {
                    @if f.pppoe_servers.is_empty() { p.muted { (cx.t(Msg::NoPppoeServer)) } } @else {
                        p.muted.pppoe-servers { (cx.t(Msg::PppoeServersFound)) ": "
                            @for (i, (name, iface)) in f.pppoe_servers.iter().enumerate() {
                                @if i > 0 { ", " } code { (name) } " (" (iface) ")"
                            }
                        }
                    }
                }
                (checkbox(cx, "please_pay", Msg::PleasePay, d.please_pay))
                p.muted { (cx.t(Msg::PleasePayHelp)) }
                (textarea(cx, p, "note", Msg::Note, &d.note))
                button type="submit" { (cx.t(Msg::Save)) } " "
                button.secondary type="submit" formaction=(try_action) formnovalidate { (cx.t(Msg::TestConnection)) } " "
                a.button.secondary href="/routers" { (cx.t(Msg::Back)) }
            }
        },
    )
}

/// The hotspot server: free text, with the servers the router reports offered when it answered.
fn hotspot_server_field(
    cx: &Ctx,
    p: &Problems,
    value: &str,
    found: Option<&enforce::Probe>,
) -> Markup {
    html! {
        label.field {
            span { (cx.t(Msg::HotspotServer)) }
            input type="text" name="hotspot_server" value=(value) list=[found.map(|_| "hotspot-servers")] aria-invalid=[p.get("hotspot_server").map(|_| "true")];
            @if let Some(pr) = p.get("hotspot_server") { span.field-error { (pr.text(cx.lang)) } }
        }
        @if let Some(f) = found {
            datalist #hotspot-servers {
                option value="all" { (cx.t(Msg::AllHotspotServers)) }
                @for (name, iface) in &f.hotspot_servers { option value=(name) { (name) " — " (iface) } }
            }
            p.muted { (cx.t(Msg::PickFromRouter)) }
        } @else {
            p.muted { (cx.t(Msg::HotspotServerHelp)) }
        }
    }
}

/// A connection test's result: what the router is, or why it could not be reached.
fn probe_card(cx: &Ctx, pr: &Tried) -> Markup {
    html! {
        section.card #probe {
            h2 { (cx.t(Msg::TestConnection)) }
            @match pr {
                Ok(p) => {
                    p.notice { (cx.t(Msg::ConnectionOk)) ": " (p.identity) ", RouterOS " (p.version) ", " (p.board) }
                    @if let Some(fp) = &p.tls_fingerprint { p { (cx.t(Msg::Fingerprint)) ": " code { (fp) } } }
                    @if !p.hotspot_servers.is_empty() {
                        h3 { (cx.t(Msg::HotspotServers)) }
                        ul { @for (name, iface) in &p.hotspot_servers { li { code { (name) } " — " (iface) } } }
                    }
                    h3 { (cx.t(Msg::Interfaces)) }
                    ul { @for (name, kind, running) in &p.interfaces { li { code { (name) } " " (kind) @if *running { " ✓" } } } }
                }
                Err(Failed::Router(e)) => (failure(cx, Msg::ConnectionFailed, e)),
                Err(Failed::Said(e)) => p.error role="alert" { (e) },
            }
        }
    }
}

/// A failure in words, the client's own text kept beneath for whoever debugs it.
fn failure(cx: &Ctx, head: Msg, error: &str) -> Markup {
    html! {
        p.error role="alert" { (cx.t(head)) ": " (cx.t(reason::of(error))) }
        details.muted { summary { (cx.t(Msg::ErrorDetail)) } code lang="en" { (error) } }
    }
}

pub fn draft_from_form(f: &Form) -> RouterDraft {
    RouterDraft {
        name: f.get("name").into(),
        host: f.get("host").into(),
        port: f.get("port").into(),
        tls: f.checked("tls"),
        tls_fingerprint: f.get("tls_fingerprint").into(),
        username: f.get("username").into(),
        password: f.get("password").into(),
        login_method: f.get("login_method").into(),
        hotspot_server: f.get("hotspot_server").into(),
        hotspot_dns: f.get("hotspot_dns").into(),
        pppoe: f.checked("pppoe"),
        please_pay: f.checked("please_pay"),
        note: f.get("note").into(),
    }
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    // The first router of an installation in a RouterOS container is the container's gateway
    // (the router's end of the veth): offer it. Later routers are other devices.
    let first = cx.app.store.read_async(|r| r.count::<Router>()).await? == 0;
    let host = match first {
        true => crate::network::gateway::default_gateway()
            .map(|ip| ip.to_string())
            .unwrap_or_default(),
        false => String::new(),
    };
    // api-ssl by default: plain API carries the router's password and, in every sync, each
    // customer's service password in clear across the network.
    let d = RouterDraft {
        host,
        port: "8729".into(),
        tls: true,
        login_method: "auto".into(),
        hotspot_server: "all".into(),
        ..Default::default()
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, None, &d, &Problems::default(), &Heard::default()),
    ))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let d = draft_from_form(&req.form);
    match crate::ops::routers::create(&cx.app, &cx.by(), d.clone()).await {
        Ok(r) => Ok(http::redirect(&format!("/routers/{}?notice=saved", r.id))),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&cx, None, &d, &p, &Heard::default()),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn load(cx: &Ctx, id: u64) -> Result<(Router, RouterState, usize), WebError> {
    let (r, st, n) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, StoreError>((
                r.get::<Router>(id)?,
                router::state(r, id)?,
                customer::count_on_router(r, id)?,
            ))
        })
        .await?;
    Ok((r.ok_or(WebError::NotFound)?, st, n))
}

/// How long opening the edit form waits for an online router's lists before offering free
/// text only.
const LISTS_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let (r, st, _) = load(&cx, req.id(0).ok_or(WebError::NotFound)?).await?;
    // Only a router that answered lately is asked; an offline one would only make us wait.
    let heard = match (st.status, cx.app.secrets.open_sealed(&r.password_sealed)) {
        (RouterStatus::Online, Some(pw)) => Heard {
            probe: Some(
                enforce::probe_within(&r, &pw, LISTS_WAIT)
                    .await
                    .map_err(Failed::Router),
            ),
            tested: false,
        },
        _ => Heard::default(),
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(
            &cx,
            Some(&r),
            &RouterDraft::of(&r),
            &Problems::default(),
            &heard,
        ),
    ))
}

/// "Test connection" on the form: tries the typed settings, saves nothing, and shows the form
/// again as typed with the result and the router's lists.
async fn try_typed(cx: &Ctx, stored: Option<Router>, d: RouterDraft) -> Out {
    let (router, password) = match router::to_try(&d, stored.as_ref(), &cx.app.secrets) {
        Ok(t) => t,
        Err(p) => {
            let page = form_page(cx, stored.as_ref(), &d, &p, &Heard::default());
            return Ok(http::html(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let result = probe_counted(cx, &router, &password).await?;
    // A saved router's password is never sent back; a new one's is what was just typed.
    let d = match stored {
        Some(_) => RouterDraft {
            password: String::new(),
            ..d
        },
        None => d,
    };
    let heard = Heard {
        probe: Some(result),
        tested: true,
    };
    let page = form_page(cx, stored.as_ref(), &d, &Problems::default(), &heard);
    Ok(http::html(StatusCode::OK, page))
}

pub async fn try_new(cx: Arc<Ctx>, req: Req) -> Out {
    try_typed(&cx, None, draft_from_form(&req.form)).await
}

pub async fn try_saved(cx: Arc<Ctx>, req: Req) -> Out {
    let (r, _, _) = load(&cx, req.id(0).ok_or(WebError::NotFound)?).await?;
    try_typed(&cx, Some(r), draft_from_form(&req.form)).await
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let d = draft_from_form(&req.form);
    let draft = d.clone();
    match crate::ops::routers::update(&cx.app, &cx.by(), id, move |_| draft).await {
        Ok(_) => Ok(http::redirect(&format!("/routers/{id}?notice=saved"))),
        Err(Error::Invalid(p)) => {
            let (r, _, _) = load(&cx, id).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&cx, Some(&r), &d, &p, &Heard::default()),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    crate::ops::routers::delete(&cx.app, &cx.by(), id).await?;
    Ok(http::redirect("/routers?notice=deleted"))
}

pub async fn sync(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    load(&cx, id).await?;
    cx.app.enforcer.sync_now(id, cx.cause());
    Ok(http::redirect(&format!("/routers/{id}?notice=sync")))
}

pub async fn sync_all(cx: Arc<Ctx>, _req: Req) -> Out {
    for (r, _) in load_all(&cx).await? {
        cx.app.enforcer.sync_now(r.id, cx.cause());
    }
    Ok(http::redirect("/routers?notice=sync"))
}

fn state_table(cx: &Ctx, r: &Router, st: &RouterState, customers: usize) -> Markup {
    let when = |t: Option<jiff::Timestamp>| {
        t.map_or_else(|| cx.t(Msg::Never).to_string(), |t| cx.datetime(t))
    };
    html! {
        div.table-wrap { table.kv {
            tbody {
                tr { th { (cx.t(Msg::Status)) } td { (status_badge(cx, st.status)) } }
                tr { th { (cx.t(Msg::IpAddress)) } td { (r.address()) @if r.tls { " (api-ssl)" } } }
                // Never reached, the router's figures are unknown, not zero: say so and why.
                @if st.last_seen.is_none() {
                    tr.never-reached { td colspan="2" {
                        p.muted { (cx.t(Msg::NeverReached)) }
                        @if !st.last_error.is_empty() { (failure(cx, Msg::LastError, &st.last_error)) }
                    } }
                }
                tr { th { (cx.t(Msg::Identity)) } td { (known(&st.identity)) } }
                tr { th { (cx.t(Msg::RouterOsVersion)) } td { (known(&st.version)) } }
                tr { th { (cx.t(Msg::Board)) } td { (known(format!("{} {}", st.board, st.architecture).trim())) } }
                @if st.last_seen.is_some() {
                    tr { th { (cx.t(Msg::RouterUptime)) } td { (crate::routeros::value::format_duration(std::time::Duration::from_secs(st.uptime_secs))) } }
                    tr { th { (cx.t(Msg::CpuLoad)) } td { (st.cpu_load) "%" } }
                    tr { th { (cx.t(Msg::Memory)) } td { (cx.number(i64::try_from(st.free_memory / 1_048_576).unwrap_or(0))) " / " (cx.number(i64::try_from(st.total_memory / 1_048_576).unwrap_or(0))) " MiB" } }
                } @else {
                    tr { th { (cx.t(Msg::RouterUptime)) } td { "—" } }
                    tr { th { (cx.t(Msg::CpuLoad)) } td { "—" } }
                    tr { th { (cx.t(Msg::Memory)) } td { "—" } }
                }
                tr { th { (cx.t(Msg::LastSeen)) } td { (when(st.last_seen)) } }
                tr { th { (cx.t(Msg::LastSync)) } td { (when(st.last_sync)) } }
                @if st.last_seen.is_some() {
                    tr { th { (cx.t(Msg::LastError)) } td { @if st.last_error.is_empty() { "—" } @else { (failure(cx, Msg::LastError, &st.last_error)) " " (when(st.last_error_at)) } } }
                }
                tr { th { (cx.t(Msg::ManagedUsers)) } td { (st.managed_users) " / " (customers) } }
                tr { th { (cx.t(Msg::ActiveSessions)) } td { (st.active_sessions) } }
                tr { th { (cx.t(Msg::PendingChanges)) } td { (st.pending_changes) } }
                tr { th { (cx.t(Msg::HotspotServer)) } td { @if r.hotspot_server.is_empty() { "—" } @else { (r.hotspot_server) } } }
                @if !r.hotspot_server.is_empty() { tr { th { (cx.t(Msg::HotspotDns)) } td { (r.hotspot_host()) } } }
                tr { th { (cx.t(Msg::Pppoe)) } td { @if r.pppoe { (cx.t(Msg::Yes)) } @else { (cx.t(Msg::No)) } } }
                tr { th { (cx.t(Msg::PleasePay)) } td { @if r.please_pay { (cx.t(Msg::Yes)) } @else { (cx.t(Msg::No)) } } }
            }
        } }
    }
}

/// A figure the router reported, or "—" while it has reported none.
fn known(v: &str) -> &str {
    if v.is_empty() { "—" } else { v }
}

fn live_table(cx: &Ctx, live: &Result<Vec<crate::network::live::LiveUser>, String>) -> Markup {
    html! {
        section {
            h2 { (cx.t(Msg::UsersOnRouter)) }
            @match live {
                Err(e) => (failure(cx, Msg::ConnectionFailed, e)),
                Ok(users) if users.is_empty() => p.muted { (cx.t(Msg::NothingYet)) },
                Ok(users) => div.table-wrap { table.live-users {
                    thead { tr { th { (cx.t(Msg::Username)) } th { (cx.t(Msg::Kind)) } th { (cx.t(Msg::Profile)) } th { (cx.t(Msg::Status)) } th { (cx.t(Msg::Online)) } } }
                    tbody { @for u in users { tr data-login=(u.name) {
                        td { a href={ "/customers/" (u.customer_id) } { code { (u.name) } } }
                        td { (u.service) }
                        td { (u.profile) }
                        td { @if u.disabled { span.badge.bad { (cx.t(Msg::Disabled)) } } @else { span.badge.good { (cx.t(Msg::Enabled)) } } }
                        td { @if u.online {
                            "● "
                            @if cx.can(Menu::Customers, Level::Edit) {
                                form.inline method="post" action={ "/customers/" (u.customer_id) "/kick" } {
                                    (csrf(cx)) button.secondary type="submit" { (cx.t(Msg::Kick)) }
                                }
                            }
                        } }
                    } } }
                } },
            }
        }
    }
}

/// Why a command was sent, in the UI language; a payment links to its receipt.
fn cause_text(cx: &Ctx, c: &enforce::Cause) -> Markup {
    use enforce::Cause;
    let simple = |m: Msg| html! { (cx.t(m)) };
    match c {
        Cause::Admin(who) => html! { (cx.f(Msg::CauseAdmin, &[who])) },
        Cause::Payment(id) => {
            html! { a href={ "/payments/" (id) } { (cx.f(Msg::CausePayment, &[id])) } }
        }
        Cause::Expiry => simple(Msg::CauseExpiry),
        Cause::Sync => simple(Msg::CauseSync),
        Cause::Startup => simple(Msg::CauseStartup),
        Cause::ClockMoved => simple(Msg::CauseClockMoved),
    }
}

/// "Name (login)" of each customer the log lines concern, read now: the command itself names
/// only the router's internal `.id`.
fn log_customers(
    r: &impl Reader,
    entries: &[log::LogEntry],
) -> Result<std::collections::HashMap<u64, String>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for id in entries.iter().filter_map(|e| e.customer_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(id)
            && let Some(c) = r.get::<customer::Customer>(id)?
        {
            slot.insert(format!("{} ({})", c.name, c.login));
        }
    }
    Ok(out)
}

async fn show_page(cx: &Ctx, id: u64, probe: Option<Tried>, notice: Option<&str>) -> Out {
    show_page_with(cx, id, probe, None, notice).await
}

async fn show_page_with(
    cx: &Ctx,
    id: u64,
    probe: Option<Tried>,
    live: Option<Result<Vec<crate::network::live::LiveUser>, String>>,
    notice: Option<&str>,
) -> Out {
    let (r, st, customers) = load(cx, id).await?;
    let (entries, whose) = cx
        .app
        .store
        .read_async(move |rd| {
            let entries = log::recent(rd, id, 50)?;
            let whose = log_customers(rd, &entries)?;
            Ok::<_, StoreError>((entries, whose))
        })
        .await?;
    let can_edit = cx.can(Menu::Routers, Level::Edit);
    let body = html! {
        (layout::notice(cx, notice))
        @if !r.tls { p.error role="alert" { (cx.t(Msg::PlainApiWarning)) } }
        @if notice == Some("sync") { p.notice { (cx.t(Msg::SyncStarted)) } }
        (layout::toolbar(cx, html! {
            @if can_edit {
                a.button href={ "/routers/" (id) "/edit" } { (cx.t(Msg::Edit)) }
                form.inline method="post" action={ "/routers/" (id) "/test" } { (csrf(cx)) button.secondary type="submit" { (cx.t(Msg::TestConnection)) } }
                form.inline method="post" action={ "/routers/" (id) "/sync" } { (csrf(cx)) button.secondary type="submit" { (cx.t(Msg::Refresh)) } }
                a.button.secondary href={ "/routers/" (id) "/import" } { (cx.t(Msg::ImportFromRouter)) }
            }
            a.button.secondary href={ "/customers?router_id=" (id) } { (cx.t(Msg::MenuCustomers)) }
        }))
        @if let Some(pr) = &probe { (probe_card(cx, pr)) }
        (state_table(cx, &r, &st, customers))
        @if let Some(l) = &live { (live_table(cx, l)) } @else {
            p.no-print { a.button.secondary href={ "/routers/" (id) "?live=1" } { (cx.t(Msg::ReadUsers)) } }
        }
        @if !r.note.is_empty() { p { (r.note) } }
        h2 { (cx.t(Msg::CommandLog)) }
        @if entries.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::When)) } th { (cx.t(Msg::Command)) } th { (cx.t(Msg::Result)) } th { (cx.t(Msg::Cause)) } } }
                tbody {
                    @for e in &entries {
                        tr {
                            td { (cx.datetime(e.time)) }
                            td {
                                code { (e.command) }
                                @if let Some((cid, who)) = e.customer_id.and_then(|c| whose.get(&c).map(|w| (c, w))) {
                                    " " a.log-customer href={ "/customers/" (cid) } { (who) }
                                }
                            }
                            td { (e.result) } td { (cause_text(cx, &e.cause)) }
                        }
                    }
                }
            } }
        }
        @if can_edit && customers == 0 {
            form method="post" action={ "/routers/" (id) "/delete" } {
                (csrf(cx))
                button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmDelete)) { (cx.t(Msg::Delete)) }
            }
        }
    };
    Ok(http::html(StatusCode::OK, page(cx, &r.name, body)))
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let live = if req.query("live") == Some("1") {
        let (r, _, _) = load(&cx, id).await?;
        let pw = password_of(&cx, &r)?;
        Some(crate::network::live::managed_users(&r, &pw).await)
    } else {
        None
    };
    show_page_with(&cx, id, None, live, req.query("notice")).await
}

fn password_of(cx: &Ctx, r: &Router) -> Result<String, WebError> {
    cx.app
        .secrets
        .open_sealed(&r.password_sealed)
        .ok_or_else(|| {
            WebError::Internal(format!(
                "router {}: API password cannot be unsealed with this secret.key",
                r.id
            ))
        })
}

pub async fn test(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (r, _, _) = load(&cx, id).await?;
    let pw = password_of(&cx, &r)?;
    let result = probe_counted(&cx, &r, &pw).await?;
    show_page(&cx, id, Some(result), None).await
}

/// A connection test within the admin's quota, audited (an unsaved router as router 0).
async fn probe_counted(cx: &Ctx, r: &Router, password: &str) -> Result<Tried, WebError> {
    let who = cx.user.as_ref().map_or(0, |u| u.admin.id).to_string();
    let result = match cx.app.probe_quota.take(&who, cx.now) {
        Err(minutes) => Err(Failed::Said(cx.f(Msg::TooManyTests, &[&minutes]))),
        Ok(()) => enforce::probe(r, password).await.map_err(Failed::Router),
    };
    let summary = match &result {
        Ok(p) => format!(
            "{}:{} answered: {} {}",
            r.host, r.port, p.identity, p.version
        ),
        Err(Failed::Router(e) | Failed::Said(e)) => format!("{}:{} failed: {e}", r.host, r.port),
    };
    let (actor, now, id) = (cx.actor(), cx.now, r.id);
    cx.app
        .store
        .write_async(move |w| {
            crate::audit::record(w, now, &actor, "test_connection", "router", id, summary)
        })
        .await?;
    Ok(result)
}
