//! The command line: `serve`, `demo`, `admin …`, `backup`, `restore`, `healthcheck`. Parsing
//! only; the work happens in the modules it calls.

use crate::access::secret;
use crate::control::Request;
use crate::store::Store;
use crate::web::{Application, Config, Tls};
use jiff::tz::TimeZone;
use lexopt::prelude::*;
use std::io::BufRead;
use std::path::PathBuf;

const USAGE: &str = "\
steppe — prepaid billing for MikroTik ISPs

USAGE:
  steppe serve [--listen ADDR] [--portal-listen ADDR|off] [--allow-host NAME]… [--data DIR]
               [--tls-cert FILE --tls-key FILE | --tls self-signed]
  steppe demo  [--listen ADDR] [--portal-listen ADDR] [--data DIR]
  steppe admin create --username U --role ROLE [--full-name NAME] [--data DIR]   (password on stdin)
  steppe admin reset-password --username U [--data DIR]                           (password on stdin)
  steppe admin token --username U [--name LABEL] [--data DIR]
  steppe sim [--listen ADDR] [--version 6.33|7.16] [--user U --password P] [--latency-ms N]
  steppe backup --out FILE [--data DIR]        (works while the server runs)
  steppe restore FILE [--data DIR]             (into an empty data directory; server stopped)
  steppe healthcheck [--listen ADDR]           (exit 0 if the server on ADDR answers /healthz)
  steppe version

ENVIRONMENT:
  STEPPE_LISTEN  address of the admin UI and API (default 0.0.0.0:8080)
  STEPPE_PORTAL_LISTEN  address of the customers' portal (default 0.0.0.0:8081; off for none)
  STEPPE_ALLOWED_HOSTS  host names the admin UI answers to besides this machine's own and any
                 IP address (comma-separated, e.g. billing.example.mn)
  STEPPE_DATA    data directory (default ./data)
  STEPPE_TZ, TZ  display time zone when settings name none (e.g. Asia/Ulaanbaatar)
  STEPPE_LOG     log filter (default info)
";

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    match run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("steppe: {e}");
            2
        }
    }
}

struct Common {
    listen: String,
    /// `None` when the portal is turned off (`--portal-listen off`).
    portal_listen: Option<String>,
    /// `--allow-host` (repeatable) and `STEPPE_ALLOWED_HOSTS` (comma-separated).
    allowed_hosts: Vec<String>,
    data: PathBuf,
    tls: Tls,
    username: Option<String>,
    role: Option<String>,
    full_name: Option<String>,
    name: Option<String>,
    sim_version: String,
    password: Option<String>,
    user: Option<String>,
    latency_ms: u64,
    out: Option<PathBuf>,
}

