//! Voucher cards at scale against a simulated router at 5 ms per reply: making a batch of
//! 10,000 cards (one transaction), provisioning them all (the first full sync), a steady-state
//! reconcile, a card's first login noticed, and that card cut off at its expiry. Prints figures;
//! no assertions.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use steppe::audit::Actor;
use steppe::clock::Clock;
use steppe::enforce::{Cause, EnforceConfig, Enforcer};
use steppe::model::voucher::{Batch, Card};
use steppe::network::SecretBox;
use steppe::network::router::{self, RouterDraft};
use steppe::sim::{SimConfig, Simulator};
use steppe::store::{Reader, Store};
use steppe::vouchers::batch::{self, BatchDraft};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const CARDS: u32 = 10_000;
const LATENCY: Duration = Duration::from_millis(5);
const HS: &str = "/ip/hotspot/user";

fn disabled(sim: &steppe::sim::SimHandle, code: &str) -> bool {
    sim.find(HS, code)
        .and_then(|i| i.get("disabled").map(|v| v == "true"))
        .unwrap_or(false)
}

async fn run() -> Res<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let secrets = SecretBox::open(dir.path())?;
    let mut c = SimConfig::new("7.16");
    c.password = "bench".into();
    c.latency = LATENCY;
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    let sim = Simulator::start(c, addr).await?;
    let now = Timestamp::now();
    let actor = Actor::cli();
    let (router_id, plan_id) = store.write(|w| {
        let r = router::create(
            w,
            now,
            &actor,
            &secrets,
            &RouterDraft {
                name: "r".into(),
                host: "127.0.0.1".into(),
                port: sim.addr().port().to_string(),
                username: "admin".into(),
                password: "bench".into(),
                login_method: "plain".into(),
                hotspot_server: "all".into(),
                ..RouterDraft::default()
            },
        )?;
        let p = steppe::billing::plan::create(
            w,
            now,
            &actor,
            &steppe::billing::plan::PlanDraft {
                name: "Day".into(),
                kind: "hotspot".into(),
                price: "1000".into(),
                duration_days: "1".into(),
                download: "10M".into(),
                upload: "2M".into(),
                shared_users: "1".into(),
                active: true,
                ..Default::default()
            },
        )?;
        Ok::<_, steppe::error::Error>((r.id, p.id))
    })?;
    let draft = BatchDraft {
        router_ids: vec![router_id.to_string()],
        plan_id: plan_id.to_string(),
        count: CARDS.to_string(),
        style: "letters".into(),
        length: "8".into(),
        login_mode: "code".into(),
        price: "1000".into(),
        limit_uptime: "1d".into(),
        ..BatchDraft::default()
    };
    let t = Instant::now();
    let b = store.write(|w| {
        let input = draft.check(w, now, &jiff::tz::TimeZone::UTC, 2)?;
        batch::create(w, now, &actor, &input, |p| secrets.seal(p))
    })?;
    println!(
        "a batch of {CARDS} cards made (one transaction): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    // Seconds-long cards, so the expiry below can be watched.
    store.write(|w| {
        let mut b = w
            .get::<Batch>(b.id)?
            .ok_or(steppe::error::Error::NotFound)?;
        b.duration_secs = 2;
        w.put(b.id, &b)?;
        Ok::<_, steppe::error::Error>(())
    })?;
    let config = EnforceConfig {
        full_interval: Duration::from_secs(3600),
        command_timeout: Duration::from_secs(120),
        card_look_interval: Duration::from_millis(500),
        ..EnforceConfig::default()
    };
    let started = Instant::now();
    let e = Enforcer::start_with(store.clone(), Clock::default(), secrets.clone(), config);
    let first = e.sync_and_wait(router_id, Cause::Sync).await?;
    println!(
        "1 router, {CARDS} cards, {LATENCY:?} per reply: provisioned by the first full sync in \
         {:.3} s (router holds {} users; the waited sync found {} commands left)",
        started.elapsed().as_secs_f64(),
        sim.items(HS).len(),
        first.commands
    );
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = e.sync_and_wait(router_id, Cause::Sync).await?;
        runs.push((t.elapsed(), r.commands));
    }
    let best = runs.iter().map(|r| r.0).min().unwrap_or_default();
    let worst = runs.iter().map(|r| r.0).max().unwrap_or_default();
    println!(
        "steady-state full reconcile with {CARDS} cards: best {:.1} ms, worst {:.1} ms, commands {:?}",
        best.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        runs.iter().map(|r| r.1).collect::<Vec<_>>()
    );
    let card: Card = store.read(|r| batch::cards(r, b.id))?.swap_remove(4_321);
    let login = Instant::now();
    sim.hotspot_login(&card.code, &card.code, "10.5.50.7", "AA:BB:CC:00:00:07")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let used = loop {
        let c = store.read(|r| r.get::<Card>(card.id))?;
        if let Some(c) = c.filter(|c| c.first_used_at.is_some()) {
            break Some(c);
        }
        if Instant::now() > deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let Some(used) = used else {
        println!("first login: not noticed within 10 s");
        return Ok(());
    };
    println!(
        "first login noticed {:.0} ms after it (sessions read every 500 ms here, 30 s by default)",
        login.elapsed().as_secs_f64() * 1e3
    );
    let expires = used.expires_at.unwrap_or(Timestamp::MAX);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !disabled(&sim, &card.code) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lag = Timestamp::now().duration_since(expires);
    println!(
        "card among {CARDS}: disabled {:.0} ms after its expiry (first use + 2 s)",
        lag.as_secs_f64() * 1e3
    );
    e.shutdown().await;
    Ok(())
}

fn main() -> Res<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run())
}
