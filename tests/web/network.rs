//! Routers, service packages and customers through the API and the forms: validation, search,
//! secrets at rest. (Enforcement on routers is tested in tests/enforce.rs.)

use crate::helpers::{Browser, Fixture, customer, fixture};
use serde_json::{Value, json};

fn count(api: &mut Browser, path: &str) -> usize {
    api.get(path).json()["items"].as_array().unwrap().len()
}

#[test]
fn bad_input_is_refused_with_clear_messages_and_changes_nothing() {
    let mut f = fixture();
    let ok = f.api.send_json(
        "POST",
        "/api/v1/customers",
        &customer(f.router, f.plan, "bat", "2030-01-01T00:00:00Z"),
    );
    assert_eq!(ok.status, 201, "{}", ok.body);

    let dup = f.api.send_json(
        "POST",
        "/api/v1/customers",
        &customer(f.router, f.plan, "bat", "2030-01-01T00:00:00Z"),
    );
    assert_eq!(dup.status, 422);
    assert!(
        dup.json()["error"]["fields"]["login"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let mut unknown_plan = customer(f.router, f.plan, "dorj", "2030-01-01T00:00:00Z");
    unknown_plan["plan_id"] = json!(999);
    let r = f.api.send_json("POST", "/api/v1/customers", &unknown_plan);
    assert_eq!(
        r.json()["error"]["fields"]["plan_id"],
        "No such service package."
    );
    let mut bad_time = customer(f.router, f.plan, "dorj", "next tuesday");
    bad_time["router_id"] = json!(777);
    let e = f
        .api
        .send_json("POST", "/api/v1/customers", &bad_time)
        .json();
    assert!(
        e["error"]["fields"]["expires_at"].is_string()
            && e["error"]["fields"]["router_id"].is_string(),
        "{e}"
    );
    assert_eq!(count(&mut f.api, "/api/v1/customers"), 1);

    let plan = |price: Value, download: &str| json!({ "name": "Bad", "kind": "hotspot", "price": price, "duration_days": 30, "download": download, "upload": "1M" });
    let neg = f
        .api
        .send_json("POST", "/api/v1/plans", &plan(json!(-100), "5M"));
    assert_eq!(
        neg.json()["error"]["fields"]["price"],
        "The amount must be more than zero."
    );
    let float = f
        .api
        .send_json("POST", "/api/v1/plans", &plan(json!(12.5), "5M"));
    assert!(
        float.json()["error"]["fields"]["price"].is_string(),
        "money is never a float"
    );
    let speed = f
        .api
        .send_json("POST", "/api/v1/plans", &plan(json!(100), "fast"));
    assert!(
        speed.json()["error"]["fields"]["download"]
            .as_str()
            .unwrap()
            .contains("512k")
    );
    let dup_plan = f.api.send_json("POST", "/api/v1/plans", &json!({ "name": "home 10", "kind": "hotspot", "price": 1, "duration_days": 1, "download": "1M", "upload": "1M" }));
    assert_eq!(dup_plan.status, 422);
    assert_eq!(count(&mut f.api, "/api/v1/plans"), 1);

    let bad_router = f.api.send_json("POST", "/api/v1/routers", &json!({ "name": "Tower A", "host": "bad host!", "port": 70000, "username": "", "password": "", "login_method": "magic", "hotspot_server": "" }));
    let fields = &bad_router.json()["error"]["fields"];
    for field in [
        "name",
        "host",
        "port",
        "username",
        "password",
        "login_method",
        "hotspot_server",
    ] {
        assert!(fields[field].is_string(), "{field} not flagged: {fields}");
    }
    assert_eq!(count(&mut f.api, "/api/v1/routers"), 1);

    // The same through the forms: the page re-renders with the message; nothing is stored.
    let form = f.web.post_form(
        "/plans",
        &[
            ("name", "Cheap"),
            ("kind", "hotspot"),
            ("price", "-1"),
            ("duration_days", "30"),
            ("download", "5 M"),
            ("upload", "1M"),
        ],
    );
    assert_eq!(form.status, 422);
    assert!(
        form.body.contains("field-error") && form.body.contains("value=\"Cheap\""),
        "form keeps the input"
    );
    let form = f.web.post_form(
        "/customers",
        &[
            ("kind", "individual"),
            ("name", "Dup"),
            ("login", "bat"),
            ("password", "x1-pw"),
            ("router_id", &f.router.to_string()),
            ("plan_id", &f.plan.to_string()),
            ("status", "active"),
            ("expires_at", "2030-01-01T10:00"),
        ],
    );
    assert_eq!(form.status, 422);
    assert_eq!(count(&mut f.api, "/api/v1/customers"), 1);
    assert_eq!(count(&mut f.api, "/api/v1/plans"), 1);

    // In-use records cannot be deleted out from under customers.
    assert_eq!(
        f.api
            .send_json("DELETE", &format!("/api/v1/plans/{}", f.plan), &json!({}))
            .status,
        409
    );
    assert_eq!(
        f.api
            .send_json(
                "DELETE",
                &format!("/api/v1/routers/{}", f.router),
                &json!({})
            )
            .status,
        409
    );
}

#[test]
fn router_passwords_are_sealed_at_rest_and_never_returned() {
    let mut f = fixture();
    let r = f.api.get(&format!("/api/v1/routers/{}", f.router));
    assert!(
        !r.body.contains("Router-Secret-77") && !r.body.contains("password"),
        "{}",
        r.body
    );
    assert!(
        ["unknown", "offline"].contains(&r.json()["status"].as_str().unwrap()),
        "{}",
        r.body
    );
    let page = f.web.get(&format!("/routers/{}/edit", f.router));
    assert!(!page.body.contains("Router-Secret-77"));
    let db = std::fs::read(f.app.dir.path().join("steppe.redb")).unwrap();
    assert!(
        !db.windows(16).any(|w| w == b"Router-Secret-77"),
        "the database holds the router password in clear"
    );
    assert!(f.app.dir.path().join("secret.key").exists());
    // An edit without a password keeps the sealed one; the audit says when it changed.
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{}", f.router),
        &json!({ "note": "south" }),
    );
    assert_eq!(p.json()["note"], "south");
    f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{}", f.router),
        &json!({ "password": "Another-Secret-1" }),
    );
    let audit = f.api.get("/api/v1/audit?entity=router").json();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["summary"] == "password changed")
    );
    assert!(!audit.to_string().contains("Another-Secret-1"));
}

