//! An audit entry as an operator reads it: the action and the record in the UI language, the
//! record by name with a link, and only the fields that say something, each with its label and
//! its value formatted (times in the configured zone, money with the currency, ids as names).
//! Unknown actions, fields and free text are shown as stored rather than dropped.

use super::names::{Names, Ref};
use crate::access::{Level, Menu};
use crate::audit::{AuditEntry, Part};
use crate::i18n::Msg;
use crate::web::ctx::Ctx;
use maud::{Markup, html};
use serde_json::Value;

/// Fields a snapshot holds that say nothing to an operator (the id is in the record column,
/// the time and author in theirs).
const INTERNAL: &[&str] = &[
    "id",
    "created_at",
    "created_by",
    "adopt",
    "password_sealed",
    "password_hash",
];

/// Fields holding integer minor units.
const MONEY: &[&str] = &[
    "price",
    "agent_price",
    "amount",
    "credit",
    "balance",
    "credit_limit",
];

pub fn action(cx: &Ctx, action: &str) -> String {
    let m = match action {
        "create" => Msg::AuditCreated,
        "update" => Msg::AuditChanged,
        "delete" => Msg::AuditDeleted,
        "archive" => Msg::AuditArchived,
        "suspend" => Msg::AuditSuspended,
        "resume" => Msg::AuditResumed,
        "disable" => Msg::AuditDisabled,
        "extend" => Msg::AuditExtended,
        "payment" => Msg::AuditPaid,
        "payment_reversal" | "reverse" => Msg::AuditReversed,
        "plan_change" => Msg::AuditPlanChanged,
        "plan_change_at_renewal" => Msg::AuditPlanChangeAtRenewal,
        "void" => Msg::AuditVoided,
        "login" => Msg::AuditLoggedIn,
        "login_failed" => Msg::AuditLoginFailed,
        "password_change" => Msg::AuditPasswordChanged,
        "password_reset" => Msg::AuditPasswordReset,
        "revoke" => Msg::AuditRevoked,
        "unlock_login" => Msg::AuditUnlocked,
        "test_connection" => Msg::TestConnection,
        "backup" => Msg::Backup,
        "send" => Msg::AuditSent,
        "retry" => Msg::Retry,
        "reply" => Msg::AuditReplied,
        "hand_over" => Msg::HandOverCards,
        "take_back" => Msg::TakeBackCards,
        "sell" => Msg::AuditSold,
        "deposit" => Msg::RecordDeposit,
        other => return other.replace('_', " "),
    };
    cx.t(m).to_string()
}

fn entity_label(cx: &Ctx, entity: &str) -> String {
    let m = match entity {
        "customer" => Msg::AuditCustomer,
        "plan" => Msg::AuditPlan,
        "router" => Msg::AuditRouter,
        "admin" => Msg::AuditAdmin,
        "role" => Msg::Role,
        "bill" => Msg::Bill,
        "payment" => Msg::AuditPayment,
        "bank_account" => Msg::BankAccount,
        "banner" => Msg::MenuBanners,
        "settings" => Msg::MenuSettings,
        "qpay_settings" => Msg::QPaySettingsTitle,
        "session" => Msg::AuditSession,
        "api_token" => Msg::AuditApiToken,
        "message" => Msg::MessageText,
        "feedback" => Msg::Feedback,
        "agent" => Msg::AuditAgent,
        "voucher_batch" => Msg::VoucherBatch,
        "database" => Msg::AuditDatabase,
        "portal" => Msg::AuditPortal,
        other => return other.replace('_', " "),
    };
    cx.t(m).to_string()
}

/// Records with a page but no name worth reading: linked by number.
fn page_of(entity: &str) -> Option<(&'static str, Menu)> {
    Some(match entity {
        "bill" => ("/bills/", Menu::Payments),
        "payment" => ("/payments/", Menu::Payments),
        "banner" => ("/banners/", Menu::Banners),
        "voucher_batch" => ("/vouchers/", Menu::Vouchers),
        "feedback" => ("/feedback/", Menu::Messages),
        _ => return None,
    })
}

