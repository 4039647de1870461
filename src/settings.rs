//! Installation-wide settings: company, currency, time zone, default language.

use crate::audit::{self, Actor};
use crate::error::Result;
use crate::i18n::format::Currency;
use crate::i18n::{Lang, Msg};
use crate::store::{KeyedKind, KeyedRecord, Reader, StoreError, Write};

use crate::validate::Problems;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Settings {
    pub company_name: String,
    /// The company's state register number, printed on receipts and bills.
    #[serde(default)]
    pub company_register: String,
    /// Printed under the name on receipts and bills.
    #[serde(default)]
    pub company_address: String,
    pub currency: Currency,
    /// IANA name; empty means "the zone given by TZ / STEPPE_TZ, else UTC".
    pub time_zone: String,
    pub default_lang: Lang,
    #[serde(default)]
    pub logo_mime: Option<String>,
    /// Payment method ids offered at the counter; the built-in ones have translated names.
    #[serde(default = "default_methods")]
    pub payment_methods: Vec<String>,
    /// A partly paid bill switches service on for the paid fraction of its period.
    #[serde(default)]
    pub allow_partial_activation: bool,
    /// The router that sends every SMS; `None`: each customer's own router.
    #[serde(default)]
    pub sms_router_id: Option<u64>,
    /// HTTP SMS gateway: URL with `{phone}` and `{message}`, and an optional POST body template.
    #[serde(default)]
    pub sms_gateway_url: String,
    #[serde(default)]
    pub sms_gateway_body: String,
    /// Scheduled backups into `DATA/backups` every this many hours; 0: none.
    #[serde(default)]
    pub backup_every_hours: u32,
    /// How many scheduled backups to keep (the oldest beyond this are deleted).
    #[serde(default = "default_backup_keep")]
    pub backup_keep: u32,
}

fn default_backup_keep() -> u32 {
    7
}

pub const BUILTIN_METHODS: [&str; 5] = ["cash", "bank_transfer", "card", "mobile_money", "other"];

fn default_methods() -> Vec<String> {
    BUILTIN_METHODS.iter().map(|s| s.to_string()).collect()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            company_name: "Steppe".into(),
            company_register: String::new(),
            company_address: String::new(),
            currency: Currency::default(),
            time_zone: String::new(),
            default_lang: Lang::Mn,
            logo_mime: None,
            payment_methods: default_methods(),
            allow_partial_activation: false,
            sms_router_id: None,
            sms_gateway_url: String::new(),
            sms_gateway_body: String::new(),
            backup_every_hours: 0,
            backup_keep: default_backup_keep(),
        }
    }
}

impl KeyedRecord for Settings {
    const KIND: KeyedKind = KeyedKind::Singletons;
}

const KEY: &str = "settings";
pub const LOGO_KEY: &str = "logo";

pub fn load(r: &impl Reader) -> Result<Settings, StoreError> {
    Ok(r.kget::<Settings>(KEY)?.unwrap_or_default())
}

impl Settings {
    /// The methods a payment may carry, for filters: the configured ones, `qpay` (customers
    /// paying for themselves) and `agent` (renewed by a sales agent), whether or not the counter
    /// lists them.
    pub fn methods_seen(&self) -> Vec<String> {
        let mut m = self.payment_methods.clone();
        for own in ["qpay", "agent"] {
            if !m.iter().any(|x| x == own) {
                m.push(own.into());
            }
        }
        m
    }

    /// The display zone: the setting, else `fallback` (from the environment).
    pub fn zone(&self, fallback: &TimeZone) -> TimeZone {
        if self.time_zone.is_empty() {
            fallback.clone()
        } else {
            crate::i18n::zones::get(&self.time_zone).unwrap_or_else(|| fallback.clone())
        }
    }
}

/// The zones an operator picks from: the regional IANA names of `/usr/share/zoneinfo` when
/// there is one, else the compiled-in set (`i18n::zones`), sorted by name with Mongolia's first.
/// Aliases (`US/…`, `Etc/…`, `posix/…`) are left out.
pub fn zones() -> Vec<String> {
    zones_in(crate::i18n::zones::names())
}

fn zones_in(names: Vec<String>) -> Vec<String> {
    const AREAS: &[&str] = &[
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ];
    const MONGOLIA: &[&str] = &["Asia/Ulaanbaatar", "Asia/Hovd", "Asia/Choibalsan"];
    let mut all: Vec<String> = names
        .into_iter()
        .filter(|n| {
            n.split_once('/')
                .is_some_and(|(area, _)| AREAS.contains(&area))
        })
        .filter(|n| !MONGOLIA.contains(&n.as_str()))
        .collect();
    all.sort();
    all.dedup();
    let first = MONGOLIA
        .iter()
        .chain(&["UTC"])
        .filter(|z| crate::i18n::zones::get(z).is_some())
        .map(|z| (*z).to_string());
    first.chain(all).collect()
}

#[derive(Debug, Clone, Default)]
pub struct SettingsDraft {
    pub company_name: String,
    pub company_register: String,
    pub company_address: String,
    pub currency_code: String,
    pub currency_symbol: String,
    pub currency_exponent: String,
    pub time_zone: String,
    pub default_lang: String,
    /// One method id per line or comma.
    pub payment_methods: String,
    pub allow_partial_activation: bool,
    /// Empty: each customer's own router.
    pub sms_router_id: String,
    pub sms_gateway_url: String,
    pub sms_gateway_body: String,
    pub backup_every_hours: String,
    pub backup_keep: String,
}

