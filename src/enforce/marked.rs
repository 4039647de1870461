//! Router entries that belong to Steppe by a fixed comment rather than a customer marker: the
//! walled garden and the "please pay" fence. Pure, like `diff`: what is wanted and what was read
//! go in, commands come out, and an entry without our comment is never named in one.

use super::diff::Op;
use crate::routeros::{Command, Item, ItemId};

/// One menu's wanted entries. Each entry is its properties, the comment excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedMenu {
    pub menu: &'static str,
    /// The comment that makes an entry ours.
    pub marker: &'static str,
    /// Properties that tell entries apart; an entry whose other properties drifted is `set`
    /// back rather than replaced (a profile in use cannot be removed).
    pub key: &'static [&'static str],
    /// Every property an entry may carry, for `.proplist`.
    pub props: &'static [&'static str],
    /// Firewall rules: ours must come first, in this order, ahead of the operator's.
    pub ordered: bool,
    /// Removed only after users were moved off it (a PPP profile).
    pub remove_last: bool,
    pub wanted: Vec<Vec<(&'static str, String)>>,
}

/// An item as printed, reduced to what the diff needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub id: ItemId,
    pub props: Vec<(String, String)>,
}

impl Printed {
    pub fn parse(item: &Item) -> Option<Printed> {
        Some(Printed {
            id: item.id()?,
            props: item
                .iter()
                .filter(|(n, _)| *n != ".id")
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
        })
    }

