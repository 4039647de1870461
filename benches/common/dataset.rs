#![allow(dead_code)]
//! The data set the load and report benchmarks share: 50,000 customers on 20 routers, 500,000
//! payments over three years and 20,000 extensions, written straight into a store (valid
//! records with every index and summary, one transaction per chunk) so seeding takes seconds.

use steppe::audit::Actor;
use steppe::billing::CustomerKind;
use steppe::billing::customer::{self, CustomerDraft};
use steppe::billing::ledger::{Extension, Payment};
use steppe::billing::plan::{self, PlanDraft};
use steppe::billing::revenue::payment_day;
use steppe::network::SecretBox;
use steppe::network::router::{self, RouterDraft};
use steppe::store::{Kind, Set, Store, StoreError, Write};

pub const CUSTOMERS: u32 = 50_000;
pub const ROUTERS: u32 = 20;
pub const PAYMENTS: u64 = 500_000;
pub const EXTENSIONS: u64 = 20_000;
pub const METHODS: [&str; 4] = ["cash", "bank_transfer", "card", "mobile_money"];

fn ix(n: u64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

pub struct DataSet {
    pub store: Store,
    pub routers: Vec<u64>,
    pub plans: Vec<u64>,
}

/// Writes `chunks` chunks all at once through the store's group commit (`write_async`), as the
/// server's bulk paths do, so they share transactions and commits.
fn in_chunks<E: From<StoreError> + std::fmt::Debug + Send + 'static>(
    store: &Store,
    chunks: u64,
    f: impl Fn(&mut Write, u64) -> Result<(), E> + Send + Sync + 'static,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let f = std::sync::Arc::new(f);
    rt.block_on(async {
        let jobs: Vec<_> = (0..chunks)
            .map(|chunk| {
                let (store, f) = (store.clone(), f.clone());
                tokio::spawn(async move { store.write_async(move |w| f(w, chunk)).await })
            })
            .collect();
        for j in jobs {
            j.await.expect("chunk task").expect("chunk");
        }
    });
}

/// Seeds `dir` for a server to run on, and says how long it took.
pub fn seed_and_tell(dir: &std::path::Path) {
    let t = std::time::Instant::now();
    drop(seed(dir, 1));
    println!(
        "seeded {CUSTOMERS} customers on {ROUTERS} routers, {PAYMENTS} payments over 3 years, \
         {EXTENSIONS} extensions in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// Seeds `dir` with the whole data set; `router_port` is where the routers are said to listen.
pub fn seed(dir: &std::path::Path, router_port: u16) -> DataSet {
    let store = Store::open(dir).expect("store");
    let secrets = SecretBox::open(dir).expect("key");
    let now = jiff::Timestamp::now();
    let actor = Actor::cli();
    let tz = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").expect("zone");
    let (routers, plans) = store
        .write(|w| {
            let mut routers = Vec::new();
            for i in 0..ROUTERS {
                let d = RouterDraft {
                    name: format!("R{i}"),
                    host: "127.0.0.1".into(),
                    port: router_port.to_string(),
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
    let (r, p) = (routers.clone(), plans.clone());
    in_chunks(&store, u64::from(CUSTOMERS / 5_000), move |w, chunk| {
        let (routers, plans) = (&r, &p);
        let chunk = u32::try_from(chunk).unwrap_or(0);
        for j in 0..5_000 {
            let i = chunk * 5_000 + j;
            let d = CustomerDraft {
                kind: if i % 10 == 0 {
                    "organization"
                } else {
                    "individual"
                }
                .into(),
                // One in seven Cyrillic, for the searches that lower-case it.
                name: if i % 7 == 0 {
                    format!("Бат-Эрдэнэ {i:05}")
                } else {
                    format!("Customer {i:05}")
                },
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
                password: "pass".into(),
                router_id: routers[(i % ROUTERS) as usize].to_string(),
                plan_id: plans[(i % 2) as usize].to_string(),
                status: "active".into(),
                expires_at: (now + jiff::SignedDuration::from_hours(i64::from(i % 1_000) - 100))
                    .to_string(),
                ..Default::default()
            };
            customer::create(w, now, &actor, &secrets, d.parse(&tz), false)?;
        }
        Ok::<_, steppe::error::Error>(())
    });
    let span = 3 * 365 * 86_400_i64;
    let start = now.as_second() - span;
    let (r, p) = (routers.clone(), plans.clone());
    in_chunks(&store, PAYMENTS / 25_000, move |w, chunk| {
        let (routers, plans) = (&r, &p);
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
            steppe::billing::revenue::add(w, received_at, &p.method, p.plan_id, p.amount)?;
            w.set_add(Set::PaymentsByCustomer, p.customer_id, id)?;
            w.set_add(Set::PaymentsByDay, payment_day(received_at), id)?;
        }
        Ok::<_, steppe::store::StoreError>(())
    });
    in_chunks(&store, EXTENSIONS / 5_000, move |w, chunk| {
        for j in 0..5_000 {
            let i = chunk * 5_000 + j;
            let c = (i * 7) % u64::from(CUSTOMERS) + 1;
            let at = jiff::Timestamp::from_second(
                now.as_second() - span + i64::try_from(i).unwrap_or(0) * span / EXTENSIONS as i64,
            )
            .expect("time");
            let id = w.next_id(Kind::Extensions)?;
            let e = Extension {
                id,
                customer_id: c,
                days: 3,
                free: i % 3 != 0,
                reason: "outage".into(),
                by: "manager".into(),
                at,
                expires_before: at,
                expires_after: at + jiff::SignedDuration::from_hours(72),
                bulk: String::new(),
            };
            w.put(id, &e)?;
            w.set_add(Set::ExtensionsByCustomer, c, id)?;
        }
        Ok::<_, steppe::store::StoreError>(())
    });
    DataSet {
        store,
        routers,
        plans,
    }
}
