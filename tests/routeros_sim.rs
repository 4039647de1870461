//! The RouterOS client against the simulator over real sockets: login forms per version, TLS
//! trust, every typed helper, pipelining, cancellation, and failures that must not hang;
//! `common_clients` replays what other RouterOS client libraries send.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use steppe::routeros::menus::{
    AddressListEntry, HotspotActive, HotspotProfile, HotspotServer, HotspotUser, Interface, Menu,
    PppActive, PppProfile, PppSecret, SimpleQueue, SystemResource, identity, send_sms,
    set_identity,
};
use steppe::routeros::{
    Client, ClientConfig, Command, Error, Fingerprint, ItemId, LoginMethod, TlsMode,
    fetch_fingerprint,
};
use steppe::sim::{SimConfig, SimHandle, Simulator};

#[path = "routeros_sim/common_clients.rs"]
mod common_clients;
#[path = "common/flooding_router.rs"]
mod flooding_router;

const LOCAL: &str = "127.0.0.1:0";

fn local() -> SocketAddr {
    LOCAL.parse().expect("valid address")
}

async fn sim(version: &str) -> SimHandle {
    let mut config = SimConfig::new(version);
    config.password = "secret".into();
    Simulator::start(config, local())
        .await
        .expect("simulator starts")
}

fn config(sim: &SimHandle, login: LoginMethod) -> ClientConfig {
    let mut c = ClientConfig::new("127.0.0.1", sim.addr().port(), "admin", "secret");
    c.login = login;
    c.command_timeout = Duration::from_secs(10);
    c
}

async fn connect(sim: &SimHandle) -> Client {
    Client::connect(&config(sim, LoginMethod::Auto))
        .await
        .expect("client logs in")
}

