//! Sales agents, as the operator manages them: the list with balances and stock, making an
//! agent with their login, their terms, deposits, handing cards over and taking them back, and
//! the statement (print and Excel). The agent's own pages are `desk.rs`; both show stock and
//! statements through the functions here.

use crate::access::admins::Admin;
use crate::access::{Level, Menu};
use crate::billing::Plan;
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::Money;
use crate::model::agent::{Agent, PaysAt};
use crate::model::voucher::Batch;
use crate::reports::{ReportError, Sink};
use crate::store::{Read, Reader, StoreError};
use crate::validate::Problems;
use crate::vouchers::agents::AgentDraft;
use crate::vouchers::statement::{self, Line, Statement};
use crate::vouchers::stock::Pick;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::export::{Rows, export_rows};
use crate::web::http::{self, Form, Req};
use crate::web::layout::{self, checkbox, csrf, input, page, select, textarea};
use hyper::StatusCode;
use jiff::Timestamp;
use maud::{Markup, html};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Statement lines shown on an agent's page (the statement view shows the whole period).
const RECENT_LINES: usize = 30;

pub(super) use crate::vouchers::query::{Held, held_by as stock_of};

pub(super) fn pays_at_label(p: PaysAt) -> Msg {
    match p {
        PaysAt::Handover => Msg::PaysAtHandover,
        PaysAt::Sale => Msg::PaysAtSale,
    }
}

/// The money figures of an agent, as both the operator and the agent see them.
pub(super) fn balance_cards(cx: &Ctx, a: &Agent) -> Markup {
    html! {
        div.cards {
            div.card { div.muted { (cx.t(Msg::Balance)) } div.big { (cx.money(a.balance)) } }
            div.card { div.muted { (cx.t(Msg::CreditLimit)) } div.big { (cx.money(a.credit_limit)) } }
            div.card { div.muted { (cx.t(Msg::AvailableToSpend)) } div.big { (cx.money(a.balance + a.credit_limit)) } }
        }
    }
}

/// Statement lines in the order given.
pub(super) fn statement_table(cx: &Ctx, lines: &[Line]) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th { (cx.t(Msg::Date)) } th { (cx.t(Msg::Description)) }
                th.num { (cx.t(Msg::Amount)) } th.num { (cx.t(Msg::AgentCommissionEarned)) }
                th.num { (cx.t(Msg::Balance)) } th { (cx.t(Msg::RecordedBy)) }
            } }
            tbody {
                @for l in lines {
                    tr {
                        td { (cx.datetime(l.entry.at)) }
                        td { (l.what) }
                        td.num { @if l.entry.amount != 0 { (cx.money(l.entry.amount)) } }
                        td.num { @if l.entry.commission != 0 { (cx.money(l.entry.commission)) } }
                        td.num { (cx.money(l.entry.balance_after)) }
                        td { (l.entry.by) }
                    }
                }
            }
        } }
    }
}

fn statement_totals(cx: &Ctx, s: &Statement) -> Markup {
    let t = &s.totals;
    html! {
        dl.facts {
            dt { (cx.t(Msg::OpeningBalance)) } dd { (cx.money(t.opening)) }
            dt { (cx.t(Msg::AgentDeposit)) } dd { (cx.money(t.deposits)) }
            dt { (cx.t(Msg::Amount)) } dd { (cx.money(t.credits - t.debits)) }
            dt { (cx.t(Msg::AgentCommissionEarned)) } dd { (cx.money(t.commission)) }
            dt { (cx.t(Msg::CardsSold)) } dd { (cx.number(i64::from(t.cards_sold))) }
            dt { (cx.t(Msg::ClosingBalance)) } dd { strong { (cx.money(t.closing)) } }
        }
    }
}

/// `from`/`to` local dates of a statement (to inclusive), as UTC bounds.
fn period(cx: &Ctx, req: &Req) -> (String, String, Option<Timestamp>, Option<Timestamp>) {
    let day = |s: &str, next: bool| -> Option<Timestamp> {
        let d: jiff::civil::Date = s.trim().parse().ok()?;
        let d = if next { d.tomorrow().ok()? } else { d };
        crate::reports::start_of(d, &cx.tz)
    };
    let from = req
        .query("from")
        .unwrap_or("")
        .chars()
        .take(10)
        .collect::<String>();
    let to = req
        .query("to")
        .unwrap_or("")
        .chars()
        .take(10)
        .collect::<String>();
    let (f, t) = (day(&from, false), day(&to, true));
    (from, to, f, t)
}

