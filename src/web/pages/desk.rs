//! The sales agent's desk: their balance and cards, selling one (shown as a card to hand over,
//! with its QR), renewing a customer by login or phone, and their statement. An agent sees
//! nothing of anyone else: every page here is for the agent the signed-in login belongs to.

use super::agents::{balance_cards, statement_page, stock_of, stock_table};
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::agent::{Agent, EntryKind};
use crate::model::voucher::{Batch, Card, LoginMode};
use crate::network::Router;
use crate::store::{Reader, StoreError};
use crate::validate::Problems;
use crate::vouchers::{agents, query, statement};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, input, page};
use crate::web::pages::vouchers::print::login_url;
use crate::web::qr;
use hyper::StatusCode;
use maud::{Markup, PreEscaped, html};
use std::sync::Arc;

/// Sales listed on the desk.
const RECENT_SALES: usize = 20;

/// The agent the signed-in login belongs to, if it is one.
async fn me(cx: &Ctx) -> Result<Option<Agent>, WebError> {
    let Some(admin_id) = cx.user.as_ref().map(|u| u.admin.id) else {
        return Ok(None);
    };
    Ok(cx
        .app
        .store
        .read_async(move |r| agents::of_admin(r, admin_id))
        .await?)
}

/// Said to a login that may open the desk but is no agent's (a super admin): the desk is
/// theirs to open, there is just nothing on it, and a form sent to it changes nothing.
fn not_an_agent(cx: &Ctx, status: StatusCode) -> Out {
    Ok(http::html(
        status,
        page(
            cx,
            cx.t(Msg::MenuAgentDesk),
            html! { p.error { (cx.t(Msg::NotAnAgent)) } },
        ),
    ))
}

fn desk_page(cx: &Ctx, a: &Agent, extra: Markup, p: &Problems, desk: &Desk) -> Markup {
    let body = html! {
        (extra)
        (layout::problems_listed(cx, p))
        (balance_cards(cx, a))
        h2 { (cx.t(Msg::SellCard)) }
        (stock_table(cx, &desk.stock, Some("/desk/sell")))
        h2 { (cx.t(Msg::RenewCustomer)) }
        form method="post" action="/desk/renew" {
            (csrf(cx))
            input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
            (input(cx, p, "who", Msg::LoginOrPhone, "text", "", true))
            button type="submit" { (cx.t(Msg::Renew)) }
        }
        h2 { (cx.t(Msg::RecentSales)) }
        @if desk.sales.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            ul.plain { @for (at, what) in &desk.sales { li { (cx.datetime(*at)) " — " (what) } } }
        }
        p { a.button.secondary href="/desk/statement" { (cx.t(Msg::AgentStatement)) } }
    };
    page(cx, &a.name, body)
}

struct Desk {
    stock: Vec<super::agents::Held>,
    sales: Vec<(jiff::Timestamp, String)>,
}

async fn desk(cx: &Ctx, agent_id: u64) -> Result<Desk, WebError> {
    let (now, lang) = (cx.now, cx.lang);
    Ok(cx
        .app
        .store
        .read_async(move |r| {
            let sales = statement::recent(r, agent_id, lang, RECENT_SALES, |k| {
                matches!(k, EntryKind::Sale { .. } | EntryKind::Renewal { .. })
            })?
            .into_iter()
            .map(|l| (l.entry.at, l.what))
            .collect();
            Ok::<_, StoreError>(Desk {
                stock: stock_of(r, agent_id, now)?,
                sales,
            })
        })
        .await?)
}

pub async fn show(cx: Arc<Ctx>, _req: Req) -> Out {
    let Some(a) = me(&cx).await? else {
        return not_an_agent(&cx, StatusCode::OK);
    };
    let d = desk(&cx, a.id).await?;
    Ok(http::html(
        StatusCode::OK,
        desk_page(&cx, &a, html! {}, &Problems::default(), &d),
    ))
}

async fn refused(cx: &Ctx, a: &Agent, p: &Problems) -> Out {
    let d = desk(cx, a.id).await?;
    Ok(http::html(
        StatusCode::UNPROCESSABLE_ENTITY,
        desk_page(cx, a, html! {}, p, &d),
    ))
}

