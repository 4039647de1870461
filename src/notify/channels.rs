//! Sending one message: by SMS through a router's LTE modem (`/tool/sms/send`), through an
//! operator's HTTP SMS gateway described by a URL and body template, or by e-mail over SMTP.

use super::{Channel, Message};
use crate::billing::customer::Customer;
use crate::network::{Router, SecretBox};
use crate::settings::Settings;
use crate::store::{Reader, Store, StoreError};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

const TIMEOUT: Duration = Duration::from_secs(20);

pub async fn send(
    store: &Store,
    secrets: &SecretBox,
    m: &Message,
    now: jiff::Timestamp,
) -> Result<(), String> {
    let (customer_id, channel) = (m.customer_id, m.channel);
    let (settings, router, smtp) = store
        .read_async(move |r| {
            let settings = crate::settings::load(r)?;
            let smtp = super::config::load(r)?.smtp;
            let router = match channel {
                Channel::SmsRouter => {
                    let rid = match settings.sms_router_id {
                        Some(id) => Some(id),
                        None => r.get::<Customer>(customer_id)?.map(|c| c.router_id),
                    };
                    rid.map(|id| r.get::<Router>(id)).transpose()?.flatten()
                }
                Channel::SmsGateway | Channel::Email => None,
            };
            Ok::<_, StoreError>((settings, router, smtp))
        })
        .await
        .map_err(|e| e.to_string())?;
    match m.channel {
        Channel::SmsRouter => {
            let router = router.ok_or("no router to send the SMS through")?;
            let password = secrets
                .open_sealed(&router.password_sealed)
                .ok_or("the router's API password cannot be unsealed")?;
            let client = crate::network::import::connect(&router, &password).await?;
            let port = if router.sms_port.is_empty() {
                "lte1"
            } else {
                router.sms_port.as_str()
            };
            let result = crate::routeros::menus::send_sms(&client, Some(port), &m.to, &m.body)
                .await
                .map_err(|e| e.to_string());
            client.close();
            result
        }
        Channel::SmsGateway => gateway(&settings, &smtp.ca_pem, &m.to, &m.body).await,
        Channel::Email => {
            let password = if smtp.password_sealed.is_empty() {
                String::new()
            } else {
                secrets
                    .open_sealed(&smtp.password_sealed)
                    .ok_or("the SMTP password cannot be unsealed")?
            };
            let mail = super::smtp::Mail {
                to: &m.to,
                subject: &m.subject,
                body: &m.body,
            };
            super::smtp::send(&smtp, &password, &mail, now).await
        }
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How a body template is read. The gateway's format is not a setting of its own: a template
/// shows whether it is JSON or a form, and each is filled with its own encoding so a customer's
/// name cannot add a parameter or a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Text,
}

impl BodyKind {
    /// JSON when the template opens an array or an object (`{` then `"` or `}`, so a template
    /// starting with `{message}` is not JSON); a form when, placeholders aside, it is `=` and
    /// characters a form may hold unencoded; anything else is text.
    fn of(template: &str) -> BodyKind {
        let t = template.trim_start();
        let object = t
            .strip_prefix('{')
            .is_some_and(|r| r.trim_start().starts_with(['"', '}']));
        if object || t.starts_with('[') {
            return BodyKind::Json;
        }
        let bare = template.replace("{phone}", "").replace("{message}", "");
        let form_char = |c: char| c.is_ascii_alphanumeric() || "-_.~%&=+*!'()".contains(c);
        if bare.contains('=') && bare.trim().chars().all(form_char) {
            BodyKind::Form
        } else {
            BodyKind::Text
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            BodyKind::Json => "application/json; charset=utf-8",
            BodyKind::Form => "application/x-www-form-urlencoded; charset=utf-8",
            BodyKind::Text => "text/plain; charset=utf-8",
        }
    }
}

/// The placeholder `template` holds at its start, and its value.
fn placeholder<'a>(template: &str, phone: &'a str, message: &'a str) -> Option<(usize, &'a str)> {
    [("{phone}", phone), ("{message}", message)]
        .into_iter()
        .find(|(p, _)| template.starts_with(p))
        .map(|(p, v)| (p.len(), v))
}

