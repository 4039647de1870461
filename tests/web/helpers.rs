//! Shared test helpers: start the real server on port 0 with a temporary data directory, and a
//! small cookie-keeping HTTP client that behaves like a browser without JavaScript; the common
//! fixture (`fixture.rs`) and waiting for what the server does in the background.

#[path = "../common/eventually.rs"]
mod eventually;
#[path = "../common/fake_qpay.rs"]
pub mod fake_qpay;
mod fixture;

pub use eventually::eventually;
pub use fixture::{Fixture, SimRouter, customer, fixture, start_sim, start_sim_as};

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use steppe::clock::Clock;
use steppe::web::{Application, Config, Tls};

pub const ADMIN: &str = "boss";
pub const ADMIN_PW: &str = "correct horse battery";

pub struct TestApp {
    pub addr: SocketAddr,
    /// The customers' portal listener.
    pub portal_addr: SocketAddr,
    /// The running server's shared state, for what a test can only see from inside.
    state: Option<std::sync::Arc<steppe::web::App>>,
    pub dir: tempfile::TempDir,
    pub clock: Clock,
    pub tls: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestApp {
    pub fn start() -> TestApp {
        Self::start_in(tempfile::tempdir().unwrap(), Tls::Off)
    }

    pub fn start_in(dir: tempfile::TempDir, tls: Tls) -> TestApp {
        Self::start_with(dir, tls, steppe::web::Limits::default())
    }

    pub fn start_with(dir: tempfile::TempDir, tls: Tls, limits: steppe::web::Limits) -> TestApp {
        let clock = Clock::default();
        let (tx, rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            tls: tls.clone(),
            tz: jiff::tz::TimeZone::get("Asia/Ulaanbaatar").unwrap(),
            limits,
            portal_listen: Some("127.0.0.1:0".into()),
            allowed_hosts: vec!["billing.topnet.mn".into()],
        };
        let c = clock.clone();
        let thread = std::thread::spawn(move || {
            // As `steppe serve` runs it: two workers and a blocking pool of 16.
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(16)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = Application::build_with_clock(config, c).await.unwrap();
                tx.send((app.local_addr(), app.portal_addr().unwrap(), app.app()))
                    .unwrap();
                app.run_until(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
            });
        });
        let (addr, portal_addr, state) = rx.recv().unwrap();
        TestApp {
            addr,
            portal_addr,
            state: Some(state),
            dir,
            clock,
            tls: !matches!(tls, Tls::Off),
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The first-run setup code the server printed and left in its data directory.
    pub fn setup_code(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("setup-code"))
            .expect("a fresh installation has a setup code")
            .trim()
            .to_string()
    }

    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    pub fn browser(&self) -> Browser {
        Browser::new(self.url(""), self.tls)
    }

    pub fn portal_url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.portal_addr)
    }

    /// A phone on the hotspot: it reaches the portal listener.
    pub fn portal_browser(&self) -> Browser {
        Browser::new(self.portal_url(""), self.tls)
    }

    /// Stops the server gracefully and hands back the data directory.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.shutdown();
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    /// Connections the server holds open from this address.
    pub fn state_gate_open(&self, ip: &str) -> usize {
        self.state().gate.open_from(ip.parse().unwrap())
    }

    pub fn state(&self) -> &steppe::web::App {
        self.state.as_ref().expect("the server is running")
    }

    fn shutdown(&mut self) {
        // The store closes with its last handle: this one must not outlive the server.
        self.state = None;
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }

    /// A server with the first admin set up; returns it with that admin's logged-in browser.
    pub fn with_admin() -> (TestApp, Browser) {
        let app = TestApp::start();
        let mut b = app.browser();
        let code = app.setup_code();
        let r = b.post_form(
            "/setup",
            &[
                ("setup_code", &code),
                ("username", ADMIN),
                ("full_name", "Boss Bold"),
                ("password", ADMIN_PW),
                ("password2", ADMIN_PW),
            ],
        );
        assert_eq!(r.status, 303, "setup failed: {}", r.body);
        (app, b)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The value of the first `name="…" value="…"` hidden input with this name.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let needle = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&needle)? + needle.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_string())
    }
}

