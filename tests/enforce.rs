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

#[path = "common/eventually.rs"]
mod eventually;
#[path = "common/flooding_router.rs"]
mod flooding_router;

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
        let d = RouterDraft {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisions_expires_within_seconds_and_resumes() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let hp = w.plan("Hot 5", "hotspot", "5M");
        let pp = w.plan("Fiber 20", "pppoe", "20M");
        let hc = w.customer(&r, &hp, "hs1", in_days(30), false);
        let pc = w.customer(&r, &pp, "pp1", in_days(30), false);
        let e = w.enforcer();

        eventually(10, "users provisioned", || {
            disabled(&sim, HS, "hs1") == Some(false) && disabled(&sim, PPP, "pp1") == Some(false)
        })
        .await;
        assert_eq!(
            prop(&sim, "/ip/hotspot/user/profile", "Hot-5", "rate-limit").as_deref(),
            Some("1M/5M")
        );
        assert_eq!(
            prop(&sim, "/ppp/profile", "Fiber-20", "rate-limit").as_deref(),
            Some("1M/20M")
        );
        assert_eq!(
            prop(&sim, HS, "hs1", "comment").as_deref(),
            Some(format!("steppe:{}", hc.id).as_str())
        );
        assert_eq!(prop(&sim, HS, "hs1", "profile").as_deref(), Some("Hot-5"));
        assert_eq!(prop(&sim, HS, "hs1", "server").as_deref(), Some("all"));
        assert_eq!(prop(&sim, PPP, "pp1", "service").as_deref(), Some("pppoe"));
        assert_eq!(
            prop(&sim, PPP, "pp1", "password").as_deref(),
            Some("pw-pp1")
        );
        eventually(5, "state online with counts", || {
            let s = w.state(r.id);
            s.status == RouterStatus::Online && s.managed_users == 2 && s.last_sync.is_some()
        })
        .await;
        let s = w.state(r.id);
        assert_eq!(s.version, format!("{version} (stable)"));
        assert_eq!(s.identity, "MikroTik");

        sim.hotspot_login("hs1", "pw-hs1", "10.5.50.2", "AA:BB:CC:00:00:01")
            .expect("hotspot login");
        sim.ppp_login("pp1", "pw-pp1", "AA:BB:CC:00:00:02", "10.6.0.2")
            .expect("ppp login");

        // Expire both two seconds from now, on the real clock.
        let at = Timestamp::now() + SignedDuration::from_secs(2);
        for id in [hc.id, pc.id] {
            w.change(&e, id, |c| c.expires_at = at);
        }
        eventually(10, "expired users disabled and kicked", || {
            disabled(&sim, HS, "hs1") == Some(true)
                && disabled(&sim, PPP, "pp1") == Some(true)
                && sessions(&sim, "/ip/hotspot/active", "hs1") == 0
                && sessions(&sim, "/ppp/active", "pp1") == 0
        })
        .await;
        let lag = Timestamp::now().duration_since(at);
        println!("{version}: disabled and kicked {lag:#} after expires_at");
        assert!(
            lag < SignedDuration::from_secs(2),
            "enforcement took {lag:#}"
        );
        assert!(
            sim.hotspot_login("hs1", "pw-hs1", "10.5.50.2", "AA:BB:CC:00:00:01")
                .is_err(),
            "a disabled user cannot log in"
        );

        // Resume: a new period.
        for id in [hc.id, pc.id] {
            w.change(&e, id, |c| {
                c.status = Status::Active;
                c.expires_at = in_days(30);
            });
        }
        eventually(10, "resumed users enabled", || {
            disabled(&sim, HS, "hs1") == Some(false) && disabled(&sim, PPP, "pp1") == Some(false)
        })
        .await;

        // Suspension works like expiry.
        w.change(&e, pc.id, |c| c.status = Status::Suspended);
        eventually(10, "suspended user disabled", || {
            disabled(&sim, PPP, "pp1") == Some(true)
        })
        .await;

        // The log says why, and never holds a password.
        let log = w.log(r.id);
        assert!(
            log.iter()
                .any(|l| l.cause == Cause::Expiry && l.command.contains("disabled=yes")),
            "{log:#?}"
        );
        assert!(
            log.iter()
                .any(|l| l.cause == Cause::Startup && l.command.contains("/add"))
        );
        assert!(
            log.iter()
                .any(|l| l.cause == Cause::Expiry && l.command.contains("active/remove"))
        );
        let text = serde_json::to_string(&log).expect("log serializes");
        for secret in ["pw-hs1", "pw-pp1", PASSWORD] {
            assert!(!text.contains(secret), "the log leaks {secret}");
        }
        assert!(text.contains("password=***"));
        e.shutdown().await;
        sim.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_by_advanced_clock_and_wake() {
    let w = world();
    let sim = sim("7.16").await;
    let r = w.router("r1", sim.addr(), "7.16", PASSWORD);
    let p = w.plan("Hot", "hotspot", "5M");
    let c = w.customer(&r, &p, "clocky", in_days(2), false);
    let e = w.enforcer();
    eventually(10, "provisioned", || {
        disabled(&sim, HS, "clocky") == Some(false)
    })
    .await;
    w.clock.advance(3 * 86_400);
    e.customers_changed(&[], &[], Cause::Sync);
    let took = eventually(10, "disabled after the clock jumped", || {
        disabled(&sim, HS, "clocky") == Some(true)
    })
    .await;
    println!("clock jump: disabled {took:?} after the wake");
    assert!(took < Duration::from_secs(2));
    let _ = c;
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_router_converges_when_it_returns() {
    for version in VERSIONS {
        let w = world();
        let sim1 = sim(version).await;
        let addr = sim1.addr();
        let r = w.router("r1", addr, version, PASSWORD);
        let p = w.plan("Hot", "hotspot", "5M");
        let c = w.customer(&r, &p, "away", in_days(30), false);
        let e = w.enforcer();
        eventually(10, "provisioned", || {
            disabled(&sim1, HS, "away") == Some(false)
        })
        .await;

        sim1.shutdown();
        eventually(10, "offline noticed", || {
            w.state(r.id).status == RouterStatus::Offline
        })
        .await;
        let at = Timestamp::now() + SignedDuration::from_secs(1);
        w.change(&e, c.id, |c| c.expires_at = at);
        let later = w.customer(&r, &p, "newcomer", in_days(30), false);
        e.customers_changed(&[r.id], &[later.id], Cause::Admin("tester".into()));
        eventually(10, "pending changes shown while offline", || {
            let s = w.state(r.id);
            s.status == RouterStatus::Offline && s.pending_changes >= 2 && !s.last_error.is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(1200)).await;

        // The router comes back factory-fresh on the same address.
        let sim2 = sim_at(version, addr).await;
        eventually(10, "converged after return", || {
            disabled(&sim2, HS, "away") == Some(true)
                && disabled(&sim2, HS, "newcomer") == Some(false)
        })
        .await;
        eventually(5, "online again", || {
            let s = w.state(r.id);
            s.status == RouterStatus::Online && s.pending_changes == 0
        })
        .await;
        e.shutdown().await;
        sim2.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_repaired_and_unmanaged_entries_are_left_alone() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let admin = admin_client(&sim, version).await;
        // What the ISP had before Steppe: a guest account, an account to import, a clash.
        for (name, comment) in [
            ("guest", "lobby"),
            ("imported", "old system"),
            ("clash", ""),
        ] {
            admin
                .command(
                    Command::new("/ip/hotspot/user/add")
                        .attr("name", name)
                        .attr("password", "theirs")
                        .attr("comment", comment),
                )
                .await
                .expect("unmanaged user added");
        }
        let before_guest = sim.find(HS, "guest").expect("guest exists");
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let p = w.plan("Hot", "hotspot", "5M");
        let expired = w.customer(
            &r,
            &p,
            "late",
            Timestamp::now() - SignedDuration::from_secs(60),
            false,
        );
        let adopted = w.customer(&r, &p, "imported", in_days(30), true);
        let clash = w.customer(&r, &p, "clash", in_days(30), false);
        let e = w.enforcer();

        eventually(10, "first sync", || {
            disabled(&sim, HS, "late") == Some(true)
                && prop(&sim, HS, "imported", "comment") == Some(format!("steppe:{}", adopted.id))
        })
        .await;
        assert_eq!(
            prop(&sim, HS, "imported", "password").as_deref(),
            Some("pw-imported")
        );
        assert_eq!(
            prop(&sim, HS, "imported", "profile").as_deref(),
            Some("Hot")
        );
        assert_eq!(
            sim.items(HS)
                .iter()
                .filter(|i| i.get("name") == Some("imported"))
                .count(),
            1
        );
        // The clash is reported, not touched.
        assert_eq!(
            prop(&sim, HS, "clash", "password").as_deref(),
            Some("theirs")
        );
        assert_eq!(prop(&sim, HS, "clash", "comment").as_deref(), Some(""));
        eventually(5, "collision recorded", || {
            w.state(r.id).last_error.contains("clash")
        })
        .await;
        assert!(
            w.log(r.id)
                .iter()
                .any(|l| l.result.contains("clash") && !l.ok())
        );
        let _ = clash;

        // An operator re-enables the expired user and changes its profile by hand.
        let late = sim.find(HS, "late").expect("late exists");
        admin
            .command(
                Command::new("/ip/hotspot/user/set")
                    .attr(".id", &late.id)
                    .attr("disabled", "no")
                    .attr("profile", "default"),
            )
            .await
            .expect("manual edit");
        assert_eq!(disabled(&sim, HS, "late"), Some(false));
        e.sync_now(r.id, Cause::Admin("tester".into()));
        eventually(10, "manual edit reverted", || {
            disabled(&sim, HS, "late") == Some(true)
                && prop(&sim, HS, "late", "profile").as_deref() == Some("Hot")
        })
        .await;
        assert_eq!(
            sim.find(HS, "guest"),
            Some(before_guest),
            "unmanaged entry untouched"
        );
        let _ = expired;
        e.shutdown().await;
        sim.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_archived_and_moved_customers_lose_their_entries() {
    let w = world();
    let sim_a = sim("7.16").await;
    let sim_b = sim("6.33").await;
    let a = w.router("a", sim_a.addr(), "7.16", PASSWORD);
    let b = w.router("b", sim_b.addr(), "6.33", PASSWORD);
    let p = w.plan("Hot", "hotspot", "5M");
    let mover = w.customer(&a, &p, "mover", in_days(30), false);
    let leaver = w.customer(&a, &p, "leaver", in_days(30), false);
    let e = w.enforcer();
    eventually(10, "both on a", || {
        sim_a.find(HS, "mover").is_some() && sim_a.find(HS, "leaver").is_some()
    })
    .await;
    sim_a
        .hotspot_login("leaver", "pw-leaver", "10.0.0.9", "AA:00:00:00:00:09")
        .expect("login");
    w.change(&e, mover.id, |c| c.router_id = b.id);
    w.change(&e, leaver.id, |c| c.archived = true);
    eventually(10, "moved and archived", || {
        sim_a.find(HS, "mover").is_none()
            && sim_b.find(HS, "mover").is_some()
            && sim_a.find(HS, "leaver").is_none()
            && sessions(&sim_a, "/ip/hotspot/active", "leaver") == 0
    })
    .await;
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_auth_failed() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router("r1", sim.addr(), version, "not-the-password");
        let e = w.enforcer();
        eventually(10, "auth failure recorded", || {
            let s = w.state(r.id);
            s.status == RouterStatus::AuthFailed && !s.last_error.is_empty()
        })
        .await;
        e.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_ends_the_session_now() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let p = w.plan("Fiber", "pppoe", "20M");
        let c = w.customer(&r, &p, "kicked", in_days(30), false);
        let e = w.enforcer();
        eventually(10, "provisioned", || {
            disabled(&sim, PPP, "kicked") == Some(false)
        })
        .await;
        sim.ppp_login("kicked", "pw-kicked", "AA:00:00:00:00:01", "10.6.0.3")
            .expect("login");
        let n = e
            .kick(c.id, Cause::Admin("boss".into()))
            .await
            .expect("kick works");
        assert_eq!(n, 1);
        assert_eq!(sessions(&sim, "/ppp/active", "kicked"), 0);
        assert_eq!(
            disabled(&sim, PPP, "kicked"),
            Some(false),
            "a kick does not disable"
        );
        assert_eq!(e.kick(c.id, Cause::Admin("boss".into())).await, Ok(0));
        let log = w.log(r.id);
        assert!(
            log.iter().any(|l| l.cause == Cause::Admin("boss".into())
                && l.command.contains("/ppp/active/remove")),
            "{log:#?}"
        );
        e.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_converges_from_the_store() {
    let w = world();
    let sim = sim("6.33").await;
    let r = w.router("r1", sim.addr(), "6.33", PASSWORD);
    let p = w.plan("Hot", "hotspot", "5M");
    let c = w.customer(&r, &p, "first", in_days(30), false);
    let e = w.enforcer();
    eventually(10, "provisioned", || {
        disabled(&sim, HS, "first") == Some(false)
    })
    .await;
    e.shutdown().await;

    // While Steppe is down: a new customer, and the first one's time runs out.
    w.customer(&r, &p, "second", in_days(30), false);
    w.store
        .write(|wr| {
            let before = wr.get::<Customer>(c.id)?.expect("exists");
            let after = Customer {
                expires_at: Timestamp::now() - SignedDuration::from_secs(5),
                ..before.clone()
            };
            customer::save(
                wr,
                Timestamp::now(),
                &Actor::cli(),
                &before,
                &after,
                "update",
            )
        })
        .expect("saved");
    let e2 = w.enforcer();
    eventually(10, "converged after restart", || {
        disabled(&sim, HS, "first") == Some(true) && disabled(&sim, HS, "second") == Some(false)
    })
    .await;
    e2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reads_the_router_and_its_certificate() {
    let w = world();
    let sim = sim("7.16").await;
    let r = w.router("r1", sim.addr(), "7.16", PASSWORD);
    let found = probe(&r, PASSWORD).await.expect("probe works");
    assert_eq!(found.identity, "MikroTik");
    assert_eq!(found.version, "7.16 (stable)");
    assert!(
        found
            .interfaces
            .iter()
            .any(|(n, t, up)| n == "ether1" && t == "ether" && *up)
    );
    assert_eq!(
        found.hotspot_servers,
        [("hotspot1".to_owned(), "bridge".to_owned())]
    );
    assert_eq!(found.tls_fingerprint, None);
    assert!(probe(&r, "wrong").await.is_err());

    // api-ssl without a pin: the probe reads the fingerprint for the admin to trust.
    use rcgen::{CertificateParams, KeyPair};
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let mut config = SimConfig::new("7.16");
    config.password = PASSWORD.into();
    config.tls = Some(
        SimConfig::tls_from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes())
            .expect("tls"),
    );
    let tls_sim = Simulator::start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sim");
    let mut tls_router = r.clone();
    tls_router.port = tls_sim.addr().port();
    tls_router.tls = true;
    let found = probe(&tls_router, PASSWORD).await.expect("TLS probe");
    let fp = steppe::routeros::Fingerprint::of(cert.der()).to_string();
    assert_eq!(found.tls_fingerprint.as_deref(), Some(fp.as_str()));

    // Without a pin the enforcer refuses api-ssl and says why; with it, it connects.
    let d = RouterDraft {
        name: "tls".into(),
        host: "127.0.0.1".into(),
        port: tls_sim.addr().port().to_string(),
        tls: true,
        username: "admin".into(),
        password: PASSWORD.into(),
        login_method: "plain".into(),
        hotspot_server: "all".into(),
        ..RouterDraft::default()
    };
    let tr = w
        .store
        .write(|wr| router::create(wr, Timestamp::now(), &Actor::cli(), &w.secrets, &d))
        .expect("saved");
    let e = w.enforcer();
    eventually(10, "missing pin reported", || {
        w.state(tr.id).last_error.contains("fingerprint")
    })
    .await;
    w.store
        .write(|wr| {
            let d = RouterDraft {
                tls_fingerprint: fp.clone(),
                password: String::new(),
                ..d.clone()
            };
            router::update(wr, Timestamp::now(), &Actor::cli(), &w.secrets, tr.id, &d)
        })
        .expect("pinned");
    e.router_saved(tr.id);
    eventually(10, "pinned router online", || {
        w.state(tr.id).status == RouterStatus::Online
    })
    .await;
    e.shutdown().await;
}

/// A clock set back gives nobody free service; a forward jump expires people at once, without
/// waiting for a timer; undoing it gives their paid time back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_jumps_give_no_free_service_and_take_no_paid_time() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let p = w.plan("Hot", "hotspot", "5M");
        let hour = SignedDuration::from_hours(1);
        w.customer(&r, &p, "paid", Timestamp::now() + hour, false);
        w.customer(&r, &p, "lapsed", Timestamp::now() - hour, false);
        let e = w.enforcer();
        eventually(10, "provisioned", || {
            disabled(&sim, HS, "paid") == Some(false) && disabled(&sim, HS, "lapsed") == Some(true)
        })
        .await;

        // The system clock goes back two hours: time holds, "lapsed" stays off.
        w.clock.advance(-2 * 3600);
        assert!(w.clock.now() >= Timestamp::now() - SignedDuration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            disabled(&sim, HS, "lapsed"),
            Some(true),
            "{version}: free service"
        );
        assert_eq!(disabled(&sim, HS, "paid"), Some(false), "{version}");

        // Two hours forward of real time: "paid" has run out, and is disabled without a wake.
        w.clock.advance(4 * 3600);
        let took = eventually(10, "disabled after the jump forward", || {
            disabled(&sim, HS, "paid") == Some(true)
        })
        .await;
        println!("{version}: disabled {took:?} after a forward clock jump");

        // The jump is undone: "paid" still has an hour and gets it back; "lapsed" does not.
        w.clock.advance(-2 * 3600);
        eventually(10, "paid time given back", || {
            disabled(&sim, HS, "paid") == Some(false)
        })
        .await;
        assert_eq!(disabled(&sim, HS, "lapsed"), Some(true));
        e.shutdown().await;
        sim.shutdown();
    }
}

/// Faults on the router's side — a connection cut in the middle of a pipeline, refused logins,
/// slow replies, commands that trap — are shown in the router's state and then repaired: the
/// router ends up exactly as the store says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_faults_are_shown_and_recovered_from() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let p = w.plan("Hot", "hotspot", "5M");
        for i in 0..10 {
            w.customer(&r, &p, &format!("c{i}"), in_days(30), false);
        }
        let e = w.enforcer();
        eventually(10, "provisioned", || sim.items(HS).len() == 10).await;

        // Cut mid-pipeline: the 3rd of 20 additions loses the connection.
        sim.drop_after(3);
        let new: Vec<u64> = (10..30)
            .map(|i| w.customer(&r, &p, &format!("c{i}"), in_days(30), false).id)
            .collect();
        e.customers_changed(&[r.id], &new, Cause::Admin("tester".into()));
        eventually(15, "all 30 after the cut", || {
            (0..30).all(|i| disabled(&sim, HS, &format!("c{i}")) == Some(false))
        })
        .await;
        assert_eq!(sim.items(HS).len(), 30, "{version}: nothing added twice");

        // A command that traps: the error is shown, and the change lands once it stops.
        sim.trap_commands("/ip/hotspot/user/add", "failure: simulated disk full");
        let trapped = w.customer(&r, &p, "trapped", in_days(30), false);
        e.customers_changed(&[r.id], &[trapped.id], Cause::Admin("tester".into()));
        eventually(10, "the trap shown", || {
            w.state(r.id).last_error.contains("simulated disk full")
        })
        .await;
        assert!(
            w.log(r.id)
                .iter()
                .any(|l| l.result.contains("simulated disk full")),
            "{version}: the failed command is in the command log"
        );
        sim.clear_traps();
        e.sync_now(r.id, Cause::Sync);
        eventually(10, "added after the trap cleared", || {
            disabled(&sim, HS, "trapped") == Some(false)
        })
        .await;

        // Slow replies: a change still lands.
        sim.set_latency(Duration::from_millis(300));
        let c0 = w.store.read(|rd| rd.list::<Customer>()).unwrap()[0].clone();
        w.change(&e, c0.id, |c| c.status = Status::Suspended);
        eventually(15, "suspended over a slow link", || {
            disabled(&sim, HS, &c0.login) == Some(true)
        })
        .await;
        sim.set_latency(Duration::ZERO);

        // Logins refused: the router is cut off, reported, and recovers when logins work.
        sim.set_refuse_logins(true);
        sim.send_fatal("session closed");
        eventually(10, "refused login shown", || {
            let s = w.state(r.id);
            s.status != RouterStatus::Online && !s.last_error.is_empty()
        })
        .await;
        w.change(&e, c0.id, |c| c.status = Status::Active);
        sim.set_refuse_logins(false);
        e.sync_now(r.id, Cause::Sync);
        eventually(15, "online and converged", || {
            w.state(r.id).status == RouterStatus::Online
                && disabled(&sim, HS, &c0.login) == Some(false)
        })
        .await;
        e.shutdown().await;
        sim.shutdown();
    }
}

/// Issue #14: a router flooding its prints is shown as a readable fault on its page instead of
/// eating the server's memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_flooding_its_replies_is_shown_as_a_fault() {
    let w = world();
    // Values of 4 KiB, so the default 32 MiB limit is reached after a few thousand sentences.
    let flood = flooding_router::FloodingRouter::start(|p| p.ends_with("/print"), 4096, true).await;
    let r = w.router("flood", flood.addr, "7.16", PASSWORD);
    let p = w.plan("Hot", "hotspot", "5M");
    w.customer(&r, &p, "c1", in_days(30), false);
    let e = w.enforcer();
    eventually(30, "the flood shown as the router's fault", || {
        w.state(r.id).last_error.contains("broken or hostile")
    })
    .await;
    let state = w.state(r.id);
    assert!(
        state
            .last_error
            .starts_with("the router sent more than 200000 replies or 32 MiB to /"),
        "{}",
        state.last_error
    );
    assert_ne!(state.status, RouterStatus::Online);
    assert!(
        !flood.cancels().is_empty(),
        "the flooded prints were cancelled"
    );
    e.shutdown().await;
}
