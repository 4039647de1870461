//! The print query language (`?name=x`, `?<name=x`, `?#|!`…), evaluated exactly as ROUTEROS.md §4
//! describes, so client-side query builders are tested against the real semantics. Booleans
//! compare by truth value, whichever spelling the query and the item use.

use super::boolean;

/// A parsed query word.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    Has(String),
    Lacks(String),
    Equals(String, String),
    Less(String, String),
    Greater(String, String),
    Ops(String),
}

fn parse(word: &str) -> Query {
    let split = |s: &str| match s.split_once('=') {
        Some((n, v)) => (n.to_owned(), v.to_owned()),
        None => (s.to_owned(), String::new()),
    };
    if let Some(ops) = word.strip_prefix('#') {
        return Query::Ops(ops.to_owned());
    }
    if let Some(name) = word.strip_prefix('-') {
        return Query::Lacks(name.to_owned());
    }
    if let Some(rest) = word.strip_prefix('=') {
        let (n, v) = split(rest);
        return Query::Equals(n, v);
    }
    if let Some(rest) = word.strip_prefix('<') {
        let (n, v) = split(rest);
        return Query::Less(n, v);
    }
    if let Some(rest) = word.strip_prefix('>') {
        let (n, v) = split(rest);
        return Query::Greater(n, v);
    }
    match word.split_once('=') {
        Some((n, v)) => Query::Equals(n.to_owned(), v.to_owned()),
        None => Query::Has(word.to_owned()),
    }
}

/// Numbers compare as numbers, anything else as text.
fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// A stack of booleans that behaves as if infinitely many `true` lay below its bottom.
struct Stack(Vec<bool>);

impl Stack {
    fn pop(&mut self) -> bool {
        self.0.pop().unwrap_or(true)
    }

    fn at(&self, index: usize) -> bool {
        self.0
            .len()
            .checked_sub(index + 1)
            .and_then(|i| self.0.get(i).copied())
            .unwrap_or(true)
    }
}

/// Whether an item (looked up through `get`) matches the query words (text after `?`).
/// Errors name an unknown `?#` operation.
pub fn matches<'a>(
    queries: &[String],
    get: impl Fn(&str) -> Option<&'a str>,
) -> Result<bool, String> {
    let mut stack = Stack(Vec::new());
    for word in queries {
        match parse(word) {
            Query::Has(n) => stack.0.push(get(&n).is_some()),
            Query::Lacks(n) => stack.0.push(get(&n).is_none()),
            Query::Equals(n, v) => stack
                .0
                .push(get(&n).is_some_and(|x| boolean::equal(&n, x, &v))),
            Query::Less(n, v) => stack
                .0
                .push(get(&n).is_some_and(|x| compare(x, &v).is_lt())),
            Query::Greater(n, v) => stack
                .0
                .push(get(&n).is_some_and(|x| compare(x, &v).is_gt())),
            Query::Ops(ops) => run_ops(&mut stack, &ops)?,
        }
    }
    Ok(stack.0.iter().all(|&b| b))
}

fn run_ops(stack: &mut Stack, ops: &str) -> Result<(), String> {
    let bytes = ops.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let index: usize = ops[start..i]
                .parse()
                .map_err(|_| format!("bad stack index in ?#{ops}"))?;
            let value = stack.at(index);
            stack.0.push(value);
            // A `.` right after an index only separates it from the next one.
            if bytes.get(i) == Some(&b'.') {
                i += 1;
            }
            continue;
        }
        match c {
            b'!' => {
                let v = stack.pop();
                stack.0.push(!v);
            }
            b'&' => {
                let (a, b) = (stack.pop(), stack.pop());
                stack.0.push(a && b);
            }
            b'|' => {
                let (a, b) = (stack.pop(), stack.pop());
                stack.0.push(a || b);
            }
            b'.' => {
                let top = stack.at(0);
                stack.0.push(top);
            }
            other => return Err(format!("unknown query operation {:?}", char::from(other))),
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(item: &[(&str, &str)], queries: &[&str], expected: bool) {
        let queries: Vec<String> = queries.iter().map(|q| (*q).to_owned()).collect();
        let got = matches(&queries, |n| {
            item.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
        });
        assert_eq!(got, Ok(expected), "{item:?} {queries:?}");
    }

    const ETHER: &[(&str, &str)] = &[("name", "ether1"), ("type", "ether"), ("mtu", "1500")];
    const VLAN: &[(&str, &str)] = &[
        ("name", "vlan9"),
        ("type", "vlan"),
        ("mtu", "1496"),
        ("comment", "x"),
    ];
    const BRIDGE: &[(&str, &str)] = &[("name", "bridge"), ("type", "bridge"), ("mtu", "1500")];

    #[test]
    fn simple_predicates() {
        check(VLAN, &["comment"], true);
        check(ETHER, &["comment"], false);
        check(ETHER, &["-comment"], true);
        check(ETHER, &["type=ether"], true);
        check(ETHER, &["=type=ether"], true);
        check(ETHER, &["type=vlan"], false);
        check(ETHER, &["<mtu=1600"], true);
        check(ETHER, &[">mtu=1500"], false);
        check(VLAN, &["<mtu=1500"], true);
        check(ETHER, &["<name=f"], true);
        check(ETHER, &["<missing=5"], false);
        check(ETHER, &[], true);
        check(ETHER, &["type=ether", "mtu=1500"], true);
        check(ETHER, &["type=ether", "mtu=9000"], false);
    }

    #[test]
    fn or_of_two_from_the_spec_example() {
        for (item, expected) in [(ETHER, true), (VLAN, true), (BRIDGE, false)] {
            check(item, &["type=ether", "type=vlan", "#|"], expected);
        }
    }

    #[test]
    fn in_three_values() {
        let q = ["=name=ether1", "=name=bridge", "=name=nothing", "#|", "#|"];
        check(ETHER, &q, true);
        check(BRIDGE, &q, true);
        check(VLAN, &q, false);
    }

    #[test]
    fn negation_and_stack_copies() {
        check(ETHER, &["type=ether", "#!"], false);
        check(BRIDGE, &["type=ether", "#!"], true);
        // `0` pushes a copy of the top, `&` folds it back: unchanged.
        check(ETHER, &["type=ether", "#0&"], true);
        check(BRIDGE, &["type=ether", "#0&"], false);
        // `.` alone duplicates the top; `!|` makes "x or not x" → true.
        check(BRIDGE, &["type=ether", "#.!|"], true);
        // Index 1 reaches below the top; `1.0` is index 1, then index 0.
        check(VLAN, &["type=vlan", "mtu=1500", "#1.0&&"], false);
        check(ETHER, &["type=ether", "mtu=1500", "#1.0&&"], true);
        // Beyond the bottom the stack holds `true`.
        check(ETHER, &["#5!"], false);
        check(ETHER, &["#&"], true);
    }

    #[test]
    fn unknown_operation_is_an_error() {
        let queries = vec!["#x".to_owned()];
        assert!(matches(&queries, |_| None).is_err());
    }
}
