//! The admin web UI and JSON API over HTTP(S).
//!
//! Invariant: no business rule lives here; handlers parse input, call the domain modules
//! (`access`, `billing`, `network`, `notify`, `reports`, …) inside one store transaction, and
//! render the result. What the pages and `api/` both read lives below `web` or beside them here
//! (`export`, `dashboard`, `download`), so `api/` does not reach into `pages/` for it.

pub mod api;
pub mod charts;
pub mod ctx;
pub mod dashboard;
pub mod dispatch;
pub mod download;
pub mod error;
pub mod export;
pub mod gate;
pub mod grid;
pub mod http;
pub mod layout;
mod multipart;
pub mod pages;
pub mod qr;
pub mod router;
pub mod selfsigned;
pub mod server;

pub use ctx::App;
pub use gate::Limits;
pub use server::{Application, Config, Tls};
