//! The command line: first admin without a browser, password reset, API tokens, serve.

use crate::helpers::{Browser, Server, steppe};

#[test]
fn admin_commands_create_reset_and_issue_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (ok, _, err) = steppe(
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--role",
            "super_admin",
            "--data",
            d,
        ],
        "short\n",
    );
    assert!(!ok && err.contains("At least 8"), "{err}");
    let (ok, _, err) = steppe(
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--role",
            "nope",
            "--data",
            d,
        ],
        "long enough pw\n",
    );
    assert!(!ok && err.contains("role_id"), "{err}");
    let (ok, out, err) = steppe(
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--role",
            "super_admin",
            "--data",
            d,
        ],
        "long enough pw\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("created admin root"));
    let (ok, out, _) = steppe(
        &[
            "admin",
            "token",
            "--username",
            "root",
            "--name",
            "ci",
            "--data",
            d,
        ],
        "",
    );
    assert!(ok);
    let token = out.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("stp_"));
    let (ok, _, err) = steppe(
        &[
            "admin",
            "reset-password",
            "--username",
            "ghost",
            "--data",
            d,
        ],
        "another password\n",
    );
    assert!(!ok && err.contains("no admin named"), "{err}");
    let (ok, _, _) = steppe(
        &["admin", "reset-password", "--username", "root", "--data", d],
        "another password\n",
    );
    assert!(ok);

    // The reset revoked the token made before it (a reset answers a compromise); a new one works.
    let (_, out, _) = steppe(&["admin", "token", "--username", "root", "--data", d], "");
    let fresh = out.lines().last().unwrap().trim().to_string();
    let server = Server::start(dir.path(), &[]);
    let base = format!("http://{}", server.addr);
    let mut api = Browser::new(base.clone(), false);
    api.bearer = Some(token);
    assert_eq!(api.get("/api/v1/me").status, 401);
    api.bearer = Some(fresh);
    assert_eq!(api.get("/api/v1/me").json()["username"], "root");
    let mut web = Browser::new(base, false);
    assert_eq!(web.login("root", "long enough pw").status, 401);
    assert_eq!(web.login("root", "another password").status, 303);

    // While the server runs, the CLI goes through it (billing need not stop for a token).
    let (ok, out, err) = steppe(
        &[
            "admin",
            "token",
            "--username",
            "root",
            "--data",
            d,
            "--name",
            "beside",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("API token for root (beside); it is shown only once:"),
        "{out}"
    );
    api.bearer = Some(out.lines().last().unwrap().trim().to_string());
    assert_eq!(api.get("/api/v1/me").json()["username"], "root");
    let (ok, out, err) = steppe(
        &[
            "admin",
            "create",
            "--username",
            "night",
            "--role",
            "cashier",
            "--data",
            d,
        ],
        "night shift pw\n",
    );
    assert!(ok && out.contains("created admin night"), "{out}{err}");
    assert_eq!(web.login("night", "night shift pw").status, 303);
    let (ok, _, err) = steppe(&["admin", "token", "--username", "nobody", "--data", d], "");
    assert!(!ok && err.contains("no admin named \"nobody\""), "{err}");
    let audit = web.get("/audit").body;
    assert!(
        audit.contains("night"),
        "the server's audit log has the CLI's entries"
    );
    server.kill();
}

#[test]
fn the_control_socket_is_private_and_refuses_what_is_not_a_request() {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (ok, _, err) = steppe(
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--role",
            "super_admin",
            "--data",
            d,
        ],
        "long enough pw\n",
    );
    assert!(ok, "{err}");
    let server = Server::start(dir.path(), &[]);
    let sock = dir.path().join("control.sock");
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "owner-only");
    let ask = |bytes: &[u8]| {
        let mut s = std::os::unix::net::UnixStream::connect(&sock).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let _ = s.write_all(bytes);
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    // Not JSON, an unknown operation, a password that is not a hash: answered, nothing changed.
    assert!(ask(b"hello\n").contains("\"ok\":false"));
    assert!(ask(b"{\"op\":\"drop_all\"}\n").contains("\"ok\":false"));
    let clear = br#"{"op":"reset_password","username":"root","password_hash":"hunter22"}"#;
    let answer = ask(&[clear.as_slice(), b"\n"].concat());
    assert!(answer.contains("not an argon2id password hash"), "{answer}");
    // A request past 16 KiB is cut off without an answer.
    assert_eq!(ask(&vec![b'x'; 64 * 1024]), "");
    let mut web = Browser::new(format!("http://{}", server.addr), false);
    assert_eq!(
        web.login("root", "long enough pw").status,
        303,
        "password unchanged"
    );
    server.kill();
    // A server killed outright leaves its socket behind; the CLI then works on the file.
    let (ok, out, err) = steppe(&["admin", "token", "--username", "root", "--data", d], "");
    assert!(ok && out.contains("API token for root"), "{out}{err}");
}

#[test]
fn usage_errors_are_clear() {
    let (ok, _, err) = steppe(&["frobnicate"], "");
    assert!(!ok && err.contains("unknown command"));
    let (ok, out, _) = steppe(&["--help"], "");
    assert!(ok && out.contains("steppe serve"));
    let (ok, _, err) = steppe(&["serve", "--tls", "bogus"], "");
    assert!(!ok && err.contains("self-signed"));
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    // At once after the address is announced, several times: the handler must already be there
    // (it once was installed just after, and a quick stop killed the process outright).
    for _ in 0..5 {
        let mut server = Server::start(dir.path(), &[]);
        let pid = server.child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = server.child.wait().unwrap();
        assert!(status.success(), "exit status {status:?}");
    }
    // The database reopens without recovery complaints.
    let server = Server::start(dir.path(), &[]);
    let mut b = Browser::new(format!("http://{}", server.addr), false);
    assert_eq!(b.get("/healthz").body, "ok");
}

#[test]
fn demo_prints_its_address_and_login_and_serves_sample_data() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_steppe"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--portal-listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(dir.path().join("demo"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut login, mut portal) = (None, None, None);
    while url.is_none() || login.is_none() || portal.is_none() {
        let line = lines.next().expect("demo exited early").unwrap();
        if let Some(u) = line.split("running at").nth(1) {
            url = Some(u.trim().trim_end_matches('/').to_string());
        }
        if let Some(u) = line.split("Customer portal").nth(1) {
            portal = u
                .split_whitespace()
                .next()
                .map(|u| u.trim_end_matches("/portal").to_string());
        }
        if let Some(l) = line.split("Log in as").nth(1) {
            login = Some(l.trim().to_string());
        }
    }
    let (user, password) = login.as_deref().unwrap().split_once(" / ").unwrap();
    let url = url.unwrap();
    let mut b = Browser::new(url.clone(), false);
    assert!(b.get("/login").body.contains("TopNET"), "sample settings");
    assert_eq!(b.login(user, password).status, 303);
    let admins = b.get("/admins");
    assert!(
        admins.body.contains("cashier") && admins.body.contains("tech"),
        "sample admins"
    );
    assert!(
        b.get("/feedback")
            .body
            .contains("Орой бүр интернэт удааширдаг."),
        "sample feedback"
    );
    // The portal login the demo prints works.
    let mut customer = Browser::new(portal.unwrap(), false);
    customer.get("/portal/login");
    let p = customer.post_form(
        "/portal/login",
        &[
            ("login", "user001"),
            ("password", "pw7919"),
            ("next", "/portal"),
        ],
    );
    assert_eq!(p.status, 303, "{}", p.body);
    let _ = child.kill();
    let _ = child.wait();
}
