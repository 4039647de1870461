//! Voucher batches through the admin pages: the form (bad input changes nothing, a replay makes
//! one batch), counts per state, the cards' filters, voiding a range and single cards, the print
//! view's QR codes and login URLs (and a thousand cards in one view), CSV and Excel exports, and
//! who may do what.

use crate::helpers::{ADMIN_PW, Browser, Fixture, Page, fixture};
use serde_json::json;
use steppe::i18n::Msg;

/// The fields of a good form for `count` code-only cards at 1,000 ₮ on the fixture's router.
fn form(f: &Fixture, count: &str) -> Vec<(String, String)> {
    [
        ("router_ids", f.router.to_string()),
        ("plan_id", f.plan.to_string()),
        ("count", count.into()),
        ("style", "letters".into()),
        ("length", "8".into()),
        ("prefix", "tn".into()),
        ("login_mode", "code".into()),
        ("price", "1000".into()),
        ("validity", "first_login".into()),
        ("until", String::new()),
        ("limit_uptime", String::new()),
        ("limit_bytes_total", String::new()),
        ("note", "Shop at the market".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn post(b: &mut Browser, path: &str, fields: &[(String, String)]) -> Page {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post_form(path, &f)
}

/// Opens the new-batch form (for its one-time key) and submits it with these changes; the page
/// it lands on.
fn submit(b: &mut Browser, mut fields: Vec<(String, String)>, changes: &[(&str, &str)]) -> Page {
    let form = b.get("/vouchers/new?lang=en");
    assert_eq!(form.status, 200, "{}", form.body);
    let key = form.input_value("idempotency_key").expect("a one-time key");
    for (k, v) in changes {
        fields.retain(|(x, _)| x != k);
        fields.push((k.to_string(), v.to_string()));
    }
    fields.push(("idempotency_key".into(), key));
    post(b, "/vouchers", &fields)
}

/// Makes a batch through the form; its id.
fn make(f: &mut Fixture, count: &str, changes: &[(&str, &str)]) -> u64 {
    let fields = form(f, count);
    let p = submit(&mut f.web, fields, changes);
    assert_eq!(p.status, 303, "{}", p.body);
    let loc = p.location();
    assert!(loc.ends_with("?notice=made"), "{loc}");
    loc["/vouchers/".len()..loc.find('?').unwrap()]
        .parse()
        .unwrap()
}

/// The codes on a batch page, in order.
fn codes(page: &str) -> Vec<String> {
    page.split("<code class=\"voucher-code\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect()
}

/// The count shown for a state in the batch page's summary ("In stock: 7").
fn count(page: &str, state: Msg) -> u32 {
    let needle = format!("{}: ", state.en());
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("{needle} in page"))
        + needle.len();
    let digits: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

fn batches_listed(b: &mut Browser) -> usize {
    let list = b.get("/vouchers?lang=en");
    assert_eq!(list.status, 200);
    (1..50)
        .filter(|id| list.body.contains(&format!("<a href=\"/vouchers/{id}\">")))
        .count()
}

#[test]
fn a_batch_is_made_through_the_form_and_a_replay_makes_no_second() {
    let mut f = fixture();
    // Bad input: every problem is shown with what was typed, and nothing is made.
    let fields = form(&f, "20000");
    let bad = submit(
        &mut f.web,
        fields,
        &[
            ("length", "3"),
            ("price", "abc"),
            ("prefix", "TOO-LONG-PREFIX"),
        ],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains(Msg::FixErrors.en()));
    assert!(
        bad.body
            .contains(&Msg::CountUpTo.en().replace("{}", "10000")),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"20000\""),
        "the typed count is kept"
    );
    assert!(bad.body.contains("value=\"TOO-LONG-PREFIX\""));
    assert_eq!(
        batches_listed(&mut f.web),
        0,
        "a refused form makes nothing"
    );

    // A good form, then the same form again (Back and submit): one batch, and the second says so.
    let form = f.web.get("/vouchers/new?lang=en");
    let key = form.input_value("idempotency_key").unwrap();
    assert!(form.body.contains(Msg::ValidityFirstLoginHelp.en()));
    assert!(form.body.contains(Msg::ValidityUntilHelp.en()));
    let mut fields = self::form(&f, "25");
    fields.push(("idempotency_key".into(), key));
    let first = post(&mut f.web, "/vouchers", &fields);
    assert_eq!(first.status, 303, "{}", first.body);
    let again = post(&mut f.web, "/vouchers", &fields);
    assert_eq!(again.status, 303);
    let id = first.location().split('?').next().unwrap().to_string();
    assert_eq!(again.location(), format!("{id}?notice=already"));
    assert_eq!(batches_listed(&mut f.web), 1);
    let shown = f.web.get(&format!("{}&lang=en", again.location()));
    assert!(shown.body.contains(Msg::AlreadyApplied.en()));
    let cards = codes(&shown.body);
    assert_eq!(cards.len(), 25);
    assert!(cards.iter().all(|c| c.starts_with("TN") && c.len() == 10));
    assert_eq!(count(&shown.body, Msg::CardInStock), 25);
    assert!(
        shown.body.contains("30 days from first login"),
        "validity in words"
    );
    assert!(shown.body.contains(Msg::FirstUseNoticed.en()));

    // The list: names not ids, money in tögrög, counts per state, the time in the zone.
    let list = f.web.get("/vouchers?lang=en");
    assert!(list.body.contains("Home 10") && list.body.contains("Tower A"));
    assert!(list.body.contains("1,000"), "{}", list.body);
    assert!(list.body.contains("?state=in_stock\">25</a>"));
    let audit = f.api.get("/api/v1/audit?entity=voucher_batch").json();
    let made: Vec<_> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "create")
        .collect();
    assert_eq!(made.len(), 1, "{audit}");

    // A fixed end date reads as one on the batch.
    let id = make(
        &mut f,
        "3",
        &[("validity", "until"), ("until", "2099-01-31T23:59")],
    );
    let p = f.web.get(&format!("/vouchers/{id}?lang=en"));
    assert!(p.body.contains("until 2099-01-31"), "{}", p.body);
}

#[test]
fn voiding_a_range_and_single_cards_changes_states_and_counts() {
    let mut f = fixture();
    let id = make(&mut f, "10", &[]);
    let page = |b: &mut Browser, q: &str| b.get(&format!("/vouchers/{id}?lang=en{q}")).body;
    let all = codes(&page(&mut f.web, ""));
    assert_eq!(all.len(), 10);

    let v = f.web.post_form(
        &format!("/vouchers/{id}/void"),
        &[("from", "3"), ("to", "5"), ("reason", "stack lost")],
    );
    assert_eq!(v.status, 303, "{}", v.body);
    assert!(
        v.location().contains("notice=voided&n=3"),
        "{}",
        v.location()
    );
    let p = page(&mut f.web, "");
    assert_eq!(count(&p, Msg::CardVoid), 3);
    assert_eq!(count(&p, Msg::CardInStock), 7);

    // One card by its row's button.
    let v = f
        .web
        .post_form(&format!("/vouchers/{id}/void-cards"), &[("code", &all[0])]);
    assert_eq!(v.status, 303, "{}", v.body);
    let p = page(&mut f.web, "");
    assert_eq!(count(&p, Msg::CardVoid), 4);
    // The filters: by state, and by part of a code in any case.
    let void = codes(&page(&mut f.web, "&state=void"));
    assert_eq!(void, [0, 2, 3, 4].map(|i| all[i].clone()));
    let part = all[7][2..7].to_lowercase();
    assert_eq!(
        codes(&page(&mut f.web, &format!("&code={part}"))),
        [all[7].clone()]
    );
    assert_eq!(codes(&page(&mut f.web, "&state=in_use")).len(), 0);

    // Dead cards are refused, and change nothing.
    let again = f
        .web
        .post_form(&format!("/vouchers/{id}/void-cards"), &[("code", &all[0])]);
    assert_eq!(again.status, 409);
    let dead = f.web.post_form(
        &format!("/vouchers/{id}/void?lang=en"),
        &[("from", "3"), ("to", "5")],
    );
    assert_eq!(dead.status, 422);
    let outside = f.web.post_form(
        &format!("/vouchers/{id}/void"),
        &[("from", "8"), ("to", "11")],
    );
    assert_eq!(outside.status, 422);
    assert_eq!(count(&page(&mut f.web, ""), Msg::CardVoid), 4);

    // The whole batch: the six that still worked; the list agrees.
    let v = f
        .web
        .post_form(&format!("/vouchers/{id}/void"), &[("whole", "1")]);
    assert!(v.location().contains("n=6"), "{}", v.location());
    let list = f.web.get("/vouchers?lang=en").body;
    assert!(list.contains("?state=void\">10</a>"), "{list}");
    assert!(list.contains("?state=in_stock\">0</a>"));
    let audit = f.api.get("/api/v1/audit?entity=voucher_batch").json();
    let voids: Vec<String> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "void")
        .map(|e| e["summary"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(voids.len(), 3, "{voids:?}");
    assert!(
        voids
            .iter()
            .any(|s| s.contains("numbers 3–5") && s.contains("stack lost"))
    );
}

/// The PINs on a print view's cards, in order.
fn pins(page: &str) -> Vec<String> {
    let label = format!("<small>{}</small><b>", Msg::VoucherPin.en());
    page.split(&label)
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect()
}

/// The codes on a print view's cards, in order.
fn printed_codes(page: &str) -> Vec<String> {
    let label = format!("<small>{}</small><b>", Msg::VoucherCode.en());
    page.split(&label)
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect()
}

#[test]
fn the_print_view_draws_each_cards_qr_with_its_hotspot_login() {
    let mut f = fixture();
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{}", f.router),
        &json!({ "hotspot_dns": "Hotspot.TopNET.mn" }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.json()["hotspot_dns"], "hotspot.topnet.mn");
    let id = make(&mut f, "12", &[("login_mode", "code_pin")]);
    let all = codes(&f.web.get(&format!("/vouchers/{id}?lang=en")).body);
    f.web
        .post_form(&format!("/vouchers/{id}/void-cards"), &[("code", &all[1])]);

    let view = f
        .web
        .get(&format!("/vouchers/{id}/print?layout=a4-3x7&lang=en"));
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(
        view.body.matches("<svg").count(),
        11,
        "one QR per working card"
    );
    assert!(view.body.contains("class=\"sheet a4-3x7\""));
    assert!(view.body.contains("Home 10") && view.body.contains("1,000"));
    assert!(view.body.contains("30 days from first login"));
    assert!(
        !view.body.contains("nav class=\"menu\""),
        "no navigation on paper"
    );
    let (codes_on, pins_on) = (printed_codes(&view.body), pins(&view.body));
    assert_eq!(codes_on.len(), 11);
    assert!(!codes_on.contains(&all[1]), "a void card is not printed");
    assert_eq!(pins_on.len(), 11);
    for (code, pin) in codes_on.iter().zip(&pins_on) {
        assert!(
            pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
            "{pin}"
        );
        // The QR drawn is exactly the one of the hotspot's login with this card filled in.
        let url = format!("http://hotspot.topnet.mn/login?username={code}&password={pin}");
        let svg = steppe::web::qr::compact_svg(&url).unwrap();
        assert!(view.body.contains(&svg), "the QR of {url}");
    }

    // Rolls: one card per ticket; a range reprints just those cards.
    let roll = f.web.get(&format!(
        "/vouchers/{id}/print?layout=roll58&from=3&to=4&lang=en"
    ));
    assert_eq!(roll.body.matches("class=\"sheet roll58\"").count(), 2);
    assert_eq!(printed_codes(&roll.body), [all[2].clone(), all[3].clone()]);
    // Without a DNS name the router's address is used.
    f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{}", f.router),
        &json!({ "hotspot_dns": "" }),
    );
    let plain = f
        .web
        .get(&format!("/vouchers/{id}/print?from=1&to=1&lang=en"));
    let pin = &pins(&plain.body)[0];
    let url = format!("http://127.0.0.1/login?username={}&password={pin}", all[0]);
    assert!(
        plain
            .body
            .contains(&steppe::web::qr::compact_svg(&url).unwrap())
    );
    let audit = f.api.get("/api/v1/audit?entity=voucher_batch").json();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "print" && e["summary"].as_str().unwrap().contains("3–4")),
        "{audit}"
    );
}

