//! Service packages: price, duration, speed, kind. Each is pushed to routers as a hotspot user
//! profile or a PPP profile named `profile`.

use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
pub use crate::model::plan::*;
use crate::store::{Index, Kind, Reader, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;

/// Parses a RouterOS rate (`512k`, `5M`, `1G`, `64000`) into bits per second.
pub fn parse_rate(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, mult) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 1_000),
        b'M' => (&s[..s.len() - 1], 1_000_000),
        b'G' => (&s[..s.len() - 1], 1_000_000_000),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 12 {
        return None;
    }
    digits
        .parse::<u64>()
        .ok()?
        .checked_mul(mult)
        .filter(|v| *v > 0)
}

/// The editable fields, as submitted.
#[derive(Debug, Clone, Default)]
pub struct PlanDraft {
    pub name: String,
    pub kind: String,
    pub price: String,
    /// Minor units like `price`; empty for none.
    pub agent_price: String,
    /// Percent, 0–100; empty for none.
    pub agent_commission: String,
    pub duration_days: String,
    pub duration_hours: String,
    pub download: String,
    pub upload: String,
    pub burst_download: String,
    pub burst_upload: String,
    pub burst_threshold_download: String,
    pub burst_threshold_upload: String,
    pub burst_time: String,
    pub shared_users: String,
    pub local_address: String,
    pub remote_address: String,
    pub active: bool,
    pub description: String,
}

fn number<T: std::str::FromStr>(
    p: &mut Problems,
    field: &'static str,
    s: &str,
    default: Option<T>,
) -> Option<T> {
    let s = s.trim();
    if s.is_empty() {
        if default.is_none() {
            p.add(field, Msg::Required);
        }
        return default;
    }
    match s.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            p.add(field, Msg::InvalidNumber);
            None
        }
    }
}

fn rate(p: &mut Problems, field: &'static str, s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        p.add(field, Msg::Required);
    } else if parse_rate(s).is_none() {
        p.add(field, Msg::InvalidRate);
    }
    s.to_string()
}

