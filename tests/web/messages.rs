//! Messages: SMS through a (simulated) router's modem and through an HTTP gateway stub,
//! placeholders, retries after a failing channel, and the queue surviving a restart.

use crate::helpers::{TestApp, api_client, eventually, start_sim};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

mod email;

/// A tiny HTTP server that records request lines and answers with the current status code.
struct Gateway {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    status: Arc<AtomicU16>,
}

fn gateway() -> Gateway {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (seen, status) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(AtomicU16::new(200)),
    );
    let (s2, st2) = (seen.clone(), status.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut conn = conn;
            let mut buf = [0u8; 4096];
            let n = conn.read(&mut buf).unwrap_or(0);
            let line = String::from_utf8_lossy(&buf[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            s2.lock().unwrap().push(line);
            let code = st2.load(Ordering::SeqCst);
            let _ = conn.write_all(
                format!("HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    Gateway { port, seen, status }
}

/// Settings that send gateway SMS to `g`, with this default language.
fn use_gateway(web: &mut crate::helpers::Browser, g: &Gateway, default_lang: &str) {
    let url = format!(
        "http://127.0.0.1:{}/send?to={{phone}}&text={{message}}",
        g.port
    );
    let s = web.post_multipart(
        "/settings",
        &[
            ("company_name", "TopNET"),
            ("currency_code", "MNT"),
            ("currency_symbol", "₮"),
            ("currency_exponent", "2"),
            ("time_zone", ""),
            ("default_lang", default_lang),
            ("payment_methods", "cash"),
            ("sms_gateway_url", &url),
        ],
        &[],
    );
    assert_eq!(s.status, 303, "{}", s.body);
}

#[test]
fn sms_through_the_router_with_placeholders() {
    let s = start_sim("7.16");
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("sms"));
    let router = api.send_json("POST", "/api/v1/routers", &json!({ "name": "LTE", "host": "127.0.0.1", "port": s.sim.addr().port(), "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all" })).json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Home", "kind": "hotspot", "price": 3_500_000, "duration_days": 30, "download": "10M", "upload": "2M" })).json()["id"].as_u64().unwrap();
    let c = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": "Bat", "phone": "+97699112233", "login": "bat", "password": "pw-0", "router_id": router, "plan_id": plan, "status": "active", "expires_at": "2099-01-01T00:00:00Z" }));
    let id = c.json()["id"].as_u64().unwrap();
    let r = api.send_json("POST", "/api/v1/messages", &json!({ "customer_ids": [id], "channels": ["sms_router"], "body": "{name}: please pay {amount_due} for {plan}" }));
    assert_eq!(r.status, 201, "{}", r.body);
    eventually(10, "the SMS on the router", || !s.sim.sms_sent().is_empty());
    let sms = &s.sim.sms_sent()[0];
    assert_eq!(sms.phone, "+97699112233");
    assert_eq!(sms.port, "lte1");
    assert_eq!(sms.message, "Bat: please pay 35,000\u{a0}₮ for Home");
    eventually(10, "the message marked sent", || {
        api.get(&format!("/api/v1/messages?customer_id={id}"))
            .json()["items"][0]["status"]
            == "sent"
    });
    let bad = api.send_json(
        "POST",
        "/api/v1/messages",
        &json!({ "customer_ids": [id], "channels": ["pigeon"], "body": "x" }),
    );
    assert_eq!(bad.status, 422);
    let page = web.get("/messages?lang=en");
    assert!(page.body.contains("please pay") && page.body.contains("Sent"));
}

#[test]
fn gateway_failures_are_retried_and_the_queue_survives_a_restart() {
    let g = gateway();
    g.status.store(500, Ordering::SeqCst);
    let crate::helpers::Fixture {
        app,
        mut web,
        mut api,
        router,
        plan,
    } = crate::helpers::fixture();
    use_gateway(&mut web, &g, "en");
    let id = api
        .send_json(
            "POST",
            "/api/v1/customers",
            &crate::helpers::customer(router, plan, "gw", "2099-01-01T00:00:00Z"),
        )
        .json()["id"]
        .as_u64()
        .unwrap();
    api.send_json("POST", "/api/v1/messages", &json!({ "customer_ids": [id], "channels": ["sms_gateway"], "body": "Сайн байна уу {name}" }));
    eventually(10, "a failed attempt recorded", || {
        let m = &api
            .get(&format!("/api/v1/messages?customer_id={id}"))
            .json()["items"][0];
        m["attempts"].as_array().is_some_and(|a| !a.is_empty())
    });
    let m = api
        .get(&format!("/api/v1/messages?customer_id={id}"))
        .json()["items"][0]
        .clone();
    assert_eq!(
        m["status"], "queued",
        "a failure is retried later, not dropped"
    );
    assert!(m["attempts"][0]["detail"].as_str().unwrap().contains("500"));

    // Restart: the queued message is still there.
    let dir = app.stop();
    let app = TestApp::start_in(dir, steppe::web::Tls::Off);
    let mut web = app.browser();
    web.login(crate::helpers::ADMIN, crate::helpers::ADMIN_PW);
    let mut api = api_client(&app, &web.create_token("again"));
    assert_eq!(
        api.get(&format!("/api/v1/messages?customer_id={id}"))
            .json()["items"][0]["status"],
        "queued"
    );

    // The gateway recovers; once the backoff has passed the message goes out.
    g.status.store(200, Ordering::SeqCst);
    app.clock.advance(120);
    api.send_json(
        "POST",
        "/api/v1/messages",
        &json!({ "customer_ids": [id], "channels": ["sms_gateway"], "body": "second" }),
    );
    eventually(10, "both messages sent", || {
        let items = api
            .get(&format!("/api/v1/messages?customer_id={id}"))
            .json()["items"]
            .clone();
        items
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["status"] == "sent")
    });
    let seen = g.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET /send?to=99112233&text=%D0%A1%D0%B0%D0%B9%D0%BD")),
        "URL-encoded Cyrillic: {seen:?}"
    );
}

/// `%XX` and `+` decoding of a gateway request line's `text=` value.
fn gateway_text(line: &str) -> String {
    let q = line.split_whitespace().nth(1).unwrap_or("");
    let v = q.split("text=").nth(1).unwrap_or("");
    let mut out = Vec::new();
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn reminders_fire_before_and_on_expiry_and_receipts_follow_payments() {
    let g = gateway();
    let crate::helpers::Fixture {
        app,
        mut web,
        mut api,
        router,
        plan,
    } = crate::helpers::fixture();
    use_gateway(&mut web, &g, "mn");
    let d = steppe::notify::config::MessageSettingsDraft::of(&Default::default());
    let fields = [
        ("smtp_security", "starttls"),
        ("days_before", "3, 1"),
        ("on_expiry", "1"),
        ("receipt", "1"),
        ("channel", "sms_gateway"),
        (
            "before_en",
            "EN {name}: {days_left} days left, ends {expiry}",
        ),
        ("before_mn", "MN {name}: {days_left} хоног үлдлээ"),
        ("expired_en", "EN {name}: ended"),
        ("expired_mn", "MN {name}: дууслаа"),
        ("receipt_en", d.receipt_en.as_str()),
        ("receipt_mn", "MN {name}: {amount_paid} хүлээн авлаа"),
    ];
    let bad_days: Vec<_> = fields
        .iter()
        .map(|(k, v)| {
            if *k == "days_before" {
                (*k, "3, x")
            } else {
                (*k, *v)
            }
        })
        .collect();
    assert_eq!(web.post_form("/settings/messages", &bad_days).status, 422);
    assert_eq!(web.post_form("/settings/messages", &fields).status, 303);

    // Two customers ending in five days, one reading English and one Mongolian (the default).
    let ends = (app.clock.now() + jiff::SignedDuration::from_hours(5 * 24)).to_string();
    let mut en = crate::helpers::customer(router, plan, "en1", &ends);
    en["name"] = json!("Anna");
    en["phone"] = json!("11111111");
    en["lang"] = json!("en");
    let mut mn = crate::helpers::customer(router, plan, "mn1", &ends);
    mn["name"] = json!("Bold");
    mn["phone"] = json!("22222222");
    let en_id = api.send_json("POST", "/api/v1/customers", &en).json()["id"]
        .as_u64()
        .unwrap();
    api.send_json("POST", "/api/v1/customers", &mn);
    let texts = |g: &Gateway| -> Vec<String> {
        g.seen
            .lock()
            .unwrap()
            .iter()
            .map(|l| gateway_text(l))
            .collect()
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(texts(&g).is_empty(), "nothing is due five days out");

    // Two days on, the 3-day reminder, once each, in each customer's language; days left are
    // counted as a person counts them (2 days 23 hours is 3 days).
    app.clock.advance(2 * 86_400 + 60);
    eventually(40, "two 3-day reminders", || texts(&g).len() >= 2);
    let t = texts(&g);
    assert!(
        t.iter()
            .any(|m| m.starts_with("EN Anna: 3 days left, ends")),
        "{t:?}"
    );
    assert!(t.contains(&"MN Bold: 3 хоног үлдлээ".to_string()), "{t:?}");
    app.clock.advance(3600);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        texts(&g).len(),
        2,
        "a reminder goes out once: {:?}",
        texts(&g)
    );

    // One day before: the 1-day reminder.
    app.clock.advance(2 * 86_400 - 3600);
    eventually(40, "two 1-day reminders", || texts(&g).len() >= 4);
    assert!(
        texts(&g)[2..]
            .iter()
            .any(|m| m.starts_with("EN Anna: 1 days left")),
        "{:?}",
        texts(&g)
    );

    // At expiry: the on-expiry message.
    app.clock.advance(86_400);
    eventually(40, "two on-expiry messages", || texts(&g).len() >= 6);
    let t = texts(&g);
    assert!(t.contains(&"EN Anna: ended".to_string()), "{t:?}");
    assert!(t.contains(&"MN Bold: дууслаа".to_string()), "{t:?}");

    // A payment brings a receipt with the amount, in the customer's language.
    let pay = json!({ "customer_id": en_id, "amount": 3_500_000, "method": "cash" });
    assert_eq!(api.send_json("POST", "/api/v1/payments", &pay).status, 201);
    eventually(40, "the receipt", || texts(&g).len() >= 7);
    let receipt = texts(&g)[6].clone();
    assert!(receipt.starts_with("Anna, we received 35,000"), "{receipt}");

    // The reminders survive a restart without repeating.
    let dir = app.stop();
    let app = TestApp::start_in(dir, steppe::web::Tls::Off);
    std::thread::sleep(std::time::Duration::from_millis(800));
    assert_eq!(texts(&g).len(), 7, "{:?}", texts(&g));
    drop(app);
}

#[test]
fn compose_selects_by_plan_router_status_expiry_and_unpaid() {
    let crate::helpers::Fixture {
        app: _app,
        mut web,
        mut api,
        router,
        plan,
    } = crate::helpers::fixture();
    let other_plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Biz 50", "kind": "hotspot", "price": 9_000_000, "duration_days": 30, "download": "50M", "upload": "10M" })).json()["id"].as_u64().unwrap();
    let soon = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)).to_string();
    let past = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48)).to_string();
    for (login, p, exp) in [
        ("s1", plan, soon.as_str()),
        ("s2", plan, "2099-01-01T00:00:00Z"),
        ("s3", other_plan, past.as_str()),
    ] {
        let r = api.send_json(
            "POST",
            "/api/v1/customers",
            &crate::helpers::customer(router, p, login, exp),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let count = |web: &mut crate::helpers::Browser, q: &str| -> usize {
        let p = web.get(&format!("/messages/new?lang=en&body=hi&{q}"));
        let at = p.body.find("Recipients: ").expect("recipients shown") + "Recipients: ".len();
        p.body[at..]
            .split('<')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(count(&mut web, &format!("plan_id={plan}")), 2);
    assert_eq!(count(&mut web, &format!("plan_id={other_plan}")), 1);
    assert_eq!(count(&mut web, &format!("router_id={router}")), 3);
    assert_eq!(count(&mut web, "status=expired"), 1);
    assert_eq!(count(&mut web, "expiring=3"), 1);
    // Every new customer has an open bill for their first period.
    let unpaid = count(&mut web, "unpaid=1");
    assert!(unpaid >= 1, "{unpaid}");
    let preview = web.get(&format!(
        "/messages/new?lang=en&plan_id={other_plan}&body=Dear+%7Bname%7D+%7Bplan%7D"
    ));
    assert!(
        preview.body.contains("Dear Customer s3 Biz 50"),
        "preview fills placeholders"
    );
}
