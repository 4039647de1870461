//! Names for the ids an audit entry mentions, read from the store when the page is drawn: an
//! entry keeps only ids, and a name may have changed since (or the record may be gone).

use crate::access::{Admin, Menu};
use crate::audit::{AuditEntry, Part};
use crate::billing::Plan;
use crate::billing::customer::Customer;
use crate::billing::ledger::BankAccount;
use crate::model::agent::Agent;
use crate::network::Router;
use crate::store::{Reader, StoreError};
use std::collections::HashMap;

/// A kind of record whose name the log can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ref {
    Customer,
    Plan,
    Router,
    Admin,
    Agent,
    BankAccount,
}

impl Ref {
    /// The kind an entry's `entity` names.
    pub fn of_entity(entity: &str) -> Option<Ref> {
        Some(match entity {
            "customer" => Ref::Customer,
            "plan" => Ref::Plan,
            "router" => Ref::Router,
            "admin" => Ref::Admin,
            "agent" => Ref::Agent,
            "bank_account" => Ref::BankAccount,
            _ => return None,
        })
    }

    /// The kind a summary field holds the id of.
    pub fn of_field(key: &str) -> Option<Ref> {
        Some(match key {
            "customer" | "customer_id" => Ref::Customer,
            "plan_id" | "next_plan_id" => Ref::Plan,
            "router_id" | "sms_router_id" => Ref::Router,
            "admin_id" => Ref::Admin,
            "agent_id" => Ref::Agent,
            "bank_account_id" => Ref::BankAccount,
            _ => return None,
        })
    }

    pub fn href(self, id: u64) -> String {
        let base = match self {
            Ref::Customer => "/customers/",
            Ref::Plan => "/plans/",
            Ref::Router => "/routers/",
            Ref::Admin => "/admins/",
            Ref::Agent => "/agents/",
            Ref::BankAccount => "/bank-accounts/",
        };
        format!("{base}{id}")
    }

    /// The menu a viewer needs to follow the link.
    pub fn menu(self) -> Menu {
        match self {
            Ref::Customer => Menu::Customers,
            Ref::Plan => Menu::Plans,
            Ref::Router => Menu::Routers,
            Ref::Admin => Menu::Admins,
            Ref::Agent => Menu::Agents,
            Ref::BankAccount => Menu::BankAccounts,
        }
    }
}

/// The names found, by kind and id; a missing one was deleted.
#[derive(Debug, Default)]
pub struct Names(HashMap<(Ref, u64), String>);

impl Names {
    /// Reads the name of every record these entries mention.
    pub fn load(r: &impl Reader, entries: &[AuditEntry]) -> Result<Names, StoreError> {
        let mut names = Names::default();
        for (kind, id) in entries.iter().flat_map(mentions) {
            if names.0.contains_key(&(kind, id)) {
                continue;
            }
            let name = match kind {
                Ref::Customer => r
                    .get::<Customer>(id)?
                    .map(|c| format!("{} ({})", c.name, c.login)),
                Ref::Plan => r.get::<Plan>(id)?.map(|p| p.name),
                Ref::Router => r.get::<Router>(id)?.map(|r| r.name),
                Ref::Admin => r.get::<Admin>(id)?.map(|a| {
                    if a.full_name.is_empty() {
                        a.username
                    } else {
                        a.full_name
                    }
                }),
                Ref::Agent => r.get::<Agent>(id)?.map(|a| a.name),
                Ref::BankAccount => r
                    .get::<BankAccount>(id)?
                    .map(|b| format!("{} {}", b.bank, b.number)),
            };
            if let Some(name) = name {
                names.0.insert((kind, id), name);
            }
        }
        Ok(names)
    }

    pub fn get(&self, kind: Ref, id: u64) -> Option<&str> {
        self.0.get(&(kind, id)).map(String::as_str)
    }
}

/// Every (kind, id) an entry refers to: its own record and ids in its fields.
fn mentions(e: &AuditEntry) -> Vec<(Ref, u64)> {
    let own = Ref::of_entity(&e.entity).zip(e.entity_id.parse().ok());
    let fields = crate::audit::parts(&e.summary)
        .into_iter()
        .filter_map(|p| match p {
            Part::Field {
                key, before, after, ..
            } => {
                let kind = Ref::of_field(&key)?;
                Some(
                    [before, after]
                        .into_iter()
                        .flatten()
                        .filter_map(move |v| Some((kind, v.as_u64()?))),
                )
            }
            Part::Note(_) => None,
        });
    own.into_iter().chain(fields.flatten()).collect()
}
