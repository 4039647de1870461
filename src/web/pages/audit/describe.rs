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
        "print" => Msg::Print,
        "export" => Msg::Export,
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
        "also by SMS" => cx.t(Msg::AuditAlsoBySms).to_string(),
        other => old_note(cx, other).unwrap_or_else(|| other.to_string()),
    }
}

/// Free text that recorders wrote in English before they wrote fields, read in its known shapes.
fn old_note(cx: &Ctx, text: &str) -> Option<String> {
    let (count, rest) = text.split_once(' ')?;
    let count: u64 = count.parse().ok()?;
    if let Some(rest) = rest.strip_prefix("cards ") {
        if rest == "at the counter" {
            return Some(cx.f(Msg::AuditCardsAtCounter, &[&count]));
        }
        if let Some(name) = rest.strip_prefix("to ") {
            return Some(cx.f(Msg::AuditCardsTo, &[&count, &name]));
        }
        if let Some(name) = rest.strip_prefix("from ") {
            return Some(cx.f(Msg::AuditCardsFrom, &[&count, &name]));
        }
        let (plan, each) = rest.strip_prefix("of ")?.rsplit_once(" at ")?;
        let each: i64 = each.strip_suffix(" each")?.parse().ok()?;
        return Some(cx.f(Msg::AuditCardsOfAt, &[&count, &plan, &cx.money(each)]));
    }
    if rest == "message(s)" {
        return Some(cx.f(Msg::AuditMessagesSent, &[&count]));
    }
    // An agent's deposit: `200000 (cash)`.
    let method = rest.strip_prefix('(')?.strip_suffix(')')?;
    let minor = i64::try_from(count).ok()?;
    Some(format!(
        "{} ({})",
        cx.money(minor),
        crate::reports::revenue::method_text(cx.lang, method)
    ))
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
        "agent_id" => Msg::AuditAgent,
        "admin_id" => Msg::AuditAdmin,
        "bank_account_id" => Msg::BankAccount,
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
        "grants" => Msg::AuditGrants,
        "numbers" => Msg::AuditCardNumbers,
        "layout" => Msg::AuditLayout,
        "format" => Msg::AuditFormat,
        "page" => Msg::AuditPage,
        "per_page" => Msg::AuditPerPage,
        "pins" => Msg::AuditWithPins,
        "cards" => Msg::AuditCards,
        "messages" => Msg::AuditMessages,
        "channels" => Msg::AuditChannels,
        "reference" => Msg::Reference,
        "category" => Msg::Category,
        "reminders" => Msg::Reminders,
        "smtp" => Msg::SmtpServer,
        "days_before" => Msg::AuditDaysBefore,
        "on_expiry" => Msg::RemindOnExpiry,
        "receipt" => Msg::RemindReceipt,
        "before" => Msg::TemplateBefore,
        "expired" => Msg::TemplateExpired,
        "receipt_text" => Msg::TemplateReceipt,
        "security" => Msg::SmtpSecurity,
        "from" => Msg::AuditSender,
        "ca_pem" => Msg::AuditCaCerts,
        "password" | "password_sealed" => Msg::Password,
        // A feedback thread's first words, as recorded before it was written as fields.
        other => match crate::feedback::Category::parse(other) {
            Some(c) => c.msg(),
            None => return key.replace('_', " "),
        },
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

fn plain(cx: &Ctx, key: &str, v: &Value) -> Markup {
    match v {
        Value::Bool(b) => html! { (cx.t(if *b { Msg::Yes } else { Msg::No })) },
        Value::String(s) => html! { (text(cx, key, s)) },
        // A list of payment methods holds method codes; other lists are read item by item.
        Value::Array(items) => {
            if items.is_empty() {
                return html! { "—" };
            }
            let key = if key == "payment_methods" {
                "method"
            } else {
                key
            };
            html! {
                @for (i, v) in items.iter().enumerate() {
                    @if i > 0 { ", " }
                    (plain(cx, key, v))
                }
            }
        }
        Value::Object(o) => {
            // A text in each language: the operator's words, the English one marked as such.
            if let (Some(Value::String(en)), Some(Value::String(mn)), 2) =
                (o.get("en"), o.get("mn"), o.len())
            {
                return html! { span lang="en" { "en: " (template(en)) } ", mn: " (template(mn)) };
            }
            html! {
                @for (i, (k, v)) in o.iter().enumerate() {
                    @if i > 0 { ", " }
                    @if key == "grants" || key == "overrides" {
                        @match Menu::parse(k) {
                            Some(m) => (cx.t(crate::web::layout::menu_label(m))),
                            None => (k),
                        }
                        ": "
                        @match v.as_str().and_then(Level::parse) {
                            Some(l) => (crate::web::layout::level_label(cx, l)),
                            None => (plain(cx, k, v)),
                        }
                    } @else {
                        (nested_label(cx, key, k)) ": " (plain(cx, k, v))
                    }
                }
            }
        }
        other => html! { (other.to_string()) },
    }
}

/// A message template with its placeholders (`{name}`) marked as machine text.
fn template(s: &str) -> Markup {
    let mut pieces = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        pieces.push((&rest[..open], &rest[open..=open + len]));
        rest = &rest[open + len + 1..];
    }
    html! {
        @for (text, placeholder) in &pieces { (text) code { (placeholder) } }
        (rest)
    }
}

/// The label of a field inside another, where the outer one changes what it means.
fn nested_label(cx: &Ctx, outer: &str, key: &str) -> String {
    match (outer, key) {
        ("smtp", "host") => cx.t(Msg::AuditServerAddress).to_string(),
        _ => field_label(cx, key),
    }
}

fn text(cx: &Ctx, key: &str, s: &str) -> String {
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
    match key {
        "role_id" => {
            if let Some(r) = crate::access::perm::builtin_roles()
                .iter()
                .find(|r| r.id == s)
            {
                return crate::web::pages::roles::shown_name(cx, r);
            }
        }
        "layout" => {
            if let Some(l) = crate::web::pages::vouchers::print::Layout::parse(s) {
                return cx.t(l.msg()).to_string();
            }
        }
        "format" => return s.to_uppercase(),
        "category" => {
            if let Some(c) = crate::feedback::Category::parse(s) {
                return cx.t(c.msg()).to_string();
            }
        }
        // Channels as stored, or as an older entry wrote them (`[SmsRouter, Email]`).
        "channels" => {
            let words: Option<Vec<&str>> = s
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(", ")
                .map(|c| channel(c).map(|c| crate::web::pages::messages::channel_label(cx, c)))
                .collect();
            if let Some(words) = words {
                return words.join(", ");
            }
        }
        "password_sealed" | "password" if s == "(set)" => {
            return cx.t(Msg::AuditPasswordSet).to_string();
        }
        _ => {}
    }
    code(key, s).map_or_else(|| s.to_string(), |m| cx.t(m).to_string())
}

fn channel(s: &str) -> Option<crate::notify::Channel> {
    use crate::notify::Channel;
    Channel::ALL
        .into_iter()
        .find(|c| c.id() == s || format!("{c:?}") == s)
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
        ("status", "new") => Msg::FbNew,
        ("status", "in_progress") => Msg::FbInProgress,
        ("status", "resolved") => Msg::FbResolved,
        ("security", "starttls") => Msg::SecStarttls,
        ("security", "tls") => Msg::SecTls,
        ("security", "none") => Msg::SecNone,
        _ => return None,
    })
}
