//! Migration from a router that is already in service: read its hotspot users, PPP secrets and
//! profiles, preview them as plans and customers, and commit them in one transaction. Nothing on
//! the router is changed by the import itself; the reconciler then adopts the entries.

use super::{Router, SecretBox};
use crate::audit::Actor;
use crate::billing::customer::{self, CustomerDraft, parse_marker};
use crate::billing::plan::{self, PlanDraft, ServiceKind, parse_rate};
use crate::error::Result;
use crate::i18n::Msg;
use crate::routeros::menus::{HotspotProfile, HotspotUser, Menu, PppProfile, PppSecret};
use crate::routeros::{Client, ClientConfig, TlsMode};
use crate::store::{Index, Reader, Write};

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// A router profile that becomes a plan (or maps onto an existing plan with that profile).
#[derive(Debug, Clone, Serialize)]
pub struct ImportPlan {
    pub profile: String,
    pub kind: ServiceKind,
    pub rate_limit: String,
    pub download: String,
    pub upload: String,
    pub shared_users: u32,
    pub local_address: String,
    pub remote_address: String,
    /// A plan already managing this profile.
    pub existing_plan: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportCustomer {
    pub login: String,
    pub password: String,
    pub profile: String,
    pub kind: ServiceKind,
    pub disabled: bool,
    pub comment: String,
    /// The expiry the router's own data gives, if any, and where it was read.
    pub expires_at: Option<Timestamp>,
    pub expiry_from: Option<ExpiryFrom>,
    /// Why it will not be imported, if so (in the reader's language on the page).
    #[serde(serialize_with = "skip_en")]
    pub skip: Option<Msg>,
}

/// Where a router entry's expiry was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExpiryFrom {
    /// A date written in the entry's comment.
    Comment,
    /// A hotspot user's `limit-uptime` less the `uptime` already used, from now.
    UptimeLeft,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportPreview {
    pub plans: Vec<ImportPlan>,
    pub customers: Vec<ImportCustomer>,
}

/// How profiles without a rate limit are given one: RouterOS treats an empty limit as unlimited.
const UNLIMITED: &str = "1G";

/// Splits a RouterOS `rx/tx` rate limit into (upload, download), ignoring burst parts.
fn split_rate(limit: &str) -> (String, String) {
    let first = limit.split_whitespace().next().unwrap_or("");
    let (rx, tx) = first.split_once('/').unwrap_or((first, first));
    let ok = |s: &str| {
        if parse_rate(s).is_some() {
            s.to_string()
        } else {
            UNLIMITED.to_string()
        }
    };
    (ok(rx), ok(tx))
}

/// The burst parts of a RouterOS rate limit (`rx/tx rxb/txb rxt/txt rxtime/txtime`):
/// (upload, download, upload threshold, download threshold, seconds), when all are valid.
fn burst_parts(limit: &str) -> Option<(String, String, String, String, String)> {
    let parts: Vec<&str> = limit.split_whitespace().collect();
    let pair = |s: &str| {
        s.split_once('/')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap_or((s.to_string(), s.to_string()))
    };
    let (bu, bd) = pair(parts.get(1)?);
    let (tu, td) = pair(parts.get(2)?);
    let time = pair(parts.get(3)?).0.trim_end_matches('s').to_string();
    let rates_ok = [&bu, &bd, &tu, &td].iter().all(|r| parse_rate(r).is_some());
    (rates_ok && time.parse::<u32>().is_ok_and(|t| t > 0)).then_some((bu, bd, tu, td, time))
}

/// Finds a date (and optional time) in a free-text comment: `2026-12-31`, `2026/12/31 18:00`,
/// `2026.12.31`, `exp:2026-12-31T18:00`.
pub fn expiry_in_comment(comment: &str, tz: &jiff::tz::TimeZone) -> Option<Timestamp> {
    for (start, _) in comment.char_indices() {
        let rest = &comment[start..];
        if rest.len() < 10 || !rest.is_char_boundary(10) {
            continue;
        }
        let candidate = rest[..10].replace(['/', '.'], "-");
        let Ok(date) = candidate.parse::<Date>() else {
            continue;
        };
        let time = rest[10..].trim_start_matches([' ', 'T']);
        let dt = if time.len() >= 5 && time.is_char_boundary(5) {
            format!("{date}T{}", &time[..5]).parse::<DateTime>().ok()
        } else {
            None
        };
        // A bare date means service through the end of that day.
        let dt = dt.unwrap_or_else(|| date.to_datetime(jiff::civil::time(23, 59, 59, 0)));
        return dt.to_zoned_datetime(tz.clone()).ok().map(|z| z.timestamp());
    }
    None
}

/// What the preview needs to know of the store (read before talking to the router, so no
/// database snapshot is held across the network round trips).
pub trait ImportIndex {
    fn login_exists(&self, router_id: u64, login: &str) -> bool;
    fn plan_with_profile(&self, profile: &str) -> Option<u64>;
}

/// Connects with the router's settings and reads what could be imported.
pub async fn read(
    router: &Router,
    password: &str,
    r: &impl ImportIndex,
    tz: &jiff::tz::TimeZone,
    now: Timestamp,
) -> Result<ImportPreview, String> {
    let client = connect(router, password).await?;
    let mut plans: BTreeMap<(ServiceKind, String), ImportPlan> = BTreeMap::new();
    let mut customers = Vec::new();
    let existing = |profile: &str| r.plan_with_profile(profile);
    if !router.hotspot_server.is_empty() {
        for p in Menu::<HotspotProfile>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
        {
            let name = p.name.clone().unwrap_or_default();
            let (upload, download) = split_rate(p.rate_limit.as_deref().unwrap_or(""));
            plans.insert(
                (ServiceKind::Hotspot, name.clone()),
                ImportPlan {
                    existing_plan: existing(&name),
                    profile: name,
                    kind: ServiceKind::Hotspot,
                    rate_limit: p.rate_limit.unwrap_or_default(),
                    download,
                    upload,
                    shared_users: p
                        .shared_users
                        .and_then(|s| u32::try_from(s).ok())
                        .unwrap_or(1)
                        .max(1),
                    local_address: String::new(),
                    remote_address: String::new(),
                },
            );
        }
        for u in Menu::<HotspotUser>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
        {
            let left = uptime_left(u.limit_uptime, u.uptime);
            let mut c = entry(
                r,
                router.id,
                ServiceKind::Hotspot,
                u.name.unwrap_or_default(),
                u.password.unwrap_or_default(),
                u.profile.unwrap_or_else(|| "default".into()),
                u.disabled.unwrap_or(false),
                u.comment.unwrap_or_default(),
                tz,
            );
            // A date the operator wrote wins over the online time the router counts.
            if let (None, Some(left)) = (c.expires_at, left) {
                c.expires_at = now.checked_add(left).ok();
                c.expiry_from = c.expires_at.map(|_| ExpiryFrom::UptimeLeft);
            }
            customers.push(c);
        }
    }
    if router.pppoe {
        for p in Menu::<PppProfile>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
        {
            let name = p.name.clone().unwrap_or_default();
            let (upload, download) = split_rate(p.rate_limit.as_deref().unwrap_or(""));
            plans.insert(
                (ServiceKind::Pppoe, name.clone()),
                ImportPlan {
                    existing_plan: existing(&name),
                    profile: name,
                    kind: ServiceKind::Pppoe,
                    rate_limit: p.rate_limit.unwrap_or_default(),
                    download,
                    upload,
                    shared_users: 1,
                    local_address: p.local_address.unwrap_or_default(),
                    remote_address: p.remote_address.unwrap_or_default(),
                },
            );
        }
        for s in Menu::<PppSecret>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
        {
            customers.push(entry(
                r,
                router.id,
                ServiceKind::Pppoe,
                s.name.unwrap_or_default(),
                s.password.unwrap_or_default(),
                s.profile.unwrap_or_else(|| "default".into()),
                s.disabled.unwrap_or(false),
                s.comment.unwrap_or_default(),
                tz,
            ));
        }
    }
    client.close();
    // Only profiles someone uses become plans.
    let used: std::collections::HashSet<(ServiceKind, String)> = customers
        .iter()
        .filter(|c| c.skip.is_none())
        .map(|c| (c.kind, c.profile.clone()))
        .collect();
    let plans = plans
        .into_iter()
        .filter(|(k, _)| used.contains(k))
        .map(|(_, v)| v)
        .collect();
    Ok(ImportPreview { plans, customers })
}

/// The online time a hotspot user has left, when the router limits it (`limit-uptime` 0 is
/// no limit); at most ten years, so a hostile value cannot overflow a date.
fn uptime_left(limit: Option<Duration>, used: Option<Duration>) -> Option<jiff::SignedDuration> {
    let limit = limit.filter(|l| !l.is_zero())?;
    let left = limit
        .saturating_sub(used.unwrap_or_default())
        .min(Duration::from_secs(3660 * 86_400));
    jiff::SignedDuration::try_from(left).ok()
}

fn skip_en<S: serde::Serializer>(m: &Option<Msg>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_some(&m.map(Msg::en))
}

#[allow(clippy::too_many_arguments)]
fn entry(
    r: &impl ImportIndex,
    router_id: u64,
    kind: ServiceKind,
    login: String,
    password: String,
    profile: String,
    disabled: bool,
    comment: String,
    tz: &jiff::tz::TimeZone,
) -> ImportCustomer {
    let skip = if parse_marker(&comment).is_some() {
        Some(Msg::ImportSkipManaged)
    } else if r.login_exists(router_id, &login) {
        Some(Msg::ImportSkipLoginTaken)
    } else if !customer::valid_login(&login) {
        Some(Msg::ImportSkipBadLogin)
    } else if password.is_empty() || password.contains(' ') {
        Some(Msg::ImportSkipBadPassword)
    } else {
        None
    };
    let expires_at = expiry_in_comment(&comment, tz);
    ImportCustomer {
        expiry_from: expires_at.map(|_| ExpiryFrom::Comment),
        expires_at,
        login,
        password,
        profile,
        kind,
        disabled,
        comment,
        skip,
    }
}

pub(crate) async fn connect(router: &Router, password: &str) -> Result<Client, String> {
    let mut cfg = ClientConfig::new(&router.host, router.port, &router.username, password);
    cfg.login = router.login_method.protocol();
    cfg.command_timeout = Duration::from_secs(30);
    if router.tls {
        let fp = router
            .tls_fingerprint
            .parse()
            .map_err(|_| "api-ssl needs a pinned certificate fingerprint".to_string())?;
        cfg.tls = Some(TlsMode::Pinned(fp));
    }
    Client::connect(&cfg).await.map_err(|e| e.to_string())
}

/// What the operator chose on the preview.
#[derive(Debug, Clone)]
pub struct ImportChoices {
    /// Price (minor units) and days of each new package, by (kind, profile).
    pub plans: BTreeMap<(ServiceKind, String), (i64, u32)>,
    /// The rows to import, by (kind, login); the rest are left on the router, unmanaged.
    pub take: HashSet<(ServiceKind, String)>,
    /// Service until, for an enabled entry the router gives no date for.
    pub expires_at: Timestamp,
}

impl ImportPreview {
    /// The rows that will be imported with these choices.
    pub fn taken<'a>(
        &'a self,
        take: &'a HashSet<(ServiceKind, String)>,
    ) -> impl Iterator<Item = &'a ImportCustomer> {
        self.customers
            .iter()
            .filter(|c| c.skip.is_none() && take.contains(&(c.kind, c.login.clone())))
    }

    /// The new packages those rows need (a profile nobody imported is left alone).
    pub fn needed(&self, take: &HashSet<(ServiceKind, String)>) -> Vec<&ImportPlan> {
        let used: HashSet<(ServiceKind, &str)> = self
            .taken(take)
            .map(|c| (c.kind, c.profile.as_str()))
            .collect();
        self.plans
            .iter()
            .filter(|p| used.contains(&(p.kind, p.profile.as_str())))
            .collect()
    }
}

