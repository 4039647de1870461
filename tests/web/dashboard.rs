//! The dashboard's figures from a known data set, and its charts on the page.

use crate::helpers::{customer, fixture};
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

/// Every number on the dashboard agrees with the reports computed over the same data.
#[test]
fn dashboard_agrees_with_the_reports() {
    let mut f = fixture();
    let now = Timestamp::now();
    let mut ids = Vec::new();
    for (i, hours) in [-48i64, -2, 5, 24 * 10, 24 * 40].iter().enumerate() {
        let c = f.api.send_json(
            "POST",
            "/api/v1/customers",
            &customer(
                f.router,
                f.plan,
                &format!("agree{i}"),
                &(now + SignedDuration::from_hours(*hours)).to_string(),
            ),
        );
        ids.push(c.json()["id"].as_u64().unwrap());
    }
    let methods = ["cash", "bank_transfer", "cash", "card"];
    let mut paid = Vec::new();
    for (i, id) in ids.iter().take(4).enumerate() {
        let p = f.api.send_json("POST", "/api/v1/payments", &json!({ "customer_id": id, "amount": 1_000_000 * (i64::try_from(i).unwrap() + 1), "method": methods[i] }));
        paid.push(p.json()["id"].as_u64().unwrap());
    }
    f.api.send_json(
        "POST",
        &format!("/api/v1/payments/{}/reverse", paid[1]),
        &json!({ "reason": "mistake" }),
    );
    f.web
        .post_form(&format!("/customers/{}/suspend", ids[4]), &[]);

    let dash = f.api.get("/api/v1/dashboard").json();
    let first_month = dash["months"][0]["month"].as_str().unwrap().to_string();
    let from = format!("{first_month}-01");
    let tz = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").unwrap();
    let to = now.to_zoned_datetime(tz).date().to_string();
    let revenue = f
        .api
        .get(&format!(
            "/api/v1/reports/revenue?from={from}&to={to}&group=month"
        ))
        .json();
    assert_eq!(
        revenue["totals"]["by_method"], dash["revenue_by_method"],
        "revenue per method"
    );
    for m in dash["months"].as_array().unwrap() {
        let key = m["month"].as_str().unwrap();
        let report = revenue["totals"]["by_period"][key].as_i64().unwrap_or(0);
        assert_eq!(m["revenue"].as_i64().unwrap(), report, "revenue in {key}");
    }
    let customers = f.api.get("/api/v1/reports/customers").json();
    assert_eq!(customers["totals"]["count"], dash["customers"]);
    for (status, n) in dash["by_status"].as_object().unwrap() {
        assert_eq!(
            customers["totals"]["by_status"][status]
                .as_u64()
                .unwrap_or(0),
            n.as_u64().unwrap(),
            "status {status}"
        );
    }
    for r in dash["per_router"].as_array().unwrap() {
        let key = r["id"].to_string();
        assert_eq!(
            customers["totals"]["by_router"][&key].as_u64().unwrap_or(0),
            r["customers"].as_u64().unwrap(),
            "router {key}"
        );
    }
    let plans = f
        .api
        .get(&format!("/api/v1/reports/plans?from={from}&to={to}"))
        .json();
    let active_in_report: u64 = plans["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["entitled"].as_u64().unwrap_or(0))
        .sum();
    let active_on_dash: u64 = dash["per_plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["active"].as_u64().unwrap())
        .sum();
    assert!(active_on_dash > 0);
    assert_eq!(
        active_in_report, active_on_dash,
        "active customers per package"
    );
}
