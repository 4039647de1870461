//! The Reports menu: each report computed from a known data set made through the API and
//! compared with hand-computed totals; the Excel and CSV files read back and compared with the
//! JSON; print view and both languages render.

use crate::helpers::{Fixture, customer, fixture};
use serde_json::{Value, json};

const HOME: i64 = 3_500_000;
const BIZ: i64 = 10_000_000;
/// What b paid for their two extra days (a paid extension records its money).
const EXT: i64 = 500_000;

struct Data {
    f: Fixture,
    biz: u64,
}

fn data() -> Data {
    let mut f = fixture();
    let p = f.api.send_json("POST", "/api/v1/plans", &json!({
        "name": "Biz 50", "kind": "hotspot", "price": BIZ, "duration_days": 30, "duration_hours": 0,
        "download": "50M", "upload": "10M", "shared_users": 1
    }));
    assert_eq!(p.status, 201, "{}", p.body);
    let biz = p.json()["id"].as_u64().unwrap();
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(240)).to_string();
    let mut ids = Vec::new();
    for (login, plan, kind) in [
        ("a", f.plan, "individual"),
        ("b", biz, "organization"),
        ("c", f.plan, "individual"),
    ] {
        let mut c = customer(f.router, plan, login, &later);
        c["kind"] = json!(kind);
        if kind == "organization" {
            c["reg_no"] = json!("5123456");
            c["contact_person"] = json!("Bold");
        }
        let r = f.api.send_json("POST", "/api/v1/customers", &c);
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.json()["id"].as_u64().unwrap());
    }
    for (id, amount, method) in [
        (ids[0], HOME, "cash"),
        (ids[1], BIZ, "bank_transfer"),
        (ids[2], HOME, "card"),
    ] {
        let p = f.api.send_json(
            "POST",
            "/api/v1/payments",
            &json!({ "customer_id": id, "amount": amount, "method": method }),
        );
        assert_eq!(p.status, 201, "{}", p.body);
        if id == ids[2] {
            let pid = p.json()["id"].as_u64().unwrap();
            let r = f.api.send_json(
                "POST",
                &format!("/api/v1/payments/{pid}/reverse"),
                &json!({ "reason": "bounced" }),
            );
            assert_eq!(r.status, 201, "{}", r.body);
        }
    }
    for (id, days, free) in [(ids[0], 3, true), (ids[1], 2, false)] {
        let e = f.api.send_json(
            "POST",
            "/api/v1/extensions",
            &json!({ "customer_id": id, "days": days, "free": free, "reason": "outage", "amount": EXT, "method": "bank_transfer" }),
        );
        assert_eq!(e.status, 201, "{}", e.body);
    }
    let s = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{}", ids[2]),
        &json!({ "status": "suspended" }),
    );
    assert_eq!(s.status, 200, "{}", s.body);
    Data { f, biz }
}

fn raw(d: &Data, path: &str) -> (String, Vec<u8>) {
    let token = d.f.api.bearer.clone().unwrap();
    let mut r = ureq::get(d.f.app.url(path))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    let disposition = r
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        disposition,
        r.body_mut()
            .with_config()
            .limit(50_000_000)
            .read_to_vec()
            .unwrap(),
    )
}

fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Ulaanbaatar").unwrap())
        .date()
        .to_string()
}

