//! Attacks an insider with some rights could try, each reproduced and refused.

use crate::helpers::fixture;
use serde_json::json;
use std::time::Duration;

/// An admin with Routers edit points a router at their own listener: the stored API password
/// (and with it every customer's service password) must not follow.
#[test]
fn router_credentials_do_not_follow_an_edited_address() {
    let mut f = fixture();
    let trap = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    let id = f.router;
    for change in [
        json!({ "port": trap_port }),
        json!({ "host": "127.0.0.2" }),
        json!({ "tls": true }),
        json!({ "login_method": "challenge" }),
    ] {
        let p = f
            .api
            .send_json("PATCH", &format!("/api/v1/routers/{id}"), &change);
        assert_eq!(p.status, 422, "{change}: {}", p.body);
        assert!(
            p.json()["error"]["fields"]["password"].is_string(),
            "{}",
            p.body
        );
    }
    // The same through the page's form.
    let form = f.web.get(&format!("/routers/{id}/edit"));
    assert_eq!(form.status, 200);
    let p = f.web.post_form(
        &format!("/routers/{id}"),
        &[
            ("name", "Tower A"),
            ("host", "127.0.0.1"),
            ("port", &trap_port.to_string()),
            ("username", "api"),
            ("password", ""),
            ("login_method", "plain"),
            ("hotspot_server", "all"),
        ],
    );
    assert_eq!(p.status, 422, "{}", p.body);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        trap.accept().is_err(),
        "nobody dialled the attacker's listener"
    );
    let r = f.api.get(&format!("/api/v1/routers/{id}")).json();
    assert_eq!(r["port"], 1, "nothing was saved");

    // Other fields change freely; with the password typed again, the address does too.
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{id}"),
        &json!({ "note": "south" }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{id}"),
        &json!({ "port": 2, "password": "Router-Secret-78" }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
}

#[test]
fn test_connection_is_counted_and_audited() {
    let mut f = fixture();
    let path = format!("/routers/{}/test", f.router);
    f.web.get("/?lang=en");
    for _ in 0..10 {
        let p = f.web.post_form(&path, &[]);
        assert_eq!(p.status, 200);
        assert!(!p.body.contains("Too many connection tests"));
    }
    let p = f.web.post_form(&path, &[]);
    assert!(p.body.contains("Too many connection tests"), "{}", p.body);
    let audit = f.web.get("/audit");
    assert!(
        audit.body.contains("<td>Test connection</td>"),
        "{}",
        audit.body
    );
    assert!(audit.body.contains("127.0.0.1:1 failed"), "{}", audit.body);
}

#[test]
fn a_new_router_defaults_to_api_ssl_and_plain_api_is_flagged() {
    let mut f = fixture();
    f.web.get("/?lang=en");
    let form = f.web.get("/routers/new").body;
    assert!(form.contains("name=\"tls\" value=\"on\" checked"), "{form}");
    assert!(form.contains("value=\"8729\""), "{form}");
    // The fixture's router is on plain API: its page says what that costs.
    let page = f.web.get(&format!("/routers/{}", f.router)).body;
    assert!(page.contains("cross the network unencrypted"), "{page}");
}
