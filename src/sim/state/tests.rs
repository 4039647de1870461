//! The router state applied command by command, without a connection.

use super::*;

fn req(path: &str, attrs: &[(&str, &str)], queries: &[&str]) -> Request {
    Request {
        path: path.to_owned(),
        attrs: attrs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        queries: queries.iter().map(|q| (*q).to_owned()).collect(),
    }
}

fn text(replies: &[Words]) -> Vec<String> {
    replies
        .iter()
        .map(|s| {
            s.iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn add_returns_sequential_hex_ids_and_enforces_rules() {
    let mut s = RouterState::new("7.16");
    let first = text(&s.execute(&req("/ip/hotspot/user/add", &[("name", "a")], &[])));
    let second = text(&s.execute(&req("/ip/hotspot/user/add", &[("name", "b")], &[])));
    let n1 = first[0]
        .strip_prefix("!done =ret=*")
        .map(|h| u32::from_str_radix(h, 16));
    let n2 = second[0]
        .strip_prefix("!done =ret=*")
        .map(|h| u32::from_str_radix(h, 16));
    assert!(
        matches!((n1, n2), (Some(Ok(a)), Some(Ok(b))) if b == a + 1),
        "{first:?} {second:?}"
    );
    let dup = text(&s.execute(&req("/ip/hotspot/user/add", &[("name", "a")], &[])));
    assert_eq!(
        dup,
        [
            "!trap =message=failure: already have user with this name for this server",
            "!done"
        ]
    );
    let bad = text(&s.execute(&req(
        "/ip/hotspot/user/add",
        &[("name", "c"), ("profile", "gold")],
        &[],
    )));
    assert_eq!(
        bad[0],
        "!trap =message=input does not match any value of profile"
    );
    let unknown = text(&s.execute(&req(
        "/ip/hotspot/user/add",
        &[("name", "c"), ("colour", "red")],
        &[],
    )));
    assert_eq!(unknown[0], "!trap =message=unknown parameter");
}

#[test]
fn removing_or_renaming_frees_a_unique_name() {
    let mut s = RouterState::new("7.16");
    s.execute(&req("/ppp/secret/add", &[("name", "a")], &[]));
    s.execute(&req(
        "/ppp/secret/set",
        &[("numbers", "a"), ("name", "b")],
        &[],
    ));
    let again = text(&s.execute(&req("/ppp/secret/add", &[("name", "a")], &[])));
    assert!(again[0].starts_with("!done =ret=*"), "{again:?}");
    let taken = text(&s.execute(&req("/ppp/secret/add", &[("name", "b")], &[])));
    assert_eq!(
        taken[0],
        "!trap =message=failure: secret with the same name already exists"
    );
    s.execute(&req("/ppp/secret/remove", &[("numbers", "b")], &[]));
    let freed = text(&s.execute(&req("/ppp/secret/add", &[("name", "b")], &[])));
    assert!(freed[0].starts_with("!done =ret=*"), "{freed:?}");
}

#[test]
fn print_filters_and_counts() {
    let mut s = RouterState::new("7.16");
    let count = text(&s.execute(&req(
        "/interface/print",
        &[("count-only", "")],
        &["type=ether"],
    )));
    assert_eq!(count, ["!done =ret=5"]);
    s.execute(&req(
        "/interface/disable",
        &[("numbers", "ether2,ether3")],
        &[],
    ));
    let disabled = text(&s.execute(&req(
        "/interface/print",
        &[(".proplist", "name")],
        &["disabled=true"],
    )));
    assert_eq!(disabled, ["!re =name=ether2", "!re =name=ether3", "!done"]);
    let none = text(&s.execute(&req("/interface/print", &[], &["type=vlan"])));
    assert_eq!(none, ["!done"], "7.16 sends no !empty");
    let mut new = RouterState::new("7.18");
    assert_eq!(
        text(&new.execute(&req("/interface/print", &[], &["type=vlan"]))),
        ["!empty", "!done"]
    );
}

#[test]
fn version_6_prints_yes_no() {
    let mut s = RouterState::new("6.33");
    let out = text(&s.execute(&req(
        "/interface/print",
        &[(".proplist", "name,disabled")],
        &["name=ether1"],
    )));
    assert_eq!(out, ["!re =name=ether1 =disabled=no", "!done"]);
}

#[test]
fn customer_login_rules() {
    let mut s = RouterState::new("7.16");
    s.execute(&req(
        "/ip/hotspot/user/add",
        &[("name", "u"), ("password", "p")],
        &[],
    ));
    assert_eq!(
        s.hotspot_login("u", "bad", "10.5.50.2", "AA:BB:CC:DD:EE:FF"),
        Err(SimError::WrongPassword("u".into()))
    );
    assert_eq!(
        s.hotspot_login("x", "p", "10.5.50.2", "AA:BB:CC:DD:EE:FF"),
        Err(SimError::UnknownUser("x".into()))
    );
    assert!(
        s.hotspot_login("u", "p", "10.5.50.2", "AA:BB:CC:DD:EE:FF")
            .is_ok()
    );
    s.execute(&req("/ip/hotspot/user/disable", &[("numbers", "u")], &[]));
    assert_eq!(
        s.hotspot_login("u", "p", "10.5.50.3", "AA:BB:CC:DD:EE:01"),
        Err(SimError::Disabled("u".into()))
    );
    assert_eq!(s.items("/ip/hotspot/active").len(), 1);
}

#[test]
fn place_before_inserts_in_order_and_only_where_rules_are_ordered() {
    let mut s = RouterState::new("7.16");
    let add = |s: &mut RouterState, attrs: &[(&str, &str)]| {
        let r = text(&s.execute(&req("/ip/firewall/filter/add", attrs, &[])));
        r[0].strip_prefix("!done =ret=").map(str::to_owned)
    };
    let theirs = add(&mut s, &[("chain", "forward"), ("comment", "op")]).expect("added");
    for c in ["a", "b"] {
        add(
            &mut s,
            &[
                ("chain", "forward"),
                ("comment", c),
                ("place-before", &theirs),
            ],
        )
        .expect("placed");
    }
    let order: Vec<String> = s
        .items("/ip/firewall/filter")
        .iter()
        .filter_map(|i| i.get("comment").map(str::to_owned))
        .collect();
    assert_eq!(order, ["a", "b", "op"]);
    assert_eq!(
        add(&mut s, &[("chain", "forward"), ("place-before", "*FFFF")]),
        None,
        "an unknown rule is refused"
    );
    let wg = text(&s.execute(&req(
        "/ip/hotspot/walled-garden/add",
        &[("dst-host", "x.mn"), ("place-before", &theirs)],
        &[],
    )));
    assert!(wg[0].contains("unknown parameter"), "{wg:?}");
}

#[test]
fn hotspot_cookies_outlive_sessions_and_ppp_profiles_fill_their_address_list() {
    let mut s = RouterState::new("6.33");
    s.execute(&req(
        "/ip/hotspot/user/add",
        &[("name", "hs1"), ("password", "p")],
        &[],
    ));
    s.hotspot_login("hs1", "p", "10.5.50.9", "AA:00:00:00:00:09")
        .expect("login");
    let active = s.items("/ip/hotspot/active");
    s.execute(&req(
        "/ip/hotspot/active/remove",
        &[(".id", &active[0].id)],
        &[],
    ));
    let cookies = s.items("/ip/hotspot/cookie");
    assert_eq!(cookies.len(), 1);
    assert_eq!(cookies[0].get("user"), Some("hs1"));
    assert_eq!(cookies[0].get("mac-address"), Some("AA:00:00:00:00:09"));

    s.execute(&req(
        "/ppp/profile/add",
        &[("name", "fence"), ("address-list", "fenced")],
        &[],
    ));
    s.execute(&req(
        "/ppp/secret/add",
        &[("name", "pp1"), ("password", "p"), ("profile", "fence")],
        &[],
    ));
    let id = s
        .ppp_login("pp1", "p", "AA:00:00:00:00:0A", "10.6.0.9")
        .expect("ppp login");
    let listed = |s: &RouterState| {
        s.items("/ip/firewall/address-list")
            .iter()
            .any(|i| i.get("list") == Some("fenced") && i.get("address") == Some("10.6.0.9"))
    };
    assert!(listed(&s));
    s.execute(&req("/ppp/active/remove", &[(".id", &id)], &[]));
    assert!(
        !listed(&s),
        "the address leaves the list with the connection"
    );
}