/// The statement page of an agent (the operator's and the agent's own), with print and export.
pub(super) async fn statement_page(cx: &Ctx, req: &Req, agent: Agent, base: &str) -> Out {
    let (from, to, f, t) = period(cx, req);
    let lang = cx.lang;
    let agent_id = agent.id;
    let s = cx
        .app
        .store
        .read_async(move |r| statement::statement(r, agent_id, f, t, lang))
        .await?;
    if let Some(format) = req.query("format") {
        let rows = StatementRows {
            agent: agent.clone(),
            from: f,
            to: t,
            tz: cx.tz.clone(),
            lang,
        };
        return export_rows(cx, rows, format)
            .await
            .unwrap_or(Err(WebError::NotFound));
    }
    let q = format!("from={from}&to={to}");
    let body = html! {
        form.toolbar.no-print method="get" action=(base) {
            label.field { span { (cx.t(Msg::From)) } input type="date" name="from" value=(from); }
            label.field { span { (cx.t(Msg::To)) } input type="date" name="to" value=(to); }
            button.secondary type="submit" { (cx.t(Msg::Refresh)) }
        }
        (layout::toolbar(cx, html! {
            a.button.secondary href={ (base) "?" (q) "&format=xlsx" } { "Excel" }
            " "
            a.button.secondary href={ (base) "?" (q) "&format=csv" } { "CSV" }
        }))
        p { strong { (agent.name) } @if !agent.phone.is_empty() { " · " (agent.phone) } }
        (statement_totals(cx, &s))
        @if s.truncated { p.muted { (cx.f(Msg::AtMostItems, &[&statement::MAX_LINES])) } }
        (statement_table(cx, &s.lines))
    };
    Ok(http::html(
        StatusCode::OK,
        page(cx, cx.t(Msg::AgentStatement), body),
    ))
}

/// An agent's statement for the export download.
struct StatementRows {
    agent: Agent,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    tz: jiff::tz::TimeZone,
    lang: crate::i18n::Lang,
}

impl Rows for StatementRows {
    fn name(&self) -> String {
        format!("agent-{}-statement", self.agent.id)
    }

    fn run(&self, r: &Read, sink: &mut impl Sink) -> Result<(), ReportError> {
        let s = statement::statement(r, self.agent.id, self.from, self.to, self.lang)?;
        statement::export(&s, &self.agent.name, &self.tz, self.lang, sink)
    }
}

struct Row {
    agent: Agent,
    login: String,
    held: u32,
    sold: u32,
}

pub async fn list(cx: Arc<Ctx>, _req: Req) -> Out {
    let now = cx.now;
    let rows = cx
        .app
        .store
        .read_async(move |r| {
            let mut out = Vec::new();
            for a in r.list::<Agent>()? {
                let login = r
                    .get::<Admin>(a.admin_id)?
                    .map(|u| u.username)
                    .unwrap_or_default();
                let stock = stock_of(r, a.id, now)?;
                out.push(Row {
                    held: stock.iter().map(|h| h.held).sum(),
                    sold: stock.iter().map(|h| h.sold + h.used).sum(),
                    agent: a,
                    login,
                });
            }
            Ok::<_, StoreError>(out)
        })
        .await?;
    let body = html! {
        @if cx.can(Menu::Agents, Level::Edit) {
            (layout::toolbar(&cx, html! { a.button href="/agents/new" { (cx.t(Msg::NewAgent)) } }))
        }
        @if rows.is_empty() { p.muted { (cx.t(Msg::NoAgentsYet)) } } @else {
            div.table-wrap { table {
                thead { tr {
                    th { (cx.t(Msg::Name)) } th { (cx.t(Msg::Username)) } th { (cx.t(Msg::Phone)) }
                    th { (cx.t(Msg::PaysAt)) } th.num { (cx.t(Msg::CreditLimit)) }
                    th.num { (cx.t(Msg::Balance)) } th.num { (cx.t(Msg::CardsHeld)) }
                    th.num { (cx.t(Msg::CardsSold)) } th { (cx.t(Msg::Status)) }
                } }
                tbody { @for row in &rows {
                    tr {
                        td { a href={ "/agents/" (row.agent.id) } { (row.agent.name) } }
                        td { code { (row.login) } }
                        td { (row.agent.phone) }
                        td { (cx.t(pays_at_label(row.agent.pays_at))) }
                        td.num { (cx.money(row.agent.credit_limit)) }
                        td.num { (cx.money(row.agent.balance)) }
                        td.num { (cx.number(i64::from(row.held))) }
                        td.num { (cx.number(i64::from(row.sold))) }
                        td { @if row.agent.active { (cx.t(Msg::Active)) } @else { (cx.t(Msg::Inactive)) } }
                    }
                } }
            } }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::Agents), body),
    ))
}