/// Issue #14: customers' service passwords lay in clear in `steppe.redb`, a file anyone on the
/// host could read (0644); a one-character password was accepted; a password change left an
/// empty audit summary.
#[test]
fn customer_passwords_are_sealed_at_rest_and_short_ones_refused() {
    let mut f = fixture();
    let db_path = f.app.dir.path().join("steppe.redb");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&db_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "database mode {mode:o}");
    let holds = |needle: &str| {
        let db = std::fs::read(&db_path).unwrap();
        db.windows(needle.len()).any(|w| w == needle.as_bytes())
    };

    for short in ["x", "abc"] {
        let mut c = customer(f.router, f.plan, "shorty", "2030-01-01T00:00:00Z");
        c["password"] = json!(short);
        let r = f.api.send_json("POST", "/api/v1/customers", &c);
        assert_eq!(r.status, 422, "{short:?}: {}", r.body);
        let msg = r.json()["error"]["fields"]["password"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(msg.contains("at least 4 characters"), "{msg}");
    }
    assert_eq!(count(&mut f.api, "/api/v1/customers"), 0);
    let form = f.web.post_form(
        "/customers",
        &[
            ("kind", "individual"),
            ("name", "Short"),
            ("login", "short"),
            ("password", "1"),
            ("router_id", &f.router.to_string()),
            ("plan_id", &f.plan.to_string()),
            ("status", "active"),
            ("expires_at", "2030-01-01T10:00"),
            ("lang", "mn"),
        ],
    );
    assert_eq!(form.status, 422);
    // The installation's default language here is Mongolian.
    assert!(
        form.body.contains("хамгийн багадаа 4 тэмдэгттэй"),
        "{}",
        form.body
    );

    let mut c = customer(f.router, f.plan, "bat", "2030-01-01T00:00:00Z");
    c["password"] = json!("Voucher-4471");
    let r = f.api.send_json("POST", "/api/v1/customers", &c);
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_u64().unwrap();
    assert!(
        !r.body.contains("Voucher-4471") && !r.body.contains("password"),
        "{}",
        r.body
    );
    assert!(
        !holds("Voucher-4471"),
        "the database holds the password in clear"
    );
    // The operator still sees it on the edit form, to tell the customer.
    let edit = f.web.get(&format!("/customers/{id}/edit"));
    assert_eq!(
        edit.input_value("password").as_deref(),
        Some("Voucher-4471")
    );

    // Saving the form unchanged keeps the sealed value: no audit line about the password.
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        &json!({ "note": "n" }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        &json!({ "password": "Voucher-9902" }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(!holds("Voucher-9902"));
    let audit = f.api.get("/api/v1/audit?entity=customer").json();
    let summaries: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["summary"].as_str())
        .collect();
    assert_eq!(
        summaries
            .iter()
            .filter(|s| s.contains("password changed"))
            .count(),
        1,
        "{summaries:?}"
    );
    assert!(summaries.contains(&"password changed"), "{summaries:?}");
    assert!(!audit.to_string().contains("Voucher-"), "{audit}");
}

#[test]
fn customer_list_searches_filters_sorts_and_pages() {
    let mut f = fixture();
    for i in 0..60 {
        let expires = if i % 3 == 0 {
            "2020-01-01T00:00:00Z"
        } else {
            "2099-01-01T00:00:00Z"
        };
        let mut c = customer(f.router, f.plan, &format!("user{i:02}"), expires);
        c["phone"] = json!(format!("8800{i:04}"));
        if i == 7 {
            c["kind"] = json!("organization");
            c["name"] = json!("Talst LLC");
        }
        assert_eq!(f.api.send_json("POST", "/api/v1/customers", &c).status, 201);
    }
    let all = f.api.get("/api/v1/customers?per=1000").json();
    assert_eq!(all["total"], 60);
    let expired = f
        .api
        .get("/api/v1/customers?status=expired&per=1000")
        .json();
    assert_eq!(expired["total"], 20);
    assert!(
        expired["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "expired" && c["entitled"] == false)
    );
    assert_eq!(f.api.get("/api/v1/customers?q=88000042").json()["total"], 1);
    assert_eq!(
        f.api.get("/api/v1/customers?kind=organization").json()["items"][0]["name"],
        "Talst LLC"
    );
    let page2 = f
        .api
        .get("/api/v1/customers?sort=login&per=25&page=2")
        .json();
    assert_eq!(page2["items"][0]["login"], "user25");
    let desc = f
        .api
        .get("/api/v1/customers?sort=login&desc=1&per=1")
        .json();
    assert_eq!(desc["items"][0]["login"], "user59");

    let page = f.web.get("/customers?lang=en");
    assert!(
        page.body.contains("href=\"/customers?page=2\"") || page.body.contains("page=2"),
        "pager"
    );
    assert_eq!(
        page.body.matches("<td class=\"num\">").count(),
        50,
        "50 rows per page"
    );
    let grouped = f.web.get("/customers?group=status&per=all&lang=en");
    assert!(
        grouped
            .body
            .contains("<tr class=\"group\"><th colspan=\"9\">Active <span class=\"muted\">(")
    );
    assert!(
        grouped.body.contains(
            "<tr class=\"group\"><th colspan=\"9\">Expired <span class=\"muted\">(20)</span></th>"
        ),
        "each group header counts its rows"
    );
    let search = f.web.get("/customers?q=Talst");
    assert!(search.body.contains("Talst LLC") && !search.body.contains("user08"));
}

#[test]
fn customer_actions_change_status_and_are_audited() {
    let mut f = fixture();
    let c = f
        .api
        .send_json(
            "POST",
            "/api/v1/customers",
            &customer(f.router, f.plan, "oyun", "2099-01-01T00:00:00Z"),
        )
        .json();
    let id = c["id"].as_u64().unwrap();
    assert_eq!(c["status"], "active");
    assert_eq!(
        f.web
            .post_form(&format!("/customers/{id}/suspend"), &[])
            .status,
        303
    );
    assert_eq!(
        f.api.get(&format!("/api/v1/customers/{id}")).json()["status"],
        "suspended"
    );
    assert_eq!(
        f.web
            .post_form(&format!("/customers/{id}/resume"), &[])
            .status,
        303
    );
    assert_eq!(
        f.api.get(&format!("/api/v1/customers/{id}")).json()["status"],
        "active"
    );
    let patched = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        &json!({ "status": "disabled", "phone": "99001122" }),
    );
    assert_eq!(patched.json()["status"], "disabled");
    let page = f.web.get(&format!("/customers/{id}?lang=en"));
    assert!(page.body.contains("99001122") && page.body.contains("Resume"));
    let log = f.api.get("/api/v1/audit?entity=customer").json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["create", "suspend", "resume", "update"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
    assert!(
        !log.to_string().contains("pw-123"),
        "router passwords stay out of the audit log"
    );
    let del = f
        .api
        .send_json("DELETE", &format!("/api/v1/customers/{id}"), &json!({}));
    assert_eq!(del.json()["deleted"], true);
    assert_eq!(f.api.get(&format!("/api/v1/customers/{id}")).status, 404);
}

#[test]
fn routers_list_and_export_show_the_seed_columns() {
    let mut f = fixture();
    let list = f.web.get("/routers?lang=mn");
    for col in [
        "№",
        "Нэр",
        "IP хаяг",
        "Нэвтрэх нэр",
        "Төлөв",
        "Үүсгэсэн огноо",
        "Тайлбар",
    ] {
        assert!(list.body.contains(col), "missing column {col}");
    }
    assert!(list.body.contains("Tower A") && list.body.contains("127.0.0.1:1"));
    let csv = f.web.get("/routers/export?lang=en");
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.body.contains("Tower A,127.0.0.1:1,api"), "{}", csv.body);
    // Test connection against a closed port reports the failure on the page.
    let t = f.web.post_form(&format!("/routers/{}/test", f.router), &[]);
    assert_eq!(t.status, 200);
    assert!(t.body.contains("class=\"error\""), "{}", t.body);
}

#[test]
fn deleting_the_sms_router_stops_sending_through_it() {
    let mut f = fixture();
    let spare = f.api.send_json(
        "POST",
        "/api/v1/routers",
        &serde_json::json!({ "name": "modem", "host": "127.0.0.1", "port": 1, "tls": false, "username": "api", "password": "pw", "pppoe": true }),
    );
    assert_eq!(spare.status, 201, "{}", spare.body);
    let spare = spare.json()["id"].as_u64().unwrap();
    let s = f.web.post_multipart(
        "/settings",
        &[
            ("company_name", "Net"),
            ("currency_code", "MNT"),
            ("currency_symbol", "₮"),
            ("currency_exponent", "2"),
            ("time_zone", ""),
            ("default_lang", "en"),
            ("payment_methods", "cash"),
            ("sms_router_id", &spare.to_string()),
        ],
        &[],
    );
    assert_eq!(s.status, 303, "{}", s.body);
    let sms_router = |f: &Fixture| {
        f.app
            .state()
            .store
            .read(steppe::settings::load)
            .unwrap()
            .sms_router_id
    };
    assert_eq!(sms_router(&f), Some(spare));
    let d = f.api.send_json(
        "DELETE",
        &format!("/api/v1/routers/{spare}"),
        &serde_json::json!({}),
    );
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(
        sms_router(&f),
        None,
        "the setting goes with the router, in its transaction"
    );
}

#[test]
fn please_pay_is_a_router_setting_in_the_form_the_api_and_the_audit() {
    let mut f = fixture();
    let made = f.api.send_json(
        "POST",
        "/api/v1/routers",
        &serde_json::json!({ "name": "pppoe", "host": "127.0.0.1", "port": 1, "tls": false, "username": "api", "password": "pw", "pppoe": true, "please_pay": true }),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.json()["please_pay"], true);
    let id = made.json()["id"].as_u64().unwrap();
    // Older records have no such field: the default is off.
    assert_eq!(
        f.api.get(&format!("/api/v1/routers/{}", f.router)).json()["please_pay"],
        false
    );

    let form = f.web.get(&format!("/routers/{id}/edit?lang=en"));
    assert!(
        form.body
            .contains("name=\"please_pay\" value=\"on\" checked"),
        "{}",
        form.body
    );
    assert!(form.body.contains("PPPoE customer's service ends"));
    let mn = f.web.get(&format!("/routers/{id}/edit?lang=mn"));
    assert!(mn.body.contains("төлбөрийн хуудас"), "{}", mn.body);

    let off = f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{id}"),
        &serde_json::json!({ "please_pay": false }),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.json()["please_pay"], false);
    let log = f.api.get("/api/v1/audit?entity=router").json();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "update" && e["summary"] == "please_pay: true → false"),
        "{log}"
    );
}
