//! Logging in: the login form each RouterOS version speaks, refusals, and `steppe sim` as a router to log into.

use super::*;

#[tokio::test]
async fn login_methods_per_version() {
    let cases = [
        ("6.33", LoginMethod::Challenge, true),
        ("6.33", LoginMethod::Auto, true),
        ("6.33", LoginMethod::Plain, false),
        ("7.16", LoginMethod::Plain, true),
        ("7.16", LoginMethod::Auto, true),
        ("7.16", LoginMethod::Challenge, false),
        ("6.43", LoginMethod::Challenge, true),
        ("6.43", LoginMethod::Plain, true),
    ];
    for (version, method, ok) in cases {
        let sim = sim(version).await;
        let result = Client::connect(&config(&sim, method)).await;
        match (ok, result) {
            (true, Ok(client)) => {
                let reply = client
                    .command(Command::new("/system/identity/print"))
                    .await
                    .expect("works after login");
                assert_eq!(reply.items[0].get("name"), Some("MikroTik"));
            }
            (false, Err(Error::LoginRefused(_))) => {}
            (_, other) => panic!(
                "{version} {method}: unexpected {:?}",
                other.map(|_| "connected")
            ),
        }
        sim.shutdown();
    }
}

#[tokio::test]
async fn wrong_password_is_refused_with_the_routers_message() {
    for (version, method, message) in [
        ("6.33", LoginMethod::Challenge, "cannot log in"),
        ("6.33", LoginMethod::Auto, "cannot log in"),
        (
            "7.16",
            LoginMethod::Plain,
            "invalid user name or password (6)",
        ),
    ] {
        let sim = sim(version).await;
        let mut c = config(&sim, method);
        c.password = "wrong".into();
        match Client::connect(&c).await {
            Err(Error::LoginRefused(m)) => assert_eq!(m, message, "{version} {method}"),
            other => panic!(
                "{version}: expected LoginRefused, got {:?}",
                other.map(|_| "connected")
            ),
        }
    }
    let sim = sim("7.16").await;
    sim.set_refuse_logins(true);
    assert!(matches!(
        Client::connect(&config(&sim, LoginMethod::Plain)).await,
        Err(Error::LoginRefused(_))
    ));
    sim.set_refuse_logins(false);
    assert!(
        Client::connect(&config(&sim, LoginMethod::Plain))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn commands_before_login_are_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = sim("7.16").await;
    let mut raw = tokio::net::TcpStream::connect(sim.addr())
        .await
        .expect("connects");
    let request =
        steppe::routeros::codec::encode_sentence(&["/interface/print"]).expect("encodable");
    raw.write_all(&request).await.expect("sent");
    let mut decoder = steppe::routeros::codec::Decoder::default();
    let mut buf = [0u8; 512];
    let trap = loop {
        let n = within(5, raw.read(&mut buf)).await.expect("reads");
        assert!(n > 0, "simulator closed the connection");
        decoder.feed(&buf[..n]);
        if let Some(s) = decoder.next_sentence().expect("valid") {
            break s;
        }
    };
    assert_eq!(trap.head(), b"!trap");
    assert_eq!(trap.attribute("message"), Some(&b"not logged in"[..]));
}

/// `steppe sim` runs a standalone simulated router that the client can log into.
#[tokio::test]
async fn the_sim_command_serves_a_router() {
    let port = std::net::TcpListener::bind(LOCAL)
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_steppe"))
        .args([
            "sim",
            "--listen",
            &listen,
            "--version",
            "6.33",
            "--user",
            "api",
            "--password",
            "pw1",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("steppe sim starts");
    let mut cfg = ClientConfig::new("127.0.0.1", port, "api", "pw1");
    cfg.login = LoginMethod::Challenge;
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = loop {
        match Client::connect(&cfg).await {
            Ok(c) => break c,
            Err(e) => {
                assert!(Instant::now() < deadline, "sim never accepted a login: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let res = SystemResource::get(&client).await.expect("resource");
    assert!(format!("{res:?}").contains("6.33"), "{res:?}");
    let _ = child.kill();
    let _ = child.wait();
}
