//! Vouchers: batches of printed cards — the list with counts per state, making a batch, a
//! batch's cards (paged, by state, by code) and voiding them. Printing and exports are
//! `print.rs`.

pub mod print;

use crate::access::{Level, Menu};
use crate::billing::{Plan, ServiceKind};
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::voucher::{Batch, Card, CardState, CodeStyle, LoginMode, Validity};
use crate::network::Router;
use crate::reports::Cell;
use crate::store::{Read, Reader, StoreError};
use crate::validate::Problems;
use crate::vouchers::batch::{BatchDraft, MAX_CARDS};
use crate::vouchers::query::{self, CardFilter, Counts, STATES, state_id, state_msg};
use crate::vouchers::void::Selection;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, csrf, input, page, select, textarea};
use crate::web::{export, grid};
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

/// Batches on one page of the list; each one's cards are read to count them.
const BATCHES_PER_PAGE: usize = 20;
/// Cards on one page of a batch.
const CARDS_PER_PAGE: usize = 100;

fn page_number(req: &Req) -> usize {
    req.query("page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

pub fn state_badge(cx: &Ctx, s: CardState) -> Markup {
    let class = match s {
        CardState::InStock | CardState::Handed | CardState::Sold => "badge",
        CardState::InUse => "badge good",
        CardState::UsedUp => "badge",
        CardState::Void => "badge bad",
    };
    html! { span class=(class) { (cx.t(state_msg(s))) } }
}

fn names(routers: &[Router], ids: &[u64]) -> String {
    ids.iter()
        .map(|id| {
            routers
                .iter()
                .find(|r| r.id == *id)
                .map_or_else(|| format!("#{id}"), |r| r.name.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn plan_name(plans: &[Plan], id: u64) -> String {
    plans
        .iter()
        .find(|p| p.id == id)
        .map_or_else(|| format!("#{id}"), |p| p.name.clone())
}

/// The batches (not their cards: those are `print.rs`, at edit level) as Excel or CSV, every
/// page, newest first, with the counts per state.
pub async fn export(cx: Arc<Ctx>, req: Req) -> Out {
    let (now, tz, lang) = (cx.now, cx.tz.clone(), cx.lang);
    let mut header: Vec<&'static str> = [
        Msg::Number,
        Msg::CreatedDate,
        Msg::MenuPlans,
        Msg::MenuRouters,
        Msg::Price,
        Msg::CardCount,
    ]
    .iter()
    .map(|m| lang.t(*m))
    .collect();
    header.extend(STATES.iter().map(|s| lang.t(state_msg(*s))));
    header.push(lang.t(Msg::Note));
    let list = export::List {
        name: "voucher-batches",
        title: cx.t(Msg::MenuVouchers),
        header,
        walk: move |r: &Read, emit: &mut export::Emit| {
            let (routers, plans) = (r.list::<Router>()?, r.list::<Plan>()?);
            let mut batches = r.list::<Batch>()?;
            batches.sort_by_key(|b| std::cmp::Reverse(b.id));
            for b in batches {
                let c = Counts::of(&crate::vouchers::batch::cards(r, b.id)?, now);
                let mut row = vec![
                    export::int(b.id),
                    Cell::DateTime(crate::reports::local(b.created_at, &tz)),
                    Cell::Text(plan_name(&plans, b.plan_id)),
                    Cell::Text(names(&routers, &b.router_ids)),
                    Cell::Money(b.price),
                    Cell::Int(i64::from(b.count)),
                ];
                row.extend(STATES.iter().map(|s| Cell::Int(i64::from(c.get(*s)))));
                row.push(Cell::Text(b.note));
                if !emit(row)? {
                    break;
                }
            }
            Ok(())
        },
    };
    export::list(&cx, &req, list).await
}

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let now = cx.now;
    let want = page_number(&req);
    let (rows, total, routers, plans) = cx
        .app
        .store
        .read_async(move |r| {
            let mut batches = r.list::<Batch>()?;
            batches.sort_by_key(|b| std::cmp::Reverse(b.id));
            let total = batches.len();
            let mut rows = Vec::new();
            for b in batches
                .into_iter()
                .skip((want - 1) * BATCHES_PER_PAGE)
                .take(BATCHES_PER_PAGE)
            {
                let cards = crate::vouchers::batch::cards(r, b.id)?;
                rows.push((Counts::of(&cards, now), b));
            }
            Ok::<_, StoreError>((rows, total, r.list::<Router>()?, r.list::<Plan>()?))
        })
        .await?;
    let pages = total.div_ceil(BATCHES_PER_PAGE).max(1);
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (layout::toolbar(&cx, html! {
            @if cx.can(Menu::Vouchers, Level::Edit) { a.button href="/vouchers/new" { (cx.t(Msg::NewVoucherBatch)) } }
            (export::links(&cx, &req, "/vouchers/export"))
        }))
        (grid::count(&cx, total))
        p.muted { (cx.t(Msg::VouchersHelp)) }
        @if rows.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            div.table-wrap.grid { table {
                thead { tr {
                    th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::CreatedDate)) } th { (cx.t(Msg::MenuPlans)) }
                    th { (cx.t(Msg::MenuRouters)) } th.num { (cx.t(Msg::Price)) } th.num { (cx.t(Msg::CardCount)) }
                    @for s in STATES { th.num { (cx.t(state_msg(s))) } }
                    th { (cx.t(Msg::Note)) }
                } }
                tbody { @for (c, b) in &rows { tr {
                    td.num { a href={ "/vouchers/" (b.id) } { (b.id) } }
                    td { (cx.datetime(b.created_at)) }
                    td { (plan_name(&plans, b.plan_id)) }
                    td { (names(&routers, &b.router_ids)) }
                    td.num { (cx.money(b.price)) }
                    td.num { (cx.number(i64::from(b.count))) }
                    @for s in STATES { td.num { a href={ "/vouchers/" (b.id) "?state=" (state_id(s)) } { (cx.number(i64::from(c.get(s)))) } } }
                    td { (grid::clip(&b.note)) }
                } } }
            } }
            (grid::pager(&cx, &req, want.min(pages), Some(pages), false))
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuVouchers), body),
    ))
}

