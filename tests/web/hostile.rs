//! Hostile input against every state-changing route: bodies that are not UTF-8, not JSON, not a
//! form, oversized, and every documented API field set to control characters, oversized text,
//! script, path traversal, negative and huge numbers and wrong types. Each must be answered
//! with a clear 4xx (never a 5xx), store nothing it refuses, and render nothing unescaped. Also
//! an expired session, a portal session and a forged CSRF token on every route.

use crate::contract::{Documented, resolve};
use crate::helpers::{Browser, api_client};
use crate::helpers::{customer, fixture};
use serde_json::{Value, json};
use steppe::web::router::{Guard, table};

const SCRIPT: &str = "<script>alert(1)</script>";

/// Each page answers 200 with no script rendered unescaped.
fn render_escaped(web: &mut Browser, paths: &[&str]) {
    for path in paths {
        let p = web.get(path);
        assert_eq!(p.status, 200, "{path}");
        assert!(
            !p.body.contains(SCRIPT),
            "{path} renders a script unescaped"
        );
    }
}

/// Values a field of this JSON type may be sent, all of them wrong or hostile.
fn hostile_values(kind: &str) -> Vec<Value> {
    let mut v = vec![
        json!("\u{0}\u{7}\u{1b}[2J"),
        json!("x".repeat(20_000)),
        json!(SCRIPT),
        json!("../../../../etc/passwd"),
        json!(-1),
        json!(-9_223_372_036_854_775_808_i64),
        json!(1e300),
        json!(18_446_744_073_709_551_615_u64),
        json!(null),
        json!([SCRIPT]),
        json!({ "$gt": "" }),
        json!(true),
    ];
    if kind == "integer" {
        v.push(json!("12; DROP TABLE customers"));
    }
    v
}

/// The newest audit entry's id: every change writes one in its own transaction.
fn changes(api: &mut Browser) -> u64 {
    api.get("/api/v1/audit").json()["items"][0]["id"]
        .as_u64()
        .unwrap_or(0)
}

/// A path with `{id}` filled: the role `viewer`, admin `admin_id` (never the admin acting, whose
/// password change would end the test's own sessions), else record 1.
pub fn concrete_for(pattern: &str, admin_id: u64) -> String {
    let id = if pattern.contains("/roles/") {
        "viewer".to_string()
    } else if pattern.contains("/admins/") {
        admin_id.to_string()
    } else {
        "1".to_string()
    };
    pattern.replace("{id}", &id)
}

fn concrete(pattern: &str) -> String {
    concrete_for(pattern, 999_999)
}

/// The fixture with a customer (login `login`, password `pw-123`) and a second admin, whose id
/// is returned: the one whose password the fuzzing may change, never the acting admin's.
pub fn seeded(login: &str) -> (crate::helpers::Fixture, u64) {
    let mut f = fixture();
    let c = f.api.send_json(
        "POST",
        "/api/v1/customers",
        &customer(f.router, f.plan, login, "2099-01-01T00:00:00Z"),
    );
    assert_eq!(c.status, 201);
    let target = f.api.send_json(
        "POST",
        "/api/v1/admins",
        &json!({ "username": "target", "full_name": "Target", "role_id": "viewer", "password": "target password 1" }),
    );
    assert_eq!(target.status, 201, "{}", target.body);
    let target = target.json()["id"].as_u64().unwrap();
    (f, target)
}

/// Every page that lists what hostile input may have created.
const LIST_PAGES: &[&str] = &[
    "/customers",
    "/plans",
    "/routers",
    "/admins",
    "/roles",
    "/bank-accounts",
    "/banners",
    "/feedback",
    "/messages",
    "/audit",
];

