//! The admin web UI and JSON API over HTTP(S).
//!
//! Invariant: no business rule lives here; handlers parse input, call `access`, `banner`,
//! `settings` (and later billing) inside one store transaction, and render the result.

pub mod api;
pub mod charts;
pub mod ctx;
pub mod download;
pub mod gate;
pub mod http;
pub mod layout;
mod multipart;
pub mod pages;
pub mod router;
pub mod selfsigned;
pub mod server;

pub use ctx::App;
pub use gate::Limits;
pub use server::{Application, Config, Tls};