/// The form as typed, with its one-time key.
struct Typed {
    draft: BatchDraft,
    key: String,
}

fn typed(f: &Form) -> Typed {
    Typed {
        draft: BatchDraft {
            router_ids: f
                .fields
                .iter()
                .filter(|(k, _)| k == "router_ids")
                .map(|(_, v)| v.clone())
                .take(100)
                .collect(),
            plan_id: f.get("plan_id").into(),
            count: f.get("count").into(),
            style: f.get("style").into(),
            length: f.get("length").into(),
            prefix: f.get("prefix").into(),
            login_mode: f.get("login_mode").into(),
            price: f.get("price").into(),
            validity: f.get("validity").into(),
            until: f.get("until").into(),
            limit_uptime: f.get("limit_uptime").into(),
            limit_bytes_total: f.get("limit_bytes_total").into(),
            note: f.get("note").into(),
        },
        key: f.get("idempotency_key").into(),
    }
}

async fn choices(cx: &Ctx) -> Result<(Vec<Router>, Vec<Plan>), WebError> {
    Ok(cx
        .app
        .store
        .read_async(|r| {
            let routers = r
                .list::<Router>()?
                .into_iter()
                .filter(|r| !r.hotspot_server.is_empty())
                .collect();
            let plans = r
                .list::<Plan>()?
                .into_iter()
                .filter(|p| p.kind == ServiceKind::Hotspot)
                .collect();
            Ok::<_, StoreError>((routers, plans))
        })
        .await?)
}

