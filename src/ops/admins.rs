//! What the command line does to admins: the first admin without a browser, a forgotten
//! password, an API token. Run straight on the file when no server holds it, or by the running
//! server on the CLI's behalf (`control`); either way one transaction with its audit entry.

use super::By;
use crate::access::admins::{self, Admin, AdminDraft};
use crate::access::{roles, sessions};
use crate::error::Error;
use crate::store::Store;

/// Creates an admin (the built-in roles exist first, so a fresh file can take one).
pub fn create(store: &Store, by: &By, draft: AdminDraft, hash: String) -> Result<Admin, Error> {
    store.write(|w| {
        roles::ensure_builtin(w)?;
        admins::create(w, by.now, &by.actor, draft, hash)
    })
}

/// Sets a new password and ends the admin's sessions and tokens.
pub fn reset_password(store: &Store, by: &By, username: &str, hash: String) -> Result<(), Error> {
    store.write(|w| {
        let a = admins::find_by_username(w, username)?.ok_or(Error::NotFound)?;
        admins::set_password(w, by.now, &by.actor, a.id, hash, None, true)
    })
}

/// Issues an API token for the admin; the token is returned once and stored only hashed.
pub fn issue_token(store: &Store, by: &By, username: &str, label: &str) -> Result<String, Error> {
    store.write(|w| {
        let a = admins::find_by_username(w, username)?.ok_or(Error::NotFound)?;
        sessions::create_token(w, by.now, &by.actor, a.id, label)
    })
}
