//! Payment information: record a payment (which switches service on at once), the filterable
//! payments list, printable receipts, and reversals.

use crate::access::{Level, Menu};
use crate::billing::books::PER_PAGE;
use crate::billing::customer::Customer;
use crate::billing::ledger::{self, BankAccount, Payment};
use crate::billing::{CustomerKind, Plan};
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::Money;
use crate::network::Router;
use crate::ops::{self, payments::PaymentFields};
use crate::reports::Cell;
use crate::store::{Read, Reader, StoreError};
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, input, page, select};
use crate::web::{export, grid};
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

pub fn method_label(cx: &Ctx, id: &str) -> String {
    crate::reports::revenue::method_text(cx.lang, id)
}

/// The counter's payment methods as a select's (id, label) options.
pub fn method_options(cx: &Ctx) -> Vec<(String, String)> {
    cx.settings
        .payment_methods
        .iter()
        .map(|m| (m.clone(), method_label(cx, m)))
        .collect()
}

/// The payments list's filters live with the revenue report, which uses them too.
pub use crate::reports::revenue::PaymentFilter;

/// The names of these payments' customers, the packages, routers and bank accounts.
async fn lookups(
    cx: &Ctx,
    payments: &[Payment],
) -> Result<
    (
        HashMap<u64, String>,
        Vec<Plan>,
        Vec<Router>,
        Vec<BankAccount>,
    ),
    WebError,
> {
    let ids = payments.iter().map(|p| p.customer_id).collect();
    let names = cx.app.roster.names_async(&cx.app.store, ids).await?;
    Ok(cx
        .app
        .store
        .read_async(|r| {
            Ok::<_, StoreError>((
                names,
                r.list::<Plan>()?,
                r.list::<Router>()?,
                r.list::<BankAccount>()?,
            ))
        })
        .await?)
}

pub fn payments_table(cx: &Ctx, payments: &[Payment], names: &HashMap<u64, String>) -> Markup {
    let total: i64 = payments.iter().map(|p| p.amount).sum();
    html! {
        div.table-wrap.grid { table {
            thead { tr {
                th.num { (cx.t(Msg::Number)) } th { (cx.t(Msg::ReceivedAt)) } th { (cx.t(Msg::MenuCustomers)) }
                th.num { (cx.t(Msg::Amount)) } th { (cx.t(Msg::Method)) } th { (cx.t(Msg::Reference)) }
                th { (cx.t(Msg::RecordedBy)) } th { (cx.t(Msg::Status)) }
            } }
            tbody {
                @for p in payments {
                    tr {
                        td.num { a href={ "/payments/" (p.id) } { (p.id) } }
                        td { (cx.datetime(p.received_at)) }
                        td { @let name = names.get(&p.customer_id).map_or("?", String::as_str); a.clip href={ "/customers/" (p.customer_id) } title=(name) { (name) } }
                        td.num { (cx.money(p.amount)) }
                        td { (method_label(cx, &p.method)) }
                        td { (crate::web::grid::clip(&p.reference)) }
                        td { (p.recorded_by) }
                        td {
                            @if let Some(r) = p.reversed_by { span.badge.bad { (cx.t(Msg::Reversed)) " → #" (r) } }
                            @if let Some(o) = p.reversal_of { span.badge { (cx.t(Msg::ReversalOf)) " #" (o) } " " (p.reason) }
                        }
                    }
                }
            }
            tfoot { tr { th colspan="3" { (cx.t(Msg::Total)) } th.num { (cx.money(total)) } th colspan="4" {} } }
        } }
    }
}

/// A payment's status column in words: reversed by which, or a reversal of which and why.
fn status_text(lang: crate::i18n::Lang, p: &Payment) -> String {
    let mut out = Vec::new();
    if let Some(r) = p.reversed_by {
        out.push(format!("{} → #{r}", lang.t(Msg::Reversed)));
    }
    if let Some(o) = p.reversal_of {
        out.push(format!("{} #{o} {}", lang.t(Msg::ReversalOf), p.reason));
    }
    out.join(" ").trim().to_string()
}

