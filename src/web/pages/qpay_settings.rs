//! Settings → QPay: the merchant account customers pay into, how payments are confirmed, the pay
//! page's address the routers let through, a status panel saying how QPay last answered, and the
//! fragment to paste into the hotspot login page.

use crate::access::{Level, Menu};
use crate::error::Error;
use crate::i18n::Msg;
use crate::ops::selfpay::Health;
use crate::selfpay::invoices;
use crate::selfpay::settings::{self, QPaySettings, QPaySettingsDraft};
use crate::store::StoreError;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use crate::web::layout::{self, checkbox, csrf, input, page, textarea};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn status_panel(cx: &Ctx, s: &QPaySettings, h: &Health, open: u64) -> Markup {
    html! {
        section.card id="qpay-status" {
            h2 { (cx.t(Msg::QPayStatus)) }
            @if !s.usable() {
                p.notice { (cx.t(Msg::QPayNotSetUp)) }
            } @else if h.failing() {
                p.error role="alert" { (cx.t(Msg::QPayFailing)) " " (h.last_error) }
            } @else if h.last_ok.is_some() {
                p { span.badge.good { (cx.t(Msg::QPayAnswering)) } }
            } @else {
                p.muted { (cx.t(Msg::QPayReady)) }
            }
            dl.facts {
                dt { (cx.t(Msg::QPayLastOk)) } dd { (h.last_ok.map_or_else(|| cx.t(Msg::Never).to_string(), |t| cx.datetime(t))) }
                @if let Some(t) = h.last_error_at { dt { (cx.t(Msg::LastError)) } dd { (cx.datetime(t)) } }
                dt { (cx.t(Msg::QPayOpenInvoices)) } dd { a href="/qpay/invoices?status=open" { (open) } }
                dt { (cx.t(Msg::QPayConfirmation)) } dd {
                    @if s.callback_base.is_empty() { (cx.t(Msg::QPayByPolling)) } @else { (cx.t(Msg::QPayByCallback)) }
                }
            }
            p { a href="/qpay/invoices" { (cx.t(Msg::QPayInvoices)) " →" } " · " a href="/settings/qpay/login-page" { (cx.t(Msg::HotspotLoginPage)) " →" } }
        }
    }
}

fn form(cx: &Ctx, p: &Problems, d: &QPaySettingsDraft, secret_stored: bool) -> Markup {
    html! {
        p.muted { (cx.t(Msg::QPaySettingsHelp)) }
        (layout::problems_summary(cx, p))
        form method="post" action="/settings/qpay" {
            (csrf(cx))
            section.card {
                (checkbox(cx, "enabled", Msg::QPayEnabled, d.enabled))
                @if let Some(e) = p.get("enabled") { span.field-error id="err-enabled" { (e.text(cx.lang)) } }
                (input(cx, p, "base_url", Msg::QPayBaseUrl, "text", &d.base_url, false))
                p.muted { (cx.t(Msg::QPayBaseUrlHelp)) }
                (input(cx, p, "client_id", Msg::QPayClientId, "text", &d.client_id, false))
                (input(cx, p, "client_secret", Msg::QPayClientSecret, "password", "", false))
                @if secret_stored { p.muted { (cx.t(Msg::QPaySecretStored)) } }
                (input(cx, p, "invoice_code", Msg::QPayInvoiceCode, "text", &d.invoice_code, false))
                (input(cx, p, "branch_code", Msg::QPayBranchCode, "text", &d.branch_code, false))
                (input(cx, p, "invoice_minutes", Msg::QPayInvoiceMinutes, "number", &d.invoice_minutes, false))
                (checkbox(cx, "other_plans", Msg::QPayOtherPlans, d.other_plans))
            }
            section.card {
                (input(cx, p, "callback_base", Msg::QPayCallbackBase, "text", &d.callback_base, false))
                p.muted { (cx.t(Msg::QPayCallbackHelp)) }
                (input(cx, p, "pay_address", Msg::QPayPayAddress, "text", &d.pay_address, false))
                p.muted { (cx.t(Msg::QPayPayAddressHelp)) }
                (textarea(cx, p, "garden_hosts", Msg::QPayGardenHosts, &d.garden_hosts))
                p.muted { (cx.t(Msg::QPayGardenHelp)) }
            }
            @if cx.can(Menu::Settings, Level::Edit) { button type="submit" { (cx.t(Msg::Save)) } }
        }
    }
}

async fn render(
    cx: &Ctx,
    status: StatusCode,
    p: &Problems,
    d: Option<&QPaySettingsDraft>,
    notice: Option<&str>,
) -> Out {
    let (s, open) = cx
        .app
        .store
        .read_async(|r| Ok::<_, StoreError>((settings::load(r)?, invoices::open_count(r)?)))
        .await?;
    let health = cx.app.core.selfpay_clients.health();
    let shown = d.cloned().unwrap_or_else(|| QPaySettingsDraft::of(&s));
    let body = html! {
        (layout::notice(cx, notice))
        (status_panel(cx, &s, &health, open))
        (form(cx, p, &shown, !s.secret_sealed.is_empty()))
    };
    Ok(http::html(
        status,
        page(cx, cx.t(Msg::QPaySettingsTitle), body),
    ))
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    render(
        &cx,
        StatusCode::OK,
        &Problems::default(),
        None,
        req.query("notice"),
    )
    .await
}

pub async fn save(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let d = QPaySettingsDraft {
        enabled: f.checked("enabled"),
        base_url: f.get("base_url").into(),
        client_id: f.get("client_id").into(),
        client_secret: f.get("client_secret").into(),
        invoice_code: f.get("invoice_code").into(),
        branch_code: f.get("branch_code").into(),
        callback_base: f.get("callback_base").into(),
        invoice_minutes: f.get("invoice_minutes").into(),
        other_plans: f.checked("other_plans"),
        pay_address: f.get("pay_address").into(),
        garden_hosts: f.get("garden_hosts").into(),
    };
    match crate::ops::selfpay::save_settings(&cx.app.core, &cx.by(), d.clone()).await {
        Ok(_) => Ok(http::redirect("/settings/qpay?notice=saved")),
        Err(Error::Invalid(p)) => {
            render(&cx, StatusCode::UNPROCESSABLE_ENTITY, &p, Some(&d), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// What to paste into `hotspot/login.html`: a link to the pay page, in both languages, shown
/// only where RouterOS reports a login error (the customer's time is up).
pub fn login_snippet(pay_address: &str) -> String {
    format!(
        "$(if error)\n<p style=\"margin:1em 0\"><a href=\"{pay_address}/pay\" \
         style=\"display:inline-block;padding:.8em 1.2em;background:#1565c0;color:#fff;\
         border-radius:6px;text-decoration:none\">Pay with QPay / QPay-ээр төлөх</a></p>\n$(endif)\n"
    )
}

pub async fn login_fragment(cx: Arc<Ctx>, _req: Req) -> Out {
    let s = cx.app.store.read_async(settings::load).await?;
    let body = html! {
        p.muted { (cx.t(Msg::HotspotLoginHelp)) }
        @if s.pay_address.is_empty() {
            p.error role="alert" { (cx.t(Msg::NeedPayAddress)) " " a href="/settings/qpay" { (cx.t(Msg::QPaySettingsTitle)) } }
        } @else {
            pre.snippet { code { (login_snippet(&s.pay_address)) } }
        }
        p { a href="/settings/qpay" { (cx.t(Msg::Back)) } }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::HotspotLoginPage), body),
    ))
}
