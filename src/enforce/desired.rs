//! What a router should hold, computed from the store alone.
//!
//! Kept apart from the diff so the rule "the router holds a customer enabled iff entitled" is
//! one small function of stored data and a time, testable without a router.

use super::cards::{self, CardUser};
use super::marked::MarkedMenu;
use super::{garden, please_pay};
use crate::billing::customer::{self, Customer};
use crate::billing::{Plan, ServiceKind, Status};
use crate::network::{Router, SecretBox};
use crate::store::{Reader, StoreError};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// One customer's login as it should appear on the router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub customer_id: u64,
    pub kind: ServiceKind,
    pub login: String,
    pub password: String,
    pub profile: String,
    pub enabled: bool,
    /// May take over an unmanaged entry with the same name.
    pub adopt: bool,
}

/// A plan as a router profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub kind: ServiceKind,
    pub name: String,
    pub rate_limit: String,
    pub shared_users: u32,
    pub local_address: String,
    pub remote_address: String,
}

impl Profile {
    fn of(plan: &Plan) -> Profile {
        Profile {
            kind: plan.kind,
            name: plan.profile.clone(),
            rate_limit: plan.rate_limit(),
            shared_users: plan.shared_users,
            local_address: plan.local_address.clone(),
            remote_address: plan.remote_address.clone(),
        }
    }
}

/// What a reconcile looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything on the router: managed entries of customers and cards not desired here are
    /// removed.
    Full,
    /// Only these (a targeted reconcile after an edit, payment, expiry or void).
    Only(Targets),
}

/// The customers and voucher cards of a targeted reconcile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub customers: BTreeSet<u64>,
    pub cards: BTreeSet<u64>,
}

impl Scope {
    /// A targeted reconcile of these customers alone.
    pub fn customers(ids: BTreeSet<u64>) -> Scope {
        Scope::Only(Targets {
            customers: ids,
            cards: BTreeSet::new(),
        })
    }

    pub fn contains(&self, customer_id: u64) -> bool {
        match self {
            Scope::Full => true,
            Scope::Only(t) => t.customers.contains(&customer_id),
        }
    }

    pub fn contains_card(&self, card_id: u64) -> bool {
        match self {
            Scope::Full => true,
            Scope::Only(t) => t.cards.contains(&card_id),
        }
    }
}

/// The desired state of one router (or of the scoped part of it).
#[derive(Debug, Clone)]
pub struct Desired {
    pub router: Router,
    pub scope: Scope,
    /// By customer id.
    pub users: BTreeMap<u64, User>,
    pub profiles: Vec<Profile>,
    /// Problems found in the store itself (a plan the router cannot serve), one line each.
    pub problems: Vec<String>,
    /// Logins (with kind) of scoped customers that exist in the store, for targeted queries.
    pub logins: Vec<(ServiceKind, String)>,
    /// Entries kept by a fixed comment (walled garden, "please pay" fence), each menu whole.
    pub marked: Vec<MarkedMenu>,
    /// Voucher cards' hotspot users, by card id.
    pub cards: BTreeMap<u64, CardUser>,
    /// Codes of scoped cards that exist in the store, for targeted queries.
    pub card_codes: Vec<String>,
}

impl Desired {
    pub fn serves(&self, kind: ServiceKind) -> bool {
        serves(&self.router, kind)
    }
}

pub fn serves(router: &Router, kind: ServiceKind) -> bool {
    match kind {
        ServiceKind::Hotspot => !router.hotspot_server.is_empty(),
        ServiceKind::Pppoe => router.pppoe,
    }
}

/// The desired state of `router_id` at `now`; `None` if the router no longer exists.
pub fn compute(
    r: &impl Reader,
    secrets: &SecretBox,
    router_id: u64,
    scope: Scope,
    now: Timestamp,
) -> Result<Option<Desired>, StoreError> {
    let Some(router) = r.get::<Router>(router_id)? else {
        return Ok(None);
    };
    let qpay = crate::selfpay::settings::load(r)?;
    let mut problems = Vec::new();
    let fence = please_pay::active(&router, &qpay).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let plans: BTreeMap<u64, Plan> = r.list::<Plan>()?.into_iter().map(|p| (p.id, p)).collect();
    let customers: Vec<Customer> = match &scope {
        Scope::Full => customer::on_router(r, router_id)?,
        Scope::Only(t) => {
            let mut out = Vec::with_capacity(t.customers.len());
            for id in &t.customers {
                if let Some(c) = r.get::<Customer>(*id)? {
                    out.push(c);
                }
            }
            out
        }
    };
    let mut users = BTreeMap::new();
    let mut logins = Vec::new();
    let mut used_plans = BTreeSet::new();
    for c in customers {
        let Some(plan) = plans.get(&c.plan_id) else {
            problems.push(format!(
                "customer {} ({}) has no plan #{}",
                c.id, c.login, c.plan_id
            ));
            continue;
        };
        logins.push((plan.kind, c.login.clone()));
        if c.router_id != router_id || c.archived {
            continue;
        }
        if !serves(&router, plan.kind) {
            problems.push(format!(
                "customer {} ({}) has a {} plan but this router does not serve {}",
                c.id,
                c.login,
                plan.kind.id(),
                plan.kind.id()
            ));
            continue;
        }
        // Refusing the whole reconcile is the safe answer: leaving the customer out would remove
        // their entry, and an empty password would lock them out.
        let password = c.password(secrets).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "customer {} ({}): the service password cannot be unsealed (was secret.key \
                 replaced?); enter it again",
                c.id, c.login
            ))
        })?;
        used_plans.insert(plan.id);
        let entitled = c.entitled(now);
        // The one exception to "enabled iff entitled": an expired PPPoE customer is fenced in
        // to the pay page instead. A suspended one is not: paying would not lift a suspension.
        let fenced = !entitled
            && fence.is_some()
            && plan.kind == ServiceKind::Pppoe
            && c.status == Status::Active;
        users.insert(
            c.id,
            User {
                customer_id: c.id,
                kind: plan.kind,
                login: c.login.clone(),
                password,
                profile: if fenced {
                    please_pay::PROFILE.to_owned()
                } else {
                    plan.profile.clone()
                },
                enabled: entitled || fenced,
                adopt: c.adopt,
            },
        );
    }
    let cards = cards::desired(r, secrets, &router, &scope, &plans, now, &mut problems)?;
    used_plans.extend(cards.plans.iter().copied());
    let profiles = plans
        .values()
        .filter(|p| serves(&router, p.kind))
        .filter(|p| used_plans.contains(&p.id) || (scope == Scope::Full && p.active))
        .map(Profile::of)
        .collect();
    // A full reconcile settles every marked menu; a targeted one only needs the fence, which a
    // customer moved onto `steppe-expired` depends on. The garden is read even on a router
    // that no longer serves hotspot, so what was left there goes (a router without the hotspot
    // package refuses the print, which leaves the menu alone).
    let mut marked = Vec::new();
    if scope == Scope::Full {
        marked.extend(garden::menus(&router, &qpay));
    }
    if scope == Scope::Full || fence.is_some() {
        marked.extend(please_pay::menus(&qpay, fence));
    }
    Ok(Some(Desired {
        router,
        scope,
        users,
        profiles,
        problems,
        logins,
        marked,
        cards: cards.users,
        card_codes: cards.codes,
    }))
}
