//! Recording payments: activation and exact reversal, one payment per idempotency key, under- and
//! over-payments, partial activation, and amounts that would pay for centuries.

use super::*;

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
    let first = f.web.post_form("/payments", &fields);
    assert!(
        first.location().contains("notice=paid"),
        "{}",
        first.location()
    );
    let again = f.web.post_form("/payments", &fields);
    assert!(
        again.location().contains("notice=already"),
        "a replay says it was already recorded: {}",
        again.location()
    );
    let shown = f.web.get(&format!("{}&lang=en", again.location()));
    assert!(
        shown.body.contains(steppe::i18n::Msg::AlreadyApplied.en()),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains(steppe::i18n::Msg::PaymentRecorded.en()));
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
