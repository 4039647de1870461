//! Customers paying for themselves with QPay, through the real server, a fake QPay speaking its
//! public API over HTTP and a simulated router: invoice → callback or polling → an ordinary
//! payment → the router enables the customer; and every way it can go wrong.

mod address;
mod failures;

use crate::helpers::fake_qpay::FakeQPay;
use crate::helpers::{Browser, SimRouter, TestApp, api_client, eventually, start_sim};
use serde_json::json;
use std::time::Instant;
use steppe::i18n::Msg;

pub struct Paying {
    pub app: TestApp,
    pub web: Browser,
    pub api: Browser,
    pub token: String,
    pub sim: SimRouter,
    pub qpay: FakeQPay,
    pub router: u64,
    pub plan: u64,
    /// Expired yesterday: the pay page is what they need.
    pub bat: u64,
}

pub fn disabled(sim: &SimRouter, menu: &str, login: &str) -> Option<bool> {
    sim.sim
        .find(menu, login)
        .and_then(|u| u.get("disabled").map(|d| d == "true" || d == "yes"))
}

/// Settings → QPay as an operator fills it in.
pub fn settings_form(qpay: &FakeQPay, callback_base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("enabled", "on".into()),
        ("base_url", qpay.url()),
        ("client_id", FakeQPay::CLIENT_ID.into()),
        ("client_secret", FakeQPay::CLIENT_SECRET.into()),
        ("invoice_code", FakeQPay::INVOICE_CODE.into()),
        ("branch_code", String::new()),
        ("callback_base", callback_base.into()),
        ("invoice_minutes", "30".into()),
        ("pay_address", "http://10.5.50.2:8081".into()),
        ("garden_hosts", "*.khanbank.com".into()),
    ]
}

pub fn configure(web: &mut Browser, qpay: &FakeQPay, callback_base: &str) {
    let form = settings_form(qpay, callback_base);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = web.post_form("/settings/qpay", &fields);
    assert_eq!(r.status, 303, "{}", r.body);
}

/// A server with a simulated router, a 35,000₮ hotspot package, Bat (expired yesterday), a
/// bank account, and QPay set up against the fake; `callback` names the portal as QPay's
/// callback address (otherwise Steppe polls alone).
pub fn paying(callback: bool) -> Paying {
    let sim = start_sim("7.16");
    let qpay = FakeQPay::start();
    let (app, mut web) = TestApp::with_admin();
    let token = web.create_token("selfpay");
    let mut api = api_client(&app, &token);
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Tower A", "host": "127.0.0.1", "port": sim.sim.addr().port(), "tls": false,
        "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all", "pppoe": true
    }));
    assert_eq!(r.status, 201, "{}", r.body);
    let router = r.json()["id"].as_u64().unwrap();
    let p = api.send_json("POST", "/api/v1/plans", &json!({
        "name": "Home 10", "kind": "hotspot", "price": 3_500_000, "duration_days": 30, "duration_hours": 0,
        "download": "10M", "upload": "2M", "shared_users": 1
    }));
    assert_eq!(p.status, 201, "{}", p.body);
    let plan = p.json()["id"].as_u64().unwrap();
    let yesterday = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24)).to_string();
    let c = api.send_json("POST", "/api/v1/customers", &json!({
        "kind": "individual", "name": "Bat Erdene", "phone": "99112233", "login": "bat", "password": "pw-123",
        "router_id": router, "plan_id": plan, "status": "active", "expires_at": yesterday
    }));
    assert_eq!(c.status, 201, "{}", c.body);
    let bat = c.json()["id"].as_u64().unwrap();
    let bank = json!({ "bank": "Khan Bank", "number": "5000123456", "holder": "TopNET LLC" });
    assert_eq!(
        api.send_json("POST", "/api/v1/bank-accounts", &bank).status,
        201
    );
    let base = if callback {
        app.portal_url("")
    } else {
        String::new()
    };
    configure(&mut web, &qpay, &base);
    eventually(10, "Bat on the router, disabled", || {
        disabled(&sim, "/ip/hotspot/user", "bat") == Some(true)
    });
    Paying {
        app,
        web,
        api,
        token,
        sim,
        qpay,
        router,
        plan,
        bat,
    }
}

/// Bat signs in to the portal and opens an invoice; the invoice page's path.
pub fn open_invoice(me: &mut Browser, plan: u64) -> String {
    let r = me.post_form("/portal/pay", &[("plan_id", &plan.to_string())]);
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location().to_string();
    assert!(to.starts_with("/portal/pay/"), "{to}");
    to
}

