//! Customers: who they are, which router and plan serve them, and until when.
//!
//! Invariant: a customer is entitled iff status is active, not archived, and now < expires_at.
//! The router is made to hold the customer's login enabled iff entitled.

use super::plan::{Plan, ServiceKind};
use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
pub use crate::model::customer::*;
use crate::model::{Login, PlanId, RouterId};
use crate::network::{Router, SecretBox};
use crate::store::{Index, Kind, Reader, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;

/// The shortest service password accepted. Hotspot vouchers and 4-digit PINs are short by
/// nature, so this is far below an admin password's minimum; it refuses one to three characters,
/// which a scan of the router's hotspot login page (not throttled by Steppe) finds in minutes.
pub const MIN_SERVICE_PASSWORD: usize = 4;

/// The editable fields, as submitted.
#[derive(Debug, Clone, Default)]
pub struct CustomerDraft {
    pub kind: String,
    pub name: String,
    pub reg_no: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub note: String,
    pub login: String,
    pub password: String,
    pub router_id: String,
    pub plan_id: String,
    pub status: String,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` (a browser's datetime-local) in the display zone. On an
    /// update, empty keeps the stored expiry.
    pub expires_at: String,
    /// Why the expiry is changed; required when an update changes it (the change is kept in the
    /// customer's extension history, like an extension).
    pub expiry_reason: String,
    /// `en`, `mn`, or empty for the installation's default.
    pub lang: String,
}

/// See [`Login`].
pub fn valid_login(s: &str) -> bool {
    Login::parse(s).is_some()
}

pub fn parse_time(s: &str, tz: &jiff::tz::TimeZone) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    dt.to_zoned_datetime(tz.clone()).ok().map(|z| z.timestamp())
}

/// A customer's fields parsed at the edge, each of its type. The problems found while parsing
/// travel with it, so a form shows them together with those only the store can tell (a login
/// taken, a router that does not exist).
#[derive(Debug, Clone)]
pub struct CustomerInput {
    pub kind: CustomerKind,
    pub name: String,
    pub reg_no: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub note: String,
    /// `None` when it did not parse (the problem is in `parsed`).
    pub login: Option<Login>,
    pub password: String,
    pub router: Option<RouterId>,
    pub plan: Option<PlanId>,
    pub status: Status,
    pub expires_at: Option<Timestamp>,
    /// Checked only when an update moves the expiry.
    pub expiry_reason: String,
    pub lang: Option<crate::i18n::Lang>,
    pub parsed: Problems,
}

impl CustomerDraft {
    /// Every field to its type; local times are read in `tz`.
    pub fn parse(self, tz: &jiff::tz::TimeZone) -> CustomerInput {
        let d = self;
        let mut p = Problems::default();
        let kind = CustomerKind::parse(d.kind.trim()).unwrap_or_else(|| {
            p.add("kind", Msg::InvalidChoice);
            CustomerKind::Individual
        });
        let name = p.text("name", &d.name, 120, true, false);
        let reg_no = p.text("reg_no", &d.reg_no, 40, false, false);
        let contact_person = p.text("contact_person", &d.contact_person, 120, false, false);
        let phone = p.phone("phone", &d.phone);
        let email = p.email("email", &d.email);
        let address = p.text("address", &d.address, 300, false, true);
        let note = p.text("note", &d.note, 1000, false, true);
        let login = Login::parse(&d.login);
        if login.is_none() {
            p.add("login", Msg::InvalidLogin);
        }
        if d.password.is_empty() {
            p.add("password", Msg::Required);
        } else if d.password.chars().count() > 64
            || d.password.chars().any(|c| c.is_control() || c == ' ')
        {
            p.add("password", Msg::InvalidRouterPassword);
        }
        let status = Status::parse(d.status.trim()).unwrap_or_else(|| {
            p.add("status", Msg::InvalidChoice);
            Status::Active
        });
        let expires_at = parse_time(&d.expires_at, tz);
        if expires_at.is_none() {
            p.add("expires_at", Msg::InvalidDateTime);
        }
        let lang = match d.lang.trim() {
            "" => None,
            l => crate::i18n::Lang::parse(l).or_else(|| {
                p.add("lang", Msg::InvalidChoice);
                None
            }),
        };
        CustomerInput {
            kind,
            name,
            reg_no,
            contact_person,
            phone,
            email,
            address,
            note,
            login,
            password: d.password,
            router: RouterId::parse(&d.router_id),
            plan: PlanId::parse(&d.plan_id),
            status,
            expires_at,
            expiry_reason: d.expiry_reason,
            lang,
            parsed: p,
        }
    }
}

/// What only the store can tell: the router and package exist, and the router serves the
/// package's kind.
fn check(
    w: &Write,
    d: &CustomerInput,
    p: &mut Problems,
) -> Result<(Option<Router>, Option<Plan>), StoreError> {
    let router = d
        .router
        .map(|id| w.get::<Router>(id.get()))
        .transpose()?
        .flatten();
    if router.is_none() {
        p.add("router_id", Msg::UnknownRouter);
    }
    let plan = d
        .plan
        .map(|id| w.get::<Plan>(id.get()))
        .transpose()?
        .flatten();
    if plan.is_none() {
        p.add("plan_id", Msg::UnknownPlan);
    }
    if let (Some(r), Some(pl)) = (&router, &plan) {
        let served = match pl.kind {
            ServiceKind::Hotspot => !r.hotspot_server.is_empty(),
            ServiceKind::Pppoe => r.pppoe,
        };
        if !served {
            p.add("plan_id", Msg::RouterLacksKind);
        }
    }
    Ok((router, plan))
}

/// A draft that passed every check, ready to be laid over a customer record.
struct Valid {
    d: CustomerInput,
    login: Login,
    password_sealed: String,
    router_id: u64,
    plan: Plan,
    expires_at: Timestamp,
}

/// Checks a draft, including that its login is free on its router (`own`, the customer being
/// updated, may already hold it) and, on an update that moves the expiry, that a reason is given.
fn validate(
    w: &Write,
    secrets: &SecretBox,
    mut d: CustomerInput,
    own: Option<&Customer>,
    imported: bool,
) -> Result<Valid> {
    let mut p = std::mem::take(&mut d.parsed);
    // In field order, as the form shows them.
    let (router, plan) = check(w, &d, &mut p)?;
    // Unchanged, the stored password stays sealed as it is (no new ciphertext, no portal
    // logout); a short one from before the minimum stays usable until it is changed, and so does
    // one imported from a router, which the customer already uses there.
    let kept = own
        .filter(|o| o.password(secrets).is_some_and(|pw| pw == d.password))
        .map(|o| o.password_sealed.clone());
    if kept.is_none()
        && !imported
        && p.get("password").is_none()
        && d.password.chars().count() < MIN_SERVICE_PASSWORD
    {
        p.add_arg(
            "password",
            Msg::ServicePasswordTooShort,
            MIN_SERVICE_PASSWORD,
        );
    }
    if let (Some(before), Some(after)) = (own, d.expires_at)
        && after != before.expires_at
    {
        d.expiry_reason = p.text("expiry_reason", &d.expiry_reason, 300, true, false);
    }
    let own = own.map(|c| c.id);
    if let (Some(r), Some(login)) = (&router, &d.login)
        && w.index_get(Index::CustomerLogin, &login_key(r.id, login.as_str()))?
            .is_some_and(|holder| Some(holder) != own)
    {
        p.add("login", Msg::LoginTaken);
    }
    // A voucher card's code is a hotspot user on its router too.
    if let Some(login) = &d.login
        && w.index_get(Index::VoucherCode, login.as_str())?.is_some()
    {
        p.add("login", Msg::LoginTaken);
    }
    p.check()?;
    let (Some(router), Some(plan), Some(expires_at), Some(login)) =
        (router, plan, d.expires_at, d.login.clone())
    else {
        return Err(Error::Internal("customer check without problems".into()));
    };
    let password_sealed = kept.unwrap_or_else(|| secrets.seal(&d.password));
    Ok(Valid {
        d,
        login,
        password_sealed,
        router_id: router.id,
        plan,
        expires_at,
    })
}

impl Valid {
    /// The edited fields over `base`; everything else (ids, history, credit) is kept.
    fn onto(self, base: Customer) -> Customer {
        let d = self.d;
        Customer {
            kind: d.kind,
            name: d.name,
            reg_no: d.reg_no,
            contact_person: d.contact_person,
            phone: d.phone,
            email: d.email,
            address: d.address,
            note: d.note,
            login: self.login.into_string(),
            password_sealed: self.password_sealed,
            router_id: self.router_id,
            plan_id: self.plan.id,
            status: d.status,
            expires_at: self.expires_at,
            lang: d.lang,
            ..base
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn create(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    secrets: &SecretBox,
    d: CustomerInput,
    adopt: bool,
) -> Result<Customer> {
    let v = validate(w, secrets, d, None, adopt)?;
    let plan = v.plan.clone();
    let id = w.next_id(Kind::Customers)?;
    let customer = v.onto(Customer {
        id,
        created_at: now,
        created_by: actor.username.clone(),
        adopt,
        ..Default::default()
    });
    w.put(id, &customer)?;
    reindex(w, None, Some(&customer))?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "customer",
        id,
        audit::snapshot(&view(&customer)),
    )?;
    // Put on a plan: the coming period is billed (an imported customer is mid-period already).
    if !adopt {
        super::ledger::raise_bill(w, now, actor, &customer, &plan, "first period")?;
    }
    Ok(customer)
}

/// An update whose draft is made from the customer as this transaction reads it: a partial
/// change (an API PATCH) laid over the current record, or an edit form merged with it.
pub fn update_from(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    secrets: &SecretBox,
    id: u64,
    draft: impl FnOnce(&Write, &Customer) -> Result<CustomerInput>,
) -> Result<(Customer, Touched)> {
    let before = w.get::<Customer>(id)?.ok_or(Error::NotFound)?;
    let d = draft(w, &before)?;
    let v = validate(w, secrets, d, Some(&before), false)?;
    let expiry_reason = v.d.expiry_reason.clone();
    let plan = v.plan.clone();
    let plan_changed = before.plan_id != plan.id;
    if plan_changed {
        // Same rules as "change package now": the open bill follows the new package.
        if super::ledger::void_untouched(w, now, actor, id, Some(plan.id), "plan changed")? > 0 {
            let moved = Customer {
                plan_id: plan.id,
                ..before.clone()
            };
            super::ledger::raise_bill(w, now, actor, &moved, &plan, "plan change")?;
        }
    }
    let mut after = v.onto(before.clone());
    if plan_changed {
        after.next_plan_id = None;
    }
    if after.expires_at != before.expires_at {
        let days = super::ledger::whole_days(after.expires_at.duration_since(before.expires_at));
        super::ledger::log_extension(
            w,
            now,
            actor,
            &before,
            &after,
            days,
            true,
            &expiry_reason,
            "customer form",
        )?;
    }
    save(w, now, actor, &before, &after, "update")
}

/// Suspend, resume, disable: a status change with its own audit action.
pub fn set_status(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    status: Status,
) -> Result<(Customer, Touched)> {
    let before = w.get::<Customer>(id)?.ok_or(Error::NotFound)?;
    let after = Customer {
        status,
        ..before.clone()
    };
    let action = match status {
        Status::Active => "resume",
        Status::Suspended => "suspend",
        Status::Disabled => "disable",
    };
    save(w, now, actor, &before, &after, action)
}

/// Deletes a customer without financial history; one with history is archived instead.
/// Returns whether it was deleted (true) or archived (false).
pub fn delete_or_archive(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    has_history: bool,
) -> Result<(bool, Touched)> {
    let before = w.get::<Customer>(id)?.ok_or(Error::NotFound)?;
    // Bills nobody paid go with the customer; they must not linger as money owed.
    super::ledger::void_untouched(w, now, actor, id, None, "customer removed")?;
    if has_history {
        let after = Customer {
            archived: true,
            ..before.clone()
        };
        let (_, touched) = save(w, now, actor, &before, &after, "archive")?;
        return Ok((false, touched));
    }
    w.remove::<Customer>(id)?;
    reindex(w, Some(&before), None)?;
    audit::record(
        w,
        now,
        actor,
        "delete",
        "customer",
        id,
        audit::snapshot(&view(&before)),
    )?;
    Ok((true, vec![before.router_id]))
}

impl CustomerDraft {
    /// The customer as its edit form and a PATCH start from.
    pub fn of(secrets: &SecretBox, c: &Customer) -> CustomerDraft {
        CustomerDraft {
            kind: c.kind.id().into(),
            name: c.name.clone(),
            reg_no: c.reg_no.clone(),
            contact_person: c.contact_person.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            address: c.address.clone(),
            note: c.note.clone(),
            login: c.login.clone(),
            // Shown so the operator can tell it to the customer; a key that no longer opens it
            // leaves the field empty, to be entered again.
            password: c.password(secrets).unwrap_or_default(),
            router_id: c.router_id.to_string(),
            plan_id: c.plan_id.to_string(),
            status: c.status.id().into(),
            // Exact: a PATCH that does not set it keeps it to the nanosecond.
            expires_at: c.expires_at.to_string(),
            expiry_reason: String::new(),
            lang: c.lang.map(|l| l.code().to_string()).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_ignore_foreign_comments() {
        assert_eq!(parse_marker(&marker(42)), Some(42));
        assert_eq!(parse_marker("exp 2026-01-01"), None);
        assert_eq!(parse_marker("steppe:x"), None);
        assert_eq!(parse_marker("steppe:007"), None);
        assert_eq!(parse_marker("steppe:+7"), None);
    }

    #[test]
    fn a_draft_parses_to_typed_fields_or_names_each_bad_one() {
        let tz = jiff::tz::TimeZone::UTC;
        let good = CustomerDraft {
            kind: "organization".into(),
            name: " Steppe LLC ".into(),
            login: "steppe.llc".into(),
            password: "secret1".into(),
            router_id: "3".into(),
            plan_id: "7".into(),
            status: "suspended".into(),
            expires_at: "2030-01-02T03:04".into(),
            lang: "mn".into(),
            ..Default::default()
        }
        .parse(&tz);
        assert!(good.parsed.is_empty(), "{:?}", good.parsed);
        assert_eq!(good.kind, CustomerKind::Organization);
        assert_eq!(good.name, "Steppe LLC");
        assert_eq!(good.router, Some(RouterId::new(3)));
        assert_eq!(good.plan, Some(PlanId::new(7)));
        assert_eq!(good.status, Status::Suspended);
        assert_eq!(good.lang, Some(crate::i18n::Lang::Mn));
        assert_eq!(
            good.expires_at,
            Some("2030-01-02T03:04:00Z".parse().unwrap())
        );
        let bad = CustomerDraft {
            kind: "company".into(),
            login: "has space".into(),
            router_id: "-1".into(),
            plan_id: "abc".into(),
            status: "gone".into(),
            expires_at: "2026-13-45".into(),
            lang: "fr".into(),
            ..Default::default()
        }
        .parse(&tz);
        for field in [
            "kind",
            "name",
            "login",
            "password",
            "status",
            "expires_at",
            "lang",
        ] {
            assert!(bad.parsed.get(field).is_some(), "{field} is named");
        }
        assert_eq!((bad.router, bad.plan), (None, None));
    }
}
