//! Router-wide menus: interfaces, resources, identity, and SMS through the router's LTE modem.

use std::time::Duration;

use super::entry;
use crate::routeros::client::Client;
use crate::routeros::command::Command;
use crate::routeros::error::{Error, Result};
use crate::routeros::menus::PropValue;

entry! {
    /// A network interface (`/interface`); items cannot be added or removed through this menu.
    Interface at "/interface" {
        name: String = "name",
        comment: String = "comment",
        disabled: bool = "disabled",
    }
    read_only {
        /// `ether`, `bridge`, `vlan`, … (the property `type`).
        kind: String = "type",
        running: bool = "running",
    }
}

/// `/system/resource`: health and version of the router.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemResource {
    pub uptime: Option<Duration>,
    /// As printed, e.g. `7.16.2 (stable)`.
    pub version: Option<String>,
    pub cpu_load: Option<u64>,
    pub free_memory: Option<u64>,
    pub total_memory: Option<u64>,
    pub free_hdd_space: Option<u64>,
    pub board_name: Option<String>,
    pub architecture_name: Option<String>,
    pub cpu_count: Option<u64>,
}

impl SystemResource {
    /// Reads the router's resources.
    pub async fn get(client: &Client) -> Result<SystemResource> {
        let reply = client
            .command(Command::new("/system/resource/print"))
            .await?;
        let item = reply
            .items
            .first()
            .ok_or_else(|| Error::Protocol("/system/resource/print returned no item".into()))?;
        fn field<T: PropValue>(item: &crate::routeros::command::Item, name: &str) -> Option<T> {
            item.get(name).and_then(T::parse_prop)
        }
        Ok(SystemResource {
            uptime: field(item, "uptime"),
            version: field(item, "version"),
            cpu_load: field(item, "cpu-load"),
            free_memory: field(item, "free-memory"),
            total_memory: field(item, "total-memory"),
            free_hdd_space: field(item, "free-hdd-space"),
            board_name: field(item, "board-name"),
            architecture_name: field(item, "architecture-name"),
            cpu_count: field(item, "cpu-count"),
        })
    }
}

/// The router's name (`/system/identity`).
pub async fn identity(client: &Client) -> Result<String> {
    let reply = client
        .command(Command::new("/system/identity/print"))
        .await?;
    reply
        .items
        .first()
        .and_then(|i| i.get("name"))
        .map(str::to_owned)
        .ok_or_else(|| Error::Protocol("/system/identity/print returned no name".into()))
}

/// Renames the router.
pub async fn set_identity(client: &Client, name: &str) -> Result<()> {
    client
        .command(Command::new("/system/identity/set").attr("name", name))
        .await
        .map(|_| ())
}

/// Sends an SMS through the router's modem (`/tool/sms/send`); `port` defaults on the router.
pub async fn send_sms(
    client: &Client,
    port: Option<&str>,
    phone: &str,
    message: &str,
) -> Result<()> {
    let mut command = Command::new("/tool/sms/send")
        .attr("phone-number", phone)
        .attr("message", message);
    if let Some(port) = port {
        command = command.attr("port", port);
    }
    client.command(command).await.map(|_| ())
}
