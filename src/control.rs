//! The command line beside a running server: `steppe admin create / reset-password / token`
//! would otherwise have to stop billing, since the server holds the database. The server
//! listens on a Unix socket in the data directory (owner-only, never on the network); the CLI
//! sends one request line and prints the one reply line. With no server listening, the CLI
//! does the same work straight on the file. Both go through [`perform`], so the output and the
//! audit entries ("via cli") are the same either way.
//!
//! Bounded: a request is at most 16 KiB and must arrive within 10 s; at most four are served at
//! once (more are closed unanswered). Passwords are hashed by the CLI, so the server only ever
//! receives an argon2id PHC string.

use crate::access::admins::AdminDraft;
use crate::access::{Grants, secret};
use crate::audit::Actor;
use crate::error::Error;
use crate::ops::{self, By};
use crate::store::Store;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

const SOCKET: &str = "control.sock";
const MAX_REQUEST: u64 = 16 * 1024;
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
const AT_ONCE: usize = 4;

/// Where the running server listens for the CLI.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    CreateAdmin {
        username: String,
        role: String,
        full_name: String,
        password_hash: String,
    },
    ResetPassword {
        username: String,
        password_hash: String,
    },
    Token {
        username: String,
        label: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Reply {
    ok: bool,
    text: String,
}

/// Does what `req` asks on `store` and says what to print: the same words whether the CLI
/// or the server on its behalf runs it.
pub fn perform(store: &Store, now: Timestamp, req: Request) -> Result<String, String> {
    let by = By {
        actor: Actor::cli(),
        now,
        tz: jiff::tz::TimeZone::UTC,
    };
    let no_admin = |username: &str| {
        let username = username.to_string();
        move |e| match e {
            Error::NotFound => format!("no admin named {username:?}"),
            e => e.to_string(),
        }
    };
    match req {
        Request::CreateAdmin {
            username,
            role,
            full_name,
            password_hash,
        } => {
            let hash = phc(password_hash)?;
            let draft = AdminDraft {
                full_name,
                username,
                active: true,
                role_id: role,
                overrides: Grants::default(),
                ..Default::default()
            };
            let a = ops::admins::create(store, &by, draft, hash).map_err(|e| e.to_string())?;
            Ok(format!(
                "created admin {} (id {}) with role {}",
                a.username, a.id, a.role_id
            ))
        }
        Request::ResetPassword {
            username,
            password_hash,
        } => {
            let hash = phc(password_hash)?;
            ops::admins::reset_password(store, &by, &username, hash)
                .map_err(no_admin(&username))?;
            Ok(format!(
                "password reset for {username}; their sessions were ended"
            ))
        }
        Request::Token { username, label } => {
            let token = ops::admins::issue_token(store, &by, &username, &label)
                .map_err(no_admin(&username))?;
            Ok(format!(
                "API token for {username} ({label}); it is shown only once:\n{token}"
            ))
        }
    }
}

/// Only a hash the CLI made is stored: the socket never sets a password in the clear.
fn phc(hash: String) -> Result<String, String> {
    if hash.len() <= 256 && hash.starts_with("$argon2id$") && secret::is_phc(&hash) {
        Ok(hash)
    } else {
        Err("not an argon2id password hash".into())
    }
}

/// Sends `req` to the server running on `data_dir`; `None` when none listens there.
pub fn ask(data_dir: &Path, req: &Request) -> Option<Result<String, String>> {
    let stream = std::os::unix::net::UnixStream::connect(socket_path(data_dir)).ok()?;
    Some(exchange(stream, req))
}

fn exchange(mut stream: std::os::unix::net::UnixStream, req: &Request) -> Result<String, String> {
    let talk = |e: std::io::Error| format!("talking to the running server: {e}");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(talk)?;
    let mut line = serde_json::to_vec(req).map_err(|e| e.to_string())?;
    line.push(b'\n');
    stream.write_all(&line).map_err(talk)?;
    let mut answer = String::new();
    // A reply is one line of a few hundred bytes; a stuck peer cannot grow it.
    BufReader::new(stream.take(MAX_REQUEST))
        .read_line(&mut answer)
        .map_err(talk)?;
    let reply: Reply = serde_json::from_str(&answer)
        .map_err(|_| "the running server gave no answer (see its log)".to_string())?;
    if reply.ok {
        Ok(reply.text)
    } else {
        Err(reply.text)
    }
}

/// The listening socket of a running server; removed when dropped.
pub struct Control {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Control {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens for the CLI on `data_dir`'s socket, serving requests against `store` at the
/// server's time. Call inside the runtime that should serve it.
pub fn listen(
    data_dir: &Path,
    store: Store,
    clock: crate::clock::Clock,
) -> Result<Control, String> {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path(data_dir);
    // Whoever made a socket left here is gone: this process holds the database.
    let _ = std::fs::remove_file(&path);
    // Made owner-only under a temporary name and then moved into place, so there is no moment
    // when anyone else could connect.
    let staging = data_dir.join(format!(".{SOCKET}.{}", std::process::id()));
    let _ = std::fs::remove_file(&staging);
    let bound = std::os::unix::net::UnixListener::bind(&staging)
        .map_err(|e| format!("control socket {}: {e}", staging.display()))?;
    std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600))
        .and_then(|()| std::fs::rename(&staging, &path))
        .and_then(|()| bound.set_nonblocking(true))
        .map_err(|e| format!("control socket {}: {e}", path.display()))?;
    let listener = tokio::net::UnixListener::from_std(bound)
        .map_err(|e| format!("control socket {}: {e}", path.display()))?;
    let slots = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let task = tokio::spawn(async move {
        loop {
            let Ok((conn, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                continue;
            };
            let (store, clock) = (store.clone(), clock.clone());
            tokio::spawn(async move {
                let _slot = slot;
                serve_one(conn, store, clock).await;
            });
        }
    });
    Ok(Control { path, task })
}

async fn serve_one(conn: tokio::net::UnixStream, store: Store, clock: crate::clock::Clock) {
    let (read, mut write) = conn.into_split();
    let mut line = String::new();
    let mut limited = tokio::io::BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_REQUEST));
    let reply = match tokio::time::timeout(REQUEST_DEADLINE, limited.read_line(&mut line)).await {
        Ok(Ok(_)) if line.ends_with('\n') => match serde_json::from_str::<Request>(&line) {
            Ok(req) => {
                let now = clock.now();
                tokio::task::spawn_blocking(move || perform(&store, now, req))
                    .await
                    .unwrap_or_else(|e| Err(format!("the request failed: {e}")))
            }
            Err(e) => Err(format!("not a request: {e}")),
        },
        _ => return,
    };
    let reply = match reply {
        Ok(text) => Reply { ok: true, text },
        Err(text) => Reply { ok: false, text },
    };
    if let Ok(mut out) = serde_json::to_vec(&reply) {
        out.push(b'\n');
        let _ = write.write_all(&out).await;
    }
}
