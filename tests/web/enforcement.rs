//! The whole loop through the real server: API writes → reconciler → simulated router, on a
//! RouterOS 6.33 and a 7.16 simulator.

use crate::helpers::{TestApp, api_client, eventually, start_sim};
use serde_json::json;
use steppe::sim::SimHandle;

fn disabled(sim: &SimHandle, menu: &str, login: &str) -> Option<bool> {
    sim.find(menu, login)
        .and_then(|u| u.get("disabled").map(|d| d == "true" || d == "yes"))
}

fn loop_on(version: &str, login_method: &str) {
    let s = start_sim(version);
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("e2e"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": format!("Sim {version}"), "host": "127.0.0.1", "port": s.sim.addr().port(), "tls": false,
        "username": "api", "password": "router-pw", "login_method": login_method, "hotspot_server": "all", "pppoe": true
    }));
    assert_eq!(r.status, 201, "{}", r.body);
    let router = r.json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Home", "kind": "hotspot", "price": 1000, "duration_days": 30, "download": "10M", "upload": "2M", "shared_users": 1 })).json()["id"].as_u64().unwrap();
    let ppp_plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Office", "kind": "pppoe", "price": 5000, "duration_days": 30, "download": "50M", "upload": "10M", "remote_address": "pool1" })).json()["id"].as_u64().unwrap();
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)).to_string();
    let c = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": "Bat", "login": "bat", "password": "pw-01", "router_id": router, "plan_id": plan, "status": "active", "expires_at": future }));
    assert_eq!(c.status, 201, "{}", c.body);
    let id = c.json()["id"].as_u64().unwrap();
    let o = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "organization", "name": "Talst LLC", "login": "talst", "password": "pw-02", "router_id": router, "plan_id": ppp_plan, "status": "active", "expires_at": future }));
    assert_eq!(o.status, 201, "{}", o.body);

    eventually(10, "the hotspot user, enabled", || {
        disabled(&s.sim, "/ip/hotspot/user", "bat") == Some(false)
    });
    eventually(10, "the PPPoE secret, enabled", || {
        disabled(&s.sim, "/ppp/secret", "talst") == Some(false)
    });
    let user = s.sim.find("/ip/hotspot/user", "bat").unwrap();
    assert_eq!(user.get("profile"), Some("Home"));
    assert_eq!(user.get("comment"), Some(format!("steppe:{id}").as_str()));
    let profile = s
        .sim
        .find("/ip/hotspot/user/profile", "Home")
        .expect("plan pushed as a profile");
    assert_eq!(profile.get("rate-limit"), Some("2M/10M"));
    assert_eq!(
        s.sim
            .find("/ppp/profile", "Office")
            .unwrap()
            .get("remote-address"),
        Some("pool1")
    );
    // Editing a plan updates its profile on the router.
    let p = api.send_json(
        "PATCH",
        &format!("/api/v1/plans/{plan}"),
        &json!({ "download": "20M" }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    eventually(10, "the profile's new rate limit", || {
        s.sim
            .find("/ip/hotspot/user/profile", "Home")
            .and_then(|p| p.get("rate-limit").map(str::to_string))
            .as_deref()
            == Some("2M/20M")
    });
    eventually(10, "status online", || {
        api.get(&format!("/api/v1/routers/{router}")).json()["status"] == "online"
    });

    // Expiry: disabled and kicked within seconds of expires_at.
    s.sim
        .hotspot_login("bat", "pw-01", "10.5.50.2", "02:00:00:00:00:01")
        .expect("customer can log in");
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    let p = api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        &json!({ "expires_at": expires.to_string(), "expiry_reason": "the test expires them" }),
    );
    assert_eq!(p.status, 200);
    eventually(15, "the expired user disabled", || {
        disabled(&s.sim, "/ip/hotspot/user", "bat") == Some(true)
    });
    eventually(5, "the session kicked", || {
        s.sim.find("/ip/hotspot/active", "bat").is_none()
    });
    let late = jiff::Timestamp::now().duration_since(expires);
    println!(
        "{version}: expiry enforced {:.2} s after expires_at",
        late.as_secs_f64()
    );
    assert!(late.as_secs_f64() < 10.0, "expiry took {late:?}");
    assert!(
        s.sim
            .hotspot_login("bat", "pw-01", "10.5.50.2", "02:00:00:00:00:01")
            .is_err(),
        "a disabled user cannot log in again"
    );
    assert_eq!(
        api.get(&format!("/api/v1/customers/{id}")).json()["status"],
        "expired"
    );

    // Moving expiry forward enables again.
    let p = api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        &json!({ "expires_at": future, "expiry_reason": "back in service" }),
    );
    assert_eq!(p.status, 200);
    eventually(10, "the user enabled again", || {
        disabled(&s.sim, "/ip/hotspot/user", "bat") == Some(false)
    });
    // Suspension disables; the router page shows the live state.
    web.post_form(&format!("/customers/{id}/suspend"), &[]);
    eventually(10, "the suspended user disabled", || {
        disabled(&s.sim, "/ip/hotspot/user", "bat") == Some(true)
    });
    let page = web.get(&format!("/routers/{router}?live=1&lang=en"));
    assert!(
        page.body.contains("data-login=\"bat\"") && page.body.contains("data-login=\"talst\""),
        "{}",
        page.body
    );
    let log = web.get(&format!("/routers/{router}?lang=en"));
    assert!(
        log.body.contains("admin boss"),
        "the command log names the admin who caused it"
    );
    assert!(
        !log.body.contains("pw-01") && !log.body.contains("router-pw"),
        "no secrets in the command log"
    );
    drop(s);
}

