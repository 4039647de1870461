//! Customers: the searchable list (filters, sorting, grouping, paging, print), the customer
//! page with its actions, and the add/edit form.

use crate::access::{Level, Menu};
use crate::billing::Plan;
use crate::billing::customer::{Customer, CustomerDraft, CustomerKind, Shown, Status};
use crate::billing::query::{CustomerQuery, SortBy};
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::network::Router;
use crate::ops;
use crate::reports::Cell;
use crate::store::{Read, Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, csrf, input, page, select, textarea};
use crate::web::{export, grid};
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

mod merge;
mod show;
pub use show::{ExtensionForm, Rejected, show, show_with};

pub const PER_PAGE: usize = 50;

pub fn status_label(cx: &Ctx, s: Shown) -> Markup {
    let (class, m) = match s {
        Shown::Active => ("badge good", Msg::Active),
        Shown::Expired => ("badge bad", Msg::Expired),
        Shown::Suspended => ("badge", Msg::Suspended),
        Shown::Disabled => ("badge bad", Msg::Disabled),
    };
    html! { span class=(class) { (cx.t(m)) } }
}

/// A customer's status badge; one who never had service reads "awaiting first payment", not
/// "expired".
pub fn customer_status(cx: &Ctx, c: &Customer, now: jiff::Timestamp) -> Markup {
    let shown = c.shown(now);
    if shown == Shown::Expired && c.expires_at == c.created_at {
        return html! { span.badge { (cx.t(Msg::AwaitingFirstPayment)) } };
    }
    status_label(cx, shown)
}

pub fn kind_label(cx: &Ctx, k: CustomerKind) -> &'static str {
    cx.t(match k {
        CustomerKind::Individual => Msg::Individual,
        CustomerKind::Organization => Msg::Organization,
    })
}

/// The list's query from the URL.
pub fn query_from(req: &Req) -> CustomerQuery {
    let q = |k| req.query(k).unwrap_or("").trim();
    CustomerQuery {
        q: q("q").to_string(),
        kind: CustomerKind::parse(q("kind")),
        plan_id: q("plan_id").parse().ok(),
        router_id: q("router_id").parse().ok(),
        status: Shown::parse(q("status")),
        expiring_days: q("expiring").parse().ok(),
        include_archived: q("archived") == "1",
        sort: SortBy::parse(q("sort")),
        desc: q("desc") == "1",
        page: q("page").parse::<usize>().unwrap_or(1).saturating_sub(1),
        per: if q("per") == "all" { 0 } else { PER_PAGE },
    }
}

async fn names(cx: &Ctx) -> Result<(Vec<Router>, Vec<Plan>), WebError> {
    Ok(cx
        .app
        .store
        .read_async(|r| Ok::<_, StoreError>((r.list::<Router>()?, r.list::<Plan>()?)))
        .await?)
}

