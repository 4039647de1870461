//! The authorization matrix: every menu-guarded route × none/view/edit, for pages and API.
//! It walks the server's own route table, so a new route is covered the day it is added.

use crate::helpers::{ADMIN_PW, Browser, TestApp, api_client};
use serde_json::json;
use steppe::access::{Level, Menu};
use steppe::web::router::{Guard, table};

/// Routes that need no menu permission, each for a stated reason. A route missing here and
/// not guarded by a menu fails `every_route_has_a_deliberate_guard`.
const UNGUARDED: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/assets/{file}"),
    ("GET", "/logo"),
    ("GET", "/banner-image/{id}"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("POST", "/account/language"),
    ("POST", "/account/sessions/{id}/revoke"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{id}/revoke"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/me"),
    // The customer portal: its own login, and `Guard::Portal` (tested in portal.rs).
    ("GET", "/portal/login"),
    ("POST", "/portal/login"),
    ("POST", "/portal/logout"),
    ("GET", "/portal"),
    ("POST", "/portal/feedback"),
    ("GET", "/portal/feedback/{id}"),
    ("POST", "/portal/feedback/{id}"),
    ("GET", "/portal/pay"),
    ("POST", "/portal/pay"),
    ("GET", "/portal/pay/{id}"),
    // Paying without a login: the caller is found by their address, and shown nothing personal
    // (selfpay/address.rs); QPay's callback is a hint that changes nothing by itself.
    ("GET", "/pay"),
    ("POST", "/pay"),
    ("GET", "/pay/{id}"),
    ("GET", "/qpay/callback"),
];

#[test]
fn every_route_has_a_deliberate_guard() {
    for r in table() {
        if !matches!(r.guard, Guard::Menu(..) | Guard::All(..)) {
            assert!(
                UNGUARDED.contains(&(r.method.as_str(), r.pattern)),
                "{} {} is not menu-guarded; guard it or justify it in UNGUARDED",
                r.method,
                r.pattern
            );
        }
    }
}

fn concrete(pattern: &str, admin_id: u64) -> String {
    let id = if pattern.contains("/admins/") {
        admin_id.to_string()
    } else if pattern.contains("/roles/") {
        "viewer".into()
    } else {
        "999999".into()
    };
    pattern.replace("{id}", &id)
}

fn request(b: &mut Browser, method: &str, path: &str) -> crate::helpers::Page {
    match (method, path.starts_with("/api/")) {
        ("GET", _) => b.get(path),
        (_, true) => b.send_json(method, path, &json!({})),
        ("POST", false) => b.post_form(path, &[]),
        (m, _) => panic!("unexpected method {m}"),
    }
}

#[test]
fn every_menu_route_enforces_none_view_edit() {
    let (app, mut boss) = TestApp::with_admin();
    let boss_token = boss.create_token("matrix");
    let mut su = api_client(&app, &boss_token);
    let nothing = json!({ "id": "nothing", "name": "Nothing", "grants": {} });
    assert_eq!(su.send_json("POST", "/api/v1/roles", &nothing).status, 201);
    let probe = su.send_json("POST", "/api/v1/admins", &json!({ "username": "probe", "full_name": "Probe", "role_id": "nothing", "password": ADMIN_PW }));
    assert_eq!(probe.status, 201, "{}", probe.body);
    let probe_id = probe.json()["id"].as_u64().unwrap();
    let target = su.send_json("POST", "/api/v1/admins", &json!({ "username": "target", "full_name": "Target", "role_id": "viewer", "password": ADMIN_PW }));
    let target_id = target.json()["id"].as_u64().unwrap();

    let mut web = app.browser();
    assert_eq!(web.login("probe", ADMIN_PW).status, 303);
    let probe_token = web.create_token("probe");
    let mut api = api_client(&app, &probe_token);

    let routes: Vec<_> = table()
        .into_iter()
        .filter_map(|r| match r.guard {
            Guard::Menu(m, l) => Some((r.method.as_str().to_string(), r.pattern, vec![(m, l)])),
            Guard::All(needs) => Some((r.method.as_str().to_string(), r.pattern, needs.to_vec())),
            _ => None,
        })
        .collect();
    assert!(routes.len() > 20);

    for menu in Menu::ALL {
        for level in Level::ALL {
            let patch = su.send_json(
                "PATCH",
                &format!("/api/v1/admins/{probe_id}"),
                &json!({ "overrides": { menu.id(): level } }),
            );
            assert_eq!(patch.status, 200, "{}", patch.body);
            for (method, pattern, needs) in &routes {
                let path = concrete(pattern, target_id);
                let allowed = needs.iter().all(|(m, l)| *m == menu && level >= *l);
                let client = if pattern.starts_with("/api/") {
                    &mut api
                } else {
                    &mut web
                };
                let p = request(client, method, &path);
                if allowed {
                    assert!(
                        p.status != 403 && p.status != 401 && !p.location().starts_with("/login"),
                        "{method} {path} must be allowed with {menu:?}={level:?}, got {} {}",
                        p.status,
                        p.body.chars().take(300).collect::<String>()
                    );
                } else {
                    assert_eq!(
                        p.status, 403,
                        "{method} {path} must be refused with only {menu:?}={level:?}"
                    );
                }
            }
        }
    }
    // The probe changed nothing it was not allowed to: the target admin is as created.
    let t = su.get(&format!("/api/v1/admins/{target_id}")).json();
    assert_eq!(t["full_name"], "Target");
}

