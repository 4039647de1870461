//! Moving a customer to another package now (the open bill follows) or at renewal.

use super::bills::{raise_bill, void_untouched};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::customer::{self, Customer};
use crate::model::plan::Plan;
use crate::store::{Reader, Write};
use crate::validate::Problems;
use jiff::Timestamp;

/// A plan change: now (speed at once, expiry unchanged) or at the next renewal.
pub fn change_plan(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    customer_id: u64,
    plan_id: u64,
    at_renewal: bool,
) -> Result<(Customer, Vec<u64>)> {
    let mut c = w.get::<Customer>(customer_id)?.ok_or(Error::NotFound)?;
    if c.archived {
        return Err(Error::Conflict(Msg::CustomerArchived));
    }
    let plan = w
        .get::<Plan>(plan_id)?
        .ok_or_else(|| Error::Invalid(Problems::one("plan_id", Msg::UnknownPlan)))?;
    let router = w
        .get::<crate::network::Router>(c.router_id)?
        .ok_or(Error::NotFound)?;
    let served = match plan.kind {
        crate::billing::ServiceKind::Hotspot => !router.hotspot_server.is_empty(),
        crate::billing::ServiceKind::Pppoe => router.pppoe,
    };
    if !served {
        return Err(Error::Invalid(Problems::one(
            "plan_id",
            Msg::RouterLacksKind,
        )));
    }
    let before = c.clone();
    if at_renewal {
        c.next_plan_id = Some(plan_id);
    } else {
        c.plan_id = plan_id;
        c.next_plan_id = None;
        // Untouched open bills for the old plan are replaced by one for the new plan.
        if void_untouched(w, now, actor, c.id, Some(plan_id), "plan changed")? > 0 {
            raise_bill(w, now, actor, &c, &plan, "plan change")?;
        }
    }
    let action = if at_renewal {
        "plan_change_at_renewal"
    } else {
        "plan_change"
    };
    let (c, touched) = customer::save(w, now, actor, &before, &c, action)?;
    Ok((c, touched))
}

/// Moves everyone on package `from` to `to` now (as [`change_plan`] does one customer), and
/// points those due to switch to `from` at renewal to `to` instead, so `from` can then be
/// deleted. Archived customers move too: they still count as on the package. Returns how many
/// customers moved and the routers whose desired state changed.
pub fn move_all(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    from: u64,
    to: u64,
) -> Result<(Vec<u64>, Vec<u64>)> {
    let wrong = || Error::Invalid(Problems::one("plan_id", Msg::MoveTargetInvalid));
    let source = w.get::<Plan>(from)?.ok_or(Error::NotFound)?;
    let target = w.get::<Plan>(to)?.ok_or_else(wrong)?;
    // A hotspot login is not a PPPoE secret: a move keeps the kind of service.
    if to == from || target.kind != source.kind {
        return Err(wrong());
    }
    let mut moved = Vec::new();
    let mut routers = Vec::new();
    for id in w.set_members(crate::store::Set::CustomersByPlan, from)? {
        let Some(c) = w.get::<Customer>(id)? else {
            continue;
        };
        let touched = if c.archived {
            let after = Customer {
                plan_id: to,
                next_plan_id: None,
                ..c.clone()
            };
            customer::save(w, now, actor, &c, &after, "plan_change")?.1
        } else {
            change_plan(w, now, actor, id, to, false)?.1
        };
        moved.push(id);
        routers.extend(touched);
    }
    let mut waiting = Vec::new();
    w.scan::<Customer>(false, |c| {
        if c.next_plan_id == Some(from) {
            waiting.push(c);
        }
        true
    })?;
    for c in waiting {
        let after = Customer {
            next_plan_id: Some(to),
            ..c.clone()
        };
        customer::save(w, now, actor, &c, &after, "plan_change_at_renewal")?;
    }
    crate::audit::record(
        w,
        now,
        actor,
        "move_customers",
        "plan",
        from,
        format!("{} customers to {} (#{to})", moved.len(), target.name),
    )?;
    Ok((moved, routers))
}
