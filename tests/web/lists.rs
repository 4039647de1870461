//! Every list's "Export" (Excel and CSV): the rows the list's own filters keep, from every page,
//! with a header row first (no title above it), words not codes, money in major units; and the
//! grid's row counts.

use crate::helpers::{Browser, Fixture, customer, fixture};
use serde_json::json;
use steppe::i18n::{Lang, Msg};

/// The CSV at `path` as lines of cells (no field here holds a comma or a quote).
fn csv(b: &mut Browser, path: &str) -> Vec<Vec<String>> {
    let (status, headers, bytes) = b.get_bytes(path);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&bytes));
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("text/csv")),
        "{headers:?}"
    );
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// The workbook at `path`: its one sheet's rows as text.
fn xlsx(b: &mut Browser, path: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let (status, _, bytes) = b.get_bytes(path);
    assert_eq!(status, 200, "{path}");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.len(), 1, "{names:?}");
    wb.worksheet_range(&names[0])
        .unwrap()
        .rows()
        .map(<[calamine::Data]>::to_vec)
        .collect()
}

fn header(msgs: &[Msg]) -> Vec<String> {
    msgs.iter().map(|m| m.mn().to_string()).collect()
}

fn column(rows: &[Vec<String>], i: usize) -> Vec<&str> {
    rows[1..].iter().map(|r| r[i].as_str()).collect()
}

/// 55 customers whose login starts "a" (more than a page of 50), 5 starting "b", expired.
fn customers(f: &mut Fixture) {
    for i in 1..=55 {
        f.new_customer(&customer(
            f.router,
            f.plan,
            &format!("a{i:03}"),
            "2099-01-01T00:00:00Z",
        ));
    }
    for i in 1..=5 {
        f.new_customer(&customer(
            f.router,
            f.plan,
            &format!("b{i:03}"),
            "2020-01-01T00:00:00Z",
        ));
    }
}

#[test]
fn the_customer_export_is_the_searched_list_over_every_page() {
    let mut f = fixture();
    customers(&mut f);
    let page = f.web.get("/customers?q=a0&sort=login");
    assert!(
        page.body
            .contains("/customers/export?q=a0&amp;sort=login&amp;format=csv"),
        "the export link keeps the list's filters: {}",
        page.body
    );
    let rows = csv(&mut f.web, "/customers/export?q=a0&sort=login&format=csv");
    assert_eq!(
        rows[0],
        header(&[
            Msg::Number,
            Msg::Name,
            Msg::Username,
            Msg::Phone,
            Msg::MenuPlans,
            Msg::MenuRouters,
            Msg::Status,
            Msg::ExpiryDate,
            Msg::CreatedDate,
        ]),
        "the first line is the header"
    );
    assert!(!rows[0].iter().any(|h| h.contains(':')), "{:?}", rows[0]);
    let logins: Vec<String> = (1..=55).map(|i| format!("a{i:03}")).collect();
    assert_eq!(column(&rows, 2), logins, "every page, in the list's order");
    assert!(column(&rows, 6).iter().all(|s| *s == Msg::Active.mn()));
    assert!(column(&rows, 4).iter().all(|s| *s == "Home 10"), "names");
    assert!(column(&rows, 5).iter().all(|s| *s == "Tower A"), "not ids");
    assert!(rows[1][7].starts_with("2099-01-01 "), "{:?}", rows[1]);

    let expired = csv(&mut f.web, "/customers/export?status=expired");
    assert_eq!(
        column(&expired, 2),
        ["b001", "b002", "b003", "b004", "b005"]
    );
    assert!(column(&expired, 6).iter().all(|s| *s == Msg::Expired.mn()));

    let book = xlsx(&mut f.web, "/customers/export?q=a0&format=xlsx");
    assert_eq!(book.len(), 56, "header and 55 rows");
    assert_eq!(book[0][1], calamine::Data::String(Msg::Name.mn().into()));
    assert_eq!(book[55][2], calamine::Data::String("a055".into()));
    assert!(
        matches!(book[1][7], calamine::Data::DateTime(_)),
        "{:?}",
        book[1][7]
    );
    assert_eq!(f.web.get("/customers/export?format=pdf").status, 404);
}

