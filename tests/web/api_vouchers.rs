//! Vouchers, agents and the agent's desk over the JSON API: batches made once under an
//! `Idempotency-Key`, cards listed, filtered and found by code, voiding, deposits and stock moved
//! once per key, sales and renewals through `/desk` with the agent's own token (debited at the
//! agent price, refused past the credit limit with nothing changed), an agent's token refused
//! everywhere else, and bad bodies changing nothing. Every answer is checked against the
//! OpenAPI document.

use crate::contract::{Documented, conform};
use crate::helpers::{ADMIN_PW, Browser, Fixture, Page, api_client, customer, fixture};
use serde_json::{Value, json};

/// Checks `page` against what the document says `method template` answers with its status.
fn documented(doc: &Value, method: &str, template: &str, page: &Page) -> Value {
    let schema = &doc["paths"][template][method]["responses"][page.status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        schema.is_object(),
        "{method} {template}: {} is not documented",
        page.status
    );
    let v = page.json();
    let mut problems = Vec::new();
    conform(
        doc,
        schema,
        &v,
        &format!("{method} {template}"),
        &mut problems,
    );
    assert!(problems.is_empty(), "{problems:?}\n{v}");
    v
}

fn send_keyed(api: &mut Browser, path: &str, key: &str, body: &Value) -> Page {
    api.post_json_keyed(path, key, body)
}

/// A batch of `count` cards at 1,000.00 (minor units), made over the API; its answer.
fn batch(f: &mut Fixture, count: u32, mode: &str, key: &str) -> Page {
    let body = json!({
        "router_ids": [f.router], "plan_id": f.plan, "count": count, "style": "letters",
        "length": 8, "prefix": "tn", "login_mode": mode, "price": 100_000, "note": "api"
    });
    send_keyed(&mut f.api, "/api/v1/vouchers/batches", key, &body)
}

