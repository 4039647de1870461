//! Every admin and portal page, rendered in Mongolian over a lived-in installation (the demo's
//! seed plus what only forms make: bills, a reversal, a bulk extension, messages, cards, an agent,
//! a custom role), has no English word in its visible text outside a short allow-list.
//!
//! The catalog check in `i18n.rs` only catches whole catalog strings between tags; this one
//! catches what never went through the catalog: stored English defaults, codes, badges.

use crate::helpers::{ADMIN_PW, Browser, TestApp, start_sim_as};
use serde_json::json;
use std::collections::BTreeSet;
use steppe::demo::{DEMO_ROUTER_PASSWORD, DEMO_ROUTER_USER, DEMO_USER};

/// Words that are the same in a Mongolian operator's screen: brands, protocols, units, and the
/// few codes RouterOS itself prints.
const ALLOWED: &[&str] = &[
    // Brands and products.
    "Steppe", "MikroTik", "RouterOS", "WinBox", "QPay", "Excel", "CSV", "PDF",
    // Protocols and technical names an operator reads as they are.
    "API", "SMS", "SMTP", "STARTTLS", "TLS", "SSL", "PPPoE", "PPP", "MAC", "DNS", "URL", "HTTP",
    "HTTPS", "JSON", "QR", "PIN", "CPU", "IANA", "UTC", // Units and currency.
    "Mbit", "kbit", "Gbit", "MiB", "GiB", "KiB", "MNT",
    // A language's own name in the language picker.
    "English",
    // RouterOS and QPay names of settings, kept so the operator finds them in WinBox or in
    // QPay's papers: Hotspot, Burst, pool, api-ssl, Files, Walled garden, Client ID / secret.
    "Hotspot", "hotspot", "Burst", "pool", "ssl", "Files", "Walled", "garden", "Client", "README",
    "GET", "POST", "limit", "uptime", "secret", "PEM", "https",
    // What the simulated router reports of itself (router data): an interface, its board and
    // release channel.
    "bridge", "hAP", "stable",
];

/// Leaks still known, each with the words expected there: once a page is clean the test fails
/// until its entry is removed, so this list only shrinks.
const PENDING: &[(&str, &[&str])] = &[];

/// Latin words the test itself seeded (or the demo seeds): the operator's own data.
const SEEDED: &[&str] = &[
    "Demo",
    "Administrator",
    "demo",
    "TopNET",
    "Solongo",
    "Bilguun",
    "Asia",
    "Ulaanbaatar",
    "Khan",
    "Bank",
    "steppe",
    "Nomin",
    "Tower",
    "north",
    "all",
    "api",
    "shop",
    "cashier",
    "tech",
    "duty",
    "khan_app",
    "app",
    "khan",
];

