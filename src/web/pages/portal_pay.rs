//! "Pay / renew" in the portal: what the customer owes and gets, a QPay invoice for exactly
//! that, its QR drawn here as SVG with the bank-app buttons, and the page turning to "paid — you
//! are online" once the checker has recorded the payment. The customer comes from the portal
//! session only; an invoice of another customer is not found.

use crate::billing::Plan;
use crate::billing::ledger::BankAccount;
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::customer::Customer;
use crate::model::invoice::{Invoice, InvoiceStatus};
use crate::selfpay::invoices;
use crate::selfpay::settings::{self, QPaySettings};
use crate::store::{Reader, StoreError};
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{csrf, portal_page};
use hyper::StatusCode;
use maud::{Markup, PreEscaped, html};
use std::sync::Arc;

/// The pay page reloads itself this often while the invoice is open.
const REFRESH_SECS: u32 = 3;

fn customer(cx: &Ctx) -> Result<Customer, WebError> {
    cx.customer
        .as_ref()
        .map(|p| p.customer.clone())
        .ok_or(WebError::Forbidden)
}

struct Offer {
    settings: QPaySettings,
    due: Result<invoices::Due, Error>,
    plans: Vec<Plan>,
    accounts: Vec<BankAccount>,
}

async fn offer(cx: &Ctx, c: &Customer, plan_id: Option<u64>) -> Result<Offer, WebError> {
    let (now, c) = (cx.now, c.clone());
    Ok(cx
        .app
        .store
        .read_async(move |r| {
            let settings = settings::load(r)?;
            let due = invoices::due(r, now, &settings, &c, plan_id);
            let plans = if settings.other_plans {
                crate::billing::plan::list(r)?
            } else {
                Vec::new()
            };
            Ok::<_, StoreError>(Offer {
                settings,
                due,
                plans,
                accounts: r.list::<BankAccount>()?,
            })
        })
        .await?)
}

/// The bank accounts to pay into instead; `reference` is what to write on the transfer (the
/// pay page by address leaves it out: it shows nothing about the customer).
pub(super) fn bank_accounts(cx: &Ctx, accounts: &[BankAccount], reference: Option<&str>) -> Markup {
    let active: Vec<_> = accounts.iter().filter(|a| a.active).collect();
    html! {
        @if !active.is_empty() {
            section.card {
                h2 { (cx.t(Msg::PayInto)) }
                ul.plain { @for a in active { li { strong { (a.bank) } " " (a.number) br; small.muted { (a.holder) " " (a.currency) } } } }
                @if let Some(r) = reference { p.muted { (cx.t(Msg::Reference)) ": " (r) } }
            }
        }
    }
}

/// What paying now buys: the package, the amount and until when.
pub(super) fn what_you_get(cx: &Ctx, plan: &str, amount: i64, until: jiff::Timestamp) -> Markup {
    html! {
        dl.facts {
            dt { (cx.t(Msg::MenuPlans)) } dd { (plan) }
            dt { (cx.t(Msg::AmountDue)) } dd { strong.amount { (cx.money(amount)) } }
            dt { (cx.t(Msg::ServiceUntil)) } dd { (cx.datetime(until)) }
        }
    }
}

pub async fn page(cx: Arc<Ctx>, req: Req) -> Out {
    let c = customer(&cx)?;
    let plan_id = req.query("plan_id").and_then(|v| v.parse().ok());
    let o = offer(&cx, &c, plan_id).await?;
    let body = html! {
        @if !o.settings.usable() {
            p.notice role="status" { (cx.t(Msg::QPayOff)) }
        } @else {
            @match &o.due {
                Ok(due) => {
                    section.card {
                        h2 { (cx.t(Msg::PayRenew)) }
                        (what_you_get(&cx, &due.plan.name, due.amount, due.until))
                        @if o.plans.len() > 1 {
                            form method="get" action="/portal/pay" {
                                label.field { span { (cx.t(Msg::OtherPackage)) }
                                    select name="plan_id" {
                                        @for p in &o.plans {
                                            option value=(p.id) selected[p.id == due.plan.id] { (p.name) " — " (cx.money(p.price)) }
                                        }
                                    }
                                }
                                button.secondary type="submit" { (cx.t(Msg::ShowPrice)) }
                            }
                        }
                        form method="post" action="/portal/pay" {
                            (csrf(&cx))
                            input type="hidden" name="plan_id" value=(due.plan.id);
                            button type="submit" { (cx.t(Msg::PayWithQPay)) }
                        }
                    }
                }
                Err(_) => { p.error role="alert" { (cx.t(Msg::NothingToPay)) } }
            }
        }
        (bank_accounts(&cx, &o.accounts, Some(&c.login)))
        p { a href="/portal" { (cx.t(Msg::BackToPortal)) } }
    };
    Ok(http::html(
        StatusCode::OK,
        portal_page(&cx, cx.t(Msg::PayRenew), body),
    ))
}

/// Opens (or shows again) the invoice; a replayed form finds the same open invoice.
pub async fn open(cx: Arc<Ctx>, req: Req) -> Out {
    let c = customer(&cx)?;
    let plan_id = req.form.get("plan_id").trim().parse().ok();
    match crate::ops::selfpay::open_invoice(&cx.app.core, c.id, plan_id).await {
        Ok(i) => Ok(http::redirect(&format!("/portal/pay/{}", i.id))),
        Err(Error::Conflict(_) | Error::Invalid(_)) => Ok(http::redirect("/portal/pay")),
        Err(e) => Err(e.into()),
    }
}

