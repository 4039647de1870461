//! An installation written by the schema-1 build opens with this one: migrated forward in place
//! on open, every record kept byte for byte, the indexes schema 2 added filled from the records,
//! and (schema 3) the customers' clear service passwords sealed and gone from the file.
//!
//! The fixture in `tests/fixtures/schema-1/` is what `steppe demo` of commit 4848335 (the last
//! schema-1 build) left behind: 36 customers, payments, bills, two routers with sealed passwords,
//! and the `secret.key` that seals them. See its README for how it was made.

use crate::helpers::{TestApp, steppe};
use steppe::billing::ledger::{Bill, BillStatus, Payment};
use steppe::network::{Router, SecretBox};
use steppe::store::{Reader, Set, Store, StoreError};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema-1");

/// (login, clear password) of every customer, as the schema-1 JSON rows spell them.
fn clear_passwords(db: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(db);
    let mut out = Vec::new();
    for part in text.split("\"login\":\"").skip(1) {
        let Some((login, rest)) = part.split_once("\",\"password\":\"") else {
            continue;
        };
        if let Some((password, _)) = rest.split_once('"') {
            out.push((login.to_owned(), password.to_owned()));
        }
    }
    out
}

fn copy_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["steppe.redb", "secret.key"] {
        std::fs::copy(format!("{FIXTURE}/{f}"), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn a_schema_1_installation_migrates_forward_with_its_data_intact() {
    let dir = copy_fixture();
    let db_path = dir.path().join("steppe.redb");
    let clear = clear_passwords(&std::fs::read(&db_path).unwrap());
    assert_eq!(clear.len(), 36, "{clear:?}");
    let before = steppe::store::digest_dir(dir.path()).unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        steppe::store::SCHEMA_VERSION
    );
    let after = store.digest().unwrap();
    // Not one clear password is left in the file, not even in pages the migration freed: redb
    // does not wipe them, so only the rewrite that follows the migration gets rid of them.
    let db = std::fs::read(&db_path).unwrap();
    assert!(
        clear_passwords(&db).is_empty(),
        "a clear password row is left"
    );
    for (_, password) in &clear {
        let quoted = format!("\"{password}\"");
        assert!(
            !db.windows(quoted.len()).any(|w| w == quoted.as_bytes()),
            "{password} is still in the file"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&db_path).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the 0644 file was made private: {mode:o}"
    );
    drop(store);
    // Schema 2 added these (filled from the records) and bumped the version in meta; every other
    // table is untouched, byte for byte.
    let added = [
        "payments-by-day-v1",
        "revenue-by-hour-v1",
        "revenue-by-hour-plan-v1",
        "pending-bills-v1",
    ];
    for (table, (rows, hash)) in &after {
        if added.contains(table) {
            assert!(*rows > 0, "{table} was filled");
            assert_eq!(before[table].0, 0, "{table} is new in schema 2");
        } else if *table == "customers-v1" {
            assert_eq!(before[table].0, *rows, "every customer kept");
            assert_ne!(before[table].1, *hash, "schema 3 sealed the passwords");
        } else if *table != "meta-v1" {
            assert_eq!(
                before[table],
                (*rows, *hash),
                "{table} unchanged by the migration"
            );
        }
    }
    assert!(before["customers-v1"].0 > 0 && before["payments-v1"].0 > 0);

    let store = Store::open(dir.path()).unwrap();
    let (payments, bills, customers, pending, by_day, revenue, by_plan) = store
        .read(|r| {
            let mut pending = Vec::new();
            steppe::billing::pending::scan(r, |due, id, owed| {
                pending.push((due, id, owed));
                true
            })?;
            Ok::<_, StoreError>((
                r.list::<Payment>()?,
                r.list::<Bill>()?,
                r.count::<steppe::billing::Customer>()?,
                pending,
                r.set_all(Set::PaymentsByDay, usize::MAX)?,
                steppe::billing::revenue::by_method(r, 0, u32::MAX)?,
                steppe::billing::revenue::by_plan(r, 0, u32::MAX)?,
            ))
        })
        .unwrap();
    assert_eq!(customers, 36, "the demo's customers are all there");
    assert!(payments.len() >= 5, "{} payments", payments.len());

    // PaymentsByDay holds exactly one entry per payment, under its UTC day.
    let mut want: Vec<(u64, u64)> = payments
        .iter()
        .map(|p| (steppe::billing::revenue::payment_day(p.received_at), p.id))
        .collect();
    want.sort();
    assert_eq!(by_day, want);
    // The revenue aggregates add up to the payments.
    let total: i64 = payments.iter().map(|p| p.amount).sum();
    assert_eq!(revenue.iter().map(|r| r.2).sum::<i64>(), total);
    assert_eq!(by_plan.iter().map(|r| r.2).sum::<i64>(), total);
    // Pending bills are indexed with what is still owed.
    let mut want: Vec<(u64, u64, i64)> = bills
        .iter()
        .filter(|b| b.status == BillStatus::Pending)
        .map(|b| {
            (
                u64::try_from(b.due.as_second()).unwrap(),
                b.id,
                b.amount - b.paid,
            )
        })
        .collect();
    want.sort();
    assert_eq!(pending, want);
    assert!(!pending.is_empty());

    // The sealed router passwords still open with the installation's key.
    let routers: Vec<Router> = store.read(|r| r.list()).unwrap();
    assert_eq!(routers.len(), 2);
    let customers: Vec<steppe::billing::Customer> = store.read(|r| r.list()).unwrap();
    drop(store);
    let secrets = SecretBox::open(dir.path()).unwrap();
    for r in &routers {
        assert!(
            secrets.open_sealed(&r.password_sealed).is_some(),
            "{}",
            r.name
        );
    }
    // The customers' passwords are sealed under the same key.
    for (login, password) in &clear {
        let c = customers.iter().find(|c| &c.login == login).unwrap();
        assert_eq!(c.password(&secrets).as_deref(), Some(password.as_str()));
    }

    // And the migrated installation serves its reports.
    let d = dir.path().to_str().unwrap();
    let (ok, _, err) = steppe(
        &[
            "admin",
            "create",
            "--username",
            "after",
            "--role",
            "super_admin",
            "--data",
            d,
        ],
        "long enough pw\n",
    );
    assert!(ok, "{err}");
    let app = TestApp::start_in(dir, steppe::web::Tls::Off);
    let mut b = app.browser();
    assert_eq!(b.login("after", "long enough pw").status, 303);
    for page in [
        "/",
        "/customers",
        "/payments",
        "/reports/revenue",
        "/reports/plans",
    ] {
        let p = b.get(page);
        assert_eq!(p.status, 200, "{page}: {}", p.body);
    }
    // An old clear password still logs its customer in to the portal.
    let (login, password) = &clear[0];
    crate::portal::logged_in(&app, login, password);
}