#[test]
fn the_loop_on_routeros_6_33_with_challenge_login() {
    loop_on("6.33", "challenge");
}

#[test]
fn the_loop_on_routeros_7_16_with_plain_login() {
    loop_on("7.16", "plain");
}

/// Migration: an ISP's existing router entries become packages and customers, previewed first,
/// with nothing on the router lost or changed except Steppe's marker.
#[test]
fn import_from_a_router_in_service_round_trips() {
    use steppe::routeros::menus::{HotspotProfile, HotspotUser, Menu};
    use steppe::routeros::{Client, ClientConfig, LoginMethod};
    let s = start_sim("6.33");
    let port = s.sim.addr().port();
    s._rt.block_on(async {
        let mut cfg = ClientConfig::new("127.0.0.1", port, "api", "router-pw");
        cfg.login = LoginMethod::Challenge;
        let c = Client::connect(&cfg).await.unwrap();
        let profile = HotspotProfile {
            name: Some("10M".into()),
            rate_limit: Some("2M/10M 4M/20M 1M/5M 16/16".into()),
            shared_users: Some(2),
            ..Default::default()
        };
        Menu::<HotspotProfile>::new(&c).add(&profile).await.unwrap();
        let user = |name: &str, pw: &str, disabled: bool, comment: &str| HotspotUser {
            name: Some(name.into()),
            password: Some(pw.into()),
            profile: Some("10M".into()),
            disabled: Some(disabled),
            comment: Some(comment.into()),
            ..Default::default()
        };
        let users = Menu::<HotspotUser>::new(&c);
        users
            .add(&user("altan", "a1", false, "exp 2099-03-01"))
            .await
            .unwrap();
        users
            .add(&user("bold", "b2", true, "unpaid since oct"))
            .await
            .unwrap();
        users
            .add(&user("has space", "c3", false, ""))
            .await
            .unwrap();
    });
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("import"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Old tower", "host": "127.0.0.1", "port": port, "username": "api", "password": "router-pw",
        "login_method": "challenge", "hotspot_server": "all"
    }));
    let router = r.json()["id"].as_u64().unwrap();
    let preview = web.get(&format!("/routers/{router}/import?lang=en"));
    assert_eq!(preview.status, 200);
    for shown in ["altan", "bold", "has space", "2M/10M"] {
        assert!(preview.body.contains(shown), "preview lacks {shown}");
    }
    assert_eq!(
        api.get("/api/v1/customers").json()["total"],
        0,
        "the preview changes nothing"
    );
    let choices = [
        ("price:hotspot:10M", "30000"),
        ("days:hotspot:10M", "30"),
        ("take", "hotspot:altan"),
        ("take", "hotspot:bold"),
        ("expires_on", "2099-01-01"),
    ];
    let done = web.post_form(&format!("/routers/{router}/import"), &choices);
    assert_eq!(done.status, 303, "{}", done.body);
    // Submitted again (Back, then the button): nothing is imported twice.
    let again = web.post_form(&format!("/routers/{router}/import"), &choices);
    assert!(again.status < 500, "{} {}", again.status, again.body);
    assert_eq!(api.get("/api/v1/customers").json()["total"], 2);
    assert_eq!(
        api.get("/api/v1/plans").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "no package twice"
    );

    let customers = api.get("/api/v1/customers?sort=login").json();
    assert_eq!(
        customers["total"], 2,
        "the login with a space is skipped, the rest imported"
    );
    let altan = &customers["items"][0];
    assert_eq!(altan["login"], "altan");
    assert_eq!(altan["status"], "active");
    assert!(
        altan["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2099-03-01"),
        "expiry from the comment: {altan}"
    );
    assert_eq!(customers["items"][1]["status"], "disabled");
    let plans = api.get("/api/v1/plans").json();
    assert_eq!(plans["items"][0]["profile"], "10M");
    assert_eq!(plans["items"][0]["download"], "10M");
    assert_eq!(plans["items"][0]["shared_users"], 2);

    // The reconciler adopts the entries: markers set, passwords, profiles and states kept.
    eventually(10, "adoption", || {
        s.sim
            .find("/ip/hotspot/user", "altan")
            .and_then(|u| u.get("comment").map(|c| c.starts_with("steppe:")))
            == Some(true)
    });
    eventually(10, "adoption", || {
        s.sim
            .find("/ip/hotspot/user", "bold")
            .and_then(|u| u.get("comment").map(|c| c.starts_with("steppe:")))
            == Some(true)
    });
    let altan_on_router = s.sim.find("/ip/hotspot/user", "altan").unwrap();
    assert_eq!(altan_on_router.get("password"), Some("a1"));
    assert_eq!(altan_on_router.get("profile"), Some("10M"));
    assert_eq!(disabled(&s.sim, "/ip/hotspot/user", "altan"), Some(false));
    assert_eq!(disabled(&s.sim, "/ip/hotspot/user", "bold"), Some(true));
    let untouched = s.sim.find("/ip/hotspot/user", "has space").unwrap();
    assert_eq!(
        untouched.get("comment"),
        Some(""),
        "the skipped entry is left as it was"
    );
    assert_eq!(s.sim.items("/ip/hotspot/user").len(), 3, "nothing removed");
    assert_eq!(
        s.sim
            .find("/ip/hotspot/user/profile", "10M")
            .unwrap()
            .get("rate-limit"),
        Some("2M/10M 4M/20M 1M/5M 16/16")
    );
}

