//! How fast the reports answer with 50,000 customers on 20 routers and 500,000 payments over
//! three years: revenue first page for one month, the customer report, the package report for
//! one year (p50/p99), and a full-year revenue export as CSV and as Excel. Prints figures;
//! asserts nothing. Payments are written directly (valid records, one transaction per chunk).

use std::time::{Duration, Instant};
use steppe::audit::Actor;
use steppe::billing::CustomerKind;
use steppe::billing::customer::{self, CustomerDraft};
use steppe::billing::ledger::Payment;
use steppe::billing::plan::{self, PlanDraft};
use steppe::i18n::Lang;
use steppe::i18n::format::Currency;
use steppe::network::SecretBox;
use steppe::network::router::{self, RouterDraft};
use steppe::reports::csv::CsvSink;
use steppe::reports::customers::{self as crep, CustomerFilter};
use steppe::reports::plans::{self as prep, ExtensionFilter};
use steppe::reports::revenue::{self as rrep, Group, PaymentFilter};
use steppe::reports::xlsx::XlsxSink;
use steppe::reports::{FIRST_PAGE, ReportError};
use steppe::store::{Kind, Set, Store, payment_day};

const CUSTOMERS: u32 = 50_000;
const ROUTERS: u32 = 20;
const PAYMENTS: u64 = 500_000;
const METHODS: [&str; 4] = ["cash", "bank_transfer", "card", "mobile_money"];

