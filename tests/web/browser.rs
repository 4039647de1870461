//! The key flow in a real headless Chromium: set up the first admin, log in, create an admin
//! with a restricted role, log in as them and see the restricted menu.

use crate::helpers::TestApp;
use crate::webdriver::Driver;

#[test]
fn first_admin_then_restricted_admin_sees_restricted_menu() {
    let app = TestApp::start();
    let d = Driver::start();
    d.goto(&app.url("/?lang=en"));
    assert!(
        d.url().ends_with("/setup"),
        "fresh install lands on setup: {}",
        d.url()
    );
    d.fill("input[name=username]", "chief");
    d.fill("input[name=full_name]", "Chief Operator");
    d.fill("input[name=password]", "browser pass 1");
    d.fill("input[name=password2]", "browser pass 1");
    d.click("button[type=submit]");
    d.wait_for_text("Welcome, Chief Operator");

    d.goto(&app.url("/admins/new"));
    d.fill("input[name=username]", "clerk");
    d.fill("input[name=full_name]", "Clerk");
    d.select("select[name=role_id]", "cashier");
    d.fill("input[name=password]", "browser pass 2");
    d.fill("input[name=password2]", "browser pass 2");
    d.click("form[action='/admins'] button[type=submit]");
    d.wait_for_text("Saved.");

    d.click("form[action='/logout'] button");
    d.wait_for_text("Log in to Steppe");
    d.fill("input[name=username]", "clerk");
    d.fill("input[name=password]", "browser pass 2");
    d.click("button[type=submit]");
    d.wait_for_text("Welcome, Clerk");
    let menu = d.text("nav.menu");
    assert!(menu.contains("Dashboard"), "{menu}");
    for hidden in ["Users", "Settings", "Audit log", "Banner"] {
        assert!(
            !menu.contains(hidden),
            "clerk must not see {hidden}: {menu}"
        );
    }
    d.goto(&app.url("/admins"));
    assert!(d.text("main").contains("You do not have access"));
    d.screenshot("target/browser-restricted-menu.png");

    // At phone width nothing overflows sideways: the menu wraps above the content.
    d.set_window(390, 844);
    for path in ["/", "/account", "/login"] {
        d.goto(&app.url(path));
        let overflow = d.eval(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        );
        assert!(
            overflow.as_i64().unwrap_or(1) <= 0,
            "{path} overflows at phone width by {overflow}px"
        );
    }
    d.goto(&app.url("/"));
    d.screenshot("target/browser-phone.png");
}