    pub fn get(&self, name: &str) -> &str {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn ours(&self, marker: &str) -> bool {
        self.get("comment") == marker
    }

    /// RouterOS itself adds dynamic rules (hotspot's); nothing can be placed before them.
    fn dynamic(&self) -> bool {
        matches!(self.get("dynamic"), "true" | "yes")
    }

    fn matches(&self, wanted: &[(&'static str, String)]) -> bool {
        wanted.iter().all(|(n, v)| self.get(n) == v)
    }
}

/// Commands for one menu, split by when they may run.
#[derive(Debug, Default)]
pub struct MarkedChanges {
    /// Before users change: entries users will need, and the fence rebuilt in order.
    pub early: Vec<Op>,
    /// After users changed and sessions were kicked.
    pub late: Vec<Op>,
}

fn command(path: String, attrs: impl IntoIterator<Item = (&'static str, String)>) -> Command {
    attrs
        .into_iter()
        .fold(Command::new(&path), |c, (n, v)| c.attr(n, v))
}

fn add(m: &MarkedMenu, w: &[(&'static str, String)], before: Option<&ItemId>) -> Op {
    let mut attrs = w.to_vec();
    attrs.push(("comment", m.marker.to_owned()));
    if let Some(id) = before {
        attrs.push(("place-before", id.as_str().to_owned()));
    }
    Op {
        command: command(format!("{}/add", m.menu), attrs),
        owner: None,
    }
}

fn remove(m: &MarkedMenu, e: &Printed) -> Op {
    Op {
        command: Command::new(&format!("{}/remove", m.menu)).id(&e.id),
        owner: None,
    }
}

/// The commands that make `actual` (the menu as printed: every item for an ordered menu, ours
/// at least otherwise) hold exactly the wanted entries.
pub fn diff(m: &MarkedMenu, actual: &[Printed]) -> MarkedChanges {
    if m.ordered {
        diff_ordered(m, actual)
    } else {
        diff_keyed(m, actual)
    }
}

fn diff_keyed(m: &MarkedMenu, actual: &[Printed]) -> MarkedChanges {
    let mut out = MarkedChanges::default();
    let mut ours: Vec<&Printed> = actual.iter().filter(|e| e.ours(m.marker)).collect();
    let key_of = |w: &[(&'static str, String)]| -> Vec<String> {
        m.key
            .iter()
            .map(|k| {
                w.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    for w in &m.wanted {
        let key = key_of(w);
        let found = ours
            .iter()
            .position(|e| m.key.iter().zip(&key).all(|(k, v)| e.get(k) == v));
        match found {
            None => out.early.push(add(m, w, None)),
            Some(i) => {
                let e = ours.remove(i);
                let delta: Vec<(&'static str, String)> =
                    w.iter().filter(|(n, v)| e.get(n) != v).cloned().collect();
                if !delta.is_empty() {
                    let mut c = Command::new(&format!("{}/set", m.menu)).id(&e.id);
                    for (n, v) in delta {
                        c = c.attr(n, v);
                    }
                    out.early.push(Op {
                        command: c,
                        owner: None,
                    });
                }
            }
        }
    }
    let leftovers = ours.into_iter().map(|e| remove(m, e));
    if m.remove_last {
        out.late.extend(leftovers);
    } else {
        out.early.extend(leftovers);
    }
    out
}

/// Firewall rules act in order, so ours stand as one block at the top: if the block is not
/// exactly the wanted rules there, it is added again at the top (each add placed before the same
/// first rule keeps the block in order) and the old entries removed after.
fn diff_ordered(m: &MarkedMenu, actual: &[Printed]) -> MarkedChanges {
    let mut out = MarkedChanges::default();
    let rules: Vec<&Printed> = actual.iter().filter(|e| !e.dynamic()).collect();
    let ours = rules.iter().filter(|e| e.ours(m.marker)).count();
    let in_place = ours == m.wanted.len()
        && rules.len() >= ours
        && rules
            .iter()
            .zip(&m.wanted)
            .all(|(e, w)| e.ours(m.marker) && e.matches(w));
    if in_place {
        return out;
    }
    // The new block goes in first, above every rule (ours included), and only then do the old
    // entries go: the fence is never down between the two, nor half-built if an add fails.
    let top = rules.first().map(|e| &e.id);
    for w in &m.wanted {
        out.early.push(add(m, w, top));
    }
    for e in rules.iter().filter(|e| e.ours(m.marker)) {
        out.early.push(remove(m, e));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(id: &str, props: &[(&str, &str)]) -> Printed {
        Printed {
            id: ItemId::new(id.to_owned()),
            props: props
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn menu(ordered: bool, wanted: &[&str]) -> MarkedMenu {
        MarkedMenu {
            menu: "/m",
            marker: "steppe:t",
            key: &["name"],
            props: &["name", "x", "comment"],
            ordered,
            remove_last: false,
            wanted: wanted
                .iter()
                .map(|n| vec![("name", (*n).to_owned()), ("x", "1".to_owned())])
                .collect(),
        }
    }

    fn texts(ops: &[Op]) -> Vec<String> {
        ops.iter()
            .map(|o| {
                o.command
                    .words()
                    .iter()
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn keyed_adds_repairs_and_removes_only_ours() {
        let m = menu(false, &["a", "b"]);
        let actual = [
            printed("*1", &[("name", "a"), ("x", "2"), ("comment", "steppe:t")]),
            printed("*2", &[("name", "c"), ("x", "1"), ("comment", "steppe:t")]),
            printed("*3", &[("name", "b"), ("x", "1"), ("comment", "operator")]),
        ];
        let ch = diff(&m, &actual);
        assert_eq!(
            texts(&ch.early),
            [
                "/m/set =.id=*1 =x=1",
                "/m/add =name=b =x=1 =comment=steppe:t",
                "/m/remove =.id=*2",
            ]
        );
        assert!(ch.late.is_empty());
    }

    #[test]
    fn ordered_in_place_is_left_alone() {
        let m = menu(true, &["a", "b"]);
        let actual = [
            printed("*9", &[("name", "hs"), ("dynamic", "true")]),
            printed("*1", &[("name", "a"), ("x", "1"), ("comment", "steppe:t")]),
            printed("*2", &[("name", "b"), ("x", "1"), ("comment", "steppe:t")]),
            printed("*3", &[("name", "op"), ("comment", "")]),
        ];
        assert!(diff(&m, &actual).early.is_empty());
    }

    #[test]
    fn ordered_block_is_rebuilt_at_the_top_before_the_old_one_goes() {
        let m = menu(true, &["a", "b"]);
        let actual = [
            printed("*3", &[("name", "op"), ("comment", "")]),
            printed("*1", &[("name", "a"), ("x", "1"), ("comment", "steppe:t")]),
        ];
        assert_eq!(
            texts(&diff(&m, &actual).early),
            [
                "/m/add =name=a =x=1 =comment=steppe:t =place-before=*3",
                "/m/add =name=b =x=1 =comment=steppe:t =place-before=*3",
                "/m/remove =.id=*1",
            ]
        );
    }

    #[test]
    fn nothing_wanted_removes_our_rules_only() {
        let m = menu(true, &[]);
        let actual = [
            printed("*3", &[("name", "op"), ("comment", "")]),
            printed("*1", &[("name", "a"), ("x", "1"), ("comment", "steppe:t")]),
        ];
        assert_eq!(texts(&diff(&m, &actual).early), ["/m/remove =.id=*1"]);
    }
}