#[test]
fn payments_extensions_and_bills_export_words_and_major_units() {
    let mut f = fixture();
    let a = f.new_customer(&customer(f.router, f.plan, "p1", "2099-01-01T00:00:00Z"));
    let b = f.new_customer(&customer(f.router, f.plan, "p2", "2099-01-01T00:00:00Z"));
    for (id, method) in [(a, "cash"), (b, "bank_transfer")] {
        let p = f.api.send_json(
            "POST",
            "/api/v1/payments",
            &json!({ "customer_id": id, "amount": 3_500_000, "method": method }),
        );
        assert_eq!(p.status, 201, "{}", p.body);
    }
    let ext = json!({ "customer_id": a, "days": 3, "free": true, "reason": "outage" });
    assert_eq!(
        f.api.send_json("POST", "/api/v1/extensions", &ext).status,
        201
    );

    let all = csv(&mut f.web, "/payments/export");
    assert_eq!(
        all[0],
        header(&[
            Msg::Number,
            Msg::ReceivedAt,
            Msg::MenuCustomers,
            Msg::Amount,
            Msg::Method,
            Msg::Reference,
            Msg::RecordedBy,
            Msg::Status,
        ])
    );
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(column(&all, 3).iter().all(|s| *s == "35000.00"), "{all:?}");
    let cash = steppe::reports::revenue::method_text(Lang::Mn, "cash");
    assert_ne!(cash, "cash");
    let only_cash = csv(&mut f.web, "/payments/export?method=cash");
    assert_eq!(column(&only_cash, 2), ["Customer p1"], "the filter holds");
    assert_eq!(column(&only_cash, 4), [cash.as_str()], "a word, not a code");
    let book = xlsx(&mut f.web, "/payments/export?format=xlsx");
    assert_eq!(book[1][3], calamine::Data::Float(35_000.0));

    let ext = csv(&mut f.web, "/extensions/export");
    assert_eq!(ext[0][0], Msg::When.mn());
    assert_eq!(ext.len(), 2, "{ext:?}");
    assert_eq!(ext[1][1], "Customer p1");
    assert_eq!(ext[1][2], "3");
    assert_eq!(ext[1][3], Msg::Free.mn());
    assert_eq!(ext[1][4], "outage");

    // Bills: the export holds the bills the list shows, by the same status filter.
    for status in ["all", "paid", "pending"] {
        let page = f.web.get(&format!("/bills?status={status}"));
        let shown = page.body.matches("<a href=\"/bills/").count();
        let rows = csv(&mut f.web, &format!("/bills/export?status={status}"));
        assert_eq!(rows[0][0], Msg::Number.mn());
        assert_eq!(rows.len() - 1, shown, "{status}: {rows:?}");
        if status == "paid" {
            assert!(shown > 0, "a payment settles a bill");
            assert!(column(&rows, 7).iter().all(|s| *s == Msg::BillPaid.mn()));
        }
    }
}

