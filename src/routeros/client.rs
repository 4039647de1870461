//! One API connection carrying many concurrent commands.
//!
//! Every command gets a unique `.tag`; one reader task routes reply sentences to the command that
//! owns the tag and one writer task batches outgoing sentences. Callers never wait for one reply
//! before sending the next command, which is what makes bulk provisioning over a slow link fast.
//! When the connection breaks, every command in flight fails at once; reconnecting is the caller's
//! decision (see [`super::backoff::Backoff`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::codec::{
    DEFAULT_MAX_SENTENCE_LEN, DEFAULT_MAX_WORD_LEN, Decoder, Sentence, attribute_word,
    encode_sentence, lossy, tag_word,
};
use super::command::{Command, Item, Reply};
use super::error::{Error, Result};
use super::login::{LoginMethod, fatal_reason, login};
use super::tls::{self, TlsMode};

/// Where and how to connect to one router.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub login: LoginMethod,
    /// `None` for plain `api`; otherwise how to trust the router on `api-ssl`.
    pub tls: Option<TlsMode>,
    pub connect_timeout: Duration,
    pub login_timeout: Duration,
    /// Limit for one command from send to `!done`; does not apply to `listen` streams.
    pub command_timeout: Duration,
    /// Largest word accepted from the router.
    pub max_word_len: usize,
    /// Largest sentence accepted from the router.
    pub max_sentence_len: usize,
    /// Most `!re` items one command may receive (for a `listen` stream: may wait unread).
    pub max_reply_items: usize,
    /// Most bytes, as sent on the wire, one command may receive (for a `listen` stream: may
    /// wait unread).
    pub max_reply_bytes: usize,
}

/// Default for [`ClientConfig::max_reply_items`]: ten times the users of the largest router we
/// plan for, and a few hundred MB of parsed items at worst.
pub const DEFAULT_MAX_REPLY_ITEMS: usize = 200_000;
/// Default for [`ClientConfig::max_reply_bytes`]: 10,000 users printed with every property take
/// about 5 MiB.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 32 * 1024 * 1024;

impl ClientConfig {
    /// Plain `api` with auto login and default limits.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> ClientConfig {
        ClientConfig {
            host: host.into(),
            port,
            user: user.into(),
            password: password.into(),
            login: LoginMethod::Auto,
            tls: None,
            connect_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(30),
            max_word_len: DEFAULT_MAX_WORD_LEN,
            max_sentence_len: DEFAULT_MAX_SENTENCE_LEN,
            max_reply_items: DEFAULT_MAX_REPLY_ITEMS,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
        }
    }
}

/// A logged-in connection. Cheap to clone; all clones share the connection, and every method
/// takes `&self`, so many tasks can run commands on it at once.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    tasks: [JoinHandle<()>; 2],
    command_timeout: Duration,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        self.shared.fail_all(|| Error::ConnectionClosed);
    }
}

/// Where a tag's replies go, and how much of them the limits have counted so far.
struct Route {
    tx: mpsc::UnboundedSender<Result<Sentence>>,
    usage: Arc<Usage>,
    streaming: bool,
}

/// `!re` items and wire bytes routed to one tag. A command's reply is kept whole until `!done`,
/// so its count only grows; a `listen` stream gives back what its reader has taken.
#[derive(Default)]
struct Usage {
    items: AtomicUsize,
    bytes: AtomicUsize,
}

impl Usage {
    fn add(&self, items: usize, bytes: usize) -> (usize, usize) {
        (
            self.items.fetch_add(items, Ordering::Relaxed) + items,
            self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes,
        )
    }

