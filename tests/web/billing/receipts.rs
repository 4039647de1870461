//! Receipts and bills as a Mongolian business prints them, and what the customer page says right
//! after a payment or a change its router has not received yet.

use super::*;
use crate::helpers::{api_client, eventually, start_sim};

const PNG: &[(&str, &[u8])] = &[];

fn set_company(f: &mut Fixture) {
    let form = [
        ("company_name", "TopNET ХХК"),
        ("company_register", "6543210"),
        ("company_address", "Улаанбаатар, Баянгол, 3-р хороо"),
        ("currency_code", "MNT"),
        ("currency_symbol", "₮"),
        ("currency_exponent", "2"),
        ("default_lang", "mn"),
        ("payment_methods", "cash\nbank_transfer"),
    ];
    assert_eq!(f.web.post_multipart("/settings", &form, PNG).status, 303);
}

/// The `<h1>`s of a page.
fn headings(body: &str) -> Vec<&str> {
    body.match_indices("<h1")
        .map(|(at, _)| {
            let start = at + body[at..].find('>').unwrap() + 1;
            &body[start..start + body[start..].find("</h1>").unwrap()]
        })
        .collect()
}

#[test]
fn a_receipt_has_the_company_register_the_amount_in_words_and_one_title() {
    let mut f = fixture();
    set_company(&mut f);
    let id = new_customer(&mut f, "rcpt", jiff::Timestamp::now());
    let p = pay(&mut f.api, id, PRICE);
    let receipt = f.web.get(&format!("/payments/{}", p["id"]));
    for s in [
        "TopNET ХХК",
        "Регистрийн № 6543210",
        "Улаанбаатар, Баянгол, 3-р хороо",
        "Гучин таван мянган төгрөг",
        "Thirty-five thousand tögrög",
        "Хүлээн авагч",
        "Тамга",
    ] {
        assert!(receipt.body.contains(s), "the receipt lacks {s}");
    }
    let titles = headings(&receipt.body);
    assert_eq!(
        titles,
        [format!("Төлбөрийн баримт №{}", p["id"])],
        "one title"
    );
    let en = f.web.get(&format!("/payments/{}?lang=en", p["id"]));
    assert!(en.body.contains("<th>Customer</th>"), "the singular label");
    assert!(!en.body.contains("<th>Customers</th>"));
    assert!(!en.body.contains("Гучин"), "English words alone in English");

    let bill_id = f
        .api
        .get(&format!("/api/v1/bills?customer_id={id}&status=pending"))
        .json()["items"][0]["id"]
        .as_u64()
        .unwrap();
    let bill = f.web.get(&format!("/bills/{bill_id}?lang=mn"));
    assert!(bill.body.contains("Регистрийн № 6543210"), "{}", bill.body);
    assert!(bill.body.contains("Гучин таван мянган төгрөг"));
    assert_eq!(headings(&bill.body).len(), 1);
    assert!(headings(&bill.body)[0].starts_with(&format!("Нэхэмжлэх №{bill_id}")));
}

#[test]
fn a_reversed_receipt_no_longer_promises_service() {
    let mut f = fixture();
    let id = new_customer(&mut f, "rev", jiff::Timestamp::now());
    let p = pay(&mut f.api, id, PRICE);
    let pid = p["id"].as_u64().unwrap();
    // The date itself, in whatever zone the installation shows.
    let dated = "<th>Service until</th><td>2";
    assert!(
        f.web
            .get(&format!("/payments/{pid}?lang=en"))
            .body
            .contains(dated)
    );
    let r = f.api.send_json(
        "POST",
        &format!("/api/v1/payments/{pid}/reverse"),
        &json!({ "reason": "wrong customer" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let receipt = f.web.get(&format!("/payments/{pid}?lang=en"));
    assert!(
        !receipt.body.contains(dated),
        "the old service date is gone"
    );
    assert!(
        receipt
            .body
            .contains("service time this payment gave was taken back")
    );
}

#[test]
fn after_paying_the_form_does_not_invite_a_second_payment() {
    let mut f = fixture();
    let id = new_customer(&mut f, "twice", jiff::Timestamp::now());
    let page = f.web.get(&format!("/customers/{id}"));
    assert_eq!(form_value(&page.body, "/payments", "amount"), "35000");
    let key = form_value(&page.body, "/payments", "idempotency_key");
    let fields = [
        ("customer_id", id.to_string()),
        ("amount", "35000".into()),
        ("method", "cash".into()),
        ("idempotency_key", key),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = f.web.post_form("/payments", &fields);
    assert_eq!(done.status, 303);
    let after = f.web.get(done.location());
    assert!(after.body.contains("Төлбөр бүртгэгдлээ"), "{}", after.body);
    assert_eq!(
        form_value(&after.body, "/payments", "amount"),
        "",
        "the next bill's amount is not offered right after a payment"
    );
    let replay = f.web.post_form("/payments", &fields);
    let again = f.web.get(replay.location());
    assert_eq!(form_value(&again.body, "/payments", "amount"), "");
    assert_eq!(
        form_value(
            &f.web.get(&format!("/customers/{id}")).body,
            "/payments",
            "amount"
        ),
        "35000",
        "opened afresh, the form offers the next bill"
    );
}

#[test]
fn a_change_for_an_unreachable_router_says_it_waits_for_it() {
    let mut f = fixture();
    let id = new_customer(&mut f, "wait", jiff::Timestamp::now());
    let done = f.web.post_form(&format!("/customers/{id}/suspend"), &[]);
    assert_eq!(done.status, 303);
    let page = f.web.get(&format!("{}&lang=en", done.location()));
    assert!(
        page.body.contains("«Tower A» cannot be reached right now"),
        "{}",
        page.body
    );

    // A router that answers gets the change at once: no such note.
    let s = start_sim("7.16");
    let mut api = api_client(&f.app, &f.web.create_token("sim"));
    let r = api.send_json("POST", "/api/v1/routers", &json!({
        "name": "Tower B", "host": "127.0.0.1", "port": s.sim.addr().port(), "tls": false,
        "username": "api", "password": "router-pw", "login_method": "plain", "hotspot_server": "all"
    }));
    assert_eq!(r.status, 201, "{}", r.body);
    let router = r.json()["id"].as_u64().unwrap();
    let online = f.new_customer(&customer(
        router,
        f.plan,
        "online",
        &jiff::Timestamp::now().to_string(),
    ));
    eventually(10, "the router online", || {
        f.api.get(&format!("/api/v1/routers/{router}")).json()["state"]["status"] == "online"
    });
    let done = f
        .web
        .post_form(&format!("/customers/{online}/suspend"), &[]);
    let page = f.web.get(&format!("{}&lang=en", done.location()));
    assert!(page.body.contains("Saved"));
    assert!(!page.body.contains("cannot be reached"));
}
