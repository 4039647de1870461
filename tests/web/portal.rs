//! The customer portal: login with the service login (rate-limited), the customer's own
//! service, bills, payments and bank accounts, the feedback round trip with the admin inbox, and
//! that one customer can never reach another's data nor an admin's pages.

use crate::helpers::{Browser, Fixture, TestApp, customer, fixture};
use serde_json::json;

/// A browser logged in to the portal as this customer, holding the portal's CSRF token.
pub fn logged_in(app: &TestApp, login: &str, password: &str) -> Browser {
    let mut b = app.portal_browser();
    b.get("/portal/login");
    let p = b.post_form(
        "/portal/login",
        &[
            ("login", login),
            ("password", password),
            ("next", "/portal"),
        ],
    );
    assert_eq!(p.status, 303, "portal login failed: {}", p.body);
    assert_eq!(p.location(), "/portal");
    let home = b.get("/portal");
    assert_eq!(home.status, 200, "{}", home.body);
    b
}

fn new_customer(f: &mut Fixture, login: &str, name: &str, lang: &str) -> u64 {
    let mut c = customer(f.router, f.plan, login, "2099-01-01T00:00:00Z");
    c["name"] = json!(name);
    c["lang"] = json!(lang);
    f.new_customer(&c)
}

#[test]
fn a_customer_sees_their_service_and_feedback_goes_both_ways() {
    let mut f = fixture();
    let bat = new_customer(&mut f, "bat", "Bat Erdene", "en");
    let bank = json!({ "bank": "Khan Bank", "number": "5000123456", "holder": "TopNET LLC" });
    assert_eq!(
        f.api
            .send_json("POST", "/api/v1/bank-accounts", &bank)
            .status,
        201
    );
    let pay = json!({ "customer_id": bat, "amount": 3_500_000, "method": "cash" });
    assert_eq!(
        f.api.send_json("POST", "/api/v1/payments", &pay).status,
        201
    );

    // A wrong password is refused with a message, and sets no portal cookie.
    let mut anon = f.app.portal_browser();
    anon.get("/portal/login?lang=en");
    let bad = anon.post_form(
        "/portal/login",
        &[("login", "bat"), ("password", "nope"), ("next", "/portal")],
    );
    assert_eq!(bad.status, 401);
    assert!(
        bad.body.contains("Wrong user name or password") || bad.body.contains("role=\"alert\"")
    );
    assert_eq!(
        anon.get("/portal").location(),
        "/portal/login?next=%2Fportal"
    );

    let mut me = logged_in(&f.app, "bat", "pw-123");
    let home = me.get("/portal");
    for needle in [
        "Bat Erdene",
        "Home 10",
        "10M",
        "Khan Bank",
        "5000123456",
        "35,000",
    ] {
        assert!(
            home.body.contains(needle),
            "portal shows {needle}: {}",
            home.body
        );
    }
    assert!(
        home.body.contains("<html lang=\"en\""),
        "the customer's language"
    );

    // Bad input re-renders with the error and stores nothing.
    let empty = me.post_form(
        "/portal/feedback",
        &[("category", "complaint"), ("text", "  ")],
    );
    assert_eq!(empty.status, 422);
    let odd = me.post_form("/portal/feedback", &[("category", "bribe"), ("text", "x")]);
    assert_eq!(odd.status, 422);
    assert_eq!(f.api.get("/api/v1/feedback").json()["items"], json!([]));

    let sent = me.post_form(
        "/portal/feedback",
        &[
            ("category", "complaint"),
            ("text", "Internet is slow every evening"),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let thread_url = sent.location().split('?').next().unwrap().to_string();
    let id: u64 = thread_url.rsplit('/').next().unwrap().parse().unwrap();

    // The admin inbox sees it as new.
    let inbox = f.api.get("/api/v1/feedback?status=new").json();
    assert_eq!(inbox["items"][0]["id"], id);
    assert_eq!(inbox["items"][0]["category"], "complaint");
    assert_eq!(inbox["items"][0]["customer_id"], bat);
    let page = f.web.get("/feedback?lang=en");
    assert!(page.body.contains("Internet is slow every evening"));

    // A reply from the web inbox, then one through the API.
    let r = f.web.post_form(
        &format!("/feedback/{id}/reply"),
        &[("text", "We are checking the tower.")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = f.api.send_json(
        "POST",
        &format!("/api/v1/feedback/{id}/reply"),
        &json!({ "text": "Fixed: a new antenna." }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "in_progress");
    assert_eq!(r.json()["replies"].as_array().unwrap().len(), 2);
    let empty_reply = f.api.send_json(
        "POST",
        &format!("/api/v1/feedback/{id}/reply"),
        &json!({ "text": "" }),
    );
    assert_eq!(empty_reply.status, 422);

    // Resolve and assign it to the boss.
    let boss_id = f.api.get("/api/v1/me").json()["id"].as_u64().unwrap();
    let u = f.web.post_form(
        &format!("/feedback/{id}"),
        &[
            ("status", "resolved"),
            ("assigned_to", &boss_id.to_string()),
        ],
    );
    assert_eq!(u.status, 303, "{}", u.body);
    let bad_assign = f.web.post_form(
        &format!("/feedback/{id}"),
        &[("status", "resolved"), ("assigned_to", "424242")],
    );
    assert_eq!(bad_assign.status, 422);
    let stored = &f.api.get("/api/v1/feedback").json()["items"][0];
    assert_eq!(stored["status"], "resolved");
    assert_eq!(stored["assigned_to"], boss_id);

    // The customer sees both replies, as from "Operator" (no admin usernames leak).
    let t = me.get(&format!("{thread_url}?lang=en"));
    assert!(t.body.contains("We are checking the tower."));
    assert!(t.body.contains("Fixed: a new antenna."));
    assert!(t.body.contains("Operator") && !t.body.contains(crate::helpers::ADMIN));
    assert!(t.body.contains("Resolved"));

    // A follow-up opens it again.
    let fu = me.post_form(&thread_url, &[("text", "Slow again tonight")]);
    assert_eq!(fu.status, 303, "{}", fu.body);
    let stored = &f.api.get("/api/v1/feedback").json()["items"][0];
    assert_eq!(stored["status"], "in_progress");
    assert_eq!(stored["replies"][2]["from_customer"], true);

    // Logging out ends the portal session.
    let out = me.post_form("/portal/logout", &[]);
    assert_eq!(out.status, 303);
    assert!(me.get("/portal").location().starts_with("/portal/login"));
}

#[test]
fn a_customer_can_never_reach_another_customers_data() {
    let mut f = fixture();
    let _a = new_customer(&mut f, "alpha", "Alpha Customer", "en");
    let b = new_customer(&mut f, "beta", "Beta Customer", "mn");
    let pay = json!({ "customer_id": b, "amount": 7_770_000, "method": "cash" });
    assert_eq!(
        f.api.send_json("POST", "/api/v1/payments", &pay).status,
        201
    );

    let mut beta = logged_in(&f.app, "beta", "pw-123");
    let s = beta.post_form(
        "/portal/feedback",
        &[("category", "inquiry"), ("text", "Beta's private question")],
    );
    assert_eq!(s.status, 303);
    let beta_thread = s.location().split('?').next().unwrap().to_string();
    assert!(
        beta.get("/portal").body.contains("<html lang=\"mn\""),
        "beta reads Mongolian"
    );

    let mut alpha = logged_in(&f.app, "alpha", "pw-123");
    let home = alpha.get("/portal");
    assert!(home.body.contains("Alpha Customer"));
    for other in ["Beta Customer", "77,700", "Beta's private question"] {
        assert!(!home.body.contains(other), "alpha must not see {other}");
    }
    // Beta's thread, by its address: not found, and a follow-up changes nothing.
    let peek = alpha.get(&beta_thread);
    assert_eq!(peek.status, 404);
    assert!(!peek.body.contains("private question"));
    let write = alpha.post_form(&beta_thread, &[("text", "hijack")]);
    assert_eq!(write.status, 404);
    let beta_fb = &f.api.get("/api/v1/feedback").json()["items"][0];
    assert_eq!(beta_fb["replies"], json!([]));
    for id in 0..5 {
        let p = alpha.get(&format!("/portal/feedback/{id}"));
        assert!(p.status == 404, "guessing ids: {id} gave {}", p.status);
    }

    // A portal session opens no admin page or API (the browser sends its cookies to the admin
    // port too), and an admin session is no portal login.
    let mut alpha_at_admin = f.app.browser();
    alpha_at_admin.cookies = alpha.cookies.clone();
    for path in ["/", "/customers", "/feedback", "/settings"] {
        let p = alpha_at_admin.get(path);
        assert!(
            p.location().starts_with("/login"),
            "{path}: {} {}",
            p.status,
            p.location()
        );
    }
    assert_eq!(alpha_at_admin.get("/api/v1/customers").status, 401);
    // The portal listener serves none of the admin side at all.
    for path in [
        "/customers",
        "/login",
        "/setup",
        "/api/v1/customers",
        "/api/v1/openapi.json",
    ] {
        assert_eq!(alpha.get(path).status, 404, "{path} on the portal listener");
    }
    assert_eq!(alpha.get("/").location(), "/portal");
    // Nor does the admin listener serve the portal.
    assert_eq!(f.web.get("/portal").status, 404);
    let mut boss_at_portal = f.app.portal_browser();
    boss_at_portal.cookies = f.web.cookies.clone();
    assert!(
        boss_at_portal
            .get("/portal")
            .location()
            .starts_with("/portal/login")
    );

    // A forged or missing CSRF token changes nothing.
    let forged = alpha.post_form_raw(
        "/portal/feedback",
        &[
            ("_csrf", &"0".repeat(64)),
            ("category", "request"),
            ("text", "forged"),
        ],
    );
    assert_eq!(forged.status, 403);
    assert_eq!(
        f.api.get("/api/v1/feedback").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A new service password ends the customer's portal sessions.
    let r = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{b}"),
        &json!({ "password": "new-pw-456" }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(beta.get("/portal").location().starts_with("/portal/login"));
    logged_in(&f.app, "beta", "new-pw-456");
}

#[test]
fn portal_logins_are_rate_limited() {
    let mut f = fixture();
    new_customer(&mut f, "gamma", "Gamma", "en");
    let mut b = f.app.portal_browser();
    b.get("/portal/login");
    for _ in 0..steppe::access::ratelimit::MAX_FAILURES {
        let p = b.post_form(
            "/portal/login",
            &[
                ("login", "gamma"),
                ("password", "guess"),
                ("next", "/portal"),
            ],
        );
        assert_eq!(p.status, 401);
    }
    let p = b.post_form(
        "/portal/login",
        &[
            ("login", "gamma"),
            ("password", "pw-123"),
            ("next", "/portal"),
        ],
    );
    assert_eq!(p.status, 429, "locked even with the right password now");
    // The admin login is throttled apart: the boss still gets in from the same address.
    let mut boss = f.app.browser();
    assert_eq!(
        boss.login(crate::helpers::ADMIN, crate::helpers::ADMIN_PW)
            .status,
        303
    );
    // An operator with Customers edit lifts the lock from the customer's page.
    let gamma = f.api.get("/api/v1/customers?q=gamma").json()["items"][0]["id"]
        .as_u64()
        .unwrap();
    let page = boss.get(&format!("/customers/{gamma}")).body;
    let unlock = format!("/customers/{gamma}/portal-unlock");
    assert!(page.contains(&unlock), "{page}");
    assert_eq!(boss.post_form(&unlock, &[]).status, 303);
    let p = b.post_form(
        "/portal/login",
        &[
            ("login", "gamma"),
            ("password", "pw-123"),
            ("next", "/portal"),
        ],
    );
    assert_eq!(p.status, 303, "unlocked");
    assert!(f.web.get("/audit?lang=en").body.contains("Failed login"));
}

#[test]
fn a_reply_can_also_go_by_sms_through_the_router() {
    let s = crate::helpers::start_sim("7.16");
    let (app, mut web) = TestApp::with_admin();
    let mut api = crate::helpers::api_client(&app, &web.create_token("sms"));
    let router = api.send_json("POST", "/api/v1/routers", &json!({ "name": "LTE", "host": "127.0.0.1", "port": s.sim.addr().port(), "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all" })).json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Home", "kind": "hotspot", "price": 3_500_000, "duration_days": 30, "download": "10M", "upload": "2M" })).json()["id"].as_u64().unwrap();
    let c = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": "Saraa", "phone": "+97688001122", "login": "saraa", "password": "pw-123", "router_id": router, "plan_id": plan, "status": "active", "expires_at": "2099-01-01T00:00:00Z" }));
    assert_eq!(c.status, 201, "{}", c.body);
    let mut me = logged_in(&app, "saraa", "pw-123");
    let s2 = me.post_form(
        "/portal/feedback",
        &[("category", "request"), ("text", "Move my line")],
    );
    let id = s2
        .location()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let r = api.send_json(
        "POST",
        &format!("/api/v1/feedback/{id}/reply"),
        &json!({ "text": "Маргааш ирнэ", "sms": true }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    crate::helpers::eventually(10, "the reply by SMS", || {
        s.sim
            .sms_sent()
            .iter()
            .any(|m| m.message == "Маргааш ирнэ" && m.phone == "+97688001122")
    });
    assert!(
        me.get(&format!("/portal/feedback/{id}"))
            .body
            .contains("Маргааш ирнэ")
    );
}

fn feedback_of(f: &mut Fixture, customer: u64) -> usize {
    let all = f
        .api
        .get(&format!("/api/v1/feedback?customer_id={customer}"))
        .json();
    all["items"].as_array().unwrap().len()
}

/// Issue #14: one portal customer posted 300 feedback threads in 0.7 s. Past the hourly limits a
/// post is refused with a message in the customer's language (429) and nothing is stored.
#[test]
fn feedback_is_limited_per_customer_and_hour() {
    let mut f = fixture();
    let bat = new_customer(&mut f, "bat", "Bat Erdene", "mn");
    let mut me = logged_in(&f.app, "bat", "pw-123");
    let mut first = String::new();
    for i in 0..5 {
        let sent = me.post_form(
            "/portal/feedback",
            &[("category", "request"), ("text", &format!("Request {i}"))],
        );
        assert_eq!(sent.status, 303, "{}", sent.body);
        if first.is_empty() {
            first = sent.location().split('?').next().unwrap().to_string();
        }
    }
    let extra = me.post_form(
        "/portal/feedback",
        &[("category", "request"), ("text", "Request 5")],
    );
    assert_eq!(extra.status, 429, "{}", extra.body);
    assert!(
        extra
            .body
            .contains("Та сүүлийн нэг цагт 5 шинэ хүсэлт илгээсэн байна"),
        "{}",
        extra.body
    );
    assert!(
        extra.body.contains("Request 5"),
        "the text is kept to send later"
    );
    assert_eq!(
        feedback_of(&mut f, bat),
        5,
        "the refused thread is not stored"
    );

    // Follow-ups count with the threads: 20 messages an hour in all.
    for i in 0..15 {
        let r = me.post_form(&first, &[("text", &format!("More {i}"))]);
        assert_eq!(r.status, 303, "follow-up {i}: {}", r.body);
    }
    let extra = me.post_form(&first, &[("text", "One more")]);
    assert_eq!(extra.status, 429, "{}", extra.body);
    assert!(
        extra
            .body
            .contains("Та сүүлийн нэг цагт 20 мессеж илгээсэн байна"),
        "{}",
        extra.body
    );
    let id: u64 = first.rsplit('/').next().unwrap().parse().unwrap();
    let all = f
        .api
        .get(&format!("/api/v1/feedback?customer_id={bat}"))
        .json();
    let thread = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap();
    assert_eq!(thread["replies"].as_array().unwrap().len(), 15, "{thread}");

    // Another customer is not held back by Bat's posts.
    new_customer(&mut f, "saraa", "Saraa", "en");
    let mut other = logged_in(&f.app, "saraa", "pw-123");
    let r = other.post_form(
        "/portal/feedback",
        &[("category", "inquiry"), ("text", "Hello")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

/// The limit is counted inside the write transaction: posts racing each other never get past it.
#[test]
fn concurrent_feedback_posts_never_exceed_the_limit() {
    let mut f = fixture();
    let bat = new_customer(&mut f, "bat", "Bat Erdene", "en");
    let me = logged_in(&f.app, "bat", "pw-123");
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let posts: Vec<_> = (0..16)
            .map(|i| {
                let mut b = f.app.portal_browser();
                b.cookies.clone_from(&me.cookies);
                b.csrf.clone_from(&me.csrf);
                s.spawn(move || {
                    b.post_form(
                        "/portal/feedback",
                        &[("category", "complaint"), ("text", &format!("Flood {i}"))],
                    )
                    .status
                })
            })
            .collect();
        posts.into_iter().map(|p| p.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        11,
        "{statuses:?}"
    );
    assert_eq!(feedback_of(&mut f, bat), 5);
}
