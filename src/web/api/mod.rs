//! The JSON API under `/api/v1`: the same operations as the pages, for programs.
//!
//! Errors are always `{"error": {"code", "message"}}`; validation errors add `fields`.

pub mod admins;
pub mod agents;
pub mod customers;
pub mod dashboard;
pub mod feedback;
mod fields;
pub mod messages;
pub mod money;
pub mod openapi;
pub mod plans;
pub mod qpay;
mod query;
pub mod reports;
pub mod roles;
pub mod routers;
pub mod vouchers;

use super::error::{BadParam, WebError};
use super::http::{self, Req, Resp};
use crate::i18n::{Lang, Msg};
use crate::validate::Problems;
use hyper::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::json;

pub fn error(status: StatusCode, code: &str, message: &str) -> Resp {
    http::json(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

pub fn invalid(p: &Problems) -> Resp {
    let fields: serde_json::Map<String, serde_json::Value> =
        p.0.iter()
            .map(|p| (p.field.to_string(), json!(p.text(Lang::En))))
            .collect();
    http::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "error": { "code": "invalid", "message": "some fields are invalid", "fields": fields } }),
    )
}

/// Refused query parameters, in the shape of field problems (`fields` keyed by parameter), in
/// the caller's language.
pub fn bad_query(bad: &[BadParam], lang: Lang) -> Resp {
    let fields: serde_json::Map<String, serde_json::Value> = bad
        .iter()
        .map(|b| (b.name.clone(), json!(b.text(lang))))
        .collect();
    http::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "error": { "code": "invalid", "message": lang.t(Msg::InvalidParameters), "fields": fields } }),
    )
}

/// Parses a JSON request body, or explains what is wrong with it.
pub fn body<T: DeserializeOwned>(req: &Req) -> Result<T, WebError> {
    serde_json::from_slice(&req.body).map_err(|e| WebError::BadRequest(format!("JSON body: {e}")))
}
