//! Reading a summary back: the pages show each field with its label in the UI language and its
//! value formatted (a time in the configured zone, a name instead of an id), so they need the
//! parts `changes` and `snapshot` joined into text. Parsing the text rather than storing a second,
//! structured copy keeps every entry ever written readable the same way, and the API's
//! `summary` unchanged.

use serde_json::Value;

/// One piece of a summary.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// `field: before → after` (a change), or `field: value` (a snapshot, `before` is `None`
    /// and `changed` false). `None` values are "absent" (`∅`).
    Field {
        key: String,
        before: Option<Value>,
        after: Option<Value>,
        changed: bool,
    },
    /// Free text between the fields (`password changed`, `first period`, …).
    Note(String),
}

/// The parts of a summary, in order. Text that is not a field is kept as a note, so any
/// summary reads back, the free-text ones too.
pub fn parts(summary: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut rest = summary;
    while !rest.is_empty() {
        let (part, tail) = field(rest).unwrap_or_else(|| {
            let (note, tail) = rest.split_once("; ").unwrap_or((rest, ""));
            (Part::Note(note.to_string()), tail)
        });
        out.push(part);
        rest = tail;
    }
    out
}

/// A field at the start of `s`, and what follows its `; ` separator.
fn field(s: &str) -> Option<(Part, &str)> {
    let (key, rest) = s.split_once(": ")?;
    let ident = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    if key.is_empty() || !key.chars().all(ident) {
        return None;
    }
    let (first, rest) = value(rest)?;
    let (before, after, changed, rest) = match rest.strip_prefix(" → ") {
        Some(r) => {
            let (second, r) = value(r)?;
            (first, second, true, r)
        }
        None => (None, first, false, rest),
    };
    let rest = match rest {
        "" => "",
        r => r.strip_prefix("; ")?,
    };
    let key = key.to_string();
    Some((
        Part::Field {
            key,
            before,
            after,
            changed,
        },
        rest,
    ))
}

/// One value as `audit::show` wrote it: `∅`, a Rust-quoted string, or JSON.
fn value(s: &str) -> Option<(Option<Value>, &str)> {
    if let Some(rest) = s.strip_prefix('∅') {
        return Some((None, rest));
    }
    if s.starts_with('"') {
        let end = quoted_end(s)?;
        return Some((Some(Value::String(unquote(&s[1..end - 1]))), &s[end..]));
    }
    let end = if s.starts_with(['[', '{']) {
        bracketed_end(s)?
    } else {
        [s.find("; "), s.find(" → ")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(s.len())
    };
    let raw = &s[..end];
    let v = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    Some((Some(v), &s[end..]))
}

/// The byte just past the closing quote of the string `s` starts with.
fn quoted_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The byte just past the bracket closing the JSON array or object `s` starts with.
fn bracketed_end(s: &str) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, c) in s.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Undoes Rust's `{:?}` escaping of a string.
fn unquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(key: &str, before: Option<Value>, after: Option<Value>, changed: bool) -> Part {
        Part::Field {
            key: key.into(),
            before,
            after,
            changed,
        }
    }

    #[test]
    fn what_changes_wrote_reads_back() {
        let text = super::super::changes(
            &json!({"a": 1, "b": "x; y → \"z\"", "c": true, "e": ["p; q", {"r": "]"}]}),
            &json!({"a": 1, "b": "Өө\n", "d": 2, "e": []}),
        );
        assert_eq!(
            parts(&text),
            [
                f("b", Some(json!("x; y → \"z\"")), Some(json!("Өө\n")), true),
                f("c", Some(json!(true)), None, true),
                f("d", None, Some(json!(2)), true),
                f(
                    "e",
                    Some(json!(["p; q", {"r": "]"}])),
                    Some(json!([])),
                    true
                ),
            ]
        );
    }

    #[test]
    fn snapshots_and_free_text_read_back() {
        let text = super::super::snapshot(&json!({"name": "Bat", "adopt": false}));
        assert_eq!(
            parts(&text),
            [
                f("adopt", None, Some(json!(false)), false),
                f("name", None, Some(json!("Bat")), false)
            ]
        );
        assert_eq!(
            parts("phone: \"1\" → \"2\"; password changed"),
            [
                f("phone", Some(json!("1")), Some(json!("2")), true),
                Part::Note("password changed".into())
            ]
        );
        assert_eq!(
            parts("5 cards to Bold: shop"),
            [Part::Note("5 cards to Bold: shop".into())]
        );
    }
}