pub fn save(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    d: &SettingsDraft,
    logo: crate::banner::ImageChange,
    mut p: Problems,
) -> Result<Settings> {
    let before = w.kget::<Settings>(KEY)?.unwrap_or_default();
    let company_name = p.text("company_name", &d.company_name, 120, true, false);
    let company_register = p.text("company_register", &d.company_register, 40, false, false);
    let company_address = p.text("company_address", &d.company_address, 300, false, false);
    let code = p
        .text("currency_code", &d.currency_code, 3, true, false)
        .to_uppercase();
    if !code.is_empty() && (code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase())) {
        p.add("currency_code", Msg::InvalidChoice);
    }
    let symbol = p.text("currency_symbol", &d.currency_symbol, 8, false, false);
    let exponent = match d.currency_exponent.trim().parse::<u8>() {
        Ok(e) if e <= 4 => e,
        _ => {
            p.add("currency_exponent", Msg::InvalidNumber);
            0
        }
    };
    let time_zone = p.text("time_zone", &d.time_zone, 64, false, false);
    if !time_zone.is_empty() && crate::i18n::zones::get(&time_zone).is_none() {
        p.add("time_zone", Msg::InvalidTimeZone);
    }
    let default_lang = Lang::parse(d.default_lang.trim()).unwrap_or_else(|| {
        p.add("default_lang", Msg::InvalidChoice);
        Lang::En
    });
    let payment_methods: Vec<String> = d
        .payment_methods
        .split([',', '\n'])
        .map(|m| m.trim().to_lowercase())
        .filter(|m| !m.is_empty())
        .collect();
    if payment_methods.is_empty() {
        p.add("payment_methods", Msg::Required);
    } else if payment_methods
        .iter()
        .any(|m| m.len() > 40 || !m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        p.add("payment_methods", Msg::InvalidMethodId);
    }
    let sms_router_id = match d.sms_router_id.trim() {
        "" => None,
        v => match v.parse::<u64>().ok().filter(|id| {
            w.get::<crate::network::Router>(*id)
                .ok()
                .flatten()
                .is_some()
        }) {
            Some(id) => Some(id),
            None => {
                p.add("sms_router_id", Msg::UnknownRouter);
                None
            }
        },
    };
    let sms_gateway_url = p.text("sms_gateway_url", &d.sms_gateway_url, 500, false, false);
    if !sms_gateway_url.is_empty()
        && !sms_gateway_url.starts_with("http://")
        && !sms_gateway_url.starts_with("https://")
    {
        p.add("sms_gateway_url", Msg::GatewayUrl);
    }
    let sms_gateway_body = p.text("sms_gateway_body", &d.sms_gateway_body, 1000, false, true);
    // Up to a week apart and a year of dailies: beyond that the data disk fills unnoticed.
    let backup_every_hours = match d.backup_every_hours.trim() {
        "" => 0,
        v => match v.parse::<u32>() {
            Ok(h) if h <= 24 * 7 => h,
            _ => {
                p.add("backup_every_hours", Msg::InvalidNumber);
                0
            }
        },
    };
    let backup_keep = match d.backup_keep.trim() {
        "" => default_backup_keep(),
        v => match v.parse::<u32>() {
            Ok(k) if (1..=366).contains(&k) => k,
            _ => {
                p.add("backup_keep", Msg::InvalidNumber);
                default_backup_keep()
            }
        },
    };
    p.check()?;
    let mut logo_mime = before.logo_mime.clone();
    match logo {
        crate::banner::ImageChange::Keep => {}
        crate::banner::ImageChange::Replace(img) => {
            w.blob_put(LOGO_KEY, &img.bytes)?;
            logo_mime = Some(img.mime);
        }
        crate::banner::ImageChange::Remove => {
            w.blob_remove(LOGO_KEY)?;
            logo_mime = None;
        }
    }
    let after = Settings {
        company_name,
        company_register,
        company_address,
        currency: Currency {
            code,
            symbol,
            exponent,
        },
        time_zone,
        default_lang,
        logo_mime,
        payment_methods,
        allow_partial_activation: d.allow_partial_activation,
        sms_router_id,
        sms_gateway_url,
        sms_gateway_body,
        backup_every_hours,
        backup_keep,
    };
    w.kput(KEY, &after)?;
    // Gateway URLs and bodies often carry an API key: the log says they changed, not to what.
    let masked = |s: &Settings| {
        let mut v = serde_json::to_value(s).unwrap_or_default();
        for k in ["sms_gateway_url", "sms_gateway_body"] {
            if v[k].as_str().is_some_and(|x| !x.is_empty()) {
                v[k] = serde_json::json!(format!(
                    "(set, {} chars)",
                    v[k].as_str().map_or(0, str::len)
                ));
            }
        }
        v
    };
    let summary = audit::changes(&masked(&before), &masked(&after));
    audit::record(w, now, actor, "update", "settings", "settings", summary)?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    /// A static binary in an empty container has no `/usr/share/zoneinfo`; the set compiled in
    /// must still give a list, Mongolia first.
    #[test]
    fn the_compiled_in_zones_are_listed_without_a_system_database() {
        let zones = super::zones_in(crate::i18n::zones::built_in_names());
        assert_eq!(zones[0], "Asia/Ulaanbaatar");
        assert!(zones.len() > 10, "{}", zones.len());
        for z in ["Asia/Hovd", "UTC", "Asia/Shanghai", "Europe/Moscow"] {
            assert!(zones.iter().any(|n| n == z), "{z}");
        }
        assert!(
            !zones
                .iter()
                .any(|n| n.starts_with("Etc/") || n.starts_with("US/"))
        );
        assert!(
            zones.windows(2).skip(4).all(|w| w[0] < w[1]),
            "sorted after Mongolia and UTC"
        );
    }
}