/// The list as Excel or CSV: the same filters, every matching payment (the page shows
/// `PER_PAGE` at a time).
pub async fn export(cx: Arc<Ctx>, req: Req) -> Out {
    let f = PaymentFilter::from_query(&req);
    let (tz, lang) = (cx.tz.clone(), cx.lang);
    let header = [
        Msg::Number,
        Msg::ReceivedAt,
        Msg::MenuCustomers,
        Msg::Amount,
        Msg::Method,
        Msg::Reference,
        Msg::RecordedBy,
        Msg::Status,
    ];
    let list = export::List {
        name: "payments",
        title: cx.t(Msg::MenuPayments),
        header: header.iter().map(|m| lang.t(*m)).collect(),
        walk: move |r: &Read, emit: &mut export::Emit| {
            let names = export::customer_names(r)?;
            for p in f.newest(r, &tz, export::MAX_LIST_ROWS)? {
                let go_on = emit(vec![
                    export::int(p.id),
                    Cell::DateTime(crate::reports::local(p.received_at, &tz)),
                    Cell::text(names.get(&p.customer_id).cloned().unwrap_or_default()),
                    Cell::Money(p.amount),
                    Cell::text(crate::reports::revenue::method_text(lang, &p.method)),
                    Cell::text(p.reference.clone()),
                    Cell::text(p.recorded_by.clone()),
                    Cell::text(status_text(lang, &p)),
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

pub async fn list(cx: Arc<Ctx>, req: Req) -> Out {
    let f = PaymentFilter::from_query(&req);
    let number = grid::page_number(&req);
    let skip = (number - 1).saturating_mul(PER_PAGE);
    let (tz, books, store) = (cx.tz.clone(), cx.app.books.clone(), cx.app.store.clone());
    let (payments, more) = crate::store::blocking("payments list", move || {
        f.page(&books, &store, &tz, skip, PER_PAGE)
    })
    .await?;
    let (names, plans, routers, _) = lookups(&cx, &payments).await?;
    let q = |k: &str| req.query(k).unwrap_or("").to_string();
    let take = crate::web::pages::cashier::take_payment(&cx, &req).await?;
    let paid = crate::web::pages::cashier::paid_note(&cx, &req).await?;
    let body = html! {
        (layout::notice(&cx, req.query("notice")))
        (paid)
        (take)
        form.toolbar.no-print method="get" action="/payments" {
            label.field { span { (cx.t(Msg::From)) } input type="date" name="from" value=(q("from")); }
            label.field { span { (cx.t(Msg::To)) } input type="date" name="to" value=(q("to")); }
            label.field { span { (cx.t(Msg::Method)) } select name="method" {
                option value="" { (cx.t(Msg::All)) }
                @for m in &cx.settings.methods_seen() { option value=(m) selected[q("method") == *m] { (method_label(&cx, m)) } }
            } }
            label.field { span { (cx.t(Msg::Kind)) } select name="customer_kind" {
                option value="" { (cx.t(Msg::All)) }
                @for k in CustomerKind::ALL { option value=(k.id()) selected[q("customer_kind") == k.id()] { (crate::web::pages::customers::kind_label(&cx, k)) } }
            } }
            label.field { span { (cx.t(Msg::MenuPlans)) } select name="plan_id" {
                option value="" { (cx.t(Msg::All)) }
                @for p in &plans { option value=(p.id) selected[q("plan_id") == p.id.to_string()] { (p.name) } }
            } }
            label.field { span { (cx.t(Msg::MenuRouters)) } select name="router_id" {
                option value="" { (cx.t(Msg::All)) }
                @for r in &routers { option value=(r.id) selected[q("router_id") == r.id.to_string()] { (r.name) } }
            } }
            label.field { span { (cx.t(Msg::RecordedBy)) } input type="text" name="recorded_by" value=(q("recorded_by")); }
            button type="submit" { (cx.t(Msg::Filter)) }
        }
        (layout::toolbar(&cx, html! {
            a.button.secondary href="/bills" { (cx.t(Msg::Bills)) }
            a.button.secondary href="/bank-accounts" { (cx.t(Msg::MenuBankAccounts)) }
            a.button.secondary href="/qpay/invoices" { (cx.t(Msg::QPayInvoices)) }
            (export::links(&cx, &req, "/payments/export"))
        }))
        @if !payments.is_empty() {
            p.count.muted {
                (cx.f(Msg::RowsShown, &[&(skip + 1), &(skip + payments.len())]))
                " · " (cx.t(Msg::PaymentTotalsIn)) " "
                a href={ "/reports/revenue?" (grid::query_except(&req, &[])) } { (cx.t(Msg::ReportRevenue)) }
            }
        }
        (payments_table(&cx, &payments, &names))
        (grid::pager(&cx, &req, number, None, more))
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuPayments), body),
    ))
}

/// The payment form, usually reached from a customer's page.
pub fn form(
    cx: &Ctx,
    c: &Customer,
    d: &PaymentForm,
    accounts: &[BankAccount],
    p: &Problems,
) -> Markup {
    let methods = method_options(cx);
    let mut banks: Vec<(String, String)> = vec![(String::new(), "—".into())];
    banks.extend(
        accounts
            .iter()
            .filter(|a| a.active)
            .map(|a| (a.id.to_string(), format!("{} {}", a.bank, a.number))),
    );
    html! {
        form.payment method="post" action="/payments" {
            (csrf(cx))
            input type="hidden" name="customer_id" value=(c.id);
            input type="hidden" name="idempotency_key" value=(d.idempotency_key);
            (layout::problems_summary(cx, p))
            (input(cx, p, "amount", Msg::AmountMajor, "text", &d.amount, true))
            (select(cx, p, "method", Msg::Method, &methods, &d.method))
            (select(cx, p, "bank_account_id", Msg::BankAccount, &banks, &d.bank_account_id))
            (input(cx, p, "reference", Msg::Reference, "text", &d.reference, false))
            button type="submit" { (cx.t(Msg::RecordPayment)) }
        }
    }
}

/// The payment form as typed, to show again with its problems.
#[derive(Debug, Clone, Default)]
pub struct PaymentForm {
    pub customer_id: String,
    /// Major units, as typed at the counter.
    pub amount: String,
    pub method: String,
    pub bank_account_id: String,
    pub reference: String,
    pub received_at: String,
    pub idempotency_key: String,
}

impl PaymentForm {
    fn parse(&self, cx: &Ctx) -> Result<ledger::NewPayment, Error> {
        PaymentFields {
            customer_id: &self.customer_id,
            amount: Money::parse_major(&self.amount, cx.settings.currency.exponent),
            method: &self.method,
            bank_account_id: &self.bank_account_id,
            reference: &self.reference,
            received_at: &self.received_at,
            idempotency_key: &self.idempotency_key,
        }
        .parse(&cx.tz)
    }
}

pub async fn create(cx: Arc<Ctx>, req: Req) -> Out {
    let f = &req.form;
    let typed = PaymentForm {
        customer_id: f.get("customer_id").into(),
        amount: f.get("amount").into(),
        method: f.get("method").into(),
        bank_account_id: f.get("bank_account_id").into(),
        reference: f.get("reference").into(),
        received_at: f.get("received_at").into(),
        idempotency_key: f.get("idempotency_key").into(),
    };
    let recorded = match typed.parse(&cx) {
        Ok(new) => ops::payments::record(&cx.app, &cx.by(), new).await,
        Err(e) => Err(e),
    };
    match recorded {
        // A replayed form says so rather than "Payment recorded", which would read as a second.
        // From the cashier's box the cashier stays at the box for the next customer.
        Ok(rec) if f.get("back") == "payments" => Ok(http::redirect(&format!(
            "/payments?notice={}&payment={}",
            if rec.replayed { "already" } else { "saved" },
            rec.payment.id
        ))),
        Ok(rec) => Ok(http::redirect(&format!(
            "/customers/{}?notice={}&payment={}",
            rec.customer.id,
            if rec.replayed { "already" } else { "paid" },
            rec.payment.id
        ))),
        Err(Error::Invalid(p)) => {
            let id = typed.customer_id.parse::<u64>().unwrap_or(0);
            crate::web::pages::customers::show_with(
                &cx,
                id,
                None,
                Some(crate::web::pages::customers::Rejected::Payment(typed, p)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reverse_form(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    let f = &req.form;
    match ops::payments::reverse(
        &cx.app,
        &cx.by(),
        id,
        f.get("reason").to_string(),
        f.get("idempotency_key"),
    )
    .await
    {
        Ok(r) if !r.replayed => Ok(http::redirect(&format!("/payments/{id}?notice=saved"))),
        Ok(_) | Err(Error::Conflict(Msg::AlreadyReversed)) => {
            Ok(http::redirect(&format!("/payments/{id}?notice=already")))
        }
        Err(Error::Invalid(p)) => receipt_page(&cx, id, &p).await,
        Err(e) => Err(e.into()),
    }
}

/// The head of a receipt or bill: who issues it (name, register number, address) and where to
/// pay.
pub fn company_header(cx: &Ctx, accounts: &[BankAccount]) -> Markup {
    let s = &cx.settings;
    html! {
        header.doc-head {
            @if s.logo_mime.is_some() { img.logo-big src="/logo" alt=""; }
            h2 { (s.company_name) }
            @if !s.company_register.is_empty() { p { (cx.t(Msg::RegisterNo)) " " (s.company_register) } }
            @if !s.company_address.is_empty() { p { (s.company_address) } }
            @let active: Vec<&BankAccount> = accounts.iter().filter(|a| a.active).collect();
            @if !active.is_empty() {
                p.muted { (cx.t(Msg::PayInto)) }
                ul.bank-list { @for a in active { li { (a.bank) ": " strong { (a.number) } " — " (a.holder) " (" (a.currency) ")" } } }
            }
        }
    }
}

/// An amount as a receipt states it: the figure, then the words in the UI language (and in
/// English under Mongolian, as banks and auditors here read both).
pub fn amount_rows(cx: &Ctx, label: Msg, minor: i64) -> Markup {
    use crate::i18n::{Lang, words};
    let cur = &cx.settings.currency;
    html! {
        tr { th { (cx.t(label)) } td { strong { (cx.money(minor)) } } }
        @if let Some(w) = words::money(cx.lang, minor, cur) {
            tr.in-words { th { (cx.t(Msg::AmountInWords)) } td {
                (w)
                @if cx.lang == Lang::Mn { @if let Some(en) = words::money(Lang::En, minor, cur) { br; span.muted lang="en" { (en) } } }
            } }
        }
    }
}

/// The lines a printed document is signed and stamped on.
pub fn signatures(cx: &Ctx, who: &[Msg]) -> Markup {
    html! {
        div.signatures {
            @for m in who { p { (cx.t(*m)) ": " span.sign-line {} " " span.muted { (cx.t(Msg::SignatureLine)) } } }
            p.stamp { (cx.t(Msg::StampPlace)) }
        }
    }
}

async fn receipt_page(cx: &Ctx, id: u64, p: &Problems) -> Out {
    let (payment, customer, accounts) = cx
        .app
        .store
        .read_async(move |r| {
            let pay = r.get::<Payment>(id)?;
            let c = match &pay {
                Some(p) => r.get::<Customer>(p.customer_id)?,
                None => None,
            };
            Ok::<_, StoreError>((pay, c, r.list::<BankAccount>()?))
        })
        .await?;
    let payment = payment.ok_or(WebError::NotFound)?;
    let customer = customer.ok_or(WebError::NotFound)?;
    let can_reverse = cx.can(Menu::Payments, Level::Edit)
        && payment.reversed_by.is_none()
        && payment.reversal_of.is_none();
    let body = html! {
        (layout::toolbar(cx, html! { a.button.secondary href={ "/customers/" (customer.id) } { (cx.t(Msg::Back)) } }))
        article.receipt {
            (company_header(cx, &accounts))
            h1.doc-title { (cx.f(Msg::ReceiptNo, &[&payment.id])) }
            table.kv { tbody {
                tr { th { (cx.t(Msg::Customer)) } td { (customer.name) " (" (customer.login) ")" } }
                (amount_rows(cx, Msg::Amount, payment.amount))
                tr { th { (cx.t(Msg::Method)) } td { (method_label(cx, &payment.method)) } }
                tr { th { (cx.t(Msg::Reference)) } td { (payment.reference) } }
                tr { th { (cx.t(Msg::ReceivedAt)) } td { (cx.datetime(payment.received_at)) } }
                tr { th { (cx.t(Msg::RecordedBy)) } td { (payment.recorded_by) } }
                @if payment.extended_secs() > 0 {
                    // A reversal took the time back: the date would read as service still given.
                    @if payment.reversed_by.is_some() {
                        tr { th { (cx.t(Msg::ServiceUntil)) } td { (cx.t(Msg::ServiceWithdrawn)) } }
                    } @else {
                        tr { th { (cx.t(Msg::ServiceUntil)) } td { (payment.allocations.last().map(|a| cx.datetime(a.expires_after)).unwrap_or_default()) } }
                    }
                }
                @if let Some(r) = payment.reversed_by { tr { th { (cx.t(Msg::Status)) } td { span.badge.bad { (cx.t(Msg::Reversed)) " → #" (r) } } } }
                @if let Some(o) = payment.reversal_of { tr { th { (cx.t(Msg::ReversalOf)) } td { "#" (o) " — " (payment.reason) } } }
            } }
            (signatures(cx, &[Msg::ReceivedBy, Msg::PaidBy]))
        }
        @if can_reverse {
            section.no-print {
                h2 { (cx.t(Msg::ReversePayment)) }
                (layout::problems_summary(cx, p))
                form method="post" action={ "/payments/" (payment.id) "/reverse" } {
                    input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
                    (csrf(cx))
                    (input(cx, p, "reason", Msg::Reason, "text", "", true))
                    button.danger type="submit" data-confirm=(cx.t(Msg::ReversePayment)) { (cx.t(Msg::ReversePayment)) }
                }
            }
        }
    };
    let status = if p.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(http::html(
        status,
        layout::document_page(cx, &cx.f(Msg::ReceiptNo, &[&payment.id]), body),
    ))
}

pub async fn receipt(cx: Arc<Ctx>, req: Req) -> Out {
    receipt_page(
        &cx,
        req.id(0).ok_or(WebError::NotFound)?,
        &Problems::default(),
    )
    .await
}

/// A fresh idempotency key for a payment form: a double click submits it twice, records once.
pub fn new_key() -> String {
    crate::access::secret::new_token("pay_")
}