/// Keeps cookies and the last CSRF token like a browser would.
pub struct Browser {
    base: String,
    agent: ureq::Agent,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Browser {
    pub fn new(base: String, tls: bool) -> Browser {
        let mut cfg = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0);
        if tls {
            cfg = cfg.tls_config(
                ureq::tls::TlsConfig::builder()
                    .disable_verification(true)
                    .build(),
            );
        }
        Browser {
            base,
            agent: cfg.build().into(),
            cookies: BTreeMap::new(),
            csrf: None,
            bearer: None,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn finish(&mut self, r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
        let mut r = r.expect("HTTP request failed");
        let headers: Vec<(String, String)> = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        for (k, v) in &headers {
            if k == "set-cookie" {
                let pair = v.split(';').next().unwrap_or("");
                if let Some((name, value)) = pair.split_once('=') {
                    if name == "steppe_session" || name == "steppe_portal" {
                        // A new session brings a new CSRF token with its next page.
                        self.csrf = None;
                    }
                    if value.is_empty() || v.contains("Max-Age=0") {
                        self.cookies.remove(name);
                    } else {
                        self.cookies.insert(name.into(), value.into());
                    }
                }
            }
        }
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_string().unwrap_or_default();
        let page = Page {
            status,
            body,
            headers,
        };
        if let Some(t) = page.input_value("_csrf") {
            self.csrf = Some(t);
        }
        page
    }

    fn with_auth<B>(&self, mut req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        if !self.cookies.is_empty() {
            req = req.header("Cookie", &self.cookie_header());
        }
        if let Some(t) = &self.bearer {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        req
    }

    pub fn get(&mut self, path: &str) -> Page {
        let req = self.with_auth(self.agent.get(format!("{}{path}", self.base)));
        let r = req.call();
        self.finish(r)
    }

    /// A GET of a download with this browser's session: status, headers and the bytes.
    pub fn get_bytes(&mut self, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let req = self.with_auth(self.agent.get(format!("{}{path}", self.base)));
        let mut r = req.call().expect("HTTP request failed");
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = r
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap();
        (r.status().as_u16(), headers, body)
    }

    /// Posts a form with the current CSRF token (fetching a page first if there is none).
    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.ensure_csrf();
        let csrf = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all)
    }

    /// Loads a page (as a browser would have) when no CSRF token is at hand.
    fn ensure_csrf(&mut self) {
        if self.csrf.is_none() {
            let p = self.get("/login");
            if p.status == 303 {
                let to = p.location().to_string();
                self.get(&to);
            }
        }
    }

    /// Posts exactly these fields (no CSRF token added).
    pub fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let req = self.with_auth(self.agent.post(format!("{}{path}", self.base)));
        let r = req.send_form(fields.iter().copied());
        self.finish(r)
    }

    pub fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Page {
        self.ensure_csrf();
        let boundary = "steppetestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let csrf = self.csrf.clone().unwrap_or_default();
        for (k, v) in [("_csrf", csrf.as_str())].iter().chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (k, data) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = self
            .with_auth(self.agent.post(format!("{}{path}", self.base)))
            .header(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            );
        let r = req.send(&body[..]);
        self.finish(r)
    }

    /// Posts a form (with the CSRF token, or empty with only the bearer token when there is no
    /// session) and returns the status, headers and body bytes: for downloads.
    pub fn post_for_bytes(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let req = self.with_auth(self.agent.post(format!("{}{path}", self.base)));
        let r = if self.bearer.is_some() {
            req.send_empty()
        } else {
            self.ensure_csrf();
            let csrf = self.csrf.clone().unwrap_or_default();
            let mut all: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
            all.extend_from_slice(fields);
            let req = self.with_auth(self.agent.post(format!("{}{path}", self.base)));
            req.send_form(all.iter().copied())
        };
        let mut r = r.expect("HTTP request failed");
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = r
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap();
        (r.status().as_u16(), headers, body)
    }

    pub fn send_json(&mut self, method: &str, path: &str, body: &serde_json::Value) -> Page {
        let url = format!("{}{path}", self.base);
        let r = match method {
            "POST" => self.with_auth(self.agent.post(url)).send_json(body),
            "PATCH" => self.with_auth(self.agent.patch(url)).send_json(body),
            "PUT" => self.with_auth(self.agent.put(url)).send_json(body),
            "DELETE" => self
                .with_auth(self.agent.delete(url))
                .force_send_body()
                .send_json(body),
            m => panic!("unsupported method {m}"),
        };
        self.finish(r)
    }

    /// A JSON POST with an `Idempotency-Key`.
    pub fn post_json_keyed(&mut self, path: &str, key: &str, body: &serde_json::Value) -> Page {
        let url = format!("{}{path}", self.base);
        let r = self
            .with_auth(self.agent.post(url))
            .header("Idempotency-Key", key)
            .send_json(body);
        self.finish(r)
    }