/// Money switches service: an expired customer pays and is enabled on the router within
/// seconds; the reversal disables them again; a 3-day extension enables them for exactly 3 days.
#[test]
fn payment_reversal_and_extension_drive_the_router() {
    let s = start_sim("7.16");
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("money"));
    let router = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Sim", "host": "127.0.0.1", "port": s.sim.addr().port(), "username": "api", "password": "router-pw",
        "login_method": "plain", "hotspot_server": "all"
    })).json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Home", "kind": "hotspot", "price": 3_500_000, "duration_days": 30, "download": "10M", "upload": "2M" })).json()["id"].as_u64().unwrap();
    let expired = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(5);
    let id = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": "Saraa", "login": "saraa", "password": "pw-05", "router_id": router, "plan_id": plan, "status": "active", "expires_at": expired.to_string() })).json()["id"].as_u64().unwrap();
    eventually(10, "the expired user on the router, disabled", || {
        disabled(&s.sim, "/ip/hotspot/user", "saraa") == Some(true)
    });

    let paid = api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": id, "amount": 3_500_000, "method": "cash" }),
    );
    assert_eq!(paid.status, 201);
    let took = eventually(10, "the paying customer enabled", || {
        disabled(&s.sim, "/ip/hotspot/user", "saraa") == Some(false)
    });
    println!(
        "payment → enabled on the router in {:.3} s",
        took.as_secs_f64()
    );
    assert!(
        took.as_secs_f64() < 2.0,
        "enabled {took:?} after the payment was recorded"
    );
    // The log is written just after the commands are applied.
    let cause = format!("payment #{}", paid.json()["id"]);
    eventually(10, "the command log naming the payment", || {
        web.get(&format!("/routers/{router}?lang=en"))
            .body
            .contains(&cause)
    });

    let pid = paid.json()["id"].as_u64().unwrap();
    api.send_json(
        "POST",
        &format!("/api/v1/payments/{pid}/reverse"),
        &json!({ "reason": "bounced" }),
    );
    eventually(10, "the reversed customer disabled again", || {
        disabled(&s.sim, "/ip/hotspot/user", "saraa") == Some(true)
    });

    let e = api
        .send_json(
            "POST",
            "/api/v1/extensions",
            &json!({ "customer_id": id, "days": 3, "free": true, "reason": "trial" }),
        )
        .json();
    let before = jiff::Timestamp::now();
    let after: jiff::Timestamp = e["customer"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let three = jiff::SignedDuration::from_hours(72);
    assert!(
        after >= before - jiff::SignedDuration::from_secs(5) + three && after <= before + three,
        "3 days from now for an expired customer"
    );
    eventually(10, "the extended customer enabled", || {
        disabled(&s.sim, "/ip/hotspot/user", "saraa") == Some(false)
    });
}

