//! The base URL of a QPay merchant API, `scheme://host[:port][/prefix]`, parsed once so that a
//! typo is reported when the settings are saved rather than at the first payment.

use std::fmt;

/// QPay's production API.
pub const PRODUCTION: &str = "https://merchant.qpay.mn";
/// QPay's sandbox, for trying an integration with test credentials.
pub const SANDBOX: &str = "https://merchant-sandbox.qpay.mn";

/// A checked base URL: `https://` (TLS against the public roots) or `http://` (tests, a fake).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    tls: bool,
    /// The host as written (an IPv6 literal keeps its brackets), for the `Host` header.
    host: String,
    port: u16,
    /// Whether the port was written, since `Host` then carries it.
    explicit_port: bool,
    /// Path prefix without a trailing slash; empty for none.
    prefix: String,
}

impl BaseUrl {
    /// Parses `scheme://host[:port][/prefix]`; no user info, query or fragment.
    pub fn parse(text: &str) -> Result<BaseUrl, String> {
        let t = text.trim();
        let (tls, rest) = if let Some(r) = t.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = t.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!("{t:?} must start with https:// or http://"));
        };
        if rest.contains(['?', '#', '@', '\\']) || rest.chars().any(|c| c.is_whitespace()) {
            return Err(format!(
                "{t:?} must be scheme://host[:port][/prefix], without user, query or fragment"
            ));
        }
        let (authority, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = split_port(authority).ok_or_else(|| format!("{t:?} has a bad port"))?;
        let host_ok = if let Some(inner) = host.strip_prefix('[') {
            inner
                .strip_suffix(']')
                .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
        } else {
            !host.is_empty()
                && host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        };
        if !host_ok {
            return Err(format!("{t:?} has no usable host name"));
        }
        if prefix.contains("//") || prefix.split('/').any(|s| s == "." || s == "..") {
            return Err(format!("{t:?} has an unusable path"));
        }
        Ok(BaseUrl {
            tls,
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(if tls { 443 } else { 80 }),
            explicit_port: port.is_some(),
            prefix: prefix.to_owned(),
        })
    }

    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The host to connect to and to name in TLS (an IPv6 literal without brackets).
    pub fn host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Host` header's value.
    pub(super) fn authority(&self) -> String {
        if self.explicit_port {
            format!("{}:{}", self.host, self.port)
        } else {
            self.host.clone()
        }
    }

    /// The request target for an API path such as `/v2/invoice`.
    pub(super) fn target(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }
}

/// `host[:port]` with IPv6 brackets respected; `None` for a port that is not 1–65535.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let colon = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => i,
        _ => return Some((authority, None)),
    };
    let port: u16 = authority[colon + 1..].parse().ok()?;
    (port != 0).then_some((&authority[..colon], Some(port)))
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority(), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check() {
        for (text, want) in [
            (PRODUCTION, Some("https://merchant.qpay.mn")),
            (
                "https://merchant-sandbox.qpay.mn/",
                Some("https://merchant-sandbox.qpay.mn"),
            ),
            ("http://127.0.0.1:8080", Some("http://127.0.0.1:8080")),
            ("http://[::1]:9/qpay/", Some("http://[::1]:9/qpay")),
            ("HTTPS://x", None),
            ("ftp://x", None),
            ("https://", None),
            ("https://:443", None),
            ("https://x:0", None),
            ("https://x:99999", None),
            ("https://u:p@x", None),
            ("https://x/?a=1", None),
            ("https://x/a/../b", None),
            ("https://exa mple", None),
            ("https://[::1", None),
            ("https://ex_ample.mn", None),
        ] {
            let got = BaseUrl::parse(text).map(|u| u.to_string()).ok();
            assert_eq!(got.as_deref(), want, "{text}");
        }
        let u = BaseUrl::parse("http://[::1]:9/qpay").unwrap();
        assert_eq!((u.host(), u.port(), u.is_tls()), ("::1", 9, false));
        assert_eq!(u.target("/v2/invoice"), "/qpay/v2/invoice");
        assert_eq!(BaseUrl::parse(PRODUCTION).unwrap().port(), 443);
    }
}
