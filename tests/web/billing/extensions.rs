//! Extensions and expiry edits: exact days with history, an edited expiry needing a reason (form
//! and API), an edit crossing a payment, and bulk extension.

use super::*;

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
    // "Paid" without its money is refused: a paid extension records a payment.
    let unpaid = f.web.post_form(
        "/extensions",
        &[
            ("customer_id", &id.to_string()),
            ("days", "2"),
            ("paid", "paid"),
            ("amount", ""),
            ("method", "cash"),
            ("reason", "reward"),
        ],
    );
    assert_eq!(unpaid.status, 422);
    assert!(
        unpaid.body.contains("value=\"reward\""),
        "the form keeps what was typed"
    );
    assert_eq!(extensions_of(&mut f.api, id).len(), 1, "nothing extended");
    let before_paid = expires(&mut f.api, id);
    let who = id.to_string();
    let paid_form = [
        ("customer_id", who.as_str()),
        ("days", "2"),
        ("paid", "paid"),
        ("amount", "5000"),
        ("method", "cash"),
        ("reason", "reward"),
        ("idempotency_key", "paid-ext-1"),
    ];
    let paid = f.web.post_form("/extensions", &paid_form);
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
    let payments = f
        .api
        .get(&format!("/api/v1/payments?customer_id={id}"))
        .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(payments.len(), 1, "the paid extension's money is a payment");
    assert_eq!(
        (
            payments[0]["amount"].as_i64(),
            payments[0]["method"].as_str()
        ),
        (Some(500_000), Some("cash"))
    );
    let replay = f.web.post_form("/extensions", &paid_form);
    assert!(replay.location().contains("notice=already"));
    assert_eq!(
        f.api
            .get(&format!("/api/v1/payments?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "paid once"
    );
    // Reversing the payment takes the two days back.
    let r = f.api.send_json(
        "POST",
        &format!("/api/v1/payments/{}/reverse", payments[0]["id"]),
        &json!({ "reason": "typed by mistake" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        expires(&mut f.api, id),
        before_paid,
        "the paid days are taken back"
    );
    // Through the API: not free needs its amount.
    let api_unpaid = f.api.send_json(
        "POST",
        "/api/v1/extensions",
        &json!({ "customer_id": id, "days": 1, "free": false, "reason": "x" }),
    );
    assert_eq!(api_unpaid.status, 422);
    assert!(api_unpaid.json()["error"]["fields"]["amount"].is_string());
    assert!(
        f.web
            .get("/extensions?lang=en")
            .body
            .contains("outage on 5th")
    );
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
