//! Steppe under load, measured from a second process over loopback: the release `steppe serve`
//! runs as a child on the shared data set (50,000 customers on 20 routers, 500,000 payments over
//! three years, 20,000 extensions) while this program drives it with 1, 8 and 64 keep-alive
//! connections — the logged-in dashboard, customer lists with filters, sorts and searches, the
//! payments, bills and extensions lists, a customer's page, and recording a payment — printing
//! requests/s, p50/p99 latency and the server's peak RSS. Then what payments cost the disk:
//! 10,000 of them alone and at 64 connections, with the bytes the server wrote
//! (`/proc/PID/io` `write_bytes`) and its fsyncs (`perf stat` on the syscall tracepoints). Then an
//! expiry storm: 10,000 customers on 10 simulated routers expiring in the same minute, and the
//! time until every router holds all of them disabled. Prints figures; asserts nothing.

#[path = "common/dataset.rs"]
mod dataset;
#[path = "common/http.rs"]
mod http;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::{Conn, Request, admin, drive, login, rss_mib, serve, status_mib};

const RUN: Duration = Duration::from_secs(4);

fn load() {
    let dir = tempfile::tempdir().expect("temp dir");
    dataset::seed_and_tell(dir.path());
    let token = admin(dir.path());
    println!("server binary: {}", http::steppe());
    let t = Instant::now();
    let (mut child, addr) = serve(dir.path());
    println!(
        "server ready in {:.2} s; idle RSS {:.0} MiB",
        t.elapsed().as_secs_f64(),
        rss_mib(child.id())
    );
    let session = format!("steppe_session={}", login(addr));
    let bearer = format!("Bearer {token}");

    let page = |path: &'static str| -> Request {
        let session = session.clone();
        Arc::new(move |c: &mut Conn, _| c.send("GET", path, &[("Cookie", &session)], b"").status)
    };
    let customer_page: Request = {
        let session = session.clone();
        Arc::new(move |c: &mut Conn, i| {
            let id = i % u64::from(dataset::CUSTOMERS) + 1;
            c.send(
                "GET",
                &format!("/customers/{id}"),
                &[("Cookie", &session)],
                b"",
            )
            .status
        })
    };
    let payment: Request = {
        let bearer = bearer.clone();
        Arc::new(move |c: &mut Conn, i| {
            let id = i % u64::from(dataset::CUSTOMERS) + 1;
            let body = format!("{{\"customer_id\":{id},\"amount\":3500000,\"method\":\"cash\"}}");
            c.send(
                "POST",
                "/api/v1/payments",
                &[
                    ("Authorization", &bearer),
                    ("Content-Type", "application/json"),
                ],
                body.as_bytes(),
            )
            .status
        })
    };
    let scenarios: Vec<(&str, Request)> = vec![
        ("dashboard", page("/")),
        (
            "customer list, router + expiring filter",
            page("/customers?router_id=3&expiring=7&sort=expires"),
        ),
        ("customer list, all, by name", page("/customers")),
        (
            "customer list, package + active, login desc",
            page("/customers?plan_id=2&status=active&sort=login&desc=1"),
        ),
        (
            "customer list, kind + router, by created",
            page("/customers?kind=organization&router_id=7&sort=created"),
        ),
        (
            "customer search, Cyrillic name fragment",
            page("/customers?q=%D0%91%D0%B0%D1%82"),
        ),
        (
            "customer search, phone fragment",
            page("/customers?q=99012"),
        ),
        ("payments list", page("/payments")),
        (
            "payments list, method + router",
            page("/payments?method=card&router_id=4"),
        ),
        (
            "payments list, recorded by + kind, page 3",
            page("/payments?recorded_by=cashier&customer_kind=organization&page=3"),
        ),
        ("bills list", page("/bills")),
        (
            "bills list, every status, page 5",
            page("/bills?status=all&page=5"),
        ),
        ("extensions list", page("/extensions")),
        (
            "extensions list, free only, page 2",
            page("/extensions?free=1&page=2"),
        ),
        ("customer page", customer_page),
        ("record payment (POST)", payment.clone()),
    ];
    println!();
    println!(
        "{:<42} {:>5} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "request", "conns", "req/s", "p50 ms", "p99 ms", "errors", "RSS MiB"
    );
    // `LOAD_ONLY=payments,Cyrillic` runs only the scenarios whose names hold one of the words
    // (and the disk figures only if one of them is "disk"), for a profile of one of them.
    let only = std::env::var("LOAD_ONLY").unwrap_or_default();
    let wanted = |name: &str| {
        only.is_empty()
            || only
                .split(',')
                .any(|w| !w.is_empty() && name.to_lowercase().contains(&w.to_lowercase()))
    };
    for (name, f) in scenarios.iter().filter(|(name, _)| wanted(name)) {
        for conns in [1, 8, 64] {
            let fig = drive(addr, &[child.id()], conns, RUN, f.clone());
            println!(
                "{name:<42} {conns:>5} {:>9.0} {:>9.1} {:>9.1} {:>7} {:>9.0}",
                fig.rps, fig.p50, fig.p99, fig.errors, fig.rss
            );
        }
    }
    if wanted("disk") {
        disk(addr, child.id(), payment);
    }
    println!(
        "peak RSS of the server over the whole run (VmHWM): {:.0} MiB",
        status_mib(child.id(), "VmHWM:")
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// What payments cost the disk, then what an idle minute does.
fn disk(addr: std::net::SocketAddr, pid: u32, payment: Request) {
    println!();
    println!(
        "{:<34} {:>9} {:>8} {:>12} {:>11} {:>10} {:>9}",
        "10,000 payments", "paid/s", "p99 ms", "bytes/paymt", "fsyncs", "fsyncs/s", "paymts/fsync"
    );
    for conns in [1, 64] {
        let b = burst(addr, pid, conns, 10_000, payment.clone());
        let fsyncs = b.fsyncs.map_or("n/a".to_string(), |n| n.to_string());
        let per_s = b
            .fsyncs
            .map_or("n/a".to_string(), |n| format!("{:.0}", n as f64 / b.secs));
        let per = b.fsyncs.map_or("n/a".to_string(), |n| {
            format!("{:.1}", 10_000.0 / (n.max(1) as f64))
        });
        println!(
            "{:<34} {:>9.0} {:>8.1} {:>12.0} {:>11} {:>10} {:>9}",
            format!("at {conns} connection(s)"),
            10_000.0 / b.secs,
            b.p99,
            b.written as f64 / 10_000.0,
            fsyncs,
            per_s,
            per
        );
    }
    // A whole minute, after the last burst has settled: the figure is per minute, and a shorter
    // window read right after a burst can catch one late commit and call it a rate.
    std::thread::sleep(Duration::from_secs(5));
    let before = written(pid);
    std::thread::sleep(Duration::from_secs(60));
    println!(
        "written in an idle minute (20 unreachable routers retried): {:.0} KB",
        (written(pid) - before) as f64 / 1000.0
    );
}

/// Bytes the process has caused to be written to the disk so far.
fn written(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("write_bytes:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Counts the fsync and fdatasync calls of `pid` until stopped (`perf stat` on the syscall
/// tracepoints); `None` where perf or the tracepoints are not available.
struct Fsyncs(Option<std::process::Child>);

impl Fsyncs {
    fn start(pid: u32) -> Fsyncs {
        let child = std::process::Command::new("perf")
            .args([
                "stat",
                "-x,",
                "-e",
                "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync",
                "-p",
                &pid.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .ok();
        // perf needs a moment to attach.
        std::thread::sleep(Duration::from_millis(300));
        Fsyncs(child)
    }

    fn stop(self) -> Option<u64> {
        use std::io::Read;
        let mut child = self.0?;
        let _ = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let mut err = String::new();
        child.stderr.take()?.read_to_string(&mut err).ok()?;
        let _ = child.wait();
        let counts: Vec<u64> = err
            .lines()
            .filter(|l| l.contains("sys_enter_f"))
            .filter_map(|l| l.split(',').next()?.trim().parse().ok())
            .collect();
        (counts.len() == 2).then(|| counts.iter().sum())
    }
}

struct Burst {
    secs: f64,
    p99: f64,
    written: u64,
    fsyncs: Option<u64>,
}

/// Sends `total` requests over `conns` connections as fast as they are answered.
fn burst(
    addr: std::net::SocketAddr,
    pid: u32,
    conns: usize,
    total: u64,
    request: Request,
) -> Burst {
    let left = Arc::new(AtomicU64::new(total));
    let fsyncs = Fsyncs::start(pid);
    let before = written(pid);
    let t = Instant::now();
    let workers: Vec<_> = (0..conns)
        .map(|w| {
            let (left, request) = (left.clone(), request.clone());
            std::thread::spawn(move || {
                let mut c = Conn::new(addr);
                let mut times = Vec::new();
                // Other customers than the timed scenarios paid for.
                let mut i = 7 + u64::try_from(w).unwrap_or(0) * http::STRIDE;
                while left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let s = Instant::now();
                    request(&mut c, i);
                    times.push(s.elapsed());
                    i += 1;
                }
                times
            })
        })
        .collect();
    let mut times: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    let secs = t.elapsed().as_secs_f64();
    // The last commit's pages reach the disk by the fsync; give the counters a moment.
    std::thread::sleep(Duration::from_millis(200));
    let written = written(pid) - before;
    times.sort();
    let p99 = times
        .get(times.len().saturating_sub(1) * 99 / 100)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    Burst {
        secs,
        p99,
        written,
        fsyncs: fsyncs.stop(),
    }
}

fn storm() {
    use steppe::audit::Actor;
    use steppe::billing::customer::{self, CustomerDraft};
    use steppe::billing::plan::{self, PlanDraft};
    use steppe::network::SecretBox;
    use steppe::network::router::{self, RouterDraft};
    use steppe::sim::{SimConfig, Simulator};

    const ROUTERS: usize = 10;
    const PER_ROUTER: usize = 1_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sims: Vec<_> = (0..ROUTERS)
        .map(|_| {
            let mut c = SimConfig::new("7.16");
            c.password = "bench".into();
            c.latency = Duration::from_millis(2);
            rt.block_on(Simulator::start(c, "127.0.0.1:0".parse().expect("addr")))
                .expect("simulator")
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = steppe::store::Store::open(dir.path()).expect("store");
    let secrets = SecretBox::open(dir.path()).expect("key");
    let now = jiff::Timestamp::now();
    // Everyone expires within one minute, starting 40 s from now (time to provision first).
    let minute = now + jiff::SignedDuration::from_secs(40);
    let actor = Actor::cli();
    store
        .write(|w| {
            let p = plan::create(
                w,
                now,
                &actor,
                &PlanDraft {
                    name: "Storm".into(),
                    kind: "hotspot".into(),
                    price: "1000".into(),
                    duration_days: "30".into(),
                    download: "10M".into(),
                    upload: "2M".into(),
                    shared_users: "1".into(),
                    active: true,
                    ..Default::default()
                },
            )?;
            for (r, sim) in sims.iter().enumerate() {
                let router = router::create(
                    w,
                    now,
                    &actor,
                    &secrets,
                    &RouterDraft {
                        name: format!("S{r}"),
                        host: "127.0.0.1".into(),
                        port: sim.addr().port().to_string(),
                        username: "admin".into(),
                        password: "bench".into(),
                        login_method: "plain".into(),
                        hotspot_server: "all".into(),
                        ..Default::default()
                    },
                )?;
                for i in 0..PER_ROUTER {
                    let d = CustomerDraft {
                        kind: "individual".into(),
                        name: format!("Storm {r} {i}"),
                        login: format!("s{r}-{i}"),
                        password: "pass".into(),
                        router_id: router.id.to_string(),
                        plan_id: p.id.to_string(),
                        status: "active".into(),
                        expires_at: (minute
                            + jiff::SignedDuration::from_secs(i64::try_from(i % 60).unwrap_or(0)))
                        .to_string(),
                        ..Default::default()
                    };
                    customer::create(
                        w,
                        now,
                        &actor,
                        &secrets,
                        d.parse(&jiff::tz::TimeZone::UTC),
                        false,
                    )?;
                }
            }
            Ok::<_, steppe::error::Error>(())
        })
        .expect("seed storm");
    drop(store);
    let (mut child, _addr) = serve(dir.path());
    let count = |disabled: &str| -> usize {
        sims.iter()
            .map(|s| {
                s.items("/ip/hotspot/user")
                    .iter()
                    .filter(|u| u.get("disabled") == Some(disabled))
                    .count()
            })
            .sum()
    };
    let t = Instant::now();
    while count("false") < ROUTERS * PER_ROUTER {
        assert!(
            t.elapsed() < Duration::from_secs(38),
            "not provisioned in time"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!();
    println!(
        "expiry storm: {} customers on {ROUTERS} routers provisioned in {:.2} s",
        ROUTERS * PER_ROUTER,
        t.elapsed().as_secs_f64()
    );
    let last = minute + jiff::SignedDuration::from_secs(59);
    let mut first_seen = None;
    loop {
        let off = count("true");
        let now = jiff::Timestamp::now();
        if off > 0 && first_seen.is_none() {
            first_seen = Some(now);
        }
        if off == ROUTERS * PER_ROUTER {
            let after = now.duration_since(last).as_secs_f64();
            println!(
                "expiry storm: every router correct {after:.2} s after the last expiry (first disable {:.2} s after the first)",
                first_seen.map_or(0.0, |f| f.duration_since(minute).as_secs_f64())
            );
            break;
        }
        assert!(
            now < last + jiff::SignedDuration::from_secs(120),
            "storm not handled: {off} disabled"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("expiry storm: server RSS {:.0} MiB", rss_mib(child.id()));
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    load();
    storm();
}
