//! Page flows: banners on the login page, settings, admin editing, errors.

use crate::helpers::{ADMIN_PW, TestApp};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82";

#[test]
fn banners_show_on_the_login_page_only_within_their_window() {
    let (app, mut b) = TestApp::with_admin();
    let fields = |title: &'static str, from: &'static str, to: &'static str| {
        vec![
            ("title", title),
            ("text", "Pay by the 5th"),
            ("starts_on", from),
            ("ends_on", to),
            ("active", "on"),
        ]
    };
    let bad = b.post_multipart("/banners", &fields("Bad", "2030-02-01", "2030-01-01"), &[]);
    assert_eq!(bad.status, 422);
    let bad = b.post_multipart(
        "/banners",
        &fields("Bad", "2030-02-01", "2030-03-01"),
        &[("image", b"not an image")],
    );
    assert_eq!(bad.status, 422);
    assert!(!b.get("/banners").body.contains(">Bad<"), "nothing saved");

    assert_eq!(
        b.post_multipart(
            "/banners",
            &fields("Future", "2090-01-01", "2090-12-31"),
            &[]
        )
        .status,
        303
    );
    assert_eq!(
        b.post_multipart(
            "/banners",
            &fields("Now showing", "2020-01-01", "2090-12-31"),
            &[("image", PNG)]
        )
        .status,
        303
    );
    let mut anon = app.browser();
    let login = anon.get("/login");
    assert!(login.body.contains("Now showing") && !login.body.contains("Future"));
    let img = anon.get("/banner-image/2");
    assert_eq!(img.status, 200);
    assert_eq!(img.header("content-type"), Some("image/png"));
    assert_eq!(
        anon.get("/banner-image/1").status,
        404,
        "a banner not shown today is not public"
    );

    // Deactivate: gone from the login page; delete: gone entirely.
    assert_eq!(
        b.post_multipart(
            "/banners/2",
            &[
                ("title", "Now showing"),
                ("text", ""),
                ("starts_on", "2020-01-01"),
                ("ends_on", "2090-12-31")
            ],
            &[]
        )
        .status,
        303
    );
    assert!(!anon.get("/login").body.contains("Now showing"));
    assert_eq!(b.post_form("/banners/2/delete", &[]).status, 303);
    assert_eq!(b.get("/banners/2").status, 404);
}

#[test]
fn settings_validate_and_apply_currency_time_zone_and_logo() {
    let (app, mut b) = TestApp::with_admin();
    let base = [
        ("company_name", "Talst Net"),
        ("currency_code", "MNT"),
        ("currency_symbol", "₮"),
        ("currency_exponent", "2"),
        ("default_lang", "en"),
        ("payment_methods", "cash\nbank_transfer"),
    ];
    let mut bad = base.to_vec();
    bad.push(("time_zone", "Mars/Olympus"));
    let p = b.post_multipart("/settings", &bad, &[]);
    assert_eq!(p.status, 422);
    assert!(
        p.body.contains("Asia/Ulaanbaatar"),
        "the message gives an example"
    );
    let mut good = base.to_vec();
    good.push(("time_zone", "Asia/Ulaanbaatar"));
    assert_eq!(
        b.post_multipart("/settings", &good, &[("logo", PNG)])
            .status,
        303
    );
    let home = app.browser().get("/login");
    assert!(home.body.contains("Talst Net"));
    assert!(home.body.contains("src=\"/logo\""));
    assert_eq!(
        app.browser().get("/logo").header("content-type"),
        Some("image/png")
    );
    assert!(
        b.get("/settings")
            .body
            .contains("value=\"Asia/Ulaanbaatar\"")
    );
}

#[test]
fn admin_edit_reset_password_and_deactivate() {
    let (app, mut b) = TestApp::with_admin();
    let p = b.post_form(
        "/admins",
        &[
            ("username", "bat"),
            ("full_name", "Bat"),
            ("role_id", "cashier"),
            ("active", "on"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
            ("override_reports", "none"),
        ],
    );
    assert_eq!(p.status, 303);
    let dup = b.post_form(
        "/admins",
        &[
            ("username", "BAT"),
            ("full_name", "Other"),
            ("role_id", "cashier"),
            ("active", "on"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(dup.status, 422);
    let mut bat = app.browser();
    assert_eq!(bat.login("bat", ADMIN_PW).status, 303);

    let reset = b.post_form("/admins/2/password", &[("new_password", "brand new pass")]);
    assert_eq!(reset.status, 303);
    assert_eq!(bat.get("/").status, 303, "reset ends their sessions");
    assert_eq!(bat.login("bat", "brand new pass").status, 303);

    let p = b.post_form(
        "/admins/2",
        &[
            ("username", "bat"),
            ("full_name", "Bat"),
            ("role_id", "cashier"),
        ],
    );
    assert_eq!(p.status, 303);
    assert_eq!(bat.get("/").status, 303, "deactivation ends sessions");
    assert_eq!(app.browser().login("bat", "brand new pass").status, 403);
    let list = b.get("/admins?lang=en");
    assert!(list.body.contains("Inactive"));
}

#[test]
fn unknown_pages_and_methods_get_clear_errors() {
    let (_app, mut b) = TestApp::with_admin();
    assert_eq!(b.get("/nope").status, 404);
    assert_eq!(b.get("/admins/999").status, 404);
    assert_eq!(b.get("/api/v1/nope").json()["error"]["code"], "not_found");
    assert_eq!(b.post_form("/healthz", &[]).status, 405);
    let p = b.get("/healthz");
    assert_eq!((p.status, p.body.as_str()), (200, "ok"));
    let css = b.get("/assets/style.css");
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains("@media print"));
    let home = b.get("/");
    assert!(
        home.header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(home.header("x-frame-options"), Some("DENY"));
}
