//! What common RouterOS clients (librouteros, routeros-api, the Terraform provider) send in their
//! own tests, through the simulator over TCP word for word: boolean queries in either spelling,
//! `/ip/address`, `/system/clock`, `/system/routerboard`, `/system/package`, `/ip/hotspot/host`
//! and `unset`.

use steppe::routeros::{Client, Command, Reply};

use super::{connect, sim, trap_message, within};

const VERSIONS: [&str; 2] = ["6.33", "7.16"];

async fn run(client: &Client, command: Command) -> Reply {
    let path = command.path();
    client
        .command(command)
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The printed values of `prop` over the reply's items.
fn column<'a>(reply: &'a Reply, prop: &str) -> Vec<&'a str> {
    reply
        .items
        .iter()
        .map(|i| i.get(prop).unwrap_or("-"))
        .collect()
}

/// How `version` prints a boolean.
fn printed(version: &str, on: bool) -> &'static str {
    match (version.starts_with('6'), on) {
        (true, true) => "yes",
        (true, false) => "no",
        (false, true) => "true",
        (false, false) => "false",
    }
}

/// librouteros's documented query: `select(name, disabled).where(disabled == False,
/// Or(name == 'ether2', name == 'wlan-lan'))`, which it sends with Python's `False` as `no`.
fn librouteros_query() -> Command {
    Command::new("/interface/print")
        .attr(".proplist", "name,disabled")
        .query("?=disabled=no")
        .query("?=name=ether2")
        .query("?=name=wlan-lan")
        .query("?#|")
}

#[tokio::test]
async fn librouteros_boolean_query_matches_on_both_versions() {
    for version in VERSIONS {
        let sim = sim(version).await;
        let client = connect(&sim).await;
        let reply = run(&client, librouteros_query()).await;
        assert_eq!(column(&reply, "name"), ["ether2"], "{version}");
        assert_eq!(
            column(&reply, "disabled"),
            [printed(version, false)],
            "{version}"
        );

        // librouteros's `update(disabled=True)` writes `yes`; either spelling reads back.
        run(
            &client,
            Command::new("/interface/set")
                .attr(".id", "ether2")
                .attr("disabled", "yes"),
        )
        .await;
        assert!(run(&client, librouteros_query()).await.items.is_empty());
        for spelling in ["yes", "true"] {
            let reply = run(
                &client,
                Command::new("/interface/print")
                    .attr(".proplist", "name,disabled")
                    .query(&format!("disabled={spelling}")),
            )
            .await;
            assert_eq!(column(&reply, "name"), ["ether2"], "{version} {spelling}");
            assert_eq!(column(&reply, "disabled"), [printed(version, true)]);
        }
        // `!=` as librouteros builds it: equality, then `#!`.
        let enabled = run(
            &client,
            Command::new("/interface/print")
                .attr("count-only", "")
                .query("?=disabled=true")
                .query("?#!"),
        )
        .await;
        assert_eq!(enabled.ret.as_deref(), Some("5"), "{version}");
        // A word that is no boolean matches nothing rather than everything.
        let odd = run(
            &client,
            Command::new("/interface/print").query("?disabled=maybe"),
        )
        .await;
        assert!(odd.items.is_empty(), "{version}");
        sim.shutdown();
    }
}

