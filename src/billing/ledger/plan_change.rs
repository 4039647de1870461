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
