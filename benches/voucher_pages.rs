//! How fast the voucher pages answer for a batch of 1,000 cards with PINs, through the real
//! server over loopback: the print view (1,000 QR codes), the batch's page, the list (20 such
//! batches counted), and the CSV and Excel exports. Prints p50/p99 and sizes; asserts nothing.

// The web tests' own server and client, so the figures are of what the tests drive.
#[allow(dead_code, unused_imports)]
#[path = "../tests/web"]
mod web {
    pub mod helpers;
}
use web::helpers;

use std::time::{Duration, Instant};

const RUNS: usize = 20;

fn pct(mut v: Vec<Duration>, p: usize) -> Duration {
    v.sort();
    v[(v.len() * p / 100).min(v.len() - 1)]
}

fn main() {
    let mut f = helpers::fixture();
    f.api.send_json(
        "PATCH",
        &format!("/api/v1/routers/{}", f.router),
        &serde_json::json!({ "hotspot_dns": "hotspot.topnet.mn" }),
    );
    let key = f
        .web
        .get("/vouchers/new")
        .input_value("idempotency_key")
        .expect("the form");
    let (router, plan) = (f.router.to_string(), f.plan.to_string());
    let started = Instant::now();
    let made = f.web.post_form(
        "/vouchers",
        &[
            ("router_ids", &router),
            ("plan_id", &plan),
            ("count", "1000"),
            ("style", "letters"),
            ("length", "8"),
            ("login_mode", "code_pin"),
            ("price", "1000"),
            ("validity", "first_login"),
            ("idempotency_key", &key),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    println!(
        "1,000 cards with PINs made through the form: {:?}",
        started.elapsed()
    );
    let batch = made.location().split('?').next().unwrap().to_string();
    // The list counts every card of the batches it shows: 20 batches of 1,000 on its first page.
    for _ in 1..20 {
        let key = f
            .web
            .get("/vouchers/new")
            .input_value("idempotency_key")
            .unwrap();
        let more = f.web.post_form(
            "/vouchers",
            &[
                ("router_ids", &router),
                ("plan_id", &plan),
                ("count", "1000"),
                ("style", "letters"),
                ("length", "8"),
                ("login_mode", "code"),
                ("price", "1000"),
                ("validity", "first_login"),
                ("idempotency_key", &key),
            ],
        );
        assert_eq!(more.status, 303);
    }
    for (what, path) in [
        (
            "batch list, 20 batches of 1,000 cards",
            "/vouchers".to_string(),
        ),
        ("print view, 1,000 cards", format!("{batch}/print")),
        ("batch page, first 100 cards", batch.clone()),
        ("CSV export", format!("{batch}/cards.csv")),
        ("Excel export", format!("{batch}/cards.xlsx")),
    ] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let (status, _, body) = f.web.get_bytes(&path);
            times.push(t.elapsed());
            assert_eq!(status, 200, "{path}");
            size = body.len();
        }
        println!(
            "{what}: p50 {:?}, p99 {:?}, {} KiB",
            pct(times.clone(), 50),
            pct(times, 99),
            size / 1024
        );
    }
}