/// An agent made through the operator's form (the API does not make agents); its id.
fn agent(f: &mut Fixture, name: &str, username: &str) -> u64 {
    let p = f.web.post_form(
        "/agents",
        &[
            ("name", name),
            ("phone", "99112233"),
            ("pays_at", "sale"),
            ("credit_limit", "0"),
            ("active", "on"),
            ("username", username),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let loc = p.location();
    loc["/agents/".len()..loc.find('?').unwrap()]
        .parse()
        .unwrap()
}

/// An API client with a token of `username`'s own login.
fn token_of(f: &Fixture, username: &str) -> Browser {
    let mut web = f.app.browser();
    assert_eq!(web.login(username, ADMIN_PW).status, 303);
    assert_eq!(
        web.get("/account").status,
        200,
        "the token form's CSRF token"
    );
    api_client(&f.app, &web.create_token("shop"))
}

fn audit_head(api: &mut Browser) -> u64 {
    api.get("/api/v1/audit").json()["items"][0]["id"]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn batches_and_cards_over_the_api() {
    let mut f = fixture();
    let doc = f.api.get("/api/v1/openapi.json").json();
    let mut seen = Documented::fetch(&mut f.api);

    // Bad bodies make nothing: an unknown field (400), every bad field named at once (422).
    let before = audit_head(&mut f.api);
    let unknown = f.api.send_json(
        "POST",
        "/api/v1/vouchers/batches",
        &json!({ "count": 5, "colour": "red" }),
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert_eq!(unknown.json()["error"]["code"], "bad_request");
    let bad = f.api.send_json(
        "POST",
        "/api/v1/vouchers/batches",
        &json!({ "router_ids": [999], "plan_id": f.plan, "count": 20_000, "style": "emoji",
                 "price": 1.5, "validity": "until", "until": "2001-01-01T00:00:00Z" }),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let fields = &bad.json()["error"]["fields"];
    assert!(
        fields["price"].is_string(),
        "a fraction is no money: {fields}"
    );
    let bad = f.api.send_json(
        "POST",
        "/api/v1/vouchers/batches",
        &json!({ "router_ids": [999], "plan_id": f.plan, "count": 20_000, "style": "emoji",
                 "price": 100, "validity": "until", "until": "2001-01-01T00:00:00Z" }),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let fields = &bad.json()["error"]["fields"];
    for field in ["router_ids", "count", "style", "until"] {
        assert!(fields[field].is_string(), "{field}: {fields}");
    }
    let many = f.api.send_json(
        "POST",
        "/api/v1/vouchers/batches",
        &json!({ "router_ids": vec![1; 500], "plan_id": f.plan, "count": 1, "price": 100 }),
    );
    assert_eq!(many.status, 422, "{}", many.body);
    for p in [&unknown, &bad, &many] {
        seen.saw("POST", "/api/v1/vouchers/batches", p.status);
    }
    assert_eq!(
        audit_head(&mut f.api),
        before,
        "refused bodies wrote nothing"
    );
    let list = f.api.get("/api/v1/vouchers/batches");
    assert_eq!(list.json()["total"], 0);

    // Made once under its key; the retry answers with the same batch.
    let made = batch(&mut f, 12, "code", "batch-1");
    assert_eq!(made.status, 201, "{}", made.body);
    let b = documented(&doc, "post", "/vouchers/batches", &made);
    assert_eq!(b["replayed"], false);
    assert_eq!(b["counts"]["in_stock"], 12);
    assert_eq!(b["plan"], "Home 10");
    assert_eq!(b["routers"][0]["name"], "Tower A");
    assert_eq!(b["price"], 100_000, "minor units in, minor units out");
    assert_eq!(b["prefix"], "TN");
    let again = batch(&mut f, 12, "code", "batch-1");
    assert_eq!(again.status, 200, "{}", again.body);
    let a = documented(&doc, "post", "/vouchers/batches", &again);
    assert_eq!(
        (a["id"].clone(), a["replayed"].clone()),
        (b["id"].clone(), json!(true))
    );
    let id = b["id"].as_u64().unwrap();
    let list = f.api.get("/api/v1/vouchers/batches?per=5");
    let l = documented(&doc, "get", "/vouchers/batches", &list);
    assert_eq!(l["total"], 1, "one batch for two requests");
    assert_eq!(l["items"][0]["counts"]["in_stock"], 12);
    let one = f.api.get(&format!("/api/v1/vouchers/batches/{id}"));
    documented(&doc, "get", "/vouchers/batches/{id}", &one);
    assert_eq!(f.api.get("/api/v1/vouchers/batches/4242").status, 404);

    // Cards: in printed order, paged, by part of the code; never a PIN.
    let page = f.api.get(&format!(
        "/api/v1/vouchers/cards?batch_id={id}&per=5&page=2"
    ));
    let p = documented(&doc, "get", "/vouchers/cards", &page);
    assert_eq!(p["total"], 12);
    let numbers: Vec<u64> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [6, 7, 8, 9, 10]);
    assert!(
        p["items"][0].get("pin").is_none(),
        "no PIN on the view list"
    );
    let code = p["items"][0]["code"].as_str().unwrap().to_string();
    let part = code[2..6].to_lowercase();
    let found = f
        .api
        .get(&format!("/api/v1/vouchers/cards?batch_id={id}&code={part}"))
        .json();
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == code.as_str()),
        "{found}"
    );
    let by_code = f.api.get(&format!(
        "/api/v1/vouchers/cards/by-code/{}",
        code.to_lowercase()
    ));
    let c = documented(&doc, "get", "/vouchers/cards/by-code/{code}", &by_code);
    assert_eq!(
        (c["number"].as_u64(), c["state"].as_str()),
        (Some(6), Some("in_stock"))
    );
    assert_eq!(c["batch"]["id"], id);
    for (url, param) in [
        ("/api/v1/vouchers/cards".to_string(), "batch_id"),
        (
            format!("/api/v1/vouchers/cards?batch_id={id}&per=5000"),
            "per",
        ),
        (
            format!("/api/v1/vouchers/cards?batch_id={id}&state=lost"),
            "state",
        ),
        (
            format!(
                "/api/v1/vouchers/cards?batch_id={id}&code={}",
                "A".repeat(40)
            ),
            "code",
        ),
        (
            format!("/api/v1/vouchers/cards?batch_id={id}&code=a%27b"),
            "code",
        ),
        ("/api/v1/vouchers/batches?per=101".to_string(), "per"),
    ] {
        let r = f.api.get(&url);
        seen.saw("GET", &url, r.status);
        assert_eq!(r.status, 422, "{url}: {}", r.body);
        assert!(
            r.json()["error"]["fields"][param].is_string(),
            "{url}: {}",
            r.body
        );
    }
    for url in [
        "/api/v1/vouchers/cards/by-code/NOSUCHCODE".to_string(),
        format!("/api/v1/vouchers/cards/by-code/{}", "A".repeat(5000)),
        "/api/v1/vouchers/cards?batch_id=4242".to_string(),
    ] {
        let r = f.api.get(&url);
        seen.saw("GET", &url, r.status);
        assert_eq!(r.status, 404, "{url}");
    }

    // PINs only on the batch's own card list, which is audited.
    let pins = batch(&mut f, 3, "code_pin", "batch-2");
    assert_eq!(pins.status, 201, "{}", pins.body);
    let pin_batch = pins.json()["id"].as_u64().unwrap();
    let viewed = f
        .api
        .get(&format!("/api/v1/vouchers/cards?batch_id={pin_batch}"));
    assert!(!viewed.body.contains("\"pin\""), "{}", viewed.body);
    let before = audit_head(&mut f.api);
    let handed = f
        .api
        .get(&format!("/api/v1/vouchers/batches/{pin_batch}/cards"));
    let h = documented(&doc, "get", "/vouchers/batches/{id}/cards", &handed);
    for card in h["items"].as_array().unwrap() {
        let pin = card["pin"].as_str().unwrap();
        assert!(
            pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
            "{pin}"
        );
    }
    assert!(!handed.body.contains("pin_sealed"));
    assert!(audit_head(&mut f.api) > before, "the handout is audited");

    // Voiding: a range, single codes, the rest; each changes the cards' state.
    let void = |api: &mut Browser, body: Value| {
        api.send_json(
            "POST",
            &format!("/api/v1/vouchers/batches/{id}/void"),
            &body,
        )
    };
    let codes: Vec<String> = f
        .api
        .get(&format!("/api/v1/vouchers/cards?batch_id={id}"))
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    let before = audit_head(&mut f.api);
    let other = f
        .api
        .get(&format!("/api/v1/vouchers/cards?batch_id={pin_batch}"))
        .json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    for body in [
        json!({}),
        json!({ "reason": "lost" }),
        json!({ "whole": true, "from": 1, "to": 2 }),
        json!({ "from": 5, "to": 2 }),
        json!({ "from": 1, "to": 99 }),
        json!({ "codes": [other] }),
        json!({ "codes": ["NOSUCH"] }),
        json!({ "codes": vec!["X"; 1001] }),
        json!({ "whole": true, "reason": "x".repeat(500) }),
    ] {
        let r = void(&mut f.api, body.clone());
        seen.saw(
            "POST",
            &format!("/api/v1/vouchers/batches/{id}/void"),
            r.status,
        );
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], "invalid");
    }
    assert_eq!(
        audit_head(&mut f.api),
        before,
        "refused voids changed nothing"
    );
    let range = void(&mut f.api, json!({ "from": 1, "to": 2, "reason": "torn" }));
    let r = documented(&doc, "post", "/vouchers/batches/{id}/void", &range);
    assert_eq!(r["voided"], 2);
    assert_eq!(r["batch"]["counts"]["void"], 2);
    let single = void(&mut f.api, json!({ "codes": [codes[2].to_lowercase()] }));
    assert_eq!(
        documented(&doc, "post", "/vouchers/batches/{id}/void", &single)["voided"],
        1
    );
    let dead = void(&mut f.api, json!({ "codes": [codes[0]] }));
    seen.saw(
        "POST",
        &format!("/api/v1/vouchers/batches/{id}/void"),
        dead.status,
    );
    assert_eq!(
        dead.status, 409,
        "naming a void card is a mistake worth saying"
    );
    let state = |api: &mut Browser, code: &str| {
        api.get(&format!("/api/v1/vouchers/cards/by-code/{code}"))
            .json()["state"]
            .clone()
    };
    assert_eq!(state(&mut f.api, &codes[0]), "void");
    assert_eq!(state(&mut f.api, &codes[3]), "in_stock");
    let whole = void(&mut f.api, json!({ "whole": true, "reason": "stolen" }));
    let w = documented(&doc, "post", "/vouchers/batches/{id}/void", &whole);
    assert_eq!(
        (w["voided"].as_u64(), w["already_void"].as_u64()),
        (Some(9), Some(3))
    );
    assert_eq!(state(&mut f.api, &codes[3]), "void");
    let voided = f
        .api
        .get(&format!("/api/v1/vouchers/cards?batch_id={id}&state=void"))
        .json();
    assert_eq!(voided["total"], 12);
    let nothing = void(&mut f.api, json!({ "whole": true }));
    assert_eq!(nothing.status, 422, "nothing left to void");
    seen.check();
}

#[test]
fn agents_and_their_desk_over_the_api() {
    let mut f = fixture();
    let doc = f.api.get("/api/v1/openapi.json").json();
    let mut seen = Documented::fetch(&mut f.api);
    // Agents keep 10 %: a 1,000.00 card costs them 900.00.
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/plans/{}", f.plan),
        &json!({ "agent_commission_pct": 10 }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    let made = batch(&mut f, 10, "code_pin", "stock-batch");
    assert_eq!(made.status, 201, "{}", made.body);
    let b = made.json()["id"].as_u64().unwrap();
    let a = agent(&mut f, "Bat's shop", "shop1");

    let list = f.api.get("/api/v1/agents");
    let l = documented(&doc, "get", "/agents", &list);
    assert_eq!(
        (l["total"].as_u64(), l["items"][0]["login"].as_str()),
        (Some(1), Some("shop1"))
    );

    // Deposits: once per key; bad ones change nothing.
    let deposits = format!("/api/v1/agents/{a}/deposits");
    let before = audit_head(&mut f.api);
    for (body, status) in [
        (json!({ "amount": 0, "method": "cash" }), 422),
        (json!({ "amount": 10.5, "method": "cash" }), 422),
        (json!({ "amount": 1000, "method": "bitcoin" }), 422),
        (json!({ "amount": 1000 }), 422),
        (
            json!({ "amount": 1000, "method": "cash", "reference": "r".repeat(200) }),
            422,
        ),
        (json!({ "amount": 1000, "method": "cash", "tip": 5 }), 400),
    ] {
        let r = send_keyed(&mut f.api, &deposits, "bad", &body);
        seen.saw("POST", &deposits, r.status);
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let nobody = f.api.send_json(
        "POST",
        "/api/v1/agents/4242/deposits",
        &json!({ "amount": 1000, "method": "cash" }),
    );
    assert_eq!(nobody.status, 404);
    assert_eq!(
        audit_head(&mut f.api),
        before,
        "refused deposits wrote nothing"
    );
    let body = json!({ "amount": 100_000, "method": "cash", "reference": "receipt 7" });
    let d1 = send_keyed(&mut f.api, &deposits, "dep-1", &body);
    assert_eq!(d1.status, 201, "{}", d1.body);
    let d = documented(&doc, "post", "/agents/{id}/deposits", &d1);
    assert_eq!(
        (d["agent"]["balance"].as_i64(), d["entry"]["kind"].as_str()),
        (Some(100_000), Some("deposit"))
    );
    let d2 = send_keyed(&mut f.api, &deposits, "dep-1", &body);
    assert_eq!(d2.status, 200, "{}", d2.body);
    let d = documented(&doc, "post", "/agents/{id}/deposits", &d2);
    assert_eq!(
        (d["replayed"].as_bool(), d["agent"]["balance"].as_i64()),
        (Some(true), Some(100_000))
    );

    // Stock: five handed over, two taken back by number, each once per key.
    let stock = format!("/api/v1/agents/{a}/stock");
    for (body, status) in [
        (json!({ "batch_id": b, "count": 20_000 }), 422),
        (json!({ "batch_id": 4242, "count": 1 }), 422),
        (json!({ "batch_id": b }), 422),
        (json!({ "batch_id": b, "from": 1, "to": 20_000 }), 422),
        (json!({ "batch_id": b, "count": 1, "back": "yes" }), 422),
        (json!({ "batch_id": b, "count": 11 }), 422),
    ] {
        let r = send_keyed(&mut f.api, &stock, "bad", &body);
        seen.saw("POST", &stock, r.status);
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let s1 = send_keyed(
        &mut f.api,
        &stock,
        "hand-1",
        &json!({ "batch_id": b, "count": 5 }),
    );
    assert_eq!(s1.status, 201, "{}", s1.body);
    let s = documented(&doc, "post", "/agents/{id}/stock", &s1);
    assert_eq!(s["agent"]["stock"][0]["held"], 5);
    assert_eq!(s["agent"]["stock"][0]["agent_price"], 90_000);
    let back = json!({ "batch_id": b, "from": 4, "to": 5, "back": true });
    let s2 = send_keyed(&mut f.api, &stock, "back-1", &back);
    assert_eq!(s2.status, 201, "{}", s2.body);
    let s3 = send_keyed(&mut f.api, &stock, "back-1", &back);
    assert_eq!(s3.status, 200, "{}", s3.body);
    let got = f.api.get(&format!("/api/v1/agents/{a}"));
    let g = documented(&doc, "get", "/agents/{id}", &got);
    assert_eq!(g["stock"][0]["held"], 3, "handed 5, took 2 back once");
    let cards = f
        .api
        .get(&format!("/api/v1/vouchers/cards?batch_id={b}&state=handed"))
        .json();
    assert_eq!(cards["total"], 3);
    assert_eq!(cards["items"][0]["agent"], "Bat's shop");

    // The agent's own token opens the desk and nothing else.
    let mut shop = token_of(&f, "shop1");
    for (method, url) in [
        ("GET", "/api/v1/agents".to_string()),
        ("GET", format!("/api/v1/agents/{a}")),
        ("POST", format!("/api/v1/agents/{a}/deposits")),
        ("POST", format!("/api/v1/agents/{a}/stock")),
        ("GET", format!("/api/v1/agents/{a}/statement")),
        ("GET", "/api/v1/vouchers/batches".to_string()),
        ("POST", "/api/v1/vouchers/batches".to_string()),
        ("GET", format!("/api/v1/vouchers/batches/{b}")),
        ("GET", format!("/api/v1/vouchers/batches/{b}/cards")),
        ("POST", format!("/api/v1/vouchers/batches/{b}/void")),
        ("GET", format!("/api/v1/vouchers/cards?batch_id={b}")),
        ("GET", "/api/v1/vouchers/cards/by-code/ABC".to_string()),
        ("GET", "/api/v1/customers".to_string()),
    ] {
        let r = if method == "GET" {
            shop.get(&url)
        } else {
            shop.send_json(
                method,
                &url,
                &json!({ "amount": 1, "method": "cash", "whole": true }),
            )
        };
        seen.saw(method, &url, r.status);
        assert_eq!(
            r.status, 403,
            "an agent's token on {method} {url}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["code"], "forbidden");
    }
    let desk = shop.get("/api/v1/desk");
    let dk = documented(&doc, "get", "/desk", &desk);
    assert_eq!(
        (dk["id"].as_u64(), dk["balance"].as_i64()),
        (Some(a), Some(100_000))
    );
    assert_eq!(dk["stock"][0]["held"], 3);
    // A login that is no agent's has no desk.
    let boss_desk = f.api.get("/api/v1/desk");
    seen.saw("GET", "/api/v1/desk", boss_desk.status);
    assert_eq!(boss_desk.status, 409);

    // A sale: the card to hand over, debited at the agent price; a retry sells nothing more.
    let before = audit_head(&mut f.api);
    for (body, status) in [
        (json!({}), 422),
        (json!({ "batch_id": "x" }), 422),
        (json!({ "batch_id": 4242 }), 422),
        (json!({ "batch_id": b, "card_id": 1 }), 400),
    ] {
        let r = send_keyed(&mut shop, "/api/v1/desk/sales", "bad", &body);
        seen.saw("POST", "/api/v1/desk/sales", r.status);
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let raw = f
        .api
        .send_json("POST", "/api/v1/desk/sales", &json!({ "batch_id": "x" }));
    assert!(raw.body.starts_with('{'), "JSON errors");
    assert_eq!(audit_head(&mut f.api), before);
    let sale = send_keyed(
        &mut shop,
        "/api/v1/desk/sales",
        "sale-1",
        &json!({ "batch_id": b }),
    );
    assert_eq!(sale.status, 201, "{}", sale.body);
    let s = documented(&doc, "post", "/desk/sales", &sale);
    let code = s["code"].as_str().unwrap().to_string();
    let pin = s["pin"].as_str().unwrap().to_string();
    assert_eq!(s["package"], "Home 10");
    assert_eq!(s["validity"]["kind"], "first_login");
    assert_eq!(s["validity"]["duration_secs"], 30 * 86_400);
    assert_eq!(
        s["login_url"].as_str().unwrap(),
        format!("http://127.0.0.1/login?username={code}&password={pin}")
    );
    assert_eq!(
        (s["card"]["state"].as_str(), s["agent"]["balance"].as_i64()),
        (Some("sold"), Some(10_000))
    );
    let again = send_keyed(
        &mut shop,
        "/api/v1/desk/sales",
        "sale-1",
        &json!({ "batch_id": b }),
    );
    assert_eq!(again.status, 200, "{}", again.body);
    let s2 = documented(&doc, "post", "/desk/sales", &again);
    assert_eq!(
        (s2["code"].as_str(), s2["agent"]["balance"].as_i64()),
        (Some(code.as_str()), Some(10_000))
    );
    // Past the credit limit: a JSON 422 and nothing moves.
    let over = send_keyed(
        &mut shop,
        "/api/v1/desk/sales",
        "sale-2",
        &json!({ "batch_id": b }),
    );
    seen.saw("POST", "/api/v1/desk/sales", over.status);
    assert_eq!(over.status, 422, "{}", over.body);
    assert!(
        over.json()["error"]["fields"]["agent"].is_string(),
        "{}",
        over.body
    );
    let after = shop.get("/api/v1/desk").json();
    assert_eq!(
        (
            after["balance"].as_i64(),
            after["stock"][0]["held"].as_u64()
        ),
        (Some(10_000), Some(2))
    );
    let sold = f
        .api
        .get(&format!("/api/v1/vouchers/cards?batch_id={b}&state=sold"))
        .json();
    assert_eq!(sold["total"], 1);

    // The same key from another agent is that agent's own sale, never the first one's card.
    let a2 = agent(&mut f, "Dorj kiosk", "shop2");
    let dep = send_keyed(
        &mut f.api,
        &format!("/api/v1/agents/{a2}/deposits"),
        "dep-1",
        &body,
    );
    assert_eq!(
        dep.status, 201,
        "the key is the other agent's: {}",
        dep.body
    );
    let st = send_keyed(
        &mut f.api,
        &format!("/api/v1/agents/{a2}/stock"),
        "hand-1",
        &json!({ "batch_id": b, "count": 1 }),
    );
    assert_eq!(st.status, 201, "{}", st.body);
    let mut kiosk = token_of(&f, "shop2");
    let theirs = send_keyed(
        &mut kiosk,
        "/api/v1/desk/sales",
        "sale-1",
        &json!({ "batch_id": b }),
    );
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert_ne!(theirs.json()["code"], code.as_str());

    // A renewal from the balance, recorded once as the customer's payment.
    let c = f.new_customer(&customer(f.router, f.plan, "ren", "2020-01-01T00:00:00Z"));
    let dep = send_keyed(
        &mut f.api,
        &deposits,
        "dep-2",
        &json!({ "amount": 4_000_000, "method": "cash" }),
    );
    assert_eq!(dep.status, 201, "{}", dep.body);
    for (body, status) in [
        (json!({ "who": "" }), 422),
        (json!({ "who": "nobody-here" }), 422),
        (json!({ "who": "x".repeat(61) }), 422),
        (json!({ "who": 5 }), 422),
        (json!({ "login": "ren" }), 400),
    ] {
        let r = send_keyed(&mut shop, "/api/v1/desk/renewals", "bad", &body);
        seen.saw("POST", "/api/v1/desk/renewals", r.status);
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let ren = send_keyed(
        &mut shop,
        "/api/v1/desk/renewals",
        "ren-1",
        &json!({ "who": "ren" }),
    );
    assert_eq!(ren.status, 201, "{}", ren.body);
    let r = documented(&doc, "post", "/desk/renewals", &ren);
    assert_eq!(
        (
            r["customer"]["id"].as_u64(),
            r["payment"]["method"].as_str()
        ),
        (Some(c), Some("agent"))
    );
    assert_eq!(r["payment"]["amount"], 3_500_000);
    let balance = 10_000 + 4_000_000 - 3_150_000;
    assert_eq!(r["agent"]["balance"], balance);
    let expires = r["customer"]["expires_at"].as_str().unwrap().to_string();
    assert!(expires.as_str() > "2026", "{expires}");
    let ren2 = send_keyed(
        &mut shop,
        "/api/v1/desk/renewals",
        "ren-1",
        &json!({ "who": "ren" }),
    );
    assert_eq!(ren2.status, 200, "{}", ren2.body);
    let r2 = documented(&doc, "post", "/desk/renewals", &ren2);
    assert_eq!(
        (
            r2["agent"]["balance"].as_i64(),
            r2["customer"]["expires_at"].as_str()
        ),
        (Some(balance), Some(expires.as_str()))
    );
    let payments = f
        .api
        .get(&format!("/api/v1/payments?customer_id={c}"))
        .json();
    assert_eq!(
        payments["items"].as_array().unwrap().len(),
        1,
        "one payment for two requests"
    );

    // The statement agrees with the balance.
    let st = f.api.get(&format!("/api/v1/agents/{a}/statement"));
    let s = documented(&doc, "get", "/agents/{id}/statement", &st);
    assert_eq!(s["totals"]["closing"], balance);
    assert_eq!(s["totals"]["cards_sold"], 1);
    let kinds: Vec<&str> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["deposit", "stock", "return", "sale", "deposit", "renewal"]
    );
    let dated = f.api.get(&format!(
        "/api/v1/agents/{a}/statement?from=2020-01-01&to=2020-01-31"
    ));
    assert_eq!(
        documented(&doc, "get", "/agents/{id}/statement", &dated)["lines"],
        json!([])
    );
    for url in [
        format!("/api/v1/agents/{a}/statement?from=2026-02-01&to=2026-01-01"),
        format!("/api/v1/agents/{a}/statement?from=yesterday"),
        "/api/v1/agents?per=100000".to_string(),
    ] {
        let r = f.api.get(&url);
        seen.saw("GET", &url, r.status);
        assert_eq!(r.status, 422, "{url}");
    }
    seen.check();
}
