//! Input checks shared by every form and API body: one list of problems per submission, each
//! naming its field, so a form re-renders with messages beside the right inputs.

use crate::i18n::{Lang, Msg};

/// One thing wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub msg: Msg,
    pub arg: Option<String>,
}

impl Problem {
    pub fn text(&self, lang: Lang) -> String {
        match &self.arg {
            Some(a) => lang.f(self.msg, &[a]),
            None => lang.t(self.msg).to_string(),
        }
    }
}

/// Everything wrong with one submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn add(&mut self, field: &'static str, msg: Msg) {
        self.0.push(Problem {
            field,
            msg,
            arg: None,
        });
    }

    pub fn add_arg(&mut self, field: &'static str, msg: Msg, arg: impl ToString) {
        self.0.push(Problem {
            field,
            msg,
            arg: Some(arg.to_string()),
        });
    }

    pub fn one(field: &'static str, msg: Msg) -> Problems {
        let mut p = Problems::default();
        p.add(field, msg);
        p
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.iter().find(|p| p.field == field)
    }

    pub fn check(self) -> Result<(), Problems> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Checks a free-text field: trimmed, bounded, no control characters (newlines and tabs are
    /// allowed only where `multiline`).
    pub fn text(
        &mut self,
        field: &'static str,
        value: &str,
        max_chars: usize,
        required: bool,
        multiline: bool,
    ) -> String {
        let v = value.trim();
        if required && v.is_empty() {
            self.add(field, Msg::Required);
        } else if v.chars().count() > max_chars {
            self.add_arg(field, Msg::TooLong, max_chars);
        } else if v
            .chars()
            .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        {
            self.add(field, Msg::ControlChars);
        }
        v.to_string()
    }

    /// A password: at least `MIN_PASSWORD` characters, no more than 256.
    pub fn password(&mut self, field: &'static str, value: &str) {
        if value.chars().count() < MIN_PASSWORD {
            self.add_arg(field, Msg::PasswordTooShort, MIN_PASSWORD);
        } else if value.chars().count() > 256 {
            self.add_arg(field, Msg::TooLong, 256);
        }
    }

    pub fn email(&mut self, field: &'static str, value: &str) -> String {
        let v = self.text(field, value, 120, false, false);
        if !v.is_empty() {
            let ok = v.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !v.contains(char::is_whitespace)
            });
            if !ok {
                self.add(field, Msg::InvalidEmail);
            }
        }
        v
    }

    pub fn phone(&mut self, field: &'static str, value: &str) -> String {
        let v = self.text(field, value, 32, false, false);
        if !v
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'))
        {
            self.add(field, Msg::InvalidPhone);
        }
        v
    }
}

pub const MIN_PASSWORD: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let mut p = Problems::default();
        assert_eq!(p.text("a", "  x  ", 5, true, false), "x");
        p.text("b", "", 5, true, false);
        p.text("c", "toolong", 5, false, false);
        p.text("d", "bell\u{7}", 50, false, false);
        p.text("e", "two\nlines", 50, false, true);
        assert_eq!(p.get("b").unwrap().msg, Msg::Required);
        assert_eq!(p.get("c").unwrap().msg, Msg::TooLong);
        assert_eq!(p.get("d").unwrap().msg, Msg::ControlChars);
        assert!(p.get("a").is_none() && p.get("e").is_none());
    }

    #[test]
    fn email_and_phone() {
        let mut p = Problems::default();
        p.email("ok", "a@b.mn");
        p.email("bad", "a@b");
        p.phone("ph", "+976 9911-2233");
        p.phone("badph", "99<script>");
        assert!(p.get("ok").is_none() && p.get("ph").is_none());
        assert!(p.get("bad").is_some() && p.get("badph").is_some());
    }
}
