//! The hotspot walled garden Steppe keeps so that a customer whose service ended can still reach
//! the pay page, QPay and the bank apps before logging in: computed from the router and the
//! QPay settings alone.

use super::marked::MarkedMenu;
use crate::network::Router;
use crate::qpay::BaseUrl;
use crate::selfpay::QPaySettings;
use std::net::IpAddr;

pub const MARKER: &str = "steppe:garden";
pub const WALLED_GARDEN: &str = "/ip/hotspot/walled-garden";
pub const WALLED_GARDEN_IP: &str = "/ip/hotspot/walled-garden/ip";
/// Every QPay host (the merchant API, the payment pages the apps open).
pub const QPAY_WILDCARD: &str = "*.qpay.mn";

/// Where customers' browsers reach Steppe's pay page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayHost {
    Ip(IpAddr),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayAddress {
    pub host: PayHost,
    pub port: u16,
}

/// `http://10.5.50.2:8081/pay` → 10.5.50.2, 8081; `None` for an empty or unreadable address.
pub fn pay_address(s: &str) -> Option<PayAddress> {
    let u = BaseUrl::parse(s).ok()?;
    let host = match u.host().parse::<IpAddr>() {
        Ok(ip) => PayHost::Ip(ip),
        Err(_) => PayHost::Name(u.host().to_owned()),
    };
    Some(PayAddress {
        host,
        port: u.port(),
    })
}

/// The host of a `https://host[:port]/…` address.
pub fn url_host(s: &str) -> Option<String> {
    BaseUrl::parse(s).ok().map(|u| u.host().to_owned())
}

/// The pay address, when QPay is usable and one is set.
pub fn active(q: &QPaySettings) -> Option<PayAddress> {
    if !q.usable() {
        return None;
    }
    pay_address(&q.pay_address)
}

/// The host names customers must reach to pay: QPay's, the bank apps', the pay page's when it
/// is a name.
pub fn hosts(q: &QPaySettings, pay: &PayAddress) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |h: String| {
        if !out.contains(&h) {
            out.push(h);
        }
    };
    if let Some(h) = url_host(&q.base_url) {
        push(h);
    }
    push(QPAY_WILDCARD.to_owned());
    for h in &q.garden_hosts {
        push(h.clone());
    }
    if let PayHost::Name(n) = &pay.host {
        push(n.clone());
    }
    out
}

/// The walled-garden menus this router should hold (empty lists when nothing is wanted, so
/// leftovers are removed).
pub fn menus(router: &Router, q: &QPaySettings) -> Vec<MarkedMenu> {
    let pay = active(q).filter(|_| !router.hotspot_server.is_empty());
    // `all` is not a server name: a walled-garden entry without `server` applies to every one.
    let server = match router.hotspot_server.as_str() {
        "" | "all" => None,
        s => Some(s.to_owned()),
    };
    let mut hosts_menu = Vec::new();
    let mut ip_menu = Vec::new();
    if let Some(pay) = &pay {
        for h in hosts(q, pay) {
            let mut e = vec![("dst-host", h), ("action", "allow".to_owned())];
            if let Some(s) = &server {
                e.push(("server", s.clone()));
            }
            hosts_menu.push(e);
        }
        if let PayHost::Ip(ip) = pay.host {
            let mut e = vec![
                ("dst-address", ip.to_string()),
                ("action", "accept".to_owned()),
            ];
            if let Some(s) = &server {
                e.push(("server", s.clone()));
            }
            ip_menu.push(e);
        }
    }
    vec![
        MarkedMenu {
            menu: WALLED_GARDEN,
            marker: MARKER,
            key: &["dst-host"],
            props: &[".id", "dst-host", "action", "server", "comment"],
            ordered: false,
            remove_last: false,
            wanted: hosts_menu,
        },
        MarkedMenu {
            menu: WALLED_GARDEN_IP,
            marker: MARKER,
            key: &["dst-address"],
            props: &[".id", "dst-address", "action", "server", "comment"],
            ordered: false,
            remove_last: false,
            wanted: ip_menu,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_addresses() {
        let a = pay_address("http://10.5.50.2:8081").expect("parses");
        assert_eq!(a.host, PayHost::Ip("10.5.50.2".parse().expect("ip")));
        assert_eq!(a.port, 8081);
        let b = pay_address("https://Pay.Example.mn/pay").expect("parses");
        assert_eq!(b.host, PayHost::Name("pay.example.mn".into()));
        assert_eq!(b.port, 443);
        assert_eq!(pay_address("http://10.0.0.1").map(|a| a.port), Some(80));
        assert_eq!(pay_address(""), None);
        assert_eq!(pay_address("ftp://x"), None);
        assert_eq!(
            url_host("https://merchant.qpay.mn").as_deref(),
            Some("merchant.qpay.mn")
        );
    }
}
