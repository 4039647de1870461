//! The QPay client: configuration, the token held between calls, and the typed calls. Tokens are
//! got on first use, refreshed when the access token runs out, and replaced by signing in again
//! when both have run out or QPay answers 401 — after which the call is retried once, never more.

use super::error::QPayError;
use super::http::{self, Auth, Reply};
use super::token::{Need, TokenReply, Tokens};
use super::types::{
    CheckBody, ErrorBody, Invoice, InvoiceBody, InvoiceState, NewInvoice, Page, PaymentCheck,
};
use super::url::BaseUrl;
use hyper::Method;
use hyper::body::Bytes;
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The default limit on one HTTP exchange, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The source of "now" for token expiry; tests move it, the server passes its own clock.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The merchant's client id and secret, as QPay issued them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Everything a client needs; the invoice code and branch are the merchant's, set once.
#[derive(Clone)]
pub struct Config {
    pub base_url: BaseUrl,
    pub credentials: Credentials,
    /// The merchant's invoice template at QPay (`invoice_code`).
    pub invoice_code: String,
    pub branch_code: Option<String>,
    /// The limit on each HTTP exchange (a call may make up to four: sign in, call, sign in, retry).
    pub timeout: Duration,
    pub clock: Clock,
}

impl Config {
    /// A configuration with the default time limit and the wall clock.
    pub fn new(base_url: BaseUrl, credentials: Credentials, invoice_code: &str) -> Config {
        Config {
            base_url,
            credentials,
            invoice_code: invoice_code.to_owned(),
            branch_code: None,
            timeout: TIMEOUT,
            clock: Arc::new(Timestamp::now),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("invoice_code", &self.invoice_code)
            .field("branch_code", &self.branch_code)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A QPay merchant API client; share it (`Arc`) so that every call uses one token.
pub struct QPay {
    config: Config,
    // Held across the token request, so concurrent calls wait for one sign-in instead of each
    // making their own.
    tokens: tokio::sync::Mutex<Option<Tokens>>,
}

impl fmt::Debug for QPay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QPay")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl QPay {
    pub fn new(config: Config) -> QPay {
        QPay {
            config,
            tokens: tokio::sync::Mutex::new(None),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Creates an invoice for `invoice.amount` whole tögrög.
    pub async fn create_invoice(&self, invoice: &NewInvoice) -> Result<Invoice, QPayError> {
        if invoice.amount == 0 {
            return Err(QPayError::Invalid(
                "an invoice needs an amount above zero".into(),
            ));
        }
        if invoice.sender_invoice_no.is_empty() {
            return Err(QPayError::Invalid(
                "an invoice needs our invoice number".into(),
            ));
        }
        let body = InvoiceBody {
            invoice_code: &self.config.invoice_code,
            sender_invoice_no: &invoice.sender_invoice_no,
            invoice_receiver_code: &invoice.receiver_code,
            invoice_description: &invoice.description,
            sender_branch_code: self.config.branch_code.as_deref(),
            amount: invoice.amount,
            callback_url: &invoice.callback_url,
            invoice_due_date: invoice.due_date.as_deref(),
        };
        let reply = self
            .call(Method::POST, "/v2/invoice", Some(json(&body)?))
            .await?;
        parse::<Invoice>(&reply).map(Invoice::bounded)
    }

    /// The invoice as QPay holds it now.
    pub async fn invoice(&self, invoice_id: &str) -> Result<InvoiceState, QPayError> {
        let path = format!("/v2/invoice/{}", segment(invoice_id)?);
        let reply = self.call(Method::GET, &path, None).await?;
        let mut state = parse::<InvoiceState>(&reply)?;
        if state.invoice_id.is_empty() {
            invoice_id.clone_into(&mut state.invoice_id);
        }
        Ok(state)
    }

    /// Cancels an unpaid invoice (QPay refuses a paid one with `INVOICE_PAID`).
    pub async fn cancel_invoice(&self, invoice_id: &str) -> Result<(), QPayError> {
        let path = format!("/v2/invoice/{}", segment(invoice_id)?);
        self.call(Method::DELETE, &path, None).await.map(drop)
    }

    /// The payments QPay has for an invoice: the only word on whether it was paid.
    pub async fn check_payment(&self, invoice_id: &str) -> Result<PaymentCheck, QPayError> {
        let body = CheckBody {
            object_type: "INVOICE",
            object_id: segment(invoice_id)?,
            offset: Page {
                page_number: 1,
                page_limit: 100,
            },
        };
        let reply = self
            .call(Method::POST, "/v2/payment/check", Some(json(&body)?))
            .await?;
        parse::<PaymentCheck>(&reply).map(PaymentCheck::bounded)
    }

    /// One API call with the access token; on an authentication failure, sign in again and
    /// retry once.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Bytes, QPayError> {
        let token = self.access_token(None).await?;
        let reply = self
            .send(method.clone(), path, Auth::Bearer(&token), body.clone())
            .await?;
        if !is_auth_failure(&reply) {
            return outcome(reply);
        }
        let token = self.access_token(Some(&token)).await?;
        let reply = self.send(method, path, Auth::Bearer(&token), body).await?;
        if is_auth_failure(&reply) {
            return Err(credentials_error(&reply));
        }
        outcome(reply)
    }

    /// A usable access token. `stale` is one QPay just refused: it is refreshed unless another
    /// call has already replaced it.
    async fn access_token(&self, stale: Option<&str>) -> Result<String, QPayError> {
        let mut held = self.tokens.lock().await;
        if let Some(stale) = stale
            && let Some(t) = held.as_mut()
            && t.access == stale
        {
            t.access_refused();
        }
        let now = (self.config.clock)();
        match Tokens::need(held.as_ref(), now) {
            Need::Nothing => {
                if let Some(t) = held.as_ref() {
                    return Ok(t.access.clone());
                }
            }
            Need::Refresh => {
                let refresh = held.as_ref().map(|t| t.refresh.clone()).unwrap_or_default();
                match self.token("/v2/auth/refresh", Auth::Bearer(&refresh)).await {
                    Ok(t) => return Ok(held.insert(t).access.clone()),
                    // QPay unreachable now will not be reachable for the sign-in either.
                    Err(e @ QPayError::Unreachable(_)) => return Err(e),
                    Err(_) => {}
                }
            }
            Need::Authenticate => {}
        }
        *held = None;
        let c = &self.config.credentials;
        let auth = Auth::Basic {
            user: &c.client_id,
            password: &c.client_secret,
        };
        let t = self.token("/v2/auth/token", auth).await?;
        Ok(held.insert(t).access.clone())
    }

    async fn token(&self, path: &str, auth: Auth<'_>) -> Result<Tokens, QPayError> {
        let reply = self.send(Method::POST, path, auth, None).await?;
        if reply.status == 401 {
            return Err(credentials_error(&reply));
        }
        let body = outcome(reply)?;
        let now = (self.config.clock)();
        Tokens::from_reply(parse::<TokenReply>(&body)?, now).map_err(QPayError::Malformed)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, QPayError> {
        http::send(
            &self.config.base_url,
            self.config.timeout,
            method,
            path,
            auth,
            body,
        )
        .await
    }
}

/// A refused token: 401, or QPay's own words for it under another status.
fn is_auth_failure(reply: &Reply) -> bool {
    reply.status == 401
        || (!success(reply.status)
            && matches!(error_body(reply), Some(e) if matches!(QPayError::refused(&e.error, ""), QPayError::Credentials { .. })))
}

/// A refusal of our credentials, with QPay's code when its body has one.
fn credentials_error(reply: &Reply) -> QPayError {
    QPayError::credentials(&error_body(reply).map(|e| e.error).unwrap_or_default())
}

fn success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn error_body(reply: &Reply) -> Option<ErrorBody> {
    serde_json::from_slice::<ErrorBody>(&reply.body)
        .ok()
        .filter(|e| !e.error.is_empty())
}

fn outcome(reply: Reply) -> Result<Bytes, QPayError> {
    if success(reply.status) {
        return Ok(reply.body);
    }
    Err(match error_body(&reply) {
        Some(e) => QPayError::refused(&e.error, &e.message),
        None => QPayError::Http(reply.status),
    })
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, QPayError> {
    serde_json::from_slice(body).map_err(|e| QPayError::Malformed(e.to_string()))
}

fn json<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, QPayError> {
    serde_json::to_vec(body).map_err(|e| QPayError::Invalid(e.to_string()))
}

/// QPay's ids are UUID-like; anything else would change the path it is put in.
fn segment(id: &str) -> Result<&str, QPayError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(QPayError::Invalid(format!(
            "{id:?} is not a QPay invoice id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_stays_out_of_debug() {
        let c = Credentials {
            client_id: "steppe".into(),
            client_secret: "hunter2-very-secret".into(),
        };
        let config = Config::new(BaseUrl::parse("http://127.0.0.1:1").unwrap(), c, "INV");
        let d = format!("{:?}", QPay::new(config));
        assert!(d.contains("steppe") && !d.contains("hunter2"), "{d}");
    }

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        assert!(segment("3fa85f64-5717-4562-b3fc-2c963f66afa6").is_ok());
        for id in ["", "../token", "a/b", "a?b", "a b", &"x".repeat(200)] {
            assert!(segment(id).is_err(), "{id}");
        }
    }
}
