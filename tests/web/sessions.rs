//! Setup, login, logout, lockout, CSRF, password changes and session management.

use crate::helpers::{ADMIN, ADMIN_PW, TestApp, login_from};
use std::sync::atomic::Ordering;

#[test]
fn fresh_install_leads_to_setup_and_setup_happens_once() {
    let app = TestApp::start();
    let mut b = app.browser();
    let p = b.get("/");
    assert_eq!((p.status, p.location()), (303, "/setup"));
    let p = b.get("/login");
    assert_eq!(
        (p.status, p.location()),
        (303, "/setup"),
        "no login before the first admin exists"
    );
    let p = b.get("/api/v1/me");
    assert_eq!(p.status, 503);
    assert_eq!(p.json()["error"]["code"], "setup_required");

    // Without the setup code printed at first start, nobody becomes super admin.
    let code = app.setup_code();
    for wrong in ["", "AAAA-BBBB-CCCC"] {
        let p = b.post_form(
            "/setup",
            &[
                ("setup_code", wrong),
                ("username", ADMIN),
                ("full_name", "Boss"),
                ("password", ADMIN_PW),
                ("password2", ADMIN_PW),
            ],
        );
        assert_eq!(p.status, 422, "{wrong:?}");
        assert!(p.body.contains("id=\"err-setup_code\""), "{}", p.body);
    }
    assert_eq!(b.get("/").location(), "/setup");

    // Bad input re-renders the form with messages and creates nothing.
    let p = b.post_form(
        "/setup",
        &[
            ("setup_code", &code),
            ("username", "X!"),
            ("full_name", ""),
            ("password", "short"),
            ("password2", "other"),
        ],
    );
    assert_eq!(p.status, 422);
    assert!(p.body.contains("field-error"), "{}", p.body);
    assert_eq!(b.get("/").location(), "/setup");

    let p = b.post_form(
        "/setup",
        &[
            ("setup_code", &code.to_lowercase().replace('-', " ")),
            ("username", ADMIN),
            ("full_name", "Boss"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!((p.status, p.location()), (303, "/"));
    let home = b.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Boss"));

    // A second setup from another browser is refused.
    let mut other = app.browser();
    assert_eq!(other.get("/setup").location(), "/login");
    let p = other.post_form(
        "/setup",
        &[
            ("username", "evil"),
            ("full_name", "E"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(p.location(), "/login");
    assert_eq!(other.login("evil", ADMIN_PW).status, 401);
}

#[test]
fn login_logout_and_cookie_attributes() {
    let (app, mut b) = TestApp::with_admin();
    let p = b.post_form("/logout", &[]);
    assert_eq!(p.location(), "/login");
    assert_eq!(b.get("/").location(), "/login?next=%2F");

    let mut fresh = app.browser();
    assert_eq!(fresh.login(ADMIN, "wrong password").status, 401);
    let p = fresh.login(ADMIN, ADMIN_PW);
    assert_eq!(p.status, 303);
    let cookie = p.header("set-cookie").unwrap();
    assert!(cookie.starts_with("steppe_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP must not set Secure");
    assert_eq!(fresh.get("/").status, 200);
    // Usernames are case-insensitive.
    assert_eq!(app.browser().login("BOSS", ADMIN_PW).status, 303);
    // `next` only leads to local paths.
    let mut c = app.browser();
    c.get("/login");
    let p = c.post_form(
        "/login",
        &[
            ("username", ADMIN),
            ("password", ADMIN_PW),
            ("next", "//evil.example/"),
        ],
    );
    assert_eq!(p.location(), "/");
}

#[test]
fn repeated_failures_lock_the_account_with_a_clear_message() {
    let (app, _b) = TestApp::with_admin();
    let mut b = app.browser();
    for _ in 0..5 {
        assert_eq!(b.login(ADMIN, "nope nope").status, 401);
    }
    let p = b.login(ADMIN, ADMIN_PW);
    assert_eq!(p.status, 429, "the right password is refused while locked");
    assert!(p.body.contains("15"), "message says how long: {}", p.body);
    assert_eq!(b.get("/").location(), "/login?next=%2F");
    // After the lockout window the right password works again.
    app.clock.advance(16 * 60);
    assert_eq!(b.login(ADMIN, ADMIN_PW).status, 303);
}

#[test]
fn a_stranger_guessing_locks_out_only_themselves_and_an_admin_can_unlock() {
    let (app, mut b) = TestApp::with_admin();
    b.get("/?lang=en");
    for _ in 0..5 {
        assert_eq!(login_from("127.0.0.2", app.addr, ADMIN, "guess guess"), 401);
    }
    assert_eq!(
        login_from("127.0.0.2", app.addr, ADMIN, ADMIN_PW),
        429,
        "the guessing address is locked out of this account"
    );
    assert_eq!(
        app.browser().login(ADMIN, ADMIN_PW).status,
        303,
        "the admin, from their own address, is not"
    );
    assert_eq!(login_from("127.0.0.3", app.addr, ADMIN, ADMIN_PW), 303);

    // The failures are in the audit log; the super admin sees them and can lift the lock.
    let audit = b.get("/audit");
    assert!(audit.body.contains("Failed login"), "{}", audit.body);
    let path = format!("/admins/{}", b.get("/api/v1/me").json()["id"]);
    for _ in 0..5 {
        login_from("127.0.0.2", app.addr, ADMIN, "guess guess");
    }
    let page = b.get(&path);
    assert!(page.body.contains("Failed logins"), "{}", page.body);
    assert_eq!(b.post_form(&format!("{path}/unlock"), &[]).status, 303);
    assert!(
        b.get(&format!("{path}?notice=unlocked"))
            .body
            .contains("Unlocked")
    );
    assert_eq!(login_from("127.0.0.2", app.addr, ADMIN, ADMIN_PW), 303);
}

#[test]
fn a_huge_or_mistyped_username_is_neither_kept_nor_logged() {
    let (app, mut b) = TestApp::with_admin();
    // A password typed into the username box, and a 1 MiB one.
    let secret = "my-secret-password-typed-in-the-wrong-box";
    let huge = "z".repeat(1 << 20);
    for name in [secret, huge.as_str(), huge.as_str()] {
        let p = app.browser().login(name, "whatever it is");
        assert_eq!(p.status, 401);
    }
    let audit = b.get("/audit");
    assert!(audit.body.contains("(unknown username)"), "{}", audit.body);
    assert!(
        !audit.body.contains(secret),
        "the mistyped password is not in the audit log"
    );
    assert!(!audit.body.contains("zzzzzzzz"));
    assert!(audit.body.len() < 200_000, "{} bytes", audit.body.len());
    assert!(app.state().limiter.keys() < 20);
}

#[test]
fn setup_after_setup_hashes_nothing() {
    let (app, _b) = TestApp::with_admin();
    let before = app.state().unauthenticated_hashes.load(Ordering::Relaxed);
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let mut c = app.browser();
            std::thread::spawn(move || {
                c.post_form(
                    "/setup",
                    &[
                        ("setup_code", "whatever"),
                        ("username", "late"),
                        ("full_name", "Late"),
                        ("password", "a long enough password"),
                        ("password2", "a long enough password"),
                    ],
                )
                .location()
                .to_string()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), "/login");
    }
    assert_eq!(
        app.state().unauthenticated_hashes.load(Ordering::Relaxed),
        before,
        "no argon2 run for a setup that cannot happen"
    );
}

#[test]
fn forms_without_the_csrf_token_are_rejected_and_change_nothing() {
    let (_app, mut b) = TestApp::with_admin();
    let fields = [
        ("username", "mallory"),
        ("full_name", "M"),
        ("role_id", "viewer"),
        ("active", "on"),
        ("password", "longenough1"),
        ("password2", "longenough1"),
    ];
    let p = b.post_form_raw("/admins", &fields);
    assert_eq!(p.status, 403);
    let mut forged = vec![(
        "_csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    )];
    forged.extend_from_slice(&fields);
    assert_eq!(b.post_form_raw("/admins", &forged).status, 403);
    assert!(!b.get("/admins").body.contains("mallory"));
    // The login form is protected too (double-submit cookie).
    let mut c = _app.browser();
    let p = c.post_form_raw("/login", &[("username", "boss"), ("password", "x")]);
    assert_eq!(p.status, 403);
    // With the token it goes through.
    assert_eq!(b.post_form("/admins", &fields).status, 303);
    assert!(b.get("/admins").body.contains("mallory"));
}

#[test]
fn sessions_expire_when_idle_and_can_be_revoked() {
    let (app, mut b) = TestApp::with_admin();
    let mut other = app.browser();
    assert_eq!(other.login(ADMIN, ADMIN_PW).status, 303);
    let account = b.get("/account");
    assert_eq!(
        account.body.matches("/revoke\"").count(),
        1,
        "one other session is listed with a revoke button"
    );
    let start = account.body.find("/account/sessions/").unwrap();
    let path = account.body[start..].split('"').next().unwrap().to_string();
    assert_eq!(b.post_form(&path, &[]).status, 303);
    assert_eq!(
        other.get("/").location(),
        "/login?next=%2F",
        "revoked session is gone"
    );
    assert_eq!(b.get("/").status, 200);

    app.clock.advance(9 * 3600);
    assert_eq!(
        b.get("/").location(),
        "/login?next=%2F",
        "idle session expired"
    );
}

#[test]
fn changing_the_password_ends_other_sessions() {
    let (app, mut b) = TestApp::with_admin();
    let mut other = app.browser();
    other.login(ADMIN, ADMIN_PW);
    let p = b.post_form(
        "/account/password",
        &[
            ("current", "wrong"),
            ("password", "new password 1"),
            ("password2", "new password 1"),
        ],
    );
    assert_eq!(p.status, 422);
    let p = b.post_form(
        "/account/password",
        &[
            ("current", ADMIN_PW),
            ("password", "new password 1"),
            ("password2", "new password 1"),
        ],
    );
    assert_eq!(p.status, 303);
    assert_eq!(b.get("/").status, 200, "own session stays");
    assert_eq!(other.get("/").status, 303, "other sessions end");
    assert_eq!(app.browser().login(ADMIN, ADMIN_PW).status, 401);
    assert_eq!(app.browser().login(ADMIN, "new password 1").status, 303);
}

#[test]
fn an_api_token_is_not_the_account() {
    let (app, mut b) = TestApp::with_admin();
    let token = b.create_token("integration");
    let mut t = app.browser();
    t.bearer = Some(token);
    let me = t.get("/api/v1/me");
    assert_eq!(me.status, 200);
    let id = me.json()["id"].clone();

    // The token reaches no page: not the account page, so it mints no tokens and changes no
    // password (a form post there without a session is turned away before any handler).
    assert_eq!(t.get("/account").location(), "/login?next=%2Faccount");
    let p = t.post_form_raw("/account/tokens", &[("name", "another")]);
    assert_ne!(p.status, 200);
    assert!(!p.body.contains("new-token"));
    let p = t.send_json(
        "PATCH",
        &format!("/api/v1/admins/{id}"),
        &serde_json::json!({ "password": "taken over 123" }),
    );
    assert_eq!(p.status, 403, "{}", p.body);
    assert_eq!(app.browser().login(ADMIN, "taken over 123").status, 401);

    // The current-password check is throttled like a login.
    for _ in 0..5 {
        let p = b.post_form(
            "/account/password",
            &[
                ("current", "guess"),
                ("password", "new password 1"),
                ("password2", "new password 1"),
            ],
        );
        assert_eq!(p.status, 422);
    }
    let p = b.post_form(
        "/account/password",
        &[
            ("current", ADMIN_PW),
            ("password", "new password 1"),
            ("password2", "new password 1"),
        ],
    );
    assert_eq!(p.status, 422, "locked: even the right password waits");
    app.state().limiter.unlock(ADMIN);

    // Changing the password offers to revoke the tokens, ticked by default.
    let account = b.get("/account");
    assert!(
        account
            .body
            .contains("name=\"revoke_tokens\" value=\"on\" checked"),
        "{}",
        account.body
    );
    let p = b.post_form(
        "/account/password",
        &[
            ("current", ADMIN_PW),
            ("password", "new password 1"),
            ("password2", "new password 1"),
            ("revoke_tokens", "on"),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(
        t.get("/api/v1/me").status,
        401,
        "the token went with the old password"
    );
}

#[test]
fn the_csrf_cookie_is_signed_scoped_to_forms_and_cross_site_posts_are_refused() {
    use crate::helpers::exchange_from;
    let (app, _b) = TestApp::with_admin();
    let addr = app.addr;
    let get = |path: &str| {
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        exchange_from("127.0.0.1", addr, req.as_bytes())
    };
    for path in ["/healthz", "/assets/style.css", "/api/v1/openapi.json"] {
        let p = get(path);
        assert_eq!(p.status, 200, "{path}");
        assert!(p.header("set-cookie").is_none(), "{path} sets no cookie");
    }
    let page = get("/login");
    let cookie = page
        .header("set-cookie")
        .expect("the login form sets its cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let nonce = cookie.split_once('=').unwrap().1.to_string();
    let token = page.input_value("_csrf").unwrap();
    assert_ne!(
        token, nonce,
        "the token is not the cookie: planting a cookie gives no token"
    );

    let post = |token: &str, extra: &str| {
        let body = serde_urlencoded::to_string([
            ("_csrf", token),
            ("username", ADMIN),
            ("password", "wrong one"),
        ])
        .unwrap();
        let req = format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        exchange_from("127.0.0.1", addr, req.as_bytes()).status
    };
    assert_eq!(post(&token, ""), 401, "the signed token passes");
    assert_eq!(post(&nonce, ""), 403, "the bare cookie value does not");
    assert_eq!(post(&token, "Sec-Fetch-Site: cross-site\r\n"), 403);
    assert_eq!(post(&token, "Origin: http://evil.example\r\n"), 403);
    assert_eq!(
        post(
            &token,
            &format!("Origin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\n")
        ),
        401
    );
}
