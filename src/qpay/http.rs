//! Just enough HTTP/1.1 client for QPay: one request per connection (`Connection: close`), TLS
//! through rustls with the public roots built in (a `FROM scratch` container has no CA bundle),
//! and every input bounded — the whole exchange by a time limit, the head by hyper's buffer, the
//! body by a size cap checked while it is read, never after.

use super::error::QPayError;
use super::url::BaseUrl;
use base64ct::Encoding as _;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A reply's body above this is refused: the largest, an invoice with its QR PNG, is tens of KB.
pub const MAX_BODY: usize = 512 * 1024;
/// hyper's read buffer, which bounds the status line and headers (its minimum is 8 KiB).
const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;

/// How a request proves who sends it.
pub(super) enum Auth<'a> {
    /// `client_id:client_secret`, for `/v2/auth/token`.
    Basic { user: &'a str, password: &'a str },
    /// An access token, or the refresh token for `/v2/auth/refresh`.
    Bearer(&'a str),
}

/// A status and a body read whole, within [`MAX_BODY`].
pub(super) struct Reply {
    pub status: u16,
    pub body: Bytes,
}

/// One request to `base` + `path`, all of it (connect, TLS, send, read) within `timeout`.
pub(super) async fn send(
    base: &BaseUrl,
    timeout: Duration,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Vec<u8>>,
) -> Result<Reply, QPayError> {
    let request = request(base, method, path, auth, body)?;
    tokio::time::timeout(timeout, exchange(base, request))
        .await
        .map_err(|_| {
            QPayError::Unreachable(format!(
                "no complete answer from {base} within {} ms",
                timeout.as_millis()
            ))
        })?
}

fn request(
    base: &BaseUrl,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Vec<u8>>,
) -> Result<Request<Full<Bytes>>, QPayError> {
    let body = body.unwrap_or_default();
    let mut authorization = HeaderValue::try_from(match auth {
        Auth::Basic { user, password } => {
            let pair = format!("{user}:{password}");
            format!("Basic {}", base64ct::Base64::encode_string(pair.as_bytes()))
        }
        Auth::Bearer(token) => format!("Bearer {token}"),
    })
    // The value is not echoed: it holds the secret.
    .map_err(|_| QPayError::Invalid("the credentials hold characters HTTP cannot carry".into()))?;
    authorization.set_sensitive(true);
    Request::builder()
        .method(method)
        .uri(base.target(path))
        .header(HOST, base.authority())
        .header(CONTENT_TYPE, "application/json")
        .header(CONTENT_LENGTH, body.len())
        .header(CONNECTION, "close")
        .header(AUTHORIZATION, authorization)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| QPayError::Invalid(format!("building the request for {path}: {e}")))
}

async fn exchange(base: &BaseUrl, request: Request<Full<Bytes>>) -> Result<Reply, QPayError> {
    let tcp = TcpStream::connect((base.host(), base.port()))
        .await
        .map_err(|e| {
            QPayError::Unreachable(format!(
                "connecting to {}:{}: {e}",
                base.host(),
                base.port()
            ))
        })?;
    // Without this a request body waits for an ACK of the headers (Nagle), costing 40 ms.
    let _ = tcp.set_nodelay(true);
    if !base.is_tls() {
        return over(tcp, request).await;
    }
    let name = ServerName::try_from(base.host().to_owned())
        .map_err(|e| QPayError::Invalid(format!("{} is not a server name: {e}", base.host())))?;
    let tls = tokio_rustls::TlsConnector::from(tls_config()?)
        .connect(name, tcp)
        .await
        .map_err(|e| QPayError::Unreachable(format!("TLS with {}: {e}", base.host())))?;
    over(tls, request).await
}

/// Built once: the ~150 public roots are parsed at the first HTTPS call, not at every one.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, QPayError> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
            .map_err(|e| format!("TLS setup: {e}"))
        })
        .clone()
        .map_err(QPayError::Unreachable)
}

/// Ends the connection task when the exchange ends or is dropped by the time limit, so a
/// stalled peer holds no task.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn over<S>(io: S, request: Request<Full<Bytes>>) -> Result<Reply, QPayError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .max_buf_size(MAX_HEAD)
        .max_headers(MAX_HEADERS)
        .handshake::<_, Full<Bytes>>(TokioIo::new(io))
        .await
        .map_err(hyper_error)?;
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let response = sender.send_request(request).await.map_err(hyper_error)?;
    let status = response.status().as_u16();
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_big());
    }
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<LengthLimitError>() {
                too_big()
            } else {
                match e.downcast::<hyper::Error>() {
                    Ok(h) => hyper_error(*h),
                    Err(e) => QPayError::Unreachable(format!("reading the answer: {e}")),
                }
            }
        })?
        .to_bytes();
    Ok(Reply { status, body })
}

fn too_big() -> QPayError {
    QPayError::Malformed(format!("the answer is larger than {} KiB", MAX_BODY / 1024))
}

/// A reply hyper cannot parse is QPay's (or a proxy's) fault; anything else is the network.
fn hyper_error(e: hyper::Error) -> QPayError {
    if e.is_parse() || e.is_parse_status() || e.is_parse_too_large() {
        QPayError::Malformed(format!("not an HTTP/1.1 answer: {e}"))
    } else {
        QPayError::Unreachable(format!("the exchange broke off: {e}"))
    }
}
