//! The customer page: what the customer has, what they paid and were billed, and the forms an
//! operator uses at the counter. Loaded once into a [`CustomerView`], drawn by small partials.

use super::kind_label;
use crate::access::{Level, Menu};
use crate::billing::Plan;
use crate::billing::customer::{Customer, CustomerKind, Status};
use crate::billing::ledger::{self, BankAccount, Bill, BillStatus, Extension, Payment};
use crate::error::Error;
use crate::i18n::Msg;
use crate::network::Router;
use crate::store::Reader;
use crate::validate::Problems;
use crate::web::ctx::Ctx;
use crate::web::error::{Out, WebError};
use crate::web::http::{self, Req};
use crate::web::layout::{self, csrf, page};
use crate::web::pages::payments::PaymentForm;
use hyper::StatusCode;
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Arc;

/// Everything the page shows, read in one snapshot.
struct CustomerView {
    c: Customer,
    router: Option<Router>,
    /// Whether a change saved now reaches the router at once or waits for it.
    router_state: crate::network::RouterState,
    plan: Option<Plan>,
    plans: Vec<Plan>,
    payments: Vec<Payment>,
    bills: Vec<Bill>,
    extensions: Vec<Extension>,
    accounts: Vec<BankAccount>,
    /// Removing them archives instead of deleting (`ops::customers::remove`'s rule).
    has_history: bool,
}

impl CustomerView {
    async fn load(cx: &Ctx, id: u64) -> Result<CustomerView, WebError> {
        Ok(cx
            .app
            .store
            .read_async(move |r| {
                let c = r.get::<Customer>(id)?.ok_or(Error::NotFound)?;
                Ok::<_, Error>(CustomerView {
                    router: r.get::<Router>(c.router_id)?,
                    router_state: crate::network::router::state(r, c.router_id)?,
                    plan: r.get::<Plan>(c.plan_id)?,
                    plans: r.list::<Plan>()?,
                    payments: ledger::payments_of(r, id)?,
                    bills: ledger::bills_of(r, id)?,
                    extensions: ledger::extensions_of(r, id)?,
                    accounts: r.list::<BankAccount>()?,
                    has_history: ledger::has_history(r, id)?,
                    c,
                })
            })
            .await?)
    }

    /// The payment form as it opens: what is owed on the oldest open bill, else the price.
    /// Right after a payment it opens empty: the next bill's amount there would invite paying
    /// twice.
    fn payment_form(&self, cx: &Ctx, just_paid: bool) -> PaymentForm {
        let owed = self
            .bills
            .iter()
            .filter(|b| b.status == BillStatus::Pending)
            .map(|b| b.amount - b.paid)
            .next()
            .or(self.plan.as_ref().map(|p| p.price))
            .unwrap_or(0);
        PaymentForm {
            amount: if just_paid {
                String::new()
            } else {
                crate::i18n::format::major_input(owed, cx.settings.currency.exponent)
            },
            method: cx
                .settings
                .payment_methods
                .first()
                .cloned()
                .unwrap_or_default(),
            idempotency_key: crate::web::pages::payments::new_key(),
            ..Default::default()
        }
    }
}

pub async fn show(cx: Arc<Ctx>, req: Req) -> Out {
    let id = req.id(0).ok_or(WebError::NotFound)?;
    show_with(&cx, id, req.query("notice"), None).await
}

/// The extension form as typed, to show again with its problems.
#[derive(Debug, Clone, Default)]
pub struct ExtensionForm {
    pub days: String,
    pub paid: bool,
    pub amount: String,
    pub method: String,
    pub reason: String,
    pub idempotency_key: String,
}

impl ExtensionForm {
    fn fresh(cx: &Ctx) -> ExtensionForm {
        ExtensionForm {
            method: cx
                .settings
                .payment_methods
                .first()
                .cloned()
                .unwrap_or_default(),
            idempotency_key: crate::idempotency::new_form_key(),
            ..Default::default()
        }
    }
}

/// A counter form that was refused, shown again as typed with its problems.
pub enum Rejected {
    Payment(PaymentForm, Problems),
    Extension(ExtensionForm, Problems),
}