/// A sold card as the agent hands it over: what it is, its code (and PIN) and its QR.
fn sold_card(
    cx: &Ctx,
    card: &Card,
    batch: &Batch,
    plan: Option<&crate::billing::Plan>,
    host: &str,
) -> Markup {
    let pin = match batch.login_mode {
        LoginMode::CodeOnly => None,
        LoginMode::CodeAndPin => cx.app.secrets.open_sealed(&card.pin_sealed),
    };
    let url = login_url(host, &card.code, pin.as_deref().unwrap_or(&card.code));
    let package = plan.map_or_else(|| format!("#{}", batch.plan_id), |p| p.name.clone());
    html! {
        div.vcard.sold {
            div.vc-text {
                div.vc-co { (cx.settings.company_name) }
                div.vc-plan { (package) " · " strong { (cx.money(batch.price)) } }
                div.vc-valid { (query::validity_text(cx.lang, batch, plan, &cx.tz)) }
            }
            @if let Some(svg) = qr::compact_svg(&url) { (PreEscaped(svg)) }
            div.vc-codes {
                div.vc-code { small { (cx.t(Msg::VoucherCode)) } b { (card.code) } }
                @if let Some(pin) = &pin { div.vc-code { small { (cx.t(Msg::VoucherPin)) } b { (pin) } } }
            }
        }
    }
}

pub async fn sell(cx: Arc<Ctx>, req: Req) -> Out {
    let Some(a) = me(&cx).await? else {
        return not_an_agent(&cx, StatusCode::CONFLICT);
    };
    let batch_id = req.form.get("batch_id").trim().parse::<u64>().ok();
    let key = req.form.get("idempotency_key");
    let sold = match crate::ops::agents::sell(&cx.app, &cx.by(), a.id, None, batch_id, key).await {
        Ok(s) => s,
        Err(Error::Invalid(p)) => return refused(&cx, &a, &p).await,
        Err(e) => return Err(e.into()),
    };
    let (card, _) = &sold.value;
    let batch_id = card.batch_id;
    let router_id = card.router_id;
    let (batch, plan, router, agent) = cx
        .app
        .store
        .read_async(move |r| {
            let batch = r.get::<Batch>(batch_id)?;
            let plan = match &batch {
                Some(b) => r.get::<crate::billing::Plan>(b.plan_id)?,
                None => None,
            };
            Ok::<_, StoreError>((
                batch,
                plan,
                r.get::<Router>(router_id)?,
                r.get::<Agent>(a.id)?,
            ))
        })
        .await?;
    let batch = batch.ok_or(WebError::NotFound)?;
    let agent = agent.ok_or(WebError::NotFound)?;
    let host = router.map_or_else(String::new, |r| r.hotspot_host());
    let extra = html! {
        @if sold.replayed { p.notice { (cx.t(Msg::AlreadyRecorded)) } }
        p.notice { (cx.t(Msg::CardSoldGive)) }
        div.sold-card { (sold_card(&cx, card, &batch, plan.as_ref(), &host)) }
        (layout::toolbar(&cx, html! {}))
    };
    let d = desk(&cx, a.id).await?;
    Ok(http::html(
        StatusCode::OK,
        desk_page(&cx, &agent, extra, &Problems::default(), &d),
    ))
}

pub async fn renew(cx: Arc<Ctx>, req: Req) -> Out {
    let Some(a) = me(&cx).await? else {
        return not_an_agent(&cx, StatusCode::CONFLICT);
    };
    let who: String = req.form.get("who").trim().chars().take(60).collect();
    if who.is_empty() {
        return refused(&cx, &a, &Problems::one("who", Msg::Required)).await;
    }
    let key = req.form.get("idempotency_key");
    let (rec, _) = match crate::ops::agents::renew(&cx.app, &cx.by(), a.id, who, key).await {
        Ok(x) => x,
        Err(Error::Invalid(p)) => return refused(&cx, &a, &p).await,
        Err(e) => return Err(e.into()),
    };
    let plan_id = rec.customer.plan_id;
    let agent_id = a.id;
    let (plan, agent) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, StoreError>((
                r.get::<crate::billing::Plan>(plan_id)?,
                r.get::<Agent>(agent_id)?,
            ))
        })
        .await?;
    let agent = agent.ok_or(WebError::NotFound)?;
    let package = plan.map_or_else(String::new, |p| p.name);
    let extra = html! {
        @if rec.replayed { p.notice { (cx.t(Msg::AlreadyRecorded)) } }
        p.notice { (cx.f(Msg::RenewedUntil, &[&rec.customer.name, &package, &cx.datetime(rec.customer.expires_at)])) }
    };
    let d = desk(&cx, a.id).await?;
    Ok(http::html(
        StatusCode::OK,
        desk_page(&cx, &agent, extra, &Problems::default(), &d),
    ))
}

pub async fn statement(cx: Arc<Ctx>, req: Req) -> Out {
    let Some(a) = me(&cx).await? else {
        return not_an_agent(&cx, StatusCode::OK);
    };
    statement_page(&cx, &req, a, "/desk/statement").await
}
