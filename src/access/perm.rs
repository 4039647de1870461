//! Dynamic access levels: every menu maps to none / view / edit, per role, with per-admin
//! overrides on top.
//!
//! Invariant: the web layer asks `Permissions::allows` for every route; nothing here does I/O.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A menu of the admin UI; the unit of access control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Menu {
    Dashboard,
    Routers,
    Plans,
    Customers,
    Payments,
    Extensions,
    BankAccounts,
    Messages,
    Banners,
    Admins,
    Settings,
    Reports,
    Audit,
    Vouchers,
    /// Managing sales agents: their terms, deposits, stock and statements.
    Agents,
    /// An agent's own desk: their stock, sales, renewals and statement.
    AgentDesk,
}

impl Menu {
    pub const ALL: [Menu; 16] = [
        Menu::Dashboard,
        Menu::Routers,
        Menu::Plans,
        Menu::Customers,
        Menu::Payments,
        Menu::Extensions,
        Menu::BankAccounts,
        Menu::Messages,
        Menu::Banners,
        Menu::Admins,
        Menu::Settings,
        Menu::Reports,
        Menu::Audit,
        Menu::Vouchers,
        Menu::Agents,
        Menu::AgentDesk,
    ];

    /// The stable id used in forms, JSON and the store.
    pub fn id(self) -> &'static str {
        match self {
            Menu::Dashboard => "dashboard",
            Menu::Routers => "routers",
            Menu::Plans => "plans",
            Menu::Customers => "customers",
            Menu::Payments => "payments",
            Menu::Extensions => "extensions",
            Menu::BankAccounts => "bank_accounts",
            Menu::Messages => "messages",
            Menu::Banners => "banners",
            Menu::Admins => "admins",
            Menu::Settings => "settings",
            Menu::Reports => "reports",
            Menu::Audit => "audit",
            Menu::Vouchers => "vouchers",
            Menu::Agents => "agents",
            Menu::AgentDesk => "agent_desk",
        }
    }

    pub fn parse(s: &str) -> Option<Menu> {
        Menu::ALL.into_iter().find(|m| m.id() == s)
    }
}

/// How much an admin may do in a menu. Ordered: `Edit` implies `View`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    None,
    View,
    Edit,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::None, Level::View, Level::Edit];

    pub fn id(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::View => "view",
            Level::Edit => "edit",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.id() == s)
    }
}

/// A menu → level map. Menus missing from the map are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Grants(pub BTreeMap<Menu, Level>);

impl Grants {
    pub fn level(&self, menu: Menu) -> Level {
        self.0.get(&menu).copied().unwrap_or_default()
    }

    pub fn all(level: Level) -> Grants {
        Grants(Menu::ALL.into_iter().map(|m| (m, level)).collect())
    }

    fn with(mut self, menus: &[Menu], level: Level) -> Grants {
        for m in menus {
            self.0.insert(*m, level);
        }
        self
    }
}

/// A named set of grants. Built-in roles ship with Steppe and may be edited but not deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub grants: Grants,
    #[serde(default)]
    pub builtin: bool,
    #[serde(default)]
    pub description: String,
}

pub const SUPER_ADMIN: &str = "super_admin";

/// The roles a fresh installation starts with.
pub fn builtin_roles() -> Vec<Role> {
    use Level::{Edit, View};
    use Menu::*;
    let role = |id: &str, name: &str, description: &str, grants: Grants| Role {
        id: id.into(),
        name: name.into(),
        grants,
        builtin: true,
        description: description.into(),
    };
    vec![
        role(
            SUPER_ADMIN,
            "Super admin",
            "Everything, including admins and settings",
            Grants::all(Edit),
        ),
        role(
            "manager",
            "Manager",
            "Runs the business; cannot manage admins or settings",
            Grants::all(Edit)
                .with(&[Admins, Settings], View)
                .with(&[Audit], View)
                .with(&[AgentDesk], Level::None),
        ),
        role(
            "cashier",
            "Cashier",
            "Records payments and extensions at the counter",
            Grants::default()
                .with(
                    &[Dashboard, Plans, Customers, BankAccounts, Reports, Vouchers],
                    View,
                )
                .with(&[Payments, Extensions, Agents], Edit),
        ),
        role(
            "technician",
            "Technician",
            "Looks after routers and service packages",
            Grants::default()
                .with(&[Dashboard, Customers, Messages, Vouchers], View)
                .with(&[Routers, Plans], Edit),
        ),
        role(
            "viewer",
            "Viewer",
            "Sees everything, changes nothing",
            Grants::all(View).with(&[Admins, Settings, Audit, AgentDesk], Level::None),
        ),
        role(
            crate::vouchers::agents::ROLE,
            "Sales agent",
            "Sells cards and renews customers from their own balance; sees nothing else",
            Grants::default().with(&[AgentDesk], Edit),
        ),
    ]
}

/// What one admin may do: the role's grants with the admin's overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    grants: Grants,
}

impl Permissions {
    pub fn new(role: &Grants, overrides: &Grants) -> Permissions {
        let mut grants = role.clone();
        for (m, l) in &overrides.0 {
            grants.0.insert(*m, *l);
        }
        Permissions { grants }
    }

    pub fn level(&self, menu: Menu) -> Level {
        self.grants.level(menu)
    }

    pub fn allows(&self, menu: Menu, needed: Level) -> bool {
        self.level(menu) >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_over_the_role_in_both_directions() {
        let role = builtin_roles()
            .into_iter()
            .find(|r| r.id == "cashier")
            .unwrap();
        let mut o = Grants::default();
        o.0.insert(Menu::Payments, Level::View);
        o.0.insert(Menu::Routers, Level::Edit);
        let p = Permissions::new(&role.grants, &o);
        assert!(!p.allows(Menu::Payments, Level::Edit));
        assert!(p.allows(Menu::Payments, Level::View));
        assert!(p.allows(Menu::Routers, Level::Edit));
        assert!(!p.allows(Menu::Admins, Level::View));
    }

    #[test]
    fn ids_round_trip() {
        for m in Menu::ALL {
            assert_eq!(Menu::parse(m.id()), Some(m));
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.id()), Some(l));
        }
    }

    #[test]
    fn super_admin_can_do_everything() {
        let r = &builtin_roles()[0];
        let p = Permissions::new(&r.grants, &Grants::default());
        assert!(Menu::ALL.iter().all(|m| p.allows(*m, Level::Edit)));
    }
}
