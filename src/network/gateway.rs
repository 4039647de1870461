//! The default gateway of this host, read from `/proc/net/route`.
//!
//! Inside a RouterOS container the default gateway is the router's end of the container's veth,
//! which is also the address Steppe reaches the router's API on. So the first router form offers
//! it as the address; on other hosts it is usually the LAN router, a sensible guess too.

use std::net::Ipv4Addr;

const RTF_UP: u32 = 0x1;
const RTF_GATEWAY: u32 = 0x2;

/// The default IPv4 gateway, if this host has one (and is Linux).
pub fn default_gateway() -> Option<Ipv4Addr> {
    parse(&std::fs::read_to_string("/proc/net/route").ok()?)
}

/// The gateway of the default route with the lowest metric in the text of `/proc/net/route`.
///
/// Each line is `Iface Destination Gateway Flags RefCnt Use Metric Mask …`, addresses as eight
/// hex digits of the address's bytes as the kernel holds them (network order), printed as a
/// native-endian integer: hence `to_ne_bytes`.
pub fn parse(text: &str) -> Option<Ipv4Addr> {
    let hex = |s: &str| u32::from_str_radix(s, 16).ok();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (dest, gw, flags, metric, mask) = (
                hex(f.get(1)?)?,
                hex(f.get(2)?)?,
                hex(f.get(3)?)?,
                f.get(6)?.parse::<u32>().ok()?,
                hex(f.get(7)?)?,
            );
            let is_default = dest == 0 && mask == 0;
            let usable = flags & (RTF_UP | RTF_GATEWAY) == RTF_UP | RTF_GATEWAY && gw != 0;
            (is_default && usable).then(|| (metric, Ipv4Addr::from(gw.to_ne_bytes())))
        })
        .min_by_key(|(metric, _)| *metric)
        .map(|(_, gw)| gw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<[u8; 4]>) {
        assert_eq!(parse(text), expected.map(Ipv4Addr::from), "{text}");
    }

    const HEADER: &str =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

    // The byte order of the fixtures is that of little-endian hosts (x86, ARM), which is where
    // the tests and the binaries run.
    #[cfg(target_endian = "little")]
    #[test]
    fn reads_the_default_route() {
        // A RouterOS container: veth address 172.17.0.2/24, gateway 172.17.0.1.
        check(
            &format!(
                "{HEADER}eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                 eth0\t000011AC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
            ),
            Some([172, 17, 0, 1]),
        );
        // Two default routes: the lower metric wins, whatever the order.
        check(
            &format!(
                "{HEADER}wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n\
                 eth0\t00000000\t0158A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
            ),
            Some([192, 168, 88, 1]),
        );
    }

    #[test]
    fn no_default_route_gives_none() {
        check("", None);
        check(HEADER, None);
        // Only an on-link route.
        check(
            &format!("{HEADER}eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"),
            None,
        );
        // A default route that is down (flags without RTF_UP).
        check(
            &format!("{HEADER}eth0\t00000000\t0101A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"),
            None,
        );
        // Garbage lines are skipped, not fatal.
        check(&format!("{HEADER}eth0 zz\nshort\n"), None);
    }
}
