//! Enforcement: Steppe holds the desired state, each router is made to match it.
//!
//! INTERIM INTERFACE (being implemented on the `enforce` branch): the web layer codes against
//! these signatures; the bodies below only record intent.

use crate::clock::Clock;
use crate::network::{Router, SecretBox};
use crate::store::Store;
use serde::{Deserialize, Serialize};

/// Why a command was sent to a router; shown in the router's command log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Cause {
    /// An admin's action (username).
    Admin(String),
    /// A payment (id) — from the billing issue on.
    Payment(u64),
    /// A customer's time ran out.
    Expiry,
    /// Periodic or on-reconnect full reconcile.
    Sync,
    /// Steppe started.
    Startup,
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Admin(u) => write!(f, "admin {u}"),
            Cause::Payment(id) => write!(f, "payment #{id}"),
            Cause::Expiry => f.write_str("expiry"),
            Cause::Sync => f.write_str("sync"),
            Cause::Startup => f.write_str("startup"),
        }
    }
}

/// What "Test connection" learns from a router.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Probe {
    pub identity: String,
    pub version: String,
    pub board: String,
    pub architecture: String,
    pub uptime_secs: u64,
    pub cpu_load: u64,
    pub free_memory: u64,
    pub total_memory: u64,
    /// `(name, type, running)`.
    pub interfaces: Vec<(String, String, bool)>,
    /// `(name, interface)`.
    pub hotspot_servers: Vec<(String, String)>,
    pub hotspot_active: u64,
    pub ppp_active: u64,
    /// The certificate fingerprint, when api-ssl is used.
    pub tls_fingerprint: Option<String>,
}

/// Handle to the per-router reconcilers and the expiry timer.
#[derive(Clone)]
pub struct Enforcer {
    _store: Store,
    _clock: Clock,
    _secrets: SecretBox,
}

impl Enforcer {
    pub fn start(store: Store, clock: Clock, secrets: SecretBox) -> Enforcer {
        Enforcer {
            _store: store,
            _clock: clock,
            _secrets: secrets,
        }
    }
    pub fn router_saved(&self, _router_id: u64) {}
    pub fn router_deleted(&self, _router_id: u64) {}
    pub fn customers_changed(&self, _router_ids: &[u64], _customer_ids: &[u64], _cause: Cause) {}
    pub fn plans_changed(&self, _cause: Cause) {}
    pub fn sync_now(&self, _router_id: u64, _cause: Cause) {}
    pub async fn kick(&self, _customer_id: u64, _cause: Cause) -> Result<usize, String> {
        Err("enforcer not merged yet".into())
    }
    pub async fn shutdown(&self) {}
}

/// Connects with these settings and reads what the router is.
pub async fn probe(_router: &Router, _password: &str) -> Result<Probe, String> {
    Err("enforcer not merged yet".into())
}

pub mod log {
    //! The per-router command log (interim shape).
    use crate::store::{Reader, StoreError};
    use jiff::Timestamp;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct LogEntry {
        pub id: u64,
        pub at: Timestamp,
        pub router_id: u64,
        pub command: String,
        pub result: String,
        pub cause: String,
    }

    pub fn recent(
        _r: &impl Reader,
        _router_id: u64,
        _limit: usize,
    ) -> Result<Vec<LogEntry>, StoreError> {
        Ok(Vec::new())
    }
}
