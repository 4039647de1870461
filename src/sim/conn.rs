//! One API session of the simulator: login, then commands whose replies are delayed by the
//! configured latency without holding up commands that carry other tags, as on a real router
//! behind a slow link. Also `/cancel`, `listen`, `/quit` and the injected faults.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, mpsc};
use tokio::task::AbortHandle;

use super::state::{Request, Words};
use super::{ConnCtl, SimShared, lock};
use crate::routeros::codec::{Decoder, Sentence, attribute_word, encode_sentence, lossy, tag_word};
use crate::routeros::framed::read_sentence;
use crate::routeros::hex;
use crate::routeros::login::challenge_response;

/// What the read loop does after a request.
enum Flow {
    Continue,
    /// Close after flushing what was queued (`/quit`).
    Close,
    /// Cut the connection at once (injected fault).
    Drop,
}

/// Replies waiting out their latency, by a serial number, with their tag.
type Delayed = Arc<Mutex<HashMap<u64, (Vec<u8>, AbortHandle)>>>;

struct Conn {
    id: u64,
    shared: Arc<SimShared>,
    out: mpsc::UnboundedSender<Vec<u8>>,
    logged_in: bool,
    challenge: Option<[u8; 16]>,
    delayed: Delayed,
    next_serial: u64,
}

