//! Messages: SMS through a (simulated) router's modem and through an HTTP gateway stub,
//! placeholders, retries after a failing channel, and the queue surviving a restart.

use crate::enforcement::{eventually, start_sim};
use crate::helpers::{TestApp, api_client};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

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

#[test]
fn sms_through_the_router_with_placeholders() {
    let s = start_sim("7.16");
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("sms"));
    let router = api.send_json("POST", "/api/v1/routers", &json!({ "name": "LTE", "host": "127.0.0.1", "port": s.sim.addr().port(), "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all" })).json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Home", "kind": "hotspot", "price": 3_500_000, "duration_days": 30, "download": "10M", "upload": "2M" })).json()["id"].as_u64().unwrap();
    let c = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": "Bat", "phone": "+97699112233", "login": "bat", "password": "pw", "router_id": router, "plan_id": plan, "status": "active", "expires_at": "2099-01-01T00:00:00Z" }));
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
    let crate::network::Fixture {
        app,
        mut web,
        mut api,
        router,
        plan,
    } = crate::network::fixture();
    let s = web.post_multipart(
        "/settings",
        &[
            ("company_name", "Net"),
            ("currency_code", "MNT"),
            ("currency_symbol", "₮"),
            ("currency_exponent", "2"),
            ("time_zone", ""),
            ("default_lang", "en"),
            ("payment_methods", "cash"),
            (
                "sms_gateway_url",
                &format!(
                    "http://127.0.0.1:{}/send?to={{phone}}&text={{message}}",
                    g.port
                ),
            ),
        ],
        &[],
    );
    assert_eq!(s.status, 303, "{}", s.body);
    let id = api
        .send_json(
            "POST",
            "/api/v1/customers",
            &crate::network::customer(router, plan, "gw", "2099-01-01T00:00:00Z"),
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