#[test]
fn every_api_field_refuses_hostile_values_without_a_5xx_or_a_stray_write() {
    let (mut f, target) = seeded("target");
    let doc = f.api.get("/api/v1/openapi.json").json();
    let mut seen = Documented::fetch(&mut f.api);
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "patch"] {
            let Some(op) = item.get(method) else { continue };
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let schema = resolve(&doc, schema);
            let Some(props) = schema["properties"].as_object() else {
                continue;
            };
            let url = format!("/api/v1{}", concrete_for(path, target));
            for (field, prop) in props {
                let kind = resolve(&doc, prop)["type"].as_str().unwrap_or("string");
                for value in hostile_values(kind) {
                    let before = changes(&mut f.api);
                    let body = json!({ field.as_str(): value });
                    let r = f.api.send_json(&method.to_uppercase(), &url, &body);
                    seen.saw(method, &url, r.status);
                    tried += 1;
                    assert!(
                        r.status < 500,
                        "{method} {url} {field}={value}: {} {}",
                        r.status,
                        r.body
                    );
                    if r.status >= 400 {
                        assert!(
                            r.json()["error"]["code"].is_string(),
                            "{method} {url} {field}: an error without a code: {}",
                            r.body
                        );
                        assert_eq!(
                            changes(&mut f.api),
                            before,
                            "{method} {url} {field}={value}: refused ({}) but something was written",
                            r.status
                        );
                    }
                }
            }
        }
    }
    assert!(tried > 500, "only {tried} hostile requests were made");
    seen.check();
    // Whatever was accepted renders escaped on every page that shows it.
    render_escaped(&mut f.web, LIST_PAGES);
}

