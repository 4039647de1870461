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

/// The markup of the chart whose caption starts with `caption`.
fn chart<'a>(page: &'a str, caption: &str) -> &'a str {
    let start = page
        .find(&format!("<figcaption>{caption}"))
        .unwrap_or_else(|| panic!("no chart {caption}"));
    let end = page[start..].find("</figure>").unwrap() + start;
    &page[start..end]
}

/// Regression (issue #18, point 5): 361,000 ₮ showed as "…00000" (minor units, clipped) on an
/// axis with no zero line, and months read like days ("26-11").
#[test]
fn revenue_chart_reads_in_tögrög_on_a_zeroed_axis_with_month_names() {
    let mut f = fixture();
    let id = f.new_customer(&customer(f.router, f.plan, "rich", "2099-01-01T00:00:00Z"));
    let paid = f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": id, "amount": 36_100_000, "method": "cash" }),
    );
    assert_eq!(paid.status, 201, "{}", paid.body);
    let today = Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Ulaanbaatar").unwrap())
        .date();
    let first = today
        .first_of_month()
        .checked_sub(jiff::Span::new().months(11))
        .unwrap();
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = usize::try_from(today.month()).unwrap();
    for (lang, caption, name) in [
        ("en", "Revenue per month", EN[month - 1].to_string()),
        ("mn", "Сарын орлого", format!("{month}-р сар")),
    ] {
        let page = f.web.get(&format!("/?lang={lang}"));
        let svg = chart(&page.body, caption);
        assert!(
            svg.contains(">361,000\u{a0}₮</text>"),
            "{lang}: the value on its column, in tögrög: {svg}"
        );
        assert!(
            svg.contains(">400,000\u{a0}₮</text>"),
            "{lang}: the axis in round tögrög: {svg}"
        );
        assert!(
            svg.contains(">0\u{a0}₮</text>"),
            "{lang}: the axis starts at zero: {svg}"
        );
        for minor in ["36100000", "36,100,000", "00000<"] {
            assert!(
                !svg.contains(minor),
                "{lang}: minor units {minor} shown: {svg}"
            );
        }
        assert!(svg.contains("class=\"zero\""), "{lang}: a zero line");
        assert_eq!(
            svg.matches("class=\"grid\"").count(),
            4,
            "{lang}: gridlines at 100,000 ₮ steps"
        );
        assert!(
            svg.contains(&format!(">{name}</text>")),
            "{lang}: this month as {name}: {svg}"
        );
        assert!(
            !svg.contains(&format!(">{}</text>", today.strftime("%y-%m"))),
            "{lang}: no YY-MM labels"
        );
        if first.month() < 11 {
            assert!(
                svg.contains(&format!(">{}</text>", first.year())),
                "{lang}: the first month's year"
            );
        }
        if first.year() != today.year() {
            assert!(
                svg.contains(&format!(">{}</text>", today.year())),
                "{lang}: the new year marked at January"
            );
        }
        let customers = chart(
            &page.body,
            if lang == "en" {
                "Customers gained"
            } else {
                "Сар бүрийн"
            },
        );
        assert!(
            customers.contains(&format!(">{name}</text>")),
            "{lang}: month names on the customers chart too"
        );
    }
}

/// Regression (issue #18, point 7): the pending bills said "Customers 2" (the menu's label and an
/// id) and listed every bill.
#[test]
fn pending_bills_name_their_customers_and_lead_to_the_rest() {
    let mut f = fixture();
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut c = customer(
            f.router,
            f.plan,
            &format!("owes{i}"),
            "2020-01-01T00:00:00Z",
        );
        c["name"] = json!(format!("Бат-Эрдэнэ {i:02}"));
        ids.push(f.new_customer(&c));
    }
    for (lang, menu) in [("mn", "Харилцагч"), ("en", "Customers")] {
        let page = f.web.get(&format!("/?lang={lang}"));
        let start = page
            .body
            .find("<section class=\"card pending\">")
            .expect("the pending bills");
        let section = &page.body[start..start + page.body[start..].find("</section>").unwrap()];
        assert_eq!(
            section.matches("<li>").count(),
            10,
            "{lang}: a short list: {section}"
        );
        assert!(
            section.contains(&format!("href=\"/customers/{}\">Бат-Эрдэнэ 00</a>", ids[0])),
            "{lang}: {section}"
        );
        assert!(
            !section.contains(&format!("{menu} {}", ids[0])),
            "{lang}: no menu label and id: {section}"
        );
        assert!(section.contains("(12)"), "{lang}: the count of all of them");
        assert!(
            section.contains("href=\"/bills?status=pending\""),
            "{lang}: see all: {section}"
        );
        assert!(section.contains("12"), "{lang}");
    }
    let all = f.web.get("/bills?status=pending");
    for i in 0..12 {
        assert!(
            all.body.contains(&format!("Бат-Эрдэнэ {i:02}")),
            "the bills page lists them all"
        );
    }
}
