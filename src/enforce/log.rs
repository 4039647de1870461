//! The router command log: what Steppe sent to each router, why, and what came back.
//!
//! It exists so an operator can answer "why was this customer cut off?" without a packet
//! capture. Entries never contain a password (the command text is redacted before it is
//! stored), and the table is bounded: every append purges the oldest entries beyond
//! [`RETAIN`] in the same transaction, so the log can never grow the database without limit.

use super::Cause;
use crate::routeros::Command;
use crate::store::{Kind, Reader, Record, StoreError, Write};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Entries kept overall (all routers together); older ones are purged as new ones arrive.
pub const RETAIN: u64 = 20_000;

/// One command sent to a router (or a summary of many identical successful ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub id: u64,
    pub time: Timestamp,
    pub router_id: u64,
    /// The command as words joined by spaces, secrets replaced by `***`.
    pub command: String,
    /// `ok`, or the router's (or the connection's) error text.
    pub result: String,
    pub cause: Cause,
    /// The customer whose entry the command is for, so the log can name them beside a bare
    /// `.id=*12` (absent in entries written before it was kept, and for other commands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<u64>,
}

impl Record for LogEntry {
    const KIND: Kind = Kind::RouterLog;
}

impl LogEntry {
    pub fn ok(&self) -> bool {
        self.result == "ok"
    }
}

/// Attribute names whose values must never reach the log.
const SECRET_ATTRS: &[&str] = &["password", "response"];

/// The command as an operator reads it (`/ppp/secret/set .id=*1 disabled=yes`), secrets hidden.
pub fn redact(command: &Command) -> String {
    let mut out = String::new();
    for (i, word) in command.words().iter().enumerate() {
        let word = String::from_utf8_lossy(word);
        if i > 0 {
            out.push(' ');
        }
        match word.strip_prefix('=').and_then(|w| w.split_once('=')) {
            Some((name, _)) if SECRET_ATTRS.contains(&name) => {
                out.push_str(name);
                out.push_str("=***");
            }
            Some((name, value)) => {
                out.push_str(name);
                out.push('=');
                out.push_str(value);
            }
            None => out.push_str(&word),
        }
    }
    out
}

/// A log line before it has an id.
#[derive(Debug, Clone)]
pub struct Line {
    pub time: Timestamp,
    pub command: String,
    pub result: String,
    pub cause: Cause,
    pub customer_id: Option<u64>,
}

/// Appends `lines` for `router_id` and purges what falls out of the retention window.
pub fn append(w: &mut Write, router_id: u64, lines: Vec<Line>) -> Result<(), StoreError> {
    let mut last = 0;
    for line in lines {
        let id = w.next_id(Kind::RouterLog)?;
        w.put(
            id,
            &LogEntry {
                id,
                time: line.time,
                router_id,
                command: line.command,
                result: line.result,
                cause: line.cause,
                customer_id: line.customer_id,
            },
        )?;
        last = id;
    }
    if last > RETAIN {
        // Bounded per transaction so one append never turns into a long purge; a few appends
        // catch up with any backlog.
        w.remove_below::<LogEntry>(last - RETAIN + 1, 5_000)?;
    }
    Ok(())
}

/// The newest `limit` entries of one router, newest first.
pub fn recent(r: &impl Reader, router_id: u64, limit: usize) -> Result<Vec<LogEntry>, StoreError> {
    let mut out = Vec::new();
    if limit == 0 {
        return Ok(out);
    }
    r.scan::<LogEntry>(true, |e| {
        if e.router_id == router_id {
            out.push(e);
        }
        out.len() < limit
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_text() {
        let c = Command::new("/ip/hotspot/user/add")
            .attr("name", "bat")
            .attr("password", "hunter2")
            .attr("comment", "steppe:7");
        let text = redact(&c);
        assert_eq!(
            text,
            "/ip/hotspot/user/add name=bat password=*** comment=steppe:7"
        );
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn retention_keeps_the_newest_and_recent_filters_by_router() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let line = |n: u64| Line {
            time: Timestamp::UNIX_EPOCH,
            command: format!("c{n}"),
            result: "ok".into(),
            cause: Cause::Sync,
            customer_id: None,
        };
        store
            .write(|w| append(w, 1, (0..RETAIN).map(line).collect()))
            .unwrap();
        store
            .write(|w| append(w, 2, (0..10).map(line).collect()))
            .unwrap();
        let total = store.read(|r| r.count::<LogEntry>()).unwrap();
        assert_eq!(total, RETAIN);
        let two = store.read(|r| recent(r, 2, 3)).unwrap();
        assert_eq!(
            two.iter().map(|e| e.command.as_str()).collect::<Vec<_>>(),
            ["c9", "c8", "c7"]
        );
        let one = store.read(|r| recent(r, 1, 1)).unwrap();
        assert_eq!(one[0].command, format!("c{}", RETAIN - 1));
    }
}
