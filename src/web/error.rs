//! Why a handler did not produce its normal response, and the one place that turns it into a
//! status and a body: JSON `{"error": {code, message}}` on the API, a message page elsewhere.
//! 5xx bodies say nothing of the cause; it goes to the log.

use super::api;
use super::ctx::Ctx;
use super::http::Resp;
use super::pages;
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::store::StoreError;
use crate::validate::Problems;
use hyper::StatusCode;

/// Why a handler did not produce its normal response.
#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden,
    BadRequest(String),
    /// The path exists, but not for this method (405, with `Allow`).
    MethodNotAllowed,
    Invalid(Problems),
    /// Query parameters of an API request that are unknown or do not parse (422, each named).
    BadQuery(Vec<BadParam>),
    Conflict(Msg),
    /// Too many of a bounded kind of work (downloads) at once: try again shortly (503).
    Busy,
    /// The data disk is full (507) or read-only (503): nothing was saved.
    Storage(StoreError),
    Internal(String),
}

/// One query parameter refused, with why in words the caller's language can render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParam {
    pub name: String,
    pub msg: Msg,
    pub args: Vec<String>,
}

impl BadParam {
    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<&dyn std::fmt::Display> = self
            .args
            .iter()
            .map(|a| a as &dyn std::fmt::Display)
            .collect();
        lang.f(self.msg, &args)
    }
}

impl WebError {
    /// The status this answers with: one `match` for the whole web layer.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            WebError::Invalid(_) | WebError::BadQuery(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Storage(StoreError::Full) => StatusCode::INSUFFICIENT_STORAGE,
            WebError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(p) | Error::TooMany(p) => WebError::Invalid(p),
            Error::NotFound => WebError::NotFound,
            Error::Conflict(m) => WebError::Conflict(m),
            Error::Store(e) => e.into(),
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Full | StoreError::ReadOnly | StoreError::Disk(_) => WebError::Storage(e),
            e => WebError::Internal(e.to_string()),
        }
    }
}

pub type Out = Result<Resp, WebError>;

pub fn respond(cx: &Ctx, is_api: bool, e: WebError) -> Resp {
    let status = e.status();
    if let WebError::Internal(detail) = &e {
        tracing::error!(%detail, "request failed");
    }
    if let WebError::Storage(problem) = &e {
        tracing::error!(%problem, "a write was refused by the data disk");
    }
    if is_api {
        return match e {
            WebError::NotFound => api::error(status, "not_found", "no such resource"),
            WebError::Forbidden => {
                api::error(status, "forbidden", "your access level does not allow this")
            }
            WebError::BadRequest(m) => api::error(status, "bad_request", &m),
            WebError::MethodNotAllowed => api::error(
                status,
                "method_not_allowed",
                "this path does not take this method; see Allow",
            ),
            WebError::Invalid(p) => api::invalid(&p),
            WebError::BadQuery(bad) => api::bad_query(&bad, cx.lang),
            WebError::Conflict(m) => api::error(status, "conflict", m.en()),
            WebError::Busy => api::error(status, "busy", Msg::Busy.en()),
            WebError::Storage(StoreError::Full) => {
                api::error(status, "storage_full", Msg::DiskFull.en())
            }
            WebError::Storage(StoreError::ReadOnly) => {
                api::error(status, "storage_read_only", Msg::DiskReadOnly.en())
            }
            WebError::Storage(_) => api::error(status, "storage_error", Msg::DiskReadOnly.en()),
            WebError::Internal(_) => {
                api::error(status, "internal", "internal error; see the server log")
            }
        };
    }
    let text = match &e {
        WebError::NotFound => cx.t(Msg::NotFound).to_string(),
        WebError::Forbidden => cx.t(Msg::Forbidden).to_string(),
        WebError::BadRequest(_)
        | WebError::MethodNotAllowed
        | WebError::Invalid(_)
        | WebError::BadQuery(_) => cx.t(Msg::BadRequest).to_string(),
        WebError::Conflict(m) => cx.t(*m).to_string(),
        WebError::Busy => cx.t(Msg::Busy).to_string(),
        WebError::Storage(StoreError::Full) => cx.t(Msg::DiskFull).to_string(),
        WebError::Storage(_) => cx.t(Msg::DiskReadOnly).to_string(),
        WebError::Internal(_) => cx.t(Msg::ServerError).to_string(),
    };
    pages::misc::message_page(cx, status, &text)
}