    fn release(&self, items: usize, bytes: usize) {
        self.items.fetch_sub(items, Ordering::Relaxed);
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// The `!re` count and wire size a sentence adds to its command's usage.
fn weight(sentence: &Sentence) -> (usize, usize) {
    (usize::from(sentence.head() == b"!re"), sentence.wire_len())
}

/// State shared by the callers, the reader task and the writer task.
struct Shared {
    routes: Mutex<Routes>,
    out: mpsc::UnboundedSender<Vec<u8>>,
    next_tag: AtomicU64,
    max_items: usize,
    max_bytes: usize,
}

struct Routes {
    by_tag: HashMap<u64, Route>,
    closed: bool,
}

impl Shared {
    fn routes(&self) -> MutexGuard<'_, Routes> {
        // A panic while holding this lock cannot leave the map inconsistent, so keep going.
        self.routes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(self: &Arc<Self>, streaming: bool) -> Result<Pending> {
        let (tx, rx) = mpsc::unbounded_channel();
        let usage = Arc::new(Usage::default());
        let mut routes = self.routes();
        if routes.closed {
            return Err(Error::ConnectionClosed);
        }
        let tag = self.next_tag.fetch_add(1, Ordering::Relaxed);
        let route = Route {
            tx,
            usage: usage.clone(),
            streaming,
        };
        routes.by_tag.insert(tag, route);
        Ok(Pending {
            tag,
            rx,
            shared: self.clone(),
            // A command keeps every item it is given, so only a stream gives its usage back.
            release: streaming.then_some(usage),
        })
    }

    /// Removes a route; true if the command was still waiting for its `!done`.
    fn forget(&self, tag: u64) -> bool {
        self.routes().by_tag.remove(&tag).is_some()
    }

    fn send(&self, words: &[Vec<u8>], tag: Option<u64>) -> Result<()> {
        let mut all: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        let tag_word = tag.map(|t| tag_word(&t.to_string()));
        if let Some(w) = &tag_word {
            all.push(w);
        }
        let bytes = encode_sentence(&all).map_err(|e| Error::Protocol(e.to_string()))?;
        self.out.send(bytes).map_err(|_| Error::ConnectionClosed)
    }

    /// Fire-and-forget `/cancel` for a command nobody waits for any more.
    fn cancel_untracked(&self, tag: u64) {
        let words = [
            b"/cancel".to_vec(),
            attribute_word("tag", tag.to_string().as_bytes()),
        ];
        if self.send(&words, None).is_err() {
            tracing::debug!(tag, "connection closed before cancel could be sent");
        }
    }

    fn route(&self, sentence: Sentence) {
        let Some(tag) = sentence
            .tag()
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| t.parse::<u64>().ok())
        else {
            tracing::debug!(reply = %lossy(sentence.head()), "ignoring untagged reply");
            return;
        };
        let done = sentence.head() == b"!done";
        let (items, bytes) = weight(&sentence);
        let mut routes = self.routes();
        let Some(route) = routes.by_tag.get(&tag) else {
            drop(routes);
            tracing::debug!(tag, "reply for a command nobody waits for");
            return;
        };
        // Counted under the lock, so the channel never holds more than the limits allow.
        let (used_items, used_bytes) = route.usage.add(items, bytes);
        if used_items > self.max_items || used_bytes > self.max_bytes {
            let streaming = route.streaming;
            if let Some(route) = routes.by_tag.remove(&tag) {
                drop(routes);
                tracing::warn!(
                    tag,
                    items = used_items,
                    bytes = used_bytes,
                    "reply over the limit; cancelling the command"
                );
                _ = route.tx.send(Err(Error::ReplyTooLarge {
                    command: String::new(),
                    max_items: self.max_items,
                    max_bytes: self.max_bytes,
                    streaming,
                }));
                // Tags are never reused, so whatever still comes for this one is dropped above.
                self.cancel_untracked(tag);
            }
            return;
        }
        let tx = if done {
            routes.by_tag.remove(&tag).map(|r| r.tx)
        } else {
            Some(route.tx.clone())
        };
        drop(routes);
        // A closed receiver means the caller gave up; the reply is simply dropped.
        if let Some(tx) = tx {
            _ = tx.send(Ok(sentence));
        }
    }

    fn fail_all(&self, error: impl Fn() -> Error) {
        let drained: Vec<Route> = {
            let mut routes = self.routes();
            routes.closed = true;
            routes.by_tag.drain().map(|(_, r)| r).collect()
        };
        for route in drained {
            _ = route.tx.send(Err(error()));
        }
    }
}

impl Client {
    /// Connects (TCP, then TLS if configured) and logs in.
    pub async fn connect(config: &ClientConfig) -> Result<Client> {
        let target = format!("{}:{}", config.host, config.port);
        let tcp = tokio::time::timeout(
            config.connect_timeout,
            TcpStream::connect((config.host.as_str(), config.port)),
        )
        .await
        .map_err(|_| Error::Timeout(format!("connecting to {target}")))?
        .map_err(|e| Error::io(format!("connecting to {target}"), e))?;
        // Small sentences must not wait for Nagle's algorithm.
        tcp.set_nodelay(true)
            .map_err(|e| Error::io("setting TCP_NODELAY", e))?;
        match &config.tls {
            None => Client::over(tcp, config).await,
            Some(mode) => {
                let stream =
                    tls::handshake(tcp, &config.host, mode, config.connect_timeout).await?;
                Client::over(stream, config).await
            }
        }
    }

