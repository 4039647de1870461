//! The dashboard: the business at a glance, as charts and short lists that link to the records.

use crate::access::{Level, Menu};
use crate::dashboard::{CustomerRef, Month, PendingBill};
use crate::i18n::Msg;
use crate::i18n::format;
use crate::web::charts::{self, Period, Series};
use crate::web::ctx::Ctx;
use crate::web::dashboard::figures;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use crate::web::layout::{level_label, menu_label, page};
use hyper::StatusCode;
use maud::{Markup, html};
use std::sync::Arc;

fn people(cx: &Ctx, title: &str, list: &[CustomerRef]) -> Markup {
    html! {
        section.card {
            h2 { (title) " (" (list.len()) ")" }
            @if list.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
                ul.plain { @for c in list { li { a href={ "/customers/" (c.id) } { (c.name) } " " code { (c.login) } " — " (cx.datetime(c.expires_at)) } } }
            }
        }
    }
}

/// How many pending bills the dashboard lists; the bills page has the rest.
const PENDING_SHOWN: usize = 10;

/// Month names for the chart axes, with the year under the first month and each January, so a
/// year's turn is plain and "26-11" is never mistaken for a day.
fn periods(cx: &Ctx, months: &[Month]) -> Vec<Period> {
    months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (year, month) = m
                .month
                .split_once('-')
                .and_then(|(y, mo)| Some((y.parse::<i16>().ok()?, mo.parse::<i8>().ok()?)))
                .unwrap_or((0, 1));
            Period {
                short: format::month_short(cx.lang, month).to_string(),
                // The first month's year, unless a January follows so closely the two collide.
                year: (month == 1 || (i == 0 && month < 11)).then(|| year.to_string()),
                full: format::month_of_year(cx.lang, year, month),
            }
        })
        .collect()
}

fn pending_bills(cx: &Ctx, bills: &[PendingBill], count: u64) -> Markup {
    html! {
        section.card.pending {
            h2 { (cx.t(Msg::PendingBills)) " (" (count) ")" }
            @if bills.is_empty() { p.muted { (cx.t(Msg::NothingYet)) } } @else {
                ul.plain { @for p in bills.iter().take(PENDING_SHOWN) {
                    @let b = &p.bill;
                    li { a href={ "/bills/" (b.id) } { "#" (b.id) } " "
                        a href={ "/customers/" (b.customer_id) } { (p.customer_name) }
                        " — " (cx.money(b.amount - b.paid)) ", " (cx.date(b.due))
                        @if b.overdue(cx.now) { " " span.badge.bad { (cx.t(Msg::Overdue)) } } }
                } }
                @if count > u64::try_from(PENDING_SHOWN).unwrap_or(u64::MAX) {
                    p { a.see-all href="/bills?status=pending" { (cx.f(Msg::SeeAllPending, &[&count])) " →" } }
                }
            }
        }
    }
}

fn card(label: &str, value: String, href: &str) -> Markup {
    html! { a.card href=(href) { div.muted { (label) } div.big { (value) } } }
}

