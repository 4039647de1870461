//! The JSON API: tokens, admins and roles, errors, and the OpenAPI document.

use crate::helpers::{ADMIN_PW, TestApp, api_client};
use serde_json::json;
use steppe::web::router::table;

#[test]
fn tokens_act_as_their_admin_and_can_be_revoked() {
    let (app, mut b) = TestApp::with_admin();
    let token = b.create_token("billing script");
    assert!(token.starts_with("stp_"));
    let mut api = api_client(&app, &token);
    let me = api.get("/api/v1/me");
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["username"], "boss");
    assert_eq!(me["permissions"]["admins"], "edit");
    assert!(me.get("password_hash").is_none(), "never exposes the hash");
    assert!(b.get("/account").body.contains("billing script"));

    let account = b.get("/account");
    let start = account.body.find("/account/tokens/").unwrap();
    let path = account.body[start..].split('"').next().unwrap().to_string();
    assert_eq!(b.post_form(&path, &[]).status, 303);
    assert_eq!(api.get("/api/v1/me").status, 401);
}

#[test]
fn admins_and_roles_crud_with_json_errors() {
    let (app, mut b) = TestApp::with_admin();
    let mut api = api_client(&app, &b.create_token("t"));

    let bad = api.send_json(
        "POST",
        "/api/v1/admins",
        &json!({ "username": "A B", "full_name": "", "role_id": "nope", "password": "x" }),
    );
    assert_eq!(bad.status, 422);
    let e = bad.json();
    assert_eq!(e["error"]["code"], "invalid");
    assert!(e["error"]["fields"]["password"].is_string());
    let bad = api.send_json(
        "POST",
        "/api/v1/admins",
        &json!({ "username": "ab cd", "full_name": "", "role_id": "nope", "password": ADMIN_PW }),
    );
    let f = &bad.json()["error"]["fields"];
    for field in ["username", "full_name", "role_id"] {
        assert!(f[field].is_string(), "{field} error missing: {f}");
    }
    let unknown = api.send_json("POST", "/api/v1/admins", &json!({ "usernme": "typo" }));
    assert_eq!(unknown.status, 400, "unknown fields are refused");
    assert_eq!(unknown.json()["error"]["code"], "bad_request");
    assert_eq!(
        api.get("/api/v1/admins").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing created"
    );

    let a = api.send_json("POST", "/api/v1/admins", &json!({ "username": "saraa", "full_name": "Saraa", "role_id": "cashier", "password": ADMIN_PW, "phone": "+976 9911 2233" }));
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_u64().unwrap();
    let dup = api.send_json("POST", "/api/v1/admins", &json!({ "username": "Saraa", "full_name": "S2", "role_id": "cashier", "password": ADMIN_PW }));
    assert_eq!(dup.status, 422);
    assert!(
        dup.json()["error"]["fields"]["username"]
            .as_str()
            .unwrap()
            .contains("taken")
    );

    let p = api.send_json(
        "PATCH",
        &format!("/api/v1/admins/{id}"),
        &json!({ "overrides": { "settings": "edit" }, "note": "evening shift" }),
    );
    assert_eq!(p.status, 200);
    assert_eq!(p.json()["overrides"]["settings"], "edit");
    assert_eq!(
        api.get(&format!("/api/v1/admins/{id}")).json()["note"],
        "evening shift"
    );
    assert_eq!(api.get("/api/v1/admins/999").status, 404);
    assert_eq!(
        api.get("/api/v1/admins/999").json()["error"]["code"],
        "not_found"
    );

    // The overridden admin can now use settings through their own token.
    let mut saraa = app.browser();
    saraa.login("saraa", ADMIN_PW);
    assert_eq!(saraa.get("/settings").status, 200);
    assert_eq!(saraa.get("/admins").status, 403);

    let r = api.send_json("POST", "/api/v1/roles", &json!({ "id": "night", "name": "Night shift", "grants": { "payments": "edit", "customers": "view" } }));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        api.send_json(
            "POST",
            "/api/v1/roles",
            &json!({ "id": "night", "name": "again" })
        )
        .status,
        422
    );
    assert_eq!(
        api.send_json("PATCH", "/api/v1/roles/night", &json!({ "name": "Night" }))
            .json()["name"],
        "Night"
    );
    let p = api.send_json(
        "PATCH",
        &format!("/api/v1/admins/{id}"),
        &json!({ "role_id": "night" }),
    );
    assert_eq!(p.status, 200);
    assert_eq!(
        api.send_json("DELETE", "/api/v1/roles/night", &json!({}))
            .status,
        409,
        "in use"
    );
    assert_eq!(
        api.send_json("DELETE", "/api/v1/roles/viewer", &json!({}))
            .status,
        409,
        "built-in"
    );
    api.send_json(
        "PATCH",
        &format!("/api/v1/admins/{id}"),
        &json!({ "role_id": "cashier" }),
    );
    assert_eq!(
        api.send_json("DELETE", "/api/v1/roles/night", &json!({}))
            .status,
        200
    );
    assert_eq!(api.get("/api/v1/roles/night").status, 404);
    let roles = api.get("/api/v1/roles").json();
    let ids: Vec<&str> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "super_admin",
            "manager",
            "cashier",
            "technician",
            "viewer",
            "agent"
        ]
    );
}