#[test]
fn a_thousand_cards_print_in_one_view_and_more_in_ranges() {
    let mut f = fixture();
    let started = std::time::Instant::now();
    let id = make(&mut f, "1200", &[]);
    eprintln!(
        "1,200-card batch made through the form in {:?}",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    let view = f.web.get(&format!("/vouchers/{id}/print?lang=en"));
    let took = started.elapsed();
    assert_eq!(view.status, 200);
    assert_eq!(view.body.matches("<svg").count(), 1_000, "the first 1,000");
    eprintln!(
        "print view of 1,000 cards: {took:?}, {} KiB of HTML",
        view.body.len() / 1024
    );
    assert!(
        view.body.contains("№ 1001"),
        "says where the next cards start"
    );
    // A range past the bound is cut to 1,000 cards; the rest come in the next range.
    let cut = f
        .web
        .get(&format!("/vouchers/{id}/print?from=101&to=5000&lang=en"));
    assert_eq!(cut.body.matches("<svg").count(), 1_000);
    assert!(cut.body.contains("name=\"to\" min=\"1\" value=\"1100\""));
    let rest = f
        .web
        .get(&format!("/vouchers/{id}/print?from=1001&lang=en"));
    assert_eq!(rest.body.matches("<svg").count(), 200);
    // The batch's cards are paged too.
    let first = f.web.get(&format!("/vouchers/{id}?lang=en"));
    assert_eq!(codes(&first.body).len(), 100);
    let last = f.web.get(&format!("/vouchers/{id}?page=12&lang=en"));
    assert_eq!(codes(&last.body).len(), 100);
    assert!(last.body.contains("Page 12 of 12"));
}

#[test]
fn exports_hold_every_card_with_its_pin_and_are_audited() {
    let mut f = fixture();
    let id = make(&mut f, "5", &[("login_mode", "code_pin")]);
    let all = codes(&f.web.get(&format!("/vouchers/{id}?lang=en")).body);
    let view = f.web.get(&format!("/vouchers/{id}/print?lang=en"));
    let printed_pins = pins(&view.body);

    let (status, headers, bytes) = f
        .web
        .get_bytes(&format!("/vouchers/{id}/cards.csv?lang=en"));
    assert_eq!(status, 200);
    let disp = headers
        .iter()
        .find(|(k, _)| k == "content-disposition")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        disp.contains(&format!("vouchers-{id}-")) && disp.ends_with(".csv\""),
        "{disp}"
    );
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("BOM");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 5, "header, five cards: {text}");
    assert!(lines[0].starts_with("Card №,Code,PIN,"), "{}", lines[0]);
    for (i, line) in lines[1..].iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], (i + 1).to_string());
        assert_eq!(cells[1], all[i]);
        assert_eq!(cells[2], printed_pins[i], "the PIN, unsealed");
        assert_eq!(
            &cells[3..8],
            [
                "Home 10",
                "1000.00",
                "30 days from first login",
                "In stock",
                "Tower A"
            ]
        );
    }

    let (status, _, bytes) = f
        .web
        .get_bytes(&format!("/vouchers/{id}/cards.xlsx?lang=en"));
    assert_eq!(status, 200);
    use calamine::{Data as X, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range(&wb.sheet_names()[0].clone()).unwrap();
    let rows: Vec<&[X]> = sheet.rows().collect();
    assert_eq!(rows.len(), 1 + 5, "header, five cards");
    assert_eq!(rows[1][1], X::String(all[0].clone()));
    assert_eq!(rows[1][2], X::String(printed_pins[0].clone()));
    assert_eq!(rows[1][4], X::Float(1000.0), "the price is a number");

    let audit = f.api.get("/api/v1/audit?entity=voucher_batch").json();
    let exports: Vec<String> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "export")
        .map(|e| e["summary"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert!(
        exports
            .iter()
            .all(|s| s.contains("cards: 5") && s.contains("pins: true")),
        "{exports:?}"
    );
}

#[test]
fn viewers_see_batches_but_cannot_make_void_print_or_export_and_others_see_nothing() {
    let mut f = fixture();
    let id = make(&mut f, "4", &[("login_mode", "code_pin")]);
    let all = codes(&f.web.get(&format!("/vouchers/{id}")).body);
    let nothing = json!({ "id": "nothing", "name": "Nothing", "grants": {} });
    assert_eq!(
        f.api.send_json("POST", "/api/v1/roles", &nothing).status,
        201
    );
    for (user, role) in [("watcher", "viewer"), ("nobody", "nothing")] {
        let made = f.api.send_json(
            "POST",
            "/api/v1/admins",
            &json!({ "username": user, "full_name": user, "role_id": role, "password": ADMIN_PW }),
        );
        assert_eq!(made.status, 201, "{}", made.body);
    }
    let mut viewer = f.app.browser();
    assert_eq!(viewer.login("watcher", ADMIN_PW).status, 303);
    let home = viewer.get("/?lang=en");
    assert!(home.body.contains("href=\"/vouchers\""));
    let page = viewer.get(&format!("/vouchers/{id}?lang=en"));
    assert_eq!(page.status, 200);
    assert_eq!(codes(&page.body).len(), 4);
    for hidden in [
        "/void",
        "cards.csv",
        "cards.xlsx",
        "/print",
        "/vouchers/new",
    ] {
        assert!(
            !page.body.contains(hidden),
            "a viewer is not offered {hidden}"
        );
    }
    assert!(!viewer.get("/vouchers").body.contains("/vouchers/new"));
    for path in [
        "/vouchers/new".to_string(),
        format!("/vouchers/{id}/print"),
        format!("/vouchers/{id}/cards.csv"),
        format!("/vouchers/{id}/cards.xlsx"),
    ] {
        assert_eq!(viewer.get(&path).status, 403, "{path}");
    }
    let mut fields = form(&f, "3");
    fields.push(("idempotency_key".into(), "viewer-try".into()));
    assert_eq!(post(&mut viewer, "/vouchers", &fields).status, 403);
    assert_eq!(
        viewer
            .post_form(&format!("/vouchers/{id}/void"), &[("whole", "1")])
            .status,
        403
    );
    assert_eq!(
        viewer
            .post_form(&format!("/vouchers/{id}/void-cards"), &[("code", &all[0])])
            .status,
        403
    );
    let p = f.web.get(&format!("/vouchers/{id}?lang=en"));
    assert_eq!(
        count(&p.body, Msg::CardInStock),
        4,
        "the viewer changed nothing"
    );
    assert_eq!(batches_listed(&mut f.web), 1);

    let mut nobody = f.app.browser();
    assert_eq!(nobody.login("nobody", ADMIN_PW).status, 303);
    assert!(!nobody.get("/").body.contains("href=\"/vouchers\""));
    assert_eq!(nobody.get("/vouchers").status, 403);
    assert_eq!(nobody.get(&format!("/vouchers/{id}")).status, 403);
}

#[test]
fn the_mongolian_pages_speak_mongolian() {
    let mut f = fixture();
    let id = make(&mut f, "3", &[("login_mode", "code_pin")]);
    let p = f.web.get(&format!("/vouchers/{id}?lang=mn"));
    assert!(
        p.body.contains("Анх нэвтэрснээс хойш 30 хоног"),
        "{}",
        p.body
    );
    assert!(p.body.contains(Msg::CardInStock.mn()));
    let print = f.web.get(&format!("/vouchers/{id}/print?lang=mn"));
    assert!(print.body.contains(Msg::VoucherPin.mn()));
    // The other pages in both languages are checked by `i18n::every_page_renders_in_both_languages`.
}

#[test]
fn a_router_or_package_with_cards_is_kept() {
    let mut f = fixture();
    make(&mut f, "2", &[]);
    let r = f.api.send_json(
        "DELETE",
        &format!("/api/v1/routers/{}", f.router),
        &json!({}),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    let p = f
        .api
        .send_json("DELETE", &format!("/api/v1/plans/{}", f.plan), &json!({}));
    assert_eq!(p.status, 409, "{}", p.body);
    assert_eq!(
        f.api.get(&format!("/api/v1/routers/{}", f.router)).status,
        200
    );
}
