//! The audit log, a customer's activity and a router's command log as an operator reads them:
//! names instead of ids, local times, labels in the UI language, no internals.

use crate::helpers::{TestApp, api_client, customer, eventually, fixture, start_sim};
use serde_json::json;

/// The table rows of a page (the audit and command logs are its only tables).
fn rows(body: &str) -> &str {
    body.split_once("<tbody>").map_or("", |(_, rows)| rows)
}

#[test]
fn the_audit_log_names_customers_in_local_time_without_internals() {
    let mut f = fixture();
    let zone = f.web.post_multipart(
        "/settings",
        &[
            ("company_name", "Talst Net"),
            ("currency_code", "MNT"),
            ("currency_symbol", "₮"),
            ("currency_exponent", "2"),
            ("default_lang", "mn"),
            ("payment_methods", "cash"),
            ("time_zone", "Asia/Ulaanbaatar"),
        ],
        &[],
    );
    assert_eq!(zone.status, 303, "{}", zone.body);
    let id = f.new_customer(&json!({
        "kind": "individual", "name": "Бат-Эрдэнэ", "phone": "99112233", "login": "bat",
        "password": "pw-123", "router_id": f.router, "plan_id": f.plan, "status": "active",
        "expires_at": "2030-01-01T00:00:00Z"
    }));
    let r = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        &json!({"phone": "88001122", "expires_at": "2030-02-01T03:30:00Z", "expiry_reason": "test"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    let page = f.web.get("/audit");
    let log = rows(&page.body);
    assert!(
        log.contains(&format!("<a href=\"/customers/{id}\">Бат-Эрдэнэ (bat)</a>")),
        "the customer by name with a link: {log}"
    );
    assert!(!log.contains(&format!("customer {id}")), "{log}");
    // 00:00 UTC is 08:00 in Ulaanbaatar, 03:30 UTC is 11:30.
    assert!(log.contains("2030.01.01 08:00"), "{log}");
    assert!(log.contains("2030.02.01 11:30"), "{log}");
    assert!(
        !log.contains("T00:00:00Z") && !log.contains("Z&quot;"),
        "raw UTC: {log}"
    );
    for internal in [
        "false;",
        "adopt",
        "created_at",
        "archived",
        "plan_id",
        "&quot;",
    ] {
        assert!(!log.contains(internal), "{internal} shown: {log}");
    }
    for label in [
        "Өөрчилсөн",
        "Үүсгэсэн",
        "Утас",
        "Дуусах огноо",
        "Нэвтрэх нэр",
    ] {
        assert!(log.contains(label), "{label} missing: {log}");
    }
    assert!(
        log.contains("99112233 → 88001122"),
        "only the change: {log}"
    );
    assert!(
        log.contains(&format!("<a href=\"/plans/{}\">Home 10</a>", f.plan)),
        "the package by name: {log}"
    );
    assert!(
        log.contains("35,000\u{a0}₮") || log.contains("35,000 ₮"),
        "money in major units: {log}"
    );

    // The customer's activity is the log filtered to them, titled with their name.
    let activity = f.web.get(&format!("/audit?entity=customer&entity_id={id}"));
    assert!(activity.body.contains("Үйлдлийн түүх: Бат-Эрдэнэ (bat)"));
    assert!(
        !rows(&activity.body).contains("Home 10</a></td>"),
        "other records left out"
    );
}

#[test]
fn a_deleted_record_keeps_its_name_in_the_log() {
    let mut f = fixture();
    let p = f.api.send_json("POST", "/api/v1/plans", &json!({
        "name": "Short lived", "kind": "hotspot", "price": 1000, "duration_days": 1, "download": "1M", "upload": "1M", "shared_users": 1
    }));
    let plan = p.json()["id"].as_u64().unwrap();
    assert_eq!(
        f.web
            .post_form(&format!("/plans/{plan}/delete"), &[])
            .status,
        303
    );
    let log = f.web.get("/audit?lang=en").body;
    assert!(rows(&log).contains("Short lived (deleted)"), "{log}");
}

#[test]
fn the_command_log_names_the_customer_beside_the_router_id() {
    let s = start_sim("7.16");
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("log"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Sim", "host": "127.0.0.1", "port": s.sim.addr().port(), "tls": false,
        "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all"
    }));
    let router = r.json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Home", "kind": "hotspot", "price": 1000, "duration_days": 30, "download": "10M", "upload": "2M", "shared_users": 1 })).json()["id"].as_u64().unwrap();
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)).to_string();
    let mut body = customer(router, plan, "dorj", &future);
    body["name"] = json!("Доржийн Бат");
    let c = api.send_json("POST", "/api/v1/customers", &body);
    let id = c.json()["id"].as_u64().unwrap();
    eventually(10, "the user on the router", || {
        s.sim.find("/ip/hotspot/user", "dorj").is_some()
    });
    // A suspension is a `set .id=*N disabled=yes`: the line names whose entry that is.
    web.post_form(&format!("/customers/{id}/suspend"), &[]);
    let link = format!("<a class=\"log-customer\" href=\"/customers/{id}\">Доржийн Бат (dorj)</a>");
    eventually(10, "the set command with the customer's name", || {
        let page = web.get(&format!("/routers/{router}"));
        rows(&page.body).split("<tr>").any(|row| {
            row.contains("/ip/hotspot/user/set") && row.contains(".id=*") && row.contains(&link)
        })
    });
    let page = web.get(&format!("/routers/{router}"));
    assert!(
        rows(&page.body).contains("хэрэглэгч boss"),
        "the cause in Mongolian"
    );
}

#[test]
fn rights_and_reminder_settings_read_in_the_ui_language() {
    let mut f = fixture();
    let role = f.web.post_form(
        "/roles",
        &[
            ("id", "night_clerk"),
            ("name", "Кассчин"),
            ("grant_payments", "edit"),
            ("grant_customers", "view"),
        ],
    );
    assert_eq!(role.status, 303, "{}", role.body);
    let settings = f.web.post_form(
        "/settings/messages",
        &[
            ("smtp_security", "starttls"),
            ("days_before", "3"),
            ("channel", "sms_router"),
            ("before_en", "{name}, pay {amount_due}"),
            ("before_mn", "{name}, {amount_due} төлнө үү"),
            ("expired_en", "Ended"),
            ("expired_mn", "Дууслаа"),
            ("receipt_en", "Thanks"),
            ("receipt_mn", "Баярлалаа"),
        ],
    );
    assert_eq!(settings.status, 303, "{}", settings.body);

    let log = f.web.get("/audit?lang=mn").body;
    let log = rows(&log);
    for shown in [
        "Эрх",
        "Төлбөрийн мэдээлэл: Засах",
        "Харилцагч: Харах",
        "Автомат сануулга",
        "Дуусахаас өмнөх хоног",
        "Төхөөрөмжөөр SMS",
        "<span lang=\"en\">en: <code>{name}</code>, pay <code>{amount_due}</code></span>",
        "mn: <code>{name}</code>, <code>{amount_due}</code> төлнө үү",
    ] {
        assert!(log.contains(shown), "{shown} missing: {log}");
    }
    for english in [
        "grants",
        "payments: edit",
        "days before",
        "sms_router",
        "SmsRouter",
    ] {
        assert!(!log.contains(english), "{english} shown: {log}");
    }
}
