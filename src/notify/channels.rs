//! Sending one message: by SMS through a router's LTE modem (`/tool/sms/send`), through an
//! operator's HTTP SMS gateway described by a URL and body template, or by e-mail over SMTP.

use super::{Channel, Message};
use crate::billing::customer::Customer;
use crate::network::{Router, SecretBox};
use crate::settings::Settings;
use crate::store::{Reader, Store, StoreError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
        Channel::SmsGateway => gateway(&settings, &m.to, &m.body).await,
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

/// Calls the gateway: `{phone}` and `{message}` are filled URL-encoded in the URL and as they
/// are in the body (POST when a body template is set, else GET). Plain `http://` only: gateways
/// are on the ISP's own network.
pub async fn gateway(settings: &Settings, phone: &str, message: &str) -> Result<(), String> {
    let url = settings
        .sms_gateway_url
        .replace("{phone}", &url_encode(phone))
        .replace("{message}", &url_encode(message));
    let rest = url
        .strip_prefix("http://")
        .ok_or("the SMS gateway URL must start with http://")?;
    let (hostport, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let addr = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let body = settings
        .sms_gateway_body
        .replace("{phone}", phone)
        .replace("{message}", message);
    let method = if body.is_empty() { "GET" } else { "POST" };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&addr)
            .await
            .map_err(|e| format!("connecting to {addr}: {e}"))?;
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("sending to the gateway: {e}"))?;
        let mut head = vec![0u8; 1024];
        let n = stream
            .read(&mut head)
            .await
            .map_err(|e| format!("reading the gateway's answer: {e}"))?;
        let status_line = String::from_utf8_lossy(&head[..n])
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
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| "the gateway did not answer in time".to_string())?
}
