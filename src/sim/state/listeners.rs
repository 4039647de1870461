//! `listen`: clients following a menu get every change to it as a tagged `!re`, and `.dead`
//! for a removed item, until they cancel.

use tokio::sync::mpsc;

use super::RouterState;
use crate::routeros::codec::{attribute_word, encode_sentence, tag_word};
use crate::sim::menus;

/// A running `listen` command.
pub(super) struct Listener {
    conn: u64,
    tag: Vec<u8>,
    menu: String,
    out: mpsc::UnboundedSender<Vec<u8>>,
}

impl RouterState {
    /// Registers a `listen` on `menu`; `false` if the menu does not exist.
    pub fn listen(
        &mut self,
        conn: u64,
        tag: Vec<u8>,
        menu: &str,
        out: mpsc::UnboundedSender<Vec<u8>>,
    ) -> bool {
        if menus::spec(menu).is_none() {
            return false;
        }
        self.listeners.push(Listener {
            conn,
            tag,
            menu: menu.to_owned(),
            out,
        });
        true
    }

    /// Stops the `listen` with this tag on a connection; true if there was one.
    pub fn unlisten(&mut self, conn: u64, tag: &[u8]) -> bool {
        let before = self.listeners.len();
        self.listeners.retain(|l| !(l.conn == conn && l.tag == tag));
        before != self.listeners.len()
    }

    /// Stops every `listen` of a connection, returning their tags.
    pub fn unlisten_all(&mut self, conn: u64) -> Vec<Vec<u8>> {
        let (gone, kept) = std::mem::take(&mut self.listeners)
            .into_iter()
            .partition(|l: &Listener| l.conn == conn);
        self.listeners = kept;
        gone.into_iter().map(|l| l.tag).collect()
    }

    pub(super) fn notify(&mut self, menu: &str, id: u32, dead: bool) {
        if !self.listeners.iter().any(|l| l.menu == menu) {
            return;
        }
        let Some(spec) = menus::spec(menu) else {
            return;
        };
        let props = if dead {
            vec![
                (".id".to_owned(), format!("*{id:X}")),
                (".dead".to_owned(), "yes".to_owned()),
            ]
        } else {
            match self.records(spec).iter().find(|r| r.id == id) {
                Some(record) => self.view(spec, record),
                None => return,
            }
        };
        for l in self.listeners.iter().filter(|l| l.menu == menu) {
            let mut words = vec![b"!re".to_vec()];
            words.extend(props.iter().map(|(n, v)| attribute_word(n, v.as_bytes())));
            words.push(tag_word(&String::from_utf8_lossy(&l.tag)));
            if let Ok(bytes) = encode_sentence(&words) {
                // A closed connection cleans up its listeners itself.
                _ = l.out.send(bytes);
            }
        }
    }
}
