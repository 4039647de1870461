//! Payments, bills, reversals, extensions and plan changes through the API and the forms.

use crate::helpers::{Browser, Fixture, customer, fixture};
use serde_json::{Value, json};

mod cashier;
mod extensions;
mod first_payment;
mod payments;
mod receipts;
mod replays;

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
    for s in [
        "Steppe",
        "Khan Bank",
        "5000123456",
        "35,000",
        "Payment receipt No.",
    ] {
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
