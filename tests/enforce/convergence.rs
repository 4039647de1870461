//! Routers converge on the store: after being offline, after hand edits (drift, with unmanaged
//! entries left alone), after customers are removed, archived or moved, and after a restart.

use super::*;

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

/// An unreachable router is retried again and again; once its failure is recorded, a retry that
/// fails the same way writes nothing (on a router each write is flash wear).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_an_unreachable_router_writes_nothing_new() {
    let w = world();
    // Port 1: nothing listens there, and no other test's simulator can take it over (a freed
    // ephemeral port can be).
    let addr: SocketAddr = "127.0.0.1:1".parse().expect("address");
    let r = w.router("gone", addr, "7.16", PASSWORD);
    let e = w.enforcer();
    eventually(10, "offline noticed", || {
        w.state(r.id).status == RouterStatus::Offline
    })
    .await;
    let (first, generation) = (w.state(r.id), w.store.generation());
    // Retried every 100–400 ms (`quick`): several more attempts.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(
        w.store.generation(),
        generation,
        "a retry that changed nothing was written"
    );
    let now = w.state(r.id);
    assert!(!now.last_error.is_empty());
    assert_eq!(
        (now.last_error, now.last_error_at),
        (first.last_error, first.last_error_at),
        "the failure keeps the time it began"
    );
    e.shutdown().await;
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
