//! The customer portal at `/portal`: a phone-sized page where a customer logs in with their
//! service login, sees their plan, expiry, bills, payments and where to pay, and sends feedback.
//!
//! Every handler takes the customer from the portal session (`cx.customer`), never from the
//! request: a customer cannot name another customer's records.

use crate::billing::Plan;
use crate::billing::customer::{Customer, Shown};
use crate::billing::ledger::{self, BankAccount, Bill, BillStatus, Payment};
use crate::error::Error;
use crate::feedback::{self, Category, Feedback};
use crate::i18n::Msg;
use crate::portal::{self, LoginError};
use crate::store::{Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::{Ctx, PortalUser};
use crate::web::dispatch::PORTAL_COOKIE;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req, safe_next};
use crate::web::layout::{self, csrf, portal_page};
use crate::web::pages::bills::status_badge;
use crate::web::pages::customers::status_text;
use crate::web::pages::payments::method_label;
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn me(cx: &Ctx) -> Result<&PortalUser, WebError> {
    // The route guard has checked this; a missing customer here is a routing mistake.
    cx.customer.as_ref().ok_or(WebError::Forbidden)
}

fn only_portal_next(next: &str) -> &str {
    let n = safe_next(next);
    if n == "/portal" || n.starts_with("/portal/") {
        n
    } else {
        "/portal"
    }
}

fn login_page(cx: &Ctx, error: Option<&str>, login: &str, next: &str) -> Markup {
    portal_page(
        cx,
        cx.t(Msg::PortalTitle),
        html! {
            p { (cx.t(Msg::PortalLoginHelp)) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/portal/login" {
                (csrf(cx))
                input type="hidden" name="next" value=(next);
                label.field { span { (cx.t(Msg::Username)) } input type="text" name="login" value=(login) required autofocus autocomplete="username" autocapitalize="none"; }
                label.field { span { (cx.t(Msg::Password)) } input type="password" name="password" required autocomplete="current-password"; }
                button type="submit" { (cx.t(Msg::LogIn)) }
            }
        },
    )
}

pub async fn login_form(cx: Arc<Ctx>, req: Req) -> Out {
    if cx.customer.is_some() {
        return Ok(http::redirect("/portal"));
    }
    let next = only_portal_next(req.query("next").unwrap_or("/portal"));
    Ok(http::html(StatusCode::OK, login_page(&cx, None, "", next)))
}

pub async fn login(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let (login, password) = (
        f.get("login").trim().to_string(),
        f.get("password").to_string(),
    );
    let next = only_portal_next(f.get("next")).to_string();
    let now = cx.now;
    let delay = match cx.app.portal_limiter.begin(&login, cx.peer, now) {
        Ok(d) => d,
        Err(minutes) => {
            return Ok(http::html(
                StatusCode::TOO_MANY_REQUESTS,
                login_page(&cx, Some(&cx.f(Msg::LockedOut, &[&minutes])), &login, &next),
            ));
        }
    };
    tokio::time::sleep(delay).await;
    let (l, pw, secrets) = (login.clone(), password, cx.app.secrets.clone());
    let found = cx
        .app
        .store
        .read_async(move |r| portal::authenticate(r, &secrets, &l, &pw))
        .await?;
    let customer = match found {
        Ok(c) => c,
        Err(e) => {
            // What was typed may be a password or of any size: only its length is logged.
            tracing::warn!(login_chars = login.chars().count(), ip = %cx.ip, "failed portal login");
            // In the audit log too, without what was typed; the limiter bounds how many.
            let (now, ip) = (cx.now, cx.ip.clone());
            cx.app
                .store
                .write_async(move |w| {
                    let actor = crate::audit::Actor {
                        admin_id: None,
                        username: "(portal)".into(),
                        via: crate::audit::Via::Web,
                        ip: Some(ip),
                    };
                    crate::audit::record(
                        w,
                        now,
                        &actor,
                        "login_failed",
                        "portal",
                        "",
                        String::new(),
                    )
                })
                .await?;
            let msg = match e {
                LoginError::Wrong => Msg::BadCredentials,
                LoginError::Ambiguous => Msg::PortalAmbiguous,
            };
            return Ok(http::html(
                StatusCode::UNAUTHORIZED,
                login_page(&cx, Some(cx.t(msg)), &login, &next),
            ));
        }
    };
    cx.app.portal_limiter.succeeded(&login, cx.peer, now);
    let ip = cx.ip.clone();
    let token = cx
        .app
        .store
        .write_async(move |w| {
            let token = portal::start(w, now, customer.id, &ip)?;
            let actor = feedback::customer_actor(&customer, &ip);
            crate::audit::record(
                w,
                now,
                &actor,
                "login",
                "portal",
                customer.id,
                String::new(),
            )?;
            Ok::<_, Error>(token)
        })
        .await?;
    let mut r = http::redirect(&next);
    http::add_cookie(
        &mut r,
        &http::cookie(
            PORTAL_COOKIE,
            &token,
            Some(portal::ABSOLUTE.as_secs()),
            true,
            req.secure,
        ),
    );
    Ok(r)
}

