//! `/ip/hotspot`: users, user profiles (plans), active sessions and servers.

use super::{entry, remove_matching};
use crate::routeros::client::Client;
use crate::routeros::error::Result;
use std::time::Duration;

entry! {
    /// A hotspot login (`/ip/hotspot/user`).
    HotspotUser at "/ip/hotspot/user" {
        name: String = "name",
        password: String = "password",
        /// Hotspot user profile (the plan); `default` if unset.
        profile: String = "profile",
        /// Hotspot server name or `all`.
        server: String = "server",
        mac_address: String = "mac-address",
        /// Total online time allowed; zero means no limit.
        limit_uptime: Duration = "limit-uptime",
        limit_bytes_in: u64 = "limit-bytes-in",
        limit_bytes_out: u64 = "limit-bytes-out",
        limit_bytes_total: u64 = "limit-bytes-total",
        address: String = "address",
        email: String = "email",
        comment: String = "comment",
        disabled: bool = "disabled",
    }
    read_only {
        uptime: Duration = "uptime",
        bytes_in: u64 = "bytes-in",
        bytes_out: u64 = "bytes-out",
    }
}

entry! {
    /// A hotspot user profile (`/ip/hotspot/user/profile`): speed and sharing of a plan.
    HotspotProfile at "/ip/hotspot/user/profile" {
        name: String = "name",
        /// `rx/tx` from the router's view: rx is the client's upload (`2M/5M`).
        rate_limit: String = "rate-limit",
        shared_users: u64 = "shared-users",
        session_timeout: Duration = "session-timeout",
        idle_timeout: String = "idle-timeout",
        address_list: String = "address-list",
    }
    read_only {}
}

entry! {
    /// A logged-in hotspot client (`/ip/hotspot/active`).
    HotspotActive at "/ip/hotspot/active" {}
    read_only {
        server: String = "server",
        user: String = "user",
        address: String = "address",
        mac_address: String = "mac-address",
        uptime: Duration = "uptime",
        session_time_left: Duration = "session-time-left",
        bytes_in: u64 = "bytes-in",
        bytes_out: u64 = "bytes-out",
    }
}

impl HotspotActive {
    /// Logs `user` out (every session of theirs); returns how many sessions were removed.
    pub async fn kick(client: &Client, user: &str) -> Result<usize> {
        remove_matching(client, "/ip/hotspot/active", "user", user).await
    }
}

entry! {
    /// A hotspot server (`/ip/hotspot`), one per interface.
    HotspotServer at "/ip/hotspot" {
        name: String = "name",
        interface: String = "interface",
        profile: String = "profile",
        address_pool: String = "address-pool",
        disabled: bool = "disabled",
    }
    read_only {}
}

entry! {
    /// A device the hotspot has seen (`/ip/hotspot/host`), logged in or not.
    HotspotHost at "/ip/hotspot/host" {}
    read_only {
        mac_address: String = "mac-address",
        address: String = "address",
        to_address: String = "to-address",
        server: String = "server",
        authorized: bool = "authorized",
        bypassed: bool = "bypassed",
    }
}

entry! {
    /// What a login by cookie left (`/ip/hotspot/cookie`): whose the device was.
    HotspotCookie at "/ip/hotspot/cookie" {}
    read_only {
        user: String = "user",
        mac_address: String = "mac-address",
        domain: String = "domain",
    }
}