/// The record column: its kind, then its name (or number) linked to its page when it has one.
pub fn record(cx: &Ctx, names: &Names, e: &AuditEntry) -> Markup {
    let label = entity_label(cx, &e.entity);
    let id: Option<u64> = e.entity_id.parse().ok();
    let named = Ref::of_entity(&e.entity).zip(id);
    let name = match named {
        Some((kind, id)) => names
            .get(kind, id)
            .map(str::to_string)
            .or_else(|| deleted_name(cx, e)),
        None => None,
    };
    let href = match (named, id) {
        (Some((kind, id)), _)
            if names.get(kind, id).is_some() && cx.can(kind.menu(), Level::View) =>
        {
            Some(kind.href(id))
        }
        (None, Some(id)) => page_of(&e.entity)
            .filter(|(_, menu)| cx.can(*menu, Level::View))
            .map(|(base, _)| format!("{base}{id}")),
        _ => None,
    };
    let shown = name.unwrap_or_else(|| match id {
        Some(id) => format!("#{id}"),
        None => String::new(),
    });
    html! {
        span.muted { (label) } " "
        @match href { Some(h) => a href=(h) { (shown) }, None => (shown) }
    }
}

/// A deleted record's name, from the entry itself (a delete keeps a snapshot).
fn deleted_name(cx: &Ctx, e: &AuditEntry) -> Option<String> {
    let name = crate::audit::parts(&e.summary)
        .into_iter()
        .find_map(|p| match p {
            Part::Field {
                key,
                after: Some(Value::String(s)),
                ..
            } if key == "name" => Some(s),
            _ => None,
        })?;
    Some(format!("{name} ({})", cx.t(Msg::AuditGone)))
}

/// The change column: one line per field, `label: before → after` or `label: value`.
pub fn summary(cx: &Ctx, names: &Names, e: &AuditEntry) -> Markup {
    let parts: Vec<Part> = crate::audit::parts(&e.summary)
        .into_iter()
        .filter(worth_showing)
        .collect();
    html! {
        @for p in &parts {
            div { @match p {
                Part::Field { key, before, after, changed } => {
                    span.muted { (field_label(cx, key)) ": " }
                    @if *changed { (value(cx, names, key, before.as_ref())) " → " }
                    (value(cx, names, key, after.as_ref()))
                }
                Part::Note(text) => (note(cx, text)),
            } }
        }
    }
}

/// Drops what a snapshot lists only because the record has the field: internals and values
/// left at their default. A change is always shown.
fn worth_showing(p: &Part) -> bool {
    match p {
        Part::Field {
            key,
            after,
            changed,
            ..
        } => {
            *changed
                || !(INTERNAL.contains(&key.as_str())
                    || match after {
                        None | Some(Value::Null) => true,
                        Some(Value::Bool(b)) => !b,
                        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
                        Some(Value::String(s)) => s.is_empty(),
                        Some(Value::Array(a)) => a.is_empty(),
                        Some(Value::Object(o)) => o.is_empty(),
                    })
        }
        Part::Note(n) => !n.is_empty(),
    }
}

fn note(cx: &Ctx, text: &str) -> String {
    match text {
        "password changed" => cx.t(Msg::PasswordChanged).to_string(),
        other => other.to_string(),
    }
}

fn field_label(cx: &Ctx, key: &str) -> String {
    let m = match key {
        "name" => Msg::Name,
        "kind" => Msg::Kind,
        "reg_no" => Msg::RegNo,
        "contact_person" => Msg::ContactPerson,
        "phone" => Msg::Phone,
        "email" => Msg::Email,
        "address" => Msg::Address,
        "note" | "description" => Msg::Note,
        "login" | "username" => Msg::Username,
        "full_name" => Msg::FullName,
        "router_id" | "sms_router_id" => Msg::AuditRouter,
        "plan_id" => Msg::AuditPlan,
        "next_plan_id" => Msg::AuditNextPlan,
        "customer" | "customer_id" => Msg::AuditCustomer,
        "status" => Msg::Status,
        "expires_at" => Msg::ExpiryDate,
        "created_at" => Msg::CreatedDate,
        "archived" => Msg::Archived,
        "credit" => Msg::Credit,
        "lang" => Msg::Language,
        "active" | "enabled" => Msg::Active,
        "price" => Msg::Price,
        "agent_price" => Msg::AgentPrice,
        "agent_commission_pct" => Msg::AgentCommission,
        "duration_days" => Msg::Days,
        "duration_hours" => Msg::Hours,
        "download" => Msg::Download,
        "upload" => Msg::Upload,
        "burst" => Msg::Burst,
        "shared_users" => Msg::SharedUsers,
        "local_address" => Msg::LocalAddress,
        "remote_address" => Msg::RemoteAddress,
        "profile" => Msg::Profile,
        "host" => Msg::IpAddress,
        "port" => Msg::Port,
        "tls" => Msg::ApiSsl,
        "login_method" => Msg::LoginMethod,
        "hotspot_server" => Msg::HotspotServer,
        "hotspot_dns" => Msg::HotspotDns,
        "pppoe" => Msg::Pppoe,
        "please_pay" => Msg::PleasePay,
        "fingerprint" => Msg::Fingerprint,
        "role_id" => Msg::Role,
        "overrides" => Msg::Overrides,
        "amount" => Msg::Amount,
        "method" => Msg::Method,
        "extended" => Msg::AuditExtendedBy,
        "reason" => Msg::Reason,
        "reversal" => Msg::AuditReversal,
        "title" => Msg::BannerTitle,
        "text" => Msg::BannerText,
        "starts_on" => Msg::StartDate,
        "ends_on" => Msg::EndDate,
        "company_name" => Msg::CompanyName,
        "time_zone" => Msg::TimeZone,
        "default_lang" => Msg::DefaultLanguage,
        "payment_methods" => Msg::PaymentMethods,
        "allow_partial_activation" => Msg::PartialActivation,
        "backup_every_hours" => Msg::BackupEveryHours,
        "backup_keep" => Msg::BackupKeep,
        "sms_gateway_url" => Msg::GatewayUrl,
        "sms_gateway_body" => Msg::GatewayBody,
        "bank" => Msg::Bank,
        "number" => Msg::AccountNumber,
        "holder" => Msg::AccountHolder,
        "currency" | "code" => Msg::CurrencyCode,
        "symbol" => Msg::CurrencySymbol,
        "exponent" => Msg::CurrencyExponent,
        "assigned_to" => Msg::AssignedTo,
        "credit_limit" => Msg::CreditLimit,
        "balance" => Msg::Balance,
        "pays_at" => Msg::PaysAt,
        _ => return key.replace('_', " "),
    };
    cx.t(m).to_string()
}

