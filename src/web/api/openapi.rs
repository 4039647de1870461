//! The OpenAPI 3.1 description of `/api/v1`, kept as `openapi.json` beside this file and served
//! as it is. Tests check that it lists exactly the API routes of the route table and that every
//! documented response matches it, so it cannot silently fall behind.
//!
//! It is data, not code: built with `serde_json::json!` it was the largest function in the
//! binary (240 KB of arm64 code against 42 KB of text).

use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use hyper::StatusCode;
use hyper::header::{self, HeaderValue};
use std::sync::Arc;

const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document(_cx: Arc<Ctx>, _req: Req) -> Out {
    let mut r = http::bytes(StatusCode::OK, "application/json", DOCUMENT);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;

    #[test]
    fn the_document_is_json_for_this_version() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).expect("openapi.json parses");
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["info"]["version"],
            env!("CARGO_PKG_VERSION"),
            "bump info.version in openapi.json with the package version"
        );
    }
}
