//! Email over SMTP: a local server speaking STARTTLS, messages in the customer's language, and the
//! SMTP password never sent to a new server without being typed again.

use super::*;

/// What the test SMTP server received in one session.
#[derive(Debug, Clone, Default)]
struct Received {
    tls: bool,
    auth: String,
    from: String,
    to: String,
    data: String,
}

/// A small SMTP server inside the test: STARTTLS with a certificate from its own CA (given to
/// Steppe as an extra root), AUTH PLAIN checked against `user`/`password`.
struct SmtpServer {
    port: u16,
    ca_pem: String,
    mails: Arc<Mutex<Vec<Received>>>,
}

fn smtp_server(user: &'static str, password: &'static str) -> SmtpServer {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let tls =
        steppe::sim::SimConfig::tls_from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes())
            .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let m2 = mails.clone();
    let expected_auth = {
        use base64ct::Encoding;
        base64ct::Base64::encode_string(format!("\0{user}\0{password}").as_bytes())
    };
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (tls, mails, auth) = (tls.clone(), m2.clone(), expected_auth.clone());
            std::thread::spawn(move || {
                let _ = smtp_session(conn, tls, &auth, &mails);
            });
        }
    });
    SmtpServer {
        port,
        ca_pem: ca.pem(),
        mails,
    }
}

fn smtp_session(
    tcp: std::net::TcpStream,
    tls: Arc<rustls::ServerConfig>,
    expected_auth: &str,
    mails: &Mutex<Vec<Received>>,
) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader};
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut plain = BufReader::new(tcp.try_clone()?);
    let mut w = tcp;
    w.write_all(b"220 test ESMTP\r\n")?;
    let mut line = String::new();
    // Before STARTTLS only EHLO and STARTTLS are served.
    loop {
        line.clear();
        if plain.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            w.write_all(b"250-test\r\n250-STARTTLS\r\n250 8BITMIME\r\n")?;
        } else if cmd == "STARTTLS" {
            w.write_all(b"220 go ahead\r\n")?;
            break;
        } else {
            w.write_all(b"530 STARTTLS first\r\n")?;
        }
    }
    let conn = rustls::ServerConnection::new(tls).unwrap();
    let mut s = BufReader::new(rustls::StreamOwned::new(conn, w));
    let mut got = Received {
        tls: true,
        ..Default::default()
    };
    loop {
        line.clear();
        if s.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let raw = line.trim_end().to_string();
        let cmd = raw.to_ascii_uppercase();
        let reply: &[u8] = if cmd.starts_with("EHLO") {
            b"250-test\r\n250 AUTH PLAIN LOGIN\r\n"
        } else if let Some(token) = raw.strip_prefix("AUTH PLAIN ") {
            got.auth = token.to_string();
            if token == expected_auth {
                b"235 ok\r\n"
            } else {
                b"535 5.7.8 bad credentials\r\n"
            }
        } else if cmd.starts_with("MAIL FROM:") {
            got.from = raw[10..].to_string();
            b"250 ok\r\n"
        } else if cmd.starts_with("RCPT TO:") {
            got.to = raw[8..].to_string();
            b"250 ok\r\n"
        } else if cmd == "DATA" {
            s.get_mut().write_all(b"354 go\r\n")?;
            loop {
                line.clear();
                s.read_line(&mut line)?;
                if line == ".\r\n" {
                    break;
                }
                got.data.push_str(&line);
            }
            mails.lock().unwrap().push(got.clone());
            b"250 queued\r\n"
        } else if cmd == "QUIT" {
            s.get_mut().write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            b"500 what\r\n"
        };
        s.get_mut().write_all(reply)?;
        s.get_mut().flush()?;
    }
}

fn base64_body(data: &str) -> String {
    use base64ct::Encoding;
    let body: String = data
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    String::from_utf8(base64ct::Base64::decode_vec(&body).unwrap()).unwrap()
}

