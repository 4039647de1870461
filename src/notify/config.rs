//! How messages leave: the SMTP server for e-mail, and the automatic reminders (which days
//! before expiry, on expiry, receipts after a payment) with their templates in both languages.
//! Kept apart from the general settings so the long templates do not ride on every request.

use super::Channel;
use crate::audit::{self, Actor};
use crate::error::Result;
use crate::i18n::{Lang, Msg};
use crate::store::{KeyedKind, KeyedRecord, Reader, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server cannot.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the ISP's own network.
    None,
}

impl Security {
    pub const ALL: [Security; 3] = [Security::Starttls, Security::Tls, Security::None];
    pub fn id(self) -> &'static str {
        match self {
            Security::Starttls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Security> {
        Security::ALL.into_iter().find(|x| x.id() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Smtp {
    /// Empty: e-mail is not configured.
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    /// Sealed under the installation key like router passwords.
    pub password_sealed: String,
    /// The sender address, e.g. `Steppe Net <billing@example.mn>`.
    pub from: String,
    /// Extra trusted roots (PEM) for a mail server with a private CA; the public roots always
    /// apply.
    #[serde(default)]
    pub ca_pem: String,
}

/// One template in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub en: String,
    pub mn: String,
}

impl Template {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Mn => &self.mn,
        }
    }
}

/// Which automatic message a customer is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "days")]
pub enum Reminder {
    /// This many days before expiry.
    BeforeExpiry(u32),
    OnExpiry,
    /// After a payment.
    Receipt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminders {
    /// Days before expiry a reminder goes out, largest first (e.g. 3 and 1).
    pub days_before: Vec<u32>,
    pub on_expiry: bool,
    pub receipt: bool,
    /// The channels reminders use; each customer gets those they can be reached on.
    pub channels: Vec<Channel>,
    pub before: Template,
    pub expired: Template,
    pub receipt_text: Template,
}

impl Default for Reminders {
    fn default() -> Self {
        Reminders {
            days_before: Vec::new(),
            on_expiry: false,
            receipt: false,
            channels: vec![Channel::SmsRouter],
            before: Template {
                en: "{name}, your {plan} internet ends on {expiry} ({days_left} days left). Please pay {amount_due}: {bank_accounts}. {company}".into(),
                mn: "{name}, таны {plan} интернэт {expiry}-нд дуусна ({days_left} хоног үлдсэн). {amount_due} төлнө үү: {bank_accounts}. {company}".into(),
            },
            expired: Template {
                en: "{name}, your {plan} internet has ended. Pay {amount_due} to switch it back on: {bank_accounts}. {company}".into(),
                mn: "{name}, таны {plan} интернэт дууслаа. Дахин холбогдохын тулд {amount_due} төлнө үү: {bank_accounts}. {company}".into(),
            },
            receipt_text: Template {
                en: "{name}, we received {amount_paid}. Your internet runs until {expiry}. Thank you! {company}".into(),
                mn: "{name}, таны {amount_paid} төлбөрийг хүлээн авлаа. Интернэт {expiry} хүртэл идэвхтэй. Баярлалаа! {company}".into(),
            },
        }
    }
}

impl Reminders {
    pub fn template(&self, kind: Reminder) -> &Template {
        match kind {
            Reminder::BeforeExpiry(_) => &self.before,
            Reminder::OnExpiry => &self.expired,
            Reminder::Receipt => &self.receipt_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MessageSettings {
    pub smtp: Smtp,
    pub reminders: Reminders,
}

impl KeyedRecord for MessageSettings {
    const KIND: KeyedKind = KeyedKind::Singletons;
}

const KEY: &str = "message-settings";

pub fn load(r: &impl Reader) -> Result<MessageSettings, StoreError> {
    Ok(r.kget::<MessageSettings>(KEY)?.unwrap_or_default())
}

/// The form as submitted. An empty `smtp_password` keeps the stored one.
#[derive(Debug, Clone, Default)]
pub struct MessageSettingsDraft {
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_clear_password: bool,
    pub smtp_from: String,
    pub smtp_ca_pem: String,
    /// Comma-separated days, e.g. `3, 1`.
    pub days_before: String,
    pub on_expiry: bool,
    pub receipt: bool,
    pub channels: Vec<String>,
    pub before_en: String,
    pub before_mn: String,
    pub expired_en: String,
    pub expired_mn: String,
    pub receipt_en: String,
    pub receipt_mn: String,
}

impl MessageSettingsDraft {
    pub fn of(s: &MessageSettings) -> MessageSettingsDraft {
        let r = &s.reminders;
        MessageSettingsDraft {
            smtp_host: s.smtp.host.clone(),
            smtp_port: if s.smtp.port == 0 {
                String::new()
            } else {
                s.smtp.port.to_string()
            },
            smtp_security: s.smtp.security.id().into(),
            smtp_username: s.smtp.username.clone(),
            smtp_password: String::new(),
            smtp_clear_password: false,
            smtp_from: s.smtp.from.clone(),
            smtp_ca_pem: s.smtp.ca_pem.clone(),
            days_before: r
                .days_before
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            on_expiry: r.on_expiry,
            receipt: r.receipt,
            channels: r.channels.iter().map(|c| c.id().to_string()).collect(),
            before_en: r.before.en.clone(),
            before_mn: r.before.mn.clone(),
            expired_en: r.expired.en.clone(),
            expired_mn: r.expired.mn.clone(),
            receipt_en: r.receipt_text.en.clone(),
            receipt_mn: r.receipt_text.mn.clone(),
        }
    }
}

/// Validates and stores the message settings; `seal` turns a new SMTP password into its sealed
/// form.
pub fn save(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    d: &MessageSettingsDraft,
    seal: impl Fn(&str) -> String,
) -> Result<MessageSettings> {
    let before = load(w)?;
    let mut p = Problems::default();
    let host = p.text("smtp_host", &d.smtp_host, 253, false, false);
    if host
        .bytes()
        .any(|b| !(b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)))
    {
        p.add("smtp_host", Msg::InvalidHost);
    }
    let security = Security::parse(d.smtp_security.trim()).unwrap_or_else(|| {
        p.add("smtp_security", Msg::InvalidChoice);
        Security::Starttls
    });
    let port = match d.smtp_port.trim() {
        "" => match security {
            Security::Tls => 465,
            Security::Starttls => 587,
            Security::None => 25,
        },
        v => v.parse::<u16>().ok().filter(|p| *p > 0).unwrap_or_else(|| {
            p.add("smtp_port", Msg::InvalidNumber);
            0
        }),
    };
    let username = p.text("smtp_username", &d.smtp_username, 200, false, false);
    let from = p.text("smtp_from", &d.smtp_from, 200, false, false);
    if !host.is_empty() && from.is_empty() {
        p.add("smtp_from", Msg::Required);
    }
    if !from.is_empty() {
        let addr = super::smtp::address_of(&from);
        let mut q = Problems::default();
        q.email("smtp_from", addr);
        if !q.is_empty() || addr.is_empty() {
            p.add("smtp_from", Msg::InvalidEmail);
        }
    }
    let ca_pem = p.text("smtp_ca_pem", &d.smtp_ca_pem, 20_000, false, true);
    if !ca_pem.is_empty() && super::smtp::parse_roots(&ca_pem).is_err() {
        p.add("smtp_ca_pem", Msg::InvalidCertificate);
    }
    if d.smtp_password.chars().count() > 200 || d.smtp_password.chars().any(char::is_control) {
        p.add("smtp_password", Msg::InvalidRouterPassword);
    }
    let mut days_before = Vec::new();
    for part in d.days_before.split([',', ' ']).filter(|s| !s.is_empty()) {
        match part.parse::<u32>() {
            Ok(n) if (1..=60).contains(&n) => days_before.push(n),
            _ => p.add("days_before", Msg::ReminderDaysInvalid),
        }
    }
    days_before.sort_unstable_by(|a, b| b.cmp(a));
    days_before.dedup();
    let mut channels = Vec::new();
    for c in &d.channels {
        match Channel::parse(c) {
            Some(ch) if !channels.contains(&ch) => channels.push(ch),
            Some(_) => {}
            None => p.add("channels", Msg::UnsupportedChannel),
        }
    }
    let any_reminder = !days_before.is_empty() || d.on_expiry || d.receipt;
    if any_reminder && channels.is_empty() {
        p.add("channels", Msg::Required);
    }
    let mut template = |field: &'static str, v: &str| p.text(field, v, 1000, true, true);
    let reminders = Reminders {
        days_before,
        on_expiry: d.on_expiry,
        receipt: d.receipt,
        channels,
        before: Template {
            en: template("before_en", &d.before_en),
            mn: template("before_mn", &d.before_mn),
        },
        expired: Template {
            en: template("expired_en", &d.expired_en),
            mn: template("expired_mn", &d.expired_mn),
        },
        receipt_text: Template {
            en: template("receipt_en", &d.receipt_en),
            mn: template("receipt_mn", &d.receipt_mn),
        },
    };
    // The stored password goes only where it was typed for: a new server, port, security or
    // trusted CA could be anyone's listener, so the password must be typed again for it.
    let moved = host != before.smtp.host
        || port != before.smtp.port
        || security != before.smtp.security
        || ca_pem != before.smtp.ca_pem;
    if moved
        && !before.smtp.password_sealed.is_empty()
        && d.smtp_password.is_empty()
        && !d.smtp_clear_password
        && !host.is_empty()
    {
        p.add("smtp_password", Msg::PasswordForNewServer);
    }
    p.check()?;
    let password_sealed = if d.smtp_clear_password {
        String::new()
    } else if d.smtp_password.is_empty() {
        before.smtp.password_sealed.clone()
    } else {
        seal(&d.smtp_password)
    };
    let after = MessageSettings {
        smtp: Smtp {
            host,
            port,
            security,
            username,
            password_sealed,
            from,
            ca_pem,
        },
        reminders,
    };
    w.kput(KEY, &after)?;
    let view = |s: &MessageSettings| {
        let mut v = serde_json::to_value(s).unwrap_or_default();
        v["smtp"]["password_sealed"] = serde_json::json!(if s.smtp.password_sealed.is_empty() {
            ""
        } else {
            "(set)"
        });
        v
    };
    let summary = audit::changes(&view(&before), &view(&after));
    audit::record(
        w,
        now,
        actor,
        "update",
        "settings",
        "message-settings",
        summary,
    )?;
    Ok(after)
}
