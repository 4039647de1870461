//! Every typed helper of the client, over plain TCP on both versions and over TLS (CA-verified and
//! fingerprint-pinned).

use super::*;

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