fn draft_from(f: &Form) -> AgentDraft {
    AgentDraft {
        name: f.get("name").into(),
        phone: f.get("phone").into(),
        credit_limit: f.get("credit_limit").into(),
        pays_at: f.get("pays_at").into(),
        active: f.checked("active"),
        note: f.get("note").into(),
    }
}

fn terms_fields(cx: &Ctx, p: &Problems, d: &AgentDraft) -> Markup {
    let pays: Vec<(String, String)> = PaysAt::ALL
        .iter()
        .map(|x| (x.id().to_string(), cx.t(pays_at_label(*x)).to_string()))
        .collect();
    html! {
        (input(cx, p, "name", Msg::Name, "text", &d.name, true))
        (input(cx, p, "phone", Msg::Phone, "tel", &d.phone, false))
        (select(cx, p, "pays_at", Msg::PaysAt, &pays, &d.pays_at))
        (input(cx, p, "credit_limit", Msg::CreditLimit, "text", &d.credit_limit, false))
        p.muted { (cx.t(Msg::CreditLimitHelp)) }
        (checkbox(cx, "active", Msg::Active, d.active))
        (textarea(cx, p, "note", Msg::Note, &d.note))
    }
}

fn new_page(cx: &Ctx, d: &AgentDraft, username: &str, p: &Problems) -> Markup {
    let body = html! {
        (layout::problems_summary(cx, p))
        form method="post" action="/agents" {
            (csrf(cx))
            (terms_fields(cx, p, d))
            fieldset {
                legend { (cx.t(Msg::AgentLogin)) }
                p.muted { (cx.t(Msg::AgentLoginHelp)) }
                (input(cx, p, "username", Msg::Username, "text", username, true))
                (input(cx, p, "password", Msg::Password, "password", "", true))
                (input(cx, p, "password2", Msg::PasswordConfirm, "password", "", true))
            }
            button type="submit" { (cx.t(Msg::Save)) } " "
            a.button.secondary href="/agents" { (cx.t(Msg::Back)) }
        }
    };
    page(cx, cx.t(Msg::NewAgent), body)
}

pub async fn new_form(cx: Arc<Ctx>, _req: Req) -> Out {
    let d = AgentDraft {
        pays_at: PaysAt::Sale.id().into(),
        credit_limit: "0".into(),
        active: true,
        ..AgentDraft::default()
    };
    Ok(http::html(
        StatusCode::OK,
        new_page(&cx, &d, "", &Problems::default()),
    ))
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let d = draft_from(&req.form);
    let username = req.form.get("username").trim().to_owned();
    let (hash, p) = super::admins::new_password(&req).await?;
    match crate::ops::agents::create(&cx.app, &cx.by(), d.clone(), username.clone(), hash, p).await
    {
        Ok(a) => Ok(http::redirect(&format!("/agents/{}?notice=saved", a.id))),
        Err(Error::Invalid(p)) => Ok(http::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            new_page(&cx, &d, &username, &p),
        )),
        Err(e) => Err(e.into()),
    }
}

struct Shown {
    agent: Agent,
    login: String,
    stock: Vec<Held>,
    batches: Vec<(u64, String)>,
    recent: Vec<Line>,
}

async fn load(cx: &Ctx, id: u64) -> Result<Shown, WebError> {
    let (now, lang) = (cx.now, cx.lang);
    cx.app
        .store
        .read_async(move |r| {
            let Some(agent) = r.get::<Agent>(id)? else {
                return Ok(None);
            };
            let login = r
                .get::<Admin>(agent.admin_id)?
                .map(|u| u.username)
                .unwrap_or_default();
            let plans: BTreeMap<u64, String> = r
                .list::<Plan>()?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect();
            let batches = r
                .list::<Batch>()?
                .into_iter()
                .rev()
                .take(200)
                .map(|b| {
                    let name = plans
                        .get(&b.plan_id)
                        .cloned()
                        .unwrap_or_else(|| format!("#{}", b.plan_id));
                    (b.id, format!("№{} — {name} ({})", b.id, b.count))
                })
                .collect();
            let recent = statement::recent(r, id, lang, RECENT_LINES, |_| true)?;
            Ok::<_, StoreError>(Some(Shown {
                stock: stock_of(r, id, now)?,
                agent,
                login,
                batches,
                recent,
            }))
        })
        .await?
        .ok_or(WebError::NotFound)
}

