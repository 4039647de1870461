//! The edit form's three-way merge of the fields a payment can change while the form is open
//! (expiry, status, package). The form carries what it showed (`Seen`, hidden `seen_*`
//! fields); against the record the write transaction reads, each field merges: submitted as
//! shown, the current value is kept (a payment made meanwhile keeps what it bought, and the
//! expiry its nanoseconds, not the form's minute); changed by the editor where nothing else
//! changed it, the editor's value applies; changed by both, the form comes back saying what it is
//! now ([`rebase`]), and a second save applies the editor's. Only forms need this: an API PATCH
//! says what it changes.

use crate::billing::Plan;
use crate::billing::customer::{Customer, CustomerDraft};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::store::{Reader, Write};
use crate::validate::Problems;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// What the form showed; empty when it showed nothing (a new customer).
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub expires_at: String,
    pub status: String,
    pub plan_id: String,
}

impl Seen {
    pub fn from_form(f: &crate::web::http::Form) -> Seen {
        Seen {
            expires_at: f.get("seen_expires_at").into(),
            status: f.get("seen_status").into(),
            plan_id: f.get("seen_plan_id").into(),
        }
    }
}

/// An expiry as the edit form shows it: local minutes, as a browser's datetime-local takes it.
pub fn local_minute(tz: &TimeZone, t: Timestamp) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The form's view of `c`: what `Seen` compares with.
pub fn seen_of(tz: &TimeZone, c: &Customer) -> Seen {
    Seen {
        expires_at: local_minute(tz, c.expires_at),
        status: c.status.id().into(),
        plan_id: c.plan_id.to_string(),
    }
}

/// The edit form for `c`: its fields, the expiry in local minutes, and what it shows.
pub fn edit_draft(
    tz: &TimeZone,
    secrets: &crate::network::SecretBox,
    c: &Customer,
) -> (CustomerDraft, Seen) {
    let mut d = CustomerDraft::of(secrets, c);
    d.expires_at = local_minute(tz, c.expires_at);
    (d, seen_of(tz, c))
}

/// One field: `Err(())` when the editor and someone else both changed it.
fn merge_field(field: &mut String, seen: &str, now_shown: &str, exact: String) -> Result<(), ()> {
    if untouched(field, seen) {
        *field = exact;
        Ok(())
    } else if seen.is_empty() || seen.trim() == now_shown {
        Ok(())
    } else {
        Err(())
    }
}

/// The field is submitted as the form showed it.
fn untouched(field: &str, seen: &str) -> bool {
    !seen.is_empty() && field.trim() == seen.trim()
}

/// The submitted draft merged over `before` as the write transaction reads it, or each field
/// both sides changed, saying what it is now.
pub fn merge(
    w: &Write,
    tz: &TimeZone,
    before: &Customer,
    mut d: CustomerDraft,
    seen: &Seen,
) -> Result<CustomerDraft> {
    let shown = seen_of(tz, before);
    let merged = [
        (
            "expires_at",
            merge_field(
                &mut d.expires_at,
                &seen.expires_at,
                &shown.expires_at,
                before.expires_at.to_string(),
            ),
        ),
        (
            "status",
            merge_field(
                &mut d.status,
                &seen.status,
                &shown.status,
                shown.status.clone(),
            ),
        ),
        (
            "plan_id",
            merge_field(
                &mut d.plan_id,
                &seen.plan_id,
                &shown.plan_id,
                shown.plan_id.clone(),
            ),
        ),
    ];
    let mut p = Problems::default();
    for (field, m) in merged {
        if m.is_ok() {
            continue;
        }
        let now = match field {
            "expires_at" => shown.expires_at.replace('T', " "),
            "plan_id" => w
                .get::<Plan>(before.plan_id)?
                .map_or(shown.plan_id.clone(), |pl| pl.name),
            _ => shown.status.clone(),
        };
        p.add_arg(field, Msg::ChangedMeanwhile, now);
    }
    if p.is_empty() {
        Ok(d)
    } else {
        Err(Error::Invalid(p))
    }
}

/// After a refusal: fields the editor left alone show the current value, and `seen` becomes
/// the current record, so what the form now says is what a second save applies.
pub fn rebase(d: &mut CustomerDraft, seen: &mut Seen, tz: &TimeZone, current: &Customer) {
    let now = seen_of(tz, current);
    for (field, shown, cur) in [
        (&mut d.expires_at, &seen.expires_at, &now.expires_at),
        (&mut d.status, &seen.status, &now.status),
        (&mut d.plan_id, &seen.plan_id, &now.plan_id),
    ] {
        if untouched(field, shown) {
            field.clone_from(cur);
        }
    }
    if !seen.expires_at.is_empty() {
        *seen = now;
    }
}