fn link_with(req: &Req, key: &str, value: &str) -> String {
    let mut q: Vec<(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| k != key && k != "page" && k != "lang")
        .cloned()
        .collect();
    if !value.is_empty() {
        q.push((key.into(), value.into()));
    }
    format!(
        "/customers?{}",
        serde_urlencoded::to_string(q).unwrap_or_default()
    )
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let query = query_from(&req);
    let now = cx.now;
    let qq = query.clone();
    // What the rows show is all in the summaries.
    let page_data = cx
        .app
        .roster
        .summaries_async(&cx.app.store, qq, now)
        .await?;
    let (routers, plans) = names(&cx).await?;
    let router_name: HashMap<u64, &str> = routers.iter().map(|r| (r.id, r.name.as_str())).collect();
    let plan_name: HashMap<u64, &str> = plans.iter().map(|p| (p.id, p.name.as_str())).collect();
    let group = req.query("group").unwrap_or("");
    let group_key = |c: &Customer| -> String {
        match group {
            "plan" => plan_name
                .get(&c.plan_id)
                .copied()
                .unwrap_or("?")
                .to_string(),
            "router" => router_name
                .get(&c.router_id)
                .copied()
                .unwrap_or("?")
                .to_string(),
            "status" => cx
                .t(match c.shown(now) {
                    Shown::Active => Msg::Active,
                    Shown::Expired => Msg::Expired,
                    Shown::Suspended => Msg::Suspended,
                    Shown::Disabled => Msg::Disabled,
                })
                .to_string(),
            "kind" => kind_label(&cx, c.kind).to_string(),
            _ => String::new(),
        }
    };
    let mut items = page_data.items;
    if !group.is_empty() {
        items.sort_by_key(&group_key);
    }
    let pages = if query.per == 0 {
        1
    } else {
        page_data.total.div_ceil(query.per).max(1)
    };
    let opt = |v: String, l: String| (v, l);
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let sort_link = |col: SortBy| {
        let desc = if query.sort == col && !query.desc {
            "1"
        } else {
            ""
        };
        let mut qs: Vec<(String, String)> = req
            .query
            .iter()
            .filter(|(k, _)| !["sort", "desc", "page", "lang"].contains(&k.as_str()))
            .cloned()
            .collect();
        qs.push(("sort".into(), col.id().into()));
        if !desc.is_empty() {
            qs.push(("desc".into(), "1".into()));
        }
        format!(
            "/customers?{}",
            serde_urlencoded::to_string(qs).unwrap_or_default()
        )
    };
    // Each row with the group header that starts before it, if any.
    let mut last_group: Option<String> = None;
    let rows: Vec<(Option<String>, &Customer)> = items
        .iter()
        .map(|c| {
            let g = group_key(c);
            let header = (!group.is_empty() && last_group.as_ref() != Some(&g)).then(|| g.clone());
            last_group = Some(g);
            (header, c)
        })
        .collect();
    // A group's size on this page, shown in its header row.
    let mut group_sizes: HashMap<String, usize> = HashMap::new();
    for (_, c) in &rows {
        *group_sizes.entry(group_key(c)).or_default() += 1;
    }
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        @if req.query("notice") == Some("imported") { p.notice { (cx.t(Msg::Imported)) } }
        form.toolbar.no-print method="get" action="/customers" {
            label.field { span { (cx.t(Msg::Search)) } input type="search" name="q" value=(q("q")); }
            label.field { span { (cx.t(Msg::Kind)) } select name="kind" {
                option value="" { (cx.t(Msg::All)) }
                @for k in CustomerKind::ALL { option value=(k.id()) selected[q("kind") == k.id()] { (kind_label(&cx, k)) } }
            } }
            label.field { span { (cx.t(Msg::MenuPlans)) } select name="plan_id" {
                option value="" { (cx.t(Msg::All)) }
                @for p in &plans { option value=(p.id) selected[q("plan_id") == p.id.to_string()] { (p.name) } }
            } }
            label.field { span { (cx.t(Msg::MenuRouters)) } select name="router_id" {
                option value="" { (cx.t(Msg::All)) }
                @for r in &routers { option value=(r.id) selected[q("router_id") == r.id.to_string()] { (r.name) } }
            } }
            label.field { span { (cx.t(Msg::Status)) } select name="status" {
                option value="" { (cx.t(Msg::All)) }
                @for s in Shown::ALL { option value=(s.id()) selected[q("status") == s.id()] { (status_text(&cx, s)) } }
            } }
            label.field { span { (cx.t(Msg::ExpiringWithin)) } input type="number" name="expiring" min="0" value=(q("expiring")); }
            label.field { span { (cx.t(Msg::GroupBy)) } select name="group" {
                @for (v, l) in [opt(String::new(), "—".into()), opt("plan".into(), cx.t(Msg::MenuPlans).into()), opt("router".into(), cx.t(Msg::MenuRouters).into()), opt("status".into(), cx.t(Msg::Status).into()), opt("kind".into(), cx.t(Msg::Kind).into())] {
                    option value=(v) selected[group == v] { (l) }
                }
            } }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
        (layout::toolbar(&cx, html! {
            @if cx.can(Menu::Customers, Level::Edit) { a.button href="/customers/new" { (cx.t(Msg::Add)) } }
            a.button.secondary href=(link_with(&req, "per", "all")) { (cx.t(Msg::ShowAll)) }
            (export::links(&cx, &req, "/customers/export"))
        }))
        (grid::count(&cx, page_data.total))
        div.table-wrap.grid { table {
            thead { tr {
                th.num { (cx.t(Msg::Number)) }
                th { a href=(sort_link(SortBy::Name)) { (cx.t(Msg::Name)) } }
                th { a href=(sort_link(SortBy::Login)) { (cx.t(Msg::Username)) } }
                th { (cx.t(Msg::Phone)) }
                th { (cx.t(Msg::MenuPlans)) }
                th { (cx.t(Msg::MenuRouters)) }
                th { (cx.t(Msg::Status)) }
                th { a href=(sort_link(SortBy::Expires)) { (cx.t(Msg::ExpiryDate)) } }
                th { a href=(sort_link(SortBy::Created)) { (cx.t(Msg::CreatedDate)) } }
            } }
            tbody {
                @for (i, (header, c)) in rows.iter().enumerate() {
                    @if let Some(g) = header { tr.group { th colspan="9" { (g) " " span.muted { "(" (group_sizes.get(g.as_str()).copied().unwrap_or(0)) ")" } } } }
                    tr {
                        td.num { (query.page * query.per + i + 1) }
                        td { a.clip href={ "/customers/" (c.id) } title=(c.name) { (c.name) } }
                        td { code { (c.login) } }
                        td { (c.phone) }
                        td { (grid::clip(plan_name.get(&c.plan_id).copied().unwrap_or("?"))) }
                        td { (grid::clip(router_name.get(&c.router_id).copied().unwrap_or("?"))) }
                        td { (customer_status(&cx, c, now)) @if c.archived { " " span.badge { (cx.t(Msg::Archived)) } } }
                        td { (cx.datetime(c.expires_at)) }
                        td { (cx.date(c.created_at)) }
                    }
                }
            }
        } }
        @if pages > 1 {
            nav.pager.no-print {
                @for p in grid::page_window(query.page + 1, pages) {
                    @match p {
                        None => "… ",
                        Some(p) if p == query.page + 1 => { strong { (p) } " " }
                        Some(p) => { a href=(link_with(&req, "page", &p.to_string())) { (p) } " " }
                    }
                }
            }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuCustomers), body),
    ))
}

