//! Request and response plumbing: parsed requests, forms (urlencoded and multipart), cookies,
//! and the response helpers every handler uses.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};
use maud::Markup;
use std::net::SocketAddr;

pub type Resp = Response<Body>;

/// A response body: whole (pages, JSON) or streamed in chunks from a channel (report exports,
/// written by a blocking task while the store is read).
pub enum Body {
    Full(Full<Bytes>),
    Stream(tokio::sync::mpsc::Receiver<Bytes>),
}

impl From<Full<Bytes>> for Body {
    fn from(f: Full<Bytes>) -> Self {
        Body::Full(f)
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            Body::Full(f) => hyper::body::Body::poll_frame(std::pin::Pin::new(f), cx),
            Body::Stream(rx) => rx
                .poll_recv(cx)
                .map(|chunk| chunk.map(|b| Ok(hyper::body::Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(f) => hyper::body::Body::is_end_stream(f),
            Body::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            Body::Full(f) => hyper::body::Body::size_hint(f),
            Body::Stream(_) => hyper::body::SizeHint::default(),
        }
    }
}

impl crate::reports::Params for Req {
    fn param(&self, key: &str) -> Option<&str> {
        self.query(key)
    }
}

/// A request with its body read and its path parameters matched.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub peer: SocketAddr,
    pub secure: bool,
    /// The listener it came in on.
    pub side: super::server::Side,
    /// Values of `{…}` segments of the matched route, in order.
    pub params: Vec<String>,
    /// The parsed form of a POST (filled by the dispatcher, which checks its CSRF token).
    pub form: Form,
}

impl Req {
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(header::COOKIE).iter().find_map(|v| {
            v.to_str().ok()?.split(';').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                (k == name).then(|| v.to_string())
            })
        })
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn ip(&self) -> String {
        self.peer.ip().to_string()
    }

    /// The `i`th path parameter as an id.
    pub fn id(&self, i: usize) -> Option<u64> {
        self.params.get(i)?.parse().ok()
    }

    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).map_or("", String::as_str)
    }

    /// The query string rebuilt without `lang`, for language links that keep filters.
    pub fn path_with_lang(&self, lang: &str) -> String {
        let mut q: Vec<(&str, &str)> = self
            .query
            .iter()
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        q.push(("lang", lang));
        format!(
            "{}?{}",
            self.path,
            serde_urlencoded::to_string(q).unwrap_or_default()
        )
    }
}

/// Submitted form fields and files.
#[derive(Debug, Default, Clone)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Form {
    pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Form, String> {
        let ctype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if let Some(boundary) = ctype.strip_prefix("multipart/form-data").and_then(|rest| {
            rest.split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
        }) {
            return super::multipart::parse(body, boundary.trim_matches('"'));
        }
        let fields = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map_err(|e| format!("form body: {e}"))?;
        Ok(Form {
            fields,
            files: Vec::new(),
        })
    }

    /// The field's value, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// A checkbox: present and not "false"/"0"/"off".
    pub fn checked(&self, name: &str) -> bool {
        self.has(name) && !matches!(self.get(name), "false" | "0" | "off")
    }

    /// A non-empty uploaded file.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_slice())
    }
}

fn with_security_headers(mut r: Resp) -> Resp {
    let h = r.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    r
}

pub fn bytes(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Body::Full(Full::new(body.into())));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    with_security_headers(r)
}

pub fn html(status: StatusCode, m: Markup) -> Resp {
    let mut r = bytes(status, "text/html; charset=utf-8", m.into_string());
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub fn json(status: StatusCode, v: &impl serde::Serialize) -> Resp {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = bytes(status, "application/json", body);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub fn text(status: StatusCode, t: &'static str) -> Resp {
    bytes(status, "text/plain; charset=utf-8", t)
}

/// A file download: `Content-Disposition: attachment` with this file name (ASCII).
pub fn attachment(content_type: &str, file_name: &str, body: Body) -> Resp {
    let mut r = Response::new(body);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    with_security_headers(r)
}

/// 303 See Other: the answer to a successful POST, so a reload does not resubmit.
pub fn redirect(to: &str) -> Resp {
    let mut r = bytes(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", "");
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub fn add_cookie(r: &mut Resp, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A cookie string with the attributes every Steppe cookie carries.
pub fn cookie(
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
    http_only: bool,
    secure: bool,
) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Strict");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Only local paths are followed after login, never another site.
pub fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and newlines from URLs, so "/\t/evil" would become "//evil".
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.bytes().any(|b| b < 0x21 || b == 0x7f);
    if local { next } else { "/" }
}
