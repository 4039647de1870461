//! The OpenAPI 3.1 description of `/api/v1`, kept as `openapi.json` beside this file. Tests
//! check that it lists exactly the API routes of the route table and that every documented
//! response matches it, so it cannot silently fall behind.
//!
//! It is data, not code: built with `serde_json::json!` it was the largest function in the
//! binary (240 KB of arm64 code against 42 KB of text). `build.rs` gzips it; the compressed
//! bytes are served to every client that accepts gzip and inflated for the rest.

use crate::web::ctx::Ctx;
use crate::web::error::Out;
use crate::web::http::{self, Req};
use hyper::StatusCode;
use hyper::header::{self, HeaderValue};
use std::io::Read;
use std::sync::Arc;

const GZIPPED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json.gz"));

pub async fn document(_cx: Arc<Ctx>, req: Req) -> Out {
    let gzip = accepts_gzip(req.headers.get(header::ACCEPT_ENCODING));
    let mut r = if gzip {
        let mut r = http::bytes(StatusCode::OK, "application/json", GZIPPED);
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        http::bytes(StatusCode::OK, "application/json", text())
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(r)
}

/// The document as text.
pub fn text() -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(GZIPPED)
        .read_to_string(&mut out)
        .expect("build.rs wrote a gzip of UTF-8 text");
    out
}

/// Whether `Accept-Encoding` admits gzip: named (or `*`) without `q=0`. No header at all means
/// a client such as plain `curl`, which would print the compressed bytes, so it gets text.
fn accepts_gzip(v: Option<&HeaderValue>) -> bool {
    let Some(v) = v.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    v.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        // `q=0`, `q=0.0`, `q=0.000`: every digit a zero.
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .is_some_and(|q| q.trim().chars().all(|c| c == '0' || c == '.'))
        });
        (coding.eq_ignore_ascii_case("gzip")
            || coding.eq_ignore_ascii_case("x-gzip")
            || coding == "*")
            && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, text};
    use hyper::header::HeaderValue;

    #[test]
    fn the_document_is_json_for_this_version() {
        let doc: serde_json::Value = serde_json::from_str(&text()).expect("openapi.json parses");
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["info"]["version"],
            env!("CARGO_PKG_VERSION"),
            "bump info.version in openapi.json with the package version"
        );
    }

    #[test]
    fn gzip_is_sent_only_where_accepted() {
        let accepts = |v: &str| accepts_gzip(Some(&HeaderValue::from_str(v).unwrap()));
        assert!(accepts("gzip"));
        assert!(accepts("deflate, gzip;q=0.5, br"));
        assert!(accepts("*"));
        assert!(accepts("GZIP"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip; q=0.000"));
        assert!(!accepts("identity"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts_gzip(None));
    }
}