    /// Logs in over an already connected stream and starts the reader and writer tasks.
    pub async fn over<S>(mut stream: S, config: &ClientConfig) -> Result<Client>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let mut decoder = Decoder::new(config.max_word_len, config.max_sentence_len);
        tokio::time::timeout(
            config.login_timeout,
            login(
                &mut stream,
                &mut decoder,
                &config.user,
                &config.password,
                config.login,
            ),
        )
        .await
        .map_err(|_| Error::Timeout("login".into()))??;
        let (reader, writer) = tokio::io::split(stream);
        let (out, out_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            routes: Mutex::new(Routes {
                by_tag: HashMap::new(),
                closed: false,
            }),
            out,
            next_tag: AtomicU64::new(1),
            max_items: config.max_reply_items,
            max_bytes: config.max_reply_bytes,
        });
        let tasks = [
            tokio::spawn(read_loop(reader, decoder, shared.clone())),
            tokio::spawn(write_loop(writer, out_rx, shared.clone())),
        ];
        Ok(Client {
            inner: Arc::new(Inner {
                shared,
                tasks,
                command_timeout: config.command_timeout,
            }),
        })
    }

    /// Sends a command and waits for its `!done` (or the command timeout).
    pub async fn command(&self, command: Command) -> Result<Reply> {
        self.send(command)?.reply().await
    }

    /// Sends a command without waiting; the handle gives its tag (for [`Client::cancel`]) and its reply.
    pub fn send(&self, command: Command) -> Result<InFlight> {
        let pending = self.inner.shared.register(false)?;
        self.inner.shared.send(command.words(), Some(pending.tag))?;
        Ok(InFlight {
            pending,
            timeout: self.inner.command_timeout,
            path: command.path(),
        })
    }

    /// Starts a streaming command such as `/ip/hotspot/active/listen`; items arrive until cancelled.
    pub fn listen(&self, command: Command) -> Result<Listener> {
        let pending = self.inner.shared.register(true)?;
        self.inner.shared.send(command.words(), Some(pending.tag))?;
        Ok(Listener {
            pending,
            path: command.path(),
            trap: None,
            finished: false,
        })
    }

    /// Cancels the command with this tag (`/cancel =tag=`); it then fails with an interrupted trap.
    pub async fn cancel(&self, tag: &str) -> Result<()> {
        self.command(Command::new("/cancel").attr("tag", tag))
            .await
            .map(|_| ())
    }

    /// Fails every command in flight and closes the connection.
    pub fn close(&self) {
        for task in &self.inner.tasks {
            task.abort();
        }
        self.inner.shared.fail_all(|| Error::ConnectionClosed);
    }

    /// True once the connection has failed or been closed.
    pub fn is_closed(&self) -> bool {
        self.inner.shared.routes().closed
    }

    /// Number of commands waiting for their `!done`.
    pub fn in_flight(&self) -> usize {
        self.inner.shared.routes().by_tag.len()
    }
}

/// A registered tag; forgetting it on drop cancels the command if it has not finished.
struct Pending {
    tag: u64,
    rx: mpsc::UnboundedReceiver<Result<Sentence>>,
    shared: Arc<Shared>,
    /// A stream's usage, given back as its reader takes each sentence.
    release: Option<Arc<Usage>>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.shared.forget(self.tag) {
            self.shared.cancel_untracked(self.tag);
        }
    }
}

impl Pending {
    async fn recv(&mut self) -> Result<Sentence> {
        let sentence = self
            .rx
            .recv()
            .await
            .unwrap_or(Err(Error::ConnectionClosed))?;
        if let Some(usage) = &self.release {
            let (items, bytes) = weight(&sentence);
            usage.release(items, bytes);
        }
        Ok(sentence)
    }
}

/// A command on its way; await [`InFlight::reply`] for the result.
pub struct InFlight {
    pending: Pending,
    timeout: Duration,
    path: String,
}

impl InFlight {
    /// The `.tag` the command was sent with.
    pub fn tag(&self) -> String {
        self.pending.tag.to_string()
    }