/// What went wrong on a router is on its page: a command that traps shows the router's own
/// words (and the failed command in the log); when the router works again the page says so.
#[test]
fn a_router_fault_is_shown_on_its_page_and_clears() {
    let s = start_sim("7.16");
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("faults"));
    let router = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Sim", "host": "127.0.0.1", "port": s.sim.addr().port(), "username": "api", "password": "router-pw",
        "login_method": "plain", "hotspot_server": "all"
    })).json()["id"].as_u64().unwrap();
    let plan = api.send_json("POST", "/api/v1/plans", &json!({ "name": "Home", "kind": "hotspot", "price": 3_500_000, "duration_days": 30, "download": "10M", "upload": "2M" })).json()["id"].as_u64().unwrap();
    eventually(10, "online", || {
        api.get(&format!("/api/v1/routers/{router}")).json()["status"] == "online"
    });
    s.sim
        .trap_commands("/ip/hotspot/user/add", "failure: simulated flash full");
    let c = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": "Nomin", "login": "nomin", "password": "pw-05", "router_id": router, "plan_id": plan, "status": "active", "expires_at": "2099-01-01T00:00:00Z" }));
    assert_eq!(c.status, 201);
    eventually(10, "the router's words on its page", || {
        web.get(&format!("/routers/{router}?lang=en"))
            .body
            .contains("simulated flash full")
    });
    s.sim.clear_traps();
    let r = web.post_form(&format!("/routers/{router}/sync"), &[]);
    assert!(r.status == 303, "{}", r.status);
    eventually(10, "the customer on the router after the fault", || {
        disabled(&s.sim, "/ip/hotspot/user", "nomin") == Some(false)
    });
    eventually(10, "the error gone from the router's state", || {
        api.get(&format!("/api/v1/routers/{router}")).json()["last_error"] == ""
    });
}

