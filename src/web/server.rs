//! The HTTP(S) server: accept loop, TLS, body limits, graceful shutdown.
//!
//! Invariant: only `web/` imports hyper. `Application::build` binds and opens everything, so
//! tests start the real server on port 0 and learn the port before it runs.

use super::ctx::App;
use super::dispatch;
use super::gate::{BodyError, Gate, Limits};
use super::http::{Form, Req};
use super::router::{self, Route};
use crate::access::admins;
use crate::clock::Clock;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use jiff::tz::TimeZone;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How long in-flight requests may take to finish after a stop signal.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub enum Tls {
    Off,
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Generate a certificate on first start and keep it in the data directory.
    SelfSigned,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub tls: Tls,
    pub tz: TimeZone,
    pub limits: Limits,
    /// The customers' portal listener; `None` serves no portal.
    pub portal_listen: Option<String>,
    /// Host names the admin listener answers to besides this machine's own (any IP address
    /// is always answered: DNS rebinding needs a name).
    pub allowed_hosts: Vec<String>,
}

/// Which listener a request came in on: the admin UI and API, or the customers' portal (which
/// the hotspot's walled garden opens to customers; the admin side can stay firewalled to the
/// office).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Admin,
    Portal,
}

pub struct Application {
    listener: TcpListener,
    portal: Option<TcpListener>,
    app: Arc<App>,
    tls: Option<TlsAcceptor>,
    routes: Arc<Vec<Route>>,
    steppe: crate::app::Steppe,
}