#[test]
fn no_english_word_on_any_mongolian_page_of_a_lived_in_installation() {
    let dir = tempfile::tempdir().unwrap();
    let live = start_sim_as("7.16", DEMO_ROUTER_USER, DEMO_ROUTER_PASSWORD);
    let gone = start_sim_as("6.33", DEMO_ROUTER_USER, DEMO_ROUTER_PASSWORD);
    steppe::demo::seed(
        dir.path(),
        ADMIN_PW,
        &[
            ("Төв салбар", live.sim.clone()),
            ("Зүүн салбар", gone.sim.clone()),
        ],
    )
    .unwrap();
    // The second router is never reached again: its pages show what an offline router shows.
    gone.sim.shutdown();
    drop(gone);
    let app = TestApp::start_in(dir, steppe::web::Tls::Off);
    let mut b = app.browser();
    assert_eq!(b.login(DEMO_USER, ADMIN_PW).status, 303);
    let mut api = crate::helpers::api_client(&app, &b.create_token("duty"));
    // The demo logs in to its first router by challenge, as 6.33 does; this one is a 7.16.
    let r = api.send_json(
        "PATCH",
        "/api/v1/routers/1",
        &json!({ "login_method": "plain", "password": DEMO_ROUTER_PASSWORD }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    seed_the_rest(&mut b, &mut api);
    // A live session on the reachable router (user008 is the first entitled customer there),
    // once the reconciler has provisioned its users.
    crate::helpers::eventually(20, "users provisioned", || {
        live.sim.find("/ip/hotspot/user", "user008").is_some()
    });
    live.sim
        .hotspot_login("user008", "pw3352", "10.5.50.10", "02:00:00:00:00:01")
        .unwrap();
    let mut portal = crate::portal::logged_in(&app, "user001", "pw7919");
    let f = portal.post_form(
        "/portal/feedback",
        &[("category", "complaint"), ("text", "Орой бүр удаан байна")],
    );
    assert_eq!(f.status, 303, "{}", f.body);

    let mut leaks = Vec::new();
    check(&mut b, &crate::i18n::pages(false), &mut leaks);
    check(&mut portal, &crate::i18n::pages(true), &mut leaks);
    for (path, _) in PENDING {
        if !leaks.iter().any(|(p, _)| p == path) {
            leaks.push((
                path.to_string(),
                ["(clean now: remove it from PENDING)".to_string()].into(),
            ));
        }
    }
    let leaks: Vec<String> = leaks
        .into_iter()
        .filter_map(|(path, words)| {
            let pending = PENDING
                .iter()
                .find(|(p, _)| *p == path)
                .map_or(&[][..], |(_, w)| w);
            let words: BTreeSet<String> = words
                .into_iter()
                .filter(|w| !pending.contains(&w.as_str()))
                .collect();
            (!words.is_empty()).then(|| format!("{path}: {words:?}"))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "English on Mongolian pages:\n{}",
        leaks.join("\n")
    );
}

/// What the demo does not make: a custom role and its admin, bills in every state, a reversal, a
/// bulk extension, sent messages, a card batch and an agent holding cards.
fn seed_the_rest(b: &mut Browser, api: &mut Browser) {
    let r = api.send_json("POST", "/api/v1/roles", &json!({
        "id": "night_shift", "name": "Шөнийн ээлж", "description": "Төлбөр авна, сүлжээг харна",
        "grants": { "dashboard": "view", "customers": "view", "payments": "edit", "routers": "view" }
    }));
    assert_eq!(r.status, 201, "{}", r.body);
    let r = api.send_json(
        "POST",
        "/api/v1/admins",
        &json!({
            "username": "duty", "full_name": "Должинсүрэн Батаа", "role_id": "night_shift",
            "password": ADMIN_PW
        }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let mut bills = Vec::new();
    for customer in [7, 8, 10] {
        let r = api.send_json("POST", "/api/v1/bills", &json!({ "customer_id": customer }));
        assert_eq!(r.status, 201, "{}", r.body);
        bills.push((r.json()["id"].as_u64().unwrap(), r.json()["amount"].clone()));
    }
    // One is paid in full, one voided by hand, one left pending.
    let amount = bills[0].1.clone();
    let r = api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": 7, "amount": amount, "method": "cash" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // As the bill's page voids it: with the reason its form carries.
    let void = format!("/bills/{}/void", bills[1].0);
    let reason = b
        .get(&format!("/bills/{}", bills[1].0))
        .input_value("reason")
        .unwrap();
    let v = b.post_form(&void, &[("reason", &reason)]);
    assert_eq!(v.status, 303, "{}", v.body);
    let p = api.send_json(
        "POST",
        "/api/v1/payments",
        &json!({ "customer_id": 12, "amount": 500_000, "method": "bank_transfer", "bank_account_id": 1, "reference": "ХААН 778812" }),
    );
    assert_eq!(p.status, 201, "{}", p.body);
    let pid = p.json()["id"].as_u64().unwrap();
    let r = api.send_json(
        "POST",
        &format!("/api/v1/payments/{pid}/reverse"),
        &json!({ "reason": "Буруу данс руу шилжүүлсэн" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // Everyone on the first router and first package gets two days for an outage.
    let preview = b.get("/extensions/bulk?router_id=1&plan_id=1&days=2&reason=Тасалдал");
    assert_eq!(preview.status, 200, "{}", preview.body);
    let key = preview.input_value("idempotency_key").unwrap();
    let label = preview.input_value("label").unwrap_or_default();
    let bulk = [
        ("customer_id", "1"),
        ("customer_id", "7"),
        ("days", "2"),
        ("reason", "Тасалдал"),
        ("free", "on"),
        ("label", label.as_str()),
        ("idempotency_key", key.as_str()),
    ];
    assert_eq!(b.post_form("/extensions/bulk", &bulk).status, 303);
    let r = api.send_json(
        "POST",
        "/api/v1/messages",
        &json!({
            "customer_ids": [1, 2, 3], "channels": ["sms_router"],
            "body": "Сайн байна уу {name}, {amount_due} төлнө үү"
        }),
    );
    assert!(r.status == 201 || r.status == 200, "{}", r.body);
    let key = b
        .get("/vouchers/new")
        .input_value("idempotency_key")
        .unwrap();
    let v = b.post_form(
        "/vouchers",
        &[
            ("router_ids", "1"),
            ("plan_id", "3"),
            ("count", "4"),
            ("style", "letters"),
            ("length", "8"),
            ("login_mode", "code_pin"),
            ("price", "2000"),
            ("validity", "first_login"),
            ("limit_uptime", "3h"),
            ("limit_bytes_total", "2G"),
            ("note", "Зах"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(v.status, 303, "{}", v.body);
    let a = b.post_form(
        "/agents",
        &[
            ("name", "Номин дэлгүүр"),
            ("pays_at", "handover"),
            ("credit_limit", "5000"),
            ("active", "on"),
            ("username", "shop1"),
            ("password", ADMIN_PW),
            ("password2", ADMIN_PW),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    let key = b.get("/agents/1").input_value("idempotency_key").unwrap();
    let d = b.post_form(
        "/agents/1/deposit",
        &[
            ("amount", "2000"),
            ("method", "cash"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(d.status, 303, "{}", d.body);
    let key = b.get("/agents/1").input_value("idempotency_key").unwrap();
    let h = b.post_form(
        "/agents/1/stock",
        &[
            ("batch_id", "1"),
            ("count", "2"),
            ("idempotency_key", key.as_str()),
        ],
    );
    assert_eq!(h.status, 303, "{}", h.body);
}

fn check(b: &mut Browser, paths: &[String], leaks: &mut Vec<(String, BTreeSet<String>)>) {
    for path in paths {
        let sep = if path.contains('?') { '&' } else { '?' };
        let p = b.get(&format!("{path}{sep}lang=mn"));
        assert_eq!(p.status, 200, "{path}: {}", p.body);
        let text = visible_text(&p.body);
        let words: BTreeSet<String> = english_words(&text).collect();
        // `STEPPE_I18N_CONTEXT=1` prints where each word stands, to find what writes it.
        if std::env::var_os("STEPPE_I18N_CONTEXT").is_some() {
            for w in &words {
                if let Some(at) = text.find(w.as_str()) {
                    let from = text.floor_char_boundary(at.saturating_sub(60));
                    let to = text.ceil_char_boundary((at + 60).min(text.len()));
                    eprintln!(
                        "{path} {w:?}: …{}…",
                        text[from..to]
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                }
            }
        }
        if !words.is_empty() {
            leaks.push((path.clone(), words));
        }
    }
}

/// The text a reader sees: element text without scripts and styles, plus the attributes a
/// browser shows (titles, placeholders, labels for screen readers, button captions, alt text).
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &rest[start..];
        let lower = rest.get(..10).unwrap_or(rest).to_ascii_lowercase();
        // A textarea holds what the operator edits (the English template for customers who
        // chose English); `<code>` holds literal machine text (logins, paths, the commands sent
        // to a router, template tokens): data, not the UI's words.
        for skip in ["script", "style", "textarea", "code"] {
            if lower.starts_with(&format!("<{skip}")) {
                let end = rest.find(&format!("</{skip}>")).unwrap_or(rest.len());
                rest = &rest[end..];
            }
        }
        // Text marked as English on purpose (a receipt's amount in words for the bank) is
        // English by design; such elements hold text only.
        if rest.starts_with("<span")
            && tag_end(rest).is_some_and(|e| rest[..e].contains(" lang=\"en\""))
        {
            let end = rest.find("</span>").unwrap_or(rest.len());
            rest = &rest[end..];
        }
        let Some(end) = tag_end(rest) else { break };
        let tag = &rest[..end];
        for attr in ["title", "placeholder", "aria-label", "alt", "data-confirm"] {
            out.push(' ');
            out.push_str(&attr_value(tag, attr).unwrap_or_default());
        }
        let name = tag
            .trim_start_matches('<')
            .split([' ', '>', '/'])
            .next()
            .unwrap_or("");
        let kind = attr_value(tag, "type").unwrap_or_default();
        if name.eq_ignore_ascii_case("input")
            && ["submit", "button", "reset"].contains(&kind.as_str())
        {
            out.push(' ');
            out.push_str(&attr_value(tag, "value").unwrap_or_default());
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
}

/// The end of a tag that starts `s`, past quoted attribute values that may hold a `>`.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn attr_value(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[at..].find('"')?;
    Some(tag[at..at + len].to_string())
}

/// Latin words of three letters or more that are not brands, units or seeded data. Tokens that
/// are data by their shape (emails, hosts, paths, logins with digits, hex ids) are passed over.
fn english_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace()
        .filter(|t| !is_data(t))
        .flat_map(|t| t.split(|c: char| !c.is_ascii_alphabetic()))
        .filter(|w| w.len() >= 3)
        // A card's code inside a router's command line (name=CODE): capitals of card length.
        .filter(|w| !(w.len() >= 6 && w.chars().all(|c| c.is_ascii_uppercase())))
        .filter(|w| !ALLOWED.contains(w) && !SEEDED.contains(w))
        .map(str::to_string)
}

fn is_data(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric());
    let has_digit = t.chars().any(|c| c.is_ascii_digit());
    let has_alpha = t.chars().any(|c| c.is_ascii_alphabetic());
    // Shapes read off the token as written: the trim above takes braces and slashes too.
    token.contains('{')
        || token.contains('/')
        // A host name (`*.khanbank.com`): a dot between letters.
        || t.contains('.') && t.split('.').all(|p| !p.is_empty())
        || t.contains('@')
        || t.contains("://")
        // A login like user001, a speed like 10M/2M, a MAC or a hex id.
        || has_digit && has_alpha
        || t.len() >= 8 && t.chars().all(|c| c.is_ascii_hexdigit())
        // A code the operator typed (or a card code): lowercase with an underscore, or all caps
        // letters of card length.
        || t.contains('_')
        // A placeholder like {phone}, or a card's code (capitals only, card length).
        || t.contains('{')
        || t.len() >= 6 && t.chars().all(|c| c.is_ascii_uppercase())
}
