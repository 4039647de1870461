//! Issue #18, point 8: a router's page and form say what the router is, or why Steppe cannot
//! reach it: never-reached figures are "—", "Test connection" works before saving, and the
//! hotspot server is picked from what the router reports.

use crate::helpers::{SimRouter, TestApp, api_client, eventually, fixture, start_sim};
use serde_json::json;
use steppe::routeros::menus::{HotspotServer, Menu, PppoeServer};
use steppe::routeros::{Client, ClientConfig};

/// A 7.16 simulator with a second hotspot server and a PPPoE server beside the factory ones.
fn sim_with_servers() -> SimRouter {
    let s = start_sim("7.16");
    let port = s.sim.addr().port();
    s._rt.block_on(async {
        let c = Client::connect(&ClientConfig::new("127.0.0.1", port, "api", "router-pw"))
            .await
            .unwrap();
        let hs = HotspotServer {
            name: Some("guest-wifi".into()),
            interface: Some("ether2".into()),
            ..Default::default()
        };
        Menu::<HotspotServer>::new(&c).add(&hs).await.unwrap();
        let pppoe = PppoeServer {
            service_name: Some("isp-pppoe".into()),
            interface: Some("ether3".into()),
            ..Default::default()
        };
        Menu::<PppoeServer>::new(&c).add(&pppoe).await.unwrap();
        c.close();
    });
    s
}

fn typed(port: &str, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Tower B".into()),
        ("host", "127.0.0.1".into()),
        ("port", port.into()),
        ("username", "api".into()),
        ("password", password.into()),
        ("login_method", "plain".into()),
        ("hotspot_server", "all".into()),
    ]
}

fn post(
    web: &mut crate::helpers::Browser,
    path: &str,
    fields: &[(&str, String)],
) -> crate::helpers::Page {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    web.post_form(path, &f)
}

#[test]
fn a_router_never_reached_shows_dashes_and_why_not_zeros() {
    let mut f = fixture();
    let path = format!("/routers/{}?lang=en", f.router);
    // The fixture's router is on a closed port: the first attempt fails, refused.
    eventually(10, "the first attempt's error", || {
        f.web
            .get(&path)
            .body
            .contains("Nothing answers at this address and port")
    });
    let page = f.web.get(&path).body;
    assert!(page.contains("has not reached this router yet"), "{page}");
    assert!(
        !page.contains(">0s<") && !page.contains("0 / 0 MiB") && !page.contains(">0%<"),
        "{page}"
    );
    assert!(
        page.contains("Connection refused"),
        "the client's detail is kept: {page}"
    );
    let mn = f.web.get(&format!("/routers/{}?lang=mn", f.router)).body;
    assert!(mn.contains("хараахан холбогдож чадаагүй"), "{mn}");
    assert!(
        mn.contains("API үйлчилгээ"),
        "the reason in Mongolian: {mn}"
    );
}

#[test]
fn test_connection_before_saving_reports_the_router_and_saves_nothing() {
    let s = sim_with_servers();
    let port = s.sim.addr().port().to_string();
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("try"));
    let form = web.get("/routers/new?lang=en").body;
    assert!(form.contains("formaction=\"/routers/try\""), "{form}");

    let ok = post(&mut web, "/routers/try?lang=en", &typed(&port, "router-pw"));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(
        ok.body.contains("Connected: MikroTik, RouterOS 7.16"),
        "{}",
        ok.body
    );
    assert!(ok.body.contains("Nothing is saved until you press Save"));
    // The hotspot server is picked from the router's own list; free text stays possible.
    assert!(ok.body.contains("list=\"hotspot-servers\""), "{}", ok.body);
    assert!(
        ok.body
            .contains("<option value=\"guest-wifi\">guest-wifi — ether2</option>"),
        "{}",
        ok.body
    );
    assert!(
        ok.body.contains("<option value=\"hotspot1\">"),
        "{}",
        ok.body
    );
    assert!(
        ok.body.contains("isp-pppoe"),
        "the PPPoE servers are named: {}",
        ok.body
    );
    assert!(
        ok.body.contains("value=\"Tower B\""),
        "the form comes back as typed"
    );

    let wrong = post(&mut web, "/routers/try?lang=en", &typed(&port, "not-it"));
    assert_eq!(wrong.status, 200);
    assert!(
        wrong.body.contains("The router refused the login"),
        "{}",
        wrong.body
    );
    let closed = post(&mut web, "/routers/try?lang=en", &typed("1", "x"));
    assert!(
        closed.body.contains("Nothing answers at this address"),
        "{}",
        closed.body
    );
    let no_pw = post(&mut web, "/routers/try?lang=en", &typed(&port, ""));
    assert_eq!(no_pw.status, 422, "a new router's test needs the password");

    assert_eq!(
        api.get("/api/v1/routers").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing saved"
    );
    let audit = web.get("/audit?lang=en").body;
    assert!(
        audit.contains(&format!("127.0.0.1:{port} answered: MikroTik")),
        "{audit}"
    );

    // Saved, then edited: the stored password is used for the same server, and never for
    // another address.
    let r = api.send_json("POST", "/api/v1/routers", &json!({ "name": "Tower B", "host": "127.0.0.1", "port": s.sim.addr().port(), "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all" }));
    let id = r.json()["id"].as_u64().unwrap();
    let again = post(
        &mut web,
        &format!("/routers/{id}/try?lang=en"),
        &typed(&port, ""),
    );
    assert!(again.body.contains("Connected: MikroTik"), "{}", again.body);
    assert!(
        !again.body.contains("router-pw"),
        "a saved password is never sent back"
    );
    let elsewhere = post(
        &mut web,
        &format!("/routers/{id}/try?lang=en"),
        &typed("8728", ""),
    );
    assert_eq!(elsewhere.status, 422, "{}", elsewhere.body);
}

#[test]
fn the_edit_form_of_a_reachable_router_offers_its_hotspot_servers() {
    let s = sim_with_servers();
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("pick"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({ "name": "Tower C", "host": "127.0.0.1", "port": s.sim.addr().port(), "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all" }));
    let id = r.json()["id"].as_u64().unwrap();
    eventually(10, "online", || {
        api.get(&format!("/api/v1/routers/{id}")).json()["status"] == "online"
    });
    let form = web.get(&format!("/routers/{id}/edit?lang=en")).body;
    assert!(
        form.contains("<option value=\"guest-wifi\">guest-wifi — ether2</option>"),
        "{form}"
    );
    assert!(
        !form.contains("id=\"probe\""),
        "opening the form is not a test"
    );
    // The same form of a router that cannot be reached: free text only.
    let mut f = fixture();
    let form = f
        .web
        .get(&format!("/routers/{}/edit?lang=en", f.router))
        .body;
    assert!(
        form.contains("name=\"hotspot_server\" value=\"all\""),
        "{form}"
    );
    assert!(!form.contains("<datalist"), "{form}");
}
