//! RouterOS API client: the wire codec, login, a pipelined connection over TCP or TLS, and typed
//! helpers for the menus a prepaid ISP needs. It knows nothing about billing.

pub mod backoff;
pub mod client;
pub mod codec;
pub mod command;
pub mod error;
pub mod framed;
pub mod hex;
pub mod login;
pub mod menus;
pub mod tls;
pub mod value;

pub use backoff::Backoff;
pub use client::{Client, ClientConfig, InFlight, Listener};
pub use command::{Command, Item, ItemId, Reply};
pub use error::{Error, Result};
pub use login::LoginMethod;
pub use tls::{Fingerprint, TlsMode, fetch_fingerprint};
