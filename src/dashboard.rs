//! The dashboard's figures: customers per router and package, monthly new/lost customers,
//! revenue per month and method, today's expiries, pending bills, offline routers.
//!
//! One pass over customers, the revenue-by-hour aggregate (never the payments themselves), the
//! pending-bills index and the routers, so it stays fast with years of data. Callers cache the
//! result per store generation and minute.

use crate::billing::Plan;
use crate::billing::customer::{Customer, Shown};
use crate::billing::ledger::{self, Bill};
use crate::billing::revenue;
use crate::network::router::{self, Router, RouterStatus};
use crate::store::{Reader, StoreError};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Count {
    pub id: u64,
    pub name: String,
    pub customers: u64,
    pub active: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Month {
    /// `YYYY-MM` in the display time zone.
    pub month: String,
    pub new: u64,
    /// Customers whose service ran out in this month and who have not renewed since.
    pub lost: u64,
    pub net: i64,
    /// Net of reversals, in minor units.
    pub revenue: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CustomerRef {
    pub id: u64,
    pub name: String,
    pub login: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OfflineRouter {
    pub id: u64,
    pub name: String,
    pub status: RouterStatus,
    pub last_error: String,
}

/// A pending bill with its customer's name, so the list reads as people, not ids.
#[derive(Debug, Clone, Serialize)]
pub struct PendingBill {
    #[serde(flatten)]
    pub bill: Bill,
    pub customer_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub generated_at: Timestamp,
    pub customers: u64,
    /// By shown status: active, expired, suspended, disabled.
    pub by_status: BTreeMap<String, u64>,
    pub per_router: Vec<Count>,
    pub per_plan: Vec<Count>,
    /// The last 12 months, oldest first.
    pub months: Vec<Month>,
    /// Revenue of the last 12 months per payment method, minor units.
    pub revenue_by_method: BTreeMap<String, i64>,
    pub expiring_today: Vec<CustomerRef>,
    pub expiring_soon: Vec<CustomerRef>,
    pub expired_today: Vec<CustomerRef>,
    pub soon_days: u32,
    /// The earliest due, at most `LIST_LIMIT`; `pending_count` counts them all.
    pub pending_bills: Vec<PendingBill>,
    pub pending_count: u64,
    pub pending_total: i64,
    pub overdue_total: i64,
    pub offline_routers: Vec<OfflineRouter>,
    /// Voucher cards sold, and first logged in, today (the display zone's day).
    pub cards_sold_today: u64,
    pub cards_used_today: u64,
}

/// How many rows each list carries; the counts above them are complete.
const LIST_LIMIT: usize = 50;

fn month_start(d: Date) -> Date {
    d.first_of_month()
}

fn start_of(d: Date, tz: &TimeZone) -> Timestamp {
    d.to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn customer_ref(c: &Customer) -> CustomerRef {
    CustomerRef {
        id: c.id,
        name: c.name.clone(),
        login: c.login.clone(),
        expires_at: c.expires_at,
    }
}

pub fn compute(
    r: &impl Reader,
    now: Timestamp,
    tz: &TimeZone,
    soon_days: u32,
) -> Result<Dashboard, StoreError> {
    let today = now.to_zoned_datetime(tz.clone()).date();
    let today_start = start_of(today, tz);
    let tomorrow_start = start_of(today.tomorrow().unwrap_or(today), tz);
    let soon_end = now + SignedDuration::from_hours(i64::from(soon_days) * 24);

    // Twelve month windows, oldest first.
    let this_month = month_start(today);
    let mut starts: Vec<Date> = (0..12)
        .rev()
        .map(|back| {
            this_month
                .checked_sub(jiff::Span::new().months(back))
                .unwrap_or(this_month)
        })
        .collect();
    starts.dedup();
    let bounds: Vec<(Timestamp, Timestamp)> = starts
        .iter()
        .map(|s| {
            (
                start_of(*s, tz),
                start_of(s.checked_add(jiff::Span::new().months(1)).unwrap_or(*s), tz),
            )
        })
        .collect();
    let month_of = |t: Timestamp| bounds.iter().position(|(a, b)| t >= *a && t < *b);
    let mut months: Vec<Month> = starts
        .iter()
        .map(|s| Month {
            month: s.strftime("%Y-%m").to_string(),
            new: 0,
            lost: 0,
            net: 0,
            revenue: 0,
        })
        .collect();

    let routers = r.list::<Router>()?;
    let plans = r.list::<Plan>()?;
    let mut per_router: BTreeMap<u64, Count> = routers
        .iter()
        .map(|x| {
            (
                x.id,
                Count {
                    id: x.id,
                    name: x.name.clone(),
                    customers: 0,
                    active: 0,
                },
            )
        })
        .collect();
    let mut per_plan: BTreeMap<u64, Count> = plans
        .iter()
        .map(|p| {
            (
                p.id,
                Count {
                    id: p.id,
                    name: p.name.clone(),
                    customers: 0,
                    active: 0,
                },
            )
        })
        .collect();
    let mut by_status: BTreeMap<String, u64> =
        Shown::ALL.iter().map(|s| (s.id().to_string(), 0)).collect();
    let (mut total, mut expiring_today, mut expiring_soon, mut expired_today) =
        (0, Vec::new(), Vec::new(), Vec::new());
    crate::billing::summary::scan(r, |c| {
        if c.archived {
            return true;
        }
        total += 1;
        let shown = c.shown(now);
        *by_status.entry(shown.id().to_string()).or_default() += 1;
        let entitled = c.entitled(now);
        for (map, key) in [(&mut per_router, c.router_id), (&mut per_plan, c.plan_id)] {
            if let Some(n) = map.get_mut(&key) {
                n.customers += 1;
                n.active += u64::from(entitled);
            }
        }
        if let Some(m) = month_of(c.created_at) {
            months[m].new += 1;
        }
        if shown == Shown::Expired {
            if let Some(m) = month_of(c.expires_at) {
                months[m].lost += 1;
            }
            if c.expires_at >= today_start {
                expired_today.push(customer_ref(&c));
            }
        }
        if entitled && c.expires_at < tomorrow_start {
            expiring_today.push(customer_ref(&c));
        } else if entitled && c.expires_at <= soon_end {
            expiring_soon.push(customer_ref(&c));
        }
        true
    })?;

    let first_hour = bounds.first().map_or(0, |b| revenue::hour_of(b.0));
    let last_hour = bounds.last().map_or(0, |b| revenue::hour_of(b.1));
    let mut revenue_by_method = BTreeMap::new();
    for (hour, method, amount, _) in revenue::by_method(r, first_hour, last_hour)? {
        let at = Timestamp::from_second(i64::from(hour) * 3600).unwrap_or(Timestamp::UNIX_EPOCH);
        if let Some(m) = month_of(at) {
            months[m].revenue += amount;
            *revenue_by_method.entry(method).or_insert(0) += amount;
        }
    }
    for m in &mut months {
        m.net =
            i64::try_from(m.new).unwrap_or(i64::MAX) - i64::try_from(m.lost).unwrap_or(i64::MAX);
    }

    let mut pending_bills = Vec::new();
    for bill in ledger::pending_bills(r, LIST_LIMIT)? {
        let customer_name = r
            .get::<Customer>(bill.customer_id)?
            .map(|c| c.name)
            .unwrap_or_default();
        pending_bills.push(PendingBill {
            bill,
            customer_name,
        });
    }
    let (pending_total, overdue_total, pending_count) = ledger::pending_totals(r, now)?;
    let mut offline_routers = Vec::new();
    for x in &routers {
        let st = router::state(r, x.id)?;
        if matches!(st.status, RouterStatus::Offline | RouterStatus::AuthFailed) {
            offline_routers.push(OfflineRouter {
                id: x.id,
                name: x.name.clone(),
                status: st.status,
                last_error: st.last_error,
            });
        }
    }
    for list in [&mut expiring_today, &mut expiring_soon, &mut expired_today] {
        list.sort_by_key(|c| c.expires_at);
    }
    let (cards_sold_today, cards_used_today) =
        crate::reports::vouchers::today(r, today_start, tomorrow_start)?;
    Ok(Dashboard {
        cards_sold_today,
        cards_used_today,
        generated_at: now,
        customers: total,
        by_status,
        per_router: per_router.into_values().collect(),
        per_plan: per_plan.into_values().collect(),
        months,
        revenue_by_method,
        expiring_today: expiring_today.into_iter().take(LIST_LIMIT).collect(),
        expiring_soon: expiring_soon.into_iter().take(LIST_LIMIT).collect(),
        expired_today: expired_today.into_iter().take(LIST_LIMIT).collect(),
        soon_days,
        pending_bills,
        pending_count,
        pending_total,
        overdue_total,
        offline_routers,
    })
}
