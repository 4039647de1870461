//! The command line: first admin without a browser, password reset, API tokens, serve.

use crate::helpers::{Browser, Server, steppe};

#[test]
fn admin_commands_create_reset_and_issue_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (ok, _, err) = steppe(&["admin", "create", "--username", "root", "--role", "super_admin", "--data", d], "short\n");
    assert!(!ok && err.contains("At least 8"), "{err}");
    let (ok, _, err) = steppe(&["admin", "create", "--username", "root", "--role", "nope", "--data", d], "long enough pw\n");
    assert!(!ok && err.contains("role_id"), "{err}");
    let (ok, out, err) = steppe(&["admin", "create", "--username", "root", "--role", "super_admin", "--data", d], "long enough pw\n");
    assert!(ok, "{err}");
    assert!(out.contains("created admin root"));
    let (ok, out, _) = steppe(&["admin", "token", "--username", "root", "--name", "ci", "--data", d], "");
    assert!(ok);
    let token = out.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("stp_"));
    let (ok, _, err) = steppe(&["admin", "reset-password", "--username", "ghost", "--data", d], "another password\n");
    assert!(!ok && err.contains("no admin named"), "{err}");
    let (ok, _, _) = steppe(&["admin", "reset-password", "--username", "root", "--data", d], "another password\n");
    assert!(ok);

    let server = Server::start(dir.path(), &[]);
    let base = format!("http://{}", server.addr);
    let mut api = Browser::new(base.clone(), false);
    api.bearer = Some(token);
    assert_eq!(api.get("/api/v1/me").json()["username"], "root");
    let mut web = Browser::new(base, false);
    assert_eq!(web.login("root", "long enough pw").status, 401);
    assert_eq!(web.login("root", "another password").status, 303);

    // While the server runs, the CLI refuses to touch the database and says why.
    let (ok, _, err) = steppe(&["admin", "token", "--username", "root", "--data", d], "");
    assert!(!ok && err.contains("in use"), "{err}");
    server.kill();
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
    let mut server = Server::start(dir.path(), &[]);
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    // The database reopens without recovery complaints.
    let server = Server::start(dir.path(), &[]);
    let mut b = Browser::new(format!("http://{}", server.addr), false);
    assert_eq!(b.get("/healthz").body, "ok");
}
