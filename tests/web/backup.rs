//! Backup and restore: the Settings download and `steppe backup` while the server runs,
//! `steppe restore` into a fresh directory, and what the restored installation holds.

use crate::helpers::{Server, TestApp, admin_in, api_on, router_and_plan, steppe};
use crate::helpers::{customer, fixture};
use serde_json::json;
use std::path::Path;
use steppe::billing::ledger::Payment;
use steppe::network::{Router, SecretBox};
use steppe::store::{Digest, Reader, Set, Store, StoreError, Summary};

fn digest(dir: &Path) -> Digest {
    Store::open(dir).unwrap().digest().unwrap()
}

/// Tables a running server writes on its own (sessions touched, the backup's audit entry and
/// its id counter) are left out when comparing against a backup taken while it ran.
/// The tables that hold the business, not what goes on around it: the audit and sessions, and
/// the router states, which the enforcer rewrites on its own at each reconnect attempt to the
/// test's unreachable router (between a backup and the stop, under load).
fn business(d: &Digest) -> Digest {
    d.iter()
        .filter(|(t, _)| {
            !matches!(
                **t,
                "audit-v1" | "sessions-v1" | "api-tokens-v1" | "meta-v1" | "router-states-v1"
            )
        })
        .map(|(k, v)| (*k, *v))
        .collect()
}

fn restore(file: &Path, dir: &Path) {
    let (ok, out, err) = steppe(
        &[
            "restore",
            file.to_str().unwrap(),
            "--data",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "restore failed: {err}");
    assert!(out.contains("restored"), "{out}");
}

#[test]
fn the_settings_download_restores_the_same_installation() {
    let mut f = fixture();
    let c = f.api.send_json(
        "POST",
        "/api/v1/customers",
        &customer(f.router, f.plan, "bat", "2030-01-01T00:00:00Z"),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    let id = c.json()["id"].as_u64().unwrap();
    let p = f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": id, "amount": 3_500_000, "method": "cash" }),
    );
    assert_eq!(p.status, 201, "{}", p.body);
    // The message worker looks at each payment once (the receipt watermark, a singleton): wait
    // for it, so it does not write between the backup and the stop and tell the two apart.
    let store = f.app.state().store.clone();
    crate::helpers::eventually(20, "the message worker caught up with the payment", || {
        let cfg = store.read(steppe::notify::config::load).unwrap().reminders;
        store
            .read(|r| steppe::notify::reminders::owed(r, jiff::Timestamp::now(), &cfg))
            .unwrap()
            .watermark
            .is_none()
    });
    // The stop below must be able to close the store.
    drop(store);

    let page = f.web.get("/settings");
    assert!(
        page.body.contains("action=\"/settings/backup\""),
        "super admin sees the button"
    );
    // Without the form's CSRF token the download is refused.
    let (status, _, _) = {
        let mut bare = crate::helpers::Browser::new(f.app.url(""), false);
        bare.cookies = f.web.cookies.clone();
        bare.csrf = Some("0".repeat(64));
        bare.post_for_bytes("/settings/backup", &[])
    };
    assert_eq!(status, 403);

    let (status, headers, bytes) = f.web.post_for_bytes("/settings/backup", &[]);
    assert_eq!(status, 200);
    let disposition = headers
        .iter()
        .find(|(k, _)| k == "content-disposition")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"steppe-")
            && disposition.ends_with(".steppe-backup\""),
        "{disposition}"
    );
    let audit = f.api.get("/api/v1/audit").json();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "backup"),
        "the download is audited: {audit}"
    );
    // The API answers the same with a token.
    let (status, _, via_api) = f.api.post_for_bytes("/api/v1/backup", &[]);
    assert_eq!(status, 200);
    assert!(via_api.len() > 4096);

    let keep = tempfile::tempdir().unwrap();
    let file = keep.path().join("download.steppe-backup");
    std::fs::write(&file, &bytes).unwrap();
    let router_id = f.router;
    let original = f.app.stop();

    let fresh = tempfile::tempdir().unwrap();
    let target = fresh.path().join("data");
    restore(&file, &target);
    assert_eq!(
        business(&digest(original.path())),
        business(&digest(&target)),
        "every record table of the restored installation equals the original"
    );
    // The key came along: the router's API password still opens.
    let store = Store::open(&target).unwrap();
    let router: Router = store.read(|r| r.get(router_id)).unwrap().unwrap();
    drop(store);
    let secrets = SecretBox::open(&target).unwrap();
    assert_eq!(
        secrets.open_sealed(&router.password_sealed).as_deref(),
        Some("Router-Secret-77")
    );

    // A restored directory is refused a second restore.
    let (ok, _, err) = steppe(
        &[
            "restore",
            file.to_str().unwrap(),
            "--data",
            target.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok && err.contains("already exists"), "{err}");

    // And it serves: the admin logs in with the same password.
    let app = TestApp::start_in(fresh_dir(target), steppe::web::Tls::Off);
    let mut b = app.browser();
    let r = b.login(crate::helpers::ADMIN, crate::helpers::ADMIN_PW);
    assert_eq!(r.status, 303, "{}", r.body);
    let list = b.get("/customers");
    assert!(list.body.contains("Customer bat"));
}

