//! A broken or hostile router: garbage on the wire and a reply without end.

use super::*;

/// A broken or malicious router: after the TCP handshake it sends arbitrary bytes (random
/// lengths, huge length prefixes, half words, valid-looking `!done` sentences with garbage
/// after them). The client must answer every one with an error or a login within its timeouts,
/// never hang, never panic, never buffer more than its limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_sending_garbage_cannot_crash_or_hang_the_client() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time");
    let seed = ((since.as_secs() << 30) ^ u64::from(since.subsec_nanos())) | 1;
    println!("seed {seed}");
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let listener = tokio::net::TcpListener::bind(local()).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let Some(bytes) = rx.recv().await else { return };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                // Answer the first thing the client says with the garbage, then hang up.
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&bytes).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            });
        }
    });
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..300 {
        let len = usize::try_from(next() % 600).unwrap_or(0);
        let mut bytes: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        let prefix: &[u8] = match i % 4 {
            // A length prefix claiming a huge word.
            0 => &[0xf0, 0x7f, 0xff, 0xff, 0xff],
            // A valid "!done" then noise.
            1 => b"\x05!done\x00",
            // A trap with an overlong attribute length.
            2 => b"\x05!trap\xe0\xff\xff\xff",
            _ => b"",
        };
        bytes.splice(0..0, prefix.iter().copied());
        tx.send(bytes).await.expect("server alive");
        let mut c = ClientConfig::new("127.0.0.1", port, "admin", "secret");
        c.login_timeout = Duration::from_secs(2);
        c.command_timeout = Duration::from_secs(2);
        c.max_word_len = 64 * 1024;
        c.max_sentence_len = 256 * 1024;
        let r = within(10, Client::connect(&c)).await;
        let kind = match r {
            Ok(client) => {
                client.close();
                "logged in".to_string()
            }
            Err(e) => format!("{e:?}")
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect(),
        };
        *outcomes.entry(kind).or_default() += 1;
    }
    println!("{outcomes:?}");
    assert!(
        outcomes.keys().any(|k| k != "logged in"),
        "garbage was refused"
    );
}

/// Issue #14: a router answering a print with `!re` sentences without end grew the client's
/// memory past 2 GB. Past the reply limit the command fails at once, the router is told to
/// cancel, and the connection keeps serving other commands while the flood is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_flooding_one_command_cannot_exhaust_memory() {
    let router =
        flooding_router::FloodingRouter::start(|p| p == "/ip/hotspot/user/print", 100, false).await;
    let mut c = ClientConfig::new("127.0.0.1", router.addr.port(), "admin", "secret");
    c.login = LoginMethod::Plain;
    c.max_reply_items = 1000;
    c.max_reply_bytes = 1024 * 1024;
    let client = within(5, Client::connect(&c)).await.expect("logs in");

    let started = Instant::now();
    let flooded = client
        .send(Command::new("/ip/hotspot/user/print"))
        .expect("sent");
    let tag = flooded.tag();
    let error = within(5, flooded.reply())
        .await
        .expect_err("over the limit");
    assert!(matches!(error, Error::ReplyTooLarge { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the router sent more than 1000 replies or 1 MiB to /ip/hotspot/user/print; \
         it is broken or hostile, the reply was dropped"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "promptly");

    // The router ignores the cancel and keeps flooding; other commands still get answers.
    for _ in 0..3 {
        within(5, client.command(Command::new("/system/identity/print")))
            .await
            .expect("answered beside the flood");
    }
    assert!(!client.is_closed());
    assert_eq!(client.in_flight(), 0, "the flooded command is forgotten");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !router.cancels().contains(&tag) {
        assert!(Instant::now() < deadline, "no /cancel for tag {tag}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.close();
}