fn run() -> Result<(), String> {
    let mut parser = lexopt::Parser::from_env();
    let mut words: Vec<String> = Vec::new();
    let mut c = Common {
        listen: std::env::var("STEPPE_LISTEN").unwrap_or_else(|_| "0.0.0.0:8080".into()),
        portal_listen: portal_listen(
            &std::env::var("STEPPE_PORTAL_LISTEN").unwrap_or_else(|_| "0.0.0.0:8081".into()),
        ),
        allowed_hosts: std::env::var("STEPPE_ALLOWED_HOSTS")
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .collect(),
        data: std::env::var_os("STEPPE_DATA")
            .map_or_else(|| PathBuf::from("./data"), PathBuf::from),
        tls: Tls::Off,
        username: None,
        role: None,
        full_name: None,
        name: None,
        sim_version: "7.16".into(),
        password: None,
        user: None,
        latency_ms: 0,
        out: None,
    };
    let mut data_given = false;
    let mut listen_given = std::env::var("STEPPE_LISTEN").is_ok();
    let (mut cert, mut key) = (None, None);
    let err = |e: lexopt::Error| e.to_string();
    while let Some(arg) = parser.next().map_err(err)? {
        match arg {
            Long("listen") => {
                c.listen = parser.value().map_err(err)?.string().map_err(err)?;
                listen_given = true;
            }
            Long("allow-host") => {
                c.allowed_hosts
                    .push(parser.value().map_err(err)?.string().map_err(err)?);
            }
            Long("portal-listen") => {
                c.portal_listen =
                    portal_listen(&parser.value().map_err(err)?.string().map_err(err)?);
            }
            Long("data") => {
                c.data = parser.value().map_err(err)?.into();
                data_given = true;
            }
            Long("tls-cert") => cert = Some(PathBuf::from(parser.value().map_err(err)?)),
            Long("tls-key") => key = Some(PathBuf::from(parser.value().map_err(err)?)),
            Long("tls") => {
                let v = parser.value().map_err(err)?.string().map_err(err)?;
                if v != "self-signed" {
                    return Err(format!("--tls takes only 'self-signed', not {v:?}"));
                }
                c.tls = Tls::SelfSigned;
            }
            Long("username") => {
                c.username = Some(parser.value().map_err(err)?.string().map_err(err)?)
            }
            Long("role") => c.role = Some(parser.value().map_err(err)?.string().map_err(err)?),
            Long("full-name") => {
                c.full_name = Some(parser.value().map_err(err)?.string().map_err(err)?)
            }
            Long("name") => c.name = Some(parser.value().map_err(err)?.string().map_err(err)?),
            Long("version") => {
                c.sim_version = parser.value().map_err(err)?.string().map_err(err)?
            }
            Long("user") => c.user = Some(parser.value().map_err(err)?.string().map_err(err)?),
            Long("password") => {
                c.password = Some(parser.value().map_err(err)?.string().map_err(err)?)
            }
            Long("latency-ms") => {
                let v = parser.value().map_err(err)?.string().map_err(err)?;
                c.latency_ms = v
                    .parse()
                    .map_err(|_| format!("--latency-ms takes a number, not {v:?}"))?;
            }
            Long("out") => c.out = Some(PathBuf::from(parser.value().map_err(err)?)),
            Short('h') | Long("help") => {
                print!("{USAGE}");
                return Ok(());
            }
            Value(v) => words.push(v.string().map_err(err)?),
            _ => return Err(format!("{}\n\n{USAGE}", arg.unexpected())),
        }
    }
    match (cert, key) {
        (Some(cert), Some(key)) => c.tls = Tls::Files { cert, key },
        (None, None) => {}
        _ => return Err("--tls-cert and --tls-key go together".into()),
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["serve"] => serve(c),
        ["demo"] => demo(c, data_given),
        ["admin", "create"] => admin_create(&c),
        ["admin", "reset-password"] => admin_reset(&c),
        ["admin", "token"] => admin_token(&c),
        ["sim"] => sim(c, listen_given),
        ["backup"] => backup(&c),
        ["restore", file] => restore(&c, file),
        ["healthcheck"] => healthcheck(&c.listen),
        ["version"] => {
            println!("steppe {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        [] => Err(format!("no command given\n\n{USAGE}")),
        other => Err(format!("unknown command {:?}\n\n{USAGE}", other.join(" "))),
    }
}

/// The display zone from `STEPPE_TZ` or `TZ`, else the system's, else UTC.
pub fn env_time_zone() -> TimeZone {
    for var in ["STEPPE_TZ", "TZ"] {
        if let Ok(name) = std::env::var(var) {
            let name = name.trim_start_matches(':');
            if let Some(tz) = crate::i18n::zones::get(name) {
                return tz;
            }
            eprintln!("steppe: ignoring unknown time zone {var}={name:?}");
        }
    }
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// `STEPPE_LOG` takes `target=level` directives (`info`, `steppe=debug,hyper=warn`). Target
/// prefixes are all an operator needs; `EnvFilter`'s span matching would cost a regex engine
/// (about half a megabyte on the router) for nothing used.
pub fn init_logging() {
    use std::io::IsTerminal as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let spec = std::env::var("STEPPE_LOG").unwrap_or_default();
    let filter = log_filter(&spec).unwrap_or_else(|e| {
        eprintln!("steppe: ignoring STEPPE_LOG={spec:?}: {e}");
        log_filter("").expect("the default filter parses")
    });
    // Colour only on a terminal: journald and RouterOS's container log keep escape codes as text.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(colour),
        )
        .with(filter)
        .try_init();
}

/// An empty spec means `info`. Spaces around directives and empty ones (`info,`) are dropped:
/// `Targets` would read ` hyper` as a target that never matches, and an empty directive as
/// `error`.
pub fn log_filter(spec: &str) -> Result<tracing_subscriber::filter::Targets, String> {
    let directives: Vec<&str> = spec
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let spec = if directives.is_empty() {
        "info".to_owned()
    } else {
        directives.join(",")
    };
    spec.parse().map_err(|e| format!("{e}"))
}

/// `off` (or empty) turns the portal listener off.
fn portal_listen(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty() && !v.eq_ignore_ascii_case("off")).then(|| v.to_string())
}

pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(16)
        .enable_all()
        .build()
        .map_err(|e| format!("starting runtime: {e}"))
}