/// Moves a restored data directory into a TempDir the test app can own.
fn fresh_dir(from: std::path::PathBuf) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&from).unwrap() {
        let e = e.unwrap();
        std::fs::rename(e.path(), t.path().join(e.file_name())).unwrap();
    }
    t
}

#[test]
fn an_offline_backup_restores_every_table_identically() {
    let (app, _web) = TestApp::with_admin();
    let dir = app.stop();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("b.steppe-backup");
    let (ok, msg, err) = steppe(
        &[
            "backup",
            "--out",
            file.to_str().unwrap(),
            "--data",
            dir.path().to_str().unwrap(),
        ],
        "",
    );
    assert!(ok && msg.contains("secret.key"), "{msg}{err}");
    let target = out.path().join("restored");
    restore(&file, &target);
    assert_eq!(digest(dir.path()), digest(&target));
    assert_eq!(
        std::fs::read(dir.path().join("secret.key")).unwrap(),
        std::fs::read(target.join("secret.key")).unwrap()
    );
}

#[test]
fn cli_backups_while_payments_stream_in_are_each_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let token = admin_in(dir.path());
    let server = Server::start(dir.path(), &[]);
    let mut api = api_on(&server, &token);
    let (router, plan) = router_and_plan(&mut api, 1);
    let c = api.send_json(
        "POST",
        "/api/v1/customers",
        &customer(router, plan, "bat", "2030-01-01T00:00:00Z"),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    let cid = c.json()["id"].as_u64().unwrap();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let payer = {
        let (stop, mut api) = (stop.clone(), api_on(&server, &token));
        std::thread::spawn(move || {
            let mut n = 0;
            // Bounded: at most 2,000 payments or until told to stop.
            while n < 2000 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let p = api.send_json(
                    "POST",
                    "/api/v1/payments",
                    &json!({ "customer_id": cid, "amount": 1000, "method": "cash" }),
                );
                assert_eq!(p.status, 201, "{}", p.body);
                n += 1;
            }
            n
        })
    };
    let out = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for i in 0..4 {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let file = out.path().join(format!("{i}.steppe-backup"));
        let (ok, msg, err) = steppe(
            &["backup", "--out", file.to_str().unwrap(), "--data", d],
            "",
        );
        assert!(ok, "backup while serving failed: {msg}{err}");
        let target = out.path().join(format!("r{i}"));
        restore(&file, &target);
        let store = Store::open(&target).unwrap();
        let (payments, summaries, by_day) = store
            .read(|r| {
                Ok::<_, StoreError>((
                    r.count::<Payment>()?,
                    r.summary_count(Summary::Payments)?,
                    r.set_all(Set::PaymentsByDay, usize::MAX)?.len() as u64,
                ))
            })
            .unwrap();
        assert_eq!(
            payments, summaries,
            "a payment and its summary are one commit"
        );
        assert_eq!(
            payments, by_day,
            "a payment and its day index entry are one commit"
        );
        counts.push(payments);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let made = payer.join().unwrap();
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]) && counts[0] > 0 && *counts.last().unwrap() <= made,
        "backups follow the writes: {counts:?} of {made}"
    );
    drop(server);
    // The restored copy serves, and the same API token works there.
    let last = out.path().join("r3");
    let restored = Server::start(&last, &[]);
    let mut api = crate::helpers::Browser::new(format!("http://{}", restored.addr), false);
    api.bearer = Some(token);
    let list = api.get("/api/v1/me");
    assert_eq!(list.status, 200, "{}", list.body);
}
