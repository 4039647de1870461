//! Steppe under load, measured from a second process over loopback: the release `steppe serve`
//! runs as a child on the shared data set (50,000 customers on 20 routers, 500,000 payments over
//! three years, 20,000 extensions) while this program drives it with 1, 8 and 64 keep-alive
//! connections — the logged-in dashboard, the customer list with filters, a customer's page, and
//! recording a payment — printing requests/s, p50/p99 latency and the server's peak RSS. Then an
//! expiry storm: 10,000 customers on 10 simulated routers expiring in the same minute, and the
//! time until every router holds all of them disabled. Prints figures; asserts nothing.

#[path = "common/dataset.rs"]
mod dataset;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const STEPPE: &str = env!("CARGO_BIN_EXE_steppe");
const RUN: Duration = Duration::from_secs(4);

/// One request of a scenario: the i-th on a connection; returns the HTTP status.
type Request = Arc<dyn Fn(&mut Conn, u64) -> u16 + Send + Sync>;

/// A minimal HTTP/1.1 keep-alive client: enough to measure the server, not the client.
struct Conn {
    addr: SocketAddr,
    r: BufReader<TcpStream>,
}

/// The body is read (to keep the connection in step); only the login reads it.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Conn {
    fn new(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).ok();
        Conn {
            addr,
            r: BufReader::new(s),
        }
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        match self.try_send(method, path, headers, body) {
            Some(r) => r,
            None => {
                // The server closed an idle connection: once more on a fresh one.
                *self = Conn::new(self.addr);
                self.try_send(method, path, headers, body)
                    .expect("request failed twice")
            }
        }
    }

    fn try_send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<Reply> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let s = self.r.get_mut();
        s.write_all(req.as_bytes()).ok()?;
        s.write_all(body).ok()?;
        let mut line = String::new();
        if self.r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status = line.split_whitespace().nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.r.read_line(&mut line).ok()?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let header = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let mut body = Vec::new();
        if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
            body.resize(n, 0);
            self.r.read_exact(&mut body).ok()?;
        } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            loop {
                line.clear();
                self.r.read_line(&mut line).ok()?;
                let n = usize::from_str_radix(line.trim(), 16).ok()?;
                let mut chunk = vec![0; n + 2];
                self.r.read_exact(&mut chunk).ok()?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        }
        Some(Reply {
            status,
            headers,
            body,
        })
    }
}

fn cookie(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| {
            let pair = v.split(';').next()?;
            let (k, val) = pair.split_once('=')?;
            (k == name).then(|| val.to_string())
        })
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn serve(data: &std::path::Path) -> (Child, SocketAddr) {
    let mut child = Command::new(STEPPE)
        // No portal listener: its default port (8081) may be taken on a shared machine.
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--portal-listen",
            "off",
            "--data",
        ])
        .arg(data)
        .env(
            "STEPPE_LOG",
            "warn,steppe::web::server=info,steppe::cli=info",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("steppe starts");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in out.lines().map_while(Result::ok) {
            if !sent && let Some(rest) = line.split("serving on http://").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                sent = true;
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("serving")
        .parse()
        .expect("address");
    (child, addr)
}

fn admin(data: &std::path::Path) -> String {
    let d = data.to_str().expect("path");
    let mut c = Command::new(STEPPE)
        .args([
            "admin",
            "create",
            "--username",
            "bench",
            "--role",
            "super_admin",
            "--data",
            d,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("admin create");
    c.stdin
        .take()
        .expect("stdin")
        .write_all(b"bench password 1\n")
        .expect("password");
    assert!(c.wait().expect("admin create").success());
    let out = Command::new(STEPPE)
        .args(["admin", "token", "--username", "bench", "--data", d])
        .output()
        .expect("token");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Logs in through the login form; returns the session cookie.
fn login(addr: SocketAddr) -> String {
    let mut c = Conn::new(addr);
    let page = c.send("GET", "/login", &[], b"");
    let nonce = cookie(&page, "steppe_csrf").expect("csrf cookie");
    // The form's token is signed from the cookie, not the cookie itself.
    let html = String::from_utf8_lossy(&page.body);
    let csrf = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf token in the login form");
    let form = format!("_csrf={csrf}&username=bench&password=bench+password+1&next=%2F");
    let r = c.send(
        "POST",
        "/login",
        &[
            ("Cookie", &format!("steppe_csrf={nonce}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form.as_bytes(),
    );
    assert_eq!(r.status, 303, "login");
    cookie(&r, "steppe_session").expect("session cookie")
}

struct Figures {
    rps: f64,
    p50: f64,
    p99: f64,
    errors: u64,
    rss: f64,
}

/// Runs `request` on `conns` connections for `RUN`, sampling the server's RSS.
fn drive(addr: SocketAddr, pid: u32, conns: usize, request: Request) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let times = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let workers: Vec<_> = (0..conns)
        .map(|w| {
            let (stop, errors, times, request) =
                (stop.clone(), errors.clone(), times.clone(), request.clone());
            std::thread::spawn(move || {
                let mut c = Conn::new(addr);
                let mut mine = Vec::new();
                let mut i = u64::try_from(w).unwrap_or(0) * 1_000_003;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let status = request(&mut c, i);
                    mine.push(t.elapsed());
                    if !(200..400).contains(&status) {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    i += 1;
                }
                times.lock().expect("times").extend(mine);
            })
        })
        .collect();
    let mut rss: f64 = 0.0;
    while started.elapsed() < RUN {
        rss = rss.max(rss_mib(pid));
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut t = times.lock().expect("times").clone();
    t.sort();
    let at = |pct: usize| {
        t.get((t.len().saturating_sub(1)) * pct / 100)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Figures {
        rps: t.len() as f64 / elapsed,
        p50: at(50),
        p99: at(99),
        errors: errors.load(Ordering::Relaxed),
        rss,
    }
}

fn load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    drop(dataset::seed(dir.path(), 1));
    println!(
        "seeded {} customers on {} routers, {} payments over 3 years, {} extensions in {:.1} s",
        dataset::CUSTOMERS,
        dataset::ROUTERS,
        dataset::PAYMENTS,
        dataset::EXTENSIONS,
        t.elapsed().as_secs_f64()
    );
    let token = admin(dir.path());
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
            page("/customers?router_id=3&expiring=7&sort=expiry"),
        ),
        ("customer page", customer_page),
        ("record payment (POST)", payment),
    ];
    println!();
    println!(
        "{:<42} {:>5} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "request", "conns", "req/s", "p50 ms", "p99 ms", "errors", "RSS MiB"
    );
    for (name, f) in &scenarios {
        for conns in [1, 8, 64] {
            let fig = drive(addr, child.id(), conns, f.clone());
            println!(
                "{name:<42} {conns:>5} {:>9.0} {:>9.1} {:>9.1} {:>7} {:>9.0}",
                fig.rps, fig.p50, fig.p99, fig.errors, fig.rss
            );
        }
    }
    let _ = child.kill();
    let _ = child.wait();
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
