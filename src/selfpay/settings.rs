//! The QPay merchant settings (Settings → QPay): the account Steppe opens invoices under, where
//! QPay may call back, and how long an invoice stays open. The client secret is sealed under the
//! installation key like router passwords and never shown again.

use crate::audit::{self, Actor};
use crate::error::Result;
use crate::i18n::Msg;
use crate::store::{KeyedKind, KeyedRecord, Reader, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

const KEY: &str = "qpay";
/// An invoice lives this long unless the operator says otherwise.
const DEFAULT_MINUTES: u32 = 30;
const MINUTES: std::ops::RangeInclusive<u32> = 5..=1440;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QPaySettings {
    pub enabled: bool,
    pub base_url: String,
    pub client_id: String,
    pub secret_sealed: String,
    pub invoice_code: String,
    #[serde(default)]
    pub branch_code: String,
    /// The portal's public address (`https://pay.example.mn`) for QPay's callback; empty when
    /// the appliance cannot be reached from the internet: then polling alone confirms.
    #[serde(default)]
    pub callback_base: String,
    pub invoice_minutes: u32,
    /// Customers may pay for another package than their own (a plan change when paid).
    #[serde(default)]
    pub other_plans: bool,
    /// Where a customer's browser on the hotspot or PPPoE network reaches the portal
    /// (`http://10.5.50.2:8081`): the walled garden lets it through, the PPPoE "please pay"
    /// redirect points at it, the hotspot login page links to it. Empty: no walled garden.
    #[serde(default)]
    pub pay_address: String,
    /// Host names (bank apps' web pages; `*.bank.mn` allowed) let through the walled garden
    /// besides QPay's own and the pay address.
    #[serde(default)]
    pub garden_hosts: Vec<String>,
}

impl Default for QPaySettings {
    fn default() -> Self {
        QPaySettings {
            enabled: false,
            base_url: crate::qpay::PRODUCTION.into(),
            client_id: String::new(),
            secret_sealed: String::new(),
            invoice_code: String::new(),
            branch_code: String::new(),
            callback_base: String::new(),
            invoice_minutes: DEFAULT_MINUTES,
            other_plans: false,
            pay_address: String::new(),
            garden_hosts: Vec::new(),
        }
    }
}

impl KeyedRecord for QPaySettings {
    const KIND: KeyedKind = KeyedKind::Singletons;
}

impl QPaySettings {
    /// Enabled and complete enough to open an invoice.
    pub fn usable(&self) -> bool {
        self.enabled
            && !self.client_id.is_empty()
            && !self.secret_sealed.is_empty()
            && !self.invoice_code.is_empty()
    }
}

pub fn load(r: &impl Reader) -> std::result::Result<QPaySettings, StoreError> {
    Ok(r.kget::<QPaySettings>(KEY)?.unwrap_or_default())
}

/// The form as submitted. An empty `client_secret` keeps the stored one.
#[derive(Debug, Clone, Default)]
pub struct QPaySettingsDraft {
    pub enabled: bool,
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub invoice_code: String,
    pub branch_code: String,
    pub callback_base: String,
    pub invoice_minutes: String,
    pub other_plans: bool,
    pub pay_address: String,
    /// One host name per line (or separated by commas).
    pub garden_hosts: String,
}

impl QPaySettingsDraft {
    pub fn of(s: &QPaySettings) -> QPaySettingsDraft {
        QPaySettingsDraft {
            enabled: s.enabled,
            base_url: s.base_url.clone(),
            client_id: s.client_id.clone(),
            client_secret: String::new(),
            invoice_code: s.invoice_code.clone(),
            branch_code: s.branch_code.clone(),
            callback_base: s.callback_base.clone(),
            invoice_minutes: s.invoice_minutes.to_string(),
            other_plans: s.other_plans,
            pay_address: s.pay_address.clone(),
            garden_hosts: s.garden_hosts.join("\n"),
        }
    }
}

/// At most this many extra walled-garden hosts.
pub const MAX_GARDEN_HOSTS: usize = 32;

/// A host name as a walled-garden `dst-host` takes it: letters, digits, `-` and `.`, with an
/// optional leading `*.`; lowercased.
pub fn garden_host(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('.').to_ascii_lowercase();
    let bare = s.strip_prefix("*.").unwrap_or(&s);
    let ok = !bare.is_empty()
        && bare.len() <= 253
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    ok.then_some(s)
}

/// `http(s)://host[:port][/path]` without query, fragment, user or spaces; `Some` with the
/// trailing slash removed.
pub fn web_address(s: &str) -> Option<String> {
    let s = s.trim();
    (s.len() <= 200)
        .then(|| crate::qpay::BaseUrl::parse(s).ok())
        .flatten()
        .map(|u| u.to_string())
}

/// Validates and stores the settings; `seal` turns a new client secret into its sealed form.
pub fn save(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    d: &QPaySettingsDraft,
    seal: impl Fn(&str) -> String,
) -> Result<QPaySettings> {
    let before = load(w)?;
    let mut p = Problems::default();
    let base_url = match d.base_url.trim() {
        "" => crate::qpay::PRODUCTION.to_string(),
        v => web_address(v).unwrap_or_else(|| {
            p.add("base_url", Msg::InvalidWebAddress);
            String::new()
        }),
    };
    let client_id = p.text("client_id", &d.client_id, 200, false, false);
    let invoice_code = p.text("invoice_code", &d.invoice_code, 100, false, false);
    let branch_code = p.text("branch_code", &d.branch_code, 100, false, false);
    let callback_base = match d.callback_base.trim() {
        "" => String::new(),
        v => web_address(v).unwrap_or_else(|| {
            p.add("callback_base", Msg::InvalidWebAddress);
            String::new()
        }),
    };
    let invoice_minutes = d
        .invoice_minutes
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| MINUTES.contains(m))
        .unwrap_or_else(|| {
            p.add_arg(
                "invoice_minutes",
                Msg::MinutesBetween,
                format!("{}–{}", MINUTES.start(), MINUTES.end()),
            );
            DEFAULT_MINUTES
        });
    let pay_address = match d.pay_address.trim() {
        "" => String::new(),
        v => web_address(v).unwrap_or_else(|| {
            p.add("pay_address", Msg::InvalidWebAddress);
            String::new()
        }),
    };
    let mut garden_hosts = Vec::new();
    for h in d
        .garden_hosts
        .split(['\n', ','])
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        match garden_host(h) {
            Some(h) if !garden_hosts.contains(&h) => garden_hosts.push(h),
            Some(_) => {}
            None => {
                p.add("garden_hosts", Msg::InvalidHostName);
                break;
            }
        }
    }
    if garden_hosts.len() > MAX_GARDEN_HOSTS {
        p.add_arg(
            "garden_hosts",
            Msg::AtMostItems,
            MAX_GARDEN_HOSTS.to_string(),
        );
    }
    if d.client_secret.chars().count() > 200 || d.client_secret.chars().any(char::is_control) {
        p.add("client_secret", Msg::InvalidSecret);
    }
    let secret_sealed = if d.client_secret.is_empty() {
        before.secret_sealed.clone()
    } else {
        seal(&d.client_secret)
    };
    // QPay charges tögrög: an installation keeping its books in another currency would record
    // a QPay amount as that currency's units.
    if d.enabled
        && !crate::settings::load(w)?
            .currency
            .code
            .eq_ignore_ascii_case("MNT")
    {
        p.add("enabled", Msg::QPayNeedsMnt);
    }
    if d.enabled {
        for (field, empty) in [
            ("client_id", client_id.is_empty()),
            ("client_secret", secret_sealed.is_empty()),
            ("invoice_code", invoice_code.is_empty()),
        ] {
            if empty {
                p.add(field, Msg::Required);
            }
        }
    }
    p.check()?;
    let s = QPaySettings {
        enabled: d.enabled,
        base_url,
        client_id,
        secret_sealed,
        invoice_code,
        branch_code,
        callback_base,
        invoice_minutes,
        other_plans: d.other_plans,
        pay_address,
        garden_hosts,
    };
    w.kput(KEY, &s)?;
    let changed = changes(&before, &s);
    audit::record(w, now, actor, "update", "qpay_settings", "qpay", changed)?;
    Ok(s)
}