pub async fn logout(cx: Arc<Ctx>, req: Req) -> Out {
    let key = me(&cx)?.session_key.clone();
    cx.app
        .store
        .write_async(move |w| portal::end(w, &key))
        .await?;
    let mut r = http::redirect("/portal/login");
    http::add_cookie(
        &mut r,
        &http::cookie(PORTAL_COOKIE, "", Some(0), true, req.secure),
    );
    Ok(r)
}

struct Overview {
    plan: Option<Plan>,
    bills: Vec<Bill>,
    payments: Vec<Payment>,
    accounts: Vec<BankAccount>,
    feedback: Vec<Feedback>,
    /// Paying by QPay is set up: the "Pay / renew" button shows.
    qpay: bool,
}

fn category_select(cx: &Ctx, chosen: &str) -> Markup {
    html! {
        label.field { span { (cx.t(Msg::Category)) }
            select name="category" {
                @for c in Category::ALL { option value=(c.id()) selected[chosen == c.id()] { (cx.t(c.msg())) } }
            }
        }
    }
}

fn feedback_form(cx: &Ctx, p: &Problems, category: &str, text: &str) -> Markup {
    html! {
        section.card id="feedback" {
            h2 { (cx.t(Msg::NewFeedback)) }
            (layout::problems_summary(cx, p))
            form method="post" action="/portal/feedback" {
                (csrf(cx))
                (category_select(cx, category))
                (layout::textarea(cx, p, "text", Msg::FeedbackText, text))
                button type="submit" { (cx.t(Msg::SendNow)) }
            }
        }
    }
}

fn overview(cx: &Ctx, c: &Customer, o: &Overview, form: Markup) -> Markup {
    let days_left = c.days_left(cx.now);
    let due: i64 = o
        .bills
        .iter()
        .filter(|b| b.status == BillStatus::Pending)
        .map(|b| b.amount - b.paid)
        .sum();
    let shown = c.shown(cx.now);
    html! {
        section.card.service {
            h2 { (cx.t(Msg::YourService)) }
            p.big { (c.name) }
            dl.facts {
                dt { (cx.t(Msg::MenuPlans)) } dd { (o.plan.as_ref().map_or("—", |p| p.name.as_str())) }
                @if let Some(p) = &o.plan { dt { (cx.t(Msg::Speed)) } dd { "↓ " (p.download) " / ↑ " (p.upload) } }
                dt { (cx.t(Msg::Status)) } dd {
                    span class={ "badge" @if shown == Shown::Active { " good" } @else { " bad" } } { (status_text(cx, shown)) }
                }
                dt { (cx.t(Msg::ServiceUntil)) } dd { (cx.datetime(c.expires_at)) }
                dt { (cx.t(Msg::DaysLeft)) } dd.days-left { (days_left) }
                @if due > 0 { dt { (cx.t(Msg::AmountDue)) } dd { strong { (cx.money(due)) } } }
            }
            @if o.qpay { p { a.button href="/portal/pay" { (cx.t(Msg::PayRenew)) } } }
        }
        @let accounts: Vec<_> = o.accounts.iter().filter(|a| a.active).collect();
        @if !accounts.is_empty() {
            section.card {
                h2 { (cx.t(Msg::PayInto)) }
                ul.plain { @for a in accounts { li { strong { (a.bank) } " " (a.number) br; small.muted { (a.holder) " " (a.currency) } } } }
                p.muted { (cx.t(Msg::Reference)) ": " (c.login) }
            }
        }
        section.card {
            h2 { (cx.t(Msg::Bills)) }
            @if o.bills.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } }
            ul.plain { @for b in o.bills.iter().filter(|b| b.status != BillStatus::Void).take(12) {
                li { (cx.date(b.period_start)) " – " (cx.date(b.period_end)) ": " strong { (cx.money(b.amount)) } " " (status_badge(cx, b)) }
            } }
        }
        section.card {
            h2 { (cx.t(Msg::PaymentHistory)) }
            @if o.payments.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } }
            ul.plain { @for p in o.payments.iter().take(24) {
                li { (cx.date(p.received_at)) ": " strong { (cx.money(p.amount)) } " " small.muted { (method_label(cx, &p.method)) } }
            } }
        }
        (form)
        section.card {
            h2 { (cx.t(Msg::Feedback)) }
            @if o.feedback.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } }
            ul.plain { @for f in &o.feedback {
                li { a href={ "/portal/feedback/" (f.id) } { (cx.t(f.category.msg())) ": " (f.text.chars().take(60).collect::<String>()) }
                     " " span.badge { (cx.t(f.status.msg())) }
                     @if f.replies.iter().any(|r| !r.from_customer) { " ✉" } }
            } }
        }
    }
}