#[test]
fn broken_bodies_get_a_clear_4xx_on_every_state_changing_route() {
    let mut f = fixture();
    let token = {
        let mut web = f.app.browser();
        web.login(crate::helpers::ADMIN, crate::helpers::ADMIN_PW);
        web.create_token("hostile")
    };
    let mut seen = Documented::fetch(&mut f.api);
    let bodies: [(&str, Vec<u8>); 4] = [
        ("application/json", vec![0xff, 0xfe, 0x00, b'{']),
        ("application/json", b"{\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".to_vec()),
        ("application/x-www-form-urlencoded", vec![b'a', b'=', 0xc3, 0x28, b'&', b'%', b'Z', b'Z']),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"../../../etc/passwd\"\r\n\r\nroot\r\n--y--".to_vec()),
    ];
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut checked = 0;
    for r in table() {
        if r.method == "GET" {
            continue;
        }
        let path = concrete(r.pattern);
        for (ctype, body) in &bodies {
            let mut req = ureq::http::Request::builder()
                .method(r.method.as_str())
                .uri(f.app.url(&path))
                .header("Content-Type", *ctype);
            if r.is_api() {
                req = req.header("Authorization", format!("Bearer {token}"));
            }
            let resp = agent
                .run(req.body(body.clone()).unwrap())
                .expect("a response");
            let status = resp.status().as_u16();
            if r.is_api() {
                seen.saw(r.method.as_str(), &path, status);
            }
            // Routes that read no body may succeed, but never fail on the server's side.
            let ok = if r.method == "DELETE" || r.pattern == "/api/v1/backup" {
                status < 500
            } else {
                (300..500).contains(&status)
            };
            assert!(ok, "{} {path} with {ctype}: {status}", r.method);
            checked += 1;
        }
    }
    assert!(checked > 100);
    // An oversized body is refused before it is read whole.
    let big = vec![b'a'; 5 * 1024 * 1024];
    let resp = agent
        .post(&f.app.url("/api/v1/customers"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(&big[..]);
    if let Ok(r) = resp {
        assert_eq!(r.status().as_u16(), 413);
        seen.saw("POST", "/api/v1/customers", 413);
    }
    seen.check();
}

#[test]
fn expired_sessions_portal_sessions_and_forged_csrf_open_nothing() {
    let mut f = fixture();
    let c = customer(f.router, f.plan, "porter", "2099-01-01T00:00:00Z");
    assert_eq!(f.api.send_json("POST", "/api/v1/customers", &c).status, 201);
    let phone = crate::portal::logged_in(&f.app, "porter", "pw-123");
    // The same cookies and token, sent to the admin listener as a browser would.
    let mut portal = f.app.browser();
    portal.cookies = phone.cookies.clone();
    portal.csrf = phone.csrf.clone();
    let mut stale = f.app.browser();
    stale.login(crate::helpers::ADMIN, crate::helpers::ADMIN_PW);
    let before = changes(&mut f.api);
    let mut seen = Documented::fetch(&mut f.api);
    // The forged token: the right length, the wrong value.
    let forged = "f".repeat(64);
    for r in table() {
        if matches!(r.guard, Guard::Public | Guard::Anonymous | Guard::Portal) {
            continue;
        }
        let path = concrete(r.pattern);
        // A portal session opens no admin page or API.
        let p = match (r.method.as_str(), r.is_api()) {
            ("GET", _) => portal.get(&path),
            (m, true) => portal.send_json(m, &path, &json!({})),
            (_, false) => portal.post_form(&path, &[]),
        };
        if r.is_api() {
            seen.saw(r.method.as_str(), &path, p.status);
            assert_eq!(p.status, 401, "portal session on {} {path}", r.method);
        } else {
            assert!(
                p.location().starts_with("/login"),
                "portal session on {} {path}: {} {}",
                r.method,
                p.status,
                p.location()
            );
        }
        // A signed-in admin with a forged CSRF token changes nothing.
        if r.method != "GET" && !r.is_api() {
            let p = f.web.post_form_raw(&path, &[("_csrf", forged.as_str())]);
            assert_eq!(p.status, 403, "forged CSRF on {} {path}", r.method);
        }
        if r.method != "GET" && r.is_api() {
            // Cookie-authenticated API calls need the X-CSRF-Token header.
            let p = f.web.send_json(r.method.as_str(), &path, &json!({}));
            seen.saw(r.method.as_str(), &path, p.status);
            assert!(
                p.status == 403 || p.status == 401,
                "cookie API call without CSRF header on {} {path}: {}",
                r.method,
                p.status
            );
        }
    }
    assert_eq!(changes(&mut f.api), before, "nothing was written");
    seen.check();

    // Nine idle hours later the admin session has expired everywhere.
    f.app.clock.advance(9 * 3600);
    for r in table() {
        if r.method != "GET" || !matches!(r.guard, Guard::Menu(..) | Guard::LoggedIn) || r.is_api()
        {
            continue;
        }
        let path = concrete(r.pattern);
        let p = stale.get(&path);
        assert!(
            p.location().starts_with("/login"),
            "expired session on {path}: {} {}",
            p.status,
            p.location()
        );
    }
    let mut again = api_client(&f.app, "stp_nope");
    assert_eq!(again.get("/api/v1/me").status, 401);
}

/// A POST form of a page.
struct PageForm {
    action: String,
    multipart: bool,
    /// Field names with their rendered values.
    fields: Vec<(String, String)>,
}

fn forms(html: &str) -> Vec<PageForm> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = tag[at..].find('"')?;
        Some(tag[at..at + end].replace("&amp;", "&"))
    };
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let body = &rest[start..];
        let end = body.find("</form>").unwrap_or(body.len());
        let form = &body[..end];
        rest = &body[end.min(body.len())..];
        let open = &form[..form.find('>').unwrap_or(form.len())];
        if attr(open, "method").as_deref() != Some("post") {
            continue;
        }
        let Some(action) = attr(open, "action") else {
            continue;
        };
        let multipart = open.contains("multipart/form-data");
        let mut fields = Vec::new();
        for (i, _) in form.match_indices('<') {
            let tag = &form[i..i + form[i..].find('>').unwrap_or(0)];
            let is_field = ["<input", "<textarea", "<select"]
                .iter()
                .any(|t| tag.starts_with(t));
            if !is_field || tag.contains("type=\"file\"") || tag.contains("type=\"submit\"") {
                continue;
            }
            if let Some(n) = attr(tag, "name").filter(|n| n != "_csrf") {
                fields.push((n, attr(tag, "value").unwrap_or_default()));
            }
        }
        out.push(PageForm {
            action,
            multipart,
            fields,
        });
    }
    out
}