    pub fn login(&mut self, username: &str, password: &str) -> Page {
        self.get("/login");
        self.post_form(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
    }

    /// Creates an API token for the logged-in admin through the account page.
    pub fn create_token(&mut self, name: &str) -> String {
        let p = self.post_form("/account/tokens", &[("name", name)]);
        assert_eq!(p.status, 200, "{}", p.body);
        let start =
            p.body.find("id=\"new-token\">").expect("token shown") + "id=\"new-token\">".len();
        let end = p.body[start..].find('<').unwrap();
        p.body[start..start + end].to_string()
    }
}

/// A client that uses only a bearer token.
pub fn api_client(app: &TestApp, token: &str) -> Browser {
    let mut b = Browser::new(app.url(""), app.tls);
    b.bearer = Some(token.to_string());
    b
}

/// The `steppe` binary running as a child process.
pub struct Server {
    pub child: std::process::Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `steppe serve` on a free port and waits until it listens.
    pub fn start(data: &std::path::Path, extra: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_steppe"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--portal-listen",
                "127.0.0.1:0",
                "--data",
            ])
            .arg(data)
            .args(extra)
            .env("STEPPE_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("starting steppe");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if !sent && let Some(rest) = line.split("serving on ").nth(1) {
                    let url = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(url);
                    sent = true;
                }
            }
        });
        let url = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("server did not start");
        let addr = url.split("://").nth(1).unwrap().parse().unwrap();
        Server { child, addr }
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a `steppe` subcommand with `stdin`; returns (success, stdout, stderr).
pub fn steppe(args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_steppe"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Makes a super admin in `data` with the CLI; returns their API token.
pub fn admin_in(data: &std::path::Path) -> String {
    let d = data.to_str().unwrap();
    let created = steppe(
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--role",
            "super_admin",
            "--data",
            d,
        ],
        "long enough pw\n",
    );
    assert!(created.0, "{}", created.2);
    let (_, out, _) = steppe(&["admin", "token", "--username", "root", "--data", d], "");
    out.lines().last().unwrap().trim().to_string()
}

/// An API client for `server` with this token.
pub fn api_on(server: &Server, token: &str) -> Browser {
    let mut api = Browser::new(format!("http://{}", server.addr), false);
    api.bearer = Some(token.to_string());
    api
}

/// A router at `port` (with the simulator's credentials) and a 30-day package of 1000.
pub fn router_and_plan(api: &mut Browser, port: u16) -> (u64, u64) {
    let router = api.send_json("POST", "/api/v1/routers", &serde_json::json!({ "name": "R", "host": "127.0.0.1", "port": port, "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all" })).json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &serde_json::json!({ "name": "P", "kind": "hotspot", "price": 1000, "duration_days": 30, "download": "1M", "upload": "1M" })).json()["id"].as_u64().unwrap();
    (router, plan)
}

/// One HTTP/1.1 exchange (`Connection: close`) from a chosen loopback source address, such as
/// `127.0.0.2`: how the server sees a client on another machine of the LAN.
pub fn exchange_from(src: &str, addr: SocketAddr, request: &[u8]) -> Page {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let raw = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(SocketAddr::new(src.parse().unwrap(), 0))
            .unwrap();
        let mut s = socket.connect(addr).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        out
    });
    parse_response(&raw)
}

/// A raw HTTP/1.1 response with a `Content-Length` body as a `Page`.
pub fn parse_response(raw: &[u8]) -> Page {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    Page {
        status,
        body: body.to_string(),
        headers,
    }
}

/// Logs in from `src` as a browser there would (the login page first, for its CSRF cookie and
/// token); the status of the login POST.
pub fn login_from(src: &str, addr: SocketAddr, username: &str, password: &str) -> u16 {
    let get = format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let page = exchange_from(src, addr, get.as_bytes());
    let cookie = page
        .headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("steppe_csrf="))
        .map(|(_, v)| v.split(';').next().unwrap().to_string())
        .expect("a CSRF cookie");
    let token = page.input_value("_csrf").expect("a CSRF token");
    let body = serde_urlencoded::to_string([
        ("_csrf", token.as_str()),
        ("username", username),
        ("password", password),
        ("next", "/"),
    ])
    .unwrap();
    let post = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange_from(src, addr, post.as_bytes()).status
}
