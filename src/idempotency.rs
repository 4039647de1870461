//! One-time keys for requests that grant service or money: a replayed form (Back and submit
//! again, a double click) or a retried API call (`Idempotency-Key`) applies once.
//!
//! The key is checked and remembered inside the write transaction of the change itself, so two
//! racing submissions of one key cannot both apply. A key is scoped to what it was sent for
//! (an extension key does not answer a bill), and remembers the id of what it made, so a replay
//! can say "already applied" and point at it. Payments keep their own index (older, and with
//! the same rule).

use crate::i18n::Msg;
use crate::store::{Index, Reader, StoreError, Write};
use crate::validate::Problems;

/// What a key was sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Extension,
    BulkExtension,
    Bill,
    PlanChange,
    Messages,
    Reversal,
    VoucherBatch,
    AgentDeposit,
    AgentStock,
    AgentSale,
    CounterSale,
}

impl Scope {
    fn id(self) -> &'static str {
        match self {
            Scope::Extension => "extension",
            Scope::BulkExtension => "bulk-extension",
            Scope::Bill => "bill",
            Scope::PlanChange => "plan-change",
            Scope::Messages => "messages",
            Scope::Reversal => "reversal",
            Scope::VoucherBatch => "voucher-batch",
            Scope::AgentDeposit => "agent-deposit",
            Scope::AgentStock => "agent-stock",
            Scope::AgentSale => "agent-sale",
            Scope::CounterSale => "counter-sale",
        }
    }
}

/// A validated key in its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

/// The longest key taken (UUIDs and our 64-hex form keys fit).
pub const MAX_LEN: usize = 100;

impl Key {
    /// `None` for an empty key (the request is then not protected); a problem on `field` for
    /// one that is too long or not printable ASCII.
    pub fn parse(scope: Scope, raw: &str, field: &'static str, p: &mut Problems) -> Option<Key> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        if raw.len() > MAX_LEN {
            p.add_arg(field, Msg::TooLong, MAX_LEN);
            return None;
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            p.add(field, Msg::InvalidChoice);
            return None;
        }
        Some(Key(format!("{}/{raw}", scope.id())))
    }

    /// What this key made before, if it was used.
    pub fn used(&self, r: &impl Reader) -> Result<Option<u64>, StoreError> {
        r.index_get(Index::Idempotency, &self.0)
    }

    /// A second slot under the same key, for a change that made several things (e.g. how many).
    pub fn part(&self, name: &str) -> Key {
        Key(format!("{}#{name}", self.0))
    }

    /// Marks the key used by what was just made (`id`), in the same transaction.
    pub fn remember(&self, w: &mut Write, id: u64) -> Result<(), StoreError> {
        w.index_put(Index::Idempotency, &self.0, id)
    }
}

/// What `key` made before, if one was given and it was used.
pub fn made_before(key: Option<&Key>, r: &impl Reader) -> Result<Option<u64>, StoreError> {
    key.map(|k| k.used(r)).transpose().map(Option::flatten)
}

/// A fresh key for a form: submitting the page twice applies once.
pub fn new_form_key() -> String {
    crate::access::secret::new_token("")
}
