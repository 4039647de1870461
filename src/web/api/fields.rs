//! Reading loosely typed JSON bodies into the string drafts the domain validates, so the API
//! and the forms share one set of rules and messages.

use crate::i18n::Msg;
use crate::validate::Problems;
use crate::web::error::WebError;
use serde_json::{Map, Value};

pub struct Body {
    map: Map<String, Value>,
    pub problems: Problems,
}

impl Body {
    /// Parses an object body, refusing fields outside `allowed`.
    pub fn parse(bytes: &[u8], allowed: &[&str]) -> Result<Body, WebError> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| WebError::BadRequest(format!("JSON body: {e}")))?;
        let Value::Object(map) = v else {
            return Err(WebError::BadRequest("JSON body must be an object".into()));
        };
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(WebError::BadRequest(format!("unknown field {k:?}")));
        }
        Ok(Body {
            map,
            problems: Problems::default(),
        })
    }

    /// A text field (`None` when absent); numbers are accepted as their decimal text.
    pub fn text(&mut self, field: &'static str) -> Option<String> {
        match self.map.get(field)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            Value::Null => Some(String::new()),
            _ => {
                self.problems.add(field, Msg::InvalidChoice);
                None
            }
        }
    }

    /// An integer field; a fraction is refused (money is integer minor units, never floats).
    pub fn integer(&mut self, field: &'static str) -> Option<String> {
        match self.map.get(field)? {
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => Some(s.trim().to_string()),
            _ => {
                self.problems.add(field, Msg::InvalidNumber);
                None
            }
        }
    }

    /// An array of ids or texts (numbers taken as their decimal text), at most `max` of them:
    /// a body naming a million items is refused before anything looks them up.
    pub fn list(&mut self, field: &'static str, max: usize) -> Option<Vec<String>> {
        let Value::Array(items) = self.map.get(field)? else {
            self.problems.add(field, Msg::InvalidChoice);
            return None;
        };
        if items.len() > max {
            self.problems.add_arg(field, Msg::AtMostItems, max);
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        for v in items {
            match v {
                Value::String(s) => out.push(s.clone()),
                Value::Number(n) if n.is_u64() => out.push(n.to_string()),
                _ => {
                    self.problems.add(field, Msg::InvalidChoice);
                    return None;
                }
            }
        }
        Some(out)
    }

    pub fn boolean(&mut self, field: &'static str) -> Option<bool> {
        match self.map.get(field)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.problems.add(field, Msg::InvalidChoice);
                None
            }
        }
    }

    /// Errors found while reading, before domain validation.
    pub fn check(&mut self) -> Result<(), WebError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(WebError::Invalid(std::mem::take(&mut self.problems)))
        }
    }
}

/// Overwrites `target` when the body has the field.
pub fn set(target: &mut String, v: Option<String>) {
    if let Some(v) = v {
        *target = v;
    }
}