fn trap_message(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Trap { message, .. }) => message,
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// Waits until the simulator has received `count` sentences, so a latency change made afterwards
/// cannot affect a command that is still on its way.
async fn received(sim: &SimHandle, count: u64) {
    within(5, async {
        while sim.commands_received() < count {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
}

/// Runs `future` with a deadline so a hang fails the test instead of blocking it.
async fn within<T>(seconds: u64, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), future)
        .await
        .expect("finished in time")
}

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

/// Every typed helper, run over plain TCP and over TLS.
async fn exercise_typed_helpers(client: &Client, sim: &SimHandle) {
    // Hotspot profile and user.
    let profiles = Menu::<HotspotProfile>::new(client);
    let gold = HotspotProfile {
        name: Some("gold".into()),
        rate_limit: Some("2M/5M".into()),
        shared_users: Some(2),
        ..Default::default()
    };
    let gold_id = profiles.add(&gold).await.expect("profile added");
    assert_eq!(
        trap_message(profiles.add(&gold).await),
        "failure: already have such entry"
    );
    let listed = profiles
        .find("gold")
        .await
        .expect("print works")
        .expect("gold exists");
    assert_eq!(
        (
            listed.id.as_ref(),
            listed.rate_limit.as_deref(),
            listed.shared_users
        ),
        (Some(&gold_id), Some("2M/5M"), Some(2))
    );
    assert!(
        profiles
            .find("default")
            .await
            .expect("print works")
            .is_some(),
        "built-in default profile"
    );

    let users = Menu::<HotspotUser>::new(client);
    let alice = HotspotUser {
        name: Some("alice".into()),
        password: Some("pw".into()),
        profile: Some("gold".into()),
        limit_uptime: Some(Duration::from_secs(3 * 3600)),
        comment: Some("steppe:1".into()),
        ..Default::default()
    };
    let alice_id = users.add(&alice).await.expect("user added");
    assert_eq!(
        trap_message(users.add(&alice).await),
        "failure: already have user with this name for this server"
    );
    let bad = HotspotUser {
        name: Some("bob".into()),
        profile: Some("platinum".into()),
        ..Default::default()
    };
    assert_eq!(
        trap_message(users.add(&bad).await),
        "input does not match any value of profile"
    );
    let got = users
        .find("alice")
        .await
        .expect("print")
        .expect("alice exists");
    assert_eq!(got.id.as_ref(), Some(&alice_id));
    assert_eq!(got.limit_uptime, Some(Duration::from_secs(3 * 3600)));
    assert_eq!(got.disabled, Some(false));
    assert_eq!(got.server.as_deref(), Some("all"));
    users
        .set(
            &alice_id,
            &HotspotUser {
                comment: Some("steppe:1 paid".into()),
                ..Default::default()
            },
        )
        .await
        .expect("set");
    assert_eq!(
        sim.find("/ip/hotspot/user", "alice")
            .and_then(|i| i.get("comment").map(str::to_owned))
            .as_deref(),
        Some("steppe:1 paid")
    );

    // Sessions: log in, kick; a disabled user cannot come back.
    sim.hotspot_login("alice", "pw", "10.5.50.2", "AA:BB:CC:00:00:01")
        .expect("alice logs in");
    let active = Menu::<HotspotActive>::new(client)
        .list()
        .await
        .expect("active list");
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].user.as_deref(), Some("alice"));
    assert!(
        active[0].uptime.is_some(),
        "uptime parses in this version's format"
    );
    assert_eq!(HotspotActive::kick(client, "alice").await.expect("kick"), 1);
    assert_eq!(
        HotspotActive::kick(client, "alice")
            .await
            .expect("kick again"),
        0
    );
    assert!(sim.items("/ip/hotspot/active").is_empty());
    users.disable(&alice_id).await.expect("disable");
    assert_eq!(
        users
            .find("alice")
            .await
            .expect("print")
            .and_then(|u| u.disabled),
        Some(true)
    );
    assert!(
        sim.hotspot_login("alice", "pw", "10.5.50.2", "AA:BB:CC:00:00:01")
            .is_err(),
        "disabled user cannot log in"
    );
    users.enable(&alice_id).await.expect("enable");
    assert!(
        sim.hotspot_login("alice", "pw", "10.5.50.2", "AA:BB:CC:00:00:01")
            .is_ok()
    );
    users.remove(&alice_id).await.expect("remove");
    assert_eq!(trap_message(users.remove(&alice_id).await), "no such item");
    profiles.remove(&gold_id).await.expect("profile removed");

    // Hotspot servers.
    let servers = Menu::<HotspotServer>::new(client);
    let list = servers.list().await.expect("servers");
    assert_eq!(
        (list[0].name.as_deref(), list[0].interface.as_deref()),
        (Some("hotspot1"), Some("bridge"))
    );
    let hs2 = HotspotServer {
        name: Some("hs2".into()),
        interface: Some("ether2".into()),
        ..Default::default()
    };
    let hs2_id = servers.add(&hs2).await.expect("server added");
    let nowhere = HotspotServer {
        name: Some("hs3".into()),
        interface: Some("ether9".into()),
        ..Default::default()
    };
    assert_eq!(
        trap_message(servers.add(&nowhere).await),
        "input does not match any value of interface"
    );
    servers
        .set(
            &hs2_id,
            &HotspotServer {
                disabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("set");
    servers.remove(&hs2_id).await.expect("remove");

    // PPP.
    let ppp_profiles = Menu::<PppProfile>::new(client);
    let names: Vec<String> = ppp_profiles
        .list()
        .await
        .expect("ppp profiles")
        .into_iter()
        .filter_map(|p| p.name)
        .collect();
    assert!(
        names.contains(&"default".to_owned()) && names.contains(&"default-encryption".to_owned()),
        "{names:?}"
    );
    let fiber = PppProfile {
        name: Some("fiber".into()),
        rate_limit: Some("10M/20M".into()),
        only_one: Some("yes".into()),
        ..Default::default()
    };
    let fiber_id = ppp_profiles.add(&fiber).await.expect("ppp profile");
    assert_eq!(
        trap_message(ppp_profiles.add(&fiber).await),
        "failure: already have such entry"
    );
    let secrets = Menu::<PppSecret>::new(client);
    let carol = PppSecret {
        name: Some("carol".into()),
        password: Some("pw".into()),
        profile: Some("fiber".into()),
        service: Some("pppoe".into()),
        ..Default::default()
    };
    let carol_id = secrets.add(&carol).await.expect("secret");
    assert_eq!(
        trap_message(secrets.add(&carol).await),
        "failure: secret with the same name already exists"
    );
    let unknown = PppSecret {
        name: Some("dave".into()),
        profile: Some("nope".into()),
        ..Default::default()
    };
    assert_eq!(
        trap_message(secrets.add(&unknown).await),
        "input does not match any value of profile"
    );
    secrets
        .set(
            &carol_id,
            &PppSecret {
                remote_address: Some("10.0.0.9".into()),
                ..Default::default()
            },
        )
        .await
        .expect("set");
    assert_eq!(
        secrets
            .find("carol")
            .await
            .expect("print")
            .and_then(|s| s.remote_address)
            .as_deref(),
        Some("10.0.0.9")
    );
    sim.ppp_login("carol", "pw", "AA:BB:CC:00:00:02", "10.0.0.9")
        .expect("carol dials in");
    let ppp_active = Menu::<PppActive>::new(client)
        .list()
        .await
        .expect("ppp active");
    assert_eq!(
        (
            ppp_active[0].name.as_deref(),
            ppp_active[0].service.as_deref()
        ),
        (Some("carol"), Some("pppoe"))
    );
    assert_eq!(PppActive::kick(client, "carol").await.expect("kick"), 1);
    secrets.disable(&carol_id).await.expect("disable");
    assert!(
        sim.ppp_login("carol", "pw", "AA:BB:CC:00:00:02", "10.0.0.9")
            .is_err()
    );
    secrets.enable(&carol_id).await.expect("enable");
    secrets.remove(&carol_id).await.expect("remove");
    ppp_profiles.remove(&fiber_id).await.expect("remove");

    // Simple queues.
    let queues = Menu::<SimpleQueue>::new(client);
    let q = SimpleQueue {
        name: Some("cust-1".into()),
        target: Some("10.0.0.9/32".into()),
        max_limit: Some("2M/5M".into()),
        ..Default::default()
    };
    let q_id = queues.add(&q).await.expect("queue");
    queues
        .set(
            &q_id,
            &SimpleQueue {
                max_limit: Some("4M/10M".into()),
                ..Default::default()
            },
        )
        .await
        .expect("set");
    assert_eq!(
        queues
            .find("cust-1")
            .await
            .expect("print")
            .and_then(|q| q.max_limit)
            .as_deref(),
        Some("4M/10M")
    );
    queues.disable(&q_id).await.expect("disable");
    queues.enable(&q_id).await.expect("enable");
    queues.remove(&q_id).await.expect("remove");

    // Address lists.
    let lists = Menu::<AddressListEntry>::new(client);
    let unpaid = AddressListEntry {
        list: Some("unpaid".into()),
        address: Some("10.0.0.9".into()),
        comment: Some("steppe:1".into()),
        ..Default::default()
    };
    let unpaid_id = lists.add(&unpaid).await.expect("entry");
    assert_eq!(
        trap_message(lists.add(&unpaid).await),
        "failure: already have such entry"
    );
    let on_list = lists.list_where(&["list=unpaid"]).await.expect("print");
    assert_eq!(on_list.len(), 1);
    assert_eq!(
        on_list[0].timeout, None,
        "no timeout means kept across reboot"
    );
    lists.remove(&unpaid_id).await.expect("remove");

    // Interfaces.
    let interfaces = Menu::<Interface>::new(client);
    let all = interfaces.list().await.expect("interfaces");
    assert_eq!(all.len(), 6);
    let ether = interfaces
        .list_where(&["type=ether", "type=bridge", "#|"])
        .await
        .expect("query");
    assert_eq!(ether.len(), 6);
    let ether3 = interfaces
        .find("ether3")
        .await
        .expect("print")
        .and_then(|i| i.id)
        .expect("ether3 has an id");
    interfaces.disable(&ether3).await.expect("disable");
    let e3 = interfaces
        .find("ether3")
        .await
        .expect("print")
        .expect("ether3");
    assert_eq!(
        (e3.kind.as_deref(), e3.disabled, e3.running),
        (Some("ether"), Some(true), Some(false))
    );
    interfaces.enable(&ether3).await.expect("enable");

    // System.
    set_identity(client, "tower-7").await.expect("rename");
    assert_eq!(identity(client).await.expect("identity"), "tower-7");
    assert_eq!(sim.identity(), "tower-7");
    let resource = SystemResource::get(client).await.expect("resource");
    assert!(
        resource
            .version
            .as_deref()
            .is_some_and(|v| v.ends_with(" (stable)")),
        "{resource:?}"
    );
    assert!(
        resource.uptime.is_some()
            && resource.total_memory.is_some()
            && resource.cpu_count.is_some(),
        "{resource:?}"
    );
    send_sms(
        client,
        Some("lte1"),
        "+97699112233",
        "Your plan expires tomorrow",
    )
    .await
    .expect("sms");
    let sms = sim.sms_sent();
    assert_eq!(sms.len(), 1);
    assert_eq!(
        (
            sms[0].phone.as_str(),
            sms[0].message.as_str(),
            sms[0].port.as_str()
        ),
        ("+97699112233", "Your plan expires tomorrow", "lte1")
    );
}

#[tokio::test]
async fn typed_helpers_over_tcp_on_both_versions() {
    for version in ["6.33", "7.16"] {
        let sim = sim(version).await;
        let client = connect(&sim).await;
        within(30, exercise_typed_helpers(&client, &sim)).await;
        let resource = SystemResource::get(&client).await.expect("resource");
        assert_eq!(resource.version, Some(format!("{version} (stable)")));
    }
}

struct Pki {
    ca_pem: String,
    cert_pem: String,
    cert_der: Vec<u8>,
    key_pem: String,
}

fn make_pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA");
    let key = KeyPair::generate().expect("router key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "router.test".to_owned()])
        .expect("router params");
    let cert = params.signed_by(&key, &ca).expect("router certificate");
    Pki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_pem: key.serialize_pem(),
    }
}

