//! Every user-facing text, in English and Mongolian.
//!
//! The catalog is one macro table, so a key without both translations does not compile; views
//! refer to texts by `Msg` key, never by literal.

mod catalog;
pub mod format;
pub mod words;
pub mod zones;

pub use catalog::Msg;
use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Mn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Mn];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Mn => "mn",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "mn" => Some(Lang::Mn),
            _ => None,
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Mn => "Монгол",
        }
    }

    pub fn t(self, m: Msg) -> &'static str {
        match self {
            Lang::En => m.en(),
            Lang::Mn => m.mn(),
        }
    }

    /// A text with `{}` placeholders filled in order.
    pub fn f(self, m: Msg, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut parts = self.t(m).split("{}");
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        for part in parts {
            if let Some(a) = args.next() {
                out.push_str(&a.to_string());
            }
            out.push_str(part);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_translated_and_placeholders_agree() {
        for m in Msg::ALL {
            assert!(!m.en().trim().is_empty(), "{m:?} has no English text");
            assert!(!m.mn().trim().is_empty(), "{m:?} has no Mongolian text");
            assert_eq!(
                m.en().matches("{}").count(),
                m.mn().matches("{}").count(),
                "{m:?}: placeholders differ between languages"
            );
        }
    }

    #[test]
    fn placeholders_fill_in_order() {
        assert_eq!(
            Lang::En.f(Msg::LockedOut, &[&7]),
            Msg::LockedOut.en().replace("{}", "7")
        );
    }
}
