//! A broken or hostile router for the reply limits (issue #14): it logs anyone in, then answers
//! the commands it is told to with `!re` sentences that never end, and everything else with an
//! empty `!done`. Shared by the test binaries with `#[path]`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use steppe::routeros::codec::{
    Decoder, Sentence, attribute_word, encode_sentence, lossy, tag_word,
};
use steppe::routeros::framed::read_sentence;
use tokio::io::{AsyncWriteExt, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A running flooding router.
pub struct FloodingRouter {
    pub addr: SocketAddr,
    /// Tags the client has sent `/cancel` for, on any connection.
    cancels: Arc<Mutex<Vec<String>>>,
}

impl FloodingRouter {
    /// Floods every command whose path `floods` accepts, with `!re` sentences carrying a value
    /// of `value_len` bytes. A router that `obeys_cancel` stops flooding a tag when asked to (as a
    /// broken one would); one that does not floods until the connection closes.
    pub async fn start(
        floods: fn(&str) -> bool,
        value_len: usize,
        obeys_cancel: bool,
    ) -> FloodingRouter {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let cancels = Arc::new(Mutex::new(Vec::new()));
        let seen = cancels.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(serve(tcp, floods, value_len, obeys_cancel, seen));
            }
        });
        FloodingRouter { addr, cancels }
    }

    /// Tags cancelled so far.
    pub fn cancels(&self) -> Vec<String> {
        self.cancels.lock().expect("not poisoned").clone()
    }
}

fn encoded(words: &[Vec<u8>]) -> Vec<u8> {
    encode_sentence(words).expect("encodes")
}

async fn serve(
    tcp: TcpStream,
    floods: fn(&str) -> bool,
    value_len: usize,
    obeys_cancel: bool,
    cancels: Arc<Mutex<Vec<String>>>,
) {
    let (mut reader, mut writer) = tokio::io::split(tcp);
    let mut decoder = Decoder::default();
    if read_sentence(&mut reader, &mut decoder).await.is_err() {
        return;
    }
    if writer
        .write_all(&encoded(&[b"!done".to_vec()]))
        .await
        .is_err()
    {
        return;
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Sentence>();
    tokio::spawn(async move {
        while let Ok(s) = read_sentence(&mut reader, &mut decoder).await {
            if tx.send(s).is_err() {
                return;
            }
        }
    });
    let value = vec![b'x'; value_len];
    let mut flooding: Vec<String> = Vec::new();
    loop {
        let mut incoming = Vec::new();
        if flooding.is_empty() {
            match rx.recv().await {
                Some(s) => incoming.push(s),
                None => return,
            }
        }
        while let Ok(s) = rx.try_recv() {
            incoming.push(s);
        }
        for s in incoming {
            let path = lossy(s.head()).into_owned();
            let tag = s.tag().map(|t| lossy(t).into_owned()).unwrap_or_default();
            if path == "/cancel" {
                let victim = s.attribute("tag").map(|t| lossy(t).into_owned());
                let victim = victim.unwrap_or_default();
                cancels.lock().expect("not poisoned").push(victim.clone());
                if obeys_cancel {
                    flooding.retain(|t| *t != victim);
                }
                if reply(&mut writer, &tag).await.is_err() {
                    return;
                }
            } else if floods(&path) {
                flooding.push(tag);
            } else if reply(&mut writer, &tag).await.is_err() {
                return;
            }
        }
        if flooding.is_empty() {
            continue;
        }
        let mut batch = Vec::new();
        for tag in &flooding {
            let re = encoded(&[
                b"!re".to_vec(),
                attribute_word(".id", b"*1"),
                attribute_word("name", &value),
                tag_word(tag),
            ]);
            for _ in 0..64 {
                batch.extend_from_slice(&re);
            }
        }
        if writer.write_all(&batch).await.is_err() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

async fn reply(writer: &mut WriteHalf<TcpStream>, tag: &str) -> std::io::Result<()> {
    writer
        .write_all(&encoded(&[b"!done".to_vec(), tag_word(tag)]))
        .await
}
