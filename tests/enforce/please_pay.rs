//! PPPoE "please pay": an expired customer on a please-pay router stays enabled on
//! `steppe-expired` (kicked so it applies), fenced in by Steppe's NAT, filter, address-list and
//! profile entries, which are repaired after a manual delete and removed when the mode is
//! turned off; the operator's rules stay untouched and after ours; paying moves the customer
//! back to their plan's profile.

use super::garden::{marked, qpay, save_qpay};
use super::*;
use steppe::billing::ledger::{NewPayment, record_payment};
use steppe::model::{CustomerId, Money};

const MARK: &str = "steppe:please-pay";
const FILTER: &str = "/ip/firewall/filter";
const NAT: &str = "/ip/firewall/nat";
const LISTS: &str = "/ip/firewall/address-list";
const PROFILES: &str = "/ppp/profile";

/// The fence is whole: profile, pay hosts, the NAT rule, and our filter rules first in order.
fn fence_in_place(sim: &SimHandle) -> bool {
    let profile_ok = marked(sim, PROFILES, MARK).iter().any(|p| {
        p.get("name") == Some("steppe-expired")
            && p.get("address-list") == Some("steppe-expired")
            && p.get("rate-limit") == Some("256k/256k")
    });
    let mut hosts: Vec<String> = marked(sim, LISTS, MARK)
        .iter()
        .filter(|i| i.get("list") == Some("steppe-pay-hosts"))
        .filter_map(|i| i.get("address").map(str::to_owned))
        .collect();
    hosts.sort();
    let nat_ok = sim.items(NAT).first().is_some_and(|n| {
        n.get("comment") == Some(MARK)
            && n.get("chain") == Some("dstnat")
            && n.get("action") == Some("dst-nat")
            && n.get("src-address-list") == Some("steppe-expired")
            && n.get("dst-port") == Some("80")
            && n.get("to-addresses") == Some("10.5.50.2")
            && n.get("to-ports") == Some("8081")
    });
    let filter = sim.items(FILTER);
    let ours = marked(sim, FILTER, MARK).len();
    let first_seven_ours = filter.len() >= 7
        && filter[..7].iter().all(|f| f.get("comment") == Some(MARK))
        && ours == 7;
    let shape: Vec<(Option<&str>, Option<&str>, Option<&str>)> = filter
        .iter()
        .take(7)
        .map(|f| (f.get("chain"), f.get("action"), f.get("protocol")))
        .collect();
    let shape_ok = shape
        == [
            (Some("input"), Some("accept"), Some("udp")),
            (Some("input"), Some("accept"), Some("tcp")),
            (Some("forward"), Some("accept"), Some("udp")),
            (Some("forward"), Some("accept"), Some("tcp")),
            (Some("forward"), Some("accept"), None),
            (Some("forward"), Some("accept"), None),
            (Some("forward"), Some("drop"), None),
        ];
    profile_ok
        && hosts == ["e.khanbank.com", "merchant.qpay.mn"]
        && nat_ok
        && first_seven_ours
        && shape_ok
        && filter.get(5).and_then(|f| f.get("dst-address-list")) == Some("steppe-pay-hosts")
        && filter.get(4).and_then(|f| f.get("dst-address")) == Some("10.5.50.2")
}

fn fence_gone(sim: &SimHandle) -> bool {
    [PROFILES, LISTS, NAT, FILTER]
        .iter()
        .all(|m| marked(sim, m, MARK).is_empty())
}

