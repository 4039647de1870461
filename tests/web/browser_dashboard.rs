//! The dashboard in a real headless Chromium, over a year of a small ISP's life: the menu folded
//! and the cards two to a row on a phone, the charts legible there, and the screenshots in
//! `docs/screenshots/` taken from it.

use crate::helpers::{Browser, SimRouter, TestApp, api_client, start_sim};
use crate::webdriver::Driver;
use serde_json::json;

const NAMES: [&str; 18] = [
    "Бат-Эрдэнэ Дорж",
    "Сарантуяа Бат",
    "Ганбаатар Нямдорж",
    "Оюунчимэг Төмөр",
    "Энхбаяр Лхагва",
    "Цэцэгмаа Очир",
    "Болормаа Ганзориг",
    "Мөнхбат Сүх",
    "Нарантуяа Дашдорж",
    "Тэмүүлэн Эрдэнэ",
    "Алтанцэцэг Пүрэв",
    "Батзориг Жаргал",
    "Уянга Болд",
    "Хүрэлбаатар Цэнд",
    "Солонго Мягмар",
    "Ариунаа Батбаяр",
    "Дөлгөөн Энх",
    "Золбоо Ганбат",
];

/// Three routers (simulators), three packages, and twelve months of customers joining, paying
/// by different methods and now and then letting their service lapse; the clock moves a month
/// at a time so the charts have a year to show.
fn busy_isp() -> (TestApp, Browser, Vec<SimRouter>) {
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("year"));
    let sims: Vec<SimRouter> = (0..3).map(|_| start_sim("7.16")).collect();
    let routers: Vec<u64> = ["Төв салбар", "Зүүн салбар", "Баруун салбар"]
        .iter()
        .zip(&sims)
        .map(|(name, s)| {
            let r = api.send_json("POST", "/api/v1/routers", &json!({
                "name": name, "host": "127.0.0.1", "port": s.sim.addr().port(), "tls": false,
                "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all"
            }));
            assert_eq!(r.status, 201, "{}", r.body);
            r.json()["id"].as_u64().unwrap()
        })
        .collect();
    let plans: Vec<(u64, i64)> = [
        ("Гэр 10 Мбит/с", 3_500_000),
        ("Гэр 30 Мбит/с", 5_500_000),
        ("Байгууллага 100", 15_000_000),
    ]
    .iter()
    .map(|(name, price)| {
        let p = api.send_json("POST", "/api/v1/plans", &json!({
            "name": name, "kind": "hotspot", "price": price, "duration_days": 30, "duration_hours": 0,
            "download": "10M", "upload": "2M", "shared_users": 1
        }));
        assert_eq!(p.status, 201, "{}", p.body);
        (p.json()["id"].as_u64().unwrap(), *price)
    })
    .collect();
    let methods = ["cash", "bank_transfer", "card", "bank_transfer"];
    let mut customers: Vec<(u64, i64)> = Vec::new();
    for month in 0..12_usize {
        let joining = if month % 3 == 0 { 2 } else { 1 };
        for _ in 0..joining {
            let i = customers.len();
            let Some(name) = NAMES.get(i) else { break };
            let (plan, price) = plans[i % 3 / 2 + usize::from(i % 5 == 4)];
            let c = api.send_json("POST", "/api/v1/customers", &json!({
                "kind": "individual", "name": name, "phone": format!("9911{i:04}"), "email": "",
                "login": format!("user{i:02}"), "password": "pw-123", "router_id": routers[i % 3],
                "plan_id": plan, "status": "active", "expires_at": app.clock.now().to_string()
            }));
            assert_eq!(c.status, 201, "{}", c.body);
            customers.push((c.json()["id"].as_u64().unwrap(), price));
        }
        for (i, (id, price)) in customers.iter().enumerate() {
            // Now and then someone skips a month (and in the last, a few have not paid yet).
            let skips = if month == 11 {
                i % 6 == 1
            } else {
                (i + month) % 7 == 0
            };
            if skips {
                continue;
            }
            let p = api.send_json(
                "POST",
                "/api/v1/payments",
                &json!({
                    "customer_id": id, "amount": price, "method": methods[(i + month) % 4]
                }),
            );
            assert_eq!(p.status, 201, "{}", p.body);
        }
        if month < 11 {
            app.clock.advance(30 * 86_400 + 10 * 3600);
        }
    }
    (app, web, sims)
}

#[test]
fn the_dashboard_on_a_phone_and_a_desk_in_both_languages() {
    let (app, _web, _sims) = busy_isp();
    let d = Driver::start();
    d.set_window(1366, 900);
    d.login_as_boss(&app.url("/login?lang=en"));
    // The committed screenshots are refreshed on request only, so a test run leaves the
    // checkout clean: `STEPPE_SCREENSHOTS=1 cargo test --test web -- browser_dashboard`.
    let shots = if std::env::var_os("STEPPE_SCREENSHOTS").is_some() {
        "docs/screenshots"
    } else {
        "target"
    };
    std::fs::create_dir_all(shots).unwrap();
    d.goto(&app.url("/?lang=en"));
    d.wait_for_text("Revenue per month");
    d.screenshot(&format!("{shots}/dashboard-en.png"));
    d.goto(&app.url("/?lang=mn"));
    d.wait_for_text("Сарын орлого");
    d.screenshot(&format!("{shots}/dashboard-mn.png"));
    d.set_window(1366, 1900);
    d.screenshot("target/browser-dashboard-full.png");
    d.set_window(1366, 900);
    assert_eq!(
        d.eval("return getComputedStyle(document.querySelector('.menu-button')).display;"),
        "none",
        "on a desk the menu is always open, without a toggle"
    );

    d.set_window(390, 844);
    d.goto(&app.url("/"));
    d.wait_for_text("Сарын орлого");
    let shown = |css: &str| {
        d.eval(&format!(
            "return document.querySelector('{css}').getBoundingClientRect().height > 0;"
        ))
    };
    assert_eq!(
        shown("#menu-list"),
        false,
        "the menu starts folded on a phone"
    );
    assert_eq!(shown(".menu-button"), true, "with its toggle in view");
    d.click(".menu-button");
    assert_eq!(shown("#menu-list"), true, "the toggle opens it");
    assert!(
        d.text("nav.menu").contains("Харилцагч"),
        "{}",
        d.text("nav.menu")
    );
    d.click(".menu-button");
    assert_eq!(shown("#menu-list"), false, "and folds it again");

    // Cards two to a row: the first two share a top edge, the third starts the next row.
    let tops = d.eval(
        "return [...document.querySelectorAll('main > div.cards:not(.lists) > .card')].map(c => Math.round(c.getBoundingClientRect().top));",
    );
    let tops: Vec<i64> = tops
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(tops.len() >= 4, "{tops:?}");
    assert_eq!(tops[0], tops[1], "two cards on the first row: {tops:?}");
    assert!(tops[2] > tops[1], "the third on the next: {tops:?}");
    assert_eq!(tops[2], tops[3], "{tops:?}");
    let overflow = d.eval(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
    );
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "the dashboard overflows a phone by {overflow}px"
    );

    // Chart text keeps a readable size on the phone: no label drawn under 9 px.
    let smallest = d.eval(
        "return Math.min(...[...document.querySelectorAll('.chart svg text')].map(t => { const s = t.closest('svg'); return parseFloat(getComputedStyle(t).fontSize) * s.getBoundingClientRect().width / s.viewBox.baseVal.width; }));",
    );
    assert!(
        smallest.as_f64().unwrap() >= 9.0,
        "chart text drawn at {smallest}px on a phone"
    );
    d.screenshot("target/browser-dashboard-phone.png");
}
