//! The cashier's "take payment" box on Payment information: find a customer by login, phone or
//! name and record their payment there, without going through Customers.

use crate::access::{Level, Menu};
use crate::billing::Plan;
use crate::billing::customer::Customer;
use crate::billing::ledger::{self, BillStatus};
use crate::billing::query::{CustomerQuery, SortBy};
use crate::error::Error;
use crate::i18n::Msg;
use crate::store::Reader;
use crate::web::ctx::Ctx;
use crate::web::error::WebError;
use crate::web::http::Req;
use crate::web::layout::csrf;
use maud::{Markup, html};

/// The most customers one search shows: a cashier narrows by typing more, not by scrolling.
const MATCHES: usize = 8;
/// A search is a login, a phone number or a name, never a paragraph.
const MAX_FIND: usize = 60;

/// A found customer with what the form offers to pay: the oldest open bill, else the price.
struct Found {
    c: Customer,
    owed: i64,
}

async fn find(cx: &Ctx, needle: String) -> Result<(Vec<Found>, usize), WebError> {
    let q = CustomerQuery {
        q: needle,
        sort: SortBy::Name,
        per: MATCHES,
        ..Default::default()
    };
    let page = cx.app.roster.query_async(&cx.app.store, q, cx.now).await?;
    Ok(cx
        .app
        .store
        .read_async(move |r| {
            let mut found = Vec::with_capacity(page.items.len());
            for c in page.items {
                let owed = match ledger::bills_of(r, c.id)?
                    .iter()
                    .find(|b| b.status == BillStatus::Pending)
                {
                    Some(b) => b.amount - b.paid,
                    None => r
                        .get::<Plan>(c.next_plan_id.unwrap_or(c.plan_id))?
                        .map_or(0, |p| p.price),
                };
                found.push(Found { c, owed });
            }
            Ok::<_, Error>((found, page.total))
        })
        .await?)
}

/// The box, with the matches for `?find=` and the name of the customer just paid for.
pub async fn take_payment(cx: &Ctx, req: &Req) -> Result<Markup, WebError> {
    if !cx.can(Menu::Payments, Level::Edit) {
        return Ok(html! {});
    }
    let needle: String = req
        .query("find")
        .unwrap_or("")
        .trim()
        .chars()
        .take(MAX_FIND)
        .collect();
    let (found, total) = if needle.chars().count() >= 2 {
        find(cx, needle.clone()).await?
    } else {
        (Vec::new(), 0)
    };
    let methods = crate::web::pages::payments::method_options(cx);
    let exponent = cx.settings.currency.exponent;
    Ok(html! {
        section.card.cashier.no-print {
            h2 { (cx.t(Msg::TakePayment)) }
            form.toolbar method="get" action="/payments" {
                label.field { span { (cx.t(Msg::FindCustomer)) }
                    input type="search" name="find" value=(needle) maxlength=(MAX_FIND) autofocus[needle.is_empty()] placeholder=(cx.t(Msg::FindCustomerHint)); }
                button type="submit" { (cx.t(Msg::Search)) }
            }
            @if needle.chars().count() >= 2 && found.is_empty() { p.muted { (cx.t(Msg::NoMatch)) } }
            @if total > found.len() { p.muted { (cx.f(Msg::MoreMatches, &[&found.len(), &total])) } }
            @if !found.is_empty() {
                div.table-wrap { table {
                    thead { tr {
                        th { (cx.t(Msg::Name)) } th { (cx.t(Msg::Username)) } th { (cx.t(Msg::Phone)) }
                        th { (cx.t(Msg::Status)) } th { (cx.t(Msg::ExpiryDate)) } th { (cx.t(Msg::RecordPayment)) }
                    } }
                    tbody { @for f in &found { tr {
                        td { a href={ "/customers/" (f.c.id) } { (f.c.name) } }
                        td { code { (f.c.login) } }
                        td { (f.c.phone) }
                        td { (crate::web::pages::customers::customer_status(cx, &f.c, cx.now)) }
                        td { (cx.datetime(f.c.expires_at)) }
                        td {
                            @if f.c.archived { span.badge { (cx.t(Msg::Archived)) } } @else {
                                form.inline method="post" action="/payments" {
                                    (csrf(cx))
                                    input type="hidden" name="customer_id" value=(f.c.id);
                                    input type="hidden" name="back" value="payments";
                                    input type="hidden" name="idempotency_key" value=(crate::web::pages::payments::new_key());
                                    input type="text" name="amount" inputmode="decimal" size="9" required
                                        aria-label=(cx.t(Msg::AmountMajor)) value=(crate::i18n::format::major_input(f.owed, exponent));
                                    select name="method" aria-label=(cx.t(Msg::Method)) {
                                        @for (id, label) in &methods { option value=(id) { (label) } }
                                    }
                                    button type="submit" { (cx.t(Msg::RecordPayment)) }
                                }
                            }
                        }
                    } } }
                } }
            }
        }
    })
}

/// The note after a payment taken here: whose, how much, and the receipt to print.
pub async fn paid_note(cx: &Ctx, req: &Req) -> Result<Markup, WebError> {
    let Some(id) = req.query("payment").and_then(|s| s.parse::<u64>().ok()) else {
        return Ok(html! {});
    };
    let found = cx
        .app
        .store
        .read_async(move |r| {
            let Some(p) = r.get::<ledger::Payment>(id)? else {
                return Ok::<_, Error>(None);
            };
            Ok(r.get::<Customer>(p.customer_id)?.map(|c| (p, c)))
        })
        .await?;
    let Some((p, c)) = found else {
        return Ok(html! {});
    };
    Ok(html! {
        p.notice role="status" {
            (cx.f(Msg::PaidFor, &[&cx.money(p.amount), &c.name])) " "
            a href={ "/payments/" (p.id) } { (cx.t(Msg::PrintReceipt)) }
        }
    })
}
