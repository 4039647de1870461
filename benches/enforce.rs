//! The enforcer at scale against simulated routers: one router with 10,000 managed customers
//! (initial full sync, steady-state reconcile when nothing changed, a targeted expiry), then
//! 100 routers × 1,000 customers in one process (time to converge all). Prints figures and
//! process RSS (VmRSS); no assertions. The simulators live in the same process, so RSS includes
//! the simulated routers' own tables; the "before" figure is taken with them running and empty.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use steppe::audit::Actor;
use steppe::billing::customer::{self, Customer, CustomerDraft};
use steppe::billing::plan::{self, PlanDraft};
use steppe::clock::Clock;
use steppe::enforce::{Cause, EnforceConfig, Enforcer};
use steppe::network::SecretBox;
use steppe::network::router::{self, RouterDraft, RouterState, RouterStatus};
use steppe::sim::{SimConfig, SimHandle, Simulator};
use steppe::store::{Reader, Store};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

async fn start_sim(latency: Duration) -> Res<SimHandle> {
    let mut c = SimConfig::new("7.16");
    c.password = "bench".into();
    c.latency = latency;
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    Ok(Simulator::start(c, addr).await?)
}

/// Seeds `routers` routers (one per simulator) with `per_router` hotspot customers each.
fn seed(
    store: &Store,
    secrets: &SecretBox,
    sims: &[SimHandle],
    per_router: usize,
) -> Res<Vec<u64>> {
    let now = Timestamp::now();
    let actor = Actor::cli();
    let plan = store.write(|w| {
        plan::create(
            w,
            now,
            &actor,
            &PlanDraft {
                name: "Bench".into(),
                kind: "hotspot".into(),
                price: "1000".into(),
                duration_days: "30".into(),
                download: "10M".into(),
                upload: "2M".into(),
                shared_users: "1".into(),
                active: true,
                ..PlanDraft::default()
            },
        )
    })?;
    let mut ids = Vec::new();
    for (n, sim) in sims.iter().enumerate() {
        let r = store.write(|w| {
            router::create(
                w,
                now,
                &actor,
                secrets,
                &RouterDraft {
                    name: format!("r{n}"),
                    host: "127.0.0.1".into(),
                    port: sim.addr().port().to_string(),
                    username: "admin".into(),
                    password: "bench".into(),
                    login_method: "plain".into(),
                    hotspot_server: "all".into(),
                    ..RouterDraft::default()
                },
            )
        })?;
        ids.push(r.id);
        for chunk in (0..per_router).collect::<Vec<_>>().chunks(2_000) {
            store.write(|w| {
                for i in chunk {
                    let d = CustomerDraft {
                        kind: "individual".into(),
                        name: format!("c{n}-{i}"),
                        login: format!("u{n}x{i}"),
                        password: format!("pass{i}"),
                        router_id: r.id.to_string(),
                        plan_id: plan.id.to_string(),
                        status: "active".into(),
                        expires_at: (now + SignedDuration::from_hours(24 * 30)).to_string(),
                        ..CustomerDraft::default()
                    };
                    customer::create(
                        w,
                        now,
                        &actor,
                        secrets,
                        d.parse(&jiff::tz::TimeZone::UTC),
                        false,
                    )?;
                }
                Ok::<_, steppe::error::Error>(())
            })?;
        }
    }
    Ok(ids)
}

fn config() -> EnforceConfig {
    EnforceConfig {
        // No periodic reconcile during the measurement.
        full_interval: Duration::from_secs(3600),
        command_timeout: Duration::from_secs(120),
        ..EnforceConfig::default()
    }
}

fn states(store: &Store) -> Vec<(String, RouterState)> {
    store.read(|r| r.klist::<RouterState>()).unwrap_or_default()
}