/// Every POST form the admin pages render, each field in turn set to hostile values: never a
/// 5xx, never an unescaped script in the answer, and nothing written when refused.
#[test]
fn every_form_field_refuses_hostile_values_without_a_5xx() {
    let (mut f, target) = seeded("formy");
    let bank = json!({ "bank": "Khan Bank", "number": "5000123456", "holder": "TopNET LLC" });
    assert_eq!(
        f.api
            .send_json("POST", "/api/v1/bank-accounts", &bank)
            .status,
        201
    );
    let mut portal = crate::portal::logged_in(&f.app, "formy", "pw-123");
    portal.post_form(
        "/portal/feedback",
        &[("category", "inquiry"), ("text", "Which plan?")],
    );
    // Forms whose purpose is to end this test's own session, or to delete what it fuzzes.
    let skip = |action: &str| {
        action == "/logout"
            || action.contains("/revoke")
            || action.ends_with("/delete")
            || action == "/account/password"
            || action == "/admins/1/password"
    };
    let values = [
        "\u{0}\u{1}\u{7}",
        SCRIPT,
        "../../../../etc/passwd",
        "-1",
        "-99999999999999999999",
        "1e308",
        "99999999999999999999",
    ];
    let big = "x".repeat(20_000);
    let mut tried = 0;
    let pages: Vec<String> = table()
        .iter()
        .filter(|r| {
            r.method == "GET" && !r.is_api() && matches!(r.guard, Guard::Menu(..) | Guard::LoggedIn)
        })
        .filter(|r| !r.pattern.ends_with(".csv") && !r.pattern.starts_with("/reports"))
        .map(|r| concrete_for(r.pattern, target))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for page in pages {
        let p = f.web.get(&format!(
            "{page}{}lang=en",
            if page.contains('?') { '&' } else { '?' }
        ));
        if p.status != 200 {
            continue;
        }
        for PageForm {
            action,
            multipart,
            fields,
        } in forms(&p.body)
        {
            let action = action.split('?').next().unwrap_or("").to_string();
            if skip(&action) || !seen.insert(action.clone()) {
                continue;
            }
            for i in 0..fields.len() {
                for v in values.iter().copied().chain([big.as_str()]) {
                    let mut sent: Vec<(&str, &str)> = fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    sent[i].1 = v;
                    let before = changes(&mut f.api);
                    let r = if multipart {
                        f.web.post_multipart(&action, &sent, &[])
                    } else {
                        f.web.post_form(&action, &sent)
                    };
                    tried += 1;
                    assert!(
                        r.status < 500,
                        "POST {action} {}={v:.40}: {}",
                        sent[i].0,
                        r.status
                    );
                    assert!(
                        !r.body.contains(SCRIPT),
                        "POST {action} {} echoes a script unescaped",
                        sent[i].0
                    );
                    if r.status >= 400 && r.status != 403 {
                        assert_eq!(
                            changes(&mut f.api),
                            before,
                            "POST {action} {}={v:.40}: refused with {} but written",
                            sent[i].0,
                            r.status
                        );
                    }
                    // The page may have moved the token on (a new session, a re-rendered form).
                    f.web.get(&page);
                }
            }
        }
    }
    assert!(seen.len() > 15, "only {} forms found: {seen:?}", seen.len());
    assert!(tried > 300, "only {tried} hostile form posts");
    // The session survived it all, and every list renders escaped.
    render_escaped(&mut f.web, LIST_PAGES);
}
