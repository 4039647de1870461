//! Crash safety: a server killed with SIGKILL in the middle of a stream of writes loses none
//! that it acknowledged.

use crate::helpers::{Browser, Server, admin_in, api_on, router_and_plan};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A data directory with a super admin made by the CLI, and that admin's API token.
fn data_dir_with_admin() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_in(dir.path());
    (dir, token)
}

/// How many items a list endpoint returns.
fn count(api: &mut Browser, path: &str) -> usize {
    api.get(path).json()["items"].as_array().unwrap().len()
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
        let mut api = api_on(&server, &token);
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
        // Asked one by one: a page of the whole log holds only the newest entries of all rounds.
        for id in &acked {
            let audit = api
                .get(&format!("/api/v1/audit?entity=role&entity_id={id}"))
                .json();
            assert!(
                audit["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["entity_id"] == id.as_str()),
                "round {round}: role {id} has no audit entry"
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
    killed_mid_payments(2, 400, Kill::After(Duration::from_millis(600)));
}

/// Issue #19: concurrent payments share one transaction and one commit (group commit). Killed
/// in the middle of a burst of them, the server keeps every payment it acknowledged, and of those
/// it did not, each is there whole or not at all.
#[test]
fn sigkill_mid_burst_of_concurrent_payments_keeps_every_acknowledged_one() {
    killed_mid_payments(32, 600, Kill::AfterAcked(60));
}

enum Kill {
    After(Duration),
    /// Once this many payments were acknowledged: mid-burst, however fast the server is.
    AfterAcked(usize),
}

fn killed_mid_payments(writers: usize, customers: usize, kill: Kill) {
    let (dir, token) = data_dir_with_admin();
    let server = Server::start(dir.path(), &[]);
    let base = format!("http://{}", server.addr);
    let mut api = Browser::new(base.clone(), false);
    api.bearer = Some(token.clone());
    let (router, plan) = router_and_plan(&mut api, 1);
    let expired = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24)).to_string();
    let ids: Vec<u64> = (0..customers)
        .map(|i| {
            let c = json!({ "kind": "individual", "name": format!("C{i}"), "login": format!("c{i}"), "password": "pw-0", "router_id": router, "plan_id": plan, "status": "active", "expires_at": expired });
            api.send_json("POST", "/api/v1/customers", &c).json()["id"].as_u64().unwrap()
        })
        .collect();

    let acked = Arc::new(Mutex::new(Vec::new()));
    let start = Arc::new(std::sync::Barrier::new(writers + 1));
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let (acked, base, token, ids, start) = (
                acked.clone(),
                base.clone(),
                token.clone(),
                ids.clone(),
                start.clone(),
            );
            std::thread::spawn(move || {
                let mut api = Browser::new(base, false);
                api.bearer = Some(token);
                start.wait();
                for id in ids.iter().skip(w).step_by(writers) {
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
    start.wait();
    match kill {
        Kill::After(d) => std::thread::sleep(d),
        Kill::AfterAcked(n) => {
            let t = std::time::Instant::now();
            while acked.lock().unwrap().len() < n && t.elapsed() < Duration::from_secs(60) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    server.kill();
    for h in handles {
        let _ = h.join();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        !acked.is_empty() && acked.len() < ids.len(),
        "the kill must land mid-stream ({} of {})",
        acked.len(),
        ids.len()
    );

    let server = Server::start(dir.path(), &[]);
    let mut api = api_on(&server, &token);
    let month_ahead = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 29);
    let mut paid = 0;
    for id in &ids {
        let c = api.get(&format!("/api/v1/customers/{id}")).json();
        let payments = count(&mut api, &format!("/api/v1/payments?customer_id={id}"));
        let bills = count(
            &mut api,
            &format!("/api/v1/bills?customer_id={id}&status=paid"),
        );
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

/// A tmpfs of `mb` MiB mounted for the test, unmounted when dropped.
struct Mount {
    dir: tempfile::TempDir,
}

impl Mount {
    /// `None` where mounting is not allowed (not root).
    fn tmpfs(mb: u32) -> Option<Mount> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Mount { dir })
    }

    fn remount(&self, opts: &str) {
        let s = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(self.dir.path())
            .status()
            .unwrap();
        assert!(s.success(), "remount {opts}");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the filesystem at `dir` until it refuses more.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
    path
}

/// A full data disk: writes fail with a clear error (507, `storage_full`) and change nothing,
/// reads go on, the database is not damaged, and writes work again once space returns, without
/// a restart. A data disk mounted read-only is refused at start with a clear message.
#[test]
fn a_full_or_read_only_disk_is_a_clear_error_and_recovers() {
    if not_root() {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    }
    let mnt = Mount::tmpfs(24).expect("root may mount a tmpfs");
    let data = mnt.dir.path().join("data");
    let token = admin_in(&data);
    let d = data.to_str().unwrap();
    let server = Server::start(&data, &[]);
    let mut api = api_on(&server, &token);
    let (router, plan) = router_and_plan(&mut api, 1);
    let customer = |i: usize| json!({ "kind": "individual", "name": format!("C{i}"), "note": "x".repeat(900), "login": format!("c{i}"), "password": "pw-0", "router_id": router, "plan_id": plan, "status": "active", "expires_at": "2099-01-01T00:00:00Z" });

    let mut acked = Vec::new();
    let mut i = 0;
    let filler = fill(mnt.dir.path());
    // The first writes may still fit in space the file already has; then they must fail.
    let refused = loop {
        let r = api.send_json("POST", "/api/v1/customers", &customer(i));
        i += 1;
        if r.status == 201 {
            acked.push(i - 1);
            assert!(i < 5000, "the disk never filled");
            continue;
        }
        break r;
    };
    assert_eq!(refused.status, 507, "{}", refused.body);
    assert_eq!(
        refused.json()["error"]["code"],
        "storage_full",
        "{}",
        refused.body
    );
    // Reads go on; the refused customer is not half there.
    let listed = api.get("/api/v1/customers?per=1000");
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()["total"], acked.len());
    assert!(api.get("/healthz").status == 200);

    // Space returns: writes work again, without a restart.
    std::fs::remove_file(filler).unwrap();
    let mut back = false;
    let mut last = String::new();
    for _ in 0..50 {
        let r = api.send_json("POST", "/api/v1/customers", &customer(i));
        if r.status == 201 {
            acked.push(i);
            back = true;
            break;
        }
        last = format!("{} {}", r.status, r.body);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        back,
        "writes did not come back after space returned: {last}"
    );

    // Nothing acknowledged was lost, and the file opens cleanly.
    server.kill();
    let server = Server::start(&data, &[]);
    let mut api = api_on(&server, &token);
    assert_eq!(
        api.get("/api/v1/customers?per=1000").json()["total"],
        acked.len()
    );
    server.kill();

    // A data disk mounted read-only: Steppe says so and refuses to start; once writable again,
    // everything is there.
    mnt.remount("ro");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_steppe"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data", d])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("read-only"), "{said}");
    mnt.remount("rw");
    let server = Server::start(&data, &[]);
    let mut api = api_on(&server, &token);
    let all = api.get("/api/v1/customers?per=1000").json();
    assert_eq!(all["total"], acked.len());
    server.kill();
}

fn not_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() != "0")
        .unwrap_or(true)
}

