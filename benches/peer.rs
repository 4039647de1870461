//! Steppe side by side with PHPNuxBill, the most used open-source alternative (PHP + MySQL),
//! through the same load tool (benches/common/http.rs): the dashboard, the customer list's first
//! page, a search by a name fragment and by a phone fragment, and a customer's page (a different
//! customer each request) at 1, 8 and 64 keep-alive connections, Steppe and the peer one after
//! the other for each row. Steppe runs as a child on the shared data set (benches/common/
//! dataset.rs); PHPNuxBill must already be running with an equivalent one, set up as
//! docs/benchmarks.md ("Side by side with PHPNuxBill") describes:
//!
//! PEER_URL=http://127.0.0.1:8090 PEER_USER=admin PEER_PASSWORD='bench password 1' \
//!   cargo bench --bench peer
//!
//! Without PEER_URL only Steppe's side runs. Prints figures; asserts nothing.

#[path = "common/dataset.rs"]
mod dataset;
#[path = "common/http.rs"]
mod http;

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Conn, Figures, Reply, STRIDE, admin, cookie, drive, login, rss_mib, serve};

const RUN: Duration = Duration::from_secs(4);
const CONNS: [usize; 3] = [1, 8, 64];

/// A request for one side: the path of the i-th request on a connection.
type Path = Arc<dyn Fn(u64) -> String + Send + Sync>;

struct Peer {
    addr: SocketAddr,
    /// One logged-in session per connection: PHP's file sessions lock the session for the whole
    /// request, so connections sharing one would queue behind each other, which no office of
    /// several admins does.
    sessions: Arc<Vec<String>>,
}

/// "http://host:port" to an address.
fn peer_addr(url: &str) -> SocketAddr {
    let rest = url
        .strip_prefix("http://")
        .expect("PEER_URL must start with http://");
    let hostport = rest.split('/').next().unwrap_or(rest);
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    hostport
        .to_socket_addrs()
        .expect("PEER_URL's address")
        .next()
        .expect("PEER_URL resolves")
}

/// A real admin page of PHPNuxBill, not its login page or an alert ("Token has expired",
/// "Invalid or Expired CSRF Token"): every page of its admin layout links to logout.
fn peer_page(r: &Reply) -> bool {
    r.status == 200 && String::from_utf8_lossy(&r.body).contains("_route=logout")
}