#[test]
fn without_a_session_every_private_route_is_closed() {
    let (app, _boss) = TestApp::with_admin();
    let mut anon = app.browser();
    let mut anon_phone = app.portal_browser();
    for r in table() {
        if matches!(r.guard, Guard::Public | Guard::Anonymous) {
            continue;
        }
        let path = concrete(r.pattern, 1);
        let b = if matches!(r.guard, Guard::Portal) {
            &mut anon_phone
        } else {
            &mut anon
        };
        let p = request(b, r.method.as_str(), &path);
        if r.pattern.starts_with("/api/") {
            assert_eq!(p.status, 401, "{} {path}", r.method);
            assert_eq!(p.json()["error"]["code"], "unauthorized");
        } else if r.method == "GET" && matches!(r.guard, Guard::Portal) {
            assert!(
                p.location().starts_with("/portal/login?next="),
                "{} {path}: {} {}",
                r.method,
                p.status,
                p.location()
            );
        } else if r.method == "GET" {
            assert!(
                p.location().starts_with("/login?next="),
                "{} {path}: {} {}",
                r.method,
                p.status,
                p.location()
            );
        } else {
            assert!(
                p.status == 303 || p.status == 403,
                "{} {path}: {}",
                r.method,
                p.status
            );
        }
    }
    // A made-up token is no better.
    let mut forged = api_client(
        &app,
        "stp_0000000000000000000000000000000000000000000000000000000000000000",
    );
    assert_eq!(forged.get("/api/v1/me").status, 401);
}

#[test]
fn navigation_shows_only_permitted_menus() {
    let (app, mut boss) = TestApp::with_admin();
    let p = boss.post_form(
        "/admins",
        &[
            ("username", "kasa"),
            ("full_name", "Cashier"),
            ("role_id", "cashier"),
            ("active", "on"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let mut c = app.browser();
    c.login("kasa", ADMIN_PW);
    let home = c.get("/?lang=en");
    assert!(home.body.contains("href=\"/\""));
    for forbidden in [
        "href=\"/admins\"",
        "href=\"/settings\"",
        "href=\"/audit\"",
        "href=\"/banners\"",
    ] {
        assert!(
            !home.body.contains(forbidden),
            "cashier must not see {forbidden}"
        );
    }
    let boss_home = boss.get("/");
    for link in [
        "href=\"/admins\"",
        "href=\"/settings\"",
        "href=\"/audit\"",
        "href=\"/banners\"",
    ] {
        assert!(boss_home.body.contains(link), "super admin sees {link}");
    }
    assert_eq!(c.get("/settings").status, 403);
}

#[test]
fn the_last_super_admin_cannot_lock_everyone_out() {
    let (_app, mut boss) = TestApp::with_admin();
    let p = boss.post_form(
        "/admins/1",
        &[
            ("username", "boss"),
            ("full_name", "Boss"),
            ("role_id", "viewer"),
        ],
    );
    assert_eq!(p.status, 422, "demoting the only super admin is refused");
    let p = boss.post_form(
        "/admins/1",
        &[
            ("username", "boss"),
            ("full_name", "Boss"),
            ("role_id", "super_admin"),
        ],
    );
    assert_eq!(
        p.status, 422,
        "deactivating the only super admin is refused"
    );
    let p = boss.post_form(
        "/roles/super_admin",
        &[("name", "Super admin"), ("grant_admins", "view")],
    );
    assert_eq!(
        p.status, 409,
        "taking admin rights from the only admin's role is refused"
    );
    assert_eq!(boss.get("/admins").status, 200);
}