fn serve(c: Common) -> Result<(), String> {
    init_logging();
    let rt = runtime()?;
    rt.block_on(async {
        let app = Application::build(Config { listen: c.listen, data_dir: c.data.clone(), tls: c.tls, tz: env_time_zone(), limits: Default::default(), portal_listen: c.portal_listen.clone(), allowed_hosts: c.allowed_hosts.clone() }).await?;
        let (scheme, addr) = (if app.is_tls() { "https" } else { "http" }, app.local_addr());
        // The CLI beside the running server (`steppe admin …`), closed with it.
        let _control = crate::control::listen(&c.data, app.app().store.clone(), app.app().clock.clone())?;
        let portal = app.portal_addr();
        let serving = app.run_until_stopped();
        tracing::info!(address = %addr, data = %c.data.display(), "Steppe {} serving on {scheme}://{addr}", env!("CARGO_PKG_VERSION"));
        match portal {
            Some(p) => tracing::info!("customers' portal on {scheme}://{p}/portal"),
            None => tracing::info!("customers' portal turned off"),
        }
        serving.await
    })
}

#[cfg(feature = "sim")]
fn demo(c: Common, data_given: bool) -> Result<(), String> {
    crate::demo::run(
        c.listen,
        c.portal_listen.unwrap_or_else(|| "0.0.0.0:8081".into()),
        data_given.then_some(c.data),
    )
}

/// Router builds leave the simulator out to stay within the size budget; say so rather than
/// call the command unknown.
#[cfg(not(feature = "sim"))]
const NO_SIMULATOR: &str = "this build has no simulator: `steppe demo` and `steppe sim` are left \
out of router builds (built without the `sim` feature); run them from a default build \
(cargo build --release)";

#[cfg(not(feature = "sim"))]
fn demo(_: Common, _: bool) -> Result<(), String> {
    Err(NO_SIMULATOR.into())
}

#[cfg(not(feature = "sim"))]
fn sim(_: Common, _: bool) -> Result<(), String> {
    Err(NO_SIMULATOR.into())
}

/// A standalone simulated router; listens on the API port of loopback unless told otherwise.
#[cfg(feature = "sim")]
fn sim(c: Common, listen_given: bool) -> Result<(), String> {
    init_logging();
    let listen = if listen_given {
        c.listen.clone()
    } else {
        "127.0.0.1:8728".into()
    };
    let addr: std::net::SocketAddr = listen
        .parse()
        .map_err(|_| format!("--listen takes IP:PORT, not {listen:?}"))?;
    let mut cfg = crate::sim::SimConfig::new(&c.sim_version);
    if let Some(u) = c.user {
        cfg.user = u;
    }
    if let Some(p) = c.password {
        cfg.password = p;
    }
    cfg.latency = std::time::Duration::from_millis(c.latency_ms);
    runtime()?
        .block_on(crate::sim::serve_forever(cfg, addr))
        .map_err(|e| format!("simulator: {e}"))
}

fn open_store(c: &Common) -> Result<Store, String> {
    Store::open(&c.data).map_err(|e| e.to_string())
}

fn read_password() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading password from stdin: {e}"))?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    let mut p = crate::validate::Problems::default();
    p.password("password", &pw);
    match p.0.first() {
        Some(problem) => Err(format!("password: {}", problem.text(crate::i18n::Lang::En))),
        None => Ok(pw),
    }
}

fn need<'a>(v: &'a Option<String>, flag: &str) -> Result<&'a str, String> {
    v.as_deref().ok_or_else(|| format!("{flag} is required"))
}

