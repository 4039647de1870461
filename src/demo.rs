//! `steppe demo`: a throw-away installation with sample data, so the whole product can be seen
//! without a router.

use crate::access::admins::{self, AdminDraft};
use crate::access::{Grants, roles, secret};
use crate::audit::Actor;
use crate::banner::{self, BannerDraft, ImageChange};
use crate::error::Error;
use crate::settings::{self, SettingsDraft};
use crate::validate::Problems;
use crate::web::{Application, Config, Tls};
use std::path::PathBuf;

pub const DEMO_USER: &str = "demo";

pub fn run(listen: String, portal_listen: String, data: Option<PathBuf>) -> Result<(), String> {
    crate::cli::init_logging();
    let dir = data.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("steppe-demo-{}", std::process::id()))
    });
    if dir.join(crate::store::FILE_NAME).exists() {
        return Err(format!(
            "{} already holds a database; give the demo an empty --data directory",
            dir.display()
        ));
    }
    let password = secret::hex(&secret::random_bytes::<6>());
    let rt = crate::cli::runtime()?;
    rt.block_on(async {
        let routers = start_routers().await?;
        seed(&dir, &password, &routers)?;
        let app = Application::build(Config {
            listen,
            data_dir: dir.clone(),
            tls: Tls::Off,
            tz: crate::cli::env_time_zone(),
            limits: Default::default(),
            portal_listen: Some(portal_listen),
            allowed_hosts: Vec::new(),
        })
        .await?;
        tokio::spawn(log_customers_in(routers.iter().map(|(_, h)| h.clone()).collect(), app.app().store.clone(), app.app().secrets.clone()));
        let addr = app.local_addr();
        let portal_port = app.portal_addr().map_or(0, |a| a.port());
        let serving = app.run_until_stopped();
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        println!();
        println!(
            "  Steppe demo is running at  http://{host}:{}/",
            addr.port()
        );
        println!("  Log in as                  {DEMO_USER} / {password}");
        println!(
            "  Customer portal            http://{host}:{portal_port}/portal (user001 / pw7919)"
        );
        println!("  Demo data lives in         {}", dir.display());
        for (name, r) in &routers {
            println!("  Simulated router {name:<9} api://{} (user {DEMO_ROUTER_USER}, password {DEMO_ROUTER_PASSWORD})", r.addr());
        }
        println!("  Stop with Ctrl-C.");
        println!();
        serving.await
    })
}

pub const DEMO_ROUTER_USER: &str = "steppe";
pub const DEMO_ROUTER_PASSWORD: &str = "demo-router";

/// Two simulated routers on loopback: an old 6.33 (challenge login, as in the first deployment)
/// and a current 7.x.
async fn start_routers() -> Result<Vec<(&'static str, crate::sim::SimHandle)>, String> {
    let mut out = Vec::new();
    for (name, version) in [("RouterOS 6.33", "6.33"), ("RouterOS 7.16", "7.16")] {
        let mut cfg = crate::sim::SimConfig::new(version);
        cfg.user = DEMO_ROUTER_USER.into();
        cfg.password = DEMO_ROUTER_PASSWORD.into();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let h = crate::sim::Simulator::start(cfg, addr)
            .await
            .map_err(|e| format!("starting simulated router: {e}"))?;
        out.push((name, h));
    }
    Ok(out)
}

/// Once the reconcilers have provisioned the simulated routers, "logs in" some entitled
/// customers so active sessions (and kicking them) can be seen.
async fn log_customers_in(
    routers: Vec<crate::sim::SimHandle>,
    store: crate::store::Store,
    secrets: crate::network::SecretBox,
) {
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let now = crate::clock::Clock::default().now();
    let Ok(customers) = store
        .read_async(crate::store::Reader::list::<crate::billing::Customer>)
        .await
    else {
        return;
    };
    for (i, c) in customers
        .iter()
        .filter(|c| c.entitled(now))
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
    {
        let Some(h) = routers.get(usize::try_from(c.router_id).unwrap_or(1).saturating_sub(1))
        else {
            continue;
        };
        let address = format!("10.5.50.{}", 10 + i % 200);
        let mac = format!("02:00:00:00:{:02X}:{:02X}", (i >> 8) & 0xff, i & 0xff);
        let Some(password) = c.password(&secrets) else {
            continue;
        };
        let _ = h.hotspot_login(&c.login, &password, &address, &mac);
        let _ = h.ppp_login(&c.login, &password, &mac, &address);
    }
}

