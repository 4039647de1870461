//! The walled garden Steppe keeps on a hotspot router while QPay is on: created on sync,
//! repaired after a manual delete or edit, removed when QPay is turned off, the operator's own
//! entries untouched; and who is calling, by source address.

use super::*;
use steppe::network::live;
use steppe::selfpay::QPaySettings;

const GARDEN: &str = "/ip/hotspot/walled-garden";
const GARDEN_IP: &str = "/ip/hotspot/walled-garden/ip";

pub(super) fn qpay(enabled: bool) -> QPaySettings {
    QPaySettings {
        enabled,
        client_id: "steppe".into(),
        secret_sealed: "sealed".into(),
        invoice_code: "STEPPE_INVOICE".into(),
        pay_address: "http://10.5.50.2:8081".into(),
        garden_hosts: vec!["*.khanbank.com".into(), "e.khanbank.com".into()],
        ..QPaySettings::default()
    }
}

pub(super) fn save_qpay(w: &World, q: &QPaySettings) {
    w.store
        .write(|tx| tx.kput("qpay", q))
        .expect("qpay settings saved");
}

/// The entries of `menu` carrying `marker`, as (key property value, the whole item).
pub(super) fn marked(sim: &SimHandle, menu: &str, marker: &str) -> Vec<steppe::sim::SimItem> {
    sim.items(menu)
        .into_iter()
        .filter(|i| i.get("comment") == Some(marker))
        .collect()
}

fn hosts(sim: &SimHandle) -> Vec<String> {
    let mut h: Vec<String> = marked(sim, GARDEN, "steppe:garden")
        .iter()
        .filter(|i| i.get("action") == Some("allow") && i.get("server") == Some("hotspot1"))
        .filter_map(|i| i.get("dst-host").map(str::to_owned))
        .collect();
    h.sort();
    h
}

fn garden_ips(sim: &SimHandle) -> Vec<String> {
    marked(sim, GARDEN_IP, "steppe:garden")
        .iter()
        .filter(|i| i.get("action") == Some("accept"))
        .filter_map(|i| i.get("dst-address").map(str::to_owned))
        .collect()
}

const WANTED: [&str; 4] = [
    "*.khanbank.com",
    "*.qpay.mn",
    "e.khanbank.com",
    "merchant.qpay.mn",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walled_garden_follows_qpay_and_spares_the_operators_entries() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let admin = admin_client(&sim, version).await;
        admin
            .command(
                Command::new("/ip/hotspot/walled-garden/add")
                    .attr("dst-host", "example.org")
                    .attr("comment", "operator"),
            )
            .await
            .expect("operator's entry");
        admin
            .command(
                Command::new("/ip/hotspot/walled-garden/ip/add")
                    .attr("dst-address", "192.0.2.1")
                    .attr("action", "accept"),
            )
            .await
            .expect("operator's ip entry");
        let r = w.router_with("r1", sim.addr(), version, PASSWORD, |d| {
            d.hotspot_server = "hotspot1".into();
        });
        save_qpay(&w, &qpay(true));
        let e = w.enforcer();

        eventually(10, "walled garden created", || {
            hosts(&sim) == WANTED && garden_ips(&sim) == ["10.5.50.2"]
        })
        .await;

        // A manual delete and a manual edit are both put right by the next full reconcile.
        let qpay_entry = marked(&sim, GARDEN, "steppe:garden")
            .into_iter()
            .find(|i| i.get("dst-host") == Some("*.qpay.mn"))
            .expect("qpay wildcard");
        admin
            .command(Command::new("/ip/hotspot/walled-garden/remove").attr(".id", &qpay_entry.id))
            .await
            .expect("removed by hand");
        let ip_entry = &marked(&sim, GARDEN_IP, "steppe:garden")[0];
        admin
            .command(
                Command::new("/ip/hotspot/walled-garden/ip/set")
                    .attr(".id", &ip_entry.id)
                    .attr("action", "drop"),
            )
            .await
            .expect("edited by hand");
        assert_ne!(hosts(&sim), WANTED, "the delete took");
        e.sync_now(r.id, Cause::Sync);
        eventually(10, "walled garden repaired", || {
            hosts(&sim) == WANTED && garden_ips(&sim) == ["10.5.50.2"]
        })
        .await;
        assert_eq!(
            marked(&sim, GARDEN, "steppe:garden").len(),
            4,
            "no duplicates"
        );

        // QPay off: every marked entry goes, the operator's stay.
        save_qpay(&w, &qpay(false));
        e.sync_now(r.id, Cause::Sync);
        eventually(10, "walled garden removed", || {
            marked(&sim, GARDEN, "steppe:garden").is_empty()
                && marked(&sim, GARDEN_IP, "steppe:garden").is_empty()
        })
        .await;
        let garden = sim.items(GARDEN);
        assert_eq!(garden.len(), 1, "{version}: {garden:?}");
        assert_eq!(garden[0].get("dst-host"), Some("example.org"));
        let ips = sim.items(GARDEN_IP);
        assert_eq!(ips.len(), 1, "{version}: {ips:?}");
        assert_eq!(ips[0].get("dst-address"), Some("192.0.2.1"));

        e.shutdown().await;
        admin.close();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_names_the_login_behind_an_address() {
    for version in VERSIONS {
        let w = world();
        let sim = sim(version).await;
        let r = w.router("r1", sim.addr(), version, PASSWORD);
        let hp = w.plan("Hot 5", "hotspot", "5M");
        let pp = w.plan("Fiber 20", "pppoe", "20M");
        w.customer(&r, &hp, "hs1", in_days(30), false);
        w.customer(&r, &pp, "pp1", in_days(30), false);
        let e = w.enforcer();
        eventually(10, "users provisioned", || {
            disabled(&sim, HS, "hs1") == Some(false) && disabled(&sim, PPP, "pp1") == Some(false)
        })
        .await;
        sim.hotspot_login("hs1", "pw-hs1", "10.5.50.7", "AA:BB:CC:00:00:07")
            .expect("hotspot login");
        sim.ppp_login("pp1", "pw-pp1", "AA:BB:CC:00:00:08", "10.6.0.8")
            .expect("ppp login");
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        let who = |a: &'static str| {
            let r = r.clone();
            async move { live::caller(&r, PASSWORD, ip(a)).await.expect("caller") }
        };
        assert_eq!(who("10.6.0.8").await.as_deref(), Some("pp1"));
        assert_eq!(who("10.5.50.7").await.as_deref(), Some("hs1"));
        assert_eq!(who("10.9.9.9").await, None);

        // Logged out (as at expiry): the device's cookie still names its user.
        let admin = admin_client(&sim, version).await;
        let active = sim.items("/ip/hotspot/active");
        admin
            .command(Command::new("/ip/hotspot/active/remove").attr(".id", &active[0].id))
            .await
            .expect("session removed");
        assert_eq!(sessions(&sim, "/ip/hotspot/active", "hs1"), 0);
        assert_eq!(who("10.5.50.7").await.as_deref(), Some("hs1"));

        e.shutdown().await;
        admin.close();
    }
}