#[test]
fn email_goes_out_over_smtp_with_starttls_in_the_customers_language() {
    let smtp = smtp_server("steppe", "mail-pw-1");
    let crate::helpers::Fixture {
        app: _app,
        mut web,
        mut api,
        router,
        plan,
    } = crate::helpers::fixture();
    // A wrong sender is refused and nothing is saved.
    let mut bad = message_settings(&smtp, "mail-pw-1");
    bad[5].1 = "not an address".into();
    let r = post_settings(&mut web, &bad);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!web.get("/settings/messages").body.contains("topnet.mn"));
    let r = post_settings(&mut web, &message_settings(&smtp, "mail-pw-1"));
    assert_eq!(r.status, 303, "{}", r.body);
    // The password is sealed, not stored in clear, and the form never shows it.
    assert!(!web.get("/settings/messages").body.contains("mail-pw-1"));

    let mut c = crate::helpers::customer(router, plan, "email1", "2099-01-01T00:00:00Z");
    c["email"] = json!("bat@example.mn");
    c["lang"] = json!("mn");
    let id = api.send_json("POST", "/api/v1/customers", &c).json()["id"]
        .as_u64()
        .unwrap();
    let r = api.send_json(
        "POST",
        "/api/v1/messages",
        &json!({ "customer_ids": [id], "channels": ["email"], "subject": "Мэдэгдэл", "body": "Сайн байна уу {name}, багц: {plan}" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    eventually(15, "the e-mail at the SMTP server", || {
        !smtp.mails.lock().unwrap().is_empty()
    });
    let mail = smtp.mails.lock().unwrap()[0].clone();
    assert!(mail.tls, "sent only after STARTTLS");
    assert_eq!(mail.from, "<billing@topnet.mn>");
    assert_eq!(mail.to, "<bat@example.mn>");
    assert!(mail.data.contains("Subject: =?UTF-8?B?"), "{}", mail.data);
    assert_eq!(
        base64_body(&mail.data),
        "Сайн байна уу Customer email1, багц: Home 10"
    );
    eventually(10, "marked sent", || {
        api.get(&format!("/api/v1/messages?customer_id={id}"))
            .json()["items"][0]["status"]
            == "sent"
    });

    // A wrong password: the attempt is recorded with the server's answer, and retried later.
    let r = post_settings(&mut web, &message_settings(&smtp, "wrong"));
    assert_eq!(r.status, 303);
    api.send_json(
        "POST",
        "/api/v1/messages",
        &json!({ "customer_ids": [id], "channels": ["email"], "body": "second" }),
    );
    eventually(15, "a failed attempt", || {
        api.get(&format!("/api/v1/messages?customer_id={id}"))
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["attempts"][0]["ok"] == false)
    });
    let items = api
        .get(&format!("/api/v1/messages?customer_id={id}"))
        .json()["items"]
        .clone();
    let failed = items
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["attempts"][0]["ok"] == false)
        .unwrap();
    assert_eq!(failed["status"], "queued");
    assert!(
        failed["attempts"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("535"),
        "{failed}"
    );
    // A customer without an e-mail address gets no e-mail.
    let none = crate::helpers::customer(router, plan, "noemail", "2099-01-01T00:00:00Z");
    let nid = api.send_json("POST", "/api/v1/customers", &none).json()["id"]
        .as_u64()
        .unwrap();
    let r = api.send_json(
        "POST",
        "/api/v1/messages",
        &json!({ "customer_ids": [nid], "channels": ["email"], "body": "x" }),
    );
    assert_eq!(r.json()["items"], json!([]));
}

#[test]
fn the_smtp_password_is_not_sent_to_a_new_server_without_being_typed_again() {
    let smtp = smtp_server("steppe", "mail-pw-1");
    let crate::helpers::Fixture {
        app: _app, mut web, ..
    } = crate::helpers::fixture();
    let fields = message_settings(&smtp, "mail-pw-1");
    assert_eq!(post_settings(&mut web, &fields).status, 303);
    // The same server, password left blank: kept.
    let mut same = fields.clone();
    same[4].1 = String::new();
    assert_eq!(post_settings(&mut web, &same).status, 303);
    // Another host, port or a weaker security with the password left blank: refused.
    for (i, value) in [(0, "10.9.9.9"), (1, "2525"), (2, "none")] {
        let mut moved = same.clone();
        moved[i].1 = value.into();
        let r = post_settings(&mut web, &moved);
        assert_eq!(r.status, 422, "{value}: {}", r.body);
        assert!(r.body.contains("id=\"err-smtp_password\""), "{}", r.body);
    }
    // Typed again, the move is saved.
    let mut retyped = same.clone();
    retyped[1].1 = "2525".into();
    retyped[4].1 = "mail-pw-2".into();
    assert_eq!(post_settings(&mut web, &retyped).status, 303);
}

fn message_settings<'a>(smtp: &'a SmtpServer, password: &'a str) -> Vec<(&'a str, String)> {
    let d = steppe::notify::config::MessageSettingsDraft::of(&Default::default());
    vec![
        ("smtp_host", "127.0.0.1".into()),
        ("smtp_port", smtp.port.to_string()),
        ("smtp_security", "starttls".into()),
        ("smtp_username", "steppe".into()),
        ("smtp_password", password.into()),
        ("smtp_from", "TopNET <billing@topnet.mn>".into()),
        ("smtp_ca_pem", smtp.ca_pem.clone()),
        ("days_before", String::new()),
        ("before_en", d.before_en),
        ("before_mn", d.before_mn),
        ("expired_en", d.expired_en),
        ("expired_mn", d.expired_mn),
        ("receipt_en", d.receipt_en),
        ("receipt_mn", d.receipt_mn),
    ]
}

fn post_settings(
    web: &mut crate::helpers::Browser,
    fields: &[(&str, String)],
) -> crate::helpers::Page {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    web.post_form("/settings/messages", &f)
}
