//! Payments, bills, reversals, extensions and plan changes through the API and the forms.

use crate::helpers::{Browser, Fixture, customer, fixture};
use serde_json::{Value, json};

const PRICE: i64 = 3_500_000;

fn ts(v: &Value) -> jiff::Timestamp {
    v.as_str().unwrap().parse().unwrap()
}

fn new_customer(f: &mut Fixture, login: &str, expires: jiff::Timestamp) -> u64 {
    f.new_customer(&customer(f.router, f.plan, login, &expires.to_string()))
}

fn pay(api: &mut Browser, id: u64, amount: i64) -> Value {
    let p = api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": id, "amount": amount, "method": "cash" }),
    );
    assert_eq!(p.status, 201, "{}", p.body);
    p.json()
}

fn get(api: &mut Browser, id: u64) -> Value {
    api.get(&format!("/api/v1/customers/{id}")).json()
}

#[test]
fn paying_an_expired_customer_activates_and_reversal_restores_exactly() {
    let mut f = fixture();
    let expired_at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(50);
    let id = new_customer(&mut f, "bat", expired_at);
    assert_eq!(get(&mut f.api, id)["status"], "expired");
    let bills = f.api.get(&format!("/api/v1/bills?customer_id={id}")).json();
    assert_eq!(
        bills["items"].as_array().unwrap().len(),
        1,
        "putting a customer on a plan raises a bill"
    );
    assert_eq!(bills["items"][0]["amount"], PRICE);

    let before = jiff::Timestamp::now();
    let p = pay(&mut f.api, id, PRICE);
    let c = &p["customer"];
    assert_eq!(c["status"], "active");
    let exp = ts(&c["expires_at"]);
    let thirty = jiff::SignedDuration::from_hours(720);
    assert!(
        exp >= before + thirty && exp <= jiff::Timestamp::now() + thirty,
        "30 days from now, not from the old expiry: {exp}"
    );
    let bills = f.api.get(&format!("/api/v1/bills?customer_id={id}")).json();
    let statuses: Vec<&str> = bills["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["paid", "pending"],
        "the next period is billed, due at the new expiry"
    );

    // Reversal: linked entry, original kept, expiry and bills restored exactly.
    let pid = p["id"].as_u64().unwrap();
    let bad = f.api.send_json(
        "POST",
        &format!("/api/v1/payments/{pid}/reverse"),
        &json!({ "reason": "" }),
    );
    assert_eq!(bad.status, 422);
    let r = f.api.send_json(
        "POST",
        &format!("/api/v1/payments/{pid}/reverse"),
        &json!({ "reason": "wrong customer" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = r.json();
    assert_eq!(r["amount"], -PRICE);
    assert_eq!(r["reversal_of"], pid);
    assert_eq!(
        ts(&r["customer"]["expires_at"]),
        expired_at,
        "back to the exact previous expiry"
    );
    assert_eq!(r["customer"]["status"], "expired");
    let original = f.api.get(&format!("/api/v1/payments/{pid}")).json();
    assert_eq!(
        original["reversed_by"], r["id"],
        "the original stays, linked to its reversal"
    );
    assert_eq!(
        f.api
            .send_json(
                "POST",
                &format!("/api/v1/payments/{pid}/reverse"),
                &json!({ "reason": "again" })
            )
            .status,
        409
    );
    let bills = f.api.get(&format!("/api/v1/bills?customer_id={id}")).json();
    let statuses: Vec<&str> = bills["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pending", "void"]);
    let listed = f
        .api
        .get(&format!("/api/v1/payments?customer_id={id}"))
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        listed["total"], 0,
        "a payment and its reversal sum to nothing"
    );
}

#[test]
fn the_same_idempotency_key_records_one_payment() {
    let mut f = fixture();
    let id = new_customer(&mut f, "dup", jiff::Timestamp::now());
    let body =
        json!({ "customer_id": id, "amount": PRICE, "method": "cash", "reference": "slip 1" });
    let send = || {
        let url = f.app.url("/api/v1/payments");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = agent
            .post(url)
            .header(
                "Authorization",
                &format!("Bearer {}", f.api.bearer.clone().unwrap()),
            )
            .header("Idempotency-Key", "till-7-slip-0001")
            .send_json(&body)
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_json::<Value>().unwrap(),
        )
    };
    let (s1, p1) = send();
    let (s2, p2) = send();
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(p1["id"], p2["id"]);
    assert_eq!(p2["replayed"], true);
    assert_eq!(
        f.api
            .get(&format!("/api/v1/payments?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The form carries a one-time key too: a double click records once.
    let page = f.web.get(&format!("/customers/{id}"));
    let key = page
        .input_value("idempotency_key")
        .expect("the payment form has a key");
    let fields = [
        ("customer_id", id.to_string()),
        ("amount", "35,000".to_string()),
        ("method", "cash".into()),
        ("idempotency_key", key),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(f.web.post_form("/payments", &fields).status, 303);
    assert_eq!(f.web.post_form("/payments", &fields).status, 303);
    assert_eq!(
        f.api
            .get(&format!("/api/v1/payments?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let total = f
        .api
        .get(&format!("/api/v1/payments?customer_id={id}"))
        .json()["total"]
        .clone();
    assert_eq!(
        total,
        2 * PRICE,
        "the form's 35,000 ₮ is 3,500,000 minor units"
    );
}

#[test]
fn under_and_over_payments() {
    let mut f = fixture();
    let expired = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let id = new_customer(&mut f, "part", expired);
    let p = pay(&mut f.api, id, 1_000_000);
    assert_eq!(
        p["customer"]["status"], "expired",
        "an underpayment does not switch service on"
    );
    let bill = &f.api.get(&format!("/api/v1/bills?customer_id={id}")).json()["items"][0];
    assert_eq!(
        (bill["paid"].as_i64(), bill["status"].as_str()),
        (Some(1_000_000), Some("pending"))
    );
    let p = pay(&mut f.api, id, 2_500_000 + PRICE + 500_000);
    let c = &p["customer"];
    assert_eq!(c["status"], "active");
    assert_eq!(
        c["credit"], 500_000,
        "what is left after whole periods stays as credit"
    );
    let exp = ts(&c["expires_at"]);
    let sixty = jiff::SignedDuration::from_hours(1440);
    assert!(
        exp > jiff::Timestamp::now() + sixty - jiff::SignedDuration::from_secs(60),
        "two periods bought: {exp}"
    );

    // Bad input: clear messages, nothing recorded.
    for (body, field) in [
        (
            json!({ "customer_id": id, "amount": 0, "method": "cash" }),
            "amount",
        ),
        (
            json!({ "customer_id": id, "amount": 10.5, "method": "cash" }),
            "amount",
        ),
        (
            json!({ "customer_id": id, "amount": 100, "method": "gold" }),
            "method",
        ),
        (
            json!({ "customer_id": 9999, "amount": 100, "method": "cash" }),
            "customer_id",
        ),
    ] {
        let r = f.api.send_json("POST", "/api/v1/payments", &body);
        assert_eq!(r.status, 422, "{body}");
        assert!(
            r.json()["error"]["fields"][field].is_string(),
            "{field}: {}",
            r.body
        );
    }
    assert_eq!(
        f.api
            .get(&format!("/api/v1/payments?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn partial_activation_when_the_operator_allows_it() {
    let mut f = fixture();
    let s = f.web.post_multipart(
        "/settings",
        &[
            ("company_name", "Net"),
            ("currency_code", "MNT"),
            ("currency_symbol", "₮"),
            ("currency_exponent", "2"),
            ("time_zone", ""),
            ("default_lang", "en"),
            ("payment_methods", "cash\nqpay"),
            ("allow_partial_activation", "on"),
        ],
        &[],
    );
    assert_eq!(s.status, 303, "{}", s.body);
    let id = new_customer(
        &mut f,
        "half",
        jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1),
    );
    let p = f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": id, "amount": PRICE / 2, "method": "qpay" }),
    );
    assert_eq!(p.status, 201, "custom method from settings: {}", p.body);
    let c = &p.json()["customer"];
    assert_eq!(c["status"], "active");
    let exp = ts(&c["expires_at"]);
    let fifteen = jiff::SignedDuration::from_hours(360);
    let now = jiff::Timestamp::now();
    assert!(
        exp > now + fifteen - jiff::SignedDuration::from_secs(60) && exp <= now + fifteen,
        "half paid: half the period: {exp}"
    );
}

#[test]
fn extensions_move_expiry_by_exact_days_with_history() {
    let mut f = fixture();
    let exp = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(100);
    let id = new_customer(&mut f, "ext", exp);
    let e = f.api.send_json(
        "POST",
        "/api/v1/extensions",
        &json!({ "customer_id": id, "days": 3, "free": true, "reason": "outage on 5th" }),
    );
    assert_eq!(e.status, 201, "{}", e.body);
    let e = e.json();
    assert_eq!(
        ts(&e["customer"]["expires_at"]),
        exp + jiff::SignedDuration::from_hours(72),
        "exactly 3 days from the current expiry"
    );
    assert_eq!(e["by"], "boss");
    let bad = f.api.send_json(
        "POST",
        "/api/v1/extensions",
        &json!({ "customer_id": id, "days": 0, "reason": "" }),
    );
    let fields = &bad.json()["error"]["fields"];
    assert!(fields["days"].is_string() && fields["reason"].is_string());
    let paid = f.web.post_form(
        "/extensions",
        &[
            ("customer_id", &id.to_string()),
            ("days", "2"),
            ("reason", "reward"),
        ],
    );
    assert_eq!(paid.status, 303);
    let hist = f
        .api
        .get(&format!("/api/v1/extensions?customer_id={id}"))
        .json();
    assert_eq!(hist["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        f.api.get("/api/v1/extensions?free=0").json()["items"][0]["reason"],
        "reward"
    );
    assert!(
        f.web
            .get("/extensions?lang=en")
            .body
            .contains("outage on 5th")
    );
}

fn extensions_of(api: &mut Browser, id: u64) -> Vec<Value> {
    api.get(&format!("/api/v1/extensions?customer_id={id}"))
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// The edit form as the page renders it, with `changes` laid over it.
fn submit_edit(
    f: &mut Fixture,
    id: u64,
    form: &crate::helpers::Page,
    changes: &[(&str, &str)],
) -> crate::helpers::Page {
    let mut fields: Vec<(String, String)> = [
        "name",
        "login",
        "password",
        "expires_at",
        "seen_expires_at",
        "seen_status",
        "seen_plan_id",
        "expiry_reason",
    ]
    .iter()
    .map(|n| (n.to_string(), form.input_value(n).unwrap_or_default()))
    .collect();
    // The selects as shown, which is what `seen_*` records (a select the editor changes is
    // among `changes`).
    let shown = |n: &str| form.input_value(n).unwrap_or_default();
    fields.extend([
        ("kind".into(), "individual".into()),
        ("router_id".into(), f.router.to_string()),
        ("plan_id".into(), shown("seen_plan_id")),
        ("status".into(), shown("seen_status")),
        ("lang".into(), String::new()),
    ]);
    for (k, v) in changes {
        match fields.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => fields.push((k.to_string(), v.to_string())),
        }
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    f.web.post_form(&format!("/customers/{id}"), &refs)
}

#[test]
fn an_expiry_changed_in_the_customer_form_needs_a_reason_and_joins_the_extension_history() {
    let mut f = fixture();
    // Seconds and nanoseconds that the form's minute-precision field cannot show.
    let exp = jiff::Timestamp::now()
        + jiff::SignedDuration::from_nanos(10 * 86_400_000_000_000 + 17_123_456_789);
    let id = new_customer(&mut f, "edited", exp);
    let form = f.web.get(&format!("/customers/{id}/edit?lang=en"));
    let shown = form.input_value("expires_at").unwrap();
    assert_eq!(
        form.input_value("seen_expires_at").as_deref(),
        Some(shown.as_str())
    );

    // Another field edited: the expiry stays exact and no extension is logged.
    let saved = submit_edit(&mut f, id, &form, &[("name", "Renamed")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    let c = get(&mut f.api, id);
    assert_eq!(c["name"], "Renamed");
    assert_eq!(ts(&c["expires_at"]), exp, "not cut to the minute");
    assert!(extensions_of(&mut f.api, id).is_empty());

    // A new expiry without a reason: the form says why, nothing changes.
    let later: jiff::civil::DateTime = shown.parse().unwrap();
    let later = (later + jiff::Span::new().days(5))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let refused = submit_edit(&mut f, id, &form, &[("expires_at", &later)]);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"err-expiry_reason\""),
        "{}",
        refused.body
    );
    assert_eq!(
        refused.input_value("expires_at").as_deref(),
        Some(later.as_str())
    );
    assert_eq!(
        refused.input_value("seen_expires_at").as_deref(),
        Some(shown.as_str()),
        "still what was first shown"
    );
    assert_eq!(ts(&get(&mut f.api, id)["expires_at"]), exp);
    assert!(extensions_of(&mut f.api, id).is_empty());

    // With a reason: kept in the history with who, how many days and why.
    let moved = submit_edit(
        &mut f,
        id,
        &form,
        &[
            ("expires_at", &later),
            ("expiry_reason", "agreed on the phone"),
        ],
    );
    assert_eq!(moved.status, 303, "{}", moved.body);
    let after = ts(&get(&mut f.api, id)["expires_at"]);
    let hist = extensions_of(&mut f.api, id);
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0]["days"], 5);
    assert_eq!(hist[0]["free"], true);
    assert_eq!(hist[0]["by"], "boss");
    assert_eq!(hist[0]["reason"], "agreed on the phone");
    assert_eq!(ts(&hist[0]["expires_before"]), exp);
    assert_eq!(ts(&hist[0]["expires_after"]), after);
    assert!(
        f.web
            .get("/extensions?lang=en")
            .body
            .contains("agreed on the phone")
    );

    // A suspended customer pays while a form is open: saving that form (showing "suspended")
    // keeps the time paid for and the service the payment switched on.
    assert_eq!(
        f.web
            .post_form(&format!("/customers/{id}/suspend"), &[])
            .status,
        303
    );
    let open = f.web.get(&format!("/customers/{id}/edit?lang=en"));
    pay(&mut f.api, id, PRICE);
    let c = get(&mut f.api, id);
    let paid_until = ts(&c["expires_at"]);
    assert!(paid_until > after);
    assert_eq!(c["status"], "active");
    let saved = submit_edit(
        &mut f,
        id,
        &open,
        &[("status", "suspended"), ("note", "called")],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let c = get(&mut f.api, id);
    assert_eq!(ts(&c["expires_at"]), paid_until);
    assert_eq!(
        c["status"], "active",
        "the form's stale status is not applied"
    );
    assert_eq!(c["note"], "called");
    assert_eq!(extensions_of(&mut f.api, id).len(), 1);
    // A status the editor did change is applied.
    let open = f.web.get(&format!("/customers/{id}/edit?lang=en"));
    let saved = submit_edit(&mut f, id, &open, &[("status", "disabled")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(get(&mut f.api, id)["status"], "disabled");
}

#[test]
fn an_edit_that_crosses_a_payment_comes_back_showing_both_then_applies_the_editors_value() {
    let mut f = fixture();
    let exp = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 10);
    let id = new_customer(&mut f, "crossed", exp);
    let second = f.api.send_json("POST", "/api/v1/plans", &json!({
        "name": "Home 20", "kind": "hotspot", "price": 5_000_000, "duration_days": 30, "duration_hours": 0,
        "download": "20M", "upload": "4M", "shared_users": 1
    }));
    assert_eq!(second.status, 201, "{}", second.body);
    let second = second.json()["id"].as_u64().unwrap();

    // A plan change lands while a form is open: the untouched form keeps it.
    let open = f.web.get(&format!("/customers/{id}/edit?lang=en"));
    let moved = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{id}"),
        &json!({ "plan_id": second }),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let saved = submit_edit(&mut f, id, &open, &[("note", "kept the plan")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        get(&mut f.api, id)["plan_id"],
        second,
        "the form's stale plan is not applied"
    );

    // The editor moves the expiry while a payment moves it too: refused, saying what it is now.
    let open = f.web.get(&format!("/customers/{id}/edit?lang=en"));
    let mine: jiff::civil::DateTime = open.input_value("expires_at").unwrap().parse().unwrap();
    let mine = (mine + jiff::Span::new().days(2))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    pay(&mut f.api, id, 5_000_000);
    let paid_until = ts(&get(&mut f.api, id)["expires_at"]);
    let crossed = submit_edit(
        &mut f,
        id,
        &open,
        &[("expires_at", &mine), ("expiry_reason", "promised")],
    );
    assert_eq!(crossed.status, 422, "{}", crossed.body);
    assert!(
        crossed.body.contains("Changed while you were editing"),
        "{}",
        crossed.body
    );
    assert_eq!(
        ts(&get(&mut f.api, id)["expires_at"]),
        paid_until,
        "nothing changed"
    );
    // The form now holds the editor's date against the current one; saving it again applies it.
    assert_eq!(
        crossed.input_value("expires_at").as_deref(),
        Some(mine.as_str())
    );
    assert_ne!(
        crossed.input_value("seen_expires_at"),
        open.input_value("seen_expires_at"),
        "the form now compares with the paid-for expiry"
    );
    let again = submit_edit(
        &mut f,
        id,
        &crossed,
        &[("expires_at", &mine), ("expiry_reason", "promised")],
    );
    assert_eq!(again.status, 303, "{}", again.body);
    let hist = extensions_of(&mut f.api, id);
    assert_eq!(hist.len(), 1);
    assert_eq!(ts(&hist[0]["expires_before"]), paid_until);
    assert_eq!(hist[0]["reason"], "promised");
}

#[test]
fn an_expiry_changed_through_the_api_needs_a_reason_and_joins_the_extension_history() {
    let mut f = fixture();
    let exp = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(240);
    let id = new_customer(&mut f, "patched", exp);
    let path = format!("/api/v1/customers/{id}");

    let renamed = f
        .api
        .send_json("PATCH", &path, &json!({ "name": "Renamed" }));
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(ts(&renamed.json()["expires_at"]), exp);

    let null = f
        .api
        .send_json("PATCH", &path, &json!({ "expires_at": null }));
    assert_eq!(null.status, 422, "{}", null.body);

    let sooner = exp - jiff::SignedDuration::from_hours(72);
    let refused = f
        .api
        .send_json("PATCH", &path, &json!({ "expires_at": sooner.to_string() }));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.json()["error"]["fields"]["expiry_reason"].is_string(),
        "{}",
        refused.body
    );
    assert_eq!(ts(&get(&mut f.api, id)["expires_at"]), exp);

    let ok = f.api.send_json(
        "PATCH",
        &path,
        &json!({ "expires_at": sooner.to_string(), "expiry_reason": "entered wrongly" }),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let hist = extensions_of(&mut f.api, id);
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0]["days"], -3, "brought forward");
    assert_eq!(hist[0]["reason"], "entered wrongly");
}

#[test]
fn bulk_extension_previews_then_extends_exactly_those() {
    let mut f = fixture();
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(10);
    let a = new_customer(&mut f, "a1", soon);
    let b = new_customer(&mut f, "b1", soon);
    let gone = new_customer(
        &mut f,
        "c1",
        jiff::Timestamp::now() - jiff::SignedDuration::from_hours(10),
    );
    let preview = f.web.get(&format!(
        "/extensions/bulk?router_id={}&days=2&reason=Outage&lang=en",
        f.router
    ));
    assert!(
        preview.body.contains("a1")
            && preview.body.contains("b1")
            && !preview.body.contains(">c1<"),
        "expired excluded by default"
    );
    assert_eq!(
        f.api.get("/api/v1/extensions").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "preview changes nothing"
    );
    let ids = [
        ("customer_id", a.to_string()),
        ("customer_id", b.to_string()),
        ("days", "2".into()),
        ("reason", "Outage".into()),
        ("free", "on".into()),
        ("label", "router 1".into()),
    ];
    let ids: Vec<(&str, &str)> = ids.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(f.web.post_form("/extensions/bulk", &ids).status, 303);
    assert_eq!(
        ts(&get(&mut f.api, a)["expires_at"]),
        soon + jiff::SignedDuration::from_hours(48)
    );
    assert_eq!(
        ts(&get(&mut f.api, b)["expires_at"]),
        soon + jiff::SignedDuration::from_hours(48)
    );
    assert_eq!(get(&mut f.api, gone)["status"], "expired");
}

#[test]
fn plan_changes_now_or_at_renewal() {
    let mut f = fixture();
    let fast = f.api.send_json("POST", "/api/v1/plans", &json!({ "name": "Fast", "kind": "hotspot", "price": 5_000_000, "duration_days": 30, "download": "50M", "upload": "10M" })).json()["id"].as_u64().unwrap();
    let exp = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(100);
    let id = new_customer(&mut f, "pc", exp);
    let r = f.web.post_form(
        &format!("/customers/{id}/plan"),
        &[("plan_id", &fast.to_string()), ("when", "renewal")],
    );
    assert_eq!(r.status, 303);
    let c = get(&mut f.api, id);
    assert_eq!(
        (c["plan_id"].as_u64(), c["next_plan_id"].as_u64()),
        (Some(f.plan), Some(fast)),
        "speed unchanged until renewal"
    );
    let p = pay(&mut f.api, id, PRICE);
    assert_eq!(
        p["customer"]["plan_id"], f.plan,
        "this payment settles the period billed on the old plan"
    );
    let next = f
        .api
        .get(&format!("/api/v1/bills?customer_id={id}&status=pending"))
        .json();
    assert_eq!(
        next["items"][0]["plan_id"], fast,
        "the renewal bill is for the new plan"
    );
    let now = f.web.post_form(
        &format!("/customers/{id}/plan"),
        &[("plan_id", &f.plan.to_string()), ("when", "now")],
    );
    assert_eq!(now.status, 303);
    let c = get(&mut f.api, id);
    assert_eq!(c["plan_id"], f.plan);
    assert_eq!(
        ts(&c["expires_at"]),
        exp + jiff::SignedDuration::from_hours(720),
        "expiry unchanged by a plan change"
    );
    let log = f.api.get("/api/v1/audit?entity=customer").json();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "plan_change_at_renewal")
    );
}

#[test]
fn receipts_and_bills_print_with_company_and_bank_accounts_and_history_blocks_delete() {
    let mut f = fixture();
    let acct = f.api.send_json(
        "POST",
        "/api/v1/bank-accounts",
        &json!({ "bank": "Khan Bank", "number": "5000123456", "holder": "TopNET LLC" }),
    );
    assert_eq!(acct.status, 201);
    assert_eq!(
        f.api
            .send_json(
                "POST",
                "/api/v1/bank-accounts",
                &json!({ "bank": "", "number": "x y;", "holder": "" })
            )
            .status,
        422
    );
    let id = new_customer(&mut f, "rcpt", jiff::Timestamp::now());
    let p = pay(&mut f.api, id, PRICE);
    let receipt = f.web.get(&format!("/payments/{}?lang=en", p["id"]));
    for s in ["Steppe", "Khan Bank", "5000123456", "35,000", "Receipt"] {
        assert!(receipt.body.contains(s), "receipt lacks {s}");
    }
    let bill_id = f
        .api
        .get(&format!("/api/v1/bills?customer_id={id}&status=pending"))
        .json()["items"][0]["id"]
        .as_u64()
        .unwrap();
    let bill = f.web.get(&format!("/bills/{bill_id}?lang=en"));
    assert!(bill.body.contains("Khan Bank") && bill.body.contains("Amount due"));
    assert!(
        f.web
            .get("/bills?lang=en")
            .body
            .contains(&format!("/bills/{bill_id}"))
    );
    assert!(
        f.web
            .get("/payments?method=cash&lang=en")
            .body
            .contains("35,000")
    );
    assert!(!f.web.get("/payments?method=card").body.contains("35,000"));
    let del = f
        .api
        .send_json("DELETE", &format!("/api/v1/customers/{id}"), &json!({}));
    assert_eq!(
        (
            del.json()["deleted"].as_bool(),
            del.json()["archived"].as_bool()
        ),
        (Some(false), Some(true)),
        "financial history: archived, not deleted"
    );
    assert_eq!(
        f.api
            .get(&format!("/api/v1/payments?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// The value of `name` in the form posting to `action`, as the page rendered it.
fn form_value(page: &str, action: &str, name: &str) -> String {
    let at = page
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action}"));
    let needle = format!("name=\"{name}\" value=\"");
    let start = page[at..].find(&needle).unwrap() + at + needle.len();
    let end = page[start..].find('"').unwrap();
    page[start..start + end].to_string()
}

fn expires(api: &mut Browser, id: u64) -> jiff::Timestamp {
    ts(&get(api, id)["expires_at"])
}

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

#[test]
fn an_amount_paying_for_centuries_is_refused_at_once_and_changes_nothing() {
    let mut f = fixture();
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
    let id = new_customer(&mut f, "zeros", expires);
    let before = get(&mut f.api, id);
    let started = std::time::Instant::now();
    // PRICE with five extra zeros: a hundred thousand periods. It once raised bill after bill in one
    // transaction, holding every other write for minutes.
    let r = f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": id, "amount": PRICE * 100_000, "method": "cash" }),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("amount") && r.body.contains("366"),
        "{}",
        r.body
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "answered without walking every period"
    );
    assert_eq!(get(&mut f.api, id), before, "the customer is as before");
    let payments = f
        .api
        .get(&format!("/api/v1/payments?customer_id={id}"))
        .json();
    assert_eq!(payments["items"].as_array().unwrap().len(), 0);
    // A year ahead of a 30-day package is still one payment.
    let p = pay(&mut f.api, id, PRICE * 12);
    assert_eq!(p["amount"], PRICE * 12);
}