pub fn payments_of(api: &mut Browser, customer: u64) -> Vec<serde_json::Value> {
    api.get(&format!("/api/v1/payments?customer_id={customer}"))
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_customer_pays_by_qpay_from_the_portal_and_is_back_online() {
    let mut p = paying(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    let home = me.get("/portal?lang=en");
    assert!(home.body.contains("href=\"/portal/pay\""), "{}", home.body);
    assert!(home.body.contains(Msg::PayRenew.en()));
    let offer = me.get("/portal/pay?lang=en");
    assert_eq!(offer.status, 200);
    for needle in ["Home 10", "35,000", Msg::PayWithQPay.en(), "Khan Bank"] {
        assert!(offer.body.contains(needle), "{needle}: {}", offer.body);
    }

    let path = open_invoice(&mut me, p.plan);
    let page = me.get(&format!("{path}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "the QR is drawn on the page");
    assert!(page.body.contains(Msg::ScanToPay.en()));
    assert!(
        page.body.contains("data-refresh"),
        "the page refreshes itself"
    );
    assert!(page.body.contains("href=\"khanbank://"), "{}", page.body);
    let mn = me.get(&format!("{path}?lang=mn"));
    assert!(mn.body.contains(Msg::ScanToPay.mn()));
    assert!(!mn.body.contains(&format!(">{}<", Msg::ScanToPay.en())));

    // Another customer cannot see or pay through Bat's invoice.
    let dorj = p.api.send_json("POST", "/api/v1/customers", &json!({
        "kind": "individual", "name": "Dorj", "login": "dorj", "password": "pw-456",
        "router_id": p.router, "plan_id": p.plan, "status": "active", "expires_at": "2099-01-01T00:00:00Z"
    }));
    assert_eq!(dorj.status, 201, "{}", dorj.body);
    let mut other = crate::portal::logged_in(&p.app, "dorj", "pw-456");
    assert_eq!(other.get(&path).status, 404);

    // QPay was asked for exactly what is due, with a callback to the portal listener.
    let invoices = p.qpay.invoices();
    assert_eq!(invoices.len(), 1);
    let number = invoices[0].sender_invoice_no.clone();
    assert_eq!(invoices[0].amount, 35_000, "whole tögrög");
    assert!(
        invoices[0]
            .callback_url
            .starts_with(&p.app.portal_url("/qpay/callback?invoice=")),
        "{}",
        invoices[0].callback_url
    );
    // The admin listener does not answer QPay's callback.
    assert_eq!(
        p.web
            .get(&format!("/qpay/callback?invoice={number}"))
            .status,
        404
    );

    let payment_id = p.qpay.pay(&number, 35_000);
    let paid_at = Instant::now();
    assert_eq!(p.qpay.call_back(&number), 200);
    eventually(10, "the payment recorded", || {
        payments_of(&mut p.api, p.bat).len() == 1
    });
    eventually(10, "the router enables Bat", || {
        disabled(&p.sim, "/ip/hotspot/user", "bat") == Some(false)
    });
    println!(
        "self-pay: enabled on the router {:.2} s after QPay's callback",
        paid_at.elapsed().as_secs_f64()
    );
    let pay = &payments_of(&mut p.api, p.bat)[0];
    assert_eq!(pay["method"], "qpay");
    assert_eq!(pay["amount"], 3_500_000);
    assert_eq!(pay["reference"], payment_id.as_str());
    let c = p.api.get(&format!("/api/v1/customers/{}", p.bat)).json();
    assert_eq!(c["status"], "active", "{c}");

    let done = me.get(&format!("{path}?lang=en"));
    assert!(
        done.body.contains(Msg::PaidYouAreOnline.en()),
        "{}",
        done.body
    );
    assert!(
        !done.body.contains("data-refresh"),
        "a paid page stops refreshing"
    );

    // More callbacks (QPay retries) change nothing.
    for _ in 0..3 {
        assert_eq!(p.qpay.call_back(&number), 200);
    }
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 1);

    // The admin side: the invoice, its payment and customer; QPay as the actor; the reports.
    let list = p.web.get("/qpay/invoices?lang=en&status=paid");
    assert_eq!(list.status, 200);
    let pid = pay["id"].as_u64().unwrap();
    for needle in [
        number.as_str(),
        "Bat Erdene",
        &format!("href=\"/payments/{pid}\""),
        Msg::InvoicePaid.en(),
    ] {
        assert!(list.body.contains(needle), "{needle}: {}", list.body);
    }
    let listed = p.api.get("/api/v1/qpay/invoices?status=paid").json();
    assert_eq!(listed["matched"], 1);
    assert_eq!(listed["items"][0]["payment_ids"], json!([pid]));
    assert_eq!(listed["items"][0]["customer_name"], "Bat Erdene");
    assert_eq!(
        p.api.get("/api/v1/qpay/invoices?status=open").json()["matched"],
        0
    );
    let status = p.api.get("/api/v1/qpay/status").json();
    assert_eq!(status["usable"], true, "{status}");
    assert_eq!(status["failing"], false, "{status}");
    assert_eq!(status["confirmation"], "callback_and_polling");
    let audit = p.api.get("/api/v1/audit?who=qpay").json();
    assert!(
        audit["items"]
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["actor"]["username"] == "QPay")),
        "{audit}"
    );
    let revenue = p.api.get("/api/v1/reports/revenue").json();
    assert_eq!(
        revenue["totals"]["by_method"]["qpay"], 3_500_000,
        "{revenue}"
    );
    let dash = p.api.get("/api/v1/dashboard").json();
    assert_eq!(dash["revenue_by_method"]["qpay"], 3_500_000, "{dash}");
    let payments_page = p.web.get("/payments?lang=mn");
    assert!(payments_page.body.contains(">QPay<"), "the method's name");
}

#[test]
fn polling_alone_confirms_a_payment_without_any_callback() {
    let mut p = paying(false);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    let path = open_invoice(&mut me, p.plan);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    assert!(
        p.qpay.invoices()[0]
            .callback_url
            .starts_with("http://10.5.50.2:8081/qpay/callback?invoice="),
        "QPay requires a callback address: without a public one, the pay address"
    );
    p.qpay.pay(&number, 35_000);
    let paid_at = Instant::now();
    // The customer's phone keeps the page open, reloading it as its script does.
    eventually(20, "the page says paid", || {
        me.get(&format!("{path}?lang=en"))
            .body
            .contains(Msg::PaidYouAreOnline.en())
    });
    println!(
        "self-pay: polling saw the payment {:.2} s after it was made",
        paid_at.elapsed().as_secs_f64()
    );
    eventually(10, "the router enables Bat", || {
        disabled(&p.sim, "/ip/hotspot/user", "bat") == Some(false)
    });
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 1);
    // Nothing is open any more: QPay is not asked again.
    let checks = p.qpay.count("/v2/payment/check");
    assert!(checks <= 10, "{checks} checks for one payment");
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(p.qpay.count("/v2/payment/check"), checks);
    assert_eq!(
        p.api.get("/api/v1/qpay/status").json()["confirmation"],
        "polling"
    );
}

