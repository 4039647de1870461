//! Who may do what: admins, roles with per-menu access levels, sessions, API tokens and the
//! login rate limiter.
//!
//! Invariant: every change goes through these functions inside one store transaction, with its
//! audit entry in the same transaction.

pub mod admins;
pub mod first_run;
pub mod perm;
pub mod ratelimit;
pub mod roles;
pub mod secret;
pub mod sessions;

pub use admins::Admin;
pub use perm::{Grants, Level, Menu, Permissions, Role};