/// The forms that move stock: a batch, and a count or a range.
fn stock_form(cx: &Ctx, s: &Shown, p: &Problems, action: &str, title: Msg) -> Markup {
    let opts: Vec<(String, String)> = s
        .batches
        .iter()
        .map(|(id, label)| (id.to_string(), label.clone()))
        .collect();
    let first = opts.first().map(|o| o.0.clone()).unwrap_or_default();
    html! {
        form method="post" action={ "/agents/" (s.agent.id) "/" (action) } {
            (csrf(cx))
            input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
            h3 { (cx.t(title)) }
            p.muted { (cx.t(Msg::CardsCountOrRange)) }
            (select(cx, p, "batch_id", Msg::VoucherBatch, &opts, &first))
            (input(cx, p, "count", Msg::CardCount, "number", "", false))
            (input(cx, p, "from", Msg::CardsFrom, "number", "", false))
            (input(cx, p, "to", Msg::CardsTo, "number", "", false))
            button type="submit" { (cx.t(title)) }
        }
    }
}

fn show_page(cx: &Ctx, req: &Req, s: &Shown, d: &AgentDraft, p: &Problems) -> Markup {
    let a = &s.agent;
    let edit = cx.can(Menu::Agents, Level::Edit);
    let methods: Vec<(String, String)> = cx
        .settings
        .payment_methods
        .iter()
        .map(|m| (m.clone(), crate::reports::revenue::method_text(cx.lang, m)))
        .collect();
    let notice = match req.query("notice") {
        Some("saved") => Some(Msg::Saved),
        Some("already") => Some(Msg::AlreadyRecorded),
        _ => None,
    };
    let body = html! {
        @if let Some(n) = notice { p.notice { (cx.t(n)) } }
        (layout::problems_listed(cx, p))
        p { (cx.t(Msg::Username)) ": " code { (s.login) } " · " (cx.t(pays_at_label(a.pays_at))) }
        (balance_cards(cx, a))
        h2 { (cx.t(Msg::MyStock)) }
        (stock_table(cx, &s.stock, None))
        @if edit {
            div.grid2 {
                form method="post" action={ "/agents/" (a.id) "/deposit" } {
                    (csrf(cx))
                    input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
                    h3 { (cx.t(Msg::RecordDeposit)) }
                    (input(cx, p, "amount", Msg::Amount, "text", "", true))
                    (select(cx, p, "method", Msg::Method, &methods, "cash"))
                    (input(cx, p, "reference", Msg::Reference, "text", "", false))
                    button type="submit" { (cx.t(Msg::RecordDeposit)) }
                }
                (stock_form(cx, s, p, "stock", Msg::HandOverCards))
                (stock_form(cx, s, p, "return", Msg::TakeBackCards))
            }
        }
        h2 { (cx.t(Msg::Statement)) }
        p { a.button.secondary href={ "/agents/" (a.id) "/statement" } { (cx.t(Msg::AgentStatement)) } }
        (statement_table(cx, &s.recent))
        @if edit {
            h2 { (cx.t(Msg::Edit)) }
            form method="post" action={ "/agents/" (a.id) } {
                (csrf(cx))
                (terms_fields(cx, p, d))
                button type="submit" { (cx.t(Msg::Save)) }
            }
        }
        p { a.button.secondary href="/agents" { (cx.t(Msg::Back)) } }
    };
    page(cx, &a.name, body)
}

/// Stock by batch; with `sell`, a "sell one" button per batch that has cards left (the desk).
pub(super) fn stock_table(cx: &Ctx, stock: &[Held], sell: Option<&str>) -> Markup {
    html! {
        @if stock.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            div.table-wrap { table {
                thead { tr {
                    th { (cx.t(Msg::VoucherBatch)) } th { (cx.t(Msg::MenuPlans)) } th.num { (cx.t(Msg::Price)) }
                    th.num { (cx.t(Msg::CardsHeld)) } th.num { (cx.t(Msg::CardsSold)) } th.num { (cx.t(Msg::CardInUse)) }
                    @if sell.is_some() { th {} }
                } }
                tbody { @for h in stock {
                    tr {
                        td { "№" (h.batch.id) }
                        td { (h.package) }
                        td.num { (cx.money(h.batch.price)) }
                        td.num { (cx.number(i64::from(h.held))) }
                        td.num { (cx.number(i64::from(h.sold))) }
                        td.num { (cx.number(i64::from(h.used))) }
                        @if let Some(action) = sell {
                            td { @if h.held > 0 {
                                form.inline method="post" action=(action) {
                                    (csrf(cx))
                                    input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
                                    input type="hidden" name="batch_id" value=(h.batch.id);
                                    button type="submit" { (cx.t(Msg::SellOne)) }
                                }
                            } }
                        }
                    }
                } }
            } }
        }
    }
}