async fn load(cx: &Ctx, c: &Customer) -> Result<Overview, WebError> {
    let (id, plan_id) = (c.id, c.plan_id);
    Ok(cx
        .app
        .store
        .read_async(move |r| {
            let mut bills = ledger::bills_of(r, id)?;
            bills.reverse();
            let mut payments = ledger::payments_of(r, id)?;
            payments.reverse();
            Ok::<_, StoreError>(Overview {
                plan: r.get::<Plan>(plan_id)?,
                bills,
                payments,
                accounts: r.list::<BankAccount>()?,
                feedback: feedback::of_customer(r, id)?,
                qpay: crate::selfpay::settings::load(r)?.usable(),
            })
        })
        .await?)
}

pub async fn home(cx: Arc<Ctx>, req: Req) -> Out {
    let c = me(&cx)?.customer.clone();
    let o = load(&cx, &c).await?;
    let body = html! {
        @if req.query("notice") == Some("sent") { p.notice role="status" { (cx.t(Msg::FeedbackSent)) } }
        (overview(&cx, &c, &o, feedback_form(&cx, &Problems::default(), "request", "")))
    };
    Ok(http::html(
        StatusCode::OK,
        portal_page(&cx, cx.t(Msg::PortalTitle), body),
    ))
}

pub async fn submit_feedback(cx: Arc<Ctx>, req: Req) -> Out {
    let c = me(&cx)?.customer.clone();
    let (category, text) = (
        req.form.get("category").to_string(),
        req.form.get("text").to_string(),
    );
    let (now, ip, id) = (cx.now, cx.ip.clone(), c.id);
    let (cat, t) = (category.clone(), text.clone());
    let result = cx
        .app
        .store
        .write_async(move |w| feedback::submit(w, now, id, &ip, &cat, &t))
        .await;
    match result {
        Ok(f) => Ok(http::redirect(&format!(
            "/portal/feedback/{}?notice=sent",
            f.id
        ))),
        Err(Error::Invalid(p)) => {
            refused(
                &cx,
                &c,
                &p,
                &category,
                &text,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::TooMany(p)) => {
            refused(&cx, &c, &p, &category, &text, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The portal home again, with the feedback form saying why it was not sent.
async fn refused(
    cx: &Ctx,
    c: &Customer,
    p: &Problems,
    category: &str,
    text: &str,
    status: StatusCode,
) -> Out {
    let o = load(cx, c).await?;
    let body = overview(cx, c, &o, feedback_form(cx, p, category, text));
    Ok(http::html(
        status,
        portal_page(cx, cx.t(Msg::PortalTitle), body),
    ))
}

pub fn thread(cx: &Ctx, f: &Feedback, for_customer: bool) -> Markup {
    html! {
        ol.thread {
            li.from-customer {
                small.muted { (cx.datetime(f.created_at)) " · " (cx.t(f.category.msg())) }
                p { (f.text) }
            }
            @for r in &f.replies {
                li class=(if r.from_customer { "from-customer" } else { "from-operator" }) {
                    small.muted {
                        (cx.datetime(r.at)) " · "
                        @if r.from_customer {
                            @if for_customer { (cx.t(Msg::You)) } @else { (r.author) }
                        } @else if for_customer { (cx.t(Msg::Operator)) } @else { (r.author) }
                    }
                    p { (r.text) }
                }
            }
        }
    }
}

async fn show_thread(cx: &Ctx, id: u64, p: &Problems, text: &str, notice: bool) -> Out {
    let cid = me(cx)?.customer.id;
    let f = cx
        .app
        .store
        .read_async(move |r| feedback::own(r, cid, id))
        .await?;
    let status = if p.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        @if notice { p.notice role="status" { (cx.t(Msg::FeedbackSent)) } }
        p { a href="/portal" { "← " (cx.t(Msg::Back)) } }
        section.card {
            h2 { (cx.t(f.category.msg())) " " span.badge { (cx.t(f.status.msg())) } }
            (thread(cx, &f, true))
        }
        section.card {
            (layout::problems_summary(cx, p))
            form method="post" action={ "/portal/feedback/" (f.id) } {
                (csrf(cx))
                (layout::textarea(cx, p, "text", Msg::FeedbackText, text))
                button type="submit" { (cx.t(Msg::SendNow)) }
            }
        }
    };
    Ok(http::html(
        status,
        portal_page(cx, cx.t(Msg::Feedback), body),
    ))
}

pub async fn feedback_thread(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    show_thread(
        &cx,
        id,
        &Problems::default(),
        "",
        req.query("notice") == Some("sent"),
    )
    .await
}

pub async fn follow_up(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let cid = me(&cx)?.customer.id;
    let text = req.form.get("text").to_string();
    let (now, ip, t) = (cx.now, cx.ip.clone(), text.clone());
    let result = cx
        .app
        .store
        .write_async(move |w| feedback::customer_follow_up(w, now, cid, &ip, id, &t))
        .await;
    match result {
        Ok(_) => Ok(http::redirect(&format!("/portal/feedback/{id}"))),
        Err(Error::Invalid(p)) => show_thread(&cx, id, &p, &text, false).await,
        Err(Error::TooMany(p)) => {
            let mut page = show_thread(&cx, id, &p, &text, false).await?;
            *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}
