//! Voucher cards on simulated routers: provisioned with their limits and repaired, the clock
//! started by a first login and the card cut off when it runs out, fixed-date batches, void,
//! and the operator's own users left alone.

use super::*;
use steppe::model::voucher::{Batch, Card, CardState};
use steppe::vouchers::batch::{self, BatchDraft};
use steppe::vouchers::card::expiry_moved;

fn looking() -> EnforceConfig {
    EnforceConfig {
        card_look_interval: Duration::from_millis(200),
        ..quick()
    }
}

impl World {
    fn batch(
        &self,
        r: &Router,
        p: &Plan,
        count: u32,
        tweak: impl FnOnce(&mut BatchDraft),
    ) -> Batch {
        let mut d = BatchDraft {
            router_ids: vec![r.id.to_string()],
            plan_id: p.id.to_string(),
            count: count.to_string(),
            style: "letters".into(),
            length: "8".into(),
            login_mode: "code".into(),
            price: "1000".into(),
            ..BatchDraft::default()
        };
        tweak(&mut d);
        let now = self.clock.now();
        self.store
            .write(|w| {
                let input = d.check(w, now, &jiff::tz::TimeZone::UTC, 2)?;
                batch::create(w, now, &Actor::cli(), &input, |pin| self.secrets.seal(pin))
            })
            .expect("batch made")
    }

    fn cards(&self, batch_id: u64) -> Vec<Card> {
        self.store
            .read(|r| batch::cards(r, batch_id))
            .expect("cards readable")
    }

    fn card(&self, id: u64) -> Card {
        self.store
            .read(|r| r.get::<Card>(id))
            .expect("card readable")
            .expect("card exists")
    }

    /// Changes a card as the vouchers pages would, and tells the enforcer.
    fn change_card(&self, e: &Enforcer, id: u64, f: impl FnOnce(&mut Card)) {
        let router_id = self
            .store
            .write(|w| {
                let before = w.get::<Card>(id)?.expect("card exists");
                let mut after = before.clone();
                f(&mut after);
                expiry_moved(w, Some(&before), &after)?;
                w.put(id, &after)?;
                Ok::<_, steppe::store::StoreError>(after.router_id)
            })
            .expect("card saved");
        e.cards_changed(&[router_id], &[id], Cause::Admin("tester".into()));
    }