/// Creates the chosen plans and customers of a preview in one transaction; returns (plans,
/// customers). Run again, it finds the logins and profiles it made and makes nothing twice.
#[allow(clippy::too_many_arguments)]
pub fn commit(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    secrets: &SecretBox,
    tz: &jiff::tz::TimeZone,
    router: &Router,
    preview: &ImportPreview,
    choices: &ImportChoices,
) -> Result<(usize, usize)> {
    let mut plan_ids: BTreeMap<(ServiceKind, String), u64> = BTreeMap::new();
    let mut plans_created = 0;
    for p in preview.needed(&choices.take) {
        let key = (p.kind, p.profile.clone());
        let id = match p
            .existing_plan
            .and_then(|id| w.get::<plan::Plan>(id).ok().flatten())
        {
            Some(existing) => existing.id,
            None => {
                let Some((price, days)) = choices.plans.get(&key) else {
                    return Err(crate::error::Error::Invalid(
                        crate::validate::Problems::one(
                            "price",
                            crate::i18n::Msg::ImportPlanChoices,
                        ),
                    ));
                };
                let mut name = p.profile.clone();
                if w.index_get(Index::PlanName, &name.to_lowercase())?
                    .is_some()
                {
                    name = format!("{name} ({})", router.name);
                }
                // The router's burst settings come along, so adopting the profile changes nothing.
                let (
                    burst_upload,
                    burst_download,
                    burst_threshold_upload,
                    burst_threshold_download,
                    burst_time,
                ) = burst_parts(&p.rate_limit).unwrap_or_default();
                let d = PlanDraft {
                    name,
                    burst_upload,
                    burst_download,
                    burst_threshold_upload,
                    burst_threshold_download,
                    burst_time,
                    kind: p.kind.id().into(),
                    price: price.to_string(),
                    duration_days: days.to_string(),
                    download: p.download.clone(),
                    upload: p.upload.clone(),
                    shared_users: p.shared_users.to_string(),
                    local_address: p.local_address.clone(),
                    remote_address: p.remote_address.clone(),
                    active: true,
                    description: format!("Imported from {} ({})", router.name, p.rate_limit),
                    ..Default::default()
                };
                plans_created += 1;
                plan::create_with_profile(w, now, actor, &d, Some(&p.profile))?.id
            }
        };
        plan_ids.insert(key, id);
    }
    let mut customers_created = 0;
    for c in preview.taken(&choices.take) {
        let Some(plan_id) = plan_ids.get(&(c.kind, c.profile.clone())) else {
            continue;
        };
        let expires_at = c
            .expires_at
            .unwrap_or(if c.disabled { now } else { choices.expires_at });
        let d = CustomerDraft {
            kind: "individual".into(),
            name: c.login.clone(),
            note: c.comment.clone(),
            login: c.login.clone(),
            password: c.password.clone(),
            router_id: router.id.to_string(),
            plan_id: plan_id.to_string(),
            status: if c.disabled {
                "disabled".into()
            } else {
                "active".into()
            },
            expires_at: expires_at.to_string(),
            ..Default::default()
        };
        customer::create(w, now, actor, secrets, d.parse(tz), true)?;
        customers_created += 1;
    }
    Ok((plans_created, customers_created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_expiry_dates_in_comments() {
        let ub = jiff::tz::TimeZone::get("Asia/Ulaanbaatar").unwrap();
        let t = expiry_in_comment("paid, exp 2026/12/31", &ub).unwrap();
        assert_eq!(t.to_string(), "2026-12-31T15:59:59Z");
        let t = expiry_in_comment("exp:2026-03-01T18:30 cash", &ub).unwrap();
        assert_eq!(t.to_string(), "2026-03-01T10:30:00Z");
        assert_eq!(expiry_in_comment("Бат 99112233", &ub), None);
        assert_eq!(expiry_in_comment("", &ub), None);
    }

    #[test]
    fn online_time_left_is_the_limit_less_what_was_used() {
        let d = Duration::from_secs;
        let left = |l, u| uptime_left(Some(d(l)), Some(d(u))).map(|s| s.as_secs());
        assert_eq!(left(864_000, 86_400), Some(777_600));
        assert_eq!(left(3600, 7200), Some(0), "used up");
        assert_eq!(left(0, 5), None, "0 is no limit");
        assert_eq!(left(u64::MAX, 0), Some(3660 * 86_400), "bounded");
        assert_eq!(uptime_left(None, Some(d(5))), None);
    }

    #[test]
    fn bursts_come_along() {
        assert_eq!(
            burst_parts("2M/5M 4M/10M 1M/2M 16/16"),
            Some((
                "4M".into(),
                "10M".into(),
                "1M".into(),
                "2M".into(),
                "16".into()
            ))
        );
        assert_eq!(burst_parts("2M/5M"), None);
        assert_eq!(burst_parts("2M/5M x/y 1M/2M 16/16"), None);
    }

    #[test]
    fn rate_limits_split_into_upload_and_download() {
        assert_eq!(
            split_rate("2M/5M 4M/10M 1M/2M 16/16"),
            ("2M".into(), "5M".into())
        );
        assert_eq!(split_rate("512k"), ("512k".into(), "512k".into()));
        assert_eq!(split_rate(""), (UNLIMITED.into(), UNLIMITED.into()));
    }
}