/// Logs into PHPNuxBill's admin as its login form does (system/controllers/admin.php): GET
/// `?_route=admin` starts a PHP session and puts a `csrf_token` in the form (kept in the
/// session when its CSRF check is on); POST `?_route=admin/post` with it sets the `aid` cookie.
/// Returns the Cookie header for later requests.
fn peer_login(addr: SocketAddr, user: &str, password: &str) -> String {
    let mut c = Conn::new(addr);
    let page = c.send("GET", "/?_route=admin", &[], b"");
    assert_eq!(page.status, 200, "PHPNuxBill's login page");
    let sid = cookie(&page, "PHPSESSID").expect("PHP session cookie");
    let html = String::from_utf8_lossy(&page.body);
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("");
    let form = serde_urlencoded::to_string([
        ("csrf_token", csrf),
        ("username", user),
        ("password", password),
    ])
    .expect("form");
    let r = c.send(
        "POST",
        "/?_route=admin/post",
        &[
            ("Cookie", &format!("PHPSESSID={sid}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form.as_bytes(),
    );
    let aid = cookie(&r, "aid")
        .expect("PHPNuxBill login failed (no aid cookie): PEER_USER/PEER_PASSWORD?");
    let cookies = format!("PHPSESSID={sid}; aid={aid}");
    let dash = c.send("GET", "/?_route=dashboard", &[("Cookie", &cookies)], b"");
    assert!(peer_page(&dash), "PHPNuxBill's dashboard after login");
    cookies
}

/// The processes that serve PHPNuxBill on this machine (php-fpm master and workers, MariaDB,
/// nginx), by name from /proc.
fn peer_pids() -> Vec<u32> {
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let comm = comm.trim();
        if comm.starts_with("php-fpm") || comm == "mariadbd" || comm == "mysqld" || comm == "nginx"
        {
            pids.push(pid);
        }
    }
    pids
}

/// Proportional set size in MiB (shared pages divided among their sharers), summed: the
/// memory the peer's processes take together, where summed RSS counts php-fpm's shared
/// opcache and libraries once per worker.
fn pss_mib(pids: &[u32]) -> f64 {
    pids.iter()
        .map(|p| {
            std::fs::read_to_string(format!("/proc/{p}/smaps_rollup"))
                .unwrap_or_default()
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        })
        .sum::<f64>()
        / 1024.0
}

fn main() {
    let peer_env = (
        std::env::var("PEER_URL").ok().filter(|s| !s.is_empty()),
        std::env::var("PEER_USER").unwrap_or_else(|_| "admin".into()),
        std::env::var("PEER_PASSWORD").unwrap_or_default(),
    );
    if peer_env.0.is_none() {
        println!(
            "PEER_URL not set: Steppe's side only. To compare, run PHPNuxBill as docs/benchmarks.md \
             (\"Side by side with PHPNuxBill\") says and set PEER_URL=http://127.0.0.1:8090 \
             PEER_USER=admin PEER_PASSWORD=..."
        );
    }

    let dir = tempfile::tempdir().expect("temp dir");
    dataset::seed_and_tell(dir.path());
    admin(dir.path());
    let (mut child, addr) = serve(dir.path());
    println!(
        "Steppe: idle RSS {:.0} MiB (pid {})",
        rss_mib(child.id()),
        child.id()
    );
    let session = format!("steppe_session={}", login(addr));

    let peer = peer_env.0.as_deref().map(|url| {
        let addr = peer_addr(url);
        let t = Instant::now();
        let sessions: Vec<String> = (0..CONNS[CONNS.len() - 1])
            .map(|_| peer_login(addr, &peer_env.1, &peer_env.2))
            .collect();
        let pids = peer_pids();
        println!(
            "PHPNuxBill at {url}: {} sessions logged in in {:.2} s; {} processes (php-fpm, mariadbd, nginx), idle RSS {:.0} MiB summed, PSS {:.0} MiB",
            sessions.len(),
            t.elapsed().as_secs_f64(),
            pids.len(),
            pids.iter().map(|&p| rss_mib(p)).sum::<f64>(),
            pss_mib(&pids)
        );
        (
            Peer {
                addr,
                sessions: Arc::new(sessions),
            },
            pids,
        )
    });

    let customer = |i: u64| i % u64::from(dataset::CUSTOMERS) + 1;
    // (name, Steppe's path, PHPNuxBill's path)
    let fixed = |s: &'static str| -> Path { Arc::new(move |_| s.to_string()) };
    let scenarios: Vec<(&str, Path, Path)> = vec![
        ("dashboard", fixed("/"), fixed("/?_route=dashboard")),
        (
            "customer list, first page",
            fixed("/customers"),
            fixed("/?_route=customers"),
        ),
        (
            "search, name fragment \"Customer 123\"",
            fixed("/customers?q=Customer+123"),
            fixed("/?_route=customers&search=Customer+123"),
        ),
        (
            "search, phone fragment \"99012\"",
            fixed("/customers?q=99012"),
            fixed("/?_route=customers&search=99012"),
        ),
        (
            "customer page (a different one each time)",
            Arc::new(move |i| format!("/customers/{}", customer(i))),
            Arc::new(move |i| format!("/?_route=customers/view/{}", customer(i))),
        ),
    ];

    println!();
    println!(
        "{:<44} {:>5} | {:>8} {:>8} {:>8} {:>6} {:>7} | {:>8} {:>8} {:>8} {:>6} {:>7} | {:>7} {:>7}",
        "request",
        "conns",
        "Steppe/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "RSS MiB",
        "peer/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "RSS MiB",
        "ratio/s",
        "p50 x"
    );
    let show = |f: &Figures| {
        format!(
            "{:>8.1} {:>8.1} {:>8.1} {:>6} {:>7.0}",
            f.rps, f.p50, f.p99, f.errors, f.rss
        )
    };
    for (name, steppe_path, peer_path) in &scenarios {
        for conns in CONNS {
            let s = {
                let (session, path) = (session.clone(), steppe_path.clone());
                // Steppe answers a lapsed session with a redirect to /login: only 200 counts.
                let req: http::Request = Arc::new(move |c: &mut Conn, i| {
                    match c.send("GET", &path(i), &[("Cookie", &session)], b"").status {
                        200 => 200,
                        _ => 0,
                    }
                });
                drive(addr, &[child.id()], conns, RUN, req)
            };
            let p = peer.as_ref().map(|(peer, pids)| {
                let (sessions, path) = (peer.sessions.clone(), peer_path.clone());
                let req: http::Request = Arc::new(move |c: &mut Conn, i| {
                    let cookies =
                        &sessions[usize::try_from(i / STRIDE).unwrap_or(0) % sessions.len()];
                    let r = c.send("GET", &path(i), &[("Cookie", cookies)], b"");
                    // A redirect to its login, or its alert page, is an error.
                    if peer_page(&r) { 200 } else { 0 }
                });
                drive(peer.addr, pids, conns, RUN, req)
            });
            match p {
                Some(p) => println!(
                    "{name:<44} {conns:>5} | {} | {} | {:>7.1} {:>7.1}",
                    show(&s),
                    show(&p),
                    if p.rps > 0.0 {
                        s.rps / p.rps
                    } else {
                        f64::INFINITY
                    },
                    if s.p50 > 0.0 {
                        p.p50 / s.p50
                    } else {
                        f64::INFINITY
                    }
                ),
                None => println!("{name:<44} {conns:>5} | {} |", show(&s)),
            }
        }
    }
    if let Some((_, pids)) = &peer {
        println!();
        println!(
            "PHPNuxBill after the run: RSS {:.0} MiB summed over {} processes, PSS {:.0} MiB",
            pids.iter().map(|&p| rss_mib(p)).sum::<f64>(),
            pids.len(),
            pss_mib(pids)
        );
    }
    println!("Steppe after the run: RSS {:.0} MiB", rss_mib(child.id()));
    let _ = child.kill();
    let _ = child.wait();
}