#[test]
fn reports_agree_with_hand_computed_totals_in_every_format() {
    let mut d = data();
    let day = today();
    let q = format!("from={day}&to={day}");

    // Revenue: three payments, a paid extension's and one reversal.
    let rev = d.f.api.get(&format!("/api/v1/reports/revenue?{q}")).json();
    let t = &rev["totals"];
    assert_eq!(t["count"], 5, "{rev}");
    assert_eq!(t["received"], HOME + BIZ + HOME + EXT);
    assert_eq!(t["reversed"], -HOME);
    assert_eq!(t["net"], HOME + BIZ + EXT);
    assert_eq!(
        t["by_method"],
        json!({ "cash": HOME, "bank_transfer": BIZ + EXT, "card": 0 })
    );
    assert_eq!(t["by_period"][&day], HOME + BIZ + EXT);
    assert_eq!(rev["rows"].as_array().unwrap().len(), 5);
    let reversal = rev["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["amount"] == -HOME)
        .unwrap();
    assert!(
        reversal["reversal_of"].is_u64(),
        "the reversal is its own negative row"
    );
    // Bills: a and b paid their first bill and got a renewal; c's paid bill was undone.
    assert_eq!(
        t["bills"],
        json!({ "count": 5, "raised": 2 * HOME + 2 * BIZ + HOME, "paid": HOME + BIZ, "outstanding": 2 * HOME + BIZ })
    );
    let cash =
        d.f.api
            .get(&format!("/api/v1/reports/revenue?{q}&method=cash"))
            .json();
    assert_eq!(cash["totals"]["net"], HOME);
    let org =
        d.f.api
            .get(&format!(
                "/api/v1/reports/revenue?{q}&customer_kind=organization"
            ))
            .json();
    assert_eq!(org["totals"]["net"], BIZ + EXT);
    let biz =
        d.f.api
            .get(&format!("/api/v1/reports/revenue?{q}&plan_id={}", d.biz))
            .json();
    assert_eq!(
        biz["totals"]["count"], 2,
        "the payment and the paid extension"
    );
    let month =
        d.f.api
            .get(&format!("/api/v1/reports/revenue?{q}&group=month"))
            .json();
    assert_eq!(month["totals"]["by_period"][&day[..7]], HOME + BIZ + EXT);
    let none =
        d.f.api
            .get("/api/v1/reports/revenue?from=2001-01-01&to=2001-12-31")
            .json();
    assert_eq!(none["totals"]["count"], 0);

    // Customers: two individuals, one organization; c suspended.
    let cu = d.f.api.get("/api/v1/reports/customers").json();
    let t = &cu["totals"];
    assert_eq!(t["count"], 3, "{cu}");
    assert_eq!(t["by_kind"], json!({ "individual": 2, "organization": 1 }));
    assert_eq!(t["by_status"], json!({ "active": 2, "suspended": 1 }));
    assert_eq!(
        t["by_plan"],
        json!({ d.f.plan.to_string(): 2, d.biz.to_string(): 1 })
    );
    assert_eq!(t["by_router"], json!({ d.f.router.to_string(): 3 }));
    let sus =
        d.f.api
            .get("/api/v1/reports/customers?status=suspended")
            .json();
    assert_eq!(sus["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        d.f.api
            .get("/api/v1/reports/customers?kind=organization")
            .json()["totals"]["count"],
        1
    );

    // Packages: revenue by the payment's plan, subscribers, extensions.
    let pl = d.f.api.get(&format!("/api/v1/reports/plans?{q}")).json();
    let t = &pl["totals"];
    assert_eq!(t["revenue"], HOME + BIZ + EXT, "{pl}");
    assert_eq!(t["subscribers"], 3);
    assert_eq!(t["entitled"], 2, "the suspended customer is not served");
    assert_eq!(
        t["extensions"],
        json!({ "count": 2, "days": 5, "free_count": 1, "free_days": 3, "paid_count": 1, "paid_days": 2 })
    );
    let home = pl["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == d.f.plan)
        .unwrap();
    assert_eq!(home["revenue"], HOME);
    assert_eq!(home["subscribers"], 2);
    let free =
        d.f.api
            .get(&format!("/api/v1/reports/plans?{q}&free=1"))
            .json();
    assert_eq!(free["extensions"].as_array().unwrap().len(), 1);

    // Excel: real numbers and dates; the totals row equals the JSON.
    let (disp, bytes) = raw(&d, &format!("/api/v1/reports/revenue?{q}&format=xlsx"));
    assert!(
        disp.starts_with("attachment;") && disp.contains(".xlsx"),
        "{disp}"
    );
    use calamine::{Data as X, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names();
    assert_eq!(
        names.len(),
        4,
        "payments, by method, by period, bills: {names:?}"
    );
    let sheet = wb.worksheet_range(&names[0]).unwrap();
    let rows: Vec<&[X]> = sheet.rows().collect();
    assert_eq!(rows.len(), 1 + 5 + 1, "header, 5 rows, totals");
    let mut sum = 0.0;
    for r in &rows[1..6] {
        assert!(
            matches!(r[0], X::Float(_) | X::Int(_)),
            "id is a number: {:?}",
            r[0]
        );
        assert!(
            matches!(r[1], X::DateTime(_)),
            "received is a date: {:?}",
            r[1]
        );
        match r[9] {
            X::Float(v) => sum += v,
            ref other => panic!("amount is a number: {other:?}"),
        }
    }
    let net = (HOME + BIZ + EXT) as f64 / 100.0;
    assert!((sum - net).abs() < 1e-6, "{sum}");
    assert_eq!(rows[6][9], X::Float(net), "totals row");
    let bills = wb.worksheet_range(&names[3]).unwrap();
    assert_eq!(
        bills.rows().nth(1).unwrap()[2],
        X::Float((HOME + BIZ) as f64 / 100.0)
    );

    // CSV: BOM, same rows, same sum.
    let (disp, bytes) = raw(&d, &format!("/api/v1/reports/revenue?{q}&format=csv"));
    assert!(disp.contains(".csv"), "{disp}");
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("BOM");
    let lines: Vec<&str> = text.split("\r\n").collect();
    let data: Vec<Vec<&str>> = lines[1..6].iter().map(|l| l.split(',').collect()).collect();
    let minor: i64 = data
        .iter()
        .map(|r| {
            let (a, b) = r[9].split_once('.').unwrap();
            let v =
                a.trim_start_matches('-').parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap();
            if a.starts_with('-') { -v } else { v }
        })
        .sum();
    assert_eq!(minor, HOME + BIZ + EXT);
    let ids: Vec<&str> = data.iter().map(|r| r[0]).collect();
    let json_ids: Vec<String> = rev["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    assert_eq!(
        ids, json_ids,
        "the CSV holds the same rows as the JSON, in the same order"
    );

    // Customer and package exports open too.
    for path in [
        "/api/v1/reports/customers?format=xlsx",
        "/api/v1/reports/plans?format=xlsx",
    ] {
        let (_, bytes) = raw(&d, path);
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let first = wb.sheet_names()[0].clone();
        assert!(
            wb.worksheet_range(&first).unwrap().rows().count() >= 2,
            "{path}"
        );
    }

    // Pages, print views, both languages.
    for path in [
        "/reports",
        "/reports/revenue",
        "/reports/customers",
        "/reports/plans",
    ] {
        for lang in ["en", "mn"] {
            let p = d.f.web.get(&format!("{path}?lang={lang}"));
            assert_eq!(p.status, 200, "{path} {lang}");
        }
    }
    let p =
        d.f.web
            .get(&format!("/reports/revenue?{q}&print=1&lang=en"));
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("doc-head") && !p.body.contains("nav class=\"menu\""),
        "print view has the company header and no menu"
    );
    assert!(
        p.body.contains(&"135,000\u{a0}₮".to_string())
            || p.body.contains("135,000&nbsp;₮")
            || p.body.contains("135,000"),
        "net on the page"
    );
    let _: Value = json!(null);
}

/// Exports nobody reads hold neither a thread nor a read snapshot: the server answers and keeps
/// writing while they sit there (before, 17 unread CSV exports froze every request and the
/// expiry enforcer).
#[test]
fn unread_exports_stall_nothing() {
    use std::io::Write;
    let f = fixture();
    // Enough customers that one CSV is many times what the socket buffers hold.
    let state = f.app.state();
    let now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").unwrap();
    for chunk in 0..8 {
        state
            .store
            .write(|w| {
                for j in 0..5_000 {
                    let i = chunk * 5_000 + j;
                    let d = steppe::billing::customer::CustomerDraft {
                        kind: "individual".into(),
                        name: format!("Customer number {i:06} with a rather long name for rows"),
                        phone: format!("99{i:06}"),
                        login: format!("bulk{i:06}"),
                        password: "pw-123".into(),
                        router_id: f.router.to_string(),
                        plan_id: f.plan.to_string(),
                        status: "active".into(),
                        expires_at: "2030-01-01T00:00:00Z".into(),
                        ..Default::default()
                    };
                    steppe::billing::customer::create(
                        w,
                        now,
                        &steppe::audit::Actor::cli(),
                        &state.secrets,
                        d.parse(&tz),
                        false,
                    )?;
                }
                Ok::<_, steppe::error::Error>(())
            })
            .unwrap();
    }
    let token = f.api.bearer.clone().unwrap();
    let mut unread = Vec::new();
    for _ in 0..20 {
        let mut s = std::net::TcpStream::connect(f.app.addr).unwrap();
        write!(
            s,
            "GET /api/v1/reports/customers?format=csv HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\r\n",
            f.app.addr
        )
        .unwrap();
        unread.push(s);
    }
    std::thread::sleep(std::time::Duration::from_secs(3));
    // Every kind of work still goes through: reads, a write, a router sync from the enforcer.
    let (tx, rx) = std::sync::mpsc::channel();
    let (base, router) = (f.app.url(""), f.router);
    std::thread::spawn(move || {
        let mut api = crate::helpers::Browser::new(base, false);
        api.bearer = Some(token);
        let read = api.get("/api/v1/me").status;
        let write = api
            .send_json(
                "POST",
                "/api/v1/customers",
                &customer(router, f.plan, "after-exports", "2030-01-01T00:00:00Z"),
            )
            .status;
        let sync = api
            .send_json(
                "POST",
                &format!("/api/v1/routers/{router}/sync"),
                &json!({}),
            )
            .status;
        let _ = tx.send((read, write, sync));
    });
    let (read, write, sync) = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the server answered while exports sat unread");
    assert_eq!((read, write), (200, 201));
    assert!(sync < 500, "sync answered {sync}");
    drop(unread);
}
