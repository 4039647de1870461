//! Admin accounts: the people who run the ISP's billing.

use super::perm::{Grants, Level, Menu, Permissions, Role};
use super::sessions;
use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};
use crate::store::{Index, Kind, Reader, Record, StoreError, Write};
use crate::validate::Problems;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Admin {
    pub id: u64,
    pub username: String,
    pub full_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    pub active: bool,
    #[serde(default)]
    pub note: String,
    pub role_id: String,
    /// Per-admin grants that win over the role's ("dynamic access levels").
    #[serde(default)]
    pub overrides: Grants,
    pub password_hash: String,
    #[serde(default)]
    pub lang: Option<Lang>,
    pub created_at: Timestamp,
    #[serde(default)]
    pub last_login_at: Option<Timestamp>,
}

impl Record for Admin {
    const KIND: Kind = Kind::Admins;
}

impl Admin {
    /// The audit/API view: everything but the password hash.
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("password_hash");
        }
        v
    }
}

/// The editable fields of an admin, as submitted.
#[derive(Debug, Clone, Default)]
pub struct AdminDraft {
    pub username: String,
    pub full_name: String,
    pub phone: String,
    pub email: String,
    pub active: bool,
    pub note: String,
    pub role_id: String,
    pub overrides: Grants,
}

/// Usernames are compared case-insensitively; stored as typed, indexed lowercase.
pub fn valid_username(u: &str) -> bool {
    (3..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl AdminDraft {
    fn validate(&mut self, r: &Write, p: &mut Problems) -> Result<(), StoreError> {
        self.username = self.username.trim().to_lowercase();
        if !valid_username(&self.username) {
            p.add("username", Msg::InvalidUsername);
        }
        self.full_name = p.text("full_name", &self.full_name, 100, true, false);
        self.phone = p.phone("phone", &self.phone);
        self.email = p.email("email", &self.email);
        self.note = p.text("note", &self.note, 1000, false, true);
        if r.kget::<Role>(&self.role_id)?.is_none() {
            p.add("role_id", Msg::UnknownRole);
        }
        Ok(())
    }
}

pub fn find_by_username(r: &impl Reader, username: &str) -> Result<Option<Admin>, StoreError> {
    match r.index_get(Index::AdminUsername, &username.trim().to_lowercase())? {
        Some(id) => r.get::<Admin>(id),
        None => Ok(None),
    }
}

pub fn any_exists(r: &impl Reader) -> Result<bool, StoreError> {
    Ok(r.count::<Admin>()? > 0)
}

/// An admin's effective permissions (role grants + overrides). An unknown role grants nothing.
pub fn permissions_in(role: Option<&Role>, admin: &Admin) -> Permissions {
    let none = Grants::default();
    Permissions::new(role.map_or(&none, |r| &r.grants), &admin.overrides)
}

pub fn permissions(r: &impl Reader, admin: &Admin) -> Result<Permissions, StoreError> {
    Ok(permissions_in(
        r.kget::<Role>(&admin.role_id)?.as_ref(),
        admin,
    ))
}

/// Refuses a transaction that would leave nobody able to manage admins.
pub fn ensure_super_admin_remains(w: &impl Reader) -> Result<()> {
    for a in w.list::<Admin>()? {
        let role = w.kget::<Role>(&a.role_id)?;
        if a.active && permissions_in(role.as_ref(), &a).allows(Menu::Admins, Level::Edit) {
            return Ok(());
        }
    }
    Err(Error::Conflict(Msg::LastSuperAdmin))
}

/// Creates an admin; `password_hash` is already argon2id (hashing happens outside the
/// transaction so the write lock is never held for it).
pub fn create(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    mut d: AdminDraft,
    password_hash: String,
) -> Result<Admin> {
    let mut p = Problems::default();
    d.validate(w, &mut p)?;
    if p.get("username").is_none() && w.index_get(Index::AdminUsername, &d.username)?.is_some() {
        p.add("username", Msg::UsernameTaken);
    }
    p.check()?;
    let id = w.next_id(Kind::Admins)?;
    let admin = Admin {
        id,
        username: d.username,
        full_name: d.full_name,
        phone: d.phone,
        email: d.email,
        active: d.active,
        note: d.note,
        role_id: d.role_id,
        overrides: d.overrides,
        password_hash,
        lang: None,
        created_at: now,
        last_login_at: None,
    };
    w.put(id, &admin)?;
    w.index_put(Index::AdminUsername, &admin.username, id)?;
    audit::record(
        w,
        now,
        actor,
        "create",
        "admin",
        id,
        audit::snapshot(&admin.view()),
    )?;
    Ok(admin)
}

pub fn update(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    mut d: AdminDraft,
) -> Result<Admin> {
    let before = w.get::<Admin>(id)?.ok_or(Error::NotFound)?;
    let mut p = Problems::default();
    d.validate(w, &mut p)?;
    if p.get("username").is_none()
        && w.index_get(Index::AdminUsername, &d.username)?
            .is_some_and(|other| other != id)
    {
        p.add("username", Msg::UsernameTaken);
    }
    p.check()?;
    let after = Admin {
        username: d.username,
        full_name: d.full_name,
        phone: d.phone,
        email: d.email,
        active: d.active,
        note: d.note,
        role_id: d.role_id,
        overrides: d.overrides,
        ..before.clone()
    };
    w.put(id, &after)?;
    if before.username != after.username {
        w.index_remove(Index::AdminUsername, &before.username)?;
        w.index_put(Index::AdminUsername, &after.username, id)?;
    }
    ensure_super_admin_remains(w)?;
    if !after.active {
        sessions::end_all_of(w, id, None)?;
    }
    audit::record(
        w,
        now,
        actor,
        "update",
        "admin",
        id,
        audit::changes(&before.view(), &after.view()),
    )?;
    Ok(after)
}

/// Sets a new password and ends the admin's sessions except `keep` (the caller's own, when an
/// admin changes their own password).
pub fn set_password(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    password_hash: String,
    keep: Option<&str>,
    revoke_tokens: bool,
) -> Result<()> {
    let mut admin = w.get::<Admin>(id)?.ok_or(Error::NotFound)?;
    admin.password_hash = password_hash;
    w.put(id, &admin)?;
    sessions::end_all_of(w, id, keep)?;
    if revoke_tokens || actor.admin_id != Some(id) {
        // A reset answers a compromise: the account's API tokens go with the old password.
        w.kretain::<sessions::ApiToken>(|_, t| t.admin_id != id)?;
    }
    let action = if actor.admin_id == Some(id) {
        "password_change"
    } else {
        "password_reset"
    };
    audit::record(w, now, actor, action, "admin", id, String::new())?;
    Ok(())
}

pub fn set_language(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    id: u64,
    lang: Lang,
) -> Result<()> {
    let mut admin = w.get::<Admin>(id)?.ok_or(Error::NotFound)?;
    let before = admin.view();
    admin.lang = Some(lang);
    w.put(id, &admin)?;
    audit::record(
        w,
        now,
        actor,
        "update",
        "admin",
        id,
        audit::changes(&before, &admin.view()),
    )?;
    Ok(())
}