async fn tls_sim(pki: &Pki) -> SimHandle {
    let mut config = SimConfig::new("7.16");
    config.password = "secret".into();
    config.tls = Some(
        SimConfig::tls_from_pem(pki.cert_pem.as_bytes(), pki.key_pem.as_bytes())
            .expect("TLS config"),
    );
    Simulator::start(config, local())
        .await
        .expect("simulator starts")
}

#[tokio::test]
async fn tls_with_ca_verification_runs_every_helper() {
    let pki = make_pki();
    let sim = tls_sim(&pki).await;
    let mut c = config(&sim, LoginMethod::Plain);
    c.tls = Some(TlsMode::verify_pem(pki.ca_pem.as_bytes()).expect("CA parses"));
    let client = Client::connect(&c).await.expect("TLS login");
    within(30, exercise_typed_helpers(&client, &sim)).await;

    // Another CA does not vouch for this router.
    let stranger = make_pki();
    c.tls = Some(TlsMode::verify_pem(stranger.ca_pem.as_bytes()).expect("CA parses"));
    assert!(matches!(Client::connect(&c).await, Err(Error::Io { .. })));
}

#[tokio::test]
async fn tls_fingerprint_pinning() {
    let pki = make_pki();
    let sim = tls_sim(&pki).await;
    let expected = Fingerprint::of(&pki.cert_der);
    let seen = fetch_fingerprint("127.0.0.1", sim.addr().port(), Duration::from_secs(5))
        .await
        .expect("fingerprint");
    assert_eq!(seen, expected);

    let mut c = config(&sim, LoginMethod::Plain);
    c.tls = Some(TlsMode::Pinned(seen));
    let client = Client::connect(&c).await.expect("pinned login");
    assert_eq!(identity(&client).await.expect("identity"), "MikroTik");

    let wrong: Fingerprint = "00".repeat(32).parse().expect("valid hex");
    c.tls = Some(TlsMode::Pinned(wrong));
    match Client::connect(&c).await {
        Err(Error::Io { context, source }) => {
            assert_eq!(context, "TLS handshake");
            assert!(
                source.to_string().contains("does not match the pinned"),
                "{source}"
            );
        }
        other => panic!("wrong pin accepted: {:?}", other.map(|_| "connected")),
    }
}

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