#[test]
fn duplicate_callbacks_racing_polls_make_one_payment() {
    let mut p = paying(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    let path = open_invoice(&mut me, p.plan);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    p.qpay.pay(&number, 35_000);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..5 {
                    p.qpay.call_back(&number);
                }
            });
        }
        s.spawn(|| {
            for _ in 0..5 {
                me.get(&path);
            }
        });
    });
    eventually(15, "the invoice paid", || {
        p.api.get("/api/v1/qpay/invoices?status=paid").json()["matched"] == 1
    });
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 1, "one payment");
    // Twenty callbacks did not make twenty checks.
    let checks = p.qpay.count("/v2/payment/check");
    assert!(checks < 10, "{checks} checks");
}

#[test]
fn an_open_invoice_is_resolved_after_a_restart() {
    let p = paying(false);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    open_invoice(&mut me, p.plan);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    let Paying {
        app,
        token,
        qpay,
        sim,
        bat,
        ..
    } = p;
    let dir = app.stop();
    qpay.pay(&number, 35_000);
    let app = TestApp::start_in(dir, steppe::web::Tls::Off);
    let mut api = api_client(&app, &token);
    eventually(30, "the payment recorded after the restart", || {
        payments_of(&mut api, bat).len() == 1
    });
    eventually(10, "the router enables Bat", || {
        disabled(&sim, "/ip/hotspot/user", "bat") == Some(false)
    });
}