#[test]
fn users_routers_and_voucher_batches_export_their_lists() {
    let mut f = fixture();
    let users = csv(&mut f.web, "/admins/export");
    assert_eq!(users[0][1], Msg::Username.mn());
    assert_eq!(users.len(), 2, "{users:?}");
    assert_eq!(users[1][6], Msg::Active.mn());

    let routers = csv(&mut f.web, "/routers/export");
    assert_eq!(
        routers[0],
        header(&[
            Msg::Number,
            Msg::Name,
            Msg::IpAddress,
            Msg::Username,
            Msg::Status,
            Msg::CreatedDate,
            Msg::Note,
        ])
    );
    assert_eq!(routers[1][1..4], ["Tower A", "127.0.0.1:1", "api"]);
    // Not contacted yet, or offline once its reconciler tried the closed port: a word either way.
    let words = [Msg::NotContacted.mn(), Msg::Offline.mn()];
    assert!(words.contains(&routers[1][4].as_str()), "{:?}", routers[1]);
    assert_eq!(routers[1][6], "north");

    let form = f.web.get("/vouchers/new");
    let key = form.input_value("idempotency_key").unwrap();
    let (router, plan) = (f.router.to_string(), f.plan.to_string());
    let made = f.web.post_form(
        "/vouchers",
        &[
            ("router_ids", router.as_str()),
            ("plan_id", plan.as_str()),
            ("count", "3"),
            ("style", "digits"),
            ("length", "8"),
            ("prefix", ""),
            ("login_mode", "code"),
            ("price", "1000"),
            ("validity", "first_login"),
            ("note", "market"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let batches = csv(&mut f.web, "/vouchers/export");
    assert_eq!(batches[0][0], Msg::Number.mn());
    assert_eq!(batches.len(), 2, "{batches:?}");
    assert_eq!(batches[1][2], "Home 10");
    assert_eq!(batches[1][3], "Tower A");
    assert_eq!(batches[1][5], "3", "cards");
    assert_eq!(batches[1].last().unwrap(), "market");
    assert!(
        f.web
            .get("/vouchers")
            .body
            .contains("/vouchers/export?format=xlsx")
    );
}

/// Issue #19: the customer list answers from memory; every acknowledged write is in the next
/// list — create, rename, phone change, payment, extension, router move, package change,
/// archive and delete — on the page and in the API alike.
#[test]
fn the_customer_list_shows_every_write_it_acknowledged() {
    let mut f = fixture();
    let far = "2099-01-01T00:00:00Z";
    let (router, plan) = (f.router, f.plan);
    let ids: Vec<u64> = ["la1", "la2", "la3"]
        .iter()
        .map(|l| f.new_customer(&customer(router, plan, l, "2020-01-01T00:00:00Z")))
        .collect();
    let list = |f: &mut Fixture, q: &str| -> (Vec<u64>, u64) {
        let r = f.api.get(&format!("/api/v1/customers?{q}"));
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        let ids = v["items"].as_array().unwrap().iter();
        (
            ids.map(|c| c["id"].as_u64().unwrap()).collect(),
            v["total"].as_u64().unwrap(),
        )
    };
    assert_eq!(list(&mut f, "q=customer+la"), (ids.clone(), 3));
    assert_eq!(list(&mut f, "status=expired&q=la").1, 3);
    // Rename and a new phone.
    let r = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{}", ids[1]),
        &json!({ "name": "Бат-Эрдэнэ", "phone": "88 55 44 33" }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(list(&mut f, "q=бат"), (vec![ids[1]], 1));
    assert_eq!(list(&mut f, "q=55+44"), (vec![ids[1]], 1));
    assert_eq!(list(&mut f, "q=customer+la2").1, 0, "the old name is gone");
    let page = f.web.get("/customers?q=%D0%91%D0%B0%D1%82");
    assert!(page.body.contains("Бат-Эрдэнэ"), "the page too");
    // A payment moves the expiry: the customer is served, and first by expiry, latest first.
    let p = f.api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": ids[2], "amount": 3_500_000, "method": "cash" }),
    );
    assert_eq!(p.status, 201, "{}", p.body);
    assert_eq!(list(&mut f, "status=active&q=la"), (vec![ids[2]], 1));
    assert_eq!(list(&mut f, "sort=expires&desc=1&per=1").0, [ids[2]]);
    assert_eq!(list(&mut f, "expiring=31").0, [ids[2]]);
    // An extension moves another's expiry.
    let e = f.api.send_json(
        "POST",
        "/api/v1/extensions",
        &json!({ "customer_id": ids[0], "days": 3000, "free": true, "reason": "test" }),
    );
    assert_eq!(e.status, 201, "{}", e.body);
    assert_eq!(list(&mut f, "sort=expires&desc=1&per=1").0, [ids[0]]);
    // A router move and a package change.
    let r2 = f.api.send_json(
        "POST",
        "/api/v1/routers",
        &json!({
            "name": "Tower B", "host": "127.0.0.1", "port": 1, "tls": false, "username": "api",
            "password": "Router-Secret-77", "login_method": "plain", "hotspot_server": "all"
        }),
    );
    assert_eq!(r2.status, 201, "{}", r2.body);
    let r2 = r2.json()["id"].as_u64().unwrap();
    let moved = f.api.send_json(
        "PATCH",
        &format!("/api/v1/customers/{}", ids[1]),
        &json!({ "router_id": r2 }),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(list(&mut f, &format!("router_id={r2}")), (vec![ids[1]], 1));
    assert_eq!(list(&mut f, &format!("router_id={router}")).1, 2);
    let fast = f.api.send_json("POST", "/api/v1/plans", &json!({ "name": "Fast", "kind": "hotspot", "price": 5_000_000, "duration_days": 30, "download": "50M", "upload": "10M" })).json()["id"].as_u64().unwrap();
    let changed = f.web.post_form(
        &format!("/customers/{}/plan", ids[0]),
        &[("plan_id", &fast.to_string()), ("when", "now")],
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(list(&mut f, &format!("plan_id={fast}")), (vec![ids[0]], 1));
    // Archived (it has payments) and deleted (it has none).
    for id in [ids[2], ids[1]] {
        let d = f
            .api
            .send_json("DELETE", &format!("/api/v1/customers/{id}"), &json!({}));
        assert!(d.status < 300, "{}", d.body);
    }
    assert_eq!(list(&mut f, "q=la"), (vec![ids[0]], 1));
    assert_eq!(list(&mut f, "q=la&archived=1"), (vec![ids[0], ids[2]], 2));
    // And a new one, found at once.
    let new = f.new_customer(&customer(router, plan, "la9", far));
    assert_eq!(list(&mut f, "q=la9"), (vec![new], 1));
    let cashier = f.web.get("/payments?find=la9");
    assert!(
        cashier.body.contains("Customer la9"),
        "the cashier's search"
    );
}

/// Issue #19: the payments, bills and extensions lists show a page of 100 at a time, newest
/// first, from the ledger kept in memory, with totals of every matching row, and links to the
/// next page that keep the filters.
#[test]
fn payments_bills_and_extensions_page_with_totals_of_every_match() {
    let mut f = fixture();
    let far = "2099-01-01T00:00:00Z";
    let a = f.new_customer(&customer(f.router, f.plan, "pa", far));
    let b = f.new_customer(&customer(f.router, f.plan, "pb", far));
    let mut last = 0;
    for (id, method, n) in [(a, "cash", 105), (b, "card", 3)] {
        for _ in 0..n {
            let p = f.api.send_json(
                "POST",
                "/api/v1/payments",
                &json!({ "customer_id": id, "amount": 3_500_000, "method": method }),
            );
            assert_eq!(p.status, 201, "{}", p.body);
            last = p.json()["id"].as_u64().unwrap();
        }
    }
    let rows = |body: &str, list: &str| {
        body.matches(&format!("<td class=\"num\"><a href=\"/{list}/"))
            .count()
    };
    let shown = |from: usize, to: usize| {
        Msg::RowsShown
            .mn()
            .replacen("{}", &from.to_string(), 1)
            .replacen("{}", &to.to_string(), 1)
    };
    let first = f.web.get("/payments");
    assert_eq!(rows(&first.body, "payments"), 100);
    assert!(
        first
            .body
            .contains(&format!("<a href=\"/payments/{last}\">")),
        "the newest first"
    );
    assert!(first.body.contains(&shown(1, 100)), "{}", first.body);
    assert!(first.body.contains("/payments?page=2"), "a next page");
    let second = f.web.get("/payments?page=2");
    assert_eq!(rows(&second.body, "payments"), 8);
    assert!(second.body.contains(&shown(101, 108)));
    assert!(second.body.contains("/payments?page=1"), "a previous page");
    assert!(!second.body.contains("/payments?page=3"), "no third");
    let cards = f.web.get("/payments?method=card");
    assert_eq!(rows(&cards.body, "payments"), 3, "the filter holds");
    assert!(
        cards.body.contains("/reports/revenue?method=card&amp;"),
        "totals of the same filter are one click away"
    );
    assert!(!cards.body.contains("page=2"));

    // The API pages alike, at most 500 at a time.
    let api = f.api.get("/api/v1/payments?per=50&page=3").json();
    assert_eq!(api["items"].as_array().unwrap().len(), 8);
    assert_eq!(
        (api["more"].clone(), api["page"].clone()),
        (json!(false), json!(3))
    );
    let api = f.api.get("/api/v1/payments?per=50").json();
    assert_eq!(api["items"][0]["id"], json!(last), "newest first");
    assert_eq!(api["more"], json!(true));
    assert_eq!(api["total"], json!(50 * 3_500_000), "the page's sum");
    assert_eq!(f.api.get("/api/v1/payments?per=501").status, 422);
    let api = f.api.get("/api/v1/bills?status=paid&per=500").json();
    assert_eq!(
        api["items"].as_array().unwrap().len() as u64,
        api["count"].as_u64().unwrap()
    );

    // Every payment settled a bill of its own: 108 paid bills, two pages of them.
    let paid = f.web.get("/bills?status=paid");
    let all_paid = csv(&mut f.web, "/bills/export?status=paid").len() - 1;
    assert!(all_paid > 100, "{all_paid}");
    assert_eq!(rows(&paid.body, "bills"), 100);
    assert!(
        paid.body
            .contains(&format!("{}: {}", Msg::Total.mn(), all_paid))
    );
    let pages = all_paid.div_ceil(100).to_string();
    let of = Msg::PageOf
        .mn()
        .replacen("{}", "1", 1)
        .replacen("{}", &pages, 1);
    assert!(paid.body.contains(&of), "{}", paid.body);
    let rest = f.web.get("/bills?status=paid&page=2");
    assert_eq!(rows(&rest.body, "bills"), all_paid - 100);

    // Extensions: 101, the totals over all of them on every page.
    for i in 0..101 {
        let ext = match i % 2 {
            0 => json!({ "customer_id": a, "days": 1, "free": true, "reason": "outage" }),
            _ => {
                json!({ "customer_id": a, "days": 2, "free": false, "amount": 1_000, "method": "cash", "reason": "sold" })
            }
        };
        let r = f.api.send_json("POST", "/api/v1/extensions", &ext);
        assert_eq!(r.status, 201, "{i}: {}", r.body);
    }
    let totals = |free: u64, paid: u64| {
        format!(
            "{}: {} / {} {}",
            Msg::Total.mn(),
            free + paid,
            free + 2 * paid,
            Msg::Days.mn()
        )
    };
    let ext = f.web.get("/extensions");
    assert_eq!(
        ext.body.matches("<td class=\"num\">").count(),
        100,
        "days cells"
    );
    assert!(ext.body.contains(&totals(51, 50)), "{}", ext.body);
    let ext2 = f.web.get("/extensions?page=2");
    assert!(ext2.body.contains(&totals(51, 50)));
    assert_eq!(ext2.body.matches("<td class=\"num\">").count(), 1);
    let free = f.web.get("/extensions?free=1");
    assert!(free.body.contains(&totals(51, 0)), "{}", free.body);
    assert!(!free.body.contains("page=2"), "51 fit on one page");
    let api = f.api.get("/api/v1/extensions?free=0&per=20&page=3").json();
    assert_eq!(api["items"].as_array().unwrap().len(), 10);
    assert_eq!(api["totals"]["count"], json!(50));
    assert_eq!(api["totals"]["days"], json!(100));
}