fn ix(n: u64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |pct: usize| v[(v.len() - 1) * pct / 100].as_secs_f64() * 1000.0;
    (at(50), at(99))
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let secrets = SecretBox::open(dir.path()).expect("key");
    let now = jiff::Timestamp::now();
    let actor = Actor::cli();
    let tz = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").expect("zone");
    let started = Instant::now();
    let (routers, plans) = store
        .write(|w| {
            let mut routers = Vec::new();
            for i in 0..ROUTERS {
                let d = RouterDraft {
                    name: format!("R{i}"),
                    host: "127.0.0.1".into(),
                    port: "8728".into(),
                    username: "api".into(),
                    password: "pw".into(),
                    login_method: "plain".into(),
                    hotspot_server: "all".into(),
                    ..Default::default()
                };
                routers.push(router::create(w, now, &actor, &secrets, &d)?.id);
            }
            let mut plans = Vec::new();
            for (name, price) in [("Home", "3500000"), ("Biz", "10000000")] {
                let p = PlanDraft {
                    name: name.into(),
                    kind: "hotspot".into(),
                    price: price.into(),
                    duration_days: "30".into(),
                    download: "10M".into(),
                    upload: "2M".into(),
                    shared_users: "1".into(),
                    active: true,
                    ..Default::default()
                };
                plans.push(plan::create(w, now, &actor, &p)?.id);
            }
            Ok::<_, steppe::error::Error>((routers, plans))
        })
        .expect("seed");
    for chunk in 0..(CUSTOMERS / 5_000) {
        store
            .write(|w| {
                for j in 0..5_000 {
                    let i = chunk * 5_000 + j;
                    let d = CustomerDraft {
                        kind: if i % 10 == 0 {
                            "organization"
                        } else {
                            "individual"
                        }
                        .into(),
                        name: format!("Customer {i:05}"),
                        reg_no: if i % 10 == 0 {
                            "5123456".into()
                        } else {
                            String::new()
                        },
                        contact_person: if i % 10 == 0 {
                            "Bold".into()
                        } else {
                            String::new()
                        },
                        phone: format!("99{i:06}"),
                        login: format!("u{i:05}"),
                        password: "pw".into(),
                        router_id: routers[(i % ROUTERS) as usize].to_string(),
                        plan_id: plans[(i % 2) as usize].to_string(),
                        status: "active".into(),
                        expires_at: (now
                            + jiff::SignedDuration::from_hours(i64::from(i % 1_000) - 100))
                        .to_string(),
                        ..Default::default()
                    };
                    customer::create(w, now, &actor, &tz, d, false)?;
                }
                Ok::<_, steppe::error::Error>(())
            })
            .expect("customers");
    }
    let span = 3 * 365 * 86_400_i64;
    let start = now.as_second() - span;
    for chunk in 0..(PAYMENTS / 25_000) {
        store
            .write(|w| {
                for j in 0..25_000 {
                    let i = chunk * 25_000 + j;
                    let c = i % u64::from(CUSTOMERS);
                    let received_at = jiff::Timestamp::from_second(
                        start + i64::try_from(i).unwrap_or(0) * span / PAYMENTS as i64,
                    )
                    .expect("time");
                    let id = w.next_id(Kind::Payments)?;
                    let p = Payment {
                        id,
                        customer_id: c + 1,
                        amount: if c % 2 == 0 { 3_500_000 } else { 10_000_000 },
                        method: METHODS[ix(i % 4)].into(),
                        bank_account_id: None,
                        reference: format!("ref {i}"),
                        received_at,
                        recorded_at: received_at,
                        recorded_by: "cashier".into(),
                        allocations: Vec::new(),
                        reversed_by: None,
                        reversal_of: None,
                        reason: String::new(),
                        plan_id: plans[ix(c % 2)],
                        router_id: routers[ix(c % u64::from(ROUTERS))],
                        customer_kind: if c % 10 == 0 {
                            CustomerKind::Organization
                        } else {
                            CustomerKind::Individual
                        },
                        before: None,
                    };
                    w.put(id, &p)?;
                    w.summary_put(
                        steppe::store::Summary::Payments,
                        id,
                        &steppe::billing::summary::encode_payment(&p),
                    )?;
                    w.revenue_plan_add(
                        steppe::billing::ledger::hour_of(received_at),
                        p.plan_id,
                        p.amount,
                    )?;
                    w.revenue_add(
                        steppe::billing::ledger::hour_of(received_at),
                        &p.method,
                        p.amount,
                        1,
                    )?;
                    w.set_add(Set::PaymentsByCustomer, p.customer_id, id)?;
                    w.set_add(Set::PaymentsByDay, payment_day(received_at), id)?;
                }
                Ok::<_, steppe::store::StoreError>(())
            })
            .expect("payments");
    }
    println!(
        "seeded {CUSTOMERS} customers on {ROUTERS} routers and {PAYMENTS} payments over 3 years in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let today = now.to_zoned_datetime(tz.clone()).date();
    let month_ago = today.checked_sub(jiff::Span::new().days(30)).expect("date");
    let year_ago = today
        .checked_sub(jiff::Span::new().days(365))
        .expect("date");
    let month = PaymentFilter {
        from: Some(month_ago),
        to: Some(today),
        ..Default::default()
    };
    let year = PaymentFilter {
        from: Some(year_ago),
        to: Some(today),
        ..Default::default()
    };
    println!(
        "{:<40} {:>10} {:>10} {:>8}",
        "report", "p50 ms", "p99 ms", "rows"
    );
    let measure = |name: &str, runs: usize, f: &mut dyn FnMut() -> u64| {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..runs {
            let t = Instant::now();
            n = f();
            times.push(t.elapsed());
        }
        let (p50, p99) = percentiles(times);
        println!("{name:<40} {p50:>10.1} {p99:>10.1} {n:>8}");
    };
    measure("revenue, one month, first page", 50, &mut || {
        store
            .read(|r| rrep::compute(r, &month, Group::Day, &tz, FIRST_PAGE))
            .expect("revenue")
            .totals
            .count
    });
    measure("customers, all", 10, &mut || {
        store
            .read(|r| crep::compute(r, &CustomerFilter::default(), now, FIRST_PAGE))
            .expect("customers")
            .totals
            .count
    });
    measure("dashboard (uncached)", 20, &mut || {
        store
            .read(|r| steppe::dashboard::compute(r, now, &tz, 7))
            .expect("dashboard")
            .customers
    });
    let ext = ExtensionFilter {
        from: Some(year_ago),
        to: Some(today),
        ..Default::default()
    };
    measure("plans, one year", 5, &mut || {
        store
            .read(|r| prep::compute(r, &ext, now, &tz, FIRST_PAGE))
            .expect("plans")
            .totals
            .payments
    });
    let t = Instant::now();
    let mut bytes = 0usize;
    store
        .read(|r| {
            let mut sink = CsvSink::new(2, |chunk: Vec<u8>| {
                bytes += chunk.len();
                Ok::<_, ReportError>(())
            });
            rrep::export(r, &year, Group::Month, &tz, Lang::En, &mut sink)?;
            sink.finish()
        })
        .expect("csv");
    println!(
        "revenue CSV, one year: {:.2} s, {:.1} MB",
        t.elapsed().as_secs_f64(),
        bytes as f64 / 1e6
    );
    let t = Instant::now();
    let xlsx = (|| {
        let mut sink = XlsxSink::new(&Currency::default())?;
        let totals =
            store.read(|r| rrep::export(r, &year, Group::Month, &tz, Lang::En, &mut sink))?;
        Ok::<_, ReportError>((totals.count, sink.finish()?))
    })()
    .expect("xlsx");
    println!(
        "revenue XLSX, one year: {:.2} s, {} rows, {:.1} MB",
        t.elapsed().as_secs_f64(),
        xlsx.0,
        xlsx.1.len() as f64 / 1e6
    );
}
