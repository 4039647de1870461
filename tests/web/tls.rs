//! HTTPS with a self-signed certificate made at first start; Secure cookies; HSTS.

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
    let login = app.browser().get("/login");
    let csrf_cookie = login.header("set-cookie").unwrap_or("");
    assert!(
        csrf_cookie.starts_with("__Host-steppe_csrf=") && csrf_cookie.contains("Path=/"),
        "under TLS only this host can set the form cookie: {csrf_cookie}"
    );
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

/// Verifies the generated certificate as its own root for `name` at `at`.
fn verify(cert: &[u8], name: &str, at: jiff::Timestamp) -> Result<(), rustls::Error> {
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    let der = CertificateDer::from_pem_slice(cert).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.clone()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(roots.into(), provider)
        .build()
        .unwrap();
    let when = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(at.as_second()).unwrap(),
    ));
    verifier
        .verify_server_cert(
            &der,
            &[],
            &ServerName::try_from(name).unwrap().to_owned(),
            &[],
            when,
        )
        .map(|_| ())
}

/// Issue #14: the certificate said only steppe.local and localhost and ran from 1975 to 4096.
#[test]
fn the_self_signed_certificate_covers_this_host_for_ten_years() {
    let app = TestApp::start_in(tempfile::tempdir().unwrap(), Tls::SelfSigned);
    let cert = std::fs::read(app.dir.path().join("tls-cert.pem")).unwrap();
    let now = jiff::Timestamp::now();
    let days = |d: i64| jiff::SignedDuration::from_hours(24 * d);
    for name in ["127.0.0.1", "::1", "localhost", "steppe.local"] {
        verify(&cert, name, now).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(verify(&cert, "example.com", now).is_err(), "only this host");
    // Valid from a day back (a clock slightly behind) to ten years on, not beyond.
    let minutes = jiff::SignedDuration::from_mins;
    assert!(verify(&cert, "localhost", now - days(1) + minutes(5)).is_ok());
    assert!(
        verify(&cert, "localhost", now - days(2)).is_err(),
        "not valid two days ago"
    );
    assert!(verify(&cert, "localhost", now + days(3650)).is_ok());
    assert!(
        verify(&cert, "localhost", now + days(3660)).is_err(),
        "expires after ten years"
    );
    // The company is the subject (no settings yet at first start: "Steppe").
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::CertificateDer::from_pem_slice(&cert).unwrap();
    assert!(der.windows(6).any(|w| w == b"Steppe"));
}

#[test]
fn hsts_is_sent_over_tls_only() {
    let tls = TestApp::start_in(tempfile::tempdir().unwrap(), Tls::SelfSigned);
    let page = tls.browser().get("/healthz");
    assert_eq!(
        page.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let plain = TestApp::start();
    let page = plain.browser().get("/healthz");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("strict-transport-security"), None);
}