#[tokio::test]
async fn ip_address_add_print_set_remove() {
    for version in VERSIONS {
        let sim = sim(version).await;
        let client = connect(&sim).await;
        let factory = run(&client, Command::new("/ip/address/print")).await;
        assert_eq!(column(&factory, "address"), ["192.168.88.1/24"]);
        assert_eq!(column(&factory, "network"), ["192.168.88.0"]);
        assert_eq!(column(&factory, "actual-interface"), ["bridge"]);
        assert_eq!(column(&factory, "dynamic"), [printed(version, false)]);

        let add = Command::new("/ip/address/add")
            .attr("address", "10.5.50.1/24")
            .attr("interface", "ether2")
            .attr("comment", "hotspot network");
        let id = run(&client, add.clone()).await.ret.expect("new id");
        assert_eq!(
            trap_message(client.command(add).await),
            "failure: already have such address"
        );
        assert_eq!(
            trap_message(
                client
                    .command(
                        Command::new("/ip/address/add")
                            .attr("address", "10.9.0.1/16")
                            .attr("interface", "wlan9")
                    )
                    .await
            ),
            "input does not match any value of interface"
        );
        assert_eq!(
            trap_message(
                client
                    .command(
                        Command::new("/ip/address/add")
                            .attr("address", "10.9.0.300/16")
                            .attr("interface", "ether3")
                    )
                    .await
            ),
            "invalid value for argument address"
        );

        run(
            &client,
            Command::new("/ip/address/set")
                .attr(".id", &id)
                .attr("interface", "ether3")
                .attr("disabled", "yes"),
        )
        .await;
        let moved = run(
            &client,
            Command::new("/ip/address/print")
                .query("disabled=true")
                .query("network=10.5.50.0"),
        )
        .await;
        assert_eq!(column(&moved, ".id"), [id.as_str()], "{version}");
        assert_eq!(column(&moved, "actual-interface"), ["ether3"]);
        assert_eq!(column(&moved, "disabled"), [printed(version, true)]);

        run(&client, Command::new("/ip/address/remove").attr(".id", &id)).await;
        let left = run(&client, Command::new("/ip/address/print")).await;
        assert_eq!(left.items.len(), 1, "{version}");
        sim.shutdown();
    }
}

#[tokio::test]
async fn system_clock_prints_and_sets_in_each_versions_form() {
    for version in VERSIONS {
        let sim = sim(version).await;
        let client = connect(&sim).await;
        run(
            &client,
            Command::new("/system/clock/set")
                .attr("time-zone-name", "Asia/Ulaanbaatar")
                .attr("time-zone-autodetect", "no")
                .attr("date", "2024-10-01")
                .attr("time", "09:30:00"),
        )
        .await;
        let clock = run(&client, Command::new("/system/clock/print")).await;
        let item = &clock.items[0];
        let date = if version == "6.33" {
            "oct/01/2024"
        } else {
            "2024-10-01"
        };
        assert_eq!(item.get("date"), Some(date), "{version}");
        assert!(
            item.get("time").is_some_and(|t| t.starts_with("09:30:")),
            "{item:?}"
        );
        assert_eq!(item.get("time-zone-name"), Some("Asia/Ulaanbaatar"));
        assert_eq!(item.get("gmt-offset"), Some("+08:00"));
        assert_eq!(
            item.get("time-zone-autodetect"),
            Some(printed(version, false))
        );
        assert_eq!(item.get("dst-active"), Some(printed(version, false)));
        assert_eq!(
            trap_message(
                client
                    .command(Command::new("/system/clock/set").attr("time-zone-name", "Nowhere"))
                    .await
            ),
            "input does not match any value of time-zone-name"
        );
        let only = run(
            &client,
            Command::new("/system/clock/print").proplist(&["time-zone-name"]),
        )
        .await;
        assert_eq!(only.items[0].len(), 1, "{:?}", only.items[0]);
        sim.shutdown();
    }
}

#[tokio::test]
async fn system_routerboard_and_packages() {
    for (version, main, model) in [
        ("6.33", "system", "951Ui-2HnD"),
        ("7.16", "routeros", "C52iG-5HaxD2HaxD"),
    ] {
        let sim = sim(version).await;
        let client = connect(&sim).await;
        let board = run(&client, Command::new("/system/routerboard/print")).await;
        let item = &board.items[0];
        assert_eq!(item.get("routerboard"), Some(printed(version, true)));
        assert_eq!(item.get("model"), Some(model));
        assert!(item.get("current-firmware").is_some() && item.get("serial-number").is_some());

        let package = run(
            &client,
            Command::new("/system/package/print").query(&format!("name={main}")),
        )
        .await;
        assert_eq!(column(&package, "version"), [version]);
        assert_eq!(column(&package, "disabled"), [printed(version, false)]);
        let all = run(&client, Command::new("/system/package/print")).await;
        let enabled = run(
            &client,
            Command::new("/system/package/print").query("?=disabled=no"),
        )
        .await;
        assert_eq!(enabled.items.len(), all.items.len(), "{version}");
        assert!(
            matches!(
                client
                    .command(Command::new("/system/package/add").attr("name", "x"))
                    .await,
                Err(steppe::routeros::Error::Trap { .. })
            ),
            "packages are installed by upload, not add"
        );
        sim.shutdown();
    }
}

