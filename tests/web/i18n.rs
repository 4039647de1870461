//! Both languages render every page, with no English leaking into Mongolian pages.

use crate::helpers::TestApp;
use steppe::i18n::Msg;
use steppe::web::router::{Guard, table};

/// The GET pages behind `portal` (customer) or admin guards.
pub(crate) fn pages(portal: bool) -> Vec<String> {
    table()
        .iter()
        .filter(|r| r.method == "GET" && !r.is_api() && !matches!(r.guard, Guard::Public))
        .filter(|r| matches!(r.guard, Guard::Portal) == portal)
        .filter(|r| {
            // The pay pages and an invoice's page are checked in both languages by `selfpay`.
            ![
                "/setup",
                "/login",
                "/portal/login",
                "/pay",
                "/pay/{id}",
                "/portal/pay/{id}",
            ]
            .contains(&r.pattern)
                && !r.pattern.ends_with(".csv")
                && !r.pattern.ends_with(".xlsx")
                && !r.pattern.ends_with("/export")
        })
        .map(|r| {
            let id = if r.pattern.starts_with("/roles") {
                "viewer"
            } else {
                "1"
            };
            r.pattern.replace("{id}", id)
        })
        .collect()
}

#[test]
fn every_page_renders_in_both_languages() {
    let crate::helpers::Fixture {
        app: _app,
        web: mut b,
        mut api,
        router,
        plan,
    } = crate::helpers::fixture();
    let c = crate::helpers::customer(router, plan, "x", "2030-01-01T00:00:00Z");
    assert_eq!(api.send_json("POST", "/api/v1/customers", &c).status, 201);
    let bank =
        serde_json::json!({ "bank": "Khan Bank", "number": "5000123456", "holder": "TopNET LLC" });
    assert_eq!(
        api.send_json("POST", "/api/v1/bank-accounts", &bank).status,
        201
    );
    let pay = serde_json::json!({ "customer_id": 1, "amount": 3_500_000, "method": "cash" });
    assert_eq!(api.send_json("POST", "/api/v1/payments", &pay).status, 201);
    let ext = serde_json::json!({ "customer_id": 1, "days": 3, "free": true, "reason": "outage" });
    assert_eq!(
        api.send_json("POST", "/api/v1/extensions", &ext).status,
        201
    );
    let p = b.post_multipart(
        "/banners",
        &[
            ("title", "T"),
            ("text", ""),
            ("starts_on", "2020-01-01"),
            ("ends_on", "2099-01-01"),
            ("active", "on"),
        ],
        &[],
    );
    assert_eq!(p.status, 303);
    // A batch of voucher cards with PINs, so its pages and print view have cards to show.
    let key = b
        .get("/vouchers/new")
        .input_value("idempotency_key")
        .unwrap();
    let (router, plan) = (router.to_string(), plan.to_string());
    let v = b.post_form(
        "/vouchers",
        &[
            ("router_ids", router.as_str()),
            ("plan_id", plan.as_str()),
            ("count", "3"),
            ("style", "letters"),
            ("length", "8"),
            ("login_mode", "code_pin"),
            ("price", "1000"),
            ("validity", "first_login"),
            ("limit_uptime", "3h"),
            ("limit_bytes_total", "2G"),
            ("note", "market"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(v.status, 303, "{}", v.body);
    // An agent holding some of those cards, with a deposit, for the agents' pages.
    let a = b.post_form(
        "/agents",
        &[
            ("name", "Bat's shop"),
            ("pays_at", "handover"),
            ("credit_limit", "5000"),
            ("active", "on"),
            ("username", "shop1"),
            ("password", crate::helpers::ADMIN_PW),
            ("password2", crate::helpers::ADMIN_PW),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let key = b.get("/agents/1").input_value("idempotency_key").unwrap();
    let d = b.post_form(
        "/agents/1/deposit",
        &[
            ("amount", "2000"),
            ("method", "cash"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(d.status, 303, "{}", d.body);
    let key = b.get("/agents/1").input_value("idempotency_key").unwrap();
    let h = b.post_form(
        "/agents/1/stock",
        &[
            ("batch_id", "1"),
            ("count", "2"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(h.status, 303, "{}", h.body);
    // English texts that differ in Mongolian must not appear as text on Mongolian pages.
    let english: Vec<&str> = Msg::ALL
        .iter()
        .filter(|m| m.en() != m.mn() && m.en().len() > 3)
        .map(|m| m.en())
        .collect();
    // A customer's feedback, so its pages (portal and inbox) have something to show.
    let mut portal = crate::portal::logged_in(&_app, "x", "pw-123");
    let f = portal.post_form(
        "/portal/feedback",
        &[("category", "complaint"), ("text", "Slow in the evening")],
    );
    assert_eq!(f.status, 303, "{}", f.body);
    check_pages(&mut b, &pages(false), &english);
    check_pages(&mut portal, &pages(true), &english);
}

fn check_pages(b: &mut crate::helpers::Browser, paths: &[String], english: &[&str]) {
    for path in paths {
        for lang in ["en", "mn"] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let p = b.get(&format!("{path}{sep}lang={lang}"));
            assert_eq!(p.status, 200, "{path} in {lang}: {}", p.body);
            assert!(
                p.body.contains(&format!("<html lang=\"{lang}\"")),
                "{path} in {lang}"
            );
            // The audit log shows stored data, which may hold a literal "{}".
            if path != "/audit" {
                assert!(
                    !p.body.contains("{}"),
                    "{path} in {lang} has an unfilled placeholder"
                );
            }
            if lang == "mn" {
                for en in english {
                    assert!(
                        !p.body.contains(&format!(">{en}<")),
                        "{path}: English text {en:?} on a Mongolian page"
                    );
                }
            }
        }
    }
}

#[test]
fn the_language_choice_is_remembered_in_a_cookie() {
    let (app, _b) = TestApp::with_admin();
    let mut anon = app.browser();
    let p = anon.get("/login?lang=en");
    assert!(p.body.contains(Msg::LoginTitle.en()));
    assert!(p.header("set-cookie").is_some());
    let p = anon.get("/login");
    assert!(p.body.contains(Msg::LoginTitle.en()), "remembered");
    let p = anon.get("/login?lang=mn");
    assert!(p.body.contains(Msg::LoginTitle.mn()));
    assert!(anon.get("/login").body.contains(Msg::LoginTitle.mn()));
}

#[test]
fn an_admins_language_preference_applies_after_login() {
    let (app, mut b) = TestApp::with_admin();
    assert_eq!(
        b.post_form("/account/language", &[("lang", "en")]).status,
        303
    );
    let mut fresh = app.browser();
    fresh.login("boss", crate::helpers::ADMIN_PW);
    assert!(fresh.get("/").body.contains(Msg::MenuDashboard.en()));
    // The default language of the installation is Mongolian.
    assert!(
        app.browser()
            .get("/login")
            .body
            .contains(Msg::LoginTitle.mn())
    );
}