/// Characters RouterOS and operators both read without surprises in a profile name.
fn profile_name(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "plan".into() } else { s }
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Validates a draft into a plan (id, profile and created_at are the caller's).
fn check(d: &PlanDraft, p: &mut Problems) -> Option<Plan> {
    let name = p.text("name", &d.name, 60, true, false);
    let kind = ServiceKind::parse(d.kind.trim());
    if kind.is_none() {
        p.add("kind", Msg::InvalidChoice);
    }
    let price: Option<i64> = number(p, "price", &d.price, None);
    // A free bill would never need settling, and service would never be granted by payment.
    if price.is_some_and(|v| v <= 0) {
        p.add("price", Msg::PositiveAmount);
    }
    let agent_price: Option<i64> = number(p, "agent_price", &d.agent_price, Some(0));
    if agent_price.is_some_and(|v| v < 0 || price.is_some_and(|full| v > full)) {
        p.add("agent_price", Msg::AgentPriceRange);
    }
    let agent_commission: Option<u8> = number(p, "agent_commission", &d.agent_commission, Some(0));
    if agent_commission.is_some_and(|v| v > 100) {
        p.add("agent_commission", Msg::PercentRange);
    }
    let days: Option<u32> = number(p, "duration_days", &d.duration_days, Some(0));
    let hours: Option<u32> = number(p, "duration_hours", &d.duration_hours, Some(0));
    if hours.is_some_and(|h| h > 23) {
        p.add("duration_hours", Msg::InvalidNumber);
    }
    if days.unwrap_or(0) == 0 && hours.unwrap_or(0) == 0 && p.get("duration_days").is_none() {
        p.add("duration_days", Msg::DurationRequired);
    }
    if days.is_some_and(|d| d > 3660) {
        p.add("duration_days", Msg::InvalidNumber);
    }
    let download = rate(p, "download", &d.download);
    let upload = rate(p, "upload", &d.upload);
    let burst_fields = [
        &d.burst_download,
        &d.burst_upload,
        &d.burst_threshold_download,
        &d.burst_threshold_upload,
        &d.burst_time,
    ];
    let burst = if burst_fields.iter().all(|f| f.trim().is_empty()) {
        None
    } else {
        let b = Burst {
            download_rate: rate(p, "burst_download", &d.burst_download),
            upload_rate: rate(p, "burst_upload", &d.burst_upload),
            download_threshold: rate(p, "burst_threshold_download", &d.burst_threshold_download),
            upload_threshold: rate(p, "burst_threshold_upload", &d.burst_threshold_upload),
            time_secs: number(p, "burst_time", &d.burst_time, None).unwrap_or(0),
        };
        if b.time_secs == 0 && p.get("burst_time").is_none() {
            p.add("burst_time", Msg::InvalidNumber);
        }
        Some(b)
    };
    let shared: Option<u32> = number(p, "shared_users", &d.shared_users, Some(1));
    if shared.is_some_and(|s| s == 0 || s > 1000) {
        p.add("shared_users", Msg::InvalidNumber);
    }
    let local_address = p.text("local_address", &d.local_address, 64, false, false);
    let remote_address = p.text("remote_address", &d.remote_address, 64, false, false);
    for (field, v) in [
        ("local_address", &local_address),
        ("remote_address", &remote_address),
    ] {
        if !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/".contains(c))
        {
            p.add(field, Msg::InvalidAddress);
        }
    }
    let description = p.text("description", &d.description, 500, false, true);
    if !p.is_empty() {
        return None;
    }
    Some(Plan {
        id: 0,
        name,
        kind: kind?,
        price: price?,
        agent_price: agent_price?,
        agent_commission_pct: agent_commission?,
        duration_days: days?,
        duration_hours: hours?,
        download,
        upload,
        burst,
        shared_users: shared?,
        local_address,
        remote_address,
        profile: String::new(),
        active: d.active,
        description,
        created_at: Timestamp::UNIX_EPOCH,
    })
}

pub fn create(w: &mut Write, now: Timestamp, actor: &Actor, d: &PlanDraft) -> Result<Plan> {
    create_with_profile(w, now, actor, d, None)
}

/// Creates a plan; `profile` names an existing router profile to adopt (import), otherwise one
/// is derived from the name.
pub fn create_with_profile(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    d: &PlanDraft,
    profile: Option<&str>,
) -> Result<Plan> {
    let mut p = Problems::default();
    let plan = check(d, &mut p);
    if p.get("name").is_none() && w.index_get(Index::PlanName, &key(&d.name))?.is_some() {
        p.add("name", Msg::NameTaken);
    }
    p.check()?;
    let mut plan = plan.ok_or_else(|| Error::Internal("plan check without problems".into()))?;
    let id = w.next_id(Kind::Plans)?;
    let mut profile = profile.map_or_else(|| profile_name(&plan.name), str::to_string);
    if w.index_get(Index::PlanProfile, &key(&profile))?.is_some() {
        profile = format!("{profile}-{id}");
    }
    plan.id = id;
    plan.profile = profile;
    plan.created_at = now;
    w.put(id, &plan)?;
    w.index_put(Index::PlanName, &key(&plan.name), id)?;
    w.index_put(Index::PlanProfile, &key(&plan.profile), id)?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "plan",
        id,
        audit::snapshot(&serde_json::to_value(&plan).unwrap_or_default()),
    )?;
    Ok(plan)
}

pub fn update(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    d: &PlanDraft,
) -> Result<Plan> {
    let before = w.get::<Plan>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    let plan = check(d, &mut p);
    if p.get("name").is_none()
        && w.index_get(Index::PlanName, &key(&d.name))?
            .is_some_and(|o| o != id)
    {
        p.add("name", Msg::NameTaken);
    }
    if plan.as_ref().is_some_and(|pl| pl.kind != before.kind)
        && (crate::model::customer::count_on_plan(w, id)? > 0 || referenced(w, id)?)
    {
        p.add("kind", Msg::KindInUse);
    }
    p.check()?;
    let plan = plan.ok_or_else(|| Error::Internal("plan check without problems".into()))?;
    let after = Plan {
        id,
        profile: before.profile.clone(),
        created_at: before.created_at,
        ..plan
    };
    w.put(id, &after)?;
    if key(&before.name) != key(&after.name) {
        w.index_remove(Index::PlanName, &key(&before.name))?;
        w.index_put(Index::PlanName, &key(&after.name), id)?;
    }
    let summary = audit::changes(
        &serde_json::to_value(&before).unwrap_or_default(),
        &serde_json::to_value(&after).unwrap_or_default(),
    );
    audit::record(w, now, actor, "update", "plan", id, summary)?;
    Ok(after)
}

/// Deletes a plan nobody is on; otherwise it can only be deactivated.
pub fn delete(w: &mut Write, now: Timestamp, actor: &Actor, id: u64) -> Result<()> {
    let plan = w.get::<Plan>(id)?.ok_or(Error::NotFound)?;
    if crate::model::customer::count_on_plan(w, id)? > 0 {
        return Err(Error::Conflict(Msg::PlanInUse));
    }
    if referenced(w, id)? {
        return Err(Error::Conflict(Msg::PlanStillReferenced));
    }
    w.remove::<Plan>(id)?;
    w.index_remove(Index::PlanName, &key(&plan.name))?;
    w.index_remove(Index::PlanProfile, &key(&plan.profile))?;
    audit::record(
        w,
        now,
        actor,
        "delete",
        "plan",
        id,
        audit::snapshot(&serde_json::to_value(&plan).unwrap_or_default()),
    )?;
    Ok(())
}

