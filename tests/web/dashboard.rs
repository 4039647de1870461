//! The dashboard's figures from a known data set, and its charts on the page.

use crate::network::{customer, fixture};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

#[test]
fn dashboard_figures_match_the_data() {
    let mut f = fixture();
    let second = f.api.send_json("POST", "/api/v1/routers", &json!({ "name": "Tower B", "host": "127.0.0.1", "port": 1, "username": "a", "password": "p", "login_method": "plain", "hotspot_server": "all" })).json()["id"].as_u64().unwrap();
    let now = Timestamp::now();
    let tz = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").unwrap();
    let today = now.to_zoned_datetime(tz.clone()).date();
    let soon = now + SignedDuration::from_secs(120);
    let mut make = |router: u64, login: &str, expires: Timestamp| {
        let r = f.api.send_json(
            "POST",
            "/api/v1/customers",
            &customer(router, f.plan, login, &expires.to_string()),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_u64().unwrap()
    };
    let a = make(f.router, "a", now + SignedDuration::from_hours(24 * 20));
    let b = make(f.router, "b", soon);
    let _c = make(second, "c", now - SignedDuration::from_secs(30));
    let d = make(second, "d", now + SignedDuration::from_hours(24 * 3));
    let p1 = f
        .api
        .send_json(
            "POST",
            "/api/v1/payments",
            &json!({ "customer_id": a, "amount": 3_500_000, "method": "cash" }),
        )
        .json();
    f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": d, "amount": 3_500_000, "method": "bank_transfer" }),
    );
    f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": b, "amount": 1_000_000, "method": "cash" }),
    );
    f.api.send_json(
        "POST",
        &format!("/api/v1/payments/{}/reverse", p1["id"]),
        &json!({ "reason": "test" }),
    );
    f.web.post_form(&format!("/customers/{d}/suspend"), &[]);

    let dash = f.api.get("/api/v1/dashboard").json();
    assert_eq!(dash["customers"], 4);
    assert_eq!(
        dash["by_status"],
        json!({ "active": 2, "expired": 1, "suspended": 1, "disabled": 0 })
    );
    let per_router: Vec<(u64, u64)> = dash["per_router"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["customers"].as_u64().unwrap(),
                r["active"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per_router, [(2, 2), (2, 0)]);
    assert_eq!(dash["per_plan"][0]["active"], 2);
    let months = dash["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let this = months.last().unwrap();
    assert_eq!(this["month"], today.strftime("%Y-%m").to_string());
    assert_eq!(
        this["revenue"],
        3_500_000 + 1_000_000,
        "a payment and its reversal cancel out"
    );
    assert_eq!(this["new"], 4);
    assert_eq!(
        dash["revenue_by_method"],
        json!({ "bank_transfer": 3_500_000, "cash": 1_000_000 })
    );
    let ids = |k: &str| {
        dash[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    let b_today = soon.to_zoned_datetime(tz.clone()).date() == today;
    assert_eq!(ids("expiring_today").contains(&b), b_today);
    assert!(ids("expired_today").len() <= 1);
    // Pending: every customer has one open bill; b's is partly paid; a's reversal reopened it.
    let pending_total = dash["pending_total"].as_i64().unwrap();
    assert_eq!(
        pending_total,
        3_500_000 * 4 - 1_000_000,
        "a: reopened, b: partly paid, c: unpaid, d: next period"
    );
    let offline: Vec<&str> = dash["offline_routers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        offline.len() <= 2,
        "routers on a closed port are offline once contacted: {offline:?}"
    );

    let page = f.web.get("/?lang=en");
    for title in [
        "Customers per network device",
        "Customers gained and lost per month",
        "Active customers per package",
        "Revenue per month",
        "Revenue per payment method",
    ] {
        assert!(page.body.contains(title), "missing chart {title}");
    }
    assert!(page.body.contains("<svg"), "charts are inline SVG");
    assert!(!page.body.contains("<script>"), "no inline script");
    assert!(page.body.contains("Tower B"));
}
