//! Commands in flight: pipelining, cancellation, traps, fatal replies, dropped connections and
//! timeouts, none of which may hang another command.

use super::*;

#[tokio::test]
async fn pipelined_commands_interleave_and_each_gets_its_own_reply() {
    let sim = sim("7.16").await;
    sim.set_latency(Duration::from_millis(20));
    let client = connect(&sim).await;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300 {
        let client = client.clone();
        tasks.spawn(async move {
            let user = HotspotUser {
                name: Some(format!("user{i}")),
                password: Some(format!("pw{i}")),
                ..Default::default()
            };
            (i, Menu::<HotspotUser>::new(&client).add(&user).await)
        });
    }
    let mut ids = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, id) = joined.expect("task ran");
        ids.push((i, id.expect("add succeeded")));
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(2),
        "300 commands at 20 ms took {elapsed:?}: not pipelined"
    );
    for (i, id) in ids {
        let item = sim
            .find("/ip/hotspot/user", &format!("user{i}"))
            .expect("user exists");
        assert_eq!(item.id, id.as_str(), "user{i} got another command's id");
    }

    // A later command overtakes a slower one; each still gets its own result.
    sim.set_latency(Duration::from_millis(300));
    let before = sim.commands_received();
    let slow = client
        .send(Command::new("/system/identity/print"))
        .expect("sent");
    received(&sim, before + 1).await;
    sim.set_latency(Duration::ZERO);
    let fast = client
        .command(
            Command::new("/interface/print")
                .query("name=ether1")
                .proplist(&["name"]),
        )
        .await
        .expect("fast reply");
    assert_eq!(fast.items[0].get("name"), Some("ether1"));
    assert_eq!(client.in_flight(), 1, "the slow command is still waiting");
    let slow = slow.reply().await.expect("slow reply");
    assert_eq!(slow.items[0].get("name"), Some("MikroTik"));
}

#[tokio::test]
async fn cancel_a_listen_and_a_slow_command() {
    let sim = sim("7.16").await;
    let client = connect(&sim).await;
    Menu::<HotspotUser>::new(&client)
        .add(&HotspotUser {
            name: Some("erin".into()),
            password: Some("pw".into()),
            ..Default::default()
        })
        .await
        .expect("user");
    let mut listener = client
        .listen(Command::new("/ip/hotspot/active/listen"))
        .expect("listening");
    // The listen must be registered before the login happens; a round trip guarantees it.
    identity(&client).await.expect("round trip");
    sim.hotspot_login("erin", "pw", "10.5.50.7", "AA:BB:CC:00:00:07")
        .expect("login");
    let item = within(5, listener.next())
        .await
        .expect("an item")
        .expect("not an error");
    assert_eq!(item.get("user"), Some("erin"));
    client
        .cancel(&listener.tag())
        .await
        .expect("cancel acknowledged");
    assert!(
        within(5, listener.next()).await.is_none(),
        "cancelled listen ends cleanly"
    );

    sim.set_latency(Duration::from_secs(30));
    let before = sim.commands_received();
    let slow = client
        .send(Command::new("/ip/hotspot/user/print"))
        .expect("sent");
    received(&sim, before + 1).await;
    sim.set_latency(Duration::ZERO);
    client
        .cancel(&slow.tag())
        .await
        .expect("cancel acknowledged");
    let result = within(5, slow.reply()).await;
    assert!(
        matches!(&result, Err(e) if e.is_interrupted()),
        "{result:?}"
    );
    assert_eq!(identity(&client).await.expect("still usable"), "MikroTik");
}

#[tokio::test]
async fn dropped_connection_fails_every_command_in_flight() {
    let sim = sim("7.16").await;
    let client = connect(&sim).await;
    sim.set_latency(Duration::from_millis(200));
    sim.drop_after(5);
    let pending: Vec<_> = (0..50)
        .map(|_| client.send(Command::new("/interface/print")).expect("sent"))
        .collect();
    let results = within(5, async {
        let mut results = Vec::new();
        for p in pending {
            results.push(p.reply().await);
        }
        results
    })
    .await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(e) if e.is_connection_lost())),
        "{:?}",
        results.iter().find(|r| r.is_ok())
    );
    assert!(client.is_closed());
    assert!(matches!(
        client.command(Command::new("/interface/print")).await,
        Err(Error::ConnectionClosed)
    ));
    // The simulator keeps serving new connections.
    sim.set_latency(Duration::ZERO);
    assert_eq!(
        identity(&connect(&sim).await).await.expect("reconnected"),
        "MikroTik"
    );
}

