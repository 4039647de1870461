//! A new customer has no service until paid, and says so; "paid now" on the form records the
//! package's price and starts the period at once, once per form.

use super::*;

fn new_customer_form(
    f: &mut Fixture,
    login: &str,
    plan: u64,
    paid_now: bool,
    key: &str,
) -> crate::helpers::Page {
    let (router, plan) = (f.router.to_string(), plan.to_string());
    let mut fields = vec![
        ("kind", "individual"),
        ("name", "Болор Эрдэнэ"),
        ("login", login),
        ("password", "pw-777"),
        ("router_id", router.as_str()),
        ("plan_id", plan.as_str()),
        ("status", "active"),
        ("expires_at", ""),
        ("first_method", "cash"),
        ("idempotency_key", key),
    ];
    if paid_now {
        fields.push(("paid_now", "on"));
    }
    f.web.post_form("/customers", &fields)
}

fn customer_by_login(f: &mut Fixture, login: &str) -> Vec<Value> {
    f.api.get(&format!("/api/v1/customers?q={login}")).json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_new_customer_awaits_the_first_payment_instead_of_showing_expired() {
    let mut f = fixture();
    let plan = f.plan;
    let form = f.web.get("/customers/new");
    assert!(form.body.contains("name=\"paid_now\""));
    assert_eq!(
        form.input_value("expires_at").as_deref(),
        Some(""),
        "no expiry offered"
    );
    let done = new_customer_form(&mut f, "bolor", plan, false, "k-unpaid-1");
    assert_eq!(done.status, 303, "{}", done.body);
    let page = f.web.get(done.location());
    assert!(
        page.body.contains("Эхний төлбөр хүлээгдэж буй"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Хугацаа дууссан"));
    let list = f.web.get("/customers");
    assert!(list.body.contains("Эхний төлбөр хүлээгдэж буй"));
    let c = &customer_by_login(&mut f, "bolor")[0];
    let payments = f
        .api
        .get(&format!("/api/v1/payments?customer_id={}", c["id"]))
        .json();
    assert_eq!(payments["items"].as_array().unwrap().len(), 0);
    // Once paid, an ordinary active customer.
    let id = c["id"].as_u64().unwrap();
    pay(&mut f.api, id, PRICE);
    let page = f.web.get(&format!("/customers/{id}"));
    assert!(!page.body.contains("Эхний төлбөр хүлээгдэж буй"));
}

#[test]
fn paid_now_records_the_price_and_starts_the_period_once_per_form() {
    let mut f = fixture();
    let plan = f.plan;
    let before = jiff::Timestamp::now();
    let done = new_customer_form(&mut f, "tuya", plan, true, "k-paid-1");
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(done.location().contains("notice=paid"));
    let c = customer_by_login(&mut f, "tuya")[0].clone();
    assert_eq!(c["status"], "active");
    let thirty = jiff::SignedDuration::from_hours(720);
    let exp = ts(&c["expires_at"]);
    assert!(
        exp >= before + thirty - jiff::SignedDuration::from_mins(1)
            && exp <= jiff::Timestamp::now() + thirty
    );
    let id = c["id"].as_u64().unwrap();
    let pays = |f: &mut Fixture| {
        f.api
            .get(&format!("/api/v1/payments?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    let p = pays(&mut f);
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0]["amount"].as_i64(), p[0]["method"].as_str()),
        (Some(PRICE), Some("cash"))
    );

    let replay = new_customer_form(&mut f, "tuya", plan, true, "k-paid-1");
    assert_eq!(
        replay.status, 303,
        "a replay finds what it made: {}",
        replay.body
    );
    assert!(replay.location().contains("notice=already"));
    assert_eq!(pays(&mut f).len(), 1, "paid once");
    assert_eq!(customer_by_login(&mut f, "tuya").len(), 1, "made once");
}

#[test]
fn paid_now_with_a_method_not_offered_is_refused_and_makes_nothing() {
    let mut f = fixture();
    let (router, plan) = (f.router.to_string(), f.plan.to_string());
    let done = f.web.post_form(
        "/customers",
        &[
            ("kind", "individual"),
            ("name", "Gratis"),
            ("login", "gratis"),
            ("password", "pw-777"),
            ("router_id", &router),
            ("plan_id", &plan),
            ("status", "active"),
            ("expires_at", ""),
            ("paid_now", "on"),
            ("first_method", "barter"),
            ("idempotency_key", "k-bad-1"),
        ],
    );
    assert_eq!(done.status, 422);
    assert!(done.body.contains("field-error"));
    assert!(
        done.body.contains("value=\"gratis\""),
        "the form keeps what was typed"
    );
    assert!(
        customer_by_login(&mut f, "gratis").is_empty(),
        "the customer is not made either"
    );
}
