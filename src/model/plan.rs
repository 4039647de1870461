//! The service package record: price, duration, speed, kind; pushed to routers as a hotspot
//! user profile or a PPP profile named `profile`.

use crate::store::{Kind, Record};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    #[default]
    Hotspot,
    Pppoe,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 2] = [ServiceKind::Hotspot, ServiceKind::Pppoe];
    pub fn id(self) -> &'static str {
        match self {
            ServiceKind::Hotspot => "hotspot",
            ServiceKind::Pppoe => "pppoe",
        }
    }
    pub fn parse(s: &str) -> Option<ServiceKind> {
        ServiceKind::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// Optional burst: the client may exceed its rate up to `*_rate` while its average over `time`
/// seconds stays below `*_threshold`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Burst {
    pub download_rate: String,
    pub upload_rate: String,
    pub download_threshold: String,
    pub upload_threshold: String,
    pub time_secs: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: u64,
    pub name: String,
    pub kind: ServiceKind,
    /// Integer minor units of the configured currency.
    pub price: i64,
    /// What a sales agent pays for it (a card or a renewal), minor units; 0: the commission
    /// below applies instead.
    #[serde(default)]
    pub agent_price: i64,
    /// The agent's share of the face price, in percent, when there is no agent price.
    #[serde(default)]
    pub agent_commission_pct: u8,
    pub duration_days: u32,
    #[serde(default)]
    pub duration_hours: u32,
    /// RouterOS rates: `5M`, `512k`.
    pub download: String,
    pub upload: String,
    #[serde(default)]
    pub burst: Option<Burst>,
    pub shared_users: u32,
    /// PPPoE only: local address and remote address or pool name.
    #[serde(default)]
    pub local_address: String,
    #[serde(default)]
    pub remote_address: String,
    /// The profile name on the routers; fixed at creation so renaming a plan moves nobody.
    pub profile: String,
    pub active: bool,
    #[serde(default)]
    pub description: String,
    pub created_at: Timestamp,
}

impl Record for Plan {
    const KIND: Kind = Kind::Plans;
}

impl Plan {
    /// `rx/tx` from the router's view: upload first, then download (and burst parts).
    pub fn rate_limit(&self) -> String {
        let mut s = format!("{}/{}", self.upload, self.download);
        if let Some(b) = &self.burst {
            s.push_str(&format!(
                " {}/{} {}/{} {}/{}",
                b.upload_rate,
                b.download_rate,
                b.upload_threshold,
                b.download_threshold,
                b.time_secs,
                b.time_secs
            ));
        }
        s
    }

    pub fn duration(&self) -> SignedDuration {
        SignedDuration::from_hours(
            i64::from(self.duration_days) * 24 + i64::from(self.duration_hours),
        )
    }
}
