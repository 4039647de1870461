//! HTTPS with a self-signed certificate made at first start; Secure cookies.

use crate::helpers::{ADMIN, ADMIN_PW, TestApp};
use steppe::web::Tls;

#[test]
fn self_signed_https_serves_and_sets_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start_in(dir, Tls::SelfSigned);
    assert!(app.dir.path().join("tls-cert.pem").exists());
    let mut b = app.browser();
    assert_eq!(b.get("/healthz").body, "ok");
    let code = app.setup_code();
    let p = b.post_form(
        "/setup",
        &[
            ("setup_code", &code),
            ("username", ADMIN),
            ("full_name", "B"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(p.status, 303);
    let cookie = p
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.as_str())
        .find(|v| v.starts_with("steppe_session"))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert_eq!(b.get("/").status, 200);
    // The certificate is kept: a restart reuses it.
    let cert = std::fs::read(app.dir.path().join("tls-cert.pem")).unwrap();
    let dir = app.stop();
    let again = TestApp::start_in(dir, Tls::SelfSigned);
    assert_eq!(
        std::fs::read(again.dir.path().join("tls-cert.pem")).unwrap(),
        cert
    );
}
