//! How fast the customer list answers on the shared data set (50,000 customers on 20 routers,
//! 500,000 payments): per-list cost of filter and sort combinations through the in-memory
//! roster (`billing::roster`) beside the old scan (`CustomerQuery::run`), the roster's memory,
//! many lists at once, and the payments list's first page. Prints figures; asserts nothing.

#[path = "common/dataset.rs"]
mod dataset;

use std::time::{Duration, Instant};
use steppe::billing::customer::Shown;
use steppe::billing::query::{CustomerQuery, SortBy};
use steppe::billing::roster::Roster;
use steppe::reports::revenue::PaymentFilter;

fn micros(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |pct: usize| v[(v.len() - 1) * pct / 100].as_secs_f64() * 1e6;
    (at(50), at(99))
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::with_capacity(runs);
    let mut out = f();
    for _ in 0..runs {
        let t = Instant::now();
        out = f();
        times.push(t.elapsed());
    }
    let (p50, p99) = micros(times);
    (p50, p99, out)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let dataset::DataSet {
        store,
        routers,
        plans,
    } = dataset::seed(dir.path(), 8728);
    println!(
        "seeded {} customers on {} routers in {:.1} s",
        dataset::CUSTOMERS,
        dataset::ROUTERS,
        started.elapsed().as_secs_f64()
    );
    let now = jiff::Timestamp::now();
    let roster = Roster::default();
    let t = Instant::now();
    roster.sync(&store).expect("build");
    let (n, bytes) = roster.size();
    println!(
        "roster: built in {:.1} ms; {n} customers, {bytes} bytes ({} per customer)",
        t.elapsed().as_secs_f64() * 1000.0,
        bytes / n.max(1)
    );
    let page = |f: &dyn Fn(&mut CustomerQuery)| {
        let mut q = CustomerQuery {
            per: 50,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let cases: Vec<(&str, CustomerQuery)> = vec![
        ("first page, by name", page(&|_| {})),
        ("by name, descending", page(&|q| q.desc = true)),
        (
            "by login, page 40",
            page(&|q| (q.sort, q.page) = (SortBy::Login, 39)),
        ),
        (
            "by created, descending",
            page(&|q| (q.sort, q.desc) = (SortBy::Created, true)),
        ),
        ("search by phone", page(&|q| q.q = "99012345".into())),
        (
            "search by name fragment",
            page(&|q| q.q = "ustomer 1".into()),
        ),
        ("search, Cyrillic, no match", page(&|q| q.q = "Бат".into())),
        (
            "one router, by expiry",
            page(&|q| (q.router_id, q.sort) = (Some(routers[3]), SortBy::Expires)),
        ),
        (
            "router + package + status",
            page(&|q| {
                (q.router_id, q.plan_id, q.status) =
                    (Some(routers[4]), Some(plans[0]), Some(Shown::Active));
            }),
        ),
        (
            "organizations, archived too",
            page(&|q| {
                (q.kind, q.include_archived) =
                    (steppe::billing::CustomerKind::parse("organization"), true);
            }),
        ),
        (
            "expiring within 3 days",
            page(&|q| q.expiring_days = Some(3)),
        ),
        (
            "expired, by expiry desc",
            page(&|q| {
                (q.status, q.sort, q.desc) = (Some(Shown::Expired), SortBy::Expires, true);
            }),
        ),
        (
            "router + search",
            page(&|q| (q.router_id, q.q) = (Some(routers[7]), "u1".into())),
        ),
    ];
    println!(
        "{:<30} {:>10} {:>10} {:>12} {:>8}",
        "query", "p50 µs", "p99 µs", "old scan µs", "total"
    );
    for (name, q) in &cases {
        let (p50, p99, got) = time(200, || roster.query(&store, q, now).expect("query"));
        let (old, _, want) = time(10, || store.read(|r| q.run(r, now)).expect("scan"));
        let same = got.total == want.total
            && got
                .items
                .iter()
                .map(|c| c.id)
                .eq(want.items.iter().map(|c| c.id));
        println!(
            "{name:<30} {p50:>10.0} {p99:>10.0} {old:>12.0} {:>8}{}",
            got.total,
            if same { "" } else { "  DIFFERS FROM THE SCAN" }
        );
    }

    // Many lists at once: 64 threads share the roster, as 64 connections would.
    let threads = 64;
    let each = 100;
    let t = Instant::now();
    let mut lat: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (roster, store, cases) = (&roster, &store, &cases);
                s.spawn(move || {
                    (0..each)
                        .map(|j| {
                            let t = Instant::now();
                            let q = &cases[(i + j) % cases.len()].1;
                            roster.query(store, q, now).expect("query");
                            t.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    let wall = t.elapsed().as_secs_f64();
    lat.sort();
    println!(
        "{threads} threads × {each} mixed lists: {:.0} lists/s, p50 {:.2} ms, p99 {:.2} ms (on {} cores)",
        (threads * each) as f64 / wall,
        lat[lat.len() / 2].as_secs_f64() * 1000.0,
        lat[lat.len() * 99 / 100].as_secs_f64() * 1000.0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // A write between lists: the next list catches up first.
    let (p50, p99, _) = time(50, || {
        store
            .write(|w| {
                let mut c: steppe::billing::customer::Customer =
                    steppe::store::Reader::get(w, 77)?.expect("77");
                let before = c.clone();
                c.phone = format!("88{}", c.phone);
                w.put(77, &c)?;
                steppe::model::customer::reindex(w, Some(&before), Some(&c))
            })
            .expect("edit");
        roster.query(&store, &cases[0].1, now).expect("query")
    });
    println!("edit one customer, then list (write included): p50 {p50:.0} µs, p99 {p99:.0} µs");

    // Names of one page of payments: from the roster, against decoding every customer.
    let tz = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").expect("zone");
    let ids: Vec<u64> = (1..=500).map(|i| i * 97).collect();
    let (p50, _, _) = time(100, || {
        roster.names(&store, ids.iter().copied()).expect("names")
    });
    let (old, _, _) = time(5, || {
        store
            .read(steppe::store::Reader::list::<steppe::billing::customer::Customer>)
            .expect("all")
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect::<std::collections::HashMap<_, _>>()
    });
    println!("names of 500 customers: {p50:.0} µs (every customer decoded: {old:.0} µs)");

    println!(
        "{:<30} {:>10} {:>10} {:>12} {:>8}",
        "payments list (500 rows)", "p50 µs", "p99 µs", "old µs", "rows"
    );
    let month = |f: &mut PaymentFilter| {
        f.from = "2025-06-01".parse().ok();
        f.to = "2025-06-30".parse().ok();
    };
    let pcases: Vec<(&str, PaymentFilter)> = vec![
        ("newest", PaymentFilter::default()),
        (
            "one method",
            PaymentFilter {
                method: "card".into(),
                ..Default::default()
            },
        ),
        (
            "one router",
            PaymentFilter {
                router_id: Some(routers[2]),
                ..Default::default()
            },
        ),
        (
            "one customer",
            PaymentFilter {
                customer_id: Some(1234),
                ..Default::default()
            },
        ),
        ("a month, 18 months ago", {
            let mut f = PaymentFilter::default();
            month(&mut f);
            f
        }),
        ("a month + one package", {
            let mut f = PaymentFilter {
                plan_id: Some(plans[1]),
                ..Default::default()
            };
            month(&mut f);
            f
        }),
    ];
    for (name, f) in &pcases {
        let (p50, p99, got) = time(50, || store.read(|r| f.newest(r, &tz, 500)).expect("list"));
        let (old, _, want) = time(5, || store.read(|r| f.run(r, &tz, 500)).expect("list"));
        let same = got.iter().map(|p| p.id).eq(want.iter().map(|p| p.id));
        println!(
            "{name:<30} {p50:>10.0} {p99:>10.0} {old:>12.0} {:>8}{}",
            got.len(),
            if same { "" } else { "  DIFFERS" }
        );
    }
}