/// Fills a fresh data directory with a demo installation.
pub fn seed(
    dir: &std::path::Path,
    password: &str,
    routers: &[(&str, crate::sim::SimHandle)],
) -> Result<(), String> {
    let store = crate::store::Store::open(dir).map_err(|e| e.to_string())?;
    let now = crate::clock::Clock::default().now();
    let hash = secret::hash_password(password)?;
    let others = secret::hash_password(&secret::hex(&secret::random_bytes::<16>()))?;
    let actor = Actor {
        username: "(demo)".into(),
        ..Actor::cli()
    };
    let today = now.to_zoned_datetime(crate::cli::env_time_zone()).date();
    let secrets = crate::network::SecretBox::open(dir)?;
    store
        .write(|w| {
            roles::ensure_builtin(w)?;
            let admin = |username: &str, full_name: &str, role: &str| AdminDraft {
                username: username.into(),
                full_name: full_name.into(),
                active: true,
                role_id: role.into(),
                overrides: Grants::default(),
                ..Default::default()
            };
            admins::create(
                w,
                now,
                &actor,
                admin(DEMO_USER, "Demo Administrator", "super_admin"),
                hash.clone(),
            )?;
            admins::create(
                w,
                now,
                &actor,
                admin("cashier", "Бат-Эрдэнэ Дорж", "cashier"),
                others.clone(),
            )?;
            admins::create(
                w,
                now,
                &actor,
                admin("tech", "Сүхбаатар Ганбат", "technician"),
                others.clone(),
            )?;
            let s = SettingsDraft {
                company_name: "TopNET (demo)".into(),
                company_register: "6543210".into(),
                company_address:
                    "Улаанбаатар, Баянгол дүүрэг, 3-р хороо, Энхтайваны өргөн чөлөө 52".into(),
                currency_code: "MNT".into(),
                currency_symbol: "₮".into(),
                currency_exponent: "2".into(),
                time_zone: "Asia/Ulaanbaatar".into(),
                default_lang: "mn".into(),
                payment_methods: crate::settings::BUILTIN_METHODS.join("\n"),
                allow_partial_activation: false,
                ..Default::default()
            };
            settings::save(w, now, &actor, &s, ImageChange::Keep, Problems::default())?;
            let b = BannerDraft {
                title: "Шинэ багц: 50 Мбит/с".into(),
                text: "Сарын 45,000₮ — Төлбөрөө дансаар шилжүүлнэ үү.".into(),
                starts_on: today.to_string(),
                ends_on: today
                    .checked_add(jiff::Span::new().days(60))
                    .unwrap_or(today)
                    .to_string(),
                active: true,
            };
            banner::save(
                w,
                now,
                &actor,
                None,
                &b,
                ImageChange::Keep,
                Problems::default(),
            )?;
            seed_network(w, now, &actor, &secrets, routers)?;
            Ok::<_, Error>(())
        })
        .map_err(|e| e.to_string())
}

