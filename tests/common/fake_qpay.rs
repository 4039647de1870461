//! A fake QPay merchant API v2, written from QPay's public description, speaking real HTTP/1.1
//! over TCP so the client under test runs its own wire code. It lives on its own thread with its
//! own runtime, so a plain `#[test]` and a `#[tokio::test]` drive it alike, and every control
//! method is synchronous. Shared by the test binaries with `#[path]`.
//!
//! What it holds to: Basic credentials for a token, a live Bearer token on everything else, the
//! merchant's invoice code, one invoice per `sender_invoice_no`, `INVOICE_NOTFOUND` for ids it
//! never issued, and a payment check that answers for one invoice only. The error codes for
//! cases QPay does not document (a repeated number, a missing field) are its own guesses.

#![allow(dead_code)] // Each test binary uses a different part of it.

use std::collections::HashSet;
use std::convert::Infallible;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream as StdStream, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::Encoding as _;
use http_body_util::{BodyExt as _, Limited};
use hyper::body::{Bytes, Frame, Incoming, SizeHint};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// What `huge_reply` streams: eight times the client's cap, so reading it whole would show.
const HUGE: usize = 4 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;
static FILLER: [u8; CHUNK] = [b' '; CHUNK];
/// A request body above this is refused; the largest real one is a few hundred bytes.
const MAX_REQUEST: usize = 256 * 1024;
/// How long tokens live, as QPay's sandbox issues them (the client is told absolute times).
const ACCESS_SECS: u64 = 3600;
const REFRESH_SECS: u64 = 24 * 3600;
/// A 1×1 PNG, standing in for the QR image.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// A running fake; dropping it stops the server thread.
pub struct FakeQPay {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// An invoice as the fake holds it.
#[derive(Clone, Debug)]
pub struct FakeInvoice {
    pub invoice_id: String,
    pub sender_invoice_no: String,
    pub receiver_code: String,
    pub amount: u64,
    pub callback_url: String,
    pub cancelled: bool,
    pub payments: Vec<FakePayment>,
}

/// One payment row of an invoice.
#[derive(Clone, Debug)]
pub struct FakePayment {
    pub payment_id: String,
    pub amount: u64,
    pub status: &'static str,
}

#[derive(Default)]
struct State {
    invoices: Vec<FakeInvoice>,
    access: HashSet<String>,
    refresh: HashSet<String>,
    /// Every token and id issued, so that none repeats.
    serial: u64,
    tokens_issued: usize,
    refreshes: usize,
    paths: Vec<String>,
    refuse: bool,
    fail_next: usize,
    down: bool,
    strings: bool,
    delay: Duration,
    huge: bool,
}

impl FakeQPay {
    pub const CLIENT_ID: &'static str = "steppe_test";
    pub const CLIENT_SECRET: &'static str = "s3cret-test";
    pub const INVOICE_CODE: &'static str = "STEPPE_INVOICE";

