//! What can go wrong on the way from a QR to a payment: a different amount, a customer who also
//! paid at the counter, QPay down or refusing our credentials, expired tokens.

use super::{open_invoice, paying, payments_of};
use crate::helpers::eventually;
use steppe::i18n::Msg;

#[test]
fn a_short_payment_is_recorded_as_paid_and_a_counter_payment_is_not_lost() {
    let mut p = paying(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    open_invoice(&mut me, p.plan);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    // Bat's bank sent less than the invoice asked for.
    p.qpay.pay(&number, 20_000);
    p.qpay.call_back(&number);
    eventually(10, "the short payment recorded", || {
        payments_of(&mut p.api, p.bat).len() == 1
    });
    let pay = &payments_of(&mut p.api, p.bat)[0];
    assert_eq!(pay["amount"], 2_000_000, "what was really paid");
    let c = p.api.get(&format!("/api/v1/customers/{}", p.bat)).json();
    assert_eq!(
        c["status"], "expired",
        "a part of the price buys nothing here"
    );
    let listed = p.api.get("/api/v1/qpay/invoices").json();
    assert_eq!(listed["items"][0]["paid"], 2_000_000);

    // A key typed at the counter or the API cannot pre-empt a QPay payment's.
    let bat = p.bat.to_string();
    let r = p.web.post_form(
        "/payments",
        &[
            ("customer_id", bat.as_str()),
            ("amount", "1"),
            ("method", "cash"),
            ("idempotency_key", "qpay:700000000009"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);

    // The rest at the counter, then a second QR paid as well: both are payments, none lost.
    let cash = serde_json::json!({ "customer_id": p.bat, "amount": 1_500_000, "method": "cash" });
    assert_eq!(
        p.api.send_json("POST", "/api/v1/payments", &cash).status,
        201
    );
    eventually(10, "Bat in service", || {
        p.api.get(&format!("/api/v1/customers/{}", p.bat)).json()["status"] == "active"
    });
    let until = p.api.get(&format!("/api/v1/customers/{}", p.bat)).json()["expires_at"].clone();
    open_invoice(&mut me, p.plan);
    let second = p.qpay.invoices().last().unwrap().sender_invoice_no.clone();
    assert_ne!(second, number);
    p.qpay.pay(&second, 35_000);
    p.qpay.call_back(&second);
    eventually(10, "the second QPay payment recorded", || {
        payments_of(&mut p.api, p.bat).len() == 3
    });
    let total: i64 = payments_of(&mut p.api, p.bat)
        .iter()
        .map(|x| x["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 7_000_000);
    let later = p.api.get(&format!("/api/v1/customers/{}", p.bat)).json()["expires_at"].clone();
    assert!(
        later.as_str() > until.as_str(),
        "{until} → {later}: it bought another period"
    );
}

#[test]
fn qpay_down_or_refusing_says_so_and_offers_the_bank_accounts() {
    let mut p = paying(false);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    p.qpay.down(true);
    let path = open_invoice(&mut me, p.plan);
    let page = me.get(&format!("{path}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(Msg::QPayUnavailable.en()),
        "{}",
        page.body
    );
    assert!(page.body.contains("5000123456"), "the bank account instead");
    assert!(
        !page.body.contains("<svg"),
        "no QR for an invoice that does not exist"
    );
    let status = p.api.get("/api/v1/qpay/status").json();
    assert_eq!(status["failing"], true, "{status}");
    assert_ne!(status["last_error"], "", "{status}");
    let panel = p.web.get("/settings/qpay?lang=en");
    assert!(panel.body.contains(Msg::QPayFailing.en()), "{}", panel.body);
    let failed = p.api.get("/api/v1/qpay/invoices?status=failed").json();
    assert_eq!(failed["matched"], 1, "{failed}");

    // Back up: the next attempt makes a real invoice.
    p.qpay.down(false);
    let path = open_invoice(&mut me, p.plan);
    assert!(me.get(&path).body.contains("<svg"));
    assert_eq!(p.api.get("/api/v1/qpay/status").json()["failing"], false);

    // Refused credentials while an invoice is open: its checks fail, the admin sees why.
    p.qpay.refuse_credentials(true);
    p.qpay.expire_tokens();
    p.qpay.expire_refresh_tokens();
    eventually(10, "the refusal on the status panel", || {
        me.get(&path);
        let s = p.api.get("/api/v1/qpay/status").json();
        s["failing"] == true
            && s["last_error"]
                .as_str()
                .unwrap_or("")
                .contains("AUTHENTICATION_FAILED")
    });
}

#[test]
fn refused_credentials_tell_the_customer_to_pay_otherwise() {
    let mut p = paying(false);
    p.qpay.refuse_credentials(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    let path = open_invoice(&mut me, p.plan);
    let page = me.get(&format!("{path}?lang=mn"));
    assert!(
        page.body.contains(Msg::QPayUnavailable.mn()),
        "{}",
        page.body
    );
    assert!(page.body.contains("5000123456"));
    let status = p.api.get("/api/v1/qpay/status").json();
    assert_eq!(status["failing"], true, "{status}");
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("AUTHENTICATION_FAILED"),
        "{status}"
    );
    assert_eq!(p.qpay.invoices().len(), 0);
}

#[test]
fn expired_tokens_are_refreshed_then_renewed() {
    let mut p = paying(false);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    let path = open_invoice(&mut me, p.plan);
    assert_eq!(p.qpay.tokens_issued(), 1);
    // The access token expires: a refresh, not a new login.
    p.qpay.expire_tokens();
    eventually(10, "a check through a refreshed token", || {
        me.get(&path);
        p.qpay.refreshes() >= 1
    });
    assert_eq!(p.qpay.tokens_issued(), 1);
    // Both expire: a new login with the client credentials.
    p.qpay.expire_tokens();
    p.qpay.expire_refresh_tokens();
    eventually(10, "a check through a new token", || {
        me.get(&path);
        p.qpay.tokens_issued() >= 2
    });
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    p.qpay.pay(&number, 35_000);
    eventually(15, "paid", || {
        me.get(&path);
        payments_of(&mut p.api, p.bat).len() == 1
    });
    assert_eq!(p.api.get("/api/v1/qpay/status").json()["failing"], false);
}

#[test]
fn an_unpaid_invoice_ends_at_its_expiry_and_is_cancelled_at_qpay() {
    let mut p = paying(false);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    let path = open_invoice(&mut me, p.plan);
    p.app.clock.advance(31 * 60);
    eventually(15, "the invoice ended", || {
        me.get(&format!("{path}?lang=en"))
            .body
            .contains(Msg::InvoiceEnded.en())
    });
    eventually(10, "cancelled at QPay", || p.qpay.invoices()[0].cancelled);
    assert_eq!(
        p.api.get("/api/v1/qpay/invoices?status=expired").json()["matched"],
        1
    );
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 0);
    // A new one can be opened at once.
    let again = open_invoice(&mut me, p.plan);
    assert_ne!(again, path);
    assert!(me.get(&again).body.contains("<svg"));
}

#[test]
fn paying_for_another_package_changes_the_package_when_paid() {
    let mut p = paying(true);
    let fast = p.api.send_json("POST", "/api/v1/plans", &serde_json::json!({
        "name": "Home 50", "kind": "hotspot", "price": 6_000_000, "duration_days": 30, "duration_hours": 0,
        "download": "50M", "upload": "10M", "shared_users": 1
    }));
    assert_eq!(fast.status, 201, "{}", fast.body);
    let fast = fast.json()["id"].as_u64().unwrap();
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    // Not allowed yet: the choice is not offered, and asking for it opens nothing.
    assert!(!me.get("/portal/pay?lang=en").body.contains("Home 50"));
    let r = me.post_form("/portal/pay", &[("plan_id", &fast.to_string())]);
    assert_eq!(r.location(), "/portal/pay");
    assert_eq!(p.qpay.invoices().len(), 0);

    let mut form = super::settings_form(&p.qpay, &p.app.portal_url(""));
    form.push(("other_plans", "on".into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(p.web.post_form("/settings/qpay", &fields).status, 303);
    let offer = me.get(&format!("/portal/pay?lang=en&plan_id={fast}"));
    assert!(offer.body.contains("60,000"), "{}", offer.body);
    let path = super::open_invoice(&mut me, fast);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    assert_eq!(p.qpay.invoices()[0].amount, 60_000);
    p.qpay.pay(&number, 60_000);
    p.qpay.call_back(&number);
    eventually(10, "paid on the new package", || {
        p.api.get(&format!("/api/v1/customers/{}", p.bat)).json()["plan_id"] == fast
    });
    eventually(10, "the router holds the new profile", || {
        super::disabled(&p.sim, "/ip/hotspot/user", "bat") == Some(false)
            && p.sim
                .sim
                .find("/ip/hotspot/user", "bat")
                .is_some_and(|u| u.get("profile") == Some("Home-50"))
    });
    assert!(
        me.get(&format!("{path}?lang=en"))
            .body
            .contains(Msg::PaidYouAreOnline.en())
    );
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 1);
}

#[test]
fn a_qpay_payment_brings_the_receipt_when_receipts_are_on() {
    let mut p = paying(true);
    let d = steppe::notify::config::MessageSettingsDraft::of(&Default::default());
    let fields = [
        ("smtp_security", "starttls"),
        ("days_before", ""),
        ("receipt", "1"),
        ("channel", "sms_router"),
        ("before_en", d.before_en.as_str()),
        ("before_mn", d.before_mn.as_str()),
        ("expired_en", d.expired_en.as_str()),
        ("expired_mn", d.expired_mn.as_str()),
        ("receipt_en", "{name}: {amount_paid} received"),
        ("receipt_mn", "{name}: {amount_paid} хүлээн авлаа"),
    ];
    let r = p.web.post_form("/settings/messages", &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    open_invoice(&mut me, p.plan);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    p.qpay.pay(&number, 35_000);
    p.qpay.call_back(&number);
    eventually(20, "the receipt by SMS", || {
        p.sim
            .sim
            .sms_sent()
            .iter()
            .any(|s| s.message.contains("35,000"))
    });
    let sms = p.sim.sim.sms_sent();
    assert_eq!(sms.len(), 1, "one receipt: {sms:?}");
    assert_eq!(sms[0].phone, "99112233");
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 1);
}

#[test]
fn a_replaced_invoice_paid_anyway_becomes_a_payment_and_is_then_closed() {
    let mut p = paying(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    open_invoice(&mut me, p.plan);
    let first = p.qpay.invoices()[0].sender_invoice_no.clone();
    // Part paid at the counter: what is due changes, so the next visit makes a new invoice…
    let cash = serde_json::json!({ "customer_id": p.bat, "amount": 1_000_000, "method": "cash" });
    assert_eq!(
        p.api.send_json("POST", "/api/v1/payments", &cash).status,
        201
    );
    // …while Bat's phone still shows the first QR, and the bank pays it.
    p.qpay.pay(&first, 35_000);
    let path = open_invoice(&mut me, p.plan);
    assert_eq!(p.qpay.invoices().len(), 2);
    assert_eq!(p.qpay.invoices()[1].amount, 25_000);
    eventually(15, "the old QR's payment recorded", || {
        payments_of(&mut p.api, p.bat)
            .iter()
            .any(|x| x["method"] == "qpay" && x["amount"] == 3_500_000)
    });
    eventually(10, "Bat in service", || {
        p.api.get(&format!("/api/v1/customers/{}", p.bat)).json()["status"] == "active"
    });
    let paid = p.api.get("/api/v1/qpay/invoices?status=paid").json();
    assert_eq!(paid["matched"], 1, "{paid}");
    // The second one, not paid, stays open and payable; nothing is recorded twice.
    assert!(me.get(&path).status == 200);
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 2);
}

#[test]
fn a_replaced_invoice_is_cancelled_at_qpay_then_no_longer_asked_about() {
    let p = paying(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    open_invoice(&mut me, p.plan);
    let mut p = p;
    let cash = serde_json::json!({ "customer_id": p.bat, "amount": 1_000_000, "method": "cash" });
    assert_eq!(
        p.api.send_json("POST", "/api/v1/payments", &cash).status,
        201
    );
    open_invoice(&mut me, p.plan);
    eventually(10, "the first cancelled at QPay", || {
        p.qpay.invoices()[0].cancelled
    });
    let cancelled = p.api.get("/api/v1/qpay/invoices?status=cancelled").json();
    assert_eq!(cancelled["matched"], 1, "{cancelled}");
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 1, "only the cash");
}

#[test]
fn a_second_payment_still_pending_when_the_first_landed_is_recorded_when_it_lands() {
    let mut p = paying(true);
    let mut me = crate::portal::logged_in(&p.app, "bat", "pw-123");
    open_invoice(&mut me, p.plan);
    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    // Bat's phone paid twice: one went through, the other is still being processed.
    p.qpay.pay(&number, 35_000);
    let second = p.qpay.pay_pending(&number, 35_000);
    p.qpay.call_back(&number);
    eventually(10, "the first payment", || {
        payments_of(&mut p.api, p.bat).len() == 1
    });
    // Still asked about, but no longer open.
    assert_eq!(p.api.get("/api/v1/qpay/status").json()["open_invoices"], 0);
    p.qpay.complete(&second);
    p.qpay.call_back(&number);
    eventually(
        20,
        "the second payment, as credit or another period",
        || payments_of(&mut p.api, p.bat).len() == 2,
    );
    let invoice = &p.api.get("/api/v1/qpay/invoices").json()["items"][0];
    assert_eq!(invoice["paid"], 7_000_000, "{invoice}");
    assert_eq!(invoice["status"], "paid");
}
