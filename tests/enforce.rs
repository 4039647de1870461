//! The enforcer against simulated routers over real TCP, for an old (6.33, challenge login)
//! and a current (7.16) RouterOS: provisioning, expiry within seconds, resume, an offline
//! router converging when it returns, drift repair, unmanaged entries, adoption, wrong
//! passwords, kicks, the command log and restarts.

use std::net::SocketAddr;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use steppe::audit::Actor;
use steppe::billing::customer::{self, Customer, CustomerDraft, Status};
use steppe::billing::plan::{self, Plan, PlanDraft};
use steppe::clock::Clock;
use steppe::enforce::log::{LogEntry, recent};
use steppe::enforce::{Cause, EnforceConfig, Enforcer, probe};
use steppe::network::SecretBox;
use steppe::network::router::{self, Router, RouterDraft, RouterState, RouterStatus};
use steppe::routeros::{Client, ClientConfig, Command, LoginMethod};
use steppe::sim::{SimConfig, SimHandle, Simulator};
use steppe::store::Store;

#[path = "enforce/convergence.rs"]
mod convergence;
#[path = "common/eventually.rs"]
mod eventually;
#[path = "enforce/expiry.rs"]
mod expiry;
#[path = "enforce/faults.rs"]
mod faults;
#[path = "common/flooding_router.rs"]
mod flooding_router;
#[path = "enforce/garden.rs"]
mod garden;
#[path = "enforce/please_pay.rs"]
mod please_pay;
#[path = "enforce/vouchers.rs"]
mod vouchers;

use eventually::eventually_async as eventually;

const VERSIONS: [&str; 2] = ["6.33", "7.16"];
const PASSWORD: &str = "api-Pa55w0rd";

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    secrets: SecretBox,
    clock: Clock,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store opens");
    let secrets = SecretBox::open(dir.path()).expect("secret key");
    World {
        _dir: dir,
        store,
        secrets,
        clock: Clock::default(),
    }
}

fn quick() -> EnforceConfig {
    EnforceConfig {
        full_interval: Duration::from_secs(600),
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(5),
        ..EnforceConfig::default()
    }
}

impl World {
    fn enforcer(&self) -> Enforcer {
        Enforcer::start_with(
            self.store.clone(),
            self.clock.clone(),
            self.secrets.clone(),
            quick(),
        )
    }

    fn router(&self, name: &str, addr: SocketAddr, version: &str, password: &str) -> Router {
        self.router_with(name, addr, version, password, |_| {})
    }

    /// A router as `router` makes it, with `tweak` applied to its draft first.
    fn router_with(
        &self,
        name: &str,
        addr: SocketAddr,
        version: &str,
        password: &str,
        tweak: impl FnOnce(&mut RouterDraft),
    ) -> Router {
        let mut d = RouterDraft {
            name: name.into(),
            host: "127.0.0.1".into(),
            port: addr.port().to_string(),
            username: "admin".into(),
            password: password.into(),
            login_method: if version.starts_with('6') {
                "challenge"
            } else {
                "plain"
            }
            .into(),
            hotspot_server: "all".into(),
            pppoe: true,
            ..RouterDraft::default()
        };
        tweak(&mut d);
        self.store
            .write(|w| router::create(w, self.clock.now(), &Actor::cli(), &self.secrets, &d))
            .expect("router saved")
    }

    fn plan(&self, name: &str, kind: &str, down: &str) -> Plan {
        let d = PlanDraft {
            name: name.into(),
            kind: kind.into(),
            price: "1000".into(),
            duration_days: "30".into(),
            download: down.into(),
            upload: "1M".into(),
            shared_users: "1".into(),
            active: true,
            ..PlanDraft::default()
        };
        self.store
            .write(|w| plan::create(w, self.clock.now(), &Actor::cli(), &d))
            .expect("plan saved")
    }

    fn customer(
        &self,
        r: &Router,
        p: &Plan,
        login: &str,
        expires: Timestamp,
        adopt: bool,
    ) -> Customer {
        let d = CustomerDraft {
            kind: "individual".into(),
            name: format!("Customer {login}"),
            login: login.into(),
            password: format!("pw-{login}"),
            router_id: r.id.to_string(),
            plan_id: p.id.to_string(),
            status: "active".into(),
            expires_at: expires.to_string(),
            ..CustomerDraft::default()
        };
        self.store
            .write(|w| {
                customer::create(
                    w,
                    self.clock.now(),
                    &Actor::cli(),
                    &self.secrets,
                    d.parse(&jiff::tz::TimeZone::UTC),
                    adopt,
                )
            })
            .expect("customer saved")
    }

    /// Changes a customer as the web layer would, and tells the enforcer.
    fn change(&self, e: &Enforcer, id: u64, f: impl FnOnce(&mut Customer)) -> Customer {
        let (after, touched) = self
            .store
            .write(|w| {
                let before = w.get::<Customer>(id)?.expect("customer exists");
                let mut after = before.clone();
                f(&mut after);
                customer::save(
                    w,
                    self.clock.now(),
                    &Actor::cli(),
                    &before,
                    &after,
                    "update",
                )
            })
            .expect("customer updated");
        e.customers_changed(&touched, &[id], Cause::Admin("tester".into()));
        after
    }

    fn state(&self, router_id: u64) -> RouterState {
        self.store
            .read(|r| router::state(r, router_id))
            .expect("state readable")
    }

    fn log(&self, router_id: u64) -> Vec<LogEntry> {
        self.store
            .read(|r| recent(r, router_id, 10_000))
            .expect("log readable")
    }
}

use steppe::store::Reader;

fn in_days(days: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_hours(24 * days)
}

async fn sim_at(version: &str, addr: SocketAddr) -> SimHandle {
    let mut c = SimConfig::new(version);
    c.password = PASSWORD.into();
    Simulator::start(c, addr).await.expect("simulator starts")
}

async fn sim(version: &str) -> SimHandle {
    sim_at(version, "127.0.0.1:0".parse().expect("address")).await
}

fn prop(sim: &SimHandle, menu: &str, name: &str, p: &str) -> Option<String> {
    sim.find(menu, name)
        .and_then(|i| i.get(p).map(str::to_owned))
}

fn disabled(sim: &SimHandle, menu: &str, name: &str) -> Option<bool> {
    prop(sim, menu, name, "disabled").map(|v| v == "true" || v == "yes")
}

fn sessions(sim: &SimHandle, menu: &str, name: &str) -> usize {
    sim.items(menu)
        .iter()
        .filter(|i| i.get("user").or_else(|| i.get("name")) == Some(name))
        .count()
}

async fn admin_client(sim: &SimHandle, version: &str) -> Client {
    let mut c = ClientConfig::new("127.0.0.1", sim.addr().port(), "admin", PASSWORD);
    c.login = if version.starts_with('6') {
        LoginMethod::Challenge
    } else {
        LoginMethod::Plain
    };
    Client::connect(&c).await.expect("admin logs in")
}

const HS: &str = "/ip/hotspot/user";
const PPP: &str = "/ppp/secret";
