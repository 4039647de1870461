//! A registered router and its last observed state.

use super::SecretBox;
use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::routeros::LoginMethod;
use crate::store::{Index, KeyedKind, KeyedRecord, Kind, Reader, Record, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Router {
    pub id: u64,
    pub name: String,
    pub host: String,
    pub port: u16,
    /// api-ssl (8729) instead of plain api (8728).
    pub tls: bool,
    /// SHA-256 of the router's certificate, hex, when trusted on first use.
    #[serde(default)]
    pub tls_fingerprint: String,
    pub username: String,
    /// The API password, sealed by `SecretBox`; never shown again after saving.
    pub password_sealed: String,
    pub login_method: LoginMethodId,
    /// The hotspot server customers are added to (`all` for every server); empty: no hotspot.
    #[serde(default)]
    pub hotspot_server: String,
    /// The hotspot's DNS name (`/ip/hotspot/profile` `dns-name`), which voucher cards' QR codes
    /// open; empty: the router's `host`.
    #[serde(default)]
    pub hotspot_dns: String,
    /// PPPoE secrets are managed on this router.
    #[serde(default)]
    pub pppoe: bool,
    /// An expired PPPoE customer stays connected on the `steppe-expired` profile, fenced in to
    /// the pay page, instead of being disabled (needs QPay with a pay address).
    #[serde(default)]
    pub please_pay: bool,
    #[serde(default)]
    pub note: String,
    /// The LTE modem port for `/tool/sms/send`; empty means `lte1`.
    #[serde(default)]
    pub sms_port: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub created_by: String,
}

impl Record for Router {
    const KIND: Kind = Kind::Routers;
}

/// The login method as stored (the protocol type stays free of serde).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LoginMethodId {
    #[default]
    Auto,
    Plain,
    Challenge,
}

impl LoginMethodId {
    pub const ALL: [LoginMethodId; 3] = [
        LoginMethodId::Auto,
        LoginMethodId::Plain,
        LoginMethodId::Challenge,
    ];

    pub fn id(self) -> &'static str {
        match self {
            LoginMethodId::Auto => "auto",
            LoginMethodId::Plain => "plain",
            LoginMethodId::Challenge => "challenge",
        }
    }

    pub fn parse(s: &str) -> Option<LoginMethodId> {
        LoginMethodId::ALL.into_iter().find(|m| m.id() == s)
    }

    pub fn protocol(self) -> LoginMethod {
        match self {
            LoginMethodId::Auto => LoginMethod::Auto,
            LoginMethodId::Plain => LoginMethod::Plain,
            LoginMethodId::Challenge => LoginMethod::Challenge,
        }
    }
}

impl Router {
    /// The audit/API view: no password, sealed or not.
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("password_sealed");
        }
        v
    }

    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Where a phone on this router's hotspot reaches its login page (URL authority form).
    pub fn hotspot_host(&self) -> String {
        let h = if self.hotspot_dns.is_empty() {
            self.host.as_str()
        } else {
            self.hotspot_dns.as_str()
        };
        if h.contains(':') && !h.starts_with('[') {
            format!("[{h}]")
        } else {
            h.to_string()
        }
    }
}

/// The editable fields, as submitted. An empty `password` on edit keeps the stored one.
#[derive(Debug, Clone, Default)]
pub struct RouterDraft {
    pub name: String,
    pub host: String,
    pub port: String,
    pub tls: bool,
    pub tls_fingerprint: String,
    pub username: String,
    pub password: String,
    pub login_method: String,
    pub hotspot_server: String,
    pub hotspot_dns: String,
    pub pppoe: bool,
    pub please_pay: bool,
    pub note: String,
}

struct Checked {
    name: String,
    host: String,
    port: u16,
    tls_fingerprint: String,
    username: String,
    login_method: LoginMethodId,
    hotspot_server: String,
    hotspot_dns: String,
    note: String,
}

