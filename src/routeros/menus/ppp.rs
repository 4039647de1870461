//! `/ppp`: secrets (PPPoE accounts), profiles (plans) and active connections.

use super::{entry, remove_matching};
use crate::routeros::client::Client;
use crate::routeros::error::Result;
use std::time::Duration;

entry! {
    /// A PPP account (`/ppp/secret`).
    PppSecret at "/ppp/secret" {
        name: String = "name",
        password: String = "password",
        profile: String = "profile",
        /// `pppoe`, `any`, …
        service: String = "service",
        remote_address: String = "remote-address",
        local_address: String = "local-address",
        caller_id: String = "caller-id",
        disabled: bool = "disabled",
        comment: String = "comment",
    }
    read_only {}
}

entry! {
    /// A PPPoE server (`/interface/pppoe-server/server`): the service name customers dial and
    /// the interface it listens on.
    PppoeServer at "/interface/pppoe-server/server" {
        service_name: String = "service-name",
        interface: String = "interface",
        default_profile: String = "default-profile",
        disabled: bool = "disabled",
    }
    read_only {}
}

entry! {
    /// A PPP profile (`/ppp/profile`); `default` and `default-encryption` are built in.
    PppProfile at "/ppp/profile" {
        name: String = "name",
        /// `rx/tx` from the router's view: rx is the client's upload (`2M/5M`).
        rate_limit: String = "rate-limit",
        local_address: String = "local-address",
        /// An address or a pool name.
        remote_address: String = "remote-address",
        /// `yes`, `no` or `default`, so kept as text.
        only_one: String = "only-one",
        session_timeout: Duration = "session-timeout",
        address_list: String = "address-list",
    }
    read_only {}
}

entry! {
    /// A connected PPP client (`/ppp/active`).
    PppActive at "/ppp/active" {}
    read_only {
        name: String = "name",
        service: String = "service",
        caller_id: String = "caller-id",
        address: String = "address",
        uptime: Duration = "uptime",
    }
}

impl PppActive {
    /// Disconnects `name`; returns how many connections were removed.
    pub async fn kick(client: &Client, name: &str) -> Result<usize> {
        remove_matching(client, "/ppp/active", "name", name).await
    }
}