fn id_of(req: &Req) -> Result<u64, WebError> {
    req.id(0).ok_or(WebError::NotFound)
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let s = load(&cx, id_of(&req)?).await?;
    let d = AgentDraft::of(&s.agent, cx.settings.currency.exponent);
    Ok(http::html(
        StatusCode::OK,
        show_page(&cx, &req, &s, &d, &Problems::default()),
    ))
}

/// The page again with the problems of a form that changed nothing.
async fn refused(cx: &Ctx, req: &Req, id: u64, p: &Problems) -> Out {
    let s = load(cx, id).await?;
    let d = AgentDraft::of(&s.agent, cx.settings.currency.exponent);
    Ok(http::html(
        StatusCode::UNPROCESSABLE_ENTITY,
        show_page(cx, req, &s, &d, p),
    ))
}

fn done(id: u64, replayed: bool) -> Out {
    let notice = if replayed { "already" } else { "saved" };
    Ok(http::redirect(&format!("/agents/{id}?notice={notice}")))
}

pub async fn update(cx: Arc<Ctx>, req: Req) -> Out {
    let id = id_of(&req)?;
    let d = draft_from(&req.form);
    match crate::ops::agents::update(&cx.app, &cx.by(), id, d.clone()).await {
        Ok(_) => done(id, false),
        Err(Error::Invalid(p)) => {
            let s = load(&cx, id).await?;
            Ok(http::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                show_page(&cx, &req, &s, &d, &p),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn deposit(cx: Arc<Ctx>, req: Req) -> Out {
    let id = id_of(&req)?;
    let f = &req.form;
    let amount = match Money::parse_major(f.get("amount"), cx.settings.currency.exponent) {
        Ok(m) => m,
        Err(m) => return refused(&cx, &req, id, &Problems::one("amount", m)).await,
    };
    let reference: String = f.get("reference").trim().chars().take(120).collect();
    let result = crate::ops::agents::deposit(
        &cx.app,
        &cx.by(),
        id,
        amount,
        f.get("method").trim().into(),
        reference,
        f.get("idempotency_key"),
    )
    .await;
    match result {
        Ok(once) => done(id, once.replayed),
        Err(Error::Invalid(p)) => refused(&cx, &req, id, &p).await,
        Err(e) => Err(e.into()),
    }
}

/// The batch and the pick of a stock form.
fn pick_of(f: &Form) -> Result<(u64, Pick), Problems> {
    let mut p = Problems::default();
    let batch = f.get("batch_id").trim().parse::<u64>().ok();
    if batch.is_none() {
        p.add("batch_id", Msg::InvalidChoice);
    }
    let pick = Pick::parse(f.get("count"), f.get("from"), f.get("to"), &mut p);
    match (batch, pick) {
        (Some(b), Some(k)) => Ok((b, k)),
        _ => Err(p),
    }
}

async fn move_stock(cx: Arc<Ctx>, req: Req, back: bool) -> Out {
    let id = id_of(&req)?;
    let (batch, pick) = match pick_of(&req.form) {
        Ok(x) => x,
        Err(p) => return refused(&cx, &req, id, &p).await,
    };
    let key = req.form.get("idempotency_key");
    match crate::ops::agents::move_stock(&cx.app, &cx.by(), id, batch, pick, back, key).await {
        Ok(once) => done(id, once.replayed),
        Err(Error::Invalid(p)) => refused(&cx, &req, id, &p).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn hand_over(cx: Arc<Ctx>, req: Req) -> Out {
    move_stock(cx, req, false).await
}

pub async fn take_back(cx: Arc<Ctx>, req: Req) -> Out {
    move_stock(cx, req, true).await
}

pub async fn statement(cx: Arc<Ctx>, req: Req) -> Out {
    let id = id_of(&req)?;
    let agent = cx
        .app
        .store
        .read_async(move |r| r.get::<Agent>(id))
        .await?
        .ok_or(WebError::NotFound)?;
    statement_page(&cx, &req, agent, &format!("/agents/{id}/statement")).await
}
