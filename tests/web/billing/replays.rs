//! Replayed forms and retried API calls that grant service or money apply once and say so.

use super::*;

/// Back and submit again, or a double click: every form that grants service or money applies
/// once and says so.
#[test]
fn replayed_forms_apply_once_and_say_so() {
    let mut f = fixture();
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(10);
    let id = new_customer(&mut f, "replay1", soon);
    let other = new_customer(&mut f, "replay2", soon);
    f.web.get("/?lang=en");

    // The extension form on a customer's page.
    let page = f.web.get(&format!("/customers/{id}")).body;
    let key = form_value(&page, "/extensions", "idempotency_key");
    let fields = [
        ("customer_id", id.to_string()),
        ("idempotency_key", key),
        ("days", "1".into()),
        ("free", "on".into()),
        ("reason", "Outage".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        f.web.post_form("/extensions", &fields).location(),
        format!("/customers/{id}?notice=extended")
    );
    let again = f.web.post_form("/extensions", &fields);
    assert_eq!(again.location(), format!("/customers/{id}?notice=already"));
    assert!(
        f.web
            .get(again.location())
            .body
            .contains("already submitted")
    );
    assert_eq!(
        expires(&mut f.api, id),
        soon + jiff::SignedDuration::from_hours(24)
    );

    // "Extend all of them", then Back and submit again.
    let preview = f.web.get(&format!(
        "/extensions/bulk?router_id={}&days=2&reason=Outage",
        f.router
    ));
    let key = form_value(&preview.body, "/extensions/bulk", "idempotency_key");
    let bulk = [
        ("customer_id", id.to_string()),
        ("customer_id", other.to_string()),
        ("days", "2".into()),
        ("reason", "Outage".into()),
        ("free", "on".into()),
        ("idempotency_key", key),
    ];
    let bulk: Vec<(&str, &str)> = bulk.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        f.web.post_form("/extensions/bulk", &bulk).location(),
        "/extensions?notice=saved"
    );
    assert_eq!(
        f.web.post_form("/extensions/bulk", &bulk).location(),
        "/extensions?notice=already"
    );
    assert_eq!(
        expires(&mut f.api, other),
        soon + jiff::SignedDuration::from_hours(48)
    );
    assert_eq!(
        expires(&mut f.api, id),
        soon + jiff::SignedDuration::from_hours(72)
    );

    // A plan change now (it raises a bill).
    let fast = f.api.send_json("POST", "/api/v1/plans", &json!({ "name": "Fast", "kind": "hotspot", "price": 5_000_000, "duration_days": 30, "download": "50M", "upload": "10M" })).json()["id"].as_u64().unwrap();
    let page = f.web.get(&format!("/customers/{id}")).body;
    let action = format!("/customers/{id}/plan");
    let key = form_value(&page, &action, "idempotency_key");
    let change = [
        ("plan_id", fast.to_string()),
        ("when", "now".into()),
        ("idempotency_key", key),
    ];
    let change: Vec<(&str, &str)> = change.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bills = |api: &mut Browser| {
        api.get(&format!("/api/v1/bills?customer_id={id}")).json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = bills(&mut f.api);
    assert_eq!(
        f.web.post_form(&action, &change).location(),
        format!("/customers/{id}?notice=saved")
    );
    let after = bills(&mut f.api);
    assert_eq!(
        f.web.post_form(&action, &change).location(),
        format!("/customers/{id}?notice=already")
    );
    assert_eq!(bills(&mut f.api), after);
    assert!(after >= before);

    // A reversal.
    let paid = pay(&mut f.api, other, PRICE);
    let pid = paid["id"].as_u64().unwrap();
    let receipt = f.web.get(&format!("/payments/{pid}")).body;
    let action = format!("/payments/{pid}/reverse");
    let key = form_value(&receipt, &action, "idempotency_key");
    let rev = [("reason", "typo"), ("idempotency_key", key.as_str())];
    assert_eq!(
        f.web.post_form(&action, &rev).location(),
        format!("/payments/{pid}?notice=saved")
    );
    assert_eq!(
        f.web.post_form(&action, &rev).location(),
        format!("/payments/{pid}?notice=already")
    );
}

/// The same `Idempotency-Key` twice applies once and answers with the first result.
#[test]
fn api_posts_with_one_idempotency_key_apply_once() {
    let mut f = fixture();
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(10);
    let id = new_customer(&mut f, "idem1", soon);
    let url = |p: &str| f.app.url(p);
    let token = f.api.bearer.clone().unwrap();
    let post = |path: &str, key: &str, body: Value| {
        let mut r = ureq::post(url(path))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Idempotency-Key", key)
            .config()
            .http_status_as_error(false)
            .build()
            .send_json(body)
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_json::<Value>().unwrap(),
        )
    };
    let ext = json!({ "customer_id": id, "days": 3, "reason": "Gift" });
    let (s1, first) = post("/api/v1/extensions", "ext-1", ext.clone());
    let (s2, second) = post("/api/v1/extensions", "ext-1", ext.clone());
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(second["replayed"], true);
    assert_eq!(
        expires(&mut f.api, id),
        soon + jiff::SignedDuration::from_hours(72)
    );
    // Another key is another extension.
    assert_eq!(post("/api/v1/extensions", "ext-2", ext).0, 201);

    let bill = json!({ "customer_id": id });
    let (s1, b1) = post("/api/v1/bills", "bill-1", bill.clone());
    let (s2, b2) = post("/api/v1/bills", "bill-1", bill);
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(b1["id"], b2["id"]);

    let pid = pay(&mut f.api, id, PRICE)["id"].as_u64().unwrap();
    let path = format!("/api/v1/payments/{pid}/reverse");
    let (s1, r1) = post(&path, "rev-1", json!({ "reason": "typo" }));
    let (s2, r2) = post(&path, "rev-1", json!({ "reason": "typo" }));
    assert_eq!((s1, s2), (201, 200), "{r1} {r2}");
    assert_eq!(r1["id"], r2["id"]);

    let msg = json!({ "customer_ids": [id], "channels": ["sms_router"], "body": "Hello" });
    let (s1, m1) = post("/api/v1/messages", "msg-1", msg.clone());
    let (s2, m2) = post("/api/v1/messages", "msg-1", msg);
    assert_eq!((s1, s2), (201, 200), "{m1} {m2}");
    let ids = |m: &Value| {
        m["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&m1), ids(&m2));
    assert_eq!(m2["replayed"], true);
    let queued = f
        .api
        .get(&format!("/api/v1/messages?customer_id={id}"))
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(queued, m1["items"].as_array().unwrap().len(), "queued once");
}