#[tokio::test]
async fn hotspot_hosts_follow_logins() {
    for version in VERSIONS {
        let sim = sim(version).await;
        let client = connect(&sim).await;
        run(
            &client,
            Command::new("/ip/hotspot/user/add")
                .attr("name", "alice")
                .attr("password", "pw"),
        )
        .await;
        let mac = "AA:BB:CC:00:00:01";
        sim.hotspot_login("alice", "pw", "10.5.50.2", mac)
            .expect("logs in");
        let host = |authorized: bool| {
            Command::new("/ip/hotspot/host/print")
                .query(&format!("mac-address={mac}"))
                .query(&format!("authorized={}", printed(version, authorized)))
        };
        let hosts = run(&client, host(true)).await;
        assert_eq!(column(&hosts, "address"), ["10.5.50.2"], "{version}");
        assert_eq!(column(&hosts, "server"), ["hotspot1"]);
        assert!(hosts.items[0].get("uptime").is_some());

        // Kicking the session leaves the device known but no longer authorized.
        let active = run(&client, Command::new("/ip/hotspot/active/print")).await;
        let session = active.items[0].get(".id").expect("id").to_owned();
        run(
            &client,
            Command::new("/ip/hotspot/active/remove").attr(".id", &session),
        )
        .await;
        assert!(run(&client, host(true)).await.items.is_empty(), "{version}");
        let known = run(&client, host(false)).await;
        assert_eq!(known.items.len(), 1, "{version}");

        // Removing the host logs the device out.
        sim.hotspot_login("alice", "pw", "10.5.50.2", mac)
            .expect("logs in again");
        assert_eq!(run(&client, host(true)).await.items.len(), 1);
        let id = known.items[0].get(".id").expect("id").to_owned();
        run(
            &client,
            Command::new("/ip/hotspot/host/remove").attr(".id", &id),
        )
        .await;
        let active = run(&client, Command::new("/ip/hotspot/active/print")).await;
        assert!(active.items.is_empty(), "{version}: {active:?}");
        assert!(
            matches!(
                client
                    .command(Command::new("/ip/hotspot/host/add").attr("mac-address", mac))
                    .await,
                Err(steppe::routeros::Error::Trap { .. })
            ),
            "hosts are found, not added"
        );
        sim.shutdown();
    }
}

#[tokio::test]
async fn unset_returns_a_property_to_its_default() {
    let sim = sim("7.16").await;
    let client = connect(&sim).await;
    within(10, async {
        run(
            &client,
            Command::new("/ip/hotspot/user/profile/add").attr("name", "gold"),
        )
        .await;
        let id = run(
            &client,
            Command::new("/ip/hotspot/user/add")
                .attr("name", "bob")
                .attr("profile", "gold")
                .attr("limit-uptime", "1h")
                .attr("comment", "steppe:7"),
        )
        .await
        .ret
        .expect("new id");
        for name in ["comment", "limit-uptime", "profile"] {
            run(
                &client,
                Command::new("/ip/hotspot/user/unset")
                    .attr(".id", &id)
                    .attr("value-name", name),
            )
            .await;
        }
        let user = run(
            &client,
            Command::new("/ip/hotspot/user/print").query("name=bob"),
        )
        .await;
        let item = &user.items[0];
        assert_eq!(item.get("comment"), None, "{item:?}");
        assert_eq!(item.get("limit-uptime"), None);
        assert_eq!(item.get("profile"), Some("default"));

        let unset = |name: &str| {
            Command::new("/ip/hotspot/user/unset")
                .attr(".id", &id)
                .attr("value-name", name)
        };
        assert_eq!(
            trap_message(client.command(unset("colour")).await),
            "unknown parameter"
        );
        assert_eq!(
            trap_message(client.command(unset("name")).await),
            "failure: name can not be unset"
        );
        assert_eq!(
            trap_message(
                client
                    .command(Command::new("/ip/hotspot/user/unset").attr(".id", &id))
                    .await
            ),
            "missing value(s) of argument(s) value-name"
        );
    })
    .await;
}