async fn one_router() -> Res<()> {
    const USERS: usize = 10_000;
    const LATENCY: Duration = Duration::from_millis(5);
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let secrets = SecretBox::open(dir.path())?;
    let sim = start_sim(LATENCY).await?;
    let t = Instant::now();
    let ids = seed(&store, &secrets, std::slice::from_ref(&sim), USERS)?;
    println!(
        "seeded {USERS} customers in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let rss_before = rss_mib();
    let clock = Clock::default();
    let started = Instant::now();
    let e = Enforcer::start_with(store.clone(), clock.clone(), secrets.clone(), config());
    let first = e.sync_and_wait(ids[0], Cause::Sync).await?;
    // The first full sync (on connect) did the work; the waited one found nothing left.
    let initial = started.elapsed();
    println!(
        "1 router, {USERS} customers, {LATENCY:?} per reply: initial full sync {:.3} s \
         (router holds {} users; the waited sync found {} commands left)",
        initial.as_secs_f64(),
        sim.items("/ip/hotspot/user").len(),
        first.commands
    );
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = e.sync_and_wait(ids[0], Cause::Sync).await?;
        runs.push((t.elapsed(), r.commands));
    }
    let best = runs.iter().map(|r| r.0).min().unwrap_or_default();
    let worst = runs.iter().map(|r| r.0).max().unwrap_or_default();
    println!(
        "steady-state full reconcile (nothing changed): best {:.1} ms, worst {:.1} ms, commands {:?}",
        best.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        runs.iter().map(|r| r.1).collect::<Vec<_>>()
    );
    let t = Instant::now();
    let d = store.read(|r| {
        steppe::enforce::desired::compute(
            r,
            &secrets,
            ids[0],
            steppe::enforce::desired::Scope::Full,
            Timestamp::now(),
        )
    })?;
    println!(
        "  of which desired state from the store ({} users): {:.1} ms",
        d.map_or(0, |d| d.users.len()),
        t.elapsed().as_secs_f64() * 1e3
    );
    // A targeted change: one customer expires now.
    let victim = store
        .read(|r| customer::on_router(r, ids[0]))?
        .swap_remove(17);
    let at = Timestamp::now() + SignedDuration::from_millis(300);
    let touched = store.write(|w| {
        let before = w
            .get::<Customer>(victim.id)?
            .ok_or(steppe::error::Error::NotFound)?;
        let after = Customer {
            expires_at: at,
            ..before.clone()
        };
        customer::save(
            w,
            Timestamp::now(),
            &Actor::cli(),
            &before,
            &after,
            "update",
        )
        .map(|(_, t)| t)
    })?;
    e.customers_changed(&touched, &[victim.id], Cause::Admin("bench".into()));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let off = sim
            .find("/ip/hotspot/user", &victim.login)
            .and_then(|i| i.get("disabled").map(|v| v == "true"))
            .unwrap_or(false);
        if off || Instant::now() > deadline {
            break;
        }
        // Polling copies the simulator's 10,000 users under its lock; do it sparingly so the
        // measurement does not slow the router it measures.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lag = Timestamp::now().duration_since(at);
    println!(
        "expiry of one customer among {USERS}: disabled {:.0} ms after expires_at",
        lag.as_secs_f64() * 1e3
    );
    println!(
        "RSS: {rss_before:.1} MiB before the enforcer, {:.1} MiB after (simulator included)",
        rss_mib()
    );
    e.shutdown().await;
    sim.shutdown();
    Ok(())
}

async fn many_routers() -> Res<()> {
    const ROUTERS: usize = 100;
    const USERS: usize = 1_000;
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let secrets = SecretBox::open(dir.path())?;
    let mut sims = Vec::new();
    for _ in 0..ROUTERS {
        sims.push(start_sim(Duration::from_millis(2)).await?);
    }
    let t = Instant::now();
    seed(&store, &secrets, &sims, USERS)?;
    println!(
        "seeded {ROUTERS} routers × {USERS} customers in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let rss_before = rss_mib();
    let started = Instant::now();
    let e = Enforcer::start_with(store.clone(), Clock::default(), secrets, config());
    let target = u64::try_from(USERS)?;
    loop {
        let s = states(&store);
        let done = s
            .iter()
            .filter(|(_, s)| s.status == RouterStatus::Online && s.managed_users == target)
            .count();
        if done == ROUTERS || started.elapsed() > Duration::from_secs(300) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    let held: usize = sims.iter().map(|s| s.items("/ip/hotspot/user").len()).sum();
    println!(
        "{ROUTERS} routers × {USERS} customers, 2 ms per reply: all converged in {:.2} s ({held} users on the routers)",
        took.as_secs_f64()
    );
    println!(
        "RSS: {rss_before:.1} MiB before the enforcer, {:.1} MiB after (simulators included)",
        rss_mib()
    );
    e.shutdown().await;
    for s in sims {
        s.shutdown();
    }
    Ok(())
}

fn main() -> Res<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        one_router().await?;
        many_routers().await
    })
}