fn check(d: &RouterDraft, p: &mut Problems) -> Checked {
    let name = p.text("name", &d.name, 60, true, false);
    let host = p.text("host", &d.host, 253, true, false);
    if !host.is_empty()
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    {
        p.add("host", Msg::InvalidHost);
    }
    let port = if d.port.trim().is_empty() {
        if d.tls { 8729 } else { 8728 }
    } else {
        match d.port.trim().parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => {
                p.add("port", Msg::InvalidPort);
                0
            }
        }
    };
    let tls_fingerprint: String = d.tls_fingerprint.trim().replace(':', "").to_lowercase();
    if !tls_fingerprint.is_empty()
        && (tls_fingerprint.len() != 64 || !tls_fingerprint.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        p.add("tls_fingerprint", Msg::InvalidFingerprint);
    }
    let username = p.text("username", &d.username, 64, true, false);
    let login_method = LoginMethodId::parse(d.login_method.trim()).unwrap_or_else(|| {
        p.add("login_method", Msg::InvalidChoice);
        LoginMethodId::Auto
    });
    let hotspot_server = p.text("hotspot_server", &d.hotspot_server, 64, false, false);
    if hotspot_server.is_empty() && !d.pppoe {
        p.add("hotspot_server", Msg::NoServiceKind);
    }
    let hotspot_dns = p
        .text("hotspot_dns", &d.hotspot_dns, 253, false, false)
        .to_ascii_lowercase();
    // It goes into a URL printed on cards: a host name or address, nothing that could end it.
    if !hotspot_dns
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    {
        p.add("hotspot_dns", Msg::InvalidHost);
    }
    let note = p.text("note", &d.note, 1000, false, true);
    Checked {
        name,
        host,
        port,
        tls_fingerprint,
        username,
        login_method,
        hotspot_server,
        hotspot_dns,
        note,
    }
}

/// Whether these settings could reach another listener than the one `before`'s password was
/// typed for.
fn moved(before: &Router, c: &Checked, tls: bool) -> bool {
    c.host != before.host
        || c.port != before.port
        || tls != before.tls
        // A first pin only narrows who is trusted (api-ssl without one is refused, so the
        // password was never sent); replacing a pin could name anyone's certificate.
        || (!before.tls_fingerprint.is_empty() && c.tls_fingerprint != before.tls_fingerprint)
        || c.login_method != before.login_method
}

/// The fields a connection test needs; the rest of a half-filled form does not stop it.
const CONNECTION: &[&str] = &[
    "host",
    "port",
    "tls_fingerprint",
    "username",
    "login_method",
];

/// The router a form describes, unsaved, for "Test connection" before saving, with the
/// password to try: the typed one, else the stored one, but only for the server it was saved
/// for (as `update` rules).
pub fn to_try(
    d: &RouterDraft,
    stored: Option<&Router>,
    secrets: &SecretBox,
) -> std::result::Result<(Router, String), Problems> {
    let mut all = Problems::default();
    let c = check(d, &mut all);
    let mut p = Problems(
        all.0
            .into_iter()
            .filter(|x| CONNECTION.contains(&x.field))
            .collect(),
    );
    let password = match stored {
        _ if d.password.chars().count() > 128 => {
            p.add_arg("password", Msg::TooLong, 128);
            None
        }
        _ if !d.password.is_empty() => Some(d.password.clone()),
        Some(s) if !moved(s, &c, d.tls) => {
            let kept = secrets.open_sealed(&s.password_sealed);
            if kept.is_none() {
                p.add("password", Msg::Required);
            }
            kept
        }
        Some(_) => {
            p.add("password", Msg::PasswordForNewServer);
            None
        }
        None => {
            p.add("password", Msg::Required);
            None
        }
    };
    p.check()?;
    let r = Router {
        id: stored.map_or(0, |s| s.id),
        name: c.name,
        host: c.host,
        port: c.port,
        tls: d.tls,
        tls_fingerprint: c.tls_fingerprint,
        username: c.username,
        password_sealed: String::new(),
        login_method: c.login_method,
        hotspot_server: c.hotspot_server,
        hotspot_dns: c.hotspot_dns,
        pppoe: d.pppoe,
        please_pay: d.please_pay,
        note: String::new(),
        sms_port: String::new(),
        created_at: Timestamp::UNIX_EPOCH,
        created_by: String::new(),
    };
    Ok((r, password.unwrap_or_default()))
}

fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub fn create(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    secrets: &SecretBox,
    d: &RouterDraft,
) -> Result<Router> {
    let mut p = Problems::default();
    let c = check(d, &mut p);
    let password = d.password.clone();
    if password.is_empty() {
        p.add("password", Msg::Required);
    } else if password.chars().count() > 128 {
        p.add_arg("password", Msg::TooLong, 128);
    }
    if p.get("name").is_none()
        && w.index_get(Index::RouterName, &name_key(&c.name))?
            .is_some()
    {
        p.add("name", Msg::NameTaken);
    }
    p.check()?;
    let id = w.next_id(Kind::Routers)?;
    let r = Router {
        id,
        name: c.name,
        host: c.host,
        port: c.port,
        tls: d.tls,
        tls_fingerprint: c.tls_fingerprint,
        username: c.username,
        password_sealed: secrets.seal(&password),
        login_method: c.login_method,
        hotspot_server: c.hotspot_server,
        hotspot_dns: c.hotspot_dns,
        pppoe: d.pppoe,
        please_pay: d.please_pay,
        note: c.note,
        sms_port: String::new(),
        created_at: now,
        created_by: actor.username.clone(),
    };
    w.put(id, &r)?;
    w.index_put(Index::RouterName, &name_key(&r.name), id)?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "router",
        id,
        audit::snapshot(&r.view()),
    )?;
    Ok(r)
}

pub fn update(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    secrets: &SecretBox,
    id: u64,
    d: &RouterDraft,
) -> Result<Router> {
    let before = w.get::<Router>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let c = check(d, &mut p);
    if d.password.chars().count() > 128 {
        p.add_arg("password", Msg::TooLong, 128);
    }
    if p.get("name").is_none()
        && w.index_get(Index::RouterName, &name_key(&c.name))?
            .is_some_and(|o| o != id)
    {
        p.add("name", Msg::NameTaken);
    }
    // Switching a service off would leave its customers' entries unmanaged (and enabled).
    for cust in crate::billing::customer::on_router(w, id)?
        .iter()
        .filter(|c| !c.archived)
    {
        let kind = w.get::<crate::billing::Plan>(cust.plan_id)?.map(|p| p.kind);
        if kind == Some(crate::billing::ServiceKind::Hotspot) && c.hotspot_server.is_empty() {
            p.add("hotspot_server", Msg::ServiceInUse);
            break;
        }
        if kind == Some(crate::billing::ServiceKind::Pppoe) && !d.pppoe {
            p.add("pppoe", Msg::ServiceInUse);
            break;
        }
    }
    // The stored API password goes only where it was typed for: a new address, port, TLS
    // setting, pinned certificate or login method could be anyone's listener (and the router
    // is then handed every customer's service password), so it must be typed again for it.
    if moved(&before, &c, d.tls) && d.password.is_empty() {
        p.add("password", Msg::PasswordForNewServer);
    }
    p.check()?;
    let after = Router {
        name: c.name,
        host: c.host,
        port: c.port,
        tls: d.tls,
        tls_fingerprint: c.tls_fingerprint,
        username: c.username,
        password_sealed: if d.password.is_empty() {
            before.password_sealed.clone()
        } else {
            secrets.seal(&d.password)
        },
        login_method: c.login_method,
        hotspot_server: c.hotspot_server,
        hotspot_dns: c.hotspot_dns,
        pppoe: d.pppoe,
        please_pay: d.please_pay,
        note: c.note,
        ..before.clone()
    };
    w.put(id, &after)?;
    if name_key(&before.name) != name_key(&after.name) {
        w.index_remove(Index::RouterName, &name_key(&before.name))?;
        w.index_put(Index::RouterName, &name_key(&after.name), id)?;
    }
    let mut summary = audit::changes(&before.view(), &after.view());
    if before.password_sealed != after.password_sealed {
        summary.push_str(if summary.is_empty() {
            "password changed"
        } else {
            "; password changed"
        });
    }
    audit::record(w, now, actor, "update", "router", id, summary)?;
    Ok(after)
}