/// Whether a customer's next package, an open bill or a batch of voucher cards still points
/// at the plan.
fn referenced(r: &impl Reader, id: u64) -> Result<bool, StoreError> {
    let mut found = false;
    r.scan::<crate::billing::Customer>(false, |c| {
        found |= c.next_plan_id == Some(id);
        !found
    })?;
    Ok(found
        || crate::billing::ledger::pending_bills(r, usize::MAX)?
            .iter()
            .any(|b| b.plan_id == id)
        // A batch's cards are hotspot users on the package's profile, printed with its name.
        || r.list::<crate::model::voucher::Batch>()?
            .iter()
            .any(|b| b.plan_id == id))
}

pub fn list(r: &impl Reader) -> Result<Vec<Plan>, StoreError> {
    r.list::<Plan>()
}

impl PlanDraft {
    /// The package as its edit form and a PATCH start from.
    pub fn of(p: &Plan) -> PlanDraft {
        let b = p.burst.clone();
        PlanDraft {
            name: p.name.clone(),
            kind: p.kind.id().into(),
            price: p.price.to_string(),
            agent_price: if p.agent_price > 0 {
                p.agent_price.to_string()
            } else {
                String::new()
            },
            agent_commission: if p.agent_commission_pct > 0 {
                p.agent_commission_pct.to_string()
            } else {
                String::new()
            },
            duration_days: p.duration_days.to_string(),
            duration_hours: p.duration_hours.to_string(),
            download: p.download.clone(),
            upload: p.upload.clone(),
            burst_download: b
                .as_ref()
                .map(|b| b.download_rate.clone())
                .unwrap_or_default(),
            burst_upload: b
                .as_ref()
                .map(|b| b.upload_rate.clone())
                .unwrap_or_default(),
            burst_threshold_download: b
                .as_ref()
                .map(|b| b.download_threshold.clone())
                .unwrap_or_default(),
            burst_threshold_upload: b
                .as_ref()
                .map(|b| b.upload_threshold.clone())
                .unwrap_or_default(),
            burst_time: b
                .as_ref()
                .map(|b| b.time_secs.to_string())
                .unwrap_or_default(),
            shared_users: p.shared_users.to_string(),
            local_address: p.local_address.clone(),
            remote_address: p.remote_address.clone(),
            active: p.active,
            description: p.description.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_like_routeros() {
        assert_eq!(parse_rate("512k"), Some(512_000));
        assert_eq!(parse_rate("5M"), Some(5_000_000));
        assert_eq!(parse_rate("1G"), Some(1_000_000_000));
        assert_eq!(parse_rate("64000"), Some(64_000));
        for bad in ["", "M", "5m", "-5M", "5.5M", "5 M", "0", "99999999999999M"] {
            assert_eq!(parse_rate(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rate_limit_is_upload_then_download() {
        let mut d = PlanDraft {
            name: "Home 10".into(),
            kind: "hotspot".into(),
            price: "3500000".into(),
            duration_days: "30".into(),
            download: "10M".into(),
            upload: "2M".into(),
            ..Default::default()
        };
        let plan = check(&d, &mut Problems::default()).unwrap();
        assert_eq!(plan.rate_limit(), "2M/10M");
        assert_eq!(plan.duration(), jiff::SignedDuration::from_hours(720));
        d.burst_download = "20M".into();
        d.burst_upload = "4M".into();
        d.burst_threshold_download = "8M".into();
        d.burst_threshold_upload = "1M".into();
        d.burst_time = "16".into();
        let plan = check(&d, &mut Problems::default()).unwrap();
        assert_eq!(plan.rate_limit(), "2M/10M 4M/20M 1M/8M 16/16");
    }

    #[test]
    fn bad_plans_name_every_problem() {
        let d = PlanDraft {
            kind: "fiber".into(),
            price: "-5".into(),
            download: "fast".into(),
            upload: "1M".into(),
            ..Default::default()
        };
        let mut p = Problems::default();
        assert!(check(&d, &mut p).is_none());
        for f in ["name", "kind", "price", "duration_days", "download"] {
            assert!(p.get(f).is_some(), "{f} not flagged: {p:?}");
        }
        assert_eq!(profile_name("Гэр 10M / сар"), "10M");
        assert_eq!(profile_name("Home 10M"), "Home-10M");
    }
}