#[tokio::test]
async fn traps_are_typed_and_leave_the_connection_usable() {
    let sim = sim("7.16").await;
    let client = connect(&sim).await;
    match client
        .command(Command::new("/ip/hotspot/nonsense/print"))
        .await
    {
        Err(Error::Trap { category, message }) => assert_eq!(
            (category, message.as_str()),
            (Some(0), "no such command prefix")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        trap_message(
            client
                .command(Command::new("/ip/hotspot/user/remove").id(&ItemId::new("*FFFF")))
                .await
        ),
        "no such item"
    );
    sim.trap_commands("/ip/hotspot/user/add", "failure: database is full");
    let user = HotspotUser {
        name: Some("frank".into()),
        ..Default::default()
    };
    assert_eq!(
        trap_message(Menu::<HotspotUser>::new(&client).add(&user).await),
        "failure: database is full"
    );
    sim.clear_traps();
    assert!(Menu::<HotspotUser>::new(&client).add(&user).await.is_ok());
    assert!(!client.is_closed());
}

#[tokio::test]
async fn fatal_fails_everything_in_flight() {
    let sim = sim("7.16").await;
    let client = connect(&sim).await;
    sim.set_latency(Duration::from_secs(5));
    let waiting = client.send(Command::new("/interface/print")).expect("sent");
    received(&sim, 2).await;
    let quit = within(5, client.command(Command::new("/quit"))).await;
    assert!(
        matches!(&quit, Err(Error::Fatal(r)) if r == "session terminated on request"),
        "{quit:?}"
    );
    assert!(matches!(
        within(5, waiting.reply()).await,
        Err(Error::Fatal(_))
    ));

    sim.set_latency(Duration::ZERO);
    let client = connect(&sim).await;
    sim.set_latency(Duration::from_secs(5));
    let waiting = client.send(Command::new("/interface/print")).expect("sent");
    sim.send_fatal("out of memory");
    let result = within(5, waiting.reply()).await;
    assert!(
        matches!(&result, Err(Error::Fatal(r)) if r == "out of memory"),
        "{result:?}"
    );
    assert!(client.is_closed());
}

#[tokio::test]
async fn empty_replies_from_7_18() {
    let sim = sim("7.18").await;
    let client = connect(&sim).await;
    let none = Menu::<HotspotUser>::new(&client)
        .list()
        .await
        .expect("empty print");
    assert!(none.is_empty());
    let reply = client
        .command(Command::new("/interface/print").query("type=vlan"))
        .await
        .expect("empty print");
    assert!(reply.items.is_empty());
    let count = client
        .command(Command::new("/interface/print").attr("count-only", ""))
        .await
        .expect("count");
    assert_eq!(count.ret.as_deref(), Some("6"));
    assert_eq!(
        Menu::<Interface>::new(&client)
            .list()
            .await
            .expect("print")
            .len(),
        6
    );
}

#[tokio::test]
async fn command_timeout_leaves_the_connection_usable() {
    let sim = sim("7.16").await;
    let mut c = config(&sim, LoginMethod::Plain);
    c.command_timeout = Duration::from_millis(100);
    let client = Client::connect(&c).await.expect("login");
    sim.set_latency(Duration::from_secs(2));
    assert!(matches!(
        client.command(Command::new("/interface/print")).await,
        Err(Error::Timeout(_))
    ));
    sim.set_latency(Duration::ZERO);
    assert!(
        client
            .command(Command::new("/interface/print"))
            .await
            .is_ok()
    );
    assert_eq!(client.in_flight(), 0, "the timed-out command was forgotten");
}

#[tokio::test]
async fn connect_timeout_and_refused_port() {
    let unused = std::net::TcpListener::bind(LOCAL).expect("bind");
    let port = unused.local_addr().expect("addr").port();
    drop(unused);
    let c = ClientConfig::new("127.0.0.1", port, "admin", "");
    assert!(matches!(Client::connect(&c).await, Err(Error::Io { .. })));
}

#[tokio::test]
async fn commands_are_counted() {
    let sim = sim("7.16").await;
    let client = connect(&sim).await;
    let before = sim.commands_received();
    for _ in 0..3 {
        identity(&client).await.expect("identity");
    }
    assert_eq!(sim.commands_received() - before, 3);
    assert_eq!(sim.connections(), 1);
}
