//! How fast the customer list answers with 50,000 customers: first page, a search, a router
//! filter, and the expiring-soon filter. Prints p50/p99 over repeated runs; asserts nothing.

use std::time::{Duration, Instant};
use steppe::audit::Actor;
use steppe::billing::customer::{self, CustomerDraft};
use steppe::billing::plan::{self, PlanDraft};
use steppe::billing::query::{CustomerQuery, SortBy};
use steppe::network::SecretBox;
use steppe::network::router::{self, RouterDraft};
use steppe::store::Store;

const CUSTOMERS: u32 = 50_000;
const ROUTERS: u32 = 20;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let secrets = SecretBox::open(dir.path()).expect("key");
    let now = jiff::Timestamp::now();
    let actor = Actor::cli();
    let tz = jiff::tz::TimeZone::UTC;
    let started = Instant::now();
    let (routers, plan_id) = store
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
            let p = PlanDraft {
                name: "Home".into(),
                kind: "hotspot".into(),
                price: "3500000".into(),
                duration_days: "30".into(),
                download: "10M".into(),
                upload: "2M".into(),
                shared_users: "1".into(),
                active: true,
                ..Default::default()
            };
            Ok::<_, steppe::error::Error>((routers, plan::create(w, now, &actor, &p)?.id))
        })
        .expect("seed");
    for chunk in 0..(CUSTOMERS / 5_000) {
        store
            .write(|w| {
                for j in 0..5_000 {
                    let i = chunk * 5_000 + j;
                    let d = CustomerDraft {
                        kind: "individual".into(),
                        name: format!("Customer {i:05}"),
                        phone: format!("99{i:06}"),
                        login: format!("u{i:05}"),
                        password: "pass".into(),
                        router_id: routers[(i % ROUTERS) as usize].to_string(),
                        plan_id: plan_id.to_string(),
                        status: "active".into(),
                        expires_at: (now
                            + jiff::SignedDuration::from_hours(i64::from(i % 1_000) - 100))
                        .to_string(),
                        ..Default::default()
                    };
                    customer::create(w, now, &actor, &secrets, d.parse(&tz), false)?;
                }
                Ok::<_, steppe::error::Error>(())
            })
            .expect("customers");
    }
    println!(
        "seeded {CUSTOMERS} customers on {ROUTERS} routers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let cases: Vec<(&str, CustomerQuery)> = vec![
        (
            "first page, by name",
            CustomerQuery {
                per: 50,
                ..Default::default()
            },
        ),
        (
            "search by phone",
            CustomerQuery {
                q: "99012345".into(),
                per: 50,
                ..Default::default()
            },
        ),
        (
            "one router, by expiry",
            CustomerQuery {
                router_id: Some(routers[3]),
                sort: SortBy::Expires,
                per: 50,
                ..Default::default()
            },
        ),
        (
            "expiring within 3 days",
            CustomerQuery {
                expiring_days: Some(3),
                per: 50,
                ..Default::default()
            },
        ),
    ];
    println!(
        "{:<28} {:>10} {:>10} {:>8}",
        "query", "p50 ms", "p99 ms", "total"
    );
    for (name, q) in cases {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..40 {
            let t = Instant::now();
            let page = store.read(|r| q.run(r, now)).expect("query");
            times.push(t.elapsed());
            total = page.total;
        }
        times.sort();
        let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<28} {:>10.1} {:>10.1} {total:>8}",
            ms(pct(50)),
            ms(pct(99))
        );
    }
}
