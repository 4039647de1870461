//! `/pay` without a login: the customer is found by the source address of their connection in
//! the router's sessions, and the page shows what paying buys and the QR, nothing personal.

use super::{paying, payments_of};
use crate::helpers::{eventually, exchange_from};
use steppe::i18n::Msg;

#[test]
fn the_pay_page_finds_the_caller_by_address_and_shows_nothing_personal() {
    let mut p = paying(true);
    // Bat is in service for a few more hours and online from this machine's address.
    let soon = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(5)).to_string();
    let r = p.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{}", p.bat),
        &serde_json::json!({ "expires_at": soon, "expiry_reason": "trial" }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    eventually(10, "Bat enabled", || {
        super::disabled(&p.sim, "/ip/hotspot/user", "bat") == Some(false)
    });
    p.sim
        .sim
        .hotspot_login("bat", "pw-123", "127.0.0.1", "02:00:00:00:00:01")
        .expect("Bat logs in");

    let mut phone = p.app.portal_browser();
    let page = phone.get("/pay?lang=en");
    assert_eq!(page.status, 200, "{}", page.body);
    for needle in ["Home 10", "35,000", Msg::PayWithQPay.en()] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    for secret in ["Bat Erdene", "99112233", ">bat<", "Reference"] {
        assert!(!page.body.contains(secret), "{secret} shown: {}", page.body);
    }
    let r = phone.post_form("/pay", &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let path = r.location().to_string();
    assert!(path.starts_with("/pay/"), "{path}");
    let invoice = phone.get(&format!("{path}?lang=mn"));
    assert!(invoice.body.contains("<svg"));
    assert!(invoice.body.contains(Msg::ScanToPay.mn()));
    assert!(!invoice.body.contains("Bat Erdene") && !invoice.body.contains("99112233"));

    let number = p.qpay.invoices()[0].sender_invoice_no.clone();
    p.qpay.pay(&number, 35_000);
    eventually(15, "paid", || {
        phone
            .get(&format!("{path}?lang=en"))
            .body
            .contains(Msg::PaidYouAreOnline.en())
    });
    assert_eq!(payments_of(&mut p.api, p.bat).len(), 1);

    // Someone at an address no router knows is sent to the portal login, and cannot see the
    // invoice by its number.
    let portal = p.app.portal_addr;
    let get = |path: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {portal}\r\nConnection: close\r\n\r\n").into_bytes()
    };
    let stranger = exchange_from("127.0.0.9", portal, &get("/pay"));
    assert_eq!(stranger.status, 303);
    assert!(
        stranger.location().starts_with("/portal/login"),
        "{}",
        stranger.location()
    );
    let stranger = exchange_from("127.0.0.9", portal, &get(&path));
    assert_eq!(stranger.status, 303);
    // The admin listener does not serve the pay page.
    assert_eq!(p.web.get("/pay").status, 404);
}
