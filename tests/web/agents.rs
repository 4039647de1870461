//! Sales agents through the pages: made with their login (bad input makes nothing), cards handed
//! over, deposits (a replay records one), selling within the balance and credit limit (two
//! sales at the same instant never overdraw), renewing a customer from the balance, statements
//! and their export, and an agent's login opening nothing but their own desk.

use crate::helpers::{ADMIN_PW, Browser, Fixture, fixture};
use serde_json::json;
use steppe::access::Menu;
use steppe::i18n::Msg;
use steppe::model::agent::Agent;
use steppe::model::voucher::{Card, CardState};
use steppe::store::Reader;
use steppe::web::router::{Guard, table};

/// A batch of `count` cards at 1,000 ₮ made through the vouchers form; its id.
fn batch(f: &mut Fixture, count: u32) -> u64 {
    let form = f.web.get("/vouchers/new?lang=en");
    let key = form.input_value("idempotency_key").expect("key");
    let count = count.to_string();
    let router = f.router.to_string();
    let plan = f.plan.to_string();
    let p = f.web.post_form(
        "/vouchers",
        &[
            ("router_ids", &router),
            ("plan_id", &plan),
            ("count", &count),
            ("style", "letters"),
            ("length", "8"),
            ("login_mode", "code"),
            ("price", "1000"),
            ("validity", "first_login"),
            ("idempotency_key", &key),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let loc = p.location();
    loc["/vouchers/".len()..loc.find('?').unwrap()]
        .parse()
        .unwrap()
}

/// Makes an agent through the form; its id.
fn agent(f: &mut Fixture, name: &str, username: &str, credit: &str) -> u64 {
    let p = f.web.post_form(
        "/agents",
        &[
            ("name", name),
            ("phone", "99112233"),
            ("pays_at", "sale"),
            ("credit_limit", credit),
            ("active", "on"),
            ("username", username),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let loc = p.location();
    loc["/agents/".len()..loc.find('?').unwrap()]
        .parse()
        .unwrap()
}

fn key_of(b: &mut Browser, path: &str) -> String {
    b.get(path).input_value("idempotency_key").expect("key")
}

fn deposit(f: &mut Fixture, agent: u64, amount: &str) -> crate::helpers::Page {
    let key = key_of(&mut f.web, &format!("/agents/{agent}"));
    f.web.post_form(
        &format!("/agents/{agent}/deposit"),
        &[
            ("amount", amount),
            ("method", "cash"),
            ("reference", "receipt 7"),
            ("idempotency_key", &key),
        ],
    )
}

fn hand_over(f: &mut Fixture, agent: u64, batch: u64, count: &str) {
    let key = key_of(&mut f.web, &format!("/agents/{agent}"));
    let p = f.web.post_form(
        &format!("/agents/{agent}/stock"),
        &[
            ("batch_id", &batch.to_string()),
            ("count", count),
            ("idempotency_key", &key),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
}

fn stored_agent(f: &Fixture, id: u64) -> Agent {
    f.app
        .state()
        .store
        .read(|r| r.get::<Agent>(id))
        .unwrap()
        .unwrap()
}

fn cards(f: &Fixture, batch: u64) -> Vec<Card> {
    f.app
        .state()
        .store
        .read(|r| steppe::vouchers::batch::cards(r, batch))
        .unwrap()
}

/// Packages sold through agents leave them 10 %.
fn commission(f: &mut Fixture) {
    let p = f.api.send_json(
        "PATCH",
        &format!("/api/v1/plans/{}", f.plan),
        &json!({ "agent_commission_pct": 10 }),
    );
    assert_eq!(p.status, 200, "{}", p.body);
}

fn sell(b: &mut Browser, batch: u64) -> crate::helpers::Page {
    let key = key_of(b, "/desk");
    b.post_form(
        "/desk/sell",
        &[("batch_id", &batch.to_string()), ("idempotency_key", &key)],
    )
}

#[test]
fn an_agent_sells_within_their_balance_and_the_books_agree() {
    let mut f = fixture();
    commission(&mut f);
    let b = batch(&mut f, 10);
    // A bad form makes neither an agent nor a login.
    let bad = f.web.post_form(
        "/agents",
        &[
            ("name", ""),
            ("pays_at", "sale"),
            ("credit_limit", "lots"),
            ("username", "shop1"),
            ("password", ADMIN_PW),
            ("password2", "different"),
        ],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains(Msg::PasswordsDiffer.en()));
    assert!(
        f.app
            .state()
            .store
            .read(|r| r.list::<Agent>())
            .unwrap()
            .is_empty()
    );
    assert_eq!(f.api.get("/api/v1/admins").body.matches("shop1").count(), 0);

    let a = agent(&mut f, "Bat's shop", "shop1", "0");
    hand_over(&mut f, a, b, "5");
    let held: Vec<Card> = cards(&f, b)
        .into_iter()
        .filter(|c| c.agent_id == Some(a))
        .collect();
    assert_eq!(held.len(), 5);

    let mut shop = f.app.browser();
    assert_eq!(shop.login("shop1", ADMIN_PW).status, 303);
    let home = shop.get("/");
    assert_eq!(home.location(), "/desk", "an agent lands on their desk");
    let desk = shop.get("/desk?lang=en");
    assert_eq!(desk.status, 200);
    assert!(desk.body.contains("Bat&#39;s shop") || desk.body.contains("Bat's shop"));

    // Nothing deposited, no credit: the sale is refused and nothing moves.
    let refused = sell(&mut shop, b);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains(Msg::AgentOverLimit.en()),
        "{}",
        refused.body
    );
    assert_eq!(stored_agent(&f, a).balance, 0);
    assert!(cards(&f, b).iter().all(|c| c.sold_at.is_none()));

    // A deposit of 1,000 ₮, and its replay.
    let key = key_of(&mut f.web, &format!("/agents/{a}"));
    let fields = [
        ("amount", "1000"),
        ("method", "cash"),
        ("reference", "receipt 7"),
        ("idempotency_key", key.as_str()),
    ];
    let d1 = f.web.post_form(&format!("/agents/{a}/deposit"), &fields);
    assert!(d1.location().ends_with("notice=saved"), "{}", d1.location());
    let d2 = f.web.post_form(&format!("/agents/{a}/deposit"), &fields);
    assert!(
        d2.location().ends_with("notice=already"),
        "{}",
        d2.location()
    );
    assert_eq!(stored_agent(&f, a).balance, 100_000, "recorded once");

    // One card at 1,000 ₮ less 10 %: 900 ₮ debited, 100 ₮ commission.
    let sold = sell(&mut shop, b);
    assert_eq!(sold.status, 200, "{}", sold.body);
    assert!(sold.body.contains(Msg::CardSoldGive.en()));
    assert!(sold.body.contains("<svg"), "the card's QR");
    let after = stored_agent(&f, a);
    assert_eq!(after.balance, 10_000);
    let sold_cards: Vec<Card> = cards(&f, b)
        .into_iter()
        .filter(|c| c.sold_at.is_some())
        .collect();
    assert_eq!(sold_cards.len(), 1);
    assert!(sold.body.contains(&sold_cards[0].code));
    let now = jiff::Timestamp::now();
    assert_eq!(sold_cards[0].state(now), CardState::Sold);
    // A second card is more than the 100 ₮ left.
    assert_eq!(sell(&mut shop, b).status, 422);

    // The statement agrees: deposit, sale, commission, balance.
    let st = shop.get("/desk/statement?lang=en");
    assert_eq!(st.status, 200);
    assert!(st.body.contains(&sold_cards[0].code), "{}", st.body);
    assert!(st.body.contains("receipt 7"));
    let (status, headers, xlsx) = shop.get_bytes("/desk/statement?format=xlsx");
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.contains("spreadsheet"))
    );
    assert!(xlsx.starts_with(b"PK"));
    let operator = f.web.get(&format!("/agents/{a}/statement?lang=en"));
    assert!(operator.body.contains(&sold_cards[0].code));
    let list = f.web.get("/agents?lang=en");
    assert!(list.body.contains("shop1"));
    // The batch counts the agents' cards.
    let page = f.web.get(&format!("/vouchers/{b}?lang=en"));
    assert!(
        page.body.contains(&format!("{}: 4", Msg::CardHanded.en())),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("{}: 1", Msg::CardSold.en())));
}

#[test]
fn two_sales_at_the_same_instant_never_overdraw() {
    let mut f = fixture();
    commission(&mut f);
    let b = batch(&mut f, 10);
    let a = agent(&mut f, "Corner shop", "corner", "0");
    hand_over(&mut f, a, b, "10");
    // Exactly one card's worth.
    assert_eq!(deposit(&mut f, a, "900").status, 303);
    for round in 0..3 {
        let mut shops: Vec<Browser> = (0..2)
            .map(|_| {
                let mut s = f.app.browser();
                assert_eq!(s.login("corner", ADMIN_PW).status, 303);
                s
            })
            .collect();
        let keys: Vec<String> = shops.iter_mut().map(|s| key_of(s, "/desk")).collect();
        let barrier = std::sync::Barrier::new(2);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = shops
                .iter_mut()
                .zip(&keys)
                .map(|(s, k)| {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        s.post_form(
                            "/desk/sell",
                            &[("batch_id", &b.to_string()), ("idempotency_key", k)],
                        )
                        .status
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let ok = statuses.iter().filter(|s| **s == 200).count();
        let balance = stored_agent(&f, a).balance;
        assert!(balance >= 0, "round {round}: overdrawn to {balance}");
        let sold = cards(&f, b).iter().filter(|c| c.sold_at.is_some()).count();
        assert_eq!(sold, round + ok.min(1), "round {round}: {statuses:?}");
        assert!(
            ok <= 1,
            "round {round}: both sold on one card's money: {statuses:?}"
        );
        // Top up one card's worth for the next round.
        assert_eq!(deposit(&mut f, a, "900").status, 303);
    }
}

#[test]
fn an_agent_renews_a_customer_from_their_balance() {
    let mut f = fixture();
    commission(&mut f);
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)).to_string();
    let c = f.api.send_json("POST", "/api/v1/customers", &json!({ "kind": "individual", "name": "Dorj", "login": "dorj", "password": "pw-01", "phone": "+976 8811 2233", "router_id": f.router, "plan_id": f.plan, "status": "active", "expires_at": future }));
    assert_eq!(c.status, 201, "{}", c.body);
    let cid = c.json()["id"].as_u64().unwrap();
    let a = agent(&mut f, "Market stall", "stall", "5000");
    let mut stall = f.app.browser();
    assert_eq!(stall.login("stall", ADMIN_PW).status, 303);
    let renew = |b: &mut Browser, who: &str, key: &str| {
        b.post_form("/desk/renew", &[("who", who), ("idempotency_key", key)])
    };
    // 35,000 ₮ less 10 % is 31,500 ₮: past a 5,000 ₮ credit limit with nothing deposited.
    let k1 = key_of(&mut stall, "/desk");
    let refused = renew(&mut stall, "dorj", &k1);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains(Msg::AgentOverLimit.mn()),
        "{}",
        refused.body
    );
    let payments = f
        .api
        .get(&format!("/api/v1/payments?customer_id={cid}"))
        .json();
    assert_eq!(
        payments["items"].as_array().map_or(0, Vec::len),
        0,
        "{payments}"
    );

    assert_eq!(deposit(&mut f, a, "30000").status, 303);
    let before = f.api.get(&format!("/api/v1/customers/{cid}")).json()["expires_at"].clone();
    let k2 = key_of(&mut stall, "/desk");
    let ok = renew(&mut stall, "8811 2233", &k2);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Dorj"));
    let again = renew(&mut stall, "8811 2233", &k2);
    assert!(
        again.body.contains(Msg::AlreadyRecorded.mn()),
        "a replay renews once: {}",
        again.body
    );
    let after = f.api.get(&format!("/api/v1/customers/{cid}")).json()["expires_at"].clone();
    assert_ne!(before, after, "service extended");
    let payments = f
        .api
        .get(&format!("/api/v1/payments?customer_id={cid}"))
        .json();
    let items = payments["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{payments}");
    assert_eq!(items[0]["method"], "agent");
    assert_eq!(items[0]["amount"], 3_500_000);
    assert_eq!(stored_agent(&f, a).balance, 3_000_000 - 3_150_000);
    // The counter cannot take a key of the agents' own.
    let reserved = format!("agent:{a}:{k2}");
    let p = f.web.post_form(
        "/payments",
        &[
            ("customer_id", &cid.to_string()),
            ("amount", "100"),
            ("method", "cash"),
            ("idempotency_key", &reserved),
        ],
    );
    assert_eq!(p.status, 422, "{}", p.body);
}

#[test]
fn an_agents_login_opens_nothing_but_their_desk() {
    let mut f = fixture();
    let _a = agent(&mut f, "Corner shop", "corner", "0");
    let mut shop = f.app.browser();
    assert_eq!(shop.login("corner", ADMIN_PW).status, 303);
    shop.get("/account");
    let token = shop.create_token("shop");
    let mut api = crate::helpers::api_client(&f.app, &token);
    let mut checked = 0;
    for r in table() {
        let Guard::Menu(menu, _) = r.guard else {
            continue;
        };
        let path = r.pattern.replace("{id}", "1");
        let p = match (r.method.as_str(), r.pattern.starts_with("/api/")) {
            ("GET", true) => api.get(&path),
            (m, true) => api.send_json(m, &path, &json!({})),
            ("GET", false) => shop.get(&path),
            _ => shop.post_form(&path, &[]),
        };
        if menu == Menu::AgentDesk {
            assert_ne!(p.status, 403, "{} {path}", r.method);
        } else {
            assert_eq!(p.status, 403, "{} {path} is not the agent's", r.method);
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
    // Their menu shows only the desk.
    let desk = shop.get("/desk?lang=en");
    assert!(desk.body.contains(Msg::MenuAgentDesk.en()));
    for m in [
        Msg::MenuCustomers,
        Msg::MenuRouters,
        Msg::MenuReports,
        Msg::Agents,
    ] {
        assert!(
            !desk.body.contains(&format!(">{}<", m.en())),
            "{m:?} in the agent's menu"
        );
    }
}

#[test]
fn the_sales_report_agrees_with_itself_the_statements_and_the_dashboard() {
    let mut f = fixture();
    commission(&mut f);
    let b = batch(&mut f, 12);
    let a = agent(&mut f, "Consignment shop", "consign", "0");
    let h = {
        let p = f.web.post_form(
            "/agents",
            &[
                ("name", "Stock buyer"),
                ("pays_at", "handover"),
                ("credit_limit", "10000"),
                ("active", "on"),
                ("username", "buyer"),
                ("password", ADMIN_PW),
                ("password2", ADMIN_PW),
            ],
        );
        assert_eq!(p.status, 303, "{}", p.body);
        let loc = p.location();
        loc["/agents/".len()..loc.find('?').unwrap()]
            .parse::<u64>()
            .unwrap()
    };
    hand_over(&mut f, a, b, "4");
    hand_over(&mut f, h, b, "3");
    // Paid at handover: three cards at 900 ₮ against a 10,000 ₮ credit limit.
    assert_eq!(stored_agent(&f, h).balance, -270_000);
    assert_eq!(deposit(&mut f, a, "5000").status, 303);
    let mut shop = f.app.browser();
    assert_eq!(shop.login("consign", ADMIN_PW).status, 303);
    let mut buyer = f.app.browser();
    assert_eq!(buyer.login("buyer", ADMIN_PW).status, 303);
    for _ in 0..2 {
        assert_eq!(sell(&mut shop, b).status, 200);
    }
    assert_eq!(sell(&mut buyer, b).status, 200);
    assert_eq!(stored_agent(&f, h).balance, -270_000, "paid already");
    assert_eq!(stored_agent(&f, a).balance, 500_000 - 2 * 90_000);

    let store = f.app.state().store.clone();
    let tz = jiff::tz::TimeZone::UTC;
    let now = jiff::Timestamp::now();
    let lang = steppe::i18n::Lang::En;
    let rep = store
        .read(|r| {
            steppe::reports::vouchers::compute(
                r,
                &steppe::reports::vouchers::SalesFilter::default(),
                now,
                &tz,
                lang,
            )
        })
        .unwrap();
    assert_eq!(rep.total.cards, 3);
    assert_eq!(rep.total.face, 300_000);
    assert_eq!(rep.total.commission, 30_000);
    for groups in [&rep.by_agent, &rep.by_batch, &rep.by_package, &rep.by_day] {
        let cards: u64 = groups.iter().map(|g| g.cards).sum();
        let face: i64 = groups.iter().map(|g| g.face).sum();
        let commission: i64 = groups.iter().map(|g| g.commission).sum();
        assert_eq!((cards, face, commission), (3, 300_000, 30_000));
    }
    let stock = &rep.stock[0];
    assert_eq!(
        (stock.made, stock.in_stock, stock.handed, stock.sold),
        (12, 5, 4, 3)
    );
    // The consignment agent's statement shows the same commission as their report line.
    let st = store
        .read(|r| steppe::vouchers::statement::statement(r, a, None, None, lang))
        .unwrap();
    let line = rep
        .by_agent
        .iter()
        .find(|g| g.label == "Consignment shop")
        .unwrap();
    assert_eq!(st.totals.commission, line.commission);
    assert_eq!(st.totals.cards_sold, 2);
    assert_eq!(st.totals.closing, stored_agent(&f, a).balance);
    // The page shows the same totals, and so do the export and the dashboard.
    let page = f.web.get("/reports/vouchers?lang=en");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"total-cards\">3<"), "{}", page.body);
    let (status, _, xlsx) = f.web.get_bytes("/reports/vouchers?format=xlsx");
    assert_eq!(status, 200);
    assert!(xlsx.starts_with(b"PK"));
    let (status, _, csv) = f.web.get_bytes("/reports/vouchers?format=csv&agent_id=0");
    assert_eq!(status, 200);
    let csv = String::from_utf8_lossy(&csv);
    assert!(
        !csv.contains("Consignment shop"),
        "filtered to the counter: {csv}"
    );
    let dash = f.api.get("/api/v1/dashboard").json();
    assert_eq!(dash["cards_sold_today"], 3, "{dash}");
    assert_eq!(dash["cards_used_today"], 0);
}

#[test]
fn cards_sold_at_the_counter_are_counted_once() {
    let mut f = fixture();
    let b = batch(&mut f, 6);
    let key = key_of(&mut f.web, &format!("/vouchers/{b}"));
    let fields = [("count", "2"), ("idempotency_key", key.as_str())];
    let first = f.web.post_form(&format!("/vouchers/{b}/sell"), &fields);
    assert!(
        first.location().ends_with("notice=sold&sold=2"),
        "{}",
        first.location()
    );
    let again = f.web.post_form(&format!("/vouchers/{b}/sell"), &fields);
    assert!(
        again.location().ends_with("notice=already"),
        "{}",
        again.location()
    );
    let sold: Vec<Card> = cards(&f, b)
        .into_iter()
        .filter(|c| c.sold_at.is_some())
        .collect();
    assert_eq!(sold.len(), 2);
    assert!(sold.iter().all(|c| c.agent_id.is_none()));
    // A range over cards already sold is refused whole.
    let key = key_of(&mut f.web, &format!("/vouchers/{b}"));
    let bad = f.web.post_form(
        &format!("/vouchers/{b}/sell"),
        &[
            ("from", "1"),
            ("to", "3"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(
        cards(&f, b).iter().filter(|c| c.sold_at.is_some()).count(),
        2
    );
    let report = f.web.get("/reports/vouchers?lang=en&agent_id=0");
    assert!(
        report.body.contains("id=\"total-cards\">2<"),
        "{}",
        report.body
    );
    assert!(report.body.contains(Msg::SoldAtCounter.en()));
}