fn admin_create(c: &Common) -> Result<(), String> {
    let username = need(&c.username, "--username")?.to_string();
    let role = need(&c.role, "--role")?.to_string();
    let password = read_password()?;
    admin(
        c,
        Request::CreateAdmin {
            full_name: c.full_name.clone().unwrap_or_else(|| username.clone()),
            username,
            role,
            password_hash: secret::hash_password(&password)?,
        },
    )
}

fn admin_reset(c: &Common) -> Result<(), String> {
    let username = need(&c.username, "--username")?.to_string();
    let password = read_password()?;
    admin(
        c,
        Request::ResetPassword {
            username,
            password_hash: secret::hash_password(&password)?,
        },
    )
}

fn admin_token(c: &Common) -> Result<(), String> {
    let username = need(&c.username, "--username")?.to_string();
    let label = c.name.clone().unwrap_or_else(|| "command line".into());
    admin(c, Request::Token { username, label })
}

/// Through the running server when one holds the data directory, else straight on the file.
fn admin(c: &Common, req: Request) -> Result<(), String> {
    let text = match crate::control::ask(&c.data, &req) {
        Some(answer) => answer?,
        None => {
            let store = open_store(c)?;
            crate::control::perform(&store, crate::clock::Clock::default().now(), req)?
        }
    };
    println!("{text}");
    Ok(())
}

fn backup(c: &Common) -> Result<(), String> {
    let out = c.out.as_ref().ok_or("--out FILE is required")?;
    let info = crate::backup::create_from_dir(&c.data, out)?;
    println!(
        "backup written to {}: {} rows, schema {}, with {}",
        out.display(),
        info.rows,
        info.schema,
        info.files.join(", ")
    );
    Ok(())
}

fn restore(c: &Common, file: &str) -> Result<(), String> {
    let info = crate::backup::restore(std::path::Path::new(file), &c.data)?;
    // Opening runs the forward migrations now, so a problem shows here rather than at start.
    let store = open_store(c)?;
    let schema = store.schema_version().map_err(|e| e.to_string())?;
    println!(
        "restored {} rows (taken {} by Steppe {}, schema {}) into {}; schema now {schema}",
        info.rows,
        info.created_at,
        info.steppe_version,
        info.schema,
        c.data.display()
    );
    Ok(())
}

/// GETs `/healthz` from the server listening on `listen` (a wildcard address means this host).
/// For container health checks: a `FROM scratch` image has no curl.
fn healthcheck(listen: &str) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
    use std::time::Duration;
    let mut addr: SocketAddr = listen
        .parse()
        .map_err(|_| format!("--listen takes IP:PORT, not {listen:?}"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    let fail = |e: std::io::Error| format!("healthcheck {addr}: {e}");
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(fail)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(fail)?;
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(fail)?;
    let mut reply = Vec::new();
    s.take(4096).read_to_end(&mut reply).map_err(fail)?;
    let reply = String::from_utf8_lossy(&reply);
    let status = reply.lines().next().unwrap_or("");
    if status.starts_with("HTTP/1.1 200") && reply.ends_with("ok") {
        println!("ok");
        Ok(())
    } else {
        Err(format!("healthcheck {addr}: unexpected answer {status:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::log_filter;
    use tracing::Level;

    #[test]
    fn log_filter_takes_levels_and_target_prefixes() {
        let default = log_filter("  ").unwrap();
        assert!(default.would_enable("steppe::web", &Level::INFO));
        assert!(!default.would_enable("steppe::web", &Level::DEBUG));

        let targeted = log_filter("warn,steppe::enforce=debug").unwrap();
        assert!(targeted.would_enable("steppe::enforce::reconcile", &Level::DEBUG));
        assert!(!targeted.would_enable("steppe::web", &Level::INFO));
        assert!(targeted.would_enable("hyper", &Level::WARN));
    }

    #[test]
    fn log_filter_ignores_spaces_and_empty_directives() {
        let spaced = log_filter("steppe=debug, hyper=warn,").unwrap();
        assert!(spaced.would_enable("hyper::proto", &Level::WARN));
        assert!(!spaced.would_enable("hyper::proto", &Level::INFO));
        assert!(spaced.would_enable("steppe", &Level::DEBUG));
        let trailing = log_filter("info,").unwrap();
        assert!(trailing.would_enable("steppe", &Level::INFO));
    }

    #[test]
    fn log_filter_refuses_an_unknown_level() {
        assert!(log_filter("steppe=loud").is_err());
    }
}
