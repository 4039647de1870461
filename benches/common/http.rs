#![allow(dead_code)]
//! The load tool the load and peer benchmarks share: a minimal keep-alive HTTP/1.1 client, the
//! release `steppe serve` as a child process with an admin and a logged-in session, and `drive`,
//! which runs one request on 1..n connections for a while and reports requests/s, p50/p99
//! latency, errors and the peak RSS of the given processes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const STEPPE: &str = env!("CARGO_BIN_EXE_steppe");

/// The server binary: this build's, or `STEPPE_BIN` (the router build's allocator is musl's:
/// `scripts/build-static x86_64-unknown-linux-musl`, then
/// `STEPPE_BIN=target/dist/x86_64-unknown-linux-musl/steppe`).
pub fn steppe() -> String {
    std::env::var("STEPPE_BIN").unwrap_or_else(|_| STEPPE.to_string())
}

/// The w-th connection of `drive` numbers its requests from `w * STRIDE`, so a request can tell
/// which connection it is on (`i / STRIDE`) and different connections ask for different records.
pub const STRIDE: u64 = 1_000_003;

/// One request of a scenario: the i-th on a connection; returns the HTTP status.
pub type Request = Arc<dyn Fn(&mut Conn, u64) -> u16 + Send + Sync>;

/// A minimal HTTP/1.1 keep-alive client: enough to measure the server, not the client.
pub struct Conn {
    addr: SocketAddr,
    r: BufReader<TcpStream>,
}

/// The body is read (to keep the connection in step); only the login reads it.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).ok();
        Conn {
            addr,
            r: BufReader::new(s),
        }
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
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

pub fn cookie(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| {
            let pair = v.split(';').next()?;
            let (k, val) = pair.split_once('=')?;
            (k == name).then(|| val.to_string())
        })
}

pub fn rss_mib(pid: u32) -> f64 {
    status_mib(pid, "VmRSS:")
}

/// A size field of `/proc/PID/status` (`VmRSS:`, `VmHWM:`…) in MiB; 0 when unreadable.
pub fn status_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

pub fn serve(data: &std::path::Path) -> (Child, SocketAddr) {
    let mut child = Command::new(steppe())
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

pub fn admin(data: &std::path::Path) -> String {
    let d = data.to_str().expect("path");
    let mut c = Command::new(steppe())
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
    let out = Command::new(steppe())
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
pub fn login(addr: SocketAddr) -> String {
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

pub struct Figures {
    pub rps: f64,
    pub p50: f64,
    pub p99: f64,
    pub errors: u64,
    pub rss: f64,
}

/// Runs `request` on `conns` connections for `run`, sampling the peak of the summed RSS of
/// `pids` (the server's one, or a peer's processes; none: `rss` stays 0).
pub fn drive(
    addr: SocketAddr,
    pids: &[u32],
    conns: usize,
    run: Duration,
    request: Request,
) -> Figures {
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
                let mut i = u64::try_from(w).unwrap_or(0) * STRIDE;
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
    while started.elapsed() < run {
        rss = rss.max(pids.iter().map(|&p| rss_mib(p)).sum());
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
