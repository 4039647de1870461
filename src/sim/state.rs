//! The simulated router's configuration and what every menu command does to it.
//!
//! Commands are applied here synchronously and turned into reply sentences; when those replies
//! reach the wire (latency, tags, cancellation) is the connection's business.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

mod listeners;
mod logins;
mod system;

use super::boolean;
use super::clock::Clock;
use super::menus::{self, MenuSpec};
use super::query;
use super::version::Version;
use crate::routeros::codec::attribute_word;
use crate::routeros::value::{format_clock, format_duration};

/// The words of one reply sentence, without its tag.
pub type Words = Vec<Vec<u8>>;

/// A request as the router sees it: the command path, its attributes and its query words.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub path: String,
    pub attrs: Vec<(String, String)>,
    pub queries: Vec<String>,
}

impl Request {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One item of a menu.
#[derive(Debug, Clone)]
struct Record {
    id: u32,
    props: Vec<(String, String)>,
    started: Instant,
}

impl Record {
    fn get(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn set(&mut self, name: &str, value: &str) {
        match self.props.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => value.clone_into(v),
            None => self.props.push((name.to_owned(), value.to_owned())),
        }
    }
}

/// An item as tests see it through the handle: its id and properties as the router prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimItem {
    pub id: String,
    pub props: Vec<(String, String)>,
}

impl SimItem {
    /// The printed value of a property.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A message sent with `/tool/sms/send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub port: String,
    pub phone: String,
    pub message: String,
}

/// Why a simulated customer could not log in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    /// No hotspot user or PPP secret with that name.
    UnknownUser(String),
    /// The user exists but is disabled.
    Disabled(String),
    /// The password does not match.
    WrongPassword(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::UnknownUser(u) => write!(f, "no such user {u:?}"),
            SimError::Disabled(u) => write!(f, "user {u:?} is disabled"),
            SimError::WrongPassword(u) => write!(f, "wrong password for {u:?}"),
        }
    }
}

impl std::error::Error for SimError {}

/// Everything the router holds.
pub struct RouterState {
    version: Version,
    version_text: String,
    tables: HashMap<&'static str, Vec<Record>>,
    next_id: u32,
    identity: String,
    clock: Clock,
    booted: Instant,
    sms: Vec<Sms>,
    listeners: Vec<listeners::Listener>,
    /// Unique keys per menu, so duplicate checks stay O(1) with 10,000s of users.
    keys: HashMap<&'static str, HashMap<Vec<String>, u32>>,
}

/// Properties the router computes from others: an address's network (unless given) and the
/// interface it is actually on.
fn derive(spec: &MenuSpec, record: &mut Record, given: &[(String, String)]) -> Result<(), String> {
    if spec.path != menus::IP_ADDRESS {
        return Ok(());
    }
    if let Some(interface) = record.get("interface").map(str::to_owned) {
        record.set("actual-interface", &interface);
    }
    let network = record
        .get("address")
        .and_then(network_of)
        .ok_or("invalid value for argument address")?;
    if !given.iter().any(|(n, _)| n == "network") {
        record.set("network", &network);
    }
    Ok(())
}

/// `10.5.50.1/24` → `10.5.50.0`; an address without a prefix is a /32.
fn network_of(address: &str) -> Option<String> {
    let (ip, prefix) = address.split_once('/').unwrap_or((address, "32"));
    let ip: std::net::Ipv4Addr = ip.parse().ok()?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    Some(std::net::Ipv4Addr::from(u32::from(ip) & mask).to_string())
}

/// The values of a menu's unique properties, if the record has them all.
fn key_of(spec: &MenuSpec, record: &Record) -> Option<Vec<String>> {
    if spec.unique.is_empty() {
        return None;
    }
    spec.unique
        .iter()
        .map(|k| record.get(k).map(str::to_owned))
        .collect()
}

fn trap(message: impl AsRef<str>) -> Vec<Words> {
    vec![
        vec![
            b"!trap".to_vec(),
            attribute_word("message", message.as_ref().as_bytes()),
        ],
        done(),
    ]
}

fn done() -> Words {
    vec![b"!done".to_vec()]
}

fn done_ret(ret: &str) -> Vec<Words> {
    vec![vec![
        b"!done".to_vec(),
        attribute_word("ret", ret.as_bytes()),
    ]]
}

fn no_such_command() -> Vec<Words> {
    vec![
        vec![
            b"!trap".to_vec(),
            attribute_word("category", b"0"),
            attribute_word("message", b"no such command prefix"),
        ],
        done(),
    ]
}

