//! Issue #18, point 9: a refusal says why and offers the way out. A package with customers
//! explains and moves them; a customer's delete button says whether it deletes or archives.

use crate::helpers::{TestApp, api_client, eventually, start_sim};
use serde_json::json;

#[test]
fn a_package_in_use_explains_and_its_customers_move_to_another() {
    let s = start_sim("7.16");
    let (app, mut web) = TestApp::with_admin();
    let mut api = api_client(&app, &web.create_token("move"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Sim", "host": "127.0.0.1", "port": s.sim.addr().port(), "tls": false,
        "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all"
    }));
    let router = r.json()["id"].as_u64().unwrap();
    let plan = |api: &mut crate::helpers::Browser, name: &str, kind: &str| {
        let p = api.send_json("POST", "/api/v1/plans", &json!({ "name": name, "kind": kind, "price": 1000, "duration_days": 30, "download": "10M", "upload": "2M" }));
        assert_eq!(p.status, 201, "{}", p.body);
        p.json()["id"].as_u64().unwrap()
    };
    let (old, new, ppp) = (
        plan(&mut api, "Old", "hotspot"),
        plan(&mut api, "New", "hotspot"),
        plan(&mut api, "Wired", "pppoe"),
    );
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)).to_string();
    let mut ids = Vec::new();
    for login in ["bat", "dorj", "saraa"] {
        let c = api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": login, "login": login, "password": "pw-01", "router_id": router, "plan_id": old, "status": "active", "expires_at": future }));
        assert_eq!(c.status, 201, "{}", c.body);
        ids.push(c.json()["id"].as_u64().unwrap());
    }
    // Saraa paid once, then was removed: archived, she still counts as on the package.
    let paid = api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": ids[2], "amount": 1000, "method": "cash" }),
    );
    assert_eq!(paid.status, 201, "{}", paid.body);
    web.get(&format!("/customers/{}", ids[2]));
    assert_eq!(
        web.post_form(&format!("/customers/{}/delete", ids[2]), &[])
            .status,
        303
    );
    eventually(10, "bat on the old profile", || {
        s.sim
            .find("/ip/hotspot/user", "bat")
            .and_then(|u| u.get("profile").map(String::from))
            == Some("Old".into())
    });

    let page = web.get(&format!("/plans/{old}?lang=en"));
    assert!(
        page.body.contains("3 customers are on this package"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains(&format!("/plans/{old}/delete")),
        "no button that cannot work"
    );
    assert!(page.body.contains(&format!("action=\"/plans/{old}/move\"")));
    assert!(
        page.body.contains(&format!("value=\"{new}\"")),
        "another hotspot package offered"
    );
    assert!(
        !page.body.contains(&format!("value=\"{ppp}\"")),
        "a PPPoE package is not"
    );

    // A stale page's delete: refused on the package's own page, saying why.
    let refused = web.post_form(&format!("/plans/{old}/delete"), &[]);
    assert_eq!(refused.status, 409);
    assert!(
        refused.body.contains("3 customers are on this package"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("Something is not right"));
    assert!(refused.body.contains(&format!("/plans/{old}/move")));
    assert_eq!(api.get(&format!("/api/v1/plans/{old}")).status, 200);

    // Another kind, or the package itself, is refused and moves nobody.
    for bad in [ppp.to_string(), old.to_string(), "x".into()] {
        let r = web.post_form(&format!("/plans/{old}/move?lang=en"), &[("plan_id", &bad)]);
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert!(
            r.body.contains("Pick another package of the same kind"),
            "{}",
            r.body
        );
    }
    for id in &ids {
        assert_eq!(
            api.get(&format!("/api/v1/customers/{id}")).json()["plan_id"],
            old
        );
    }

    let moved = web.post_form(
        &format!("/plans/{old}/move"),
        &[("plan_id", &new.to_string())],
    );
    assert_eq!(moved.status, 303, "{}", moved.body);
    let after = web.get(&format!("{}&lang=en", moved.location()));
    assert!(after.body.contains("3 customers moved"), "{}", after.body);
    for id in &ids {
        assert_eq!(
            api.get(&format!("/api/v1/customers/{id}")).json()["plan_id"],
            new
        );
    }
    let audit = api.get("/api/v1/audit?entity=plan").body;
    assert!(audit.contains("move_customers"), "audited: {audit}");
    eventually(10, "the router converged on the new profile", || {
        s.sim
            .find("/ip/hotspot/user", "bat")
            .and_then(|u| u.get("profile").map(String::from))
            == Some("New".into())
    });

    let gone = web.post_form(&format!("/plans/{old}/delete"), &[]);
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(api.get(&format!("/api/v1/plans/{old}")).status, 404);
}

#[test]
fn the_customer_delete_button_says_whether_it_deletes_or_archives() {
    let mut f = crate::helpers::fixture();
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)).to_string();
    let fresh = f.new_customer(&crate::helpers::customer(
        f.router, f.plan, "fresh", &future,
    ));
    let payer = f.new_customer(&crate::helpers::customer(
        f.router, f.plan, "payer", &future,
    ));
    let p = f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": payer, "amount": 3_500_000, "method": "cash" }),
    );
    assert_eq!(p.status, 201, "{}", p.body);

    let page = f.web.get(&format!("/customers/{fresh}?lang=en"));
    assert!(
        page.body.contains("will be deleted for good"),
        "{}",
        page.body
    );
    let page = f.web.get(&format!("/customers/{payer}?lang=en"));
    assert!(
        page.body.contains("will be archived, not deleted"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("for good"));

    let r = f.web.post_form(&format!("/customers/{payer}/delete"), &[]);
    assert_eq!(r.location(), format!("/customers/{payer}?notice=archived"));
    let archived = f.web.get(&format!("{}&lang=en", r.location()));
    assert!(
        archived.body.contains("The customer is archived"),
        "{}",
        archived.body
    );
    assert!(
        !archived
            .body
            .contains(&format!("/customers/{payer}/delete")),
        "nothing left to remove"
    );
    assert_eq!(
        f.api.get(&format!("/api/v1/customers/{payer}")).json()["archived"],
        true
    );

    let r = f.web.post_form(&format!("/customers/{fresh}/delete"), &[]);
    assert_eq!(r.location(), "/customers?notice=deleted");
    assert_eq!(f.api.get(&format!("/api/v1/customers/{fresh}")).status, 404);
}
