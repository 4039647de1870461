//! The certificate `--tls self-signed` makes at first start.
//!
//! Browsers will warn about it whatever it says, but an operator who checks what they are
//! accepting should see their company and the names and addresses they typed, and a
//! certificate that expires in ten years rather than in 4096 (which some clients reject).
//! The names are read from `/proc` and `/etc`, without sending anything on the network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use rcgen::{CertificateParams, DnType, SanType, date_time_ymd};

/// How long the certificate is valid from its start.
const YEARS: i16 = 10;

/// What goes into the certificate besides the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The subject's common name.
    pub company: String,
    /// DNS names, in order, without repeats.
    pub names: Vec<String>,
    /// IP addresses, in order, without repeats.
    pub addresses: Vec<IpAddr>,
}

impl Identity {
    /// This machine: `localhost`, `steppe.local`, its host name, loopback and its own addresses.
    pub fn of_this_host(company: &str) -> Identity {
        let hostname = ["/proc/sys/kernel/hostname", "/etc/hostname"]
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
            .map(|h| h.trim().to_owned());
        let mut addresses: Vec<IpAddr> =
            vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()];
        if let Ok(text) = std::fs::read_to_string("/proc/net/fib_trie") {
            addresses.extend(local_ipv4(&text).into_iter().map(IpAddr::from));
        }
        if let Ok(text) = std::fs::read_to_string("/proc/net/if_inet6") {
            addresses.extend(local_ipv6(&text).into_iter().map(IpAddr::from));
        }
        Identity::new(company, hostname.as_deref(), addresses)
    }

    /// The identity for `company` (empty: "Steppe"), `hostname` and `addresses`, with the
    /// names every installation answers to.
    pub fn new(company: &str, hostname: Option<&str>, addresses: Vec<IpAddr>) -> Identity {
        let company = match company.trim() {
            "" => "Steppe".to_owned(),
            c => c.to_owned(),
        };
        let mut names = vec!["localhost".to_owned(), "steppe.local".to_owned()];
        if let Some(h) = hostname.filter(|h| is_dns_name(h)) {
            names.push(h.to_ascii_lowercase());
        }
        let mut unique = Vec::new();
        for a in addresses {
            if !unique.contains(&a) {
                unique.push(a);
            }
        }
        Identity {
            company,
            names: unique_names(names),
            addresses: unique,
        }
    }

    /// Certificate parameters valid from a day before `now` to ten years after it, so a
    /// clock a little behind the browser's does not make it "not yet valid".
    pub fn params(&self, now: jiff::Timestamp) -> Result<CertificateParams, String> {
        let mut p = CertificateParams::default();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name
            .push(DnType::CommonName, self.company.as_str());
        for n in &self.names {
            let name = n
                .clone()
                .try_into()
                .map_err(|e| format!("{n} cannot be a certificate name: {e}"))?;
            p.subject_alt_names.push(SanType::DnsName(name));
        }
        p.subject_alt_names
            .extend(self.addresses.iter().copied().map(SanType::IpAddress));
        let start = now - jiff::SignedDuration::from_hours(24);
        let end = now
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .checked_add(jiff::Span::new().years(YEARS))
            .map_err(|e| format!("computing the certificate's end: {e}"))?
            .timestamp();
        // rcgen's own epoch plus seconds, so we need no direct dependency on its `time` crate.
        p.not_before = date_time_ymd(1970, 1, 1) + unix_secs(start)?;
        p.not_after = date_time_ymd(1970, 1, 1) + unix_secs(end)?;
        Ok(p)
    }
}

fn unix_secs(t: jiff::Timestamp) -> Result<Duration, String> {
    u64::try_from(t.as_second())
        .map(Duration::from_secs)
        .map_err(|_| format!("{t} is before 1970; set the clock"))
}