/// Serves one accepted stream until the peer leaves, a fault cuts it, or the simulator stops.
pub(crate) async fn serve<S>(stream: S, shared: Arc<SimShared>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let (mut reader, writer) = tokio::io::split(stream);
    let (out, out_rx) = mpsc::unbounded_channel();
    let kill = Arc::new(Notify::new());
    lock(&shared.conns).insert(
        id,
        ConnCtl {
            out: out.clone(),
            kill: kill.clone(),
        },
    );
    let writer_task = tokio::spawn(write_loop(writer, out_rx));
    let mut shutdown = shared.shutdown.subscribe();
    let mut conn = Conn {
        id,
        shared: shared.clone(),
        out,
        logged_in: false,
        challenge: None,
        delayed: Delayed::default(),
        next_serial: 0,
    };
    // Requests are small; a client announcing huge words is broken.
    let mut decoder = Decoder::new(1024 * 1024, 4 * 1024 * 1024);
    let graceful = loop {
        let sentence = tokio::select! {
            read = read_sentence(&mut reader, &mut decoder) => match read {
                Ok(s) => s,
                Err(_) => break false,
            },
            () = kill.notified() => break true,
            _ = shutdown.changed() => break false,
        };
        match conn.handle(sentence).await {
            Flow::Continue => {}
            Flow::Close => break true,
            Flow::Drop => break false,
        }
    };
    lock(&shared.conns).remove(&id);
    for (_, (_, handle)) in lock(&conn.delayed).drain() {
        handle.abort();
    }
    lock(&shared.state).unlisten_all(id);
    drop(conn);
    if graceful {
        // Every sender is gone now, so the writer ends once it has flushed.
        let abort = writer_task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(1), writer_task)
            .await
            .is_err()
        {
            abort.abort();
        }
    } else {
        writer_task.abort();
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut out: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut batch = Vec::new();
    while let Some(first) = out.recv().await {
        batch.extend_from_slice(&first);
        while batch.len() < 256 * 1024 {
            match out.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if writer.write_all(&batch).await.is_err() || writer.flush().await.is_err() {
            return;
        }
        batch.clear();
    }
    // Best effort: the peer may already be gone.
    _ = writer.shutdown().await;
}

fn encode(words: &Words, tag: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut all: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
    let tag_word = tag.map(|t| tag_word(&String::from_utf8_lossy(t)));
    if let Some(t) = &tag_word {
        all.push(t);
    }
    encode_sentence(&all).ok()
}

fn trap(category: Option<&str>, message: &str) -> Vec<Words> {
    let mut words = vec![b"!trap".to_vec()];
    if let Some(c) = category {
        words.push(attribute_word("category", c.as_bytes()));
    }
    words.push(attribute_word("message", message.as_bytes()));
    vec![words, vec![b"!done".to_vec()]]
}

impl Conn {
    fn emit(&self, words: &Words, tag: Option<&[u8]>) {
        if let Some(bytes) = encode(words, tag) {
            // The writer is gone only when the connection is closing anyway.
            _ = self.out.send(bytes);
        }
    }

    async fn handle(&mut self, sentence: Sentence) -> Flow {
        self.shared.commands.fetch_add(1, Ordering::Relaxed);
        let latency = {
            let mut faults = lock(&self.shared.faults);
            match faults.drop_after {
                Some(0) => {
                    faults.drop_after = None;
                    return Flow::Drop;
                }
                Some(n) => faults.drop_after = Some(n - 1),
                None => {}
            }
            faults.latency
        };
        let tag = sentence.tag().map(<[u8]>::to_vec);
        let req = Request {
            path: lossy(sentence.head()).into_owned(),
            attrs: sentence
                .attributes()
                .map(|(n, v)| (lossy(n).into_owned(), lossy(v).into_owned()))
                .collect(),
            queries: sentence.queries().map(|q| lossy(q).into_owned()).collect(),
        };
        let replies = match req.path.as_str() {
            "/quit" => {
                self.emit(
                    &vec![
                        b"!fatal".to_vec(),
                        b"session terminated on request".to_vec(),
                    ],
                    None,
                );
                return Flow::Close;
            }
            "/login" => self.login(&req),
            _ if !self.logged_in => trap(None, "not logged in"),
            "/cancel" => {
                self.cancel(&req, tag.as_deref());
                return Flow::Continue;
            }
            path if path.ends_with("/listen") => match &tag {
                Some(t)
                    if lock(&self.shared.state).listen(
                        self.id,
                        t.clone(),
                        path.trim_end_matches("/listen"),
                        self.out.clone(),
                    ) =>
                {
                    return Flow::Continue;
                }
                _ => trap(Some("0"), "no such command prefix"),
            },
            path => {
                let injected = lock(&self.shared.faults)
                    .traps
                    .iter()
                    .find(|(prefix, _)| path.starts_with(prefix.as_str()))
                    .map(|(_, m)| m.clone());
                match injected {
                    Some(message) => trap(None, &message),
                    None => lock(&self.shared.state).execute(&req),
                }
            }
        };
        self.deliver(replies, tag, latency).await;
        Flow::Continue
    }

    /// Sends replies after `latency`: untagged ones in order, tagged ones concurrently.
    async fn deliver(&mut self, replies: Vec<Words>, tag: Option<Vec<u8>>, latency: Duration) {
        let encoded: Vec<Vec<u8>> = replies
            .iter()
            .filter_map(|w| encode(w, tag.as_deref()))
            .collect();
        if latency.is_zero() {
            for bytes in encoded {
                _ = self.out.send(bytes);
            }
            return;
        }
        let Some(tag) = tag else {
            tokio::time::sleep(latency).await;
            for bytes in encoded {
                _ = self.out.send(bytes);
            }
            return;
        };
        let serial = self.next_serial;
        self.next_serial += 1;
        let (out, delayed) = (self.out.clone(), self.delayed.clone());
        // Hold the lock across spawn so the task cannot look for its entry before it exists.
        let mut map = lock(&self.delayed);
        let task = tokio::spawn(async move {
            tokio::time::sleep(latency).await;
            if lock(&delayed).remove(&serial).is_none() {
                return;
            }
            for bytes in encoded {
                _ = out.send(bytes);
            }
        });
        map.insert(serial, (tag, task.abort_handle()));
    }

    fn cancel(&mut self, req: &Request, own_tag: Option<&[u8]>) {
        let target = req
            .attrs
            .iter()
            .find(|(n, _)| n == "tag")
            .map(|(_, v)| v.as_bytes().to_vec());
        let mut cancelled: Vec<Vec<u8>> = Vec::new();
        lock(&self.delayed).retain(|_, (tag, handle)| {
            if target.as_ref().is_none_or(|t| t == tag) {
                handle.abort();
                cancelled.push(tag.clone());
                false
            } else {
                true
            }
        });
        {
            let mut state = lock(&self.shared.state);
            match &target {
                Some(t) => {
                    if state.unlisten(self.id, t) {
                        cancelled.push(t.clone());
                    }
                }
                None => cancelled.extend(state.unlisten_all(self.id)),
            }
        }
        cancelled.dedup();
        for tag in &cancelled {
            for words in trap(Some("2"), "interrupted") {
                self.emit(&words, Some(tag));
            }
        }
        self.emit(&vec![b"!done".to_vec()], own_tag);
    }

    fn login(&mut self, req: &Request) -> Vec<Words> {
        let attr = |name: &str| {
            req.attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let version = &self.shared.version;
        let plain_supported = version.at_least(&[6, 43]);
        let challenge_supported = !version.at_least(&[6, 45, 2]);
        let refuse = lock(&self.shared.faults).refuse_logins;
        let name_ok = attr("name") == Some(self.shared.user.as_str());
        if let Some(response) = attr("response") {
            let expected = self.challenge.take().and_then(|c| {
                challenge_response(&hex::encode(&c), self.shared.password.as_bytes())
            });
            if challenge_supported && !refuse && name_ok && expected.as_deref() == Some(response) {
                self.logged_in = true;
                return vec![vec![b"!done".to_vec()]];
            }
            return trap(None, "cannot log in");
        }
        match attr("password") {
            Some(password) if plain_supported => {
                if !refuse && name_ok && password == self.shared.password {
                    self.logged_in = true;
                    vec![vec![b"!done".to_vec()]]
                } else {
                    trap(None, "invalid user name or password (6)")
                }
            }
            // Old routers ignore a plain password and answer with a challenge.
            _ if challenge_supported => {
                let challenge = random_challenge();
                self.challenge = Some(challenge);
                vec![vec![
                    b"!done".to_vec(),
                    attribute_word("ret", hex::encode(&challenge).as_bytes()),
                ]]
            }
            _ => trap(None, "invalid user name or password (6)"),
        }
    }
}

/// Sixteen unpredictable-enough bytes for a simulated login challenge (not for real security).
fn random_challenge() -> [u8; 16] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let clock = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() ^ (u64::from(d.subsec_nanos()) << 32));
    let mut x = (clock ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)) | 1;
    let mut out = [0u8; 16];
    for chunk in out.chunks_mut(8) {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        chunk.copy_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out
}
