//! Booleans as RouterOS treats them. A boolean property is stored as a truth value, not as the
//! text a client sent: 7.x prints `true`/`false`, 6.x `yes`/`no`, and both read either spelling
//! in `add`/`set` values and in print queries. Clients differ in what they send (librouteros
//! turns Python's `False` into `no` on every version), so comparing the text would make the same
//! query match on one version and miss on the other.

use super::version::Version;
use crate::routeros::value::parse_bool;

/// Properties that are booleans, on every menu the simulator knows.
const FIELDS: &[&str] = &[
    "disabled",
    "running",
    "dynamic",
    "blocked",
    "radius",
    "invalid",
    "default",
    "authorized",
    "bypassed",
    "transparent-proxy",
    "routerboard",
    "time-zone-autodetect",
    "dst-active",
    "available",
];

/// Whether `name` is a boolean property.
pub fn is_bool(name: &str) -> bool {
    FIELDS.contains(&name)
}

/// The stored form of a value written to a boolean property (`yes`/`true` alike), or `None` if
/// it is not a boolean (the router's "input does not match" trap).
pub fn stored(value: &str) -> Option<String> {
    parse_bool(value).map(|b| b.to_string())
}

/// How `version` prints a stored boolean.
pub fn printed(version: &Version, value: &str) -> &'static str {
    let on = parse_bool(value).unwrap_or(false);
    match (version.at_least(&[7]), on) {
        (true, true) => "true",
        (true, false) => "false",
        (false, true) => "yes",
        (false, false) => "no",
    }
}

/// Query equality: booleans by truth value (`?disabled=yes` matches `disabled=true`), anything
/// else, and a boolean compared with a word that is not one, as text.
pub fn equal(name: &str, item: &str, query: &str) -> bool {
    if is_bool(name)
        && let (Some(a), Some(b)) = (parse_bool(item), parse_bool(query))
    {
        return a == b;
    }
    item == query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_compare_equal_on_boolean_properties_only() {
        assert!(equal("disabled", "true", "yes"));
        assert!(equal("disabled", "no", "false"));
        assert!(!equal("disabled", "no", "true"));
        assert!(!equal("disabled", "false", "maybe"));
        // `comment` is text: `yes` is not `true` there.
        assert!(!equal("comment", "true", "yes"));
        assert!(equal("comment", "yes", "yes"));
    }

    #[test]
    fn printed_in_the_versions_own_form() {
        let (v6, v7) = (Version::parse("6.33"), Version::parse("7.16"));
        assert_eq!(printed(&v6, "true"), "yes");
        assert_eq!(printed(&v6, "false"), "no");
        assert_eq!(printed(&v7, "true"), "true");
        assert_eq!(printed(&v7, "false"), "false");
        assert_eq!(stored("yes").as_deref(), Some("true"));
        assert_eq!(stored("nope"), None);
    }
}