pub async fn invoice(cx: Arc<Ctx>, req: Req) -> Out {
    let c = customer(&cx)?;
    let id = req.id(0).ok_or(WebError::NotFound)?;
    invoice_page(&cx, &c, id, "/portal/pay").await
}

/// The customer's invoice `id`, watched while the page is open. From the portal (`base`
/// `/portal/pay`) the bank accounts carry the customer's reference and the page links home; the
/// pay page by address (`/pay`) shows neither.
pub(super) async fn invoice_page(cx: &Ctx, c: &Customer, id: u64, base: &str) -> Out {
    let i = match crate::ops::selfpay::watch(&cx.app.core, c.id, id).await {
        Ok(i) => i,
        Err(Error::NotFound) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let (plan_id, cid) = (i.plan_id, c.id);
    let (plan, accounts, now_customer) = cx
        .app
        .store
        .read_async(move |r| {
            Ok::<_, StoreError>((
                r.get::<Plan>(plan_id)?,
                r.list::<BankAccount>()?,
                r.get::<Customer>(cid)?,
            ))
        })
        .await?;
    let plan = plan.map_or_else(|| "—".to_string(), |p| p.name);
    let c = now_customer.unwrap_or_else(|| c.clone());
    let portal = base == "/portal/pay";
    let body = html! {
        (show(cx, &i, &plan, c.expires_at, base))
        @if matches!(i.status, InvoiceStatus::Failed | InvoiceStatus::Open) {
            (bank_accounts(cx, &accounts, portal.then_some(c.login.as_str())))
        }
        @if portal { p { a href="/portal" { (cx.t(Msg::BackToPortal)) } } }
    };
    Ok(http::html(
        StatusCode::OK,
        portal_page(cx, cx.t(Msg::PayRenew), body),
    ))
}

/// The invoice as the customer sees it; `base` is the pay page it belongs to (`/portal/pay` or
/// `/pay`).
pub(super) fn show(
    cx: &Ctx,
    i: &Invoice,
    plan: &str,
    until: jiff::Timestamp,
    base: &str,
) -> Markup {
    match i.status {
        InvoiceStatus::Open => html! {
            section.card.pay data-refresh=(REFRESH_SECS) {
                noscript { meta http-equiv="refresh" content=(REFRESH_SECS * 2); }
                h2 { (cx.t(Msg::ScanToPay)) }
                dl.facts {
                    dt { (cx.t(Msg::MenuPlans)) } dd { (plan) }
                    dt { (cx.t(Msg::AmountDue)) } dd { strong.amount { (cx.money(i.amount)) } }
                    dt { (cx.t(Msg::PayBefore)) } dd { (cx.datetime(i.expires_at)) }
                }
                @if let Some(svg) = crate::web::qr::svg(&i.qr_text) {
                    div.qr { (PreEscaped(svg)) }
                }
                @if !i.links.is_empty() {
                    p.muted { (cx.t(Msg::OrOpenYourBankApp)) }
                    ul.bank-apps {
                        @for l in &i.links {
                            @if l.link.starts_with("https://") || is_app_scheme(&l.link) {
                                li { a.button.secondary href=(l.link) rel="noopener noreferrer" { (l.name) } }
                            }
                        }
                    }
                }
                p.muted role="status" { (cx.t(Msg::WaitingForPayment)) " " a href={ (base) "/" (i.id) } { (cx.t(Msg::CheckAgain)) } }
            }
        },
        InvoiceStatus::Paid => html! {
            section.card.paid role="status" {
                h2 { (cx.t(Msg::PaidYouAreOnline)) }
                dl.facts {
                    dt { (cx.t(Msg::Paid)) } dd { strong { (cx.money(i.paid)) } }
                    dt { (cx.t(Msg::ServiceUntil)) } dd { (cx.datetime(until)) }
                }
            }
        },
        InvoiceStatus::Failed => html! {
            p.error role="alert" { (cx.t(Msg::QPayUnavailable)) }
        },
        InvoiceStatus::Expired | InvoiceStatus::Cancelled => html! {
            p.notice role="status" { (cx.t(Msg::InvoiceEnded)) " " a href=(base) { (cx.t(Msg::PayRenew)) } }
        },
    }
}

/// A bank app's own link scheme (`khanbank://…`): letters only before the colon, never
/// `javascript:` or `data:`.
fn is_app_scheme(link: &str) -> bool {
    let Some((scheme, _)) = link.split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme.len() <= 30
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !matches!(
            scheme.to_ascii_lowercase().as_str(),
            "javascript" | "data" | "vbscript" | "file" | "http"
        )
}

/// QPay's unauthenticated callback: only a hint to check the invoice now.
pub async fn callback(cx: Arc<Ctx>, req: Req) -> Out {
    let number = req
        .query("invoice")
        .unwrap_or("")
        .chars()
        .take(40)
        .collect::<String>();
    let _ = crate::ops::selfpay::callback(&cx.app.core, &number).await;
    Ok(http::bytes(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        "SUCCESS",
    ))
}

#[cfg(test)]
mod tests {
    use super::is_app_scheme;

    #[test]
    fn bank_links_are_app_schemes_never_scripts() {
        assert!(is_app_scheme("khanbank://q?qPay_QRcode=abc"));
        assert!(is_app_scheme("tdbbank://q?x"));
        assert!(!is_app_scheme("javascript://alert(1)"));
        assert!(!is_app_scheme("JavaScript://x"));
        assert!(!is_app_scheme("data://text/html"));
        assert!(!is_app_scheme("javascript:alert(1)"));
        assert!(!is_app_scheme("nolink"));
    }
}