fn form_page(cx: &Ctx, t: &Typed, routers: &[Router], plans: &[Plan], p: &Problems) -> Markup {
    let d = &t.draft;
    let plan_opts: Vec<(String, String)> = plans
        .iter()
        .map(|pl| {
            (
                pl.id.to_string(),
                format!(
                    "{} — {}",
                    pl.name,
                    crate::web::pages::plans::duration_label(cx, pl)
                ),
            )
        })
        .collect();
    let styles: Vec<(String, String)> = CodeStyle::ALL
        .iter()
        .map(|s| {
            let m = match s {
                CodeStyle::Digits => Msg::CodeDigits,
                CodeStyle::Letters => Msg::CodeLetters,
            };
            (s.id().to_string(), cx.t(m).to_string())
        })
        .collect();
    let modes: Vec<(String, String)> = LoginMode::ALL
        .iter()
        .map(|m| {
            let msg = match m {
                LoginMode::CodeOnly => Msg::LoginCodeOnly,
                LoginMode::CodeAndPin => Msg::LoginCodeAndPin,
            };
            (m.id().to_string(), cx.t(msg).to_string())
        })
        .collect();
    let until = d.validity == "until";
    let field_error = |name: &str| {
        html! { @if let Some(pr) = p.get(name) { span.field-error { (pr.text(cx.lang)) } } }
    };
    let body = html! {
        (layout::problems_summary(cx, p))
        @if routers.is_empty() || plans.is_empty() { p.error { (cx.t(Msg::VoucherNeedsSetup)) } }
        form method="post" action="/vouchers" {
            (csrf(cx))
            input type="hidden" name="idempotency_key" value=(t.key);
            fieldset {
                legend { (cx.t(Msg::MenuRouters)) " *" }
                @for r in routers {
                    label.check {
                        input type="checkbox" name="router_ids" value=(r.id) checked[d.router_ids.iter().any(|x| x.trim() == r.id.to_string())];
                        " " (r.name)
                    }
                }
                (field_error("router_ids"))
            }
            (select(cx, p, "plan_id", Msg::MenuPlans, &plan_opts, &d.plan_id))
            (input(cx, p, "count", Msg::CardCount, "number", &d.count, true))
            p.muted { (cx.f(Msg::CardCountHelp, &[&cx.number(i64::from(MAX_CARDS))])) }
            (input(cx, p, "price", Msg::PriceMajor, "text", &d.price, true))
            fieldset {
                legend { (cx.t(Msg::Validity)) }
                label.check { input type="radio" name="validity" value="first_login" checked[!until]; " " (cx.t(Msg::ValidityFirstLogin)) }
                p.muted { (cx.t(Msg::ValidityFirstLoginHelp)) }
                label.check { input type="radio" name="validity" value="until" checked[until]; " " (cx.t(Msg::ValidityUntil)) }
                p.muted { (cx.t(Msg::ValidityUntilHelp)) }
                (input(cx, p, "until", Msg::ValidUntilField, "datetime-local", &d.until, false))
                (field_error("validity"))
            }
            fieldset {
                legend { (cx.t(Msg::VoucherCode)) }
                (select(cx, p, "style", Msg::CodeStyle, &styles, &d.style))
                (input(cx, p, "length", Msg::CodeLength, "number", &d.length, true))
                (input(cx, p, "prefix", Msg::CodePrefix, "text", &d.prefix, false))
                (select(cx, p, "login_mode", Msg::LoginMode, &modes, &d.login_mode))
            }
            fieldset {
                legend { (cx.t(Msg::VoucherLimits)) }
                (input(cx, p, "limit_uptime", Msg::LimitUptime, "text", &d.limit_uptime, false))
                (input(cx, p, "limit_bytes_total", Msg::LimitBytes, "text", &d.limit_bytes_total, false))
                p.muted { (cx.t(Msg::VoucherLimitsHelp)) }
            }
            (textarea(cx, p, "note", Msg::Note, &d.note))
            button type="submit" { (cx.t(Msg::MakeCards)) } " "
            a.button.secondary href="/vouchers" { (cx.t(Msg::Back)) }
        }
    };
    page(cx, cx.t(Msg::NewVoucherBatch), body)
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let (routers, plans) = choices(&cx).await?;
    let exponent = cx.settings.currency.exponent;
    let t = Typed {
        draft: BatchDraft {
            router_ids: match routers.as_slice() {
                [only] => vec![only.id.to_string()],
                _ => Vec::new(),
            },
            plan_id: plans.first().map(|p| p.id.to_string()).unwrap_or_default(),
            count: "100".into(),
            style: CodeStyle::Letters.id().into(),
            length: "8".into(),
            login_mode: LoginMode::CodeOnly.id().into(),
            price: plans
                .first()
                .map(|p| crate::i18n::format::major_input(p.price, exponent))
                .unwrap_or_default(),
            validity: "first_login".into(),
            ..BatchDraft::default()
        },
        key: crate::idempotency::new_form_key(),
    };
    Ok(http::html(
        StatusCode::OK,
        form_page(&cx, &t, &routers, &plans, &Problems::default()),
    ))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let t = typed(&req.form);
    match crate::ops::vouchers::create_batch(&cx.app, &cx.by(), t.draft.clone(), &t.key).await {
        Ok(made) => {
            let notice = if made.replayed { "already" } else { "made" };
            Ok(http::redirect(&format!(
                "/vouchers/{}?notice={notice}",
                made.batch.id
            )))
        }
        Err(Error::Invalid(p)) => {
            let (routers, plans) = choices(&cx).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&cx, &t, &routers, &plans, &p),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// A batch and what its pages need to show it.
pub(super) struct Loaded {
    pub batch: Batch,
    pub plan: Option<Plan>,
    pub routers: Vec<Router>,
    pub cards: Vec<(u32, Card)>,
}

pub(super) async fn load(cx: &Ctx, id: u64) -> Result<Loaded, WebError> {
    cx.app
        .store
        .read_async(move |r| {
            let Some(batch) = r.get::<Batch>(id)? else {
                return Ok(None);
            };
            Ok::<_, StoreError>(Some(Loaded {
                plan: r.get::<Plan>(batch.plan_id)?,
                routers: r.list::<Router>()?,
                cards: query::numbered(r, batch.id)?,
                batch,
            }))
        })
        .await?
        .ok_or(WebError::NotFound)
}

fn notice(cx: &Ctx, req: &Req) -> Markup {
    let m = match req.query("notice") {
        Some("made") => Some(Msg::VoucherBatchMade),
        Some("voided") => Some(Msg::CardsVoided),
        Some("sold") => Some(Msg::CardsMarkedSold),
        Some("already") => Some(Msg::AlreadyRecorded),
        _ => None,
    };
    html! {
        @if let Some(m) = m { p.notice role="status" { (cx.t(m)) } }
        @if let Some(n) = req.query("n").and_then(|n| n.parse::<u32>().ok()) { p.muted { (cx.f(Msg::CardsVoidedCount, &[&n])) } }
        (layout::notice(cx, req.query("notice")))
    }
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let l = load(&cx, id).await?;
    let b = &l.batch;
    let now = cx.now;
    let counts = Counts::of(l.cards.iter().map(|(_, c)| c), now);
    let filter = CardFilter::new(
        req.query("state").unwrap_or(""),
        req.query("code").unwrap_or(""),
    );
    let want = page_number(&req);
    let (rows, matched) = query::page(
        &l.cards,
        &filter,
        now,
        (want - 1) * CARDS_PER_PAGE,
        CARDS_PER_PAGE,
    );
    let pages = matched.div_ceil(CARDS_PER_PAGE).max(1);
    let can_edit = cx.can(Menu::Vouchers, Level::Edit);
    let last = l.cards.len();
    let router_name = |id: u64| names(&l.routers, &[id]);
    let limits = {
        let mut v = Vec::new();
        if !b.limit_uptime.is_empty() {
            v.push(format!("{}: {}", cx.t(Msg::LimitUptime), b.limit_uptime));
        }
        if b.limit_bytes_total > 0 {
            v.push(format!(
                "{}: {} MiB",
                cx.t(Msg::LimitBytes),
                cx.number(i64::try_from(b.limit_bytes_total >> 20).unwrap_or(i64::MAX))
            ));
        }
        v.join("; ")
    };
    let body = html! {
        (notice(&cx, &req))
        div.toolbar.no-print {
            a.button.secondary href="/vouchers" { (cx.t(Msg::Back)) }
            @if can_edit {
                a.button.secondary href={ "/vouchers/" (b.id) "/cards.xlsx" } { (cx.t(Msg::ReportExcel)) }
                a.button.secondary href={ "/vouchers/" (b.id) "/cards.csv" } { (cx.t(Msg::ReportCsv)) }
            }
        }
        table.kv { tbody {
            tr { th { (cx.t(Msg::MenuPlans)) } td { (l.plan.as_ref().map_or_else(|| format!("#{}", b.plan_id), |p| p.name.clone())) } }
            tr { th { (cx.t(Msg::MenuRouters)) } td { (names(&l.routers, &b.router_ids)) } }
            tr { th { (cx.t(Msg::Price)) } td { (cx.money(b.price)) } }
            tr { th { (cx.t(Msg::Validity)) } td { (query::validity_text(cx.lang, b, l.plan.as_ref(), &cx.tz)) } }
            tr { th { (cx.t(Msg::LoginMode)) } td { (cx.t(match b.login_mode { LoginMode::CodeOnly => Msg::LoginCodeOnly, LoginMode::CodeAndPin => Msg::LoginCodeAndPin })) } }
            tr { th { (cx.t(Msg::VoucherCode)) } td {
                (cx.t(match b.style { CodeStyle::Digits => Msg::CodeDigits, CodeStyle::Letters => Msg::CodeLetters }))
                ", " (b.prefix.len() + usize::from(b.length))
                @if !b.prefix.is_empty() { ", " code { (b.prefix) } }
            } }
            @if !limits.is_empty() { tr { th { (cx.t(Msg::VoucherLimits)) } td { (limits) } } }
            tr { th { (cx.t(Msg::CreatedDate)) } td { (cx.datetime(b.created_at)) " · " (b.created_by) } }
            @if !b.note.is_empty() { tr { th { (cx.t(Msg::Note)) } td { (b.note) } } }
            tr { th { (cx.t(Msg::CardCount)) } td {
                (cx.number(i64::try_from(last).unwrap_or(0)))
                @for s in STATES { " · " a href={ "/vouchers/" (b.id) "?state=" (state_id(s)) } { (cx.t(state_msg(s))) ": " (cx.number(i64::from(counts.get(s)))) } }
            } }
        } }
        @if matches!(b.validity, Validity::FromFirstLogin) { p.muted { (cx.t(Msg::FirstUseNoticed)) } }
        @if can_edit {
            section.no-print {
                h2 { (cx.t(Msg::PrintCards)) }
                form.toolbar method="get" action={ "/vouchers/" (b.id) "/print" } {
                    (print::layout_select(&cx, print::Layout::A4x32))
                    label.field { span { (cx.t(Msg::CardsFrom)) } input type="number" name="from" min="1" max=(last) value="1"; }
                    label.field { span { (cx.t(Msg::CardsTo)) } input type="number" name="to" min="1" max=(last) value=(last.min(print::MAX_PRINT)); }
                    button type="submit" { (cx.t(Msg::PrintCards)) }
                }
                p.muted { (cx.f(Msg::PrintHelp, &[&cx.number(i64::try_from(print::MAX_PRINT).unwrap_or(0))])) }
                h2 { (cx.t(Msg::SellAtCounter)) }
                form.toolbar method="post" action={ "/vouchers/" (b.id) "/sell" } {
                    (csrf(&cx))
                    input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
                    label.field { span { (cx.t(Msg::CardCount)) } input type="number" name="count" min="1" max=(last); }
                    label.field { span { (cx.t(Msg::CardsFrom)) } input type="number" name="from" min="1" max=(last); }
                    label.field { span { (cx.t(Msg::CardsTo)) } input type="number" name="to" min="1" max=(last); }
                    button type="submit" { (cx.t(Msg::SellAtCounter)) }
                }
                p.muted { (cx.t(Msg::SellAtCounterHelp)) }
                h2 { (cx.t(Msg::VoidCards)) }
                form.toolbar method="post" action={ "/vouchers/" (b.id) "/void" } {
                    (csrf(&cx))
                    label.field { span { (cx.t(Msg::CardsFrom)) } input type="number" name="from" min="1" max=(last) required; }
                    label.field { span { (cx.t(Msg::CardsTo)) } input type="number" name="to" min="1" max=(last) required; }
                    label.field { span { (cx.t(Msg::Reason)) } input type="text" name="reason" maxlength="200"; }
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmVoidRange)) { (cx.t(Msg::VoidRange)) }
                }
                form.toolbar method="post" action={ "/vouchers/" (b.id) "/void" } {
                    (csrf(&cx))
                    input type="hidden" name="whole" value="1";
                    label.field { span { (cx.t(Msg::Reason)) } input type="text" name="reason" maxlength="200"; }
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmVoidBatch)) { (cx.t(Msg::VoidBatch)) }
                }
                p.muted { (cx.t(Msg::VoidHelp)) }
            }
        }
        h2 { (cx.t(Msg::Cards)) }
        form.toolbar.no-print method="get" action={ "/vouchers/" (b.id) } {
            label.field { span { (cx.t(Msg::Status)) } select name="state" {
                option value="" { (cx.t(Msg::All)) }
                @for s in STATES { option value=(state_id(s)) selected[filter.state == Some(s)] { (cx.t(state_msg(s))) } }
            } }
            label.field { span { (cx.t(Msg::VoucherCode)) } input type="text" name="code" maxlength=(query::MAX_SEARCH) value=(filter.code); }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
        p.muted { (cx.f(Msg::CardsMatched, &[&cx.number(i64::try_from(matched).unwrap_or(0))])) }
        @if !rows.is_empty() {
            div.table-wrap { table {
                thead { tr {
                    th.num { (cx.t(Msg::CardNumber)) } th { (cx.t(Msg::VoucherCode)) } th { (cx.t(Msg::MenuRouters)) }
                    th { (cx.t(Msg::Status)) } th { (cx.t(Msg::FirstUse)) } th { (cx.t(Msg::ExpiryDate)) }
                    @if can_edit { th.no-print { (cx.t(Msg::Actions)) } }
                } }
                tbody { @for (n, c) in &rows { tr {
                    td.num { (n) }
                    td { code.voucher-code { (c.code) } }
                    td { (router_name(c.router_id)) }
                    td { (state_badge(&cx, c.state(now))) }
                    td { @if let Some(t) = c.first_used_at { (cx.datetime(t)) } @else { "—" } }
                    td { @if let Some(t) = c.expires_at { (cx.datetime(t)) } @else { "—" } }
                    @if can_edit { td.no-print {
                        @if c.usable(now) {
                            form.inline method="post" action={ "/vouchers/" (b.id) "/void-cards" } {
                                (csrf(&cx))
                                input type="hidden" name="code" value=(c.code);
                                button.danger type="submit" data-confirm=(cx.f(Msg::ConfirmVoidCard, &[&c.code])) { (cx.t(Msg::Void)) }
                            }
                        }
                    } }
                } } }
            } }
            (grid::pager(&cx, &req, want.min(pages), Some(pages), false))
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, &format!("{} #{}", cx.t(Msg::VoucherBatch), b.id), body),
    ))
}

