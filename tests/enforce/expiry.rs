//! Service on time: provisioning, expiry within seconds and resuming on payment, by the clock and
//! by a wake; clock jumps give no free service and take no paid time.

use super::*;

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
