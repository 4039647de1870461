//! The audit log: who changed what, when, from where. Append-only: entries are written in the
//! same transaction as the change they describe, and nothing edits or deletes them.

mod read;

pub use read::{Part, parts};

use crate::store::{Kind, Record, StoreError, Write};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Through which door a change came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Web,
    Api,
    Cli,
    System,
}

impl Via {
    pub fn id(self) -> &'static str {
        match self {
            Via::Web => "web",
            Via::Api => "api",
            Via::Cli => "cli",
            Via::System => "system",
        }
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub admin_id: Option<u64>,
    pub username: String,
    pub via: Via,
    pub ip: Option<String>,
}

impl Actor {
    pub fn cli() -> Actor {
        Actor {
            admin_id: None,
            username: "(command line)".into(),
            via: Via::Cli,
            ip: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: u64,
    pub at: Timestamp,
    pub actor: Actor,
    /// `create`, `update`, `delete`, `login`, `password_reset`, …
    pub action: String,
    /// `admin`, `role`, `banner`, `settings`, `session`, …
    pub entity: String,
    pub entity_id: String,
    /// `field: before → after; …`
    pub summary: String,
}

impl Record for AuditEntry {
    const KIND: Kind = Kind::Audit;
}

/// Appends an entry inside the caller's transaction.
pub fn record(
    w: &mut Write,
    at: Timestamp,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    summary: String,
) -> Result<(), StoreError> {
    let id = w.next_id(Kind::Audit)?;
    w.put(
        id,
        &AuditEntry {
            id,
            at,
            actor: actor.clone(),
            action: action.into(),
            entity: entity.into(),
            entity_id: entity_id.to_string(),
            summary,
        },
    )
}

/// Summarizes what changed between two JSON views of a record (top-level fields).
pub fn changes(before: &Value, after: &Value) -> String {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut parts = Vec::new();
    for k in keys {
        let (old, new) = (b.get(k), a.get(k));
        if old != new {
            parts.push(format!("{k}: {} → {}", show(old), show(new)));
        }
    }
    parts.join("; ")
}

/// Summarizes a newly created (or deleted) record.
pub fn snapshot(v: &Value) -> String {
    match v.as_object() {
        Some(o) => o
            .iter()
            .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
            .map(|(k, v)| format!("{k}: {}", show(Some(v))))
            .collect::<Vec<_>>()
            .join("; "),
        None => v.to_string(),
    }
}

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "∅".into(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_lists_only_what_differs() {
        let s = changes(
            &json!({"a": 1, "b": "x", "c": true}),
            &json!({"a": 1, "b": "y", "d": 2}),
        );
        assert_eq!(s, "b: \"x\" → \"y\"; c: true → ∅; d: ∅ → 2");
    }
}

/// How many entries one page of the log holds (the page and `GET /api/v1/audit`).
pub const PAGE_SIZE: usize = 100;

/// Which entries to list; the audit page and the API build it from their own query strings.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Part of the actor's username, lowercase.
    pub who: String,
    /// The entity kind exactly, lowercase.
    pub entity: String,
    /// Exact record id within `entity`.
    pub entity_id: String,
    pub from: Option<jiff::civil::Date>,
    pub to: Option<jiff::civil::Date>,
    /// Only entries with an id below this (paging newest → oldest).
    pub before: Option<u64>,
}

impl Filter {
    fn keep(&self, e: &AuditEntry, tz: &jiff::tz::TimeZone) -> bool {
        let day = e.at.to_zoned_datetime(tz.clone()).date();
        (self.who.is_empty() || e.actor.username.to_lowercase().contains(&self.who))
            && (self.entity.is_empty() || e.entity == self.entity)
            && (self.entity_id.is_empty() || e.entity_id == self.entity_id)
            && self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
            && self.before.is_none_or(|b| e.id < b)
    }
}

/// One page of matching entries, newest first; days are cut in `tz`.
pub fn list(
    r: &impl crate::store::Reader,
    f: &Filter,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut out = Vec::new();
    r.scan::<AuditEntry>(true, |e| {
        if f.keep(&e, tz) {
            out.push(e);
        }
        out.len() < PAGE_SIZE
    })?;
    Ok(out)
}