    fn enforcer_looking(&self) -> Enforcer {
        Enforcer::start_with(
            self.store.clone(),
            self.clock.clone(),
            self.secrets.clone(),
            looking(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_are_provisioned_with_their_limits_and_repaired() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let admin = admin_client(&sim, version).await;
        admin
            .command(
                Command::new("/ip/hotspot/user/add")
                    .attr("name", "frontdesk")
                    .attr("password", "mine")
                    .attr("comment", "the operator's own"),
            )
            .await
            .expect("operator's user");
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let p = w.plan("Day pass", "hotspot", "5M");
        let codes = w.batch(&r, &p, 12, |d| {
            d.limit_uptime = "3h".into();
            d.limit_bytes_total = "500M".into();
        });
        let pins = w.batch(&r, &p, 3, |d| {
            d.login_mode = "code_pin".into();
            d.style = "digits".into();
        });
        let customer = w.customer(&r, &p, "hs1", in_days(30), false);
        let e = w.enforcer();
        let coded = w.cards(codes.id);
        let pinned = w.cards(pins.id);
        eventually(10, "every card on the router", || {
            coded
                .iter()
                .chain(&pinned)
                .all(|c| disabled(&sim, HS, &c.code) == Some(false))
        })
        .await;
        for c in &coded {
            assert_eq!(
                prop(&sim, HS, &c.code, "comment"),
                Some(format!("steppe:v{}", c.id))
            );
            assert_eq!(
                prop(&sim, HS, &c.code, "password").as_deref(),
                Some(&*c.code)
            );
            assert_eq!(
                prop(&sim, HS, &c.code, "profile").as_deref(),
                Some("Day-pass")
            );
            let up = prop(&sim, HS, &c.code, "limit-uptime").expect("uptime limit");
            assert_eq!(
                steppe::routeros::value::parse_duration(&up).map(|d| d.as_secs()),
                Some(3 * 3600)
            );
            assert_eq!(
                prop(&sim, HS, &c.code, "limit-bytes-total").as_deref(),
                Some("524288000")
            );
        }
        for c in &pinned {
            let pin = w.secrets.open_sealed(&c.pin_sealed).expect("pin");
            assert_eq!(prop(&sim, HS, &c.code, "password"), Some(pin));
            assert_eq!(prop(&sim, HS, &c.code, "limit-uptime"), None);
        }
        assert_eq!(
            disabled(&sim, HS, "hs1"),
            Some(false),
            "customers beside cards"
        );
        assert_eq!(
            prop(&sim, HS, "hs1", "comment"),
            Some(format!("steppe:{}", customer.id))
        );

        // Edited by hand: a card disabled and its limit lifted, another removed.
        let find = |code: &str| sim.find(HS, code).map(|i| i.id);
        let first = find(&coded[0].code).expect("first card");
        admin
            .command(
                Command::new("/ip/hotspot/user/set")
                    .attr(".id", &first)
                    .attr("disabled", "yes")
                    .attr("limit-uptime", "0s")
                    .attr("password", "stolen"),
            )
            .await
            .expect("hand edit");
        let second = find(&coded[1].code).expect("second card");
        admin
            .command(Command::new("/ip/hotspot/user/remove").attr(".id", &second))
            .await
            .expect("hand removal");
        let report = e.sync_and_wait(r.id, Cause::Sync).await.expect("sync");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(disabled(&sim, HS, &coded[0].code), Some(false));
        assert_eq!(
            prop(&sim, HS, &coded[0].code, "password").as_deref(),
            Some(&*coded[0].code)
        );
        assert!(prop(&sim, HS, &coded[0].code, "limit-uptime").is_some_and(|v| v != "0s"));
        assert_eq!(disabled(&sim, HS, &coded[1].code), Some(false), "put back");
        assert_eq!(w.state(r.id).managed_users, 16, "15 cards and a customer");
        assert_eq!(
            prop(&sim, HS, "frontdesk", "comment").as_deref(),
            Some("the operator's own")
        );
        assert_eq!(
            prop(&sim, HS, "frontdesk", "password").as_deref(),
            Some("mine")
        );
        let again = e.sync_and_wait(r.id, Cause::Sync).await.expect("sync");
        assert_eq!(again.commands, 0, "in step: nothing to send");
        e.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_login_starts_the_clock_and_the_card_is_cut_off_when_it_runs_out() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let p = w.plan("Day pass", "hotspot", "5M");
        let b = w.batch(&r, &p, 3, |_| {});
        // A day is too long to wait for: these cards last four seconds from first login.
        w.store
            .write(|wr| {
                let mut b = wr.get::<Batch>(b.id)?.expect("batch");
                b.duration_secs = 4;
                wr.put(b.id, &b)
            })
            .expect("short cards");
        let cards = w.cards(b.id);
        let e = w.enforcer_looking();
        eventually(10, "cards on the router", || {
            cards
                .iter()
                .all(|c| disabled(&sim, HS, &c.code) == Some(false))
        })
        .await;
        assert_eq!(
            w.card(cards[0].id).state(Timestamp::now()),
            CardState::InStock
        );

        let before = Timestamp::now();
        sim.hotspot_login(
            &cards[0].code,
            &cards[0].code,
            "10.5.50.9",
            "AA:BB:CC:00:00:09",
        )
        .expect("card logs in");
        eventually(5, "first use noticed", || {
            w.card(cards[0].id).first_used_at.is_some()
        })
        .await;
        let used = w.card(cards[0].id);
        let first = used.first_used_at.expect("first use");
        assert!(
            first >= before - SignedDuration::from_secs(2) && first <= Timestamp::now(),
            "first use {first} is when the session began ({before})"
        );
        assert_eq!(used.expires_at, Some(first + SignedDuration::from_secs(4)));
        assert_eq!(used.state(Timestamp::now()), CardState::InUse);
        assert_eq!(
            w.card(cards[1].id).first_used_at,
            None,
            "the other cards wait"
        );

        eventually(12, "run out: disabled and kicked", || {
            disabled(&sim, HS, &cards[0].code) == Some(true)
                && sessions(&sim, "/ip/hotspot/active", &cards[0].code) == 0
        })
        .await;
        let out = Timestamp::now();
        assert!(
            out.duration_since(used.expires_at.expect("expiry")) < SignedDuration::from_secs(12),
            "cut off at its expiry"
        );
        assert_eq!(w.card(cards[0].id).state(out), CardState::UsedUp);
        assert_eq!(disabled(&sim, HS, &cards[1].code), Some(false));
        // Seen again later (a second session), a card gets no new time.
        let again = w.card(cards[0].id);
        assert_eq!(again.first_used_at, Some(first));
        assert_eq!(again.expires_at, used.expires_at);
        e.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_date_batch_runs_out_at_its_date_used_or_not() {
    let w = world();
    let sim = sim("7.16").await;
    let r = w.router("r1", sim.addr(), "7.16", PASSWORD);
    let p = w.plan("Day pass", "hotspot", "5M");
    let until = Timestamp::now() + SignedDuration::from_secs(3);
    let b = w.batch(&r, &p, 4, |d| {
        d.validity = "until".into();
        d.until = until.to_string();
    });
    let cards = w.cards(b.id);
    assert!(cards.iter().all(|c| c.expires_at.is_some()));
    let e = w.enforcer_looking();
    eventually(10, "cards on the router", || {
        cards
            .iter()
            .all(|c| disabled(&sim, HS, &c.code) == Some(false))
    })
    .await;
    sim.hotspot_login(
        &cards[0].code,
        &cards[0].code,
        "10.5.50.9",
        "AA:BB:CC:00:00:09",
    )
    .expect("card logs in");
    eventually(5, "first use noticed", || {
        w.card(cards[0].id).first_used_at.is_some()
    })
    .await;
    assert_eq!(
        w.card(cards[0].id).expires_at.map(|t| t.as_second()),
        Some(until.as_second()),
        "a fixed date is not moved by a first login"
    );
    eventually(12, "every card disabled at the date", || {
        cards
            .iter()
            .all(|c| disabled(&sim, HS, &c.code) == Some(true))
            && sessions(&sim, "/ip/hotspot/active", &cards[0].code) == 0
    })
    .await;
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voided_card_leaves_the_router_at_once_and_nothing_else_does() {
    let w = world();
    let sim = sim("6.33").await;
    let admin = admin_client(&sim, "6.33").await;
    admin
        .command(
            Command::new("/ip/hotspot/user/add")
                .attr("name", "guest")
                .attr("password", "guest"),
        )
        .await
        .expect("operator's user");
    let r = w.router("r1", sim.addr(), "6.33", PASSWORD);
    let p = w.plan("Day pass", "hotspot", "5M");
    let b = w.batch(&r, &p, 5, |_| {});
    let cards = w.cards(b.id);
    let e = w.enforcer();
    eventually(10, "cards on the router", || {
        cards
            .iter()
            .all(|c| disabled(&sim, HS, &c.code) == Some(false))
    })
    .await;
    sim.hotspot_login(
        &cards[2].code,
        &cards[2].code,
        "10.5.50.9",
        "AA:BB:CC:00:00:09",
    )
    .expect("card logs in");
    w.change_card(&e, cards[2].id, |c| c.voided_at = Some(Timestamp::now()));
    eventually(5, "voided card gone and kicked", || {
        sim.find(HS, &cards[2].code).is_none()
            && sessions(&sim, "/ip/hotspot/active", &cards[2].code) == 0
    })
    .await;
    for (i, c) in cards.iter().enumerate() {
        if i != 2 {
            assert_eq!(disabled(&sim, HS, &c.code), Some(false), "card {i} stays");
        }
    }
    assert_eq!(
        prop(&sim, HS, "guest", "password").as_deref(),
        Some("guest")
    );
    let report = e.sync_and_wait(r.id, Cause::Sync).await.expect("sync");
    assert!(
        sim.find(HS, &cards[2].code).is_none(),
        "a full pass keeps it gone"
    );
    assert_eq!(report.commands, 0);
    // An operator's user that happens to take a card's code is reported, never taken over.
    admin
        .command(Command::new("/ip/hotspot/user/remove").attr(
            ".id",
            &sim.find(HS, &cards[0].code).expect("card on router").id,
        ))
        .await
        .expect("removed by hand");
    admin
        .command(
            Command::new("/ip/hotspot/user/add")
                .attr("name", &cards[0].code)
                .attr("password", "hijack"),
        )
        .await
        .expect("look-alike");
    let report = e.sync_and_wait(r.id, Cause::Sync).await.expect("sync");
    assert!(
        report.errors.iter().any(|e| e.contains(&cards[0].code)),
        "{:?}",
        report.errors
    );
    assert_eq!(
        prop(&sim, HS, &cards[0].code, "password").as_deref(),
        Some("hijack"),
        "not ours: untouched"
    );
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_too_short_to_be_seen_still_starts_the_clock() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let admin = admin_client(&sim, version).await;
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let p = w.plan("Day pass", "hotspot", "5M");
        let b = w.batch(&r, &p, 2, |_| {});
        let cards = w.cards(b.id);
        // Sessions are looked at every 30 s: this one comes and goes in between.
        let e = w.enforcer();
        eventually(10, "cards on the router", || {
            cards
                .iter()
                .all(|c| disabled(&sim, HS, &c.code) == Some(false))
        })
        .await;
        let session = sim
            .hotspot_login(
                &cards[1].code,
                &cards[1].code,
                "10.5.50.9",
                "AA:BB:CC:00:00:09",
            )
            .expect("card logs in");
        tokio::time::sleep(Duration::from_millis(1300)).await;
        admin
            .command(Command::new("/ip/hotspot/active/remove").attr(".id", &session))
            .await
            .expect("logged out");
        assert_eq!(w.card(cards[1].id).first_used_at, None, "not seen yet");
        e.sync_and_wait(r.id, Cause::Sync).await.expect("sync");
        let used = w.card(cards[1].id);
        let first = used
            .first_used_at
            .expect("first use from the user's uptime");
        assert!(first <= Timestamp::now() - SignedDuration::from_secs(1));
        assert_eq!(
            used.expires_at,
            Some(first + SignedDuration::from_hours(30 * 24))
        );
        assert_eq!(w.card(cards[0].id).first_used_at, None);
        e.shutdown().await;
    }
}
