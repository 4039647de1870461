//! A minimal W3C WebDriver client for chromedriver + headless Chromium. The browser test fails
//! (never skips) when they are missing: `scripts/test` installs them.

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    pub fn start() -> Driver {
        Self::start_with_downloads(None)
    }

    /// A browser that saves downloads into `dir` without asking.
    pub fn start_with_downloads(dir: Option<&std::path::Path>) -> Driver {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("Chromium is not installed: run scripts/test, which installs chromium and chromium-driver");
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver is not installed: run scripts/test, which installs chromium-driver",
            );
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1200,900",
                         format!("--user-data-dir={}", profile.path().display())],
                "prefs": {
                    "download.default_directory": dir.map(|d| d.display().to_string()).unwrap_or_default(),
                    "download.prompt_for_download": false
                }
            }
        } } });
        let mut d = Driver {
            child,
            base,
            agent,
            _profile: profile,
        };
        let v = d.call("POST", "/session", Some(caps));
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        d.base = format!("{}/session/{id}", d.base);
        d.call(
            "POST",
            "/timeouts",
            Some(json!({ "implicit": 5000, "pageLoad": 20000 })),
        );
        d
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"))
    }

    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}{path}", self.base);
        let r = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, Some(b)) => self.agent.post(&url).send_json(b),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        };
        let v: Value = r
            .expect("webdriver request")
            .body_mut()
            .read_json()
            .expect("webdriver JSON");
        if v["value"]["error"].is_string() {
            return Err(v["value"].clone());
        }
        Ok(v["value"].clone())
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    /// Logs in as the test super admin through the login page at `login_url`.
    pub fn login_as_boss(&self, login_url: &str) {
        self.goto(login_url);
        self.fill("input[name=username]", crate::helpers::ADMIN);
        self.fill("input[name=password]", crate::helpers::ADMIN_PW);
        self.click("button[type=submit]");
        self.wait_for_text("Welcome");
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/clear"), None);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), None);
    }

    pub fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value='{value}']"));
    }

    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.call("GET", &format!("/element/{e}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The text of an element, or `None` while the page is changing under us.
    fn try_text(&self, css: &str) -> Option<String> {
        let v = self
            .try_call(
                "POST",
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .ok()?;
        let e = v[ELEMENT].as_str()?.to_string();
        let t = self
            .try_call("GET", &format!("/element/{e}/text"), None)
            .ok()?;
        t.as_str().map(str::to_string)
    }

    pub fn wait_for_text(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let body = self.try_text("body").unwrap_or_default();
            if body.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {needle:?}; it shows:\n{body}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs a script in the page and returns its result.
    pub fn eval(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    pub fn set_window(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// The page printed to PDF by the browser (WebDriver's Print), as print CSS lays it out.
    pub fn print_pdf(&self) -> Vec<u8> {
        let b64 = self.call("POST", "/print", Some(json!({ "background": true })));
        b64.as_str().and_then(base64_decode).expect("a base64 PDF")
    }

    /// Saves a PNG of the page, for a person to look at.
    pub fn screenshot(&self, path: &str) {
        let b64 = self.call("GET", "/screenshot", None);
        if let Some(png) = b64.as_str().and_then(base64_decode) {
            let _ = std::fs::write(path, png);
        }
    }
}

impl Driver {
    /// Saves a PNG of one element (smaller than the whole page, for docs/).
    pub fn screenshot_of(&self, css: &str, path: &str) {
        let e = self.find(css);
        let b64 = self.call("GET", &format!("/element/{e}/screenshot"), None);
        if let Some(png) = b64.as_str().and_then(base64_decode) {
            let _ = std::fs::write(path, png);
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.agent.delete(&self.base).call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        let take = chunk.len() - 1;
        out.extend_from_slice(&n.to_be_bytes()[1..=take]);
    }
    Some(out)
}
