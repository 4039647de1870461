//! Roles: named grant sets, built-in or custom.

use super::admins::Admin;
use super::perm::{Grants, Level, Menu, Role, builtin_roles};
use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::store::{KeyedKind, KeyedRecord, Reader, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;

impl KeyedRecord for Role {
    const KIND: KeyedKind = KeyedKind::Roles;
}

/// Menus added after the first release, which stored built-in roles may not mention yet.
const ADDED_LATER: &[Menu] = &[Menu::Vouchers, Menu::Agents, Menu::AgentDesk];

/// Adds any built-in role missing from the store (first start, or a new release adding one),
/// and gives a stored built-in role the shipped level of a menu a newer release added;
/// never overwrites an operator's edits.
pub fn ensure_builtin(w: &mut Write) -> Result<(), StoreError> {
    for role in builtin_roles() {
        match w.kget::<Role>(&role.id)? {
            None => w.kput(&role.id.clone(), &role)?,
            Some(mut stored) => {
                // A saved role holds every menu, "none" included (`RoleDraft::validate`), so a
                // menu absent from a stored one did not exist when it was last saved: without
                // this, an upgraded installation's super admin could not open a new menu at all.
                let mut added = false;
                for (menu, level) in &role.grants.0 {
                    if ADDED_LATER.contains(menu) && !stored.grants.0.contains_key(menu) {
                        stored.grants.0.insert(*menu, *level);
                        added = true;
                    }
                }
                if added {
                    w.kput(&role.id.clone(), &stored)?;
                }
            }
        }
    }
    Ok(())
}

pub fn list(r: &impl Reader) -> Result<Vec<Role>, StoreError> {
    let mut roles: Vec<Role> = r.klist::<Role>()?.into_iter().map(|(_, r)| r).collect();
    // Built-ins first in their shipped order, then custom roles by name.
    let order: Vec<String> = builtin_roles().into_iter().map(|r| r.id).collect();
    roles.sort_by_key(|r| {
        (
            order.iter().position(|o| *o == r.id).unwrap_or(usize::MAX),
            r.name.to_lowercase(),
        )
    });
    Ok(roles)
}

/// Checks a role id: 2–32 of `[a-z0-9_]`.
pub fn valid_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The editable part of a role.
#[derive(Debug, Clone)]
pub struct RoleDraft {
    pub name: String,
    pub description: String,
    pub grants: Grants,
}

impl RoleDraft {
    pub fn validate(&mut self, p: &mut Problems) {
        for m in Menu::ALL {
            self.grants.0.entry(m).or_insert(Level::None);
        }
        self.name = p.text("name", &self.name, 60, true, false);
        self.description = p.text("description", &self.description, 200, false, false);
    }
}

pub fn create(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: &str,
    mut d: RoleDraft,
) -> Result<Role> {
    let mut p = Problems::default();
    if !valid_id(id) {
        p.add("id", Msg::InvalidRoleId);
    } else if w.kget::<Role>(id)?.is_some() {
        p.add("id", Msg::RoleIdTaken);
    }
    d.validate(&mut p);
    p.check()?;
    let role = Role {
        id: id.into(),
        name: d.name,
        grants: d.grants,
        builtin: false,
        description: d.description,
    };
    w.kput(id, &role)?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "role",
        id,
        audit::snapshot(&view(&role)),
    )?;
    Ok(role)
}

pub fn update(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: &str,
    mut d: RoleDraft,
) -> Result<Role> {
    let before = w.kget::<Role>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    d.validate(&mut p);
    p.check()?;
    let after = Role {
        name: d.name,
        description: d.description,
        grants: d.grants,
        ..before.clone()
    };
    w.kput(id, &after)?;
    super::admins::ensure_super_admin_remains(w)?;
    audit::record(
        w,
        now,
        actor,
        "update",
        "role",
        id,
        audit::changes(&view(&before), &view(&after)),
    )?;
    Ok(after)
}

pub fn delete(w: &mut Write, now: Timestamp, actor: &Actor, id: &str) -> Result<()> {
    let role = w.kget::<Role>(id)?.ok_or(Error::NotFound)?;
    if role.builtin {
        return Err(Error::Conflict(Msg::BuiltinRole));
    }
    if w.list::<Admin>()?.iter().any(|a| a.role_id == id) {
        return Err(Error::Conflict(Msg::RoleInUse));
    }
    w.kremove::<Role>(id)?;
    audit::record(
        w,
        now,
        actor,
        "delete",
        "role",
        id,
        audit::snapshot(&view(&role)),
    )?;
    Ok(())
}

fn view(r: &Role) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::perm::SUPER_ADMIN;
    use crate::store::Store;

    fn shipped(id: &str) -> Role {
        builtin_roles().into_iter().find(|r| r.id == id).unwrap()
    }

    #[test]
    fn an_older_built_in_role_gains_a_new_menu_as_shipped_and_keeps_the_operators_choices() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let roles = store
            .write(|w| {
                // Saved before the Vouchers menu existed.
                let mut su = shipped(SUPER_ADMIN);
                su.grants.0.remove(&Menu::Vouchers);
                let mut cashier = shipped("cashier");
                cashier.grants.0.remove(&Menu::Vouchers);
                cashier.grants.0.remove(&Menu::Plans);
                // Saved since, with vouchers deliberately closed.
                let mut viewer = shipped("viewer");
                viewer.grants.0.insert(Menu::Vouchers, Level::None);
                for r in [&su, &cashier, &viewer] {
                    w.kput(&r.id.clone(), r)?;
                }
                ensure_builtin(w)?;
                list(w)
            })
            .unwrap();
        let level = |id: &str, m: Menu| roles.iter().find(|r| r.id == id).unwrap().grants.level(m);
        assert_eq!(level(SUPER_ADMIN, Menu::Vouchers), Level::Edit);
        assert_eq!(level("cashier", Menu::Vouchers), Level::View);
        assert_eq!(
            level("cashier", Menu::Plans),
            Level::None,
            "only menus added later are filled in"
        );
        assert_eq!(level("viewer", Menu::Vouchers), Level::None);
        assert_eq!(
            level("manager", Menu::Vouchers),
            Level::Edit,
            "a new role whole"
        );
    }

    #[test]
    fn a_saved_role_names_every_menu() {
        let mut d = RoleDraft {
            name: "Desk".into(),
            description: String::new(),
            grants: Grants::default(),
        };
        d.validate(&mut Problems::default());
        assert_eq!(d.grants.0.len(), Menu::ALL.len());
    }
}
