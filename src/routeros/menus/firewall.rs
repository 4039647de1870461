//! `/ip/firewall/address-list`: the usual way to suspend a customer behind a "please pay" page.

use super::entry;
use std::time::Duration;

entry! {
    /// One address on a named list. Without `timeout` the entry survives a reboot.
    AddressListEntry at "/ip/firewall/address-list" {
        list: String = "list",
        address: String = "address",
        timeout: Duration = "timeout",
        comment: String = "comment",
        disabled: bool = "disabled",
    }
    read_only {}
}