/// The customer page, with a refused counter form if there is one.
pub async fn show_with(cx: &Ctx, id: u64, notice: Option<&str>, rejected: Option<Rejected>) -> Out {
    let v = CustomerView::load(cx, id).await?;
    let just_paid = matches!(notice, Some("paid" | "already"));
    let fresh = || (v.payment_form(cx, just_paid), Problems::default());
    let (pay, problems, ext, ext_problems) = match rejected {
        Some(Rejected::Payment(f, p)) => (f, p, ExtensionForm::fresh(cx), Problems::default()),
        Some(Rejected::Extension(e, p)) => {
            let (f, none) = fresh();
            (f, none, e, p)
        }
        None => {
            let (f, none) = fresh();
            (f, none, ExtensionForm::fresh(cx), Problems::default())
        }
    };
    let body = html! {
        (layout::notice(cx, notice))
        @if notice == Some("paid") { p.notice { (cx.t(if v.router_state.status == crate::network::RouterStatus::Online { Msg::PaymentRecorded } else { Msg::PaymentSaved })) } }
        @if notice == Some("extended") { p.notice { (cx.t(Msg::Extended)) } }
        @if notice == Some("kicked") { p.notice { (cx.t(Msg::Kicked)) } }
        @if matches!(notice, Some("saved" | "paid" | "extended")) { (waits_for_router(cx, &v)) }
        @if notice == Some("archived") { p.notice { (cx.t(Msg::CustomerArchivedNotice)) } }
        (actions(cx, &v.c))
        (details(cx, &v))
        (counter_forms(cx, &v, (&pay, &problems), (&ext, &ext_problems)))
        (history(cx, &v))
        @if cx.can(Menu::Customers, Level::Edit) && !v.c.archived {
            form.no-print method="post" action={ "/customers/" (v.c.id) "/delete" } {
                (csrf(cx))
                @if v.has_history {
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmArchiveCustomer)) { (cx.t(Msg::Archive)) }
                } @else {
                    button.danger type="submit" data-confirm=(cx.t(Msg::ConfirmDeleteCustomer)) { (cx.t(Msg::Delete)) }
                }
            }
        }
    };
    let status = if problems.is_empty() && ext_problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(http::html(status, page(cx, &v.c.name, body)))
}

/// A change saved while the customer's router is unreachable reaches it only when it is back:
/// "Saved." alone would read as done on the router.
fn waits_for_router(cx: &Ctx, v: &CustomerView) -> Markup {
    use crate::network::RouterStatus;
    let (Some(router), status) = (&v.router, v.router_state.status) else {
        return html! {};
    };
    if status == RouterStatus::Online {
        return html! {};
    }
    html! { p.notice.waiting role="status" { (cx.f(Msg::WaitsForRouter, &[&router.name])) } }
}

/// Edit, suspend / resume, kick, lift a portal lock, the customer's activity.
fn actions(cx: &Ctx, c: &Customer) -> Markup {
    if !cx.can(Menu::Customers, Level::Edit) {
        return layout::toolbar(cx, html! {});
    }
    let action = |path: &str, label: Msg, class: &str| {
        html! {
            form.inline method="post" action={ "/customers/" (c.id) "/" (path) } {
                (csrf(cx)) button class=(class) type="submit" { (cx.t(label)) }
            }
        }
    };
    let standing = cx.app.portal_limiter.standing(&c.login, cx.now);
    layout::toolbar(
        cx,
        html! {
            a.button href={ "/customers/" (c.id) "/edit" } { (cx.t(Msg::Edit)) }
            @match c.status {
                Status::Active => { (action("suspend", Msg::Suspend, "secondary")) (action("disable", Msg::Disable, "secondary")) }
                _ => { (action("resume", Msg::Resume, "secondary")) }
            }
            (action("kick", Msg::Kick, "secondary"))
            @if standing.failures > 0 || standing.locked_networks > 0 {
                (action("portal-unlock", Msg::UnlockPortal, "secondary"))
            }
            @if cx.can(Menu::Audit, Level::View) { a.button.secondary href={ "/audit?entity=customer&entity_id=" (c.id) } { (cx.t(Msg::Activity)) } }
            @if cx.can(Menu::Payments, Level::View) { a.button.secondary href={ "/qpay/invoices?customer_id=" (c.id) } { (cx.t(Msg::QPayInvoices)) } }
        },
    )
}