pub async fn home(cx: Arc<Ctx>, _req: Req) -> Out {
    let Some(user) = &cx.user else {
        return Ok(http::redirect("/login"));
    };
    if !cx.can(Menu::Dashboard, Level::View) && cx.can(Menu::AgentDesk, Level::View) {
        return Ok(http::redirect("/desk"));
    }
    if !cx.can(Menu::Dashboard, Level::View) {
        let body = html! {
            p { (cx.f(Msg::Welcome, &[&user.admin.full_name])) }
            h2 { (cx.t(Msg::YourAccess)) }
            div.table-wrap { table {
                thead { tr { th { (cx.t(Msg::Menu)) } th { (cx.t(Msg::Role)) } } }
                tbody { @for m in Menu::ALL { tr { td { (cx.t(menu_label(m))) } td { (level_label(&cx, user.perms.level(m))) } } } }
            } }
        };
        return Ok(http::html(
            StatusCode::OK,
            page(&cx, cx.t(Msg::MenuDashboard), body),
        ));
    }
    let d = figures(&cx).await?;
    let n = |v: u64| cx.number(i64::try_from(v).unwrap_or(i64::MAX));
    let status = |s: &str| d.by_status.get(s).copied().unwrap_or(0);
    let this_month = d.months.last().map_or(0, |m| m.revenue);
    let labels = periods(&cx, &d.months);
    let count = |v: i64| cx.number(v);
    let money = |v: i64| cx.money(v);
    let body = html! {
        p { (cx.f(Msg::Welcome, &[&user.admin.full_name])) }
        div.cards {
            (card(cx.t(Msg::MenuCustomers), n(d.customers), "/customers"))
            (card(cx.t(Msg::Active), n(status("active")), "/customers?status=active"))
            (card(cx.t(Msg::Expired), n(status("expired")), "/customers?status=expired"))
            (card(cx.t(Msg::Suspended), n(status("suspended")), "/customers?status=suspended"))
            (card(cx.t(Msg::RevenueThisMonth), cx.money(this_month), "/payments"))
            (card(cx.t(Msg::Outstanding), cx.money(d.pending_total), "/bills"))
            (card(cx.t(Msg::Overdue), cx.money(d.overdue_total), "/bills"))
            (card(cx.t(Msg::CardsSoldToday), n(d.cards_sold_today), "/reports/vouchers"))
            (card(cx.t(Msg::CardsUsedToday), n(d.cards_used_today), "/vouchers"))
        }
        div.charts {
            // Money first: what a billing desk looks at before anything else.
            (charts::columns(cx.t(Msg::RevenuePerMonth), &labels, &[Series { name: cx.t(Msg::Revenue), class: "money", values: d.months.iter().map(|m| m.revenue).collect() }], None, money))
            (charts::columns(
                cx.t(Msg::MonthlyCustomers),
                &labels,
                &[Series { name: cx.t(Msg::NewCustomers), class: "new", values: d.months.iter().map(|m| i64::try_from(m.new).unwrap_or(0)).collect() },
                  Series { name: cx.t(Msg::LostCustomers), class: "lost", values: d.months.iter().map(|m| i64::try_from(m.lost).unwrap_or(0)).collect() }],
                Some((cx.t(Msg::NetChange), d.months.iter().map(|m| m.net).collect())),
                count,
            ))
            (charts::bars(cx.t(Msg::RevenuePerMethod), &d.revenue_by_method.iter().map(|(m, v)| (crate::web::pages::payments::method_label(&cx, m), *v)).collect::<Vec<_>>(), money))
            (charts::bars(cx.t(Msg::CustomersPerRouter), &d.per_router.iter().map(|c| (c.name.clone(), i64::try_from(c.customers).unwrap_or(0))).collect::<Vec<_>>(), count))
            (charts::bars(cx.t(Msg::ActivePerPlan), &d.per_plan.iter().map(|c| (c.name.clone(), i64::try_from(c.active).unwrap_or(0))).collect::<Vec<_>>(), count))
        }
        div.cards.lists {
            (people(&cx, cx.t(Msg::ExpiringToday), &d.expiring_today))
            (people(&cx, &cx.f(Msg::ExpiringSoon, &[&d.soon_days]), &d.expiring_soon))
            (people(&cx, cx.t(Msg::ExpiredToday), &d.expired_today))
            (pending_bills(&cx, &d.pending_bills, d.pending_count))
            section.card {
                h2 { (cx.t(Msg::RoutersOffline)) }
                @if d.offline_routers.is_empty() { p.muted { (cx.t(Msg::AllRoutersOnline)) } } @else {
                    ul.plain { @for r in &d.offline_routers { li { a href={ "/routers/" (r.id) } { (r.name) } " — " (cx.t(crate::web::pages::routers::reason::of(&r.last_error))) } } }
                }
            }
        }
    };
    Ok(http::html(
        StatusCode::OK,
        page(&cx, cx.t(Msg::MenuDashboard), body),
    ))
}