    /// Listens on a free port of 127.0.0.1.
    pub fn start() -> FakeQPay {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind the fake QPay");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the fake QPay's address");
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, stopped) = oneshot::channel();
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("fake-qpay".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the fake QPay's runtime");
                runtime.block_on(serve(listener, shared, stopped));
            })
            .expect("the fake QPay's thread");
        FakeQPay {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn invoices(&self) -> Vec<FakeInvoice> {
        self.state().invoices.clone()
    }

    pub fn invoice_by_number(&self, sender_invoice_no: &str) -> Option<FakeInvoice> {
        self.state()
            .invoices
            .iter()
            .find(|i| i.sender_invoice_no == sender_invoice_no)
            .cloned()
    }

    /// Adds a PAID row to the invoice and returns its payment id.
    pub fn pay(&self, sender_invoice_no: &str, amount: u64) -> String {
        let mut s = self.state();
        let id = format!("{}", 700_000_000_000 + s.next_serial());
        let invoice = s
            .invoices
            .iter_mut()
            .find(|i| i.sender_invoice_no == sender_invoice_no)
            .unwrap_or_else(|| panic!("the fake QPay has no invoice {sender_invoice_no:?}"));
        invoice.payments.push(FakePayment {
            payment_id: id.clone(),
            amount,
            status: "PAID",
        });
        id
    }

    /// A payment the bank has started but not finished: a `NEW` row until [`FakeQPay::complete`].
    pub fn pay_pending(&self, sender_invoice_no: &str, amount: u64) -> String {
        let id = self.pay(sender_invoice_no, amount);
        self.set_status(&id, "NEW");
        id
    }

    /// The pending payment `payment_id` goes through: its row turns `PAID`.
    pub fn complete(&self, payment_id: &str) {
        self.set_status(payment_id, "PAID");
    }

    fn set_status(&self, payment_id: &str, status: &'static str) {
        let mut s = self.state();
        let row = s
            .invoices
            .iter_mut()
            .flat_map(|i| i.payments.iter_mut())
            .find(|p| p.payment_id == payment_id)
            .unwrap_or_else(|| panic!("the fake QPay has no payment {payment_id:?}"));
        row.status = status;
    }

    /// GETs the invoice's callback URL as QPay does (plain http, no credentials) and returns
    /// the status, or 0 when nothing answered. It blocks: from a `#[tokio::test]` whose own
    /// runtime serves that URL, call it through `spawn_blocking`.
    pub fn call_back(&self, sender_invoice_no: &str) -> u16 {
        let url = self
            .invoice_by_number(sender_invoice_no)
            .unwrap_or_else(|| panic!("the fake QPay has no invoice {sender_invoice_no:?}"))
            .callback_url;
        http_get(&url).unwrap_or(0)
    }

    /// Sign-ins answer 401 `AUTHENTICATION_FAILED`, whatever the credentials.
    pub fn refuse_credentials(&self, on: bool) {
        self.state().refuse = on;
    }

    /// Every access token issued so far is refused from now on; refresh tokens still work.
    pub fn expire_tokens(&self) {
        self.state().access.clear();
    }

    /// Every refresh token issued so far is refused from now on.
    pub fn expire_refresh_tokens(&self) {
        self.state().refresh.clear();
    }

    /// The next `n` requests, sign-ins included, answer 500 with an error body.
    pub fn fail_next(&self, n: usize) {
        self.state().fail_next = n;
    }

    /// Connections are accepted and closed at once, before any reply.
    pub fn down(&self, on: bool) {
        self.state().down = on;
    }

    /// Amounts in replies are text such as `"1000.00"`, as QPay sometimes sends them.
    pub fn amounts_as_strings(&self, on: bool) {
        self.state().strings = on;
    }

    /// Every reply waits this long after its request was read; a request already waiting
    /// keeps the delay it started with.
    pub fn delay(&self, d: Duration) {
        self.state().delay = d;
    }

    /// Every reply is 4 MiB of filler, streamed without a declared length.
    pub fn huge_reply(&self, on: bool) {
        self.state().huge = on;
    }

    /// Requests whose path starts with `path_prefix`, answered or not (a `down` fake sees none).
    pub fn count(&self, path_prefix: &str) -> usize {
        self.state()
            .paths
            .iter()
            .filter(|p| p.starts_with(path_prefix))
            .count()
    }

    /// Successful sign-ins (`/v2/auth/token`).
    pub fn tokens_issued(&self) -> usize {
        self.state().tokens_issued
    }

    /// Successful refreshes (`/v2/auth/refresh`).
    pub fn refreshes(&self) -> usize {
        self.state().refreshes
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Drop for FakeQPay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// A test that panicked while holding the lock should not hide its own failure behind this one.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

async fn serve(
    listener: StdListener,
    state: Arc<Mutex<State>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("the fake QPay's listener");
    loop {
        let tcp = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(_) => {
                    // Out of descriptors, most likely: spinning would not free any.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        if lock(&state).down {
            drop(tcp);
            continue;
        }
        let state = state.clone();
        // Returning from `serve` drops the runtime, and with it these tasks, delayed or not.
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let auth = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = Limited::new(req.into_body(), MAX_REQUEST).collect().await;
    let delay = {
        let mut s = lock(&state);
        s.paths.push(path.clone());
        s.delay
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut s = lock(&state);
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return Ok(reply(
            500,
            &error("INTERNAL_SERVER_ERROR", "an unexpected error occurred"),
        ));
    }
    if s.huge {
        return Ok(huge());
    }
    let Ok(body) = body else {
        return Ok(reply(
            400,
            &error("INVALID_REQUEST", "the request body could not be read"),
        ));
    };
    let (status, value) = s.route(&method, &path, auth.as_deref(), &body.to_bytes());
    Ok(reply(status, &value))
}

impl State {
    fn route(
        &mut self,
        method: &Method,
        path: &str,
        auth: Option<&str>,
        body: &[u8],
    ) -> (u16, Value) {
        if *method == Method::POST && path == "/v2/auth/token" {
            return self.token(auth);
        }
        if *method == Method::POST && path == "/v2/auth/refresh" {
            return self.refresh(auth);
        }
        let bearer = auth.and_then(|a| a.strip_prefix("Bearer "));
        if !bearer.is_some_and(|t| self.access.contains(t)) {
            return (
                401,
                error("NO_CREDENTIALS", "the access token is missing or expired"),
            );
        }
        match (method.clone(), path) {
            (Method::POST, "/v2/invoice") => self.create(body),
            (Method::POST, "/v2/payment/check") => self.check(body),
            (Method::GET, p) if p.starts_with("/v2/invoice/") => {
                self.describe(&p["/v2/invoice/".len()..])
            }
            (Method::DELETE, p) if p.starts_with("/v2/invoice/") => {
                self.cancel(&p["/v2/invoice/".len()..])
            }
            _ => (404, error("NOT_FOUND", "no such API")),
        }
    }

    fn token(&mut self, auth: Option<&str>) -> (u16, Value) {
        let pair = auth
            .and_then(|a| a.strip_prefix("Basic "))
            .and_then(|b| base64ct::Base64::decode_vec(b.trim()).ok());
        let expected = format!("{}:{}", FakeQPay::CLIENT_ID, FakeQPay::CLIENT_SECRET);
        if self.refuse || pair.as_deref() != Some(expected.as_bytes()) {
            return (
                401,
                error("AUTHENTICATION_FAILED", "invalid client id or secret"),
            );
        }
        self.tokens_issued += 1;
        (200, self.issue())
    }

    fn refresh(&mut self, auth: Option<&str>) -> (u16, Value) {
        let bearer = auth.and_then(|a| a.strip_prefix("Bearer "));
        if !bearer.is_some_and(|t| self.refresh.contains(t)) {
            return (
                401,
                error("NO_CREDENTIALS", "the refresh token is invalid or expired"),
            );
        }
        self.refreshes += 1;
        (200, self.issue())
    }

    fn issue(&mut self) -> Value {
        let n = self.next_serial();
        let now = unix_now();
        let access = jwt("Bearer", n, now + ACCESS_SECS);
        let refresh = jwt("Refresh", n, now + REFRESH_SECS);
        self.access.insert(access.clone());
        self.refresh.insert(refresh.clone());
        json!({
            "token_type": "bearer",
            "access_token": access,
            "expires_in": now + ACCESS_SECS,
            "refresh_token": refresh,
            "refresh_expires_in": now + REFRESH_SECS,
            "scope": "profile email",
            "not-before-policy": "0",
            "session_state": format!("{n:08x}-6c1e-4b7a-9f0e-{n:012x}"),
        })
    }

    fn create(&mut self, body: &[u8]) -> (u16, Value) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return (400, error("INVALID_REQUEST", "the body is not JSON"));
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
        if text("invoice_code") != FakeQPay::INVOICE_CODE {
            return (400, error("INVOICE_CODE_INVALID", "no such invoice code"));
        }
        for field in [
            "sender_invoice_no",
            "invoice_receiver_code",
            "invoice_description",
            "callback_url",
        ] {
            if text(field).is_empty() {
                let code = format!("{}_REQUIRED", field.to_ascii_uppercase());
                return (400, error(&code, &format!("{field} is required")));
            }
        }
        let Some(amount) = v.get("amount").and_then(amount_of).filter(|a| *a > 0) else {
            return (
                400,
                error("INVALID_AMOUNT", "the amount must be above zero"),
            );
        };
        let no = text("sender_invoice_no");
        if self.invoices.iter().any(|i| i.sender_invoice_no == no) {
            return (
                400,
                error(
                    "SENDER_INVOICE_NO_DUPLICATED",
                    "an invoice with this sender_invoice_no exists",
                ),
            );
        }
        let n = self.next_serial();
        let invoice_id = format!("{n:08x}-5717-4562-b3fc-{:012x}", n * 7919);
        let qr_text = qr_text(&invoice_id, amount);
        let short_url = format!("https://s.qpay.mn/{n:06x}Qp");
        let urls: Vec<Value> = [
            ("Khan bank", "Хаан банк", "khanbank"),
            ("State bank", "Төрийн банк", "statebank"),
            ("Social Pay", "Голомт банк", "socialpay-payment"),
        ]
        .into_iter()
        .map(|(name, description, scheme)| {
            json!({
                "name": name,
                "description": description,
                "logo": format!("https://qpay.mn/q/logo/{scheme}.png"),
                "link": format!("{scheme}://q?qPay_QRcode={qr_text}"),
            })
        })
        .collect();
        self.invoices.push(FakeInvoice {
            invoice_id: invoice_id.clone(),
            sender_invoice_no: no.to_owned(),
            receiver_code: text("invoice_receiver_code").to_owned(),
            amount,
            callback_url: text("callback_url").to_owned(),
            cancelled: false,
            payments: Vec::new(),
        });
        (
            200,
            json!({
                "invoice_id": invoice_id,
                "qr_text": qr_text,
                "qr_image": PNG,
                "qPay_shortUrl": short_url,
                "urls": urls,
            }),
        )
    }

    fn describe(&self, id: &str) -> (u16, Value) {
        let Some(i) = self.invoices.iter().find(|i| i.invoice_id == id) else {
            return not_found();
        };
        let status = if i.cancelled {
            "CANCELLED"
        } else if paid(i) >= i.amount {
            "PAID"
        } else {
            "OPEN"
        };
        (
            200,
            json!({
                "invoice_id": i.invoice_id,
                "invoice_status": status,
                "sender_invoice_no": i.sender_invoice_no,
                "invoice_description": format!("Steppe invoice {}", i.sender_invoice_no),
                "total_amount": self.amount(i.amount),
                "gross_amount": self.amount(i.amount),
                "tax_amount": self.amount(0),
                "callback_url": i.callback_url,
                "lines": [],
                "transactions": [],
            }),
        )
    }

    fn cancel(&mut self, id: &str) -> (u16, Value) {
        let Some(i) = self.invoices.iter_mut().find(|i| i.invoice_id == id) else {
            return not_found();
        };
        if paid(i) > 0 {
            return (
                400,
                error("INVOICE_PAID", "a paid invoice cannot be cancelled"),
            );
        }
        if i.cancelled {
            return (
                400,
                error("INVOICE_ALREADY_CANCELED", "the invoice is cancelled"),
            );
        }
        i.cancelled = true;
        (200, json!({ "message": "invoice cancelled" }))
    }

    fn check(&self, body: &[u8]) -> (u16, Value) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return (400, error("INVALID_REQUEST", "the body is not JSON"));
        };
        if v.get("object_type").and_then(Value::as_str) != Some("INVOICE") {
            return (
                400,
                error("INVALID_OBJECT_TYPE", "object_type must be INVOICE"),
            );
        }
        let id = v.get("object_id").and_then(Value::as_str).unwrap_or("");
        let Some(i) = self.invoices.iter().find(|i| i.invoice_id == id) else {
            return not_found();
        };
        let page = |k: &str| {
            v.pointer(&format!("/offset/{k}"))
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        let number = page("page_number").unwrap_or(1).max(1);
        let limit = page("page_limit").unwrap_or(100).clamp(1, 100);
        let rows: Vec<Value> = i
            .payments
            .iter()
            .skip((number - 1).saturating_mul(limit))
            .take(limit)
            .map(|p| {
                json!({
                    "payment_id": p.payment_id,
                    "payment_status": p.status,
                    "payment_amount": self.amount(p.amount),
                    "trx_fee": self.amount(0),
                    "payment_currency": "MNT",
                    "payment_date": "2026-12-03T07:15:00.000Z",
                    "payment_wallet": "Khan bank",
                    "payment_type": "P2P",
                    "transaction_type": "P2P",
                    "next_payment_date": null,
                    "next_payment_datetime": null,
                    "card_transactions": [],
                    "p2p_transactions": [],
                })
            })
            .collect();
        (
            200,
            json!({
                "count": i.payments.len(),
                "paid_amount": self.amount(paid(i)),
                "rows": rows,
            }),
        )
    }

    /// An amount as QPay writes it at the moment: a number, or text with two decimals.
    fn amount(&self, tugrik: u64) -> Value {
        if self.strings {
            Value::String(format!("{tugrik}.00"))
        } else {
            Value::from(tugrik)
        }
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
}

fn paid(i: &FakeInvoice) -> u64 {
    i.payments
        .iter()
        .filter(|p| p.status == "PAID")
        .map(|p| p.amount)
        .sum()
}

/// A request's amount: a whole number, or text such as `"1000"` or `"1000.00"`.
fn amount_of(v: &Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    let text = v.as_str()?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !fraction.bytes().all(|b| b == b'0') {
        return None;
    }
    whole.parse().ok()
}

fn error(code: &str, message: &str) -> Value {
    json!({ "error": code, "message": message })
}

fn not_found() -> (u16, Value) {
    (404, error("INVOICE_NOTFOUND", "no such invoice"))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A JWT-shaped token (unsigned: only the fake reads it), long like QPay's.
fn jwt(kind: &str, n: u64, exp: u64) -> String {
    let header = base64ct::Base64UrlUnpadded::encode_string(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({
        "typ": kind,
        "client_id": FakeQPay::CLIENT_ID,
        "exp": exp,
        "jti": format!("{n:016x}"),
        "terminal_id": 95_001_234,
    });
    let claims = base64ct::Base64UrlUnpadded::encode_string(claims.to_string().as_bytes());
    let sig = base64ct::Base64UrlUnpadded::encode_string(format!("fake-{kind}-{n}").as_bytes());
    format!("{header}.{claims}.{sig}")
}

/// EMVCo-shaped QR text, as long as QPay's (a few hundred characters).
fn qr_text(invoice_id: &str, amount: u64) -> String {
    let tlv = |tag: &str, value: &str| format!("{tag}{:02}{value}", value.len());
    let merchant = tlv("00", "mn.qpay") + &tlv("01", &invoice_id.replace('-', ""));
    let mut text = [
        tlv("00", "01"),
        tlv("01", "12"),
        tlv("15", "31279404962794049600022310027138"),
        tlv("26", &merchant),
        tlv("52", "7372"),
        tlv("53", "496"),
        tlv("54", &amount.to_string()),
        tlv("58", "MN"),
        tlv("59", "STEPPE ISP"),
        tlv("60", "Ulaanbaatar"),
        tlv(
            "62",
            &(tlv("05", &invoice_id[..8]) + &tlv("07", "95001234")),
        ),
        tlv("64", &(tlv("00", "MN") + &tlv("01", "СТЕППЕ"))),
    ]
    .concat();
    text.push_str("6304");
    let crc = text.bytes().fold(0xffffu16, crc16_step);
    text + &format!("{crc:04X}")
}

/// CRC-16/CCITT-FALSE, the checksum EMVCo QR codes end with.
fn crc16_step(mut crc: u16, byte: u8) -> u16 {
    crc ^= u16::from(byte) << 8;
    for _ in 0..8 {
        crc = if crc & 0x8000 != 0 {
            (crc << 1) ^ 0x1021
        } else {
            crc << 1
        };
    }
    crc
}

/// A reply body: JSON whole, or the endless-looking stream of `huge_reply`.
enum Body {
    Whole(Option<Bytes>),
    Huge(usize),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let frame = match self.get_mut() {
            Body::Whole(bytes) => bytes.take().map(Frame::data),
            Body::Huge(0) => None,
            Body::Huge(left) => {
                let n = (*left).min(CHUNK);
                *left -= n;
                Some(Frame::data(Bytes::from_static(&FILLER[..n])))
            }
        };
        Poll::Ready(frame.map(Ok))
    }

    // The whole one declares its length; the huge one does not, so only a limit on what is read
    // (not one on what is announced) stops it.
    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Body::Whole(None) => SizeHint::with_exact(0),
            Body::Huge(_) => SizeHint::default(),
        }
    }
}

fn reply(status: u16, value: &Value) -> Response<Body> {
    let mut response = Response::new(Body::Whole(Some(Bytes::from(value.to_string()))));
    *response.status_mut() = StatusCode::from_u16(status).expect("a status code");
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn huge() -> Response<Body> {
    let mut response = Response::new(Body::Huge(HUGE));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A blocking `GET` of an `http://host:port/path` URL; the status, or `None` without one.
fn http_get(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("http://")?;
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = authority
        .to_socket_addrs()
        .or_else(|_| format!("{authority}:80").to_socket_addrs())
        .ok()?
        .next()?;
    let mut tcp = StdStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: QPay-Callback\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).ok()?;
    // Read to the end (bounded) rather than closing on unread data, which would reset the
    // connection under a server still writing its reply.
    let mut reply = Vec::new();
    let _ = (&mut tcp).take(64 * 1024).read_to_end(&mut reply);
    let line = String::from_utf8_lossy(&reply);
    line.split(' ').nth(1)?.trim().parse().ok()
}