/// Many SIGKILLs at moments drawn at random (the seed is printed) during a stream of payments
/// and extensions: after each restart every acknowledged payment and extension is there, no
/// payment is half-applied, each customer's expiry is exactly what their history says, and the
/// router converges to it.
#[test]
fn sigkill_at_random_moments_during_payments_and_extensions() {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time");
    let seed = ((since.as_secs() << 30) ^ u64::from(since.subsec_nanos())) | 1;
    println!("seed {seed}");
    let mut rng = seed;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let sim = crate::helpers::start_sim("7.16");
    let (dir, token) = data_dir_with_admin();
    let server = Server::start(dir.path(), &[]);
    let mut api = api_on(&server, &token);
    let (router, plan) = router_and_plan(&mut api, sim.sim.addr().port());
    let expired = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24)).to_string();
    let base_expiry: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let make = |api: &mut Browser, login: String, exp: &str| {
        let c = json!({ "kind": "individual", "name": login, "login": login, "password": "pw-0", "router_id": router, "plan_id": plan, "status": "active", "expires_at": exp });
        api.send_json("POST", "/api/v1/customers", &c).json()["id"]
            .as_u64()
            .unwrap()
    };
    // Payers start expired; extended customers start with a fixed expiry far ahead.
    let payers: Vec<u64> = (0..60)
        .map(|i| make(&mut api, format!("p{i}"), &expired))
        .collect();
    let extended: Vec<u64> = (0..20)
        .map(|i| make(&mut api, format!("e{i}"), &base_expiry.to_string()))
        .collect();
    server.kill();

    let mut paid: std::collections::HashSet<u64> = Default::default();
    let mut extensions = 0usize;
    for round in 0..6 {
        let server = Server::start(dir.path(), &[]);
        let base = format!("http://{}", server.addr);
        let acked_payments = Arc::new(Mutex::new(Vec::new()));
        let acked_extensions = Arc::new(Mutex::new(Vec::new()));
        let todo: Vec<u64> = payers
            .iter()
            .copied()
            .filter(|id| !paid.contains(id))
            .collect();
        let pay = {
            let (acked, base, token) = (acked_payments.clone(), base.clone(), token.clone());
            std::thread::spawn(move || {
                let mut api = Browser::new(base, false);
                api.bearer = Some(token);
                for id in todo {
                    let body = json!({ "customer_id": id, "amount": 1000, "method": "cash" });
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        api.send_json("POST", "/api/v1/payments", &body)
                    })) {
                        Ok(p) if p.status == 201 => acked
                            .lock()
                            .unwrap()
                            .push((id, p.json()["id"].as_u64().unwrap())),
                        _ => break,
                    }
                }
            })
        };
        let extend = {
            let (acked, base, token, ids) = (
                acked_extensions.clone(),
                base.clone(),
                token.clone(),
                extended.clone(),
            );
            std::thread::spawn(move || {
                let mut api = Browser::new(base, false);
                api.bearer = Some(token);
                for id in ids.iter().cycle().take(400) {
                    let body = json!({ "customer_id": id, "days": 1, "free": true, "reason": "crash test" });
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        api.send_json("POST", "/api/v1/extensions", &body)
                    })) {
                        Ok(p) if p.status == 201 => acked.lock().unwrap().push(*id),
                        _ => break,
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(50 + next(700)));
        server.kill();
        let _ = pay.join();
        let _ = extend.join();
        let acked_payments = acked_payments.lock().unwrap().clone();
        let acked_extensions = acked_extensions.lock().unwrap().clone();
        println!(
            "round {round}: killed after {} payments and {} extensions acknowledged",
            acked_payments.len(),
            acked_extensions.len()
        );

        let server = Server::start(dir.path(), &[]);
        let mut api = api_on(&server, &token);
        for (customer, payment) in &acked_payments {
            let p = api.get(&format!("/api/v1/payments/{payment}"));
            assert_eq!(
                p.status, 200,
                "round {round}: acknowledged payment {payment} lost"
            );
            assert_eq!(p.json()["customer_id"], *customer);
        }
        let now = jiff::Timestamp::now();
        for id in &payers {
            let c = api.get(&format!("/api/v1/customers/{id}")).json();
            let n = count(&mut api, &format!("/api/v1/payments?customer_id={id}"));
            let bills = count(
                &mut api,
                &format!("/api/v1/bills?customer_id={id}&status=paid"),
            );
            assert!(n <= 1, "round {round}: customer {id} paid twice");
            assert_eq!(
                n, bills,
                "round {round}: customer {id}: payment without its bill"
            );
            let expires: jiff::Timestamp = c["expires_at"].as_str().unwrap().parse().unwrap();
            assert_eq!(
                n == 1,
                expires > now + jiff::SignedDuration::from_hours(24 * 29),
                "round {round}: customer {id}: expiry disagrees with its payments"
            );
            if n == 1 {
                paid.insert(*id);
            }
        }
        let mut total = 0;
        for id in &extended {
            let list = count(&mut api, &format!("/api/v1/extensions?customer_id={id}"));
            let acked_here = acked_extensions.iter().filter(|e| *e == id).count();
            let c = api.get(&format!("/api/v1/customers/{id}")).json();
            let expires: jiff::Timestamp = c["expires_at"].as_str().unwrap().parse().unwrap();
            assert_eq!(
                expires,
                base_expiry + jiff::SignedDuration::from_hours(24 * i64::try_from(list).unwrap()),
                "round {round}: customer {id}: expiry is not the base plus its extensions"
            );
            assert!(
                list >= acked_here,
                "round {round}: acknowledged extension lost"
            );
            total += list;
        }
        assert!(total >= extensions + acked_extensions.len());
        extensions = total;

        // The router holds every customer enabled exactly when entitled.
        crate::helpers::eventually(20, "the router converged after the restart", || {
            payers.iter().enumerate().all(|(i, id)| {
                sim.sim
                    .find("/ip/hotspot/user", &format!("p{i}"))
                    .is_some_and(|u| (u.get("disabled") == Some("false")) == paid.contains(id))
            }) && (0..20).all(|i| {
                sim.sim
                    .find("/ip/hotspot/user", &format!("e{i}"))
                    .is_some_and(|u| u.get("disabled") == Some("false"))
            })
        });
        server.kill();
    }
    assert!(!paid.is_empty(), "some payments went through");
}