/// Issue #18, point 12: each new package gets its own price (typed in tögrög, stored in minor
/// units) and duration; rows can be left out; the expiry comes from the router's data (a date
/// in the comment, a hotspot user's online time left) or else the chosen date.
#[test]
fn import_takes_a_price_per_package_skips_rows_and_reads_expiry_from_the_router() {
    use steppe::routeros::menus::{HotspotProfile, HotspotUser, Menu};
    use steppe::routeros::{Client, ClientConfig};
    let s = start_sim("7.16");
    let port = s.sim.addr().port();
    s._rt.block_on(async {
        let c = Client::connect(&ClientConfig::new("127.0.0.1", port, "api", "router-pw"))
            .await
            .unwrap();
        for (name, rate) in [("5M", "1M/5M"), ("20M", "4M/20M"), ("30M", "6M/30M")] {
            let p = HotspotProfile {
                name: Some(name.into()),
                rate_limit: Some(rate.into()),
                ..Default::default()
            };
            Menu::<HotspotProfile>::new(&c).add(&p).await.unwrap();
        }
        let users = Menu::<HotspotUser>::new(&c);
        for (name, profile, comment, limit) in [
            ("altan", "5M", "paid, exp 2099-03-01", 0),
            ("bold", "5M", "", 10 * 86_400),
            ("chimeg", "20M", "", 0),
            ("dulmaa", "20M", "", 0),
            ("erdene", "30M", "", 0),
        ] {
            let u = HotspotUser {
                name: Some(name.into()),
                password: Some(format!("{name}-pw")),
                profile: Some(profile.into()),
                comment: Some(comment.into()),
                limit_uptime: (limit > 0).then(|| std::time::Duration::from_secs(limit)),
                ..Default::default()
            };
            users.add(&u).await.unwrap();
        }
        c.close();
    });
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("import"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Old tower", "host": "127.0.0.1", "port": port, "username": "api", "password": "router-pw",
        "login_method": "plain", "hotspot_server": "all"
    }));
    let router = r.json()["id"].as_u64().unwrap();
    let path = format!("/routers/{router}/import?lang=en");
    let preview = web.get(&path).body;
    assert!(!preview.contains("minor units"), "{preview}");
    assert!(
        preview.contains("Price (₮)") && preview.contains("Prices in ₮"),
        "{preview}"
    );
    assert!(
        preview.contains("name=\"price:hotspot:5M\""),
        "a price per package: {preview}"
    );
    assert!(preview.contains("(from the comment)"));
    assert!(preview.contains("(online time left (limit-uptime))"));
    assert!(preview.contains("the date below"));
    assert!(
        preview.contains("value=\"hotspot:dulmaa\" checked"),
        "rows start ticked"
    );

    let mut fields = vec![
        ("price:hotspot:5M", "25000"),
        ("days:hotspot:5M", "30"),
        ("price:hotspot:20M", ""),
        ("days:hotspot:20M", "7"),
        ("take", "hotspot:altan"),
        ("take", "hotspot:bold"),
        ("take", "hotspot:chimeg"),
        ("expires_on", "2098-06-30"),
    ];
    let bad = web.post_form(&path, &fields);
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body
            .contains("Give every new package a price above zero"),
        "{}",
        bad.body
    );
    assert!(
        !bad.body.contains("value=\"hotspot:dulmaa\" checked"),
        "an unticked row stays unticked"
    );
    assert!(bad.body.contains("value=\"hotspot:chimeg\" checked"));
    assert_eq!(
        api.get("/api/v1/customers").json()["total"],
        0,
        "nothing imported"
    );
    assert_eq!(
        api.get("/api/v1/plans").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    fields[2] = ("price:hotspot:20M", "45000");
    for _ in 0..2 {
        let done = web.post_form(&path, &fields);
        assert_eq!(done.status, 303, "{}", done.body);
    }
    let plans = api.get("/api/v1/plans").json();
    let plans = plans["items"].as_array().unwrap();
    let plan = |profile: &str| plans.iter().find(|p| p["profile"] == profile).cloned();
    assert_eq!(
        plans.len(),
        2,
        "only the profiles of imported rows, once: {plans:?}"
    );
    let five = plan("5M").unwrap();
    assert_eq!(
        (five["price"].as_i64(), five["duration_days"].as_i64()),
        (Some(2_500_000), Some(30))
    );
    let twenty = plan("20M").unwrap();
    assert_eq!(
        (twenty["price"].as_i64(), twenty["duration_days"].as_i64()),
        (Some(4_500_000), Some(7))
    );
    assert!(
        plan("30M").is_none(),
        "erdene was skipped, so is his profile"
    );

    let customers = api.get("/api/v1/customers?sort=login").json();
    assert_eq!(
        customers["total"], 3,
        "dulmaa and erdene left out: {customers}"
    );
    let items = customers["items"].as_array().unwrap();
    let expiry = |i: usize| items[i]["expires_at"].as_str().unwrap().to_string();
    assert_eq!(items[0]["login"], "altan");
    assert!(expiry(0).starts_with("2099-03-01"), "{}", expiry(0));
    let bold: jiff::Timestamp = expiry(1).parse().unwrap();
    let ten_days = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(240);
    assert!(
        (bold.as_second() - ten_days.as_second()).abs() < 3600,
        "bold: {bold}"
    );
    assert!(expiry(2).starts_with("2098-06-30"), "{}", expiry(2));
    assert_eq!(items[2]["plan_id"], twenty["id"]);
    eventually(10, "the imported user adopted", || {
        s.sim
            .find("/ip/hotspot/user", "chimeg")
            .and_then(|u| u.get("comment").map(String::from))
            .is_some_and(|c| c.starts_with("steppe:"))
    });
    assert_eq!(
        s.sim
            .find("/ip/hotspot/user", "dulmaa")
            .unwrap()
            .get("comment"),
        Some(""),
        "a skipped row is left as it was"
    );
}
