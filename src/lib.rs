//! Steppe: prepaid billing for small ISPs running MikroTik routers.
//!
//! One process serves the admin web UI and JSON API from an embedded redb file. See
//! `ARCHITECTURE.md` for the map.

pub mod access;
pub mod app;
pub mod audit;
pub mod backup;
pub mod banner;
pub mod billing;
pub mod cli;
pub mod clock;
pub mod control;
pub mod dashboard;
#[cfg(feature = "sim")]
pub mod demo;
pub mod enforce;
pub mod error;
pub mod feedback;
pub mod i18n;
pub mod idempotency;
pub mod model;
pub mod network;
pub mod notify;
pub mod ops;
pub mod portal;
pub mod qpay;
pub mod reports;
pub mod routeros;
pub mod selfpay;
pub mod settings;
#[cfg(feature = "sim")]
pub mod sim;
pub mod store;
pub mod validate;
pub mod vouchers;
pub mod web;
