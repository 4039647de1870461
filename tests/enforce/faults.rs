//! Talking to a router: wrong passwords, kicks, the probe of its identity and certificate, and
//! faults (including a router flooding its replies) shown and recovered from.

use super::*;

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