/// Stored gzipped: sent as it is where gzip is accepted, inflated where not, the same document.
#[test]
fn openapi_is_gzipped_for_clients_that_accept_it_and_text_for_the_rest() {
    use std::io::Read;
    let app = TestApp::start();
    let url = app.url("/api/v1/openapi.json");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |encoding: Option<&str>| {
        let mut req = agent.get(&url);
        if let Some(e) = encoding {
            req = req.header("Accept-Encoding", e);
        }
        let mut r = req.call().expect("openapi.json");
        assert_eq!(r.status(), 200);
        let coding = r
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        let vary = r
            .headers()
            .get("vary")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(vary.as_deref(), Some("accept-encoding"));
        let body = r.body_mut().read_to_vec().expect("body");
        (coding, body)
    };
    let (coding, plain) = get(None);
    assert_eq!(coding, None, "no Accept-Encoding (plain curl): text");
    let text: serde_json::Value = serde_json::from_slice(&plain).expect("JSON");
    assert_eq!(get(Some("identity")), (None, plain.clone()));
    assert_eq!(get(Some("gzip;q=0, br")), (None, plain.clone()));
    let (coding, gz) = get(Some("br, gzip"));
    assert_eq!(coding.as_deref(), Some("gzip"));
    assert!(gz.len() * 4 < plain.len(), "{} bytes gzipped", gz.len());
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut inflated)
        .expect("gzip");
    assert_eq!(inflated, plain);
    assert_eq!(text["openapi"], "3.1.0");
}

#[test]
fn openapi_lists_exactly_the_api_routes() {
    let (app, _b) = TestApp::with_admin();
    let doc = app.browser().get("/api/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<String> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .map(move |m| format!("{} /api/v1{p}", m.to_uppercase()))
        })
        .collect();
    let mut served: Vec<String> = table()
        .iter()
        .filter(|r| r.is_api())
        .map(|r| format!("{} {}", r.method, r.pattern))
        .collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);
    // Every $ref points at a defined schema or response.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/").skip(1) {
        let path = part.split('"').next().unwrap();
        let mut node = &doc["components"];
        for seg in path.split('/') {
            node = &node[seg];
        }
        assert!(!node.is_null(), "dangling $ref {path}");
    }
}

#[test]
fn every_change_is_audited_with_who_where_and_what() {
    let (app, mut b) = TestApp::with_admin();
    assert_eq!(app.browser().login("boss", ADMIN_PW).status, 303);
    let mut api = api_client(&app, &b.create_token("audit"));
    let p = b.post_form(
        "/admins",
        &[
            ("username", "oyun"),
            ("full_name", "Oyun"),
            ("role_id", "viewer"),
            ("active", "on"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(p.status, 303);
    let id = p
        .location()
        .trim_start_matches("/admins/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    api.send_json(
        "PATCH",
        &format!("/api/v1/admins/{id}"),
        &json!({ "full_name": "Oyun-Erdene" }),
    );
    let log = api.get("/api/v1/audit?entity=admin").json();
    let items = log["items"].as_array().unwrap();
    let update = items
        .iter()
        .find(|e| e["action"] == "update")
        .expect("update audited");
    assert_eq!(update["actor"]["username"], "boss");
    assert_eq!(update["actor"]["via"], "api");
    assert_eq!(update["actor"]["ip"], "127.0.0.1");
    assert_eq!(update["summary"], "full_name: \"Oyun\" → \"Oyun-Erdene\"");
    let create = items
        .iter()
        .find(|e| e["action"] == "create" && e["entity_id"] == id.as_str())
        .unwrap();
    assert_eq!(create["actor"]["via"], "web");
    assert!(
        !create["summary"].as_str().unwrap().contains("argon2"),
        "no password hash in the log"
    );
    assert!(
        items.iter().any(|e| e["action"] == "login"),
        "logins are audited"
    );
    let page = b.get("/audit?who=boss&entity=admin");
    assert!(page.body.contains("Oyun-Erdene"));
    // The log is read-only: there is no route that changes it.
    assert!(
        table()
            .iter()
            .all(|r| !(r.pattern.contains("audit") && r.method != "GET"))
    );
}