pub fn status_text(cx: &Ctx, s: Shown) -> &'static str {
    cx.t(crate::reports::customers::status_msg(s))
}

/// The list's columns, for the page and its export.
const COLUMNS: [Msg; 9] = [
    Msg::Number,
    Msg::Name,
    Msg::Username,
    Msg::Phone,
    Msg::MenuPlans,
    Msg::MenuRouters,
    Msg::Status,
    Msg::ExpiryDate,
    Msg::CreatedDate,
];

/// The list as Excel or CSV: the same search and filters, in the same order, every page.
pub async fn export(cx: Arc<Ctx>, req: Req) -> Out {
    let mut query = query_from(&req);
    (query.page, query.per) = (0, 0);
    let (now, tz, lang) = (cx.now, cx.tz.clone(), cx.lang);
    let (roster, store) = (cx.app.roster.clone(), cx.app.store.clone());
    let list = export::List {
        name: "customers",
        title: cx.t(Msg::MenuCustomers),
        header: COLUMNS.iter().map(|m| lang.t(*m)).collect(),
        walk: move |r: &Read, emit: &mut export::Emit| {
            let plans: HashMap<u64, String> = r
                .list::<Plan>()?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect();
            let routers: HashMap<u64, String> = r
                .list::<Router>()?
                .into_iter()
                .map(|r| (r.id, r.name))
                .collect();
            let name = |m: &HashMap<u64, String>, id| m.get(&id).cloned().unwrap_or_default();
            let (ids, _) = roster.ids(&store, &query, now)?;
            let found = ids
                .into_iter()
                .filter_map(|id| r.get::<Customer>(id).transpose());
            for (i, c) in found.enumerate() {
                let c = c?;
                let mut status = lang
                    .t(crate::reports::customers::status_msg(c.shown(now)))
                    .to_string();
                if c.archived {
                    status = format!("{status}, {}", lang.t(Msg::Archived));
                }
                let go_on = emit(vec![
                    export::int(i + 1),
                    Cell::text(c.name.clone()),
                    Cell::text(c.login.clone()),
                    Cell::text(c.phone.clone()),
                    Cell::Text(name(&plans, c.plan_id)),
                    Cell::Text(name(&routers, c.router_id)),
                    Cell::Text(status),
                    Cell::DateTime(crate::reports::local(c.expires_at, &tz)),
                    Cell::Date(crate::reports::day_of(c.created_at, &tz)),
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

/// The new-customer form's first payment, as typed.
#[derive(Debug, Clone, Default)]
pub struct FirstPayment {
    pub paid_now: bool,
    pub method: String,
    pub key: String,
}

impl FirstPayment {
    fn fresh(cx: &Ctx) -> FirstPayment {
        FirstPayment {
            paid_now: false,
            method: cx
                .settings
                .payment_methods
                .first()
                .cloned()
                .unwrap_or_default(),
            key: crate::idempotency::new_form_key(),
        }
    }

    fn from_form(f: &Form) -> FirstPayment {
        FirstPayment {
            paid_now: f.checked("paid_now"),
            method: f.get("first_method").into(),
            key: f.get("idempotency_key").into(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    cx: &Ctx,
    existing: Option<&Customer>,
    d: &CustomerDraft,
    seen: &merge::Seen,
    routers: &[Router],
    plans: &[Plan],
    first: &FirstPayment,
    p: &Problems,
) -> Markup {
    let action = existing.map_or_else(
        || "/customers".to_string(),
        |c| format!("/customers/{}", c.id),
    );
    let kinds: Vec<(String, String)> = CustomerKind::ALL
        .iter()
        .map(|k| (k.id().into(), kind_label(cx, *k).into()))
        .collect();
    let router_opts: Vec<(String, String)> = routers
        .iter()
        .map(|r| (r.id.to_string(), r.name.clone()))
        .collect();
    let plan_opts: Vec<(String, String)> = plans
        .iter()
        .filter(|pl| pl.active || d.plan_id == pl.id.to_string())
        .map(|pl| {
            (
                pl.id.to_string(),
                format!(
                    "{} ({}, {})",
                    pl.name,
                    crate::web::pages::plans::kind_label(cx, pl.kind),
                    cx.money(pl.price)
                ),
            )
        })
        .collect();
    let statuses: Vec<(String, String)> = [
        ("active", Msg::Active),
        ("suspended", Msg::Suspended),
        ("disabled", Msg::Disabled),
    ]
    .iter()
    .map(|(v, m)| (v.to_string(), cx.t(*m).to_string()))
    .collect();
    let langs: Vec<(String, String)> =
        std::iter::once((String::new(), cx.t(Msg::DefaultLanguage).to_string()))
            .chain(
                Lang::ALL
                    .iter()
                    .map(|l| (l.code().to_string(), l.native_name().to_string())),
            )
            .collect();
    let title = if existing.is_some() {
        cx.t(Msg::EditCustomer)
    } else {
        cx.t(Msg::NewCustomer)
    };
    page(
        cx,
        title,
        html! {
            (layout::problems_summary(cx, p))
            form method="post" action=(action) {
                (csrf(cx))
                (select(cx, p, "kind", Msg::Kind, &kinds, &d.kind))
                (input(cx, p, "name", Msg::Name, "text", &d.name, true))
                (input(cx, p, "reg_no", Msg::RegNo, "text", &d.reg_no, false))
                (input(cx, p, "contact_person", Msg::ContactPerson, "text", &d.contact_person, false))
                (input(cx, p, "phone", Msg::Phone, "tel", &d.phone, false))
                (input(cx, p, "email", Msg::Email, "email", &d.email, false))
                (textarea(cx, p, "address", Msg::Address, &d.address))
                (input(cx, p, "login", Msg::Username, "text", &d.login, true))
                (input(cx, p, "password", Msg::Password, "text", &d.password, true))
                (select(cx, p, "router_id", Msg::MenuRouters, &router_opts, &d.router_id))
                (select(cx, p, "plan_id", Msg::MenuPlans, &plan_opts, &d.plan_id))
                (select(cx, p, "status", Msg::Status, &statuses, &d.status))
                @if existing.is_some() {
                    (input(cx, p, "expires_at", Msg::ExpiryDate, "datetime-local", &d.expires_at, true))
                } @else {
                    // A new customer has no service until paid: saying so beats a default expiry
                    // of "now", which showed them expired the moment they were saved.
                    fieldset {
                        legend { (cx.t(Msg::FirstPeriod)) }
                        label.check { input type="checkbox" name="paid_now" value="on" checked[first.paid_now]; " " (cx.t(Msg::PaidNow)) }
                        @let methods = crate::web::pages::payments::method_options(cx);
                        (select(cx, p, "first_method", Msg::Method, &methods, &first.method))
                        input type="hidden" name="idempotency_key" value=(first.key);
                        @if let Some(pr) = p.get("paid_now") { span.field-error { (pr.text(cx.lang)) } }
                        p.muted { (cx.t(Msg::PaidNowHelp)) }
                        (input(cx, p, "expires_at", Msg::ServiceGivenUntil, "datetime-local", &d.expires_at, false))
                        p.muted { (cx.t(Msg::NoServiceUntilPaid)) }
                    }
                }
                @if existing.is_some() {
                    input type="hidden" name="seen_expires_at" value=(seen.expires_at);
                    input type="hidden" name="seen_status" value=(seen.status);
                    input type="hidden" name="seen_plan_id" value=(seen.plan_id);
                    (input(cx, p, "expiry_reason", Msg::ExpiryChangeReason, "text", &d.expiry_reason, false))
                }
                (select(cx, p, "lang", Msg::CustomerLanguage, &langs, &d.lang))
                (textarea(cx, p, "note", Msg::Note, &d.note))
                button type="submit" { (cx.t(Msg::Save)) } " "
                a.button.secondary href=(existing.map_or_else(|| "/customers".to_string(), |c| format!("/customers/{}", c.id))) { (cx.t(Msg::Back)) }
            }
        },
    )
}

pub fn draft_from_form(f: &Form) -> CustomerDraft {
    CustomerDraft {
        kind: f.get("kind").into(),
        name: f.get("name").into(),
        reg_no: f.get("reg_no").into(),
        contact_person: f.get("contact_person").into(),
        phone: f.get("phone").into(),
        email: f.get("email").into(),
        address: f.get("address").into(),
        note: f.get("note").into(),
        login: f.get("login").into(),
        password: f.get("password").into(),
        router_id: f.get("router_id").into(),
        plan_id: f.get("plan_id").into(),
        status: f.get("status").into(),
        expires_at: f.get("expires_at").into(),
        expiry_reason: f.get("expiry_reason").into(),
        lang: f.get("lang").into(),
    }
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let (routers, plans) = names(&cx).await?;
    let d = CustomerDraft {
        kind: "individual".into(),
        status: "active".into(),
        router_id: routers
            .first()
            .map(|r| r.id.to_string())
            .unwrap_or_default(),
        plan_id: plans
            .iter()
            .find(|p| p.active)
            .map(|p| p.id.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(
            &cx,
            None,
            &d,
            &merge::Seen::default(),
            &routers,
            &plans,
            &FirstPayment::fresh(&cx),
            &Problems::default(),
        ),
    ))
}

/// Saves a new customer: paid now, the package's period starts at once (one transaction with
/// its payment); otherwise service waits for the first payment unless a date is given.
pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let d = draft_from_form(&req.form);
    let first = FirstPayment::from_form(&req.form);
    // Without a date (or paid now, when the payment sets it) the expiry is the very moment of
    // creation: what `customer_status` reads as "awaiting first payment".
    let unserved = d.expires_at.trim().is_empty() || first.paid_now;
    let mut input = d.clone();
    if unserved {
        input.expires_at = merge::local_minute(&cx.tz, cx.now);
    }
    let parse = |input: CustomerDraft| {
        let mut parsed = input.parse(&cx.tz);
        if unserved {
            parsed.expires_at = Some(cx.now);
        }
        parsed
    };
    let made = if first.paid_now {
        ops::customers::create_paid(
            &cx.app,
            &cx.by(),
            parse(input),
            ops::customers::PaidNow {
                method: first.method.clone(),
                key: first.key.clone(),
            },
        )
        .await
        .map(|c| (c.customer.id, if c.replayed { "already" } else { "paid" }))
    } else {
        ops::customers::create(&cx.app, &cx.by(), parse(input))
            .await
            .map(|c| (c.id, "saved"))
    };
    match made {
        Ok((id, notice)) => Ok(http::redirect(&format!("/customers/{id}?notice={notice}"))),
        Err(Error::Invalid(p)) => {
            let (routers, plans) = names(&cx).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(
                    &cx,
                    None,
                    &d,
                    &merge::Seen::default(),
                    &routers,
                    &plans,
                    &first,
                    &p,
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(cx: &Ctx, id: u64) -> Result<Customer, WebError> {
    cx.app
        .store
        .read_async(move |r| r.get::<Customer>(id))
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn change_plan(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let plan_id = req
        .form
        .get("plan_id")
        .parse::<u64>()
        .map_err(|_| WebError::BadRequest("plan_id".into()))?;
    let at_renewal = req.form.get("when") == "renewal";
    let changed = ops::customers::change_plan(
        &cx.app,
        &cx.by(),
        id,
        plan_id,
        at_renewal,
        req.form.get("idempotency_key"),
    )
    .await?;
    if changed.is_none() {
        return Ok(http::redirect(&format!("/customers/{id}?notice=already")));
    }
    Ok(http::redirect(&format!("/customers/{id}?notice=saved")))
}

pub async fn edit_form(cx: Arc<Ctx>, req: Req) -> Out {
    let c = load(&cx, req.id(0).ok_or(WebError::NotFound)?).await?;
    let (routers, plans) = names(&cx).await?;
    let (d, seen) = merge::edit_draft(&cx.tz, &cx.app.secrets, &c);
    Ok(http::html(
        StatusCode::OK,
        form_page(
            &cx,
            Some(&c),
            &d,
            &seen,
            &routers,
            &plans,
            &FirstPayment::default(),
            &Problems::default(),
        ),
    ))
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let (d, seen) = (
        draft_from_form(&req.form),
        merge::Seen::from_form(&req.form),
    );
    let (draft, shown, tz) = (d.clone(), seen.clone(), cx.tz.clone());
    let merged = move |w: &crate::store::Write, cur: &Customer| {
        merge::merge(w, &tz, cur, draft, &shown).map(|d| d.parse(&tz))
    };
    match ops::customers::update(&cx.app, &cx.by(), id, merged).await {
        Ok(_) => Ok(http::redirect(&format!("/customers/{id}?notice=saved"))),
        Err(Error::Invalid(p)) => {
            let existing = load(&cx, id).await?;
            let (routers, plans) = names(&cx).await?;
            let (mut d, mut seen) = (d, seen);
            merge::rebase(&mut d, &mut seen, &cx.tz, &existing);
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(
                    &cx,
                    Some(&existing),
                    &d,
                    &seen,
                    &routers,
                    &plans,
                    &FirstPayment::default(),
                    &p,
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_status(cx: Arc<Ctx>, req: Req, status: Status) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    ops::customers::set_status(&cx.app, &cx.by(), id, status).await?;
    Ok(http::redirect(&format!("/customers/{id}?notice=saved")))
}

pub async fn suspend(cx: Arc<Ctx>, req: Req) -> Out {
    set_status(cx, req, Status::Suspended).await
}

pub async fn resume(cx: Arc<Ctx>, req: Req) -> Out {
    set_status(cx, req, Status::Active).await
}

pub async fn disable(cx: Arc<Ctx>, req: Req) -> Out {
    set_status(cx, req, Status::Disabled).await
}

/// Lifts the portal-login locks and slowdown on this customer's login.
pub async fn portal_unlock(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let c = load(&cx, id).await?;
    cx.app.portal_limiter.unlock(&c.login);
    let (actor, now) = (cx.actor(), cx.now);
    cx.app
        .store
        .write_async(move |w| {
            crate::audit::record(
                w,
                now,
                &actor,
                "unlock_login",
                "customer",
                id,
                String::new(),
            )
        })
        .await?;
    Ok(http::redirect(&format!("/customers/{id}?notice=unlocked")))
}

pub async fn kick(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    load(&cx, id).await?;
    match cx.app.enforcer.kick(id, cx.cause()).await {
        Ok(n) => {
            tracing::debug!(customer = id, sessions = n, "kicked");
            Ok(http::redirect(&format!("/customers/{id}?notice=kicked")))
        }
        Err(e) => Err(WebError::BadRequest(e)),
    }
}

pub async fn delete(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let deleted = ops::customers::remove(&cx.app, &cx.by(), id).await?;
    // An archived customer is still there to look at: their page says what happened.
    Ok(http::redirect(&if deleted {
        "/customers?notice=deleted".to_string()
    } else {
        format!("/customers/{id}?notice=archived")
    }))
}
