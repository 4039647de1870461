//! Settings' time zone as a choice from the zone list, and the message compose page's SMS
//! counter and recipient selection (issue #18, point 16).

use crate::helpers::{TestApp, customer, fixture};
use crate::webdriver::Driver;

fn settings_with_zone(zone: &str) -> Vec<(&str, &str)> {
    vec![
        ("company_name", "Talst Net"),
        ("currency_code", "MNT"),
        ("currency_symbol", "₮"),
        ("currency_exponent", "0"),
        ("default_lang", "mn"),
        ("payment_methods", "cash"),
        ("time_zone", zone),
    ]
}

#[test]
fn the_time_zone_is_chosen_from_the_list_and_a_made_up_one_is_refused() {
    let (_app, mut b) = TestApp::with_admin();
    let page = b.get("/settings");
    assert!(
        page.body.contains("<select name=\"time_zone\">"),
        "a select, not free text"
    );
    assert!(!page.body.contains("TZ: "), "the confusing line is gone");
    // No setting yet: the server's zone is the chosen option, and it says which it is.
    assert!(
        page.body
            .contains("<option value=\"\" selected>Серверийн цагийн бүс ("),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<option value=\"Asia/Ulaanbaatar\">Asia/Ulaanbaatar (UTC+08")
    );
    assert!(
        page.body.contains("value=\"Europe/Berlin\""),
        "the whole list, not only Mongolia"
    );
    assert!(!page.body.contains("value=\"posix/") && !page.body.contains("value=\"US/"));

    let bad = b.post_multipart("/settings", &settings_with_zone("Asia/Atlantis"), &[]);
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Цагийн бүс буруу"), "{}", bad.body);

    let good = b.post_multipart("/settings", &settings_with_zone("Asia/Tokyo"), &[]);
    assert_eq!(good.status, 303, "{}", good.body);
    let page = b.get("/settings");
    assert!(
        page.body.contains("<option value=\"Asia/Tokyo\" selected>"),
        "the saved zone is pre-selected"
    );
    assert!(!page.body.contains("<option value=\"\" selected>Серверийн"));
}

#[test]
fn recipients_say_what_the_selection_is() {
    let mut f = fixture();
    f.new_customer(&customer(f.router, f.plan, "bat", "2030-01-01T00:00:00Z"));
    let none = f.web.get("/messages/new");
    assert!(none.body.contains("Хүлээн авагч: 0"));
    assert!(
        none.body.contains("Хүлээн авагч сонгоогүй байна"),
        "{}",
        none.body
    );
    let by_plan = f
        .web
        .get(&format!("/messages/new?plan_id={}&status=active", f.plan));
    assert!(by_plan.body.contains("Хүлээн авагч: 1"));
    assert!(
        by_plan.body.contains("Сонголт: Багц: Home 10, Төлөв: "),
        "which filter gives the count: {}",
        by_plan.body
    );
    let one = f.web.get("/messages/new?customer_id=1");
    assert!(one.body.contains("сонгосон 1 харилцагч"));
}

#[test]
fn the_sms_counter_counts_cyrillic_in_70_character_parts() {
    let (app, _web) = TestApp::with_admin();
    let d = Driver::start();
    d.login_as_boss(&app.url("/login?lang=en"));
    d.goto(&app.url("/messages/new?lang=mn"));
    d.fill("textarea[name=body]", &"а".repeat(70));
    let one = d.text("output[data-sms-count]");
    assert!(one.starts_with("70 тэмдэгт, 1 SMS (кирилл"), "{one}");
    d.fill("textarea[name=body]", &"б".repeat(71));
    let two = d.text("output[data-sms-count]");
    assert!(two.starts_with("71 тэмдэгт, 2 SMS (кирилл"), "{two}");
    d.fill("textarea[name=body]", &"a".repeat(160));
    let latin = d.text("output[data-sms-count]");
    assert!(latin.starts_with("160 тэмдэгт, 1 SMS (латин"), "{latin}");
    d.fill("textarea[name=body]", &"a".repeat(161));
    assert!(
        d.text("output[data-sms-count]")
            .starts_with("161 тэмдэгт, 2 SMS")
    );
}