/// The audit summary: which fields changed, the secret only as "changed".
fn changes(a: &QPaySettings, b: &QPaySettings) -> String {
    let mut out = Vec::new();
    let mut field = |name: &str, x: &dyn std::fmt::Display, y: &dyn std::fmt::Display| {
        let (x, y) = (x.to_string(), y.to_string());
        if x != y {
            out.push(format!("{name}: {x} → {y}"));
        }
    };
    field("enabled", &a.enabled, &b.enabled);
    field("base_url", &a.base_url, &b.base_url);
    field("client_id", &a.client_id, &b.client_id);
    field("invoice_code", &a.invoice_code, &b.invoice_code);
    field("branch_code", &a.branch_code, &b.branch_code);
    field("callback_base", &a.callback_base, &b.callback_base);
    field("invoice_minutes", &a.invoice_minutes, &b.invoice_minutes);
    field("other_plans", &a.other_plans, &b.other_plans);
    field("pay_address", &a.pay_address, &b.pay_address);
    field(
        "garden_hosts",
        &a.garden_hosts.join(" "),
        &b.garden_hosts.join(" "),
    );
    if a.secret_sealed != b.secret_sealed {
        out.push("client_secret: changed".into());
    }
    out.join("; ")
}

#[cfg(test)]
mod tests {
    use super::web_address;

    #[test]
    fn web_addresses_are_plain_http_urls() {
        assert_eq!(
            web_address(" https://merchant.qpay.mn/ ").as_deref(),
            Some("https://merchant.qpay.mn")
        );
        assert_eq!(
            web_address("http://127.0.0.1:9000/qpay").as_deref(),
            Some("http://127.0.0.1:9000/qpay")
        );
        for bad in [
            "merchant.qpay.mn",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/?q=1",
            "https://user@x",
            "javascript:alert(1)",
        ] {
            assert_eq!(web_address(bad), None, "{bad}");
        }
    }
}
