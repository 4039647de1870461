//! Crash safety: a server killed with SIGKILL in the middle of a stream of writes loses none
//! that it acknowledged.

use crate::helpers::{Browser, Server, steppe};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A data directory with a super admin made by the CLI, and that admin's API token.
fn data_dir_with_admin() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let created = steppe(
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--role",
            "super_admin",
            "--data",
            d,
        ],
        "long enough pw\n",
    );
    assert!(created.0, "{}", created.2);
    let (_, out, _) = steppe(&["admin", "token", "--username", "root", "--data", d], "");
    let token = out.lines().last().unwrap().trim().to_string();
    (dir, token)
}

#[test]
fn sigkill_mid_writes_loses_no_acknowledged_write() {
    let (dir, token) = data_dir_with_admin();

    let mut acked_total = 0;
    for round in 0..3 {
        let server = Server::start(dir.path(), &[]);
        let base = format!("http://{}", server.addr);
        let acked = Arc::new(Mutex::new(Vec::new()));
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let (acked, base, token) = (acked.clone(), base.clone(), token.clone());
                std::thread::spawn(move || {
                    let mut api = Browser::new(base, false);
                    api.bearer = Some(token);
                    for i in 0.. {
                        let id = format!("r{round}_{w}_{i}");
                        let body = json!({ "id": id, "name": format!("Role {id}"), "grants": { "reports": "view" } });
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| api.send_json("POST", "/api/v1/roles", &body)));
                        match r {
                            Ok(p) if p.status == 201 => acked.lock().unwrap().push(id),
                            _ => break,
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(400 + 150 * round));
        server.kill();
        for w in writers {
            let _ = w.join();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            !acked.is_empty(),
            "round {round}: no write was acknowledged before the kill"
        );
        acked_total += acked.len();

        let server = Server::start(dir.path(), &[]);
        let mut api = Browser::new(format!("http://{}", server.addr), false);
        api.bearer = Some(token.clone());
        let roles = api.get("/api/v1/roles").json();
        let present: Vec<&str> = roles["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        for id in &acked {
            assert!(
                present.contains(&id.as_str()),
                "round {round}: acknowledged role {id} lost"
            );
        }
        // Each stored role is whole, and its audit entry committed with it.
        let audit = api.get("/api/v1/audit?entity=role").json();
        for id in &acked {
            assert!(
                audit["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["entity_id"] == id.as_str())
                    || acked.len() > 100
            );
        }
        server.kill();
    }
    assert!(acked_total > 3);
}

/// A payment is recorded whole — with its bill and the customer's new expiry — or not at all,
/// even when the server is killed in the middle of a stream of payments.
#[test]
fn sigkill_mid_payments_leaves_no_half_applied_payment() {
    let (dir, token) = data_dir_with_admin();
    let server = Server::start(dir.path(), &[]);
    let base = format!("http://{}", server.addr);
    let mut api = Browser::new(base.clone(), false);
    api.bearer = Some(token.clone());
    let router = api.send_json("POST", "/api/v1/routers", &json!({ "name": "R", "host": "127.0.0.1", "port": 1, "username": "a", "password": "p", "login_method": "plain", "hotspot_server": "all" })).json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "P", "kind": "hotspot", "price": 1000, "duration_days": 30, "download": "1M", "upload": "1M" })).json()["id"].as_u64().unwrap();
    let expired = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24)).to_string();
    let ids: Vec<u64> = (0..400)
        .map(|i| {
            let c = json!({ "kind": "individual", "name": format!("C{i}"), "login": format!("c{i}"), "password": "pw", "router_id": router, "plan_id": plan, "status": "active", "expires_at": expired });
            api.send_json("POST", "/api/v1/customers", &c).json()["id"].as_u64().unwrap()
        })
        .collect();

    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (acked, base, token, ids) =
                (acked.clone(), base.clone(), token.clone(), ids.clone());
            std::thread::spawn(move || {
                let mut api = Browser::new(base, false);
                api.bearer = Some(token);
                for id in ids.iter().skip(w).step_by(2) {
                    let body = json!({ "customer_id": id, "amount": 1000, "method": "cash" });
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        api.send_json("POST", "/api/v1/payments", &body)
                    })) {
                        Ok(p) if p.status == 201 => acked.lock().unwrap().push(*id),
                        _ => break,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(600));
    server.kill();
    for w in writers {
        let _ = w.join();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        !acked.is_empty() && acked.len() < ids.len(),
        "the kill must land mid-stream ({} of {})",
        acked.len(),
        ids.len()
    );

    let server = Server::start(dir.path(), &[]);
    let mut api = Browser::new(format!("http://{}", server.addr), false);
    api.bearer = Some(token);
    let month_ahead = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 29);
    let mut paid = 0;
    for id in &ids {
        let c = api.get(&format!("/api/v1/customers/{id}")).json();
        let payments = api
            .get(&format!("/api/v1/payments?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .len();
        let bills = api
            .get(&format!("/api/v1/bills?customer_id={id}&status=paid"))
            .json()["items"]
            .as_array()
            .unwrap()
            .len();
        let expires: jiff::Timestamp = c["expires_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            payments, bills,
            "customer {id}: a payment without its settled bill or the reverse"
        );
        assert_eq!(
            payments == 1,
            expires > month_ahead,
            "customer {id}: payment and expiry disagree"
        );
        assert_eq!(c["credit"], 0, "customer {id}");
        if acked.contains(id) {
            assert_eq!(payments, 1, "customer {id}: acknowledged payment lost");
        }
        paid += payments;
    }
    assert!(paid >= acked.len());
    server.kill();
}