impl RouterState {
    /// A router fresh from the factory, running `version`.
    pub fn new(version: &str) -> RouterState {
        let mut state = RouterState {
            version: Version::parse(version),
            version_text: version.to_owned(),
            tables: HashMap::new(),
            next_id: 1,
            identity: "MikroTik".to_owned(),
            clock: Clock::default(),
            booted: Instant::now(),
            sms: Vec::new(),
            listeners: Vec::new(),
            keys: HashMap::new(),
        };
        for spec in menus::MENUS {
            state.tables.insert(spec.path, Vec::new());
        }
        let v7 = state.version.at_least(&[7]);
        for (menu, props) in menus::factory_items(version, v7) {
            state.insert(
                menu,
                props.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
            );
        }
        state
    }

    fn insert(&mut self, menu: &'static str, props: Vec<(String, String)>) -> u32 {
        self.insert_at(menu, props, None)
    }

    /// Inserts an item, before the item at position `before` when given (`place-before`).
    fn insert_at(
        &mut self,
        menu: &'static str,
        props: Vec<(String, String)>,
        before: Option<usize>,
    ) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        let record = Record {
            id,
            props,
            started: Instant::now(),
        };
        if let Some(key) = menus::spec(menu).and_then(|spec| key_of(spec, &record)) {
            self.keys.entry(menu).or_default().insert(key, id);
        }
        let table = self.tables.entry(menu).or_default();
        match before {
            Some(p) if p <= table.len() => table.insert(p, record),
            _ => table.push(record),
        }
        self.notify(menu, id, false);
        id
    }

    /// Applies one command and returns its reply sentences (ending with `!done`).
    pub fn execute(&mut self, req: &Request) -> Vec<Words> {
        let (menu, verb) = req.path.rsplit_once('/').unwrap_or(("", req.path.as_str()));
        if let Some(reply) = self.system_command(menu, verb, req) {
            return reply;
        }
        match menus::spec(menu) {
            Some(spec) => self.table_command(spec, verb, req),
            None => no_such_command(),
        }
    }

    fn format_uptime(&self, since: Instant) -> String {
        self.format_elapsed(since.elapsed())
    }

    fn format_elapsed(&self, elapsed: std::time::Duration) -> String {
        if self.version.at_least(&[7]) {
            format_duration(elapsed)
        } else {
            format_clock(elapsed)
        }
    }

    /// The properties of a record as print shows them: `.id` first, version-specific spellings.
    fn view(&self, spec: &MenuSpec, record: &Record) -> Vec<(String, String)> {
        let mut props = vec![(".id".to_owned(), format!("*{:X}", record.id))];
        for (name, value) in &record.props {
            let value = if boolean::is_bool(name) {
                boolean::printed(&self.version, value).to_owned()
            } else {
                value.clone()
            };
            props.push((name.clone(), value));
        }
        if spec.sessions {
            props.push(("uptime".to_owned(), self.format_uptime(record.started)));
        }
        props
    }

    fn table_command(&mut self, spec: &'static MenuSpec, verb: &str, req: &Request) -> Vec<Words> {
        match verb {
            "print" | "getall" => self.print(spec, req),
            "add" if spec.can_add => self.add(spec, req),
            "set" if spec.can_set => self.set(spec, req),
            "enable" | "disable" if spec.can_set => {
                let mut req = req.clone();
                req.attrs.retain(|(n, _)| n == ".id" || n == "numbers");
                req.attrs
                    .push(("disabled".to_owned(), (verb == "disable").to_string()));
                self.set(spec, &req)
            }
            "unset" if spec.can_set => self.unset(spec, req),
            "remove" if spec.can_remove => self.remove(spec, req),
            _ => no_such_command(),
        }
    }

    fn records(&self, spec: &MenuSpec) -> &[Record] {
        self.tables.get(spec.path).map_or(&[], Vec::as_slice)
    }

    fn print(&self, spec: &MenuSpec, req: &Request) -> Vec<Words> {
        let mut matched = Vec::new();
        for record in self.records(spec) {
            let view = self.view(spec, record);
            let get = |name: &str| {
                view.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
            };
            match query::matches(&req.queries, get) {
                Ok(true) => matched.push(view.clone()),
                Ok(false) => {}
                Err(message) => return trap(message),
            }
        }
        if req.attr("count-only").is_some() {
            return done_ret(&matched.len().to_string());
        }
        let proplist: Option<Vec<&str>> = req.attr(".proplist").map(|p| p.split(',').collect());
        let mut replies: Vec<Words> = matched
            .into_iter()
            .map(|view| {
                let mut words = vec![b"!re".to_vec()];
                for (name, value) in view {
                    if proplist.as_ref().is_none_or(|p| p.contains(&name.as_str())) {
                        words.push(attribute_word(&name, value.as_bytes()));
                    }
                }
                words
            })
            .collect();
        if replies.is_empty() && self.version.at_least(&[7, 18]) {
            replies.push(vec![b"!empty".to_vec()]);
        }
        replies.push(done());
        replies
    }

    /// Checks names, booleans and references of the attributes to write; returns them normalised.
    fn validate(&self, spec: &MenuSpec, req: &Request) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for (name, value) in &req.attrs {
            if name.starts_with('.') || name == "numbers" {
                continue;
            }
            if !spec.fields.contains(&name.as_str()) {
                return Err("unknown parameter".to_owned());
            }
            let value = if boolean::is_bool(name) {
                boolean::stored(value)
                    .ok_or_else(|| format!("input does not match any value of {name}"))?
            } else {
                value.clone()
            };
            out.push((name.clone(), value));
        }
        for r in spec.refs {
            if let Some((_, value)) = out.iter().find(|(n, _)| n == r.field) {
                let known = r.also.contains(&value.as_str())
                    || self.tables.get(r.menu).is_some_and(|t| {
                        t.iter().any(|rec| rec.get("name") == Some(value.as_str()))
                    });
                if !known {
                    return Err(format!("input does not match any value of {}", r.field));
                }
            }
        }
        Ok(out)
    }

    fn is_duplicate(&self, spec: &MenuSpec, candidate: &Record) -> bool {
        key_of(spec, candidate)
            .and_then(|key| self.keys.get(spec.path)?.get(&key).copied())
            .is_some_and(|id| id != candidate.id)
    }

    fn reindex(&mut self, spec: &MenuSpec, old: Option<&Record>, new: Option<&Record>) {
        let index = self.keys.entry(spec.path).or_default();
        if let Some(key) = old.and_then(|r| key_of(spec, r)) {
            index.remove(&key);
        }
        if let Some(record) = new
            && let Some(key) = key_of(spec, record)
        {
            index.insert(key, record.id);
        }
    }

    fn add(&mut self, spec: &'static MenuSpec, req: &Request) -> Vec<Words> {
        let before = match self.place_before(spec, req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let mut req = req.clone();
        req.attrs.retain(|(n, _)| n != "place-before");
        let req = &req;
        let attrs = match self.validate(spec, req) {
            Ok(a) => a,
            Err(message) => return trap(message),
        };
        for required in spec.required {
            if !attrs.iter().any(|(n, _)| n == required) {
                return trap(format!("missing value(s) of argument(s) {required}"));
            }
        }
        let mut props = Vec::new();
        for field in spec.fields {
            let given = attrs
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| v.clone());
            let default = spec
                .defaults
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, v)| (*v).to_owned());
            if let Some(value) = given.or(default) {
                props.push(((*field).to_owned(), value));
            }
        }
        props.extend(
            spec.readonly
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        let mut candidate = Record {
            id: 0,
            props,
            started: Instant::now(),
        };
        if let Err(message) = derive(spec, &mut candidate, &attrs) {
            return trap(message);
        }
        if self.is_duplicate(spec, &candidate) {
            return trap(spec.unique_message);
        }
        let id = self.insert_at(spec.path, candidate.props, before);
        done_ret(&format!("*{id:X}"))
    }

    /// The position `place-before` names (an id in an ordered menu); unknown elsewhere.
    fn place_before(&self, spec: &MenuSpec, req: &Request) -> Result<Option<usize>, Vec<Words>> {
        let Some(target) = req.attr("place-before") else {
            return Ok(None);
        };
        if !menus::ordered(spec.path) {
            return Err(trap("unknown parameter"));
        }
        let position = target
            .strip_prefix('*')
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(|id| self.records(spec).iter().position(|r| r.id == id));
        match position {
            Some(p) => Ok(Some(p)),
            None => Err(trap("no such item")),
        }
    }

    /// The positions of the items named by `=.id=` or `=numbers=` (ids `*1A` or names, comma-separated).
    fn resolve(&self, spec: &MenuSpec, req: &Request) -> Result<Vec<usize>, Vec<Words>> {
        let Some(list) = req.attr(".id").or_else(|| req.attr("numbers")) else {
            return Err(trap("missing value(s) of argument(s) numbers"));
        };
        let records = self.records(spec);
        let mut positions = Vec::new();
        for part in list.split(',').map(str::trim) {
            let found = match part.strip_prefix('*') {
                Some(hex) => u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(|id| records.iter().position(|r| r.id == id)),
                None => records.iter().position(|r| r.get("name") == Some(part)),
            };
            match found {
                Some(p) if !positions.contains(&p) => positions.push(p),
                Some(_) => {}
                None => return Err(trap("no such item")),
            }
        }
        Ok(positions)
    }

    fn set(&mut self, spec: &'static MenuSpec, req: &Request) -> Vec<Words> {
        let positions = match self.resolve(spec, req) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        let attrs = match self.validate(spec, req) {
            Ok(a) => a,
            Err(message) => return trap(message),
        };
        let mut updated = Vec::new();
        for &p in &positions {
            let mut record = self.records(spec)[p].clone();
            for (name, value) in &attrs {
                record.set(name, value);
            }
            if let Err(message) = derive(spec, &mut record, &attrs) {
                return trap(message);
            }
            if self.is_duplicate(spec, &record) {
                return trap(spec.unique_message);
            }
            updated.push((p, record));
        }
        self.replace(spec, updated);
        vec![done()]
    }

    /// `unset =value-name=…`: the property goes back to its default, or away if it has none.
    fn unset(&mut self, spec: &'static MenuSpec, req: &Request) -> Vec<Words> {
        let positions = match self.resolve(spec, req) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        let Some(name) = req.attr("value-name") else {
            return trap("missing value(s) of argument(s) value-name");
        };
        if !spec.fields.contains(&name) {
            return trap("unknown parameter");
        }
        // What a router answers here is not documented; the simulator refuses, so a client never
        // comes to depend on an item without its name.
        if spec.required.contains(&name) {
            return trap(format!("failure: {name} can not be unset"));
        }
        let default = spec.defaults.iter().find(|(n, _)| *n == name);
        let mut updated = Vec::new();
        for &p in &positions {
            let mut record = self.records(spec)[p].clone();
            match default {
                Some((_, value)) => record.set(name, value),
                None => record.props.retain(|(n, _)| n != name),
            }
            if self.is_duplicate(spec, &record) {
                return trap(spec.unique_message);
            }
            updated.push((p, record));
        }
        self.replace(spec, updated);
        vec![done()]
    }

    /// Stores changed records (at their positions), keeping the unique index and listeners told.
    fn replace(&mut self, spec: &'static MenuSpec, updated: Vec<(usize, Record)>) {
        for (p, record) in updated {
            let id = record.id;
            let old = self.records(spec)[p].clone();
            self.reindex(spec, Some(&old), Some(&record));
            if let Some(table) = self.tables.get_mut(spec.path) {
                table[p] = record;
            }
            self.notify(spec.path, id, false);
        }
    }

    fn remove(&mut self, spec: &'static MenuSpec, req: &Request) -> Vec<Words> {
        let positions = match self.resolve(spec, req) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        let records = self.records(spec);
        let ids: Vec<u32> = positions.iter().map(|&p| records[p].id).collect();
        let removed = self.remove_ids(spec, &ids);
        self.after_remove(spec, &removed);
        vec![done()]
    }

    /// Removes the items with these ids; returns what was removed.
    fn remove_ids(&mut self, spec: &'static MenuSpec, ids: &[u32]) -> Vec<Record> {
        let Some(table) = self.tables.get_mut(spec.path) else {
            return Vec::new();
        };
        let (removed, kept): (Vec<Record>, Vec<Record>) = std::mem::take(table)
            .into_iter()
            .partition(|r| ids.contains(&r.id));
        *table = kept;
        for record in &removed {
            self.reindex(spec, Some(record), None);
        }
        for record in &removed {
            self.notify(spec.path, record.id, true);
        }
        removed
    }

    /// The items of a menu as print shows them (for tests).
    pub fn items(&self, menu: &str) -> Vec<SimItem> {
        let Some(spec) = menus::spec(menu) else {
            return Vec::new();
        };
        self.records(spec)
            .iter()
            .map(|r| {
                let mut props = self.view(spec, r);
                let id = props.remove(0).1;
                SimItem { id, props }
            })
            .collect()
    }

    /// The router's identity.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Messages sent with `/tool/sms/send`, oldest first.
    pub fn sms(&self) -> &[Sms] {
        &self.sms
    }
}

#[cfg(test)]
mod tests;