    /// Waits for `!done`; a `!trap` before it becomes [`Error::Trap`].
    pub async fn reply(mut self) -> Result<Reply> {
        let limit = self.timeout;
        match tokio::time::timeout(limit, collect(&mut self.pending)).await {
            Ok(result) => result.map_err(|e| e.for_command(&self.path)),
            Err(_) => Err(Error::Timeout(format!("{} after {limit:?}", self.path))),
        }
    }
}

async fn collect(pending: &mut Pending) -> Result<Reply> {
    let mut reply = Reply::default();
    let mut trap = None;
    loop {
        let sentence = pending.recv().await?;
        match sentence.head() {
            b"!re" => reply.items.push(Item::from_sentence(&sentence)),
            b"!trap" => trap = Some(trap_error(&sentence)),
            b"!done" => {
                reply.ret = sentence.attribute("ret").map(|r| lossy(r).into_owned());
                return trap.map_or(Ok(reply), Err);
            }
            // `!empty` (7.18+) says there is no data; the `!done` that follows ends the command.
            b"!empty" => {}
            other => tracing::debug!(reply = %lossy(other), "ignoring unknown reply type"),
        }
    }
}

fn trap_error(sentence: &Sentence) -> Error {
    Error::Trap {
        category: sentence
            .attribute("category")
            .and_then(|c| std::str::from_utf8(c).ok())
            .and_then(|c| c.parse().ok()),
        message: sentence
            .attribute("message")
            .map_or_else(|| "no message".to_owned(), |m| lossy(m).into_owned()),
    }
}

/// The stream of a `listen` command. Dropping it cancels the command on the router.
pub struct Listener {
    pending: Pending,
    path: String,
    trap: Option<Error>,
    finished: bool,
}

impl Listener {
    /// The `.tag` the command was sent with.
    pub fn tag(&self) -> String {
        self.pending.tag.to_string()
    }

    /// The next item; `None` once the command has ended (cancelled, or `!done`).
    pub async fn next(&mut self) -> Option<Result<Item>> {
        while !self.finished {
            let sentence = match self.pending.recv().await {
                Ok(s) => s,
                Err(e) => {
                    self.finished = true;
                    return Some(Err(e.for_command(&self.path)));
                }
            };
            match sentence.head() {
                b"!re" => return Some(Ok(Item::from_sentence(&sentence))),
                b"!trap" => self.trap = Some(trap_error(&sentence)),
                b"!done" => {
                    self.finished = true;
                    // The interrupted trap is how a cancelled listen normally ends.
                    return self.trap.take().filter(|t| !t.is_interrupted()).map(Err);
                }
                _ => {}
            }
        }
        None
    }
}

async fn read_loop<R: AsyncRead + Unpin>(mut reader: R, mut decoder: Decoder, shared: Arc<Shared>) {
    let mut chunk = vec![0u8; 64 * 1024];
    let end: Box<dyn Fn() -> Error + Send> = 'read: loop {
        loop {
            match decoder.next_sentence() {
                Ok(Some(sentence)) if sentence.head() == b"!fatal" => {
                    let reason = fatal_reason(&sentence);
                    tracing::warn!(%reason, "router sent !fatal");
                    break 'read Box::new(move || Error::Fatal(reason.clone()));
                }
                Ok(Some(sentence)) => shared.route(sentence),
                Ok(None) => break,
                Err(e) => {
                    let what = e.to_string();
                    break 'read Box::new(move || Error::Protocol(what.clone()));
                }
            }
        }
        match reader.read(&mut chunk).await {
            Ok(0) => break Box::new(|| Error::ConnectionClosed),
            Ok(n) => decoder.feed(&chunk[..n]),
            Err(e) => {
                let (kind, text) = (e.kind(), e.to_string());
                break Box::new(move || {
                    Error::io(
                        "reading from router",
                        std::io::Error::new(kind, text.clone()),
                    )
                });
            }
        }
    };
    shared.fail_all(end);
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut out: mpsc::UnboundedReceiver<Vec<u8>>,
    shared: Arc<Shared>,
) {
    const BATCH: usize = 256 * 1024;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = out.recv().await {
        batch.extend_from_slice(&first);
        while batch.len() < BATCH {
            match out.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        let written = match writer.write_all(&batch).await {
            Ok(()) => writer.flush().await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            let (kind, text) = (e.kind(), e.to_string());
            shared.fail_all(|| {
                Error::io("sending to router", std::io::Error::new(kind, text.clone()))
            });
            return;
        }
        batch.clear();
    }
}

#[cfg(test)]
mod tests;
