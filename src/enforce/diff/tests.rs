use super::*;
use crate::enforce::desired::Scope;
use crate::network::Router;

fn router() -> Router {
    serde_json::from_value(serde_json::json!({
        "id": 1, "name": "r", "host": "h", "port": 8728, "tls": false,
        "username": "u", "password_sealed": "", "login_method": "auto",
        "hotspot_server": "all", "pppoe": true,
        "created_at": "2024-01-01T00:00:00Z"
    }))
    .unwrap()
}

fn user(id: u64, login: &str, enabled: bool, adopt: bool) -> User {
    User {
        customer_id: id,
        kind: ServiceKind::Hotspot,
        login: login.into(),
        password: "pw".into(),
        profile: "p".into(),
        enabled,
        adopt,
    }
}

fn entry(id: &str, name: &str, comment: &str, disabled: bool) -> Entry {
    Entry {
        id: ItemId::new(id),
        name: name.into(),
        password: Some("pw".into()),
        profile: "p".into(),
        target: "all".into(),
        comment: comment.into(),
        disabled,
        limit_uptime: 0,
        limit_bytes_total: 0,
        uptime: 0,
    }
}

fn desired(users: Vec<User>, scope: Scope) -> Desired {
    Desired {
        router: router(),
        scope,
        users: users.into_iter().map(|u| (u.customer_id, u)).collect(),
        profiles: vec![],
        problems: vec![],
        logins: vec![],
        marked: vec![],
        cards: BTreeMap::new(),
        card_codes: vec![],
    }
}

fn actual(entries: Vec<Entry>, sessions: Vec<(&str, &str)>) -> Actual {
    let mut a = Actual::default();
    a.users.insert(ServiceKind::Hotspot, entries);
    a.sessions = Some(
        [(
            ServiceKind::Hotspot,
            sessions
                .into_iter()
                .map(|(id, u)| Session {
                    id: ItemId::new(id),
                    user: u.into(),
                })
                .collect(),
        )]
        .into(),
    );
    a
}

fn texts(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .map(|o| super::super::log::redact(&o.command))
        .collect()
}

#[test]
fn in_sync_means_no_commands() {
    let d = desired(vec![user(1, "a", true, false)], Scope::Full);
    let a = actual(vec![entry("*1", "a", "steppe:1", false)], vec![("*9", "a")]);
    let ch = diff(&d, &a);
    assert!(ch.is_empty(), "{ch:?}");
    assert_eq!(ch.managed, 1);
    assert_eq!(ch.sessions_after, Some(1));
}

#[test]
fn expired_is_disabled_and_kicked() {
    let d = desired(vec![user(1, "a", false, false)], Scope::Full);
    let a = actual(vec![entry("*1", "a", "steppe:1", false)], vec![("*9", "a")]);
    let ch = diff(&d, &a);
    assert_eq!(
        texts(&ch.sets),
        ["/ip/hotspot/user/set .id=*1 disabled=yes"]
    );
    assert_eq!(ch.kick_ids.len(), 1);
    assert_eq!(ch.sessions_after, Some(0));
}

#[test]
fn unmanaged_entries_are_never_touched_and_collisions_reported() {
    let d = desired(vec![user(1, "a", false, false)], Scope::Full);
    let a = actual(
        vec![
            entry("*1", "a", "", false),
            entry("*2", "guest", "x", false),
        ],
        vec![("*9", "a")],
    );
    let ch = diff(&d, &a);
    assert!(ch.is_empty(), "{ch:?}");
    assert_eq!(ch.collisions.len(), 1);
}

#[test]
fn adoption_takes_the_entry_over() {
    let d = desired(vec![user(1, "a", true, true)], Scope::Full);
    let a = actual(vec![entry("*1", "a", "old", false)], vec![]);
    let ch = diff(&d, &a);
    assert_eq!(
        texts(&ch.sets),
        [
            "/ip/hotspot/user/set .id=*1 name=a password=*** profile=p server=all \
          comment=steppe:1 disabled=no"
        ]
    );
}

#[test]
fn stale_managed_entries_are_removed_only_in_scope() {
    let d = desired(vec![], Scope::customers([5].into()));
    let a = actual(
        vec![
            entry("*1", "a", "steppe:5", false),
            entry("*2", "b", "steppe:6", false),
        ],
        vec![],
    );
    let ch = diff(&d, &a);
    assert_eq!(texts(&ch.removes), ["/ip/hotspot/user/remove .id=*1"]);
}

#[test]
fn targeted_reconcile_looks_sessions_up_by_login() {
    let d = desired(
        vec![user(1, "a", false, false)],
        Scope::customers([1].into()),
    );
    let mut a = actual(vec![entry("*1", "a", "steppe:1", true)], vec![]);
    a.sessions = None;
    let ch = diff(&d, &a);
    assert_eq!(
        ch.kick_logins,
        [(ServiceKind::Hotspot, "a".into(), Some(Owner::Customer(1)))]
    );
}
