//! A stateful fake RouterOS speaking the real API wire protocol over TCP (and TLS), built on the
//! same codec as the client. Tests, benchmarks and the demo run against it instead of a router;
//! its handle lets a test log customers in, read what was configured, and inject faults.

pub mod boolean;
pub mod clock;
mod conn;
pub mod menus;
pub mod query;
pub mod state;
pub mod version;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, watch};
use tokio_rustls::TlsAcceptor;

use state::RouterState;
pub use state::{SimError, SimItem, Sms};
use version::Version;

use crate::routeros::codec::{attribute_word, encode_sentence};

/// How the simulated router behaves.
#[derive(Clone)]
pub struct SimConfig {
    /// RouterOS version, e.g. `6.33`, `7.16`, `7.18`: decides login form, `!empty`, value spellings.
    pub version: String,
    /// The API user and password.
    pub user: String,
    pub password: String,
    /// Delay before each reply (changeable at runtime with [`SimHandle::set_latency`]).
    pub latency: Duration,
    /// Serve api-ssl with this TLS configuration instead of plain api.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl SimConfig {
    /// A 7.16 router with user `admin`, empty password, no latency, plain api.
    pub fn new(version: &str) -> SimConfig {
        SimConfig {
            version: version.to_owned(),
            user: "admin".to_owned(),
            password: String::new(),
            latency: Duration::ZERO,
            tls: None,
        }
    }

    /// A TLS server configuration (ring provider) from a PEM certificate chain and private key.
    pub fn tls_from_pem(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<Arc<rustls::ServerConfig>> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("reading certificate: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| invalid(format!("reading private key: {e}")))?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS setup: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(format!("TLS certificate: {e}")))?;
        Ok(Arc::new(config))
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::new("7.16")
    }
}

/// Faults a test can switch on while the simulator runs.
#[derive(Debug, Default)]
struct Faults {
    latency: Duration,
    drop_after: Option<u64>,
    refuse_logins: bool,
    traps: Vec<(String, String)>,
}

struct ConnCtl {
    out: mpsc::UnboundedSender<Vec<u8>>,
    kill: Arc<Notify>,
}

struct SimShared {
    version: Version,
    user: String,
    password: String,
    state: Mutex<RouterState>,
    faults: Mutex<Faults>,
    commands: AtomicU64,
    conns: Mutex<HashMap<u64, ConnCtl>>,
    next_conn: AtomicU64,
    shutdown: watch::Sender<bool>,
}

/// Locks a simulator mutex; a panicked test thread must not wedge every other test.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds `addr` (e.g. `127.0.0.1:0`) and serves API sessions in the background.
    pub async fn start(config: SimConfig, addr: SocketAddr) -> io::Result<SimHandle> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(SimShared {
            version: Version::parse(&config.version),
            user: config.user.clone(),
            password: config.password.clone(),
            state: Mutex::new(RouterState::new(&config.version)),
            faults: Mutex::new(Faults {
                latency: config.latency,
                ..Faults::default()
            }),
            commands: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            shutdown,
        });
        let acceptor = config.tls.map(TlsAcceptor::from);
        tokio::spawn(accept_loop(listener, acceptor, shared.clone()));
        Ok(SimHandle { shared, addr })
    }
}

async fn accept_loop(listener: TcpListener, acceptor: Option<TlsAcceptor>, shared: Arc<SimShared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                tracing::warn!(error = %e, "simulator accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Replies are small sentences; do not let Nagle hold them back.
        _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        match &acceptor {
            None => {
                tokio::spawn(conn::serve(tcp, shared));
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
                    {
                        Ok(Ok(tls)) => conn::serve(tls, shared).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, "simulator TLS handshake failed"),
                        Err(_) => tracing::debug!("simulator TLS handshake timed out"),
                    }
                });
            }
        }
    }
}

/// Controls a running simulator. Clones control the same simulator.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<SimShared>,
    addr: SocketAddr,
}

impl SimHandle {
    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and closes every session.
    pub fn shutdown(&self) {
        self.shared.shutdown.send_replace(true);
    }

    /// Sentences received so far on all connections (logins included).
    pub fn commands_received(&self) -> u64 {
        self.shared.commands.load(Ordering::Relaxed)
    }

    /// Open API sessions.
    pub fn connections(&self) -> usize {
        lock(&self.shared.conns).len()
    }

    /// Changes the delay before each reply.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.faults).latency = latency;
    }

    /// Cuts the connection that receives the command after the next `n` (no reply, no `!fatal`).
    pub fn drop_after(&self, n: u64) {
        lock(&self.shared.faults).drop_after = Some(n);
    }

    /// Makes every login fail with the router's usual message, whatever the credentials.
    pub fn set_refuse_logins(&self, refuse: bool) {
        lock(&self.shared.faults).refuse_logins = refuse;
    }

    /// Makes every command whose path starts with `prefix` fail with `!trap =message=…`.
    pub fn trap_commands(&self, prefix: &str, message: &str) {
        lock(&self.shared.faults)
            .traps
            .push((prefix.to_owned(), message.to_owned()));
    }

    /// Removes every injected trap.
    pub fn clear_traps(&self) {
        lock(&self.shared.faults).traps.clear();
    }

    /// Sends `!fatal =message=…` on every session and closes them.
    pub fn send_fatal(&self, message: &str) {
        let words = [
            b"!fatal".to_vec(),
            attribute_word("message", message.as_bytes()),
        ];
        let Ok(bytes) = encode_sentence(&words) else {
            return;
        };
        for ctl in lock(&self.shared.conns).values() {
            _ = ctl.out.send(bytes.clone());
            ctl.kill.notify_one();
        }
    }

    /// A customer logs in to the hotspot; fails for an unknown or disabled user or a wrong password.
    pub fn hotspot_login(
        &self,
        user: &str,
        password: &str,
        address: &str,
        mac: &str,
    ) -> Result<String, SimError> {
        lock(&self.shared.state).hotspot_login(user, password, address, mac)
    }

    /// A customer dials in over PPP; fails for an unknown or disabled secret or a wrong password.
    pub fn ppp_login(
        &self,
        name: &str,
        password: &str,
        caller_id: &str,
        address: &str,
    ) -> Result<String, SimError> {
        lock(&self.shared.state).ppp_login(name, password, caller_id, address)
    }

    /// The items of a menu (`/ip/hotspot/user`, …) as print would show them.
    pub fn items(&self, menu: &str) -> Vec<SimItem> {
        lock(&self.shared.state).items(menu)
    }

    /// The item of a menu with this `name` (or `user` for hotspot sessions).
    pub fn find(&self, menu: &str, name: &str) -> Option<SimItem> {
        self.items(menu)
            .into_iter()
            .find(|i| i.get("name").or_else(|| i.get("user")) == Some(name))
    }

    /// Messages sent with `/tool/sms/send`, oldest first.
    pub fn sms_sent(&self) -> Vec<Sms> {
        lock(&self.shared.state).sms().to_vec()
    }

    /// The router's identity (`/system/identity`).
    pub fn identity(&self) -> String {
        lock(&self.shared.state).identity().to_owned()
    }
}

/// Runs a simulator until ctrl-c, for `steppe sim`.
pub async fn serve_forever(config: SimConfig, listen: SocketAddr) -> io::Result<()> {
    let (version, tls) = (config.version.clone(), config.tls.is_some());
    let handle = Simulator::start(config, listen).await?;
    tracing::info!(addr = %handle.addr(), %version, tls, "RouterOS simulator listening");
    tokio::signal::ctrl_c().await?;
    tracing::info!("RouterOS simulator stopping");
    handle.shutdown();
    Ok(())
}
