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

pub fn run(listen: String, data: Option<PathBuf>) -> Result<(), String> {
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
    seed(&dir, &password)?;
    let rt = crate::cli::runtime()?;
    rt.block_on(async {
        let routers = start_routers().await?;
        let app = Application::build(Config {
            listen,
            data_dir: dir.clone(),
            tls: Tls::Off,
            tz: crate::cli::env_time_zone(),
        })
        .await?;
        let addr = app.local_addr();
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
        println!("  Demo data lives in         {}", dir.display());
        for (name, r) in &routers {
            println!("  Simulated router {name:<9} api://{} (user {DEMO_ROUTER_USER}, password {DEMO_ROUTER_PASSWORD})", r.addr());
        }
        println!("  Stop with Ctrl-C.");
        println!();
        app.run_until_stopped().await
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

/// Fills a fresh data directory with a demo installation.
pub fn seed(dir: &std::path::Path, password: &str) -> Result<(), String> {
    let store = crate::store::Store::open(dir).map_err(|e| e.to_string())?;
    let now = crate::clock::Clock::default().now();
    let hash = secret::hash_password(password)?;
    let others = secret::hash_password(&secret::hex(&secret::random_bytes::<16>()))?;
    let actor = Actor {
        username: "(demo)".into(),
        ..Actor::cli()
    };
    let today = now.to_zoned_datetime(crate::cli::env_time_zone()).date();
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
                currency_code: "MNT".into(),
                currency_symbol: "₮".into(),
                currency_exponent: "2".into(),
                time_zone: "Asia/Ulaanbaatar".into(),
                default_lang: "mn".into(),
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
            Ok::<_, Error>(())
        })
        .map_err(|e| e.to_string())
}
