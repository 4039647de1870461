//! Admins, roles and an admin's own account from the web UI and the API (the command line's
//! admin commands are in `admins`). Passwords arrive hashed: hashing runs before the write, at
//! most two at a time, outside any transaction.

use super::{By, commit};
use crate::access::Role;
use crate::access::admins::{self, Admin, AdminDraft};
use crate::access::roles::{self, RoleDraft};
use crate::access::sessions;
use crate::app::Core;
use crate::error::Error;
use crate::i18n::Lang;
use crate::store::{Reader, Write};
use crate::validate::Problems;

/// Adds an admin; `earlier` are problems the edge found first (a password too short, two that
/// differ), reported together with the draft's own.
pub async fn add_admin(
    core: &Core,
    by: &By,
    draft: AdminDraft,
    hash: String,
    earlier: Problems,
) -> Result<Admin, Error> {
    commit(core, by, move |w, _, by| {
        match admins::create(w, by.now, &by.actor, draft, hash) {
            Ok(a) if earlier.is_empty() => Ok(a),
            Ok(_) => Err(Error::Invalid(earlier)),
            Err(Error::Invalid(mut more)) => {
                more.0.extend(earlier.0);
                Err(Error::Invalid(more))
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// Edits an admin: `draft` is made from the record the write reads; a new password (hashed)
/// goes in the same transaction and ends their sessions and tokens.
pub async fn edit_admin<F>(
    core: &Core,
    by: &By,
    id: u64,
    draft: F,
    new_hash: Option<String>,
) -> Result<Admin, Error>
where
    F: FnOnce(&Admin) -> AdminDraft + Send + 'static,
{
    commit(core, by, move |w, _, by| {
        let cur = w.get::<Admin>(id)?.ok_or(Error::NotFound)?;
        let a = admins::update(w, by.now, &by.actor, id, draft(&cur))?;
        if let Some(h) = new_hash {
            admins::set_password(w, by.now, &by.actor, id, h, None, true)?;
        }
        Ok(a)
    })
    .await
}

/// A new password; `keep` is the session that stays signed in (one's own change), `revoke`
/// also ends API tokens.
pub async fn set_password(
    core: &Core,
    by: &By,
    id: u64,
    hash: String,
    keep: Option<String>,
    revoke: bool,
) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        admins::set_password(w, by.now, &by.actor, id, hash, keep.as_deref(), revoke)
    })
    .await
}

pub async fn set_language(core: &Core, by: &By, id: u64, lang: Lang) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        admins::set_language(w, by.now, &by.actor, id, lang)
    })
    .await
}

pub async fn end_session(core: &Core, by: &By, admin: u64, public: String) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        sessions::revoke(w, by.now, &by.actor, admin, &public)
    })
    .await
}

/// An API token for `admin`, shown once and stored only hashed.
pub async fn issue_token(core: &Core, by: &By, admin: u64, name: String) -> Result<String, Error> {
    commit(core, by, move |w, _, by| {
        sessions::create_token(w, by.now, &by.actor, admin, &name)
    })
    .await
}

pub async fn revoke_token(core: &Core, by: &By, admin: u64, public: String) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        sessions::revoke_token(w, by.now, &by.actor, admin, &public)
    })
    .await
}

pub async fn add_role(core: &Core, by: &By, id: String, draft: RoleDraft) -> Result<Role, Error> {
    commit(core, by, move |w, _, by| {
        roles::create(w, by.now, &by.actor, &id, draft)
    })
    .await
}

/// `draft` is made from the role as the write reads it.
pub async fn edit_role<F>(core: &Core, by: &By, id: String, draft: F) -> Result<Role, Error>
where
    F: FnOnce(&Role) -> RoleDraft + Send + 'static,
{
    commit(core, by, move |w: &mut Write, _, by| {
        let cur = w.kget::<Role>(&id)?.ok_or(Error::NotFound)?;
        roles::update(w, by.now, &by.actor, &id, draft(&cur))
    })
    .await
}

/// Deletes a role no admin holds (built-in roles stay).
pub async fn delete_role(core: &Core, by: &By, id: String) -> Result<(), Error> {
    commit(core, by, move |w, _, by| {
        roles::delete(w, by.now, &by.actor, &id)
    })
    .await
}
