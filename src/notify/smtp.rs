//! E-mail over SMTP: STARTTLS or implicit TLS through rustls (public roots built in, so it works
//! from a `FROM scratch` container with no CA bundle), AUTH PLAIN or LOGIN, one message per
//! connection. Small on purpose: a reminder e-mail is one plain-text part.

use super::config::{Security, Smtp};
use base64ct::{Base64, Encoding};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(30);
/// A reply line longer than this is not SMTP.
const MAX_LINE: usize = 4096;

/// The bare address of `Name <addr>` or `addr`.
pub fn address_of(s: &str) -> &str {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].trim(),
        _ => s.trim(),
    }
}

/// Certificates in a PEM text; an error if there is none or one does not parse.
pub fn parse_roots(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("reading the CA certificates: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in the CA text".into());
    }
    Ok(certs)
}

/// One e-mail to send.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Sends `mail` through the configured server. The error says which step failed and the
/// server's own words.
pub async fn send(
    cfg: &Smtp,
    password: &str,
    mail: &Mail<'_>,
    now: jiff::Timestamp,
) -> Result<(), String> {
    if cfg.host.is_empty() {
        return Err("e-mail is not configured (Settings → messages)".into());
    }
    let message = compose(cfg, mail, now)?;
    tokio::time::timeout(TIMEOUT, exchange(cfg, password, mail.to, &message))
        .await
        .map_err(|_| format!("the mail server {} did not answer in time", cfg.host))?
}

async fn exchange(cfg: &Smtp, password: &str, to: &str, message: &str) -> Result<(), String> {
    let tcp = TcpStream::connect((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|e| format!("connecting to {}:{}: {e}", cfg.host, cfg.port))?;
    match cfg.security {
        Security::None => deliver(Wire::new(tcp), true, cfg, password, to, message).await,
        Security::Tls => {
            let tls = tls(cfg, tcp).await?;
            deliver(Wire::new(tls), true, cfg, password, to, message).await
        }
        Security::Starttls => {
            let mut w = Wire::new(tcp);
            w.expect(220, "greeting").await?;
            let ext = w.ehlo(cfg).await?;
            if !ext.iter().any(|e| e.eq_ignore_ascii_case("STARTTLS")) {
                return Err("the mail server does not offer STARTTLS".into());
            }
            w.command("STARTTLS", 220, "STARTTLS").await?;
            if !w.buf.is_empty() {
                return Err("the mail server sent data before the TLS handshake".into());
            }
            let tls = tls(cfg, w.s).await?;
            deliver(Wire::new(tls), false, cfg, password, to, message).await
        }
    }
}

async fn tls(
    cfg: &Smtp,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    connect_tls(&cfg.host, &cfg.ca_pem, tcp).await
}

/// TLS to `host` trusting the public roots and the PEM certificates in `ca_pem`; shared with the
/// HTTPS SMS gateway, which is often behind the same private CA as the mail server.
pub(super) async fn connect_tls(
    host: &str,
    ca_pem: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if !ca_pem.is_empty() {
        for c in parse_roots(ca_pem)? {
            roots
                .add(c)
                .map_err(|e| format!("adding the CA certificate: {e}"))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS setup: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| format!("{host} is not a server name: {e}"))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS with {host}: {e}"))
}

async fn deliver<S: AsyncRead + AsyncWrite + Unpin>(
    mut w: Wire<S>,
    greeting: bool,
    cfg: &Smtp,
    password: &str,
    to: &str,
    message: &str,
) -> Result<(), String> {
    if greeting {
        w.expect(220, "greeting").await?;
    }
    let ext = w.ehlo(cfg).await?;
    if !cfg.username.is_empty() {
        let offered = |m: &str| {
            ext.iter().any(|e| {
                let mut words = e.split_whitespace();
                words.next().is_some_and(|w| w.eq_ignore_ascii_case("AUTH"))
                    && words.any(|w| w.eq_ignore_ascii_case(m))
            })
        };
        if offered("PLAIN") || !offered("LOGIN") {
            let token = Base64::encode_string(format!("\0{}\0{password}", cfg.username).as_bytes());
            w.command(&format!("AUTH PLAIN {token}"), 235, "login")
                .await?;
        } else {
            w.command("AUTH LOGIN", 334, "login").await?;
            w.command(
                &Base64::encode_string(cfg.username.as_bytes()),
                334,
                "login",
            )
            .await?;
            w.command(&Base64::encode_string(password.as_bytes()), 235, "login")
                .await?;
        }
    }
    w.command(
        &format!("MAIL FROM:<{}>", address_of(&cfg.from)),
        250,
        "sender",
    )
    .await?;
    w.command(&format!("RCPT TO:<{}>", address_of(to)), 250, "recipient")
        .await?;
    w.command("DATA", 354, "data").await?;
    w.send(&dot_stuff(message)).await?;
    w.command(".", 250, "message").await?;
    // The message is accepted; a server that hangs up instead of answering QUIT changes nothing.
    let _ = w.send("QUIT\r\n").await;
    Ok(())
}

/// Headers and a base64 UTF-8 body: Cyrillic passes any relay untouched.
fn compose(cfg: &Smtp, mail: &Mail<'_>, now: jiff::Timestamp) -> Result<String, String> {
    let from = header_safe("sender", &cfg.from)?;
    let to = header_safe("recipient", mail.to)?;
    // The encoded form below would hide a line break, but a subject holding one is as wrong as
    // an address holding one, whatever validated it on the way in.
    let subject = header_safe("subject", mail.subject)?;
    let subject = if subject.is_ascii() {
        subject.to_string()
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            Base64::encode_string(mail.subject.as_bytes())
        )
    };
    let domain = address_of(&cfg.from)
        .rsplit_once('@')
        .map_or("steppe.invalid", |(_, d)| d);
    let id = crate::access::secret::hex(&crate::access::secret::random_bytes::<12>());
    let date = now.strftime("%a, %d %b %Y %H:%M:%S +0000");
    let body = Base64::encode_string(
        mail.body
            .replace("\r\n", "\n")
            .replace('\n', "\r\n")
            .as_bytes(),
    );
    let mut lines = String::new();
    for chunk in body.as_bytes().chunks(76) {
        lines.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        lines.push_str("\r\n");
    }
    Ok(format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@{domain}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{lines}",
    ))
}