#[test]
fn qpay_settings_refuse_bad_input_keep_the_secret_and_offer_the_login_page_link() {
    let (app, mut web) = TestApp::with_admin();
    let qpay = FakeQPay::start();
    let bad = web.post_form(
        "/settings/qpay?lang=en",
        &[
            ("enabled", "on"),
            ("base_url", "merchant.qpay.mn"),
            ("client_id", ""),
            ("invoice_minutes", "2"),
            ("garden_hosts", "bank.mn\nnot a host"),
        ],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    for needle in [
        Msg::InvalidWebAddress.en(),
        Msg::InvalidHostName.en(),
        Msg::Required.en(),
    ] {
        assert!(bad.body.contains(needle), "{needle}: {}", bad.body);
    }
    assert!(
        bad.body.contains("not a host"),
        "the form keeps what was typed"
    );
    let token = web.create_token("t");
    let mut api = api_client(&app, &token);
    assert_eq!(
        api.get("/api/v1/qpay/status").json()["enabled"],
        false,
        "nothing saved"
    );

    configure(&mut web, &qpay, "");
    let page = web.get("/settings/qpay?lang=en");
    assert!(
        !page.body.contains(FakeQPay::CLIENT_SECRET),
        "the secret is never shown"
    );
    assert!(page.body.contains(Msg::QPaySecretStored.en()));
    // Saving again without a secret keeps the stored one.
    configure_without_secret(&mut web, &qpay);
    let s = api.get("/api/v1/qpay/status").json();
    assert_eq!(s["usable"], true, "{s}");
    let audit = api.get("/api/v1/audit?entity=qpay_settings").json();
    let summaries: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["summary"].as_str())
        .collect();
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("client_secret: changed")),
        "{summaries:?}"
    );
    assert!(
        !summaries
            .iter()
            .any(|s| s.contains(FakeQPay::CLIENT_SECRET))
    );

    // QPay charges tögrög: books kept in dollars cannot turn it on.
    let s = web.post_multipart(
        "/settings",
        &[
            ("company_name", "TopNET"),
            ("currency_code", "USD"),
            ("currency_symbol", "$"),
            ("currency_exponent", "2"),
            ("time_zone", ""),
            ("default_lang", "mn"),
            ("payment_methods", "cash"),
        ],
        &[],
    );
    assert_eq!(s.status, 303, "{}", s.body);
    let form = settings_form(&qpay, "");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = web.post_form("/settings/qpay?lang=en", &fields);
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains(Msg::QPayNeedsMnt.en()),
        "{}",
        refused.body
    );

    let snippet = web.get("/settings/qpay/login-page?lang=mn");
    assert_eq!(snippet.status, 200);
    assert!(
        snippet
            .body
            .contains("href=&quot;http://10.5.50.2:8081/pay&quot;"),
        "{}",
        snippet.body
    );
    assert!(snippet.body.contains("$(if error)"));
}

fn configure_without_secret(web: &mut Browser, qpay: &FakeQPay) {
    let r = web.post_form(
        "/settings/qpay",
        &[
            ("enabled", "on"),
            ("base_url", &qpay.url()),
            ("client_id", FakeQPay::CLIENT_ID),
            ("client_secret", ""),
            ("invoice_code", FakeQPay::INVOICE_CODE),
            ("invoice_minutes", "20"),
            ("pay_address", "http://10.5.50.2:8081"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn a_flood_of_callbacks_makes_at_most_one_check_per_two_seconds() {
    let p = paying(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    open_invoice(&mut me, p.plan);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    let before = p.qpay.count("/v2/payment/check");
    let started = Instant::now();
    for _ in 0..25 {
        assert_eq!(p.qpay.call_back(&number), 200);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let checks = p.qpay.count("/v2/payment/check") - before;
    let secs = started.elapsed().as_secs_f64();
    // One per 2 s from callbacks, and the pay page's own every 3 s, over about 6 s.
    assert!(
        checks <= 8,
        "{checks} checks in {secs:.1} s for 25 callbacks"
    );
    assert!(checks >= 2, "callbacks still cause checks: {checks}");
    // A guessed number (the id without its tag) is not taken for the invoice.
    let guessed = number.rsplit_once('-').unwrap().0.to_string();
    let before = p.qpay.count("/v2/payment/check");
    let mut qpay_side = p.app.portal_browser();
    for _ in 0..5 {
        let r = qpay_side.get(&format!("/qpay/callback?invoice={guessed}"));
        assert_eq!(r.status, 200);
    }
    std::thread::sleep(std::time::Duration::from_secs(4));
    let after = p.qpay.count("/v2/payment/check") - before;
    assert!(
        after <= 2,
        "{after} checks from guessed numbers (the page's own: at most 2)"
    );
}