/// Fills the placeholders in one pass, so a value that itself reads `{phone}` stays text.
fn fill(template: &str, phone: &str, message: &str, encode: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + message.len());
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if let Some((len, value)) = placeholder(rest, phone, message) {
            out.push_str(&encode(value));
            rest = &rest[len..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The inside of a JSON string holding `s` (RFC 8259 escapes).
fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A JSON template filled: a placeholder inside a string (`"text": "{message}"`) gets the
/// escaped text, one outside (`"text": {message}`) a whole string with its quotes.
fn fill_json(template: &str, phone: &str, message: &str) -> String {
    let mut out = String::with_capacity(template.len() + message.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if !escaped && let Some((len, value)) = placeholder(rest, phone, message) {
            if in_string {
                out.push_str(&json_escape(value));
            } else {
                out.push('"');
                out.push_str(&json_escape(value));
                out.push('"');
            }
            rest = &rest[len..];
            continue;
        }
        if in_string && c == '\\' {
            escaped = !escaped;
        } else {
            if c == '"' && !escaped {
                in_string = !in_string;
            }
            escaped = false;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The POST body and its content type, or why the values cannot go into it safely.
fn gateway_body(
    template: &str,
    phone: &str,
    message: &str,
) -> Result<(String, &'static str), String> {
    let kind = BodyKind::of(template);
    let body = match kind {
        BodyKind::Json => fill_json(template, phone, message),
        BodyKind::Form => fill(template, phone, message, url_encode),
        BodyKind::Text => {
            if phone.chars().chain(message.chars()).any(char::is_control) {
                return Err(
                    "the message holds a control character (a line break?), which a \
                     plain-text gateway body cannot carry safely; use a form or JSON body"
                        .into(),
                );
            }
            fill(template, phone, message, str::to_owned)
        }
    };
    Ok((body, kind.content_type()))
}

/// Calls the gateway: `{phone}` and `{message}` are filled URL-encoded in the URL and, encoded
/// for the body's kind (see [`BodyKind`]), in the body (POST when a body template is set, else
/// GET). `https://` is checked against the public roots and the private CA set for e-mail
/// (`ca_pem`); `http://` stays for gateways on the ISP's own network.
pub async fn gateway(
    settings: &Settings,
    ca_pem: &str,
    phone: &str,
    message: &str,
) -> Result<(), String> {
    let url = fill(&settings.sms_gateway_url, phone, message, url_encode);
    let (rest, tls) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
        (Some(rest), _) => (rest, false),
        (_, Some(rest)) => (rest, true),
        _ => return Err("the SMS gateway URL must start with http:// or https://".into()),
    };
    let (hostport, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let host = match hostport.rsplit_once(':') {
        Some((h, port)) if !port.contains(']') => h,
        _ => hostport,
    };
    let addr = if hostport.len() > host.len() {
        hostport.to_string()
    } else {
        format!("{hostport}:{}", if tls { 443 } else { 80 })
    };
    let (body, content_type) = if settings.sms_gateway_body.is_empty() {
        (String::new(), BodyKind::Form.content_type())
    } else {
        gateway_body(&settings.sms_gateway_body, phone, message)?
    };
    let method = if body.is_empty() { "GET" } else { "POST" };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let tcp = tokio::net::TcpStream::connect(&addr)
            .await
            .map_err(|e| format!("connecting to {addr}: {e}"))?;
        if tls {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let stream = super::smtp::connect_tls(host, ca_pem, tcp).await?;
            post(stream, &request).await
        } else {
            post(tcp, &request).await
        }
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| "the gateway did not answer in time".to_string())?
}

async fn post<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &str,
) -> Result<(), String> {
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("sending to the gateway: {e}"))?;
    stream
        .flush()
        .await
        .map_err(|e| format!("sending to the gateway: {e}"))?;
    // The status line may come in pieces (TLS records), so read until it is whole.
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 1024 {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the gateway's answer: {e}"))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let status_line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    let code: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if (200..300).contains(&code) {
        Ok(())
    } else {
        Err(format!("the gateway answered {status_line:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::net::TcpListener;

    /// Issue #14: a name with `&` or `=` added parameters to a form body.
    const HOSTILE: &str = "Бат & Co = \"best\" &to=99999999&x";
    const PHONE: &str = "+97699112233";

    fn settings(url: String, body: &str) -> Settings {
        Settings {
            sms_gateway_url: url,
            sms_gateway_body: body.into(),
            ..Settings::default()
        }
    }

    /// A gateway that takes one request and answers 200; gives back its head and body.
    async fn one_request(
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> (u16, tokio::task::JoinHandle<(String, String)>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("a request");
            match tls {
                None => answer(tcp).await,
                Some(config) => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(config);
                    answer(acceptor.accept(tcp).await.expect("TLS handshake")).await
                }
            }
        });
        (port, task)
    }

    async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) -> (String, String) {
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        let (head, length) = loop {
            let n = s.read(&mut chunk).await.expect("reads");
            assert!(n > 0, "the request ended early");
            got.extend_from_slice(&chunk[..n]);
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8(got[..end].to_vec()).expect("UTF-8 head");
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .and_then(|v| v.parse::<usize>().ok())
                    .expect("a length");
                got.drain(..end + 4);
                break (head, length);
            }
        };
        while got.len() < length {
            let n = s.read(&mut chunk).await.expect("reads");
            assert!(n > 0, "the body ended early");
            got.extend_from_slice(&chunk[..n]);
        }
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await
            .expect("answers");
        _ = s.shutdown().await;
        (head, String::from_utf8(got).expect("UTF-8 body"))
    }

    fn pairs(form: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(form).expect("a form")
    }

    #[tokio::test]
    async fn a_form_body_carries_the_message_as_one_parameter() {
        let (port, server) = one_request(None).await;
        let s = settings(
            format!("http://127.0.0.1:{port}/send?key=k"),
            "to={phone}&text={message}&from=TopNET",
        );
        gateway(&s, "", PHONE, HOSTILE).await.expect("sent");
        let (head, body) = server.await.expect("server");
        assert!(head.starts_with("POST /send?key=k HTTP/1.1\r\n"), "{head}");
        assert!(head.contains("Content-Type: application/x-www-form-urlencoded; charset=utf-8"));
        assert_eq!(
            pairs(&body),
            [("to", PHONE), ("text", HOSTILE), ("from", "TopNET")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[tokio::test]
    async fn a_json_body_carries_the_message_as_one_string() {
        let (port, server) = one_request(None).await;
        let s = settings(
            format!("http://127.0.0.1:{port}/api"),
            r#"{"to": "{phone}", "text": {message}, "tag": "a \"{x}\""}"#,
        );
        let message = format!("{HOSTILE}\n\\ {{phone}} \u{1}");
        gateway(&s, "", PHONE, &message).await.expect("sent");
        let (head, body) = server.await.expect("server");
        assert!(
            head.contains("Content-Type: application/json; charset=utf-8"),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        assert_eq!(
            v,
            serde_json::json!({ "to": PHONE, "text": message, "tag": "a \"{x}\"" })
        );
    }

    #[test]
    fn bodies_are_encoded_for_their_kind() {
        let check = |template: &str, message: &str, expected: Result<(&str, &str), ()>| {
            let got = gateway_body(template, "1", message);
            match expected {
                Ok((body, kind)) => {
                    assert_eq!(got, Ok((body.to_owned(), kind)), "{template}");
                }
                Err(()) => assert!(got.is_err(), "{template}: {got:?}"),
            }
        };
        let form = BodyKind::Form.content_type();
        let json = BodyKind::Json.content_type();
        let text = BodyKind::Text.content_type();
        check("t={message}", "a&b=c d+", Ok(("t=a%26b%3Dc%20d%2B", form)));
        check(
            "n={phone}&t={message}",
            "{phone}",
            Ok(("n=1&t=%7Bphone%7D", form)),
        );
        check(
            r#"{"t":"{message}"}"#,
            r#"a"b"#,
            Ok((r#"{"t":"a\"b"}"#, json)),
        );
        check(r#"{"t":{message}}"#, "a", Ok((r#"{"t":"a"}"#, json)));
        check(
            r#"[{phone}, "{message}"]"#,
            "\t",
            Ok((r#"["1", "\t"]"#, json)),
        );
        check(
            "SEND {phone} {message}",
            "hi there",
            Ok(("SEND 1 hi there", text)),
        );
        check("{message}", "hi", Ok(("hi", text)));
        check("SEND {phone} {message}", "two\r\nlines", Err(()));
    }

    // The simulator's TLS helper builds the gateway's server side.
    #[cfg(feature = "sim")]
    #[tokio::test]
    async fn an_https_gateway_is_trusted_through_the_private_ca() {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca =
            CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("CA");
        let key = KeyPair::generate().expect("key");
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .expect("params")
            .signed_by(&key, &ca)
            .expect("certificate");
        let tls = crate::sim::SimConfig::tls_from_pem(
            cert.pem().as_bytes(),
            key.serialize_pem().as_bytes(),
        )
        .expect("server TLS");

        let (port, server) = one_request(Some(tls.clone())).await;
        let s = settings(
            format!("https://127.0.0.1:{port}/send?to={{phone}}&text={{message}}"),
            "",
        );
        gateway(&s, &ca.pem(), PHONE, HOSTILE)
            .await
            .expect("sent over TLS");
        let (head, _) = server.await.expect("server");
        let query = head
            .split_whitespace()
            .nth(1)
            .and_then(|t| t.split_once('?'))
            .map(|(_, q)| q)
            .expect("a query");
        assert_eq!(
            pairs(query),
            [("to", PHONE), ("text", HOSTILE)].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );

        // Without the CA the gateway's certificate is not trusted.
        let (port, _server) = one_request(Some(tls)).await;
        let s = settings(format!("https://127.0.0.1:{port}/send"), "");
        let error = gateway(&s, "", PHONE, "x").await.expect_err("untrusted");
        assert!(error.starts_with("TLS with 127.0.0.1"), "{error}");
    }
}
