//! How fast the reports answer with 50,000 customers on 20 routers and 500,000 payments over
//! three years: revenue first page for one month, the customer report, the package report for
//! one year (p50/p99), and a full-year revenue export as CSV and as Excel. Prints figures;
//! asserts nothing. Payments are written directly (valid records, one transaction per chunk).

#[path = "common/dataset.rs"]
mod dataset;

use dataset::{CUSTOMERS, PAYMENTS, ROUTERS};
use std::time::{Duration, Instant};
use steppe::i18n::Lang;
use steppe::i18n::format::Currency;
use steppe::reports::csv::CsvSink;
use steppe::reports::customers::{self as crep, CustomerFilter};
use steppe::reports::plans::{self as prep, ExtensionFilter};
use steppe::reports::revenue::{self as rrep, Group, PaymentFilter};
use steppe::reports::xlsx::XlsxSink;
use steppe::reports::{FIRST_PAGE, ReportError};

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |pct: usize| v[(v.len() - 1) * pct / 100].as_secs_f64() * 1000.0;
    (at(50), at(99))
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let dataset::DataSet { store, .. } = dataset::seed(dir.path(), 8728);
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").expect("zone");
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
