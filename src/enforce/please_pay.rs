//! PPPoE "please pay": an expired customer stays connected on the `steppe-expired` profile,
//! whose address list the firewall fences in — web requests sent to the pay page, only DNS, the
//! pay page, QPay and the bank apps reachable. What the router should hold for it, computed from
//! the router and the QPay settings alone.

use super::garden::{self, PayAddress, PayHost};
use super::marked::MarkedMenu;
use crate::network::Router;
use crate::selfpay::QPaySettings;
use std::net::IpAddr;

pub const MARKER: &str = "steppe:please-pay";
pub const PROFILE: &str = "steppe-expired";
/// The address list the profile puts a connected customer's address on.
pub const EXPIRED_LIST: &str = "steppe-expired";
/// Host names RouterOS resolves into addresses (it re-resolves them as their records expire;
/// RouterOS before 6.36 takes only addresses here, so on such a router these adds fail, are
/// logged, and only the pay page is let through).
pub const PAY_HOSTS_LIST: &str = "steppe-pay-hosts";
/// Enough for the pay page and a bank app, too little to be worth not paying.
pub const RATE_LIMIT: &str = "256k/256k";

const FIREWALL_PROPS: &[&str] = &[
    ".id",
    "chain",
    "action",
    "protocol",
    "dst-port",
    "src-address-list",
    "dst-address",
    "dst-address-list",
    "to-addresses",
    "to-ports",
    "comment",
    "dynamic",
];

/// The pay page's address when this router fences expired PPPoE customers in; `Err` with the
/// reason when the mode is on but cannot work (they are then disabled as usual).
pub fn active(router: &Router, q: &QPaySettings) -> Result<Option<(IpAddr, u16)>, String> {
    if !router.please_pay || !router.pppoe {
        return Ok(None);
    }
    match garden::active(q) {
        None => Err(
            "\"please pay\" is on but QPay is off or has no pay address: expired PPPoE \
             customers are disabled"
                .into(),
        ),
        Some(PayAddress {
            host: PayHost::Ip(ip),
            port,
        }) => Ok(Some((ip, port))),
        // A dst-nat rule needs an address, not a name.
        Some(_) => Err(
            "\"please pay\" needs the pay address as an IP address (http://10.5.50.2:8081): \
             expired PPPoE customers are disabled"
                .into(),
        ),
    }
}

fn entry(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(n, v)| (*n, (*v).to_owned())).collect()
}

/// The menus the fence lives in, with what each should hold (nothing when `pay` is `None`).
pub fn menus(q: &QPaySettings, pay: Option<(IpAddr, u16)>) -> Vec<MarkedMenu> {
    let mut profile = Vec::new();
    let mut lists = Vec::new();
    let mut nat = Vec::new();
    let mut filter = Vec::new();
    if let Some((pay_ip, port)) = pay {
        let ip = pay_ip.to_string();
        let port = port.to_string();
        // No local or remote address: RouterOS then takes them from the secret, or else from
        // the PPPoE server's default profile, so the customer keeps the address they had (a
        // plan profile's pool does not carry over: put pools on the secret or the server's
        // default profile when "please pay" is used).
        profile.push(entry(&[
            ("name", PROFILE),
            ("rate-limit", RATE_LIMIT),
            ("address-list", EXPIRED_LIST),
        ]));
        let pay_page = PayAddress {
            host: PayHost::Ip(pay_ip),
            port: 0,
        };
        // An address list takes a name to resolve, not a wildcard.
        for h in garden::hosts(q, &pay_page)
            .into_iter()
            .filter(|h| !h.starts_with("*."))
        {
            lists.push(vec![("list", PAY_HOSTS_LIST.to_owned()), ("address", h)]);
        }
        nat.push(entry(&[
            ("chain", "dstnat"),
            ("action", "dst-nat"),
            ("protocol", "tcp"),
            ("dst-port", "80"),
            ("src-address-list", EXPIRED_LIST),
            ("to-addresses", &ip),
            ("to-ports", &port),
        ]));
        for chain in ["input", "forward"] {
            for proto in ["udp", "tcp"] {
                filter.push(entry(&[
                    ("chain", chain),
                    ("action", "accept"),
                    ("protocol", proto),
                    ("dst-port", "53"),
                    ("src-address-list", EXPIRED_LIST),
                ]));
            }
        }
        filter.push(entry(&[
            ("chain", "forward"),
            ("action", "accept"),
            ("src-address-list", EXPIRED_LIST),
            ("dst-address", &ip),
        ]));
        filter.push(entry(&[
            ("chain", "forward"),
            ("action", "accept"),
            ("src-address-list", EXPIRED_LIST),
            ("dst-address-list", PAY_HOSTS_LIST),
        ]));
        filter.push(entry(&[
            ("chain", "forward"),
            ("action", "drop"),
            ("src-address-list", EXPIRED_LIST),
        ]));
    }
    vec![
        MarkedMenu {
            menu: "/ppp/profile",
            marker: MARKER,
            key: &["name"],
            props: &[".id", "name", "rate-limit", "address-list", "comment"],
            ordered: false,
            remove_last: true,
            wanted: profile,
        },
        MarkedMenu {
            menu: "/ip/firewall/address-list",
            marker: MARKER,
            key: &["list", "address"],
            props: &[".id", "list", "address", "comment"],
            ordered: false,
            remove_last: false,
            wanted: lists,
        },
        MarkedMenu {
            menu: "/ip/firewall/nat",
            marker: MARKER,
            key: &[],
            props: FIREWALL_PROPS,
            ordered: true,
            remove_last: false,
            wanted: nat,
        },
        MarkedMenu {
            menu: "/ip/firewall/filter",
            marker: MARKER,
            key: &[],
            props: FIREWALL_PROPS,
            ordered: true,
            remove_last: false,
            wanted: filter,
        },
    ]
}