/// A value as the field means it; anything unrecognised as stored.
fn value(cx: &Ctx, names: &Names, key: &str, v: Option<&Value>) -> Markup {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return html! { "—" };
    };
    if let (Some(kind), Some(id)) = (Ref::of_field(key), v.as_u64()) {
        let can = cx.can(kind.menu(), Level::View);
        return match names.get(kind, id) {
            Some(name) if can => html! { a href=(kind.href(id)) { (name) } },
            Some(name) => html! { (name) },
            None => html! { "#" (id) " (" (cx.t(Msg::AuditGone)) ")" },
        };
    }
    if MONEY.contains(&key)
        && let Some(minor) = v.as_i64()
    {
        return html! { (cx.money(minor)) };
    }
    html! { (plain(cx, key, v)) }
}

fn plain(cx: &Ctx, key: &str, v: &Value) -> String {
    match v {
        Value::Bool(b) => cx.t(if *b { Msg::Yes } else { Msg::No }).to_string(),
        Value::String(s) => {
            if let Ok(t) = s.parse::<jiff::Timestamp>() {
                return cx.datetime(t);
            }
            if key == "extended"
                && let Some(secs) = s.strip_suffix(" s").and_then(|n| n.parse::<i64>().ok())
            {
                return cx.f(
                    Msg::AuditDaysHours,
                    &[&(secs / 86_400), &(secs % 86_400 / 3_600)],
                );
            }
            if let ("lang" | "default_lang", Some(lang)) = (key, crate::i18n::Lang::parse(s)) {
                return lang.native_name().to_string();
            }
            if key == "method" {
                return crate::reports::revenue::method_text(cx.lang, s);
            }
            if s.is_empty() {
                return "—".into();
            }
            code(key, s).map_or_else(|| s.clone(), |m| cx.t(m).to_string())
        }
        // A list of payment methods holds method codes; other lists are read item by item.
        Value::Array(items) => {
            let key = if key == "payment_methods" {
                "method"
            } else {
                key
            };
            let items: Vec<String> = items.iter().map(|v| plain(cx, key, v)).collect();
            items.join(", ")
        }
        Value::Object(o) => {
            let fields: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", field_label(cx, k), plain(cx, k, v)))
                .collect();
            fields.join(", ")
        }
        other => other.to_string(),
    }
}

/// Stored codes that have words in the catalog.
fn code(key: &str, s: &str) -> Option<Msg> {
    Some(match (key, s) {
        ("status", "active") => Msg::Active,
        ("status", "suspended") => Msg::Suspended,
        ("status", "disabled") => Msg::Disabled,
        ("kind", "individual") => Msg::Individual,
        ("kind", "organization") => Msg::Organization,
        ("kind", "hotspot") => Msg::Hotspot,
        ("kind", "pppoe") => Msg::Pppoe,
        ("login_method", "plain") => Msg::LoginPlain,
        ("login_method", "challenge") => Msg::LoginChallenge,
        ("login_method", "auto") => Msg::LoginAuto,
        _ => return None,
    })
}