impl Application {
    /// Opens the store, prepares TLS and binds the listener.
    pub async fn build(config: Config) -> Result<Application, String> {
        Self::build_with_clock(config, Clock::default()).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> Result<Application, String> {
        let steppe = crate::app::Steppe::start(&config.data_dir, config.tz.clone(), clock)?;
        let (store, clock) = (steppe.core.store.clone(), steppe.core.clock.clone());
        let setup_code = if store.read(admins::any_exists).map_err(|e| e.to_string())? {
            crate::access::first_run::clear(&config.data_dir);
            None
        } else {
            let code = crate::access::first_run::prepare(&config.data_dir)?;
            tracing::warn!(
                "first start: open /setup and enter the setup code {code} (also in {})",
                crate::access::first_run::path(&config.data_dir).display()
            );
            Some(code)
        };
        let tls = match &config.tls {
            Tls::Off => None,
            Tls::Files { cert, key } => Some(acceptor(cert, key)?),
            Tls::SelfSigned => {
                let company = store
                    .read(|r| crate::settings::load(r).map(|s| s.company_name))
                    .map_err(|e| e.to_string())?;
                let identity = super::selfsigned::Identity::of_this_host(&company);
                let (cert, key) = self_signed(&config.data_dir, &identity, clock.now())?;
                Some(acceptor(&cert, &key)?)
            }
        };
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(|e| format!("listening on {}: {e}", config.listen))?;
        let portal = match &config.portal_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("listening for the portal on {addr}: {e}"))?,
            ),
            None => None,
        };
        let app = Arc::new(App {
            core: steppe.core.clone(),
            dashboard: Default::default(),
            dashboard_computing: Default::default(),
            limiter: Default::default(),
            portal_limiter: Default::default(),
            setup_code: std::sync::Mutex::new(setup_code),
            unauthenticated_hashes: Default::default(),
            gate: Gate::new(config.limits.clone()),
            host_names: allowed_names(&config.allowed_hosts),
            csrf_key: ring::hmac::Key::new(
                ring::hmac::HMAC_SHA256,
                &crate::access::secret::random_bytes::<32>(),
            ),
            probe_quota: crate::access::ratelimit::Quota::new(
                10,
                jiff::SignedDuration::from_mins(10),
            ),
        });
        Ok(Application {
            listener,
            portal,
            app,
            tls,
            routes: Arc::new(router::table()),
            steppe,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Where the portal listens, if it does.
    pub fn portal_addr(&self) -> Option<SocketAddr> {
        self.portal.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn app(&self) -> Arc<App> {
        self.app.clone()
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until SIGINT or SIGTERM. The signal handlers are in place when this returns, so
    /// call it before announcing the address: a stop sent right after start still drains
    /// instead of killing the process.
    pub fn run_until_stopped(self) -> impl Future<Output = Result<(), String>> {
        let stop = shutdown_signal();
        self.run_until(stop)
    }

    /// Serves until `stop` completes, then drains in-flight requests (bounded) and returns.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> Result<(), String> {
        let graceful = GracefulShutdown::new();
        let secure = self.tls.is_some();
        tokio::pin!(stop);
        let mut backoff = Duration::from_millis(5);
        loop {
            let portal = async {
                match &self.portal {
                    Some(l) => l.accept().await,
                    None => std::future::pending().await,
                }
            };
            let (accepted, side) = tokio::select! {
                _ = &mut stop => break,
                a = self.listener.accept() => (a, Side::Admin),
                a = portal => (a, Side::Portal),
            };
            let (stream, peer) = {
                match accepted {
                    Ok(a) => {
                        backoff = Duration::from_millis(5);
                        a
                    }
                    Err(e) => {
                        // Typically EMFILE: wait for connections to close instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                        continue;
                    }
                }
            };
            let Some(admission) = self.app.gate.admit(peer.ip()) else {
                // Closed at once: the cap is what keeps file descriptors for everyone else.
                tracing::debug!(%peer, "connection refused: too many open");
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (app, routes, gate) =
                (self.app.clone(), self.routes.clone(), self.app.gate.clone());
            let svc = service_fn(move |req: Request<Incoming>| {
                let (app, routes, gate) = (app.clone(), routes.clone(), gate.clone());
                async move {
                    Ok::<_, std::convert::Infallible>(
                        handle(app, &routes, &gate, req, peer, secure, side).await,
                    )
                }
            });
            let builder = {
                let limits = self.app.gate.limits();
                let mut b = http1::Builder::new();
                b.timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .max_buf_size(limits.max_header_bytes.max(8192));
                b
            };
            match &self.tls {
                None => {
                    let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), svc));
                    tokio::spawn(async move {
                        let _admission = admission;
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        let _admission = admission;
                        let tls = match tokio::time::timeout(
                            Duration::from_secs(10),
                            acceptor.accept(stream),
                        )
                        .await
                        {
                            Ok(Ok(s)) => s,
                            Ok(Err(e)) => {
                                return tracing::debug!(error = %e, "TLS handshake failed");
                            }
                            Err(_) => return tracing::debug!("TLS handshake timed out"),
                        };
                        let conn = watcher.watch(builder.serve_connection(TokioIo::new(tls), svc));
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
            }
        }
        drop(self.listener);
        drop(self.portal);
        tracing::info!("stopping: finishing in-flight requests");
        if tokio::time::timeout(DRAIN, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("some requests did not finish within {DRAIN:?}");
        }
        drop(self.app);
        self.steppe.stop().await;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn handle(
    app: Arc<App>,
    routes: &[Route],
    gate: &Gate,
    req: Request<Incoming>,
    peer: SocketAddr,
    secure: bool,
    side: Side,
) -> super::http::Resp {
    let mut resp = respond(app, routes, gate, req, peer, secure, side).await;
    // Only over TLS: a browser ignores it on plain HTTP, and sent there it would promise an
    // HTTPS this installation may not serve.
    if secure {
        resp.headers_mut().insert(
            hyper::header::STRICT_TRANSPORT_SECURITY,
            hyper::header::HeaderValue::from_static("max-age=31536000"),
        );
    }
    resp
}

async fn respond(
    app: Arc<App>,
    routes: &[Route],
    gate: &Gate,
    req: Request<Incoming>,
    peer: SocketAddr,
    secure: bool,
    side: Side,
) -> super::http::Resp {
    let (parts, body) = req.into_parts();
    if parts.version == hyper::Version::HTTP_11 && !parts.headers.contains_key(hyper::header::HOST)
    {
        return super::http::text(
            StatusCode::BAD_REQUEST,
            "an HTTP/1.1 request needs a Host header",
        );
    }
    if side == Side::Admin
        && let Some(name) = unknown_host(&app.host_names, &parts.headers)
    {
        tracing::warn!(%peer, host = %name, "request for a host name this server does not answer to");
        return super::http::text(
            StatusCode::MISDIRECTED_REQUEST,
            "Steppe does not answer to this host name; add it with --allow-host NAME or STEPPE_ALLOWED_HOSTS",
        );
    }
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Held until the response is made: the body's bytes count against the shared budget.
    let held = match gate.read_body(body, declared).await {
        Ok(b) => b,
        Err(e) => {
            let (status, text) = match e {
                BodyError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
                BodyError::Slow => (StatusCode::REQUEST_TIMEOUT, "request body too slow"),
                BodyError::Busy => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many uploads at once; try again",
                ),
                BodyError::Broken => (StatusCode::BAD_REQUEST, "request body broken"),
            };
            let mut r = super::http::text(status, text);
            if e == BodyError::Busy {
                r.headers_mut().insert(
                    hyper::header::RETRY_AFTER,
                    hyper::header::HeaderValue::from_static("5"),
                );
            }
            // The rest of the body is not read: the connection cannot carry another request.
            r.headers_mut().insert(
                hyper::header::CONNECTION,
                hyper::header::HeaderValue::from_static("close"),
            );
            return r;
        }
    };
    let body = held.bytes.clone();
    let query = parts
        .uri
        .query()
        .map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let req = Req {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query,
        headers: parts.headers,
        body,
        peer,
        secure,
        side,
        params: Vec::new(),
        form: Form::default(),
    };
    let path = req.path.clone();
    let resp = dispatch::dispatch(app, routes, req).await;
    drop(held);
    tracing::debug!(method = %parts.method, %path, status = resp.status().as_u16(), ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX), "request");
    resp
}

/// This machine's names (`localhost`, `steppe.local`, its host name and `<host name>.local`)
/// and the configured ones, lowercased.
fn allowed_names(extra: &[String]) -> Vec<String> {
    let mut names = super::selfsigned::Identity::of_this_host("").names;
    let local: Vec<String> = names
        .iter()
        .filter(|n| !n.contains('.') && *n != "localhost")
        .map(|n| format!("{n}.local"))
        .collect();
    names.extend(local);
    names.extend(
        extra
            .iter()
            .map(|n| n.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|n| !n.is_empty()),
    );
    names
}

/// The `Host` header's name if it is neither an IP address nor one of `names`: a browser
/// sent here by a rebound DNS name (an attacker's page reaching the LAN through the victim's
/// browser) is turned away before any handler, even the unauthenticated ones.
fn unknown_host(names: &[String], headers: &hyper::HeaderMap) -> Option<String> {
    let host = headers.get(hyper::header::HOST)?.to_str().unwrap_or("");
    let name = if let Some(rest) = host.strip_prefix('[') {
        // An IPv6 literal, `[::1]:8080`.
        return rest
            .split(']')
            .next()
            .and_then(|a| a.parse::<std::net::Ipv6Addr>().ok())
            .is_none()
            .then(|| host.to_string());
    } else {
        host.rsplit_once(':').map_or(host, |(n, _)| n)
    };
    if name.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let known = names.contains(&name) || name.ends_with(".localhost");
    (!known).then(|| host.chars().take(100).collect())
}

fn acceptor(cert: &PathBuf, key: &PathBuf) -> Result<TlsAcceptor, String> {
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("reading {}: {e}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("reading {}: {e}", cert.display()))?;
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("reading {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The data directory's certificate, made on first use.
fn self_signed(
    dir: &std::path::Path,
    identity: &super::selfsigned::Identity,
    now: jiff::Timestamp,
) -> Result<(PathBuf, PathBuf), String> {
    let (cert, key) = (dir.join("tls-cert.pem"), dir.join("tls-key.pem"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let signing_key =
        rcgen::KeyPair::generate().map_err(|e| format!("generating the TLS key: {e}"))?;
    let certificate = identity
        .params(now)?
        .self_signed(&signing_key)
        .map_err(|e| format!("generating certificate: {e}"))?;
    write_private(&key, signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert, certificate.pem())
        .map_err(|e| format!("writing {}: {e}", cert.display()))?;
    tracing::info!(cert = %cert.display(), "generated a self-signed TLS certificate");
    Ok((cert, key))
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Registers for SIGTERM and SIGINT now; the future completes on either.
fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let watch = |kind: SignalKind, name: &str| {
        signal(kind)
            .inspect_err(|e| tracing::warn!(error = %e, "cannot watch {name}"))
            .ok()
    };
    let term = watch(SignalKind::terminate(), "SIGTERM");
    let int = watch(SignalKind::interrupt(), "SIGINT");
    async move {
        let next = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = next(term) => {},
            _ = next(int) => {},
        }
    }
}
