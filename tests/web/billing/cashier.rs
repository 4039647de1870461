//! The cashier's box on Payment information: find by phone, login or a name fragment in any
//! case, pay there, stay there for the next customer; once per form.

use super::*;

fn cust(f: &Fixture, login: &str, name: &str, phone: &str) -> Value {
    let mut c = customer(f.router, f.plan, login, &jiff::Timestamp::now().to_string());
    c["name"] = json!(name);
    c["phone"] = json!(phone);
    c
}

#[test]
fn a_cashier_finds_a_customer_and_takes_the_payment_without_leaving_payments() {
    let mut f = fixture();
    let bat = cust(&f, "bat01", "Бат-Эрдэнэ Дорж", "99118877");
    let bat = f.new_customer(&bat);
    let other = cust(&f, "saraa", "Сараа Болд", "88001122");
    f.new_customer(&other);

    let page = f.web.get("/payments");
    assert!(page.body.contains("Төлбөр авах"), "the box is there");
    let by_phone = f.web.get("/payments?find=9911887");
    assert!(by_phone.body.contains("Бат-Эрдэнэ Дорж"));
    assert!(!by_phone.body.contains("Сараа Болд"));
    let by_name = f.web.get("/payments?find=%D0%B1%D0%B0%D1%82"); // "бат", lower case
    assert!(
        by_name.body.contains("Бат-Эрдэнэ Дорж"),
        "a Cyrillic fragment in any case"
    );
    let by_login = f.web.get("/payments?find=saraa");
    assert!(by_login.body.contains("Сараа Болд") && !by_login.body.contains("Бат-Эрдэнэ"));
    assert!(
        f.web
            .get("/payments?find=zzzz")
            .body
            .contains("Тохирох харилцагч олдсонгүй")
    );

    // The payment form (the search box posts nowhere).
    let at = by_phone
        .body
        .find("method=\"post\" action=\"/payments\"")
        .unwrap();
    let form = &by_phone.body[at..];
    let key = super::form_value(form, "/payments", "idempotency_key");
    assert!(form.contains("value=\"35000\""), "what is owed is offered");
    let fields = [
        ("customer_id", bat.to_string()),
        ("back", "payments".into()),
        ("amount", "35000".into()),
        ("method", "cash".into()),
        ("idempotency_key", key),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = f.web.post_form("/payments", &fields);
    assert_eq!(done.status, 303);
    assert!(
        done.location().starts_with("/payments?"),
        "back at the box: {}",
        done.location()
    );
    let after = f.web.get(done.location());
    assert!(
        after
            .body
            .contains("35,000\u{a0}₮ төлбөр бүртгэгдлээ: Бат-Эрдэнэ Дорж."),
        "{}",
        after.body
    );
    assert!(after.body.contains("Баримт хэвлэх"));
    assert_eq!(get(&mut f.api, bat)["status"], "active");

    let replay = f.web.post_form("/payments", &fields);
    assert!(replay.location().contains("notice=already"));
    let paid = f
        .api
        .get(&format!("/api/v1/payments?customer_id={bat}"))
        .json();
    assert_eq!(paid["items"].as_array().unwrap().len(), 1, "paid once");
}