/// Deletes a router that no customer uses.
pub fn delete(w: &mut Write, now: Timestamp, actor: &Actor, id: u64) -> Result<()> {
    let r = w.get::<Router>(id)?.ok_or(Error::NotFound)?;
    if crate::billing::customer::count_on_router(w, id)? > 0 {
        return Err(Error::Conflict(Msg::RouterInUse));
    }
    // Cards are accounted for to the last one, void or used up too: their router stays named.
    if !w
        .set_members(crate::store::Set::VoucherCardsByRouter, id)?
        .is_empty()
    {
        return Err(Error::Conflict(Msg::RouterHasCards));
    }
    w.remove::<Router>(id)?;
    w.index_remove(Index::RouterName, &name_key(&r.name))?;
    w.kremove::<RouterState>(&id.to_string())?;
    audit::record(
        w,
        now,
        actor,
        "delete",
        "router",
        id,
        audit::snapshot(&r.view()),
    )?;
    Ok(())
}

pub fn list(r: &impl Reader) -> Result<Vec<Router>, StoreError> {
    r.list::<Router>()
}

/// Reachability as last seen by the router's reconciler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RouterStatus {
    /// Not contacted yet since it was added or since Steppe started.
    #[default]
    Unknown,
    Online,
    Offline,
    AuthFailed,
}

impl RouterStatus {
    pub fn id(self) -> &'static str {
        match self {
            RouterStatus::Unknown => "unknown",
            RouterStatus::Online => "online",
            RouterStatus::Offline => "offline",
            RouterStatus::AuthFailed => "auth_failed",
        }
    }
}

/// What the reconciler last learned of a router; persisted so it survives restarts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RouterState {
    pub status: RouterStatus,
    #[serde(default)]
    pub last_error: String,
    #[serde(default)]
    pub last_error_at: Option<Timestamp>,
    #[serde(default)]
    pub last_seen: Option<Timestamp>,
    #[serde(default)]
    pub last_sync: Option<Timestamp>,
    #[serde(default)]
    pub identity: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub board: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub uptime_secs: u64,
    #[serde(default)]
    pub cpu_load: u64,
    #[serde(default)]
    pub free_memory: u64,
    #[serde(default)]
    pub total_memory: u64,
    /// Managed users/secrets present on the router after the last sync.
    #[serde(default)]
    pub managed_users: u64,
    #[serde(default)]
    pub active_sessions: u64,
    /// Changes the store wants that the router does not have yet (while offline).
    #[serde(default)]
    pub pending_changes: u64,
}

impl KeyedRecord for RouterState {
    const KIND: KeyedKind = KeyedKind::RouterStates;
}

pub fn state(r: &impl Reader, id: u64) -> Result<RouterState, StoreError> {
    Ok(r.kget::<RouterState>(&id.to_string())?.unwrap_or_default())
}

impl RouterDraft {
    /// The router as its edit form and a PATCH start from (no password: kept unless retyped).
    pub fn of(r: &Router) -> RouterDraft {
        RouterDraft {
            name: r.name.clone(),
            host: r.host.clone(),
            port: r.port.to_string(),
            tls: r.tls,
            tls_fingerprint: r.tls_fingerprint.clone(),
            username: r.username.clone(),
            password: String::new(),
            login_method: r.login_method.id().into(),
            hotspot_server: r.hotspot_server.clone(),
            hotspot_dns: r.hotspot_dns.clone(),
            pppoe: r.pppoe,
            please_pay: r.please_pay,
            note: r.note.clone(),
        }
    }
}