/// The operator's rules are still there, unchanged, and after ours.
fn operators_rules_kept(sim: &SimHandle) {
    let filter = sim.items(FILTER);
    let theirs: Vec<_> = filter
        .iter()
        .filter(|f| f.get("comment") != Some(MARK))
        .collect();
    assert_eq!(theirs.len(), 1, "{filter:?}");
    assert_eq!(theirs[0].get("comment"), Some("operator"));
    assert_eq!(theirs[0].get("action"), Some("drop"));
    assert_eq!(
        filter.last().and_then(|f| f.get("comment")),
        Some("operator")
    );
    let nat = sim.items(NAT);
    assert!(
        nat.iter()
            .any(|n| n.get("comment") == Some("masq") && n.get("action") == Some("masquerade")),
        "{nat:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_pppoe_customer_is_fenced_in_until_paying() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let admin = admin_client(&sim, version).await;
        for (menu, attrs) in [
            (
                "/ip/firewall/filter/add",
                [
                    ("chain", "forward"),
                    ("action", "drop"),
                    ("comment", "operator"),
                ],
            ),
            (
                "/ip/firewall/nat/add",
                [
                    ("chain", "srcnat"),
                    ("action", "masquerade"),
                    ("comment", "masq"),
                ],
            ),
        ] {
            let c = attrs
                .iter()
                .fold(Command::new(menu), |c, (n, v)| c.attr(n, v));
            admin.command(c).await.expect("operator's rule");
        }
        let r = w.router_with("r1", sim.addr(), version, PASSWORD, |d| {
            d.please_pay = true;
        });
        save_qpay(&w, &qpay(true));
        let pp = w.plan("Fiber 20", "pppoe", "20M");
        let c = w.customer(&r, &pp, "pp1", in_days(30), false);
        let e = w.enforcer();

        eventually(10, "fence created on sync", || {
            disabled(&sim, PPP, "pp1") == Some(false) && fence_in_place(&sim)
        })
        .await;
        operators_rules_kept(&sim);
        assert_eq!(
            prop(&sim, PPP, "pp1", "profile").as_deref(),
            Some("Fiber-20")
        );

        // Expiry: kept enabled, on steppe-expired, and kicked so the profile applies.
        sim.ppp_login("pp1", "pw-pp1", "AA:BB:CC:00:00:02", "10.6.0.2")
            .expect("ppp login");
        let at = Timestamp::now() + SignedDuration::from_secs(1);
        w.change(&e, c.id, |c| c.expires_at = at);
        eventually(10, "fenced in and kicked", || {
            disabled(&sim, PPP, "pp1") == Some(false)
                && prop(&sim, PPP, "pp1", "profile").as_deref() == Some("steppe-expired")
                && sessions(&sim, "/ppp/active", "pp1") == 0
        })
        .await;
        // Dialling again puts the address on the fence's list.
        sim.ppp_login("pp1", "pw-pp1", "AA:BB:CC:00:00:02", "10.6.0.2")
            .expect("an expired please-pay customer can still dial in");
        assert!(sim.items(LISTS).iter().any(|i| {
            i.get("list") == Some("steppe-expired") && i.get("address") == Some("10.6.0.2")
        }));

        // Manual deletes are repaired, in order, still ahead of the operator's rule.
        let drop_rule = marked(&sim, FILTER, MARK)
            .into_iter()
            .find(|f| f.get("action") == Some("drop"))
            .expect("our drop rule");
        let nat_rule = &marked(&sim, NAT, MARK)[0];
        let pay_host = &marked(&sim, LISTS, MARK)[0];
        for (menu, id) in [
            (FILTER, &drop_rule.id),
            (NAT, &nat_rule.id),
            (LISTS, &pay_host.id),
        ] {
            admin
                .command(Command::new(&format!("{menu}/remove")).attr(".id", id))
                .await
                .expect("removed by hand");
        }
        assert!(!fence_in_place(&sim), "the deletes took");
        e.sync_now(r.id, Cause::Sync);
        eventually(10, "fence repaired", || fence_in_place(&sim)).await;
        operators_rules_kept(&sim);

        // Paying: back on the plan's profile, kicked so it applies.
        let methods = w
            .store
            .read(steppe::settings::load)
            .expect("settings")
            .payment_methods;
        let paid = w
            .store
            .write(|tx| {
                record_payment(
                    tx,
                    w.clock.now(),
                    &Actor::cli(),
                    &NewPayment {
                        customer: CustomerId::new(c.id),
                        amount: Money::parse_minor("1000").expect("amount"),
                        method: methods[0].clone(),
                        bank_account: None,
                        reference: String::new(),
                        received_at: None,
                        key: None,
                    },
                    &methods,
                    false,
                )
            })
            .expect("payment recorded");
        assert!(
            paid.customer.entitled(Timestamp::now()),
            "the payment renewed"
        );
        e.customers_changed(&[r.id], &[c.id], Cause::Payment(paid.payment.id));
        eventually(10, "back on the plan and kicked", || {
            disabled(&sim, PPP, "pp1") == Some(false)
                && prop(&sim, PPP, "pp1", "profile").as_deref() == Some("Fiber-20")
                && sessions(&sim, "/ppp/active", "pp1") == 0
        })
        .await;
        assert!(fence_in_place(&sim), "the fence stays while the mode is on");

        // Expired again, then the mode turned off: fence removed, customer disabled as before.
        w.change(&e, c.id, |c| {
            c.expires_at = Timestamp::now() - SignedDuration::from_secs(60);
        });
        eventually(10, "fenced in again", || {
            prop(&sim, PPP, "pp1", "profile").as_deref() == Some("steppe-expired")
        })
        .await;
        let off = RouterDraft {
            please_pay: false,
            ..RouterDraft::of(&r)
        };
        w.store
            .write(|tx| router::update(tx, w.clock.now(), &Actor::cli(), &w.secrets, r.id, &off))
            .expect("mode turned off");
        e.router_saved(r.id);
        eventually(10, "fence removed, customer disabled", || {
            fence_gone(&sim)
                && disabled(&sim, PPP, "pp1") == Some(true)
                && prop(&sim, PPP, "pp1", "profile").as_deref() == Some("Fiber-20")
        })
        .await;
        operators_rules_kept(&sim);
        assert_eq!(sim.items(FILTER).len(), 1);

        e.shutdown().await;
        admin.close();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hotspot_customers_are_disabled_and_the_fence_leaves_with_pppoe() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router_with("r1", sim.addr(), version, PASSWORD, |d| {
            d.please_pay = true;
        });
        save_qpay(&w, &qpay(true));
        let hp = w.plan("Hot 5", "hotspot", "5M");
        w.customer(&r, &hp, "hs1", in_days(-1), false);
        let e = w.enforcer();
        eventually(10, "fence created, hotspot customer disabled", || {
            fence_in_place(&sim) && disabled(&sim, HS, "hs1") == Some(true)
        })
        .await;
        assert_eq!(prop(&sim, HS, "hs1", "profile").as_deref(), Some("Hot-5"));

        let no_pppoe = RouterDraft {
            pppoe: false,
            ..RouterDraft::of(&r)
        };
        w.store
            .write(|tx| {
                router::update(
                    tx,
                    w.clock.now(),
                    &Actor::cli(),
                    &w.secrets,
                    r.id,
                    &no_pppoe,
                )
            })
            .expect("PPPoE turned off");
        e.router_saved(r.id);
        eventually(10, "fence removed with PPPoE", || fence_gone(&sim)).await;
        assert_eq!(disabled(&sim, HS, "hs1"), Some(true));
        e.shutdown().await;
    }
}