/// A header value, refused if it holds a line break or another control character: that is how
/// a customer's address or a subject would add headers (`Bcc:`) of its own.
fn header_safe<'a>(what: &str, s: &'a str) -> Result<&'a str, String> {
    if s.chars().any(char::is_control) {
        return Err(format!(
            "the e-mail {what} holds a line break or control character; not sent"
        ));
    }
    Ok(s)
}

/// Lines starting with `.` get another, so the body cannot end the DATA phase early.
fn dot_stuff(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    for line in message.split_inclusive("\r\n") {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
    }
    if !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out
}

/// A connection read line by line, keeping what it read past the last line.
struct Wire<S> {
    s: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    fn new(s: S) -> Self {
        Wire { s, buf: Vec::new() }
    }

    async fn send(&mut self, text: &str) -> Result<(), String> {
        self.s
            .write_all(text.as_bytes())
            .await
            .map_err(|e| format!("writing to the mail server: {e}"))?;
        self.s
            .flush()
            .await
            .map_err(|e| format!("writing to the mail server: {e}"))
    }

    async fn line(&mut self) -> Result<String, String> {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return Ok(String::from_utf8_lossy(&line).trim_end().to_string());
            }
            if self.buf.len() > MAX_LINE {
                return Err("the mail server sent an overlong line".into());
            }
            let mut chunk = [0u8; 1024];
            let n = self
                .s
                .read(&mut chunk)
                .await
                .map_err(|e| format!("reading from the mail server: {e}"))?;
            if n == 0 {
                return Err("the mail server closed the connection".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// A whole (possibly multi-line) reply: its code and the text of each line.
    async fn reply(&mut self) -> Result<(u16, Vec<String>), String> {
        let mut texts = Vec::new();
        loop {
            let line = self.line().await?;
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| format!("the mail server answered {line:?}"))?;
            texts.push(line.get(4..).unwrap_or("").to_string());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, texts));
            }
        }
    }

    async fn expect(&mut self, code: u16, step: &str) -> Result<Vec<String>, String> {
        let (got, texts) = self.reply().await?;
        // 251 "user not local; will forward" is as good as 250 for a recipient.
        if got == code || (code == 250 && got == 251) {
            Ok(texts)
        } else {
            Err(format!(
                "{step}: the mail server answered {got} {}",
                texts.join(" ")
            ))
        }
    }

    async fn command(&mut self, cmd: &str, code: u16, step: &str) -> Result<Vec<String>, String> {
        self.send(&format!("{cmd}\r\n")).await?;
        self.expect(code, step).await
    }

    /// EHLO; returns the extension lines (the first line is the greeting).
    async fn ehlo(&mut self, cfg: &Smtp) -> Result<Vec<String>, String> {
        let domain = address_of(&cfg.from)
            .rsplit_once('@')
            .map_or("steppe", |(_, d)| d)
            .to_string();
        let mut lines = self.command(&format!("EHLO {domain}"), 250, "EHLO").await?;
        if !lines.is_empty() {
            lines.remove(0);
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #14: the subject skipped the guard the addresses go through.
    #[test]
    fn a_subject_with_a_line_break_is_refused() {
        let cfg = Smtp {
            from: "Net <b@net.mn>".into(),
            ..Default::default()
        };
        for subject in [
            "Hi\r\nBcc: evil@z.mn",
            "Hi\nBcc: evil@z.mn",
            "Сануулга\r\nBcc: e@z.mn",
        ] {
            let mail = Mail {
                to: "x@y.mn",
                subject,
                body: "b",
            };
            let refused = compose(&cfg, &mail, jiff::Timestamp::UNIX_EPOCH);
            assert_eq!(
                refused,
                Err("the e-mail subject holds a line break or control character; not sent".into())
            );
        }
    }

    #[test]
    fn addresses_and_dot_stuffing() {
        assert_eq!(address_of("Steppe Net <billing@net.mn>"), "billing@net.mn");
        assert_eq!(address_of(" a@b.mn "), "a@b.mn");
        assert_eq!(dot_stuff("a\r\n.b\r\n..c"), "a\r\n..b\r\n...c\r\n");
    }

    #[test]
    fn message_is_base64_utf8_with_encoded_subject() {
        let cfg = Smtp {
            from: "Net <b@net.mn>".into(),
            ..Default::default()
        };
        let mail = |to, subject| Mail {
            to,
            subject,
            body: "Сайн байна уу\n.",
        };
        let at = jiff::Timestamp::UNIX_EPOCH;
        let m = compose(&cfg, &mail("x@y.mn", "Сануулга"), at).unwrap();
        assert!(m.contains("Subject: =?UTF-8?B?"));
        let refused = compose(&cfg, &mail("x@y.mn\r\nBcc: evil@z.mn", "Hi"), at);
        assert!(refused.unwrap_err().contains("recipient"));
        let body = m.split("\r\n\r\n").nth(1).unwrap().replace("\r\n", "");
        let decoded = Base64::decode_vec(&body).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "Сайн байна уу\r\n.");
    }
}