/// Two routers (the simulators), four packages and a few dozen customers in every state.
fn seed_network(
    w: &mut crate::store::Write,
    now: jiff::Timestamp,
    actor: &Actor,
    secrets: &crate::network::SecretBox,
    routers: &[(&str, crate::sim::SimHandle)],
) -> Result<(), Error> {
    use crate::billing::customer::{self, CustomerDraft};
    use crate::billing::plan::{self, PlanDraft};
    use crate::network::router::{self, RouterDraft};
    let mut router_ids = Vec::new();
    for (i, (name, h)) in routers.iter().enumerate() {
        let d = RouterDraft {
            name: (*name).into(),
            host: "127.0.0.1".into(),
            port: h.addr().port().to_string(),
            username: DEMO_ROUTER_USER.into(),
            password: DEMO_ROUTER_PASSWORD.into(),
            login_method: if i == 0 {
                "challenge".into()
            } else {
                "plain".into()
            },
            hotspot_server: "all".into(),
            pppoe: i == 1,
            note: if i == 0 {
                "Төв салбар".into()
            } else {
                "Зүүн салбар".into()
            },
            ..Default::default()
        };
        router_ids.push(router::create(w, now, actor, secrets, &d)?.id);
    }
    let plan = |name: &str, kind: &str, price: i64, days: u32, hours: u32, down: &str, up: &str| {
        PlanDraft {
            name: name.into(),
            kind: kind.into(),
            price: price.to_string(),
            duration_days: days.to_string(),
            duration_hours: hours.to_string(),
            download: down.into(),
            upload: up.into(),
            shared_users: "1".into(),
            active: true,
            ..Default::default()
        }
    };
    let plans = [
        plan::create(
            w,
            now,
            actor,
            &plan("Гэр 10M", "hotspot", 3_500_000, 30, 0, "10M", "2M"),
        )?,
        plan::create(
            w,
            now,
            actor,
            &plan("Гэр 20M", "hotspot", 5_000_000, 30, 0, "20M", "4M"),
        )?,
        plan::create(
            w,
            now,
            actor,
            &plan("Өдрийн багц", "hotspot", 200_000, 1, 0, "5M", "1M"),
        )?,
        plan::create(
            w,
            now,
            actor,
            &plan("Байгууллага 50M", "pppoe", 15_000_000, 30, 0, "50M", "10M"),
        )?,
    ];
    let names = [
        "Бат-Эрдэнэ",
        "Оюунчимэг",
        "Ганбаатар",
        "Сарангэрэл",
        "Тэмүүлэн",
        "Нандин-Эрдэнэ",
        "Энхжаргал",
        "Мөнхбат",
        "Solongo",
        "Bilguun",
    ];
    for i in 0..36u32 {
        let org = i % 9 == 4;
        let plan = if org {
            &plans[3]
        } else {
            &plans[usize::try_from(i % 3).unwrap_or(0)]
        };
        let router = if org {
            router_ids[1]
        } else {
            router_ids[usize::try_from(i % 2).unwrap_or(0)]
        };
        // Spread expiries from last week to next month, a few ending today.
        let hours = i64::from(i) * 22 - 150;
        let d = CustomerDraft {
            kind: if org {
                "organization".into()
            } else {
                "individual".into()
            },
            name: if org {
                format!("Талст ХХК {i}")
            } else {
                format!(
                    "{} {}",
                    names[usize::try_from(i).unwrap_or(0) % names.len()],
                    i
                )
            },
            reg_no: if org {
                format!("{}", 5_000_000 + i)
            } else {
                String::new()
            },
            phone: format!("99{:06}", 110_000 + i * 37),
            login: format!("user{i:03}"),
            password: format!("pw{:04}", i * 7919 % 10_000),
            router_id: router.to_string(),
            plan_id: plan.id.to_string(),
            status: if i == 5 {
                "suspended".into()
            } else {
                "active".into()
            },
            expires_at: (now + jiff::SignedDuration::from_hours(hours)).to_string(),
            ..Default::default()
        };
        customer::create(
            w,
            now,
            actor,
            secrets,
            d.parse(&jiff::tz::TimeZone::UTC),
            false,
        )?;
    }
    use crate::billing::ledger::{self, BankAccountDraft, NewPayment};
    use crate::store::Reader;
    for (bank, number) in [
        ("Хаан банк", "5000 1234 56"),
        ("Голомт банк", "1105 0099 77"),
    ] {
        let d = BankAccountDraft {
            bank: bank.into(),
            number: number.into(),
            holder: "ТопНет ХХК".into(),
            currency: "MNT".into(),
            active: true,
            ..Default::default()
        };
        ledger::save_bank_account(w, now, actor, None, &d)?;
    }
    // Some customers paid at the counter or by transfer; one got a free trial week.
    let methods = crate::settings::BUILTIN_METHODS.map(String::from).to_vec();
    for i in (1..36u64).step_by(4) {
        let price = w
            .get::<crate::billing::Customer>(i)?
            .and_then(|c| w.get::<crate::billing::Plan>(c.plan_id).ok().flatten())
            .map_or(0, |p| p.price);
        let Ok(amount) = crate::model::Money::payment(price) else {
            continue;
        };
        let cash = i % 8 == 1;
        let d = NewPayment {
            customer: crate::model::CustomerId::new(i),
            amount,
            method: if cash { "cash" } else { "bank_transfer" }.into(),
            bank_account: (!cash).then(|| crate::model::BankAccountId::new(1)),
            reference: format!("demo {i}"),
            received_at: None,
            key: None,
        };
        ledger::record_payment(w, now, actor, &d, &methods, false)?;
    }
    ledger::extend(w, now, actor, 3, 7, true, "Туршилтын 7 хоног", "")?;
    // Feedback from the portal, one already answered; reminders by the routers' modems.
    crate::feedback::submit(
        w,
        now,
        2,
        "127.0.0.1",
        "complaint",
        "Орой бүр интернэт удааширдаг.",
    )?;
    let f = crate::feedback::submit(
        w,
        now,
        3,
        "127.0.0.1",
        "inquiry",
        "Багцаа 50M болгож болох уу?",
    )?;
    crate::feedback::reply(
        w,
        now,
        actor,
        &jiff::tz::TimeZone::UTC,
        f.id,
        "Болно: дараагийн сунгалтаас эхэлнэ.",
        false,
    )?;
    let mut ms = crate::notify::config::MessageSettingsDraft::of(&Default::default());
    ms.smtp_security = "starttls".into();
    ms.days_before = "3, 1".into();
    ms.on_expiry = true;
    ms.receipt = true;
    ms.channels = vec!["sms_router".into()];
    crate::notify::config::save(w, now, actor, &ms, |_| String::new())?;
    Ok(())
}
