//! The fixtures most web tests start from: a server with one router and one hotspot package,
//! customers created through the API, and simulated routers for the tests that need one.

use super::{Browser, TestApp, api_client};
use serde_json::{Value, json};
use steppe::sim::{SimConfig, SimHandle, Simulator};

pub struct Fixture {
    pub app: TestApp,
    pub web: Browser,
    pub api: Browser,
    pub router: u64,
    pub plan: u64,
}

/// A server with one router (pointing at a closed port), one hotspot plan, and API access.
pub fn fixture() -> Fixture {
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("net"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Tower A", "host": "127.0.0.1", "port": 1, "tls": false, "username": "api",
        "password": "Router-Secret-77", "login_method": "plain", "hotspot_server": "all", "note": "north"
    }));
    assert_eq!(r.status, 201, "{}", r.body);
    let p = api.send_json("POST", "/api/v1/plans", &json!({
        "name": "Home 10", "kind": "hotspot", "price": 3_500_000, "duration_days": 30, "duration_hours": 0,
        "download": "10M", "upload": "2M", "shared_users": 1
    }));
    assert_eq!(p.status, 201, "{}", p.body);
    Fixture {
        router: r.json()["id"].as_u64().unwrap(),
        plan: p.json()["id"].as_u64().unwrap(),
        app,
        web,
        api,
    }
}

impl Fixture {
    /// Creates a customer through the API (the body as [`customer`] builds it); returns its id.
    pub fn new_customer(&mut self, body: &Value) -> u64 {
        let r = self.api.send_json("POST", "/api/v1/customers", body);
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_u64().unwrap()
    }
}

pub fn customer(router: u64, plan: u64, login: &str, expires_at: &str) -> Value {
    json!({
        "kind": "individual", "name": format!("Customer {login}"), "phone": "99112233", "email": "",
        "login": login, "password": "pw-123", "router_id": router, "plan_id": plan,
        "status": "active", "expires_at": expires_at
    })
}

pub struct SimRouter {
    /// Keeps the simulator's runtime alive for the test.
    pub _rt: tokio::runtime::Runtime,
    pub sim: SimHandle,
}

pub fn start_sim(version: &str) -> SimRouter {
    start_sim_as(version, "api", "router-pw")
}

/// A simulator that takes another login, e.g. the demo's, for data seeded by `steppe::demo`.
pub fn start_sim_as(version: &str, user: &str, password: &str) -> SimRouter {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut cfg = SimConfig::new(version);
    cfg.user = user.into();
    cfg.password = password.into();
    let sim = rt
        .block_on(Simulator::start(cfg, "127.0.0.1:0".parse().unwrap()))
        .unwrap();
    SimRouter { _rt: rt, sim }
}
