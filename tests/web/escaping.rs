//! Hostile input is stored as text and rendered escaped everywhere.

use crate::helpers::{ADMIN_PW, TestApp};

const EVIL: &str = "<script>alert(1)</script>\"'&";

#[test]
fn script_in_every_text_field_is_escaped() {
    let (_app, mut b) = TestApp::with_admin();
    let p = b.post_form(
        "/admins",
        &[
            ("username", "eve"),
            ("full_name", EVIL),
            ("phone", ""),
            ("email", ""),
            ("note", EVIL),
            ("role_id", "viewer"),
            ("active", "on"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let p = b.post_form(
        "/roles",
        &[("id", "evil_role"), ("name", EVIL), ("description", EVIL)],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let p = b.post_multipart(
        "/banners",
        &[
            ("title", EVIL),
            ("text", EVIL),
            ("starts_on", "2020-01-01"),
            ("ends_on", "2099-01-01"),
            ("active", "on"),
        ],
        &[],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let p = b.post_multipart(
        "/settings",
        &[
            ("company_name", EVIL),
            ("currency_code", "MNT"),
            ("currency_symbol", "₮"),
            ("currency_exponent", "2"),
            ("time_zone", ""),
            ("default_lang", "en"),
            ("payment_methods", "cash\nbank_transfer"),
        ],
        &[],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    // A validation error echoes the input back: escaped too.
    let p = b.post_form(
        "/admins",
        &[
            ("username", EVIL),
            ("full_name", EVIL),
            ("role_id", "viewer"),
        ],
    );
    assert_eq!(p.status, 422);
    assert!(!p.body.contains("<script>alert(1)"), "re-rendered form");

    let mut anon = _app.browser();
    for page in [
        "/",
        "/admins",
        "/admins/2",
        "/roles",
        "/roles/evil_role",
        "/banners",
        "/banners/1",
        "/settings",
        "/audit",
        "/account",
    ] {
        let p = b.get(page);
        assert_eq!(p.status, 200, "{page}");
        assert!(
            !p.body.contains("<script>alert(1)"),
            "{page} renders raw script"
        );
        assert!(
            p.body.contains("&lt;script&gt;"),
            "{page} shows the text escaped"
        );
    }
    let login = anon.get("/login");
    assert!(
        !login.body.contains("<script>alert(1)") && login.body.contains("&lt;script&gt;"),
        "login banner"
    );
}

#[test]
fn script_in_network_records_is_escaped() {
    let crate::helpers::Fixture {
        app: _app,
        mut web,
        mut api,
        router,
        plan,
    } = crate::helpers::fixture();
    let evil = serde_json::json!(EVIL);
    api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{router}"),
        &serde_json::json!({ "note": evil }),
    );
    api.send_json(
        "PATCH",
        &format!("/api/v1/plans/{plan}"),
        &serde_json::json!({ "description": evil, "name": "Plan <b>x</b>" }),
    );
    let mut c = crate::helpers::customer(router, plan, "evil", "2030-01-01T00:00:00Z");
    c["name"] = evil.clone();
    c["address"] = evil.clone();
    c["note"] = evil.clone();
    let id = api.send_json("POST", "/api/v1/customers", &c).json()["id"]
        .as_u64()
        .unwrap();
    for page in [
        "/routers".to_string(),
        format!("/routers/{router}"),
        "/plans".into(),
        format!("/plans/{plan}"),
        "/customers".into(),
        format!("/customers/{id}"),
        format!("/customers/{id}/edit"),
    ] {
        let p = web.get(&page);
        assert_eq!(p.status, 200, "{page}");
        assert!(
            !p.body.contains("<script>alert(1)") && !p.body.contains("<b>x</b>"),
            "{page} renders raw markup"
        );
        assert!(p.body.contains("&lt;"), "{page} shows the text escaped");
    }
}
