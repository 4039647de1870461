use tokio::io::{DuplexStream, ReadHalf, WriteHalf};

use super::*;
use crate::routeros::framed::read_sentence;

/// The router's end of an in-memory connection.
struct Router {
    reader: ReadHalf<DuplexStream>,
    writer: WriteHalf<DuplexStream>,
    decoder: Decoder,
}

impl Router {
    async fn next(&mut self) -> Sentence {
        read_sentence(&mut self.reader, &mut self.decoder)
            .await
            .expect("the client sends a sentence")
    }

    /// Sends `count` `!re` sentences for `tag`, each carrying `value`, then `done` if asked.
    async fn flood(&mut self, tag: &str, count: usize, value: &[u8], done: bool) {
        let re = encode_sentence(&[
            b"!re".to_vec(),
            attribute_word("name", value),
            tag_word(tag),
        ])
        .expect("encodes");
        let mut bytes = re.repeat(count);
        if done {
            bytes.extend(encode_sentence(&[b"!done".to_vec(), tag_word(tag)]).expect("encodes"));
        }
        self.writer.write_all(&bytes).await.expect("client reads");
    }
}

async fn connect(config: &ClientConfig) -> (Client, Router) {
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let (reader, writer) = tokio::io::split(theirs);
    let mut router = Router {
        reader,
        writer,
        decoder: Decoder::default(),
    };
    let login = tokio::spawn(async move {
        assert_eq!(router.next().await.head(), b"/login");
        let done = encode_sentence(&[b"!done"]).expect("encodes");
        router.writer.write_all(&done).await.expect("client reads");
        router
    });
    let client = Client::over(ours, config).await.expect("logs in");
    (client, login.await.expect("router side"))
}

fn tag_of(sentence: &Sentence) -> String {
    lossy(sentence.tag().expect("tagged")).into_owned()
}

/// Issue #14: a router answering one command with endless `!re` grew memory without bound.
#[tokio::test]
async fn a_reply_at_the_item_limit_passes_and_one_more_fails() {
    let (client, mut router) = connect(&ClientConfig::new("router", 8728, "u", "p")).await;

    let at_limit = client
        .send(Command::new("/ip/hotspot/user/print"))
        .expect("sent");
    let tag = tag_of(&router.next().await);
    router
        .flood(&tag, DEFAULT_MAX_REPLY_ITEMS, b"x", true)
        .await;
    let reply = at_limit
        .reply()
        .await
        .expect("exactly the limit is accepted");
    assert_eq!(reply.items.len(), DEFAULT_MAX_REPLY_ITEMS);

    let over = client
        .send(Command::new("/ip/hotspot/user/print"))
        .expect("sent");
    let tag = tag_of(&router.next().await);
    router
        .flood(&tag, DEFAULT_MAX_REPLY_ITEMS + 1, b"x", true)
        .await;
    let error = over
        .reply()
        .await
        .expect_err("one item over the limit fails");
    assert!(matches!(error, Error::ReplyTooLarge { .. }), "{error:?}");
    assert!(!error.is_connection_lost());
    assert_eq!(
        error.to_string(),
        "the router sent more than 200000 replies or 32 MiB to /ip/hotspot/user/print; \
         it is broken or hostile, the reply was dropped"
    );
    let cancel = router.next().await;
    assert_eq!(cancel.head(), b"/cancel");
    assert_eq!(cancel.attribute("tag"), Some(tag.as_bytes()));

    // What still comes for the cancelled tag is dropped; the connection goes on.
    router.flood(&tag, 10, b"late", true).await;
    let next = client
        .send(Command::new("/system/identity/print"))
        .expect("sent");
    let next_tag = tag_of(&router.next().await);
    router.flood(&next_tag, 1, b"r1", true).await;
    assert_eq!(next.reply().await.expect("answered").items.len(), 1);
    assert_eq!(client.in_flight(), 0);
}

#[tokio::test]
async fn the_byte_limit_counts_the_wire_size() {
    let mut config = ClientConfig::new("router", 8728, "u", "p");
    config.max_reply_bytes = 4096;
    let (client, mut router) = connect(&config).await;
    let big = client.send(Command::new("/interface/print")).expect("sent");
    let tag = tag_of(&router.next().await);
    // Four sentences of about 1 KiB are over 4 KiB once their framing is counted.
    router.flood(&tag, 4, &[b'v'; 1015], true).await;
    let error = big.reply().await.expect_err("over the byte limit");
    assert!(
        error.to_string().contains("4 KiB to /interface/print"),
        "{error}"
    );
}

/// A stream lives for hours, so the limit applies to what waits unread, not the total.
#[tokio::test]
async fn a_listen_stream_is_bounded_by_what_waits_unread() {
    let mut config = ClientConfig::new("router", 8728, "u", "p");
    config.max_reply_items = 10;
    let (client, mut router) = connect(&config).await;
    let mut listener = client
        .listen(Command::new("/ip/hotspot/active/listen"))
        .expect("sent");
    let tag = tag_of(&router.next().await);
    for _ in 0..3 {
        router.flood(&tag, 10, b"x", false).await;
        for _ in 0..10 {
            assert!(matches!(listener.next().await, Some(Ok(_))));
        }
    }
    router.flood(&tag, 11, b"x", false).await;
    for _ in 0..10 {
        assert!(matches!(listener.next().await, Some(Ok(_))));
    }
    let error = listener
        .next()
        .await
        .expect("an item or the error")
        .expect_err("eleven unread items are over the limit");
    assert!(
        error
            .to_string()
            .contains("that /ip/hotspot/active/listen had not read yet"),
        "{error}"
    );
    assert!(listener.next().await.is_none());
    assert_eq!(router.next().await.head(), b"/cancel");
}