fn unique_names(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// A host name a certificate can carry: dot-separated labels of letters, digits and hyphens.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The addresses of this host in `/proc/net/fib_trie`: each `|-- a.b.c.d` leaf followed by a
/// `/32 host LOCAL` line is one of ours (the Local table lists them; Main repeats some).
pub fn local_ipv4(fib_trie: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut leaf = None;
    for line in fib_trie.lines() {
        let t = line.trim();
        if let Some(a) = t.strip_prefix("|-- ") {
            leaf = a.parse::<Ipv4Addr>().ok();
        } else if t == "/32 host LOCAL"
            && let Some(a) = leaf
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

/// The addresses of this host in `/proc/net/if_inet6` (32 hex digits, index, prefix, scope,
/// flags, name), link-local ones left out: they mean nothing without the interface.
pub fn local_ipv6(if_inet6: &str) -> Vec<Ipv6Addr> {
    const LINK_SCOPE: &str = "20";
    let mut out = Vec::new();
    for line in if_inet6.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(hex), Some(scope)) = (f.first(), f.get(3)) else {
            continue;
        };
        if *scope == LINK_SCOPE || hex.len() != 32 {
            continue;
        }
        let Ok(bits) = u128::from_str_radix(hex, 16) else {
            continue;
        };
        let a = Ipv6Addr::from(bits);
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIB_TRIE: &str = "Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.168.88.0/24 2 0 2
        |-- 192.168.88.0
           /24 link UNICAST
        |-- 192.168.88.254
           /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 192.168.88.254
           /32 host LOCAL
        |-- 10.8.0.1
           /32 host LOCAL
";

    const IF_INET6: &str = "\
00000000000000000000000000000001 01 80 10 80       lo
fe80000000000000021122fffe334455 02 40 20 80     eth0
20010db8000000000000000000000042 02 40 00 80     eth0
";

    #[test]
    fn own_addresses_are_read_from_proc() {
        assert_eq!(
            local_ipv4(FIB_TRIE),
            [
                Ipv4Addr::LOCALHOST,
                Ipv4Addr::new(192, 168, 88, 254),
                Ipv4Addr::new(10, 8, 0, 1)
            ]
        );
        assert_eq!(
            local_ipv6(IF_INET6),
            [
                Ipv6Addr::LOCALHOST,
                "2001:db8::42".parse::<Ipv6Addr>().expect("address")
            ]
        );
    }

    #[test]
    fn the_certificate_names_the_company_and_this_host_for_ten_years() {
        let lan: IpAddr = Ipv4Addr::new(192, 168, 88, 254).into();
        let id = Identity::new(
            " TopNET ",
            Some("Billing-1"),
            vec![Ipv4Addr::LOCALHOST.into(), lan, Ipv4Addr::LOCALHOST.into()],
        );
        assert_eq!(id.company, "TopNET");
        assert_eq!(id.names, ["localhost", "steppe.local", "billing-1"]);
        assert_eq!(id.addresses, [Ipv4Addr::LOCALHOST.into(), lan]);
        assert_eq!(Identity::new("", None, Vec::new()).company, "Steppe");
        assert_eq!(
            Identity::new("", Some("bad name\n"), Vec::new()).names,
            ["localhost", "steppe.local"]
        );

        let now: jiff::Timestamp = "2026-03-01T12:00:00Z".parse().expect("time");
        let p = id.params(now).expect("params");
        assert_eq!(
            p.distinguished_name.get(&DnType::CommonName),
            Some(&rcgen::DnValue::Utf8String("TopNET".into()))
        );
        assert!(p.subject_alt_names.contains(&SanType::IpAddress(lan)));
        assert!(
            p.subject_alt_names
                .contains(&SanType::DnsName("localhost".try_into().expect("name")))
        );
        assert_eq!(p.not_before.unix_timestamp(), now.as_second() - 86_400);
        let end: jiff::Timestamp = "2036-03-01T12:00:00Z".parse().expect("time");
        assert_eq!(p.not_after.unix_timestamp(), end.as_second());
    }
}