/// The void forms' outcome: back to the batch saying how many, or the batch page again with
/// the problem.
async fn voided(cx: &Ctx, batch_id: u64, selection: Selection, reason: &str) -> Out {
    match crate::ops::vouchers::void_cards(&cx.app, &cx.by(), selection, reason.to_string()).await {
        Ok(v) => Ok(http::redirect(&format!(
            "/vouchers/{batch_id}?notice=voided&n={}",
            v.cards.len()
        ))),
        Err(Error::Invalid(p)) => {
            let text = p
                .get("from")
                .or_else(|| p.get("code"))
                .or_else(|| p.get("reason"))
                .map(|x| x.text(cx.lang))
                .unwrap_or_else(|| cx.t(Msg::BadRequest).to_string());
            Ok(crate::web::pages::misc::message_page(
                cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &text,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn void(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let f = &req.form;
    let selection = if f.get("whole") == "1" {
        Selection::Batch(id)
    } else {
        let n = |k: &str| f.get(k).trim().parse::<u32>().unwrap_or(0);
        Selection::Numbers {
            batch_id: id,
            from: n("from"),
            to: n("to"),
        }
    };
    voided(&cx, id, selection, f.get("reason")).await
}

pub async fn void_cards(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let codes: Vec<String> = req
        .form
        .fields
        .iter()
        .filter(|(k, _)| k == "code")
        .map(|(_, v)| v.clone())
        .take(crate::vouchers::void::MAX_CODES + 1)
        .collect();
    voided(&cx, id, Selection::Codes(codes), req.form.get("reason")).await
}

/// Cards sold at the counter: a count (the first in stock) or card numbers from–to.
pub async fn sell(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let f = &req.form;
    let mut p = Problems::default();
    let pick =
        crate::vouchers::stock::Pick::parse(f.get("count"), f.get("from"), f.get("to"), &mut p);
    let result = match pick {
        Some(pick) => {
            crate::ops::agents::sell_at_counter(
                &cx.app,
                &cx.by(),
                id,
                pick,
                f.get("idempotency_key"),
            )
            .await
        }
        None => Err(Error::Invalid(p)),
    };
    match result {
        Ok(once) if once.replayed => Ok(http::redirect(&format!("/vouchers/{id}?notice=already"))),
        Ok(once) => Ok(http::redirect(&format!(
            "/vouchers/{id}?notice=sold&sold={}",
            once.value.len()
        ))),
        Err(Error::Invalid(p)) => {
            let text =
                p.0.first()
                    .map_or_else(|| cx.t(Msg::BadRequest).to_string(), |x| x.text(cx.lang));
            Ok(crate::web::pages::misc::message_page(
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &text,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Router names by id, for the print and export views.
pub(super) fn router_names(routers: &[Router]) -> HashMap<u64, &Router> {
    routers.iter().map(|r| (r.id, r)).collect()
}