fn details(cx: &Ctx, v: &CustomerView) -> Markup {
    let c = &v.c;
    let next_plan = c.next_plan_id.map(|id| {
        v.plans
            .iter()
            .find(|p| p.id == id)
            .map_or("?", |p| p.name.as_str())
    });
    html! {
        div.table-wrap { table.kv { tbody {
            tr { th { (cx.t(Msg::Status)) } td { (super::customer_status(cx, c, cx.now)) @if c.archived { " " span.badge { (cx.t(Msg::Archived)) } } } }
            tr { th { (cx.t(Msg::ExpiryDate)) } td id="expires" { (cx.datetime(c.expires_at)) } }
            tr { th { (cx.t(Msg::Credit)) } td { (cx.money(c.credit)) } }
            tr { th { (cx.t(Msg::Kind)) } td { (kind_label(cx, c.kind)) } }
            @if c.kind == CustomerKind::Organization {
                tr { th { (cx.t(Msg::RegNo)) } td { (c.reg_no) } }
                tr { th { (cx.t(Msg::ContactPerson)) } td { (c.contact_person) } }
            }
            tr { th { (cx.t(Msg::Phone)) } td { (c.phone) } }
            tr { th { (cx.t(Msg::Email)) } td { (c.email) } }
            tr { th { (cx.t(Msg::Address)) } td { (c.address) } }
            tr { th { (cx.t(Msg::Username)) } td { code { (c.login) } } }
            tr { th { (cx.t(Msg::MenuPlans)) } td { @match &v.plan {
                Some(p) => { a href={ "/plans/" (p.id) } { (p.name) } " — " (crate::web::pages::plans::kind_label(cx, p.kind)) ", ↓" (p.download) " ↑" (p.upload) ", " (cx.money(p.price)) },
                None => "?",
            } @if let Some(next) = next_plan { " → " (next) " (" (cx.t(Msg::AtRenewal)) ")" } } }
            tr { th { (cx.t(Msg::MenuRouters)) } td { @match &v.router {
                Some(r) => a href={ "/routers/" (r.id) } { (r.name) },
                None => "?",
            } } }
            tr { th { (cx.t(Msg::CreatedDate)) } td { (cx.datetime(c.created_at)) " " (c.created_by) } }
            tr { th { (cx.t(Msg::Note)) } td { (c.note) } }
        } } }
    }
}

/// Record a payment, extend by days, change package: what an operator does at the counter.
fn counter_forms(
    cx: &Ctx,
    v: &CustomerView,
    (pay, problems): (&PaymentForm, &Problems),
    (ext, ext_problems): (&ExtensionForm, &Problems),
) -> Markup {
    let c = &v.c;
    let methods = crate::web::pages::payments::method_options(cx);
    let ep = ext_problems;
    html! {
        div.cards.no-print {
            @if cx.can(Menu::Payments, Level::Edit) && !c.archived {
                section.card { h2 { (cx.t(Msg::RecordPayment)) } (crate::web::pages::payments::form(cx, c, pay, &v.accounts, problems)) }
            }
            @if cx.can(Menu::Extensions, Level::Edit) && !c.archived {
                section.card {
                    h2 { (cx.t(Msg::ExtendByDays)) }
                    form.extension method="post" action="/extensions" {
                        (csrf(cx))
                        input type="hidden" name="customer_id" value=(c.id);
                        input type="hidden" name="idempotency_key" value=(ext.idempotency_key);
                        (layout::problems_summary(cx, ep))
                        (layout::input(cx, ep, "days", Msg::Days, "number", &ext.days, true))
                        label.check { input type="radio" name="paid" value="free" checked[!ext.paid]; " " (cx.t(Msg::FreeExtension)) }
                        label.check { input type="radio" name="paid" value="paid" checked[ext.paid]; " " (cx.t(Msg::PaidExtensionChoice)) }
                        (layout::input(cx, ep, "amount", Msg::AmountMajor, "text", &ext.amount, false))
                        (layout::select(cx, ep, "method", Msg::Method, &methods, &ext.method))
                        (layout::input(cx, ep, "reason", Msg::Reason, "text", &ext.reason, true))
                        button type="submit" { (cx.t(Msg::Extend)) }
                    }
                }
            }
            @if cx.can(Menu::Customers, Level::Edit) && !c.archived {
                section.card {
                    h2 { (cx.t(Msg::ChangePlan)) }
                    form method="post" action={ "/customers/" (c.id) "/plan" } {
                        (csrf(cx))
                        input type="hidden" name="idempotency_key" value=(crate::idempotency::new_form_key());
                        select name="plan_id" aria-label=(cx.t(Msg::MenuPlans)) {
                            @for p in v.plans.iter().filter(|p| p.active) { option value=(p.id) selected[p.id == c.plan_id] { (p.name) } }
                        }
                        label.check { input type="radio" name="when" value="now" checked; " " (cx.t(Msg::Now)) }
                        label.check { input type="radio" name="when" value="renewal"; " " (cx.t(Msg::AtRenewal)) }
                        button type="submit" { (cx.t(Msg::ChangePlan)) }
                    }
                }
            }
        }
    }
}

/// Payments newest first, bills, the extension history.
fn history(cx: &Ctx, v: &CustomerView) -> Markup {
    let names: HashMap<u64, String> = [(v.c.id, v.c.name.clone())].into_iter().collect();
    let newest: Vec<Payment> = v.payments.iter().rev().cloned().collect();
    html! {
        h2 { (cx.t(Msg::PaymentHistory)) }
        @if newest.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
            (crate::web::pages::payments::payments_table(cx, &newest, &names))
        }
        h2 { (cx.t(Msg::Bills)) }
        @if v.bills.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else { (crate::web::pages::bills::bills_table(cx, &v.bills, &names)) }
        h2 { (cx.t(Msg::ExtensionHistory)) }
        @if v.extensions.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else { (crate::web::pages::extensions::extensions_table(cx, &v.extensions, &names)) }
    }
}
