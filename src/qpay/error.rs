//! The one error type of the QPay client, shaped for an operator's screen: whether QPay could not
//! be reached, refused our merchant credentials, refused the request itself (with QPay's own
//! code), or answered something we cannot read.

use std::fmt;

/// QPay's message is shown to an operator; a longer one is cut, not trusted to be short.
const MAX_MESSAGE: usize = 300;

/// Why a QPay call failed. No variant carries the client secret or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QPayError {
    /// No answer: connecting, TLS, the connection breaking, or the time limit passing.
    Unreachable(String),
    /// QPay refused the client id and secret (also: still refused after signing in again), with
    /// QPay's code for it (`AUTHENTICATION_FAILED`), empty when it gave none.
    Credentials { code: String },
    /// QPay refused the request with its own error code and message.
    Refused { code: String, message: String },
    /// A non-2xx status without a QPay error body.
    Http(u16),
    /// A reply we cannot read: not JSON of the expected shape, a required field missing, an
    /// amount that is not whole tögrög, or a body over the size limit.
    Malformed(String),
    /// The request was not sent because our own input cannot be used (a base URL, an id).
    Invalid(String),
}

impl QPayError {
    /// From QPay's error body: credentials problems are told apart from refused requests.
    pub(super) fn refused(code: &str, message: &str) -> QPayError {
        match code {
            "AUTHENTICATION_FAILED" | "NO_CREDENTIALS" => QPayError::credentials(code),
            _ => QPayError::Refused {
                code: cut(code),
                message: cut(message),
            },
        }
    }

    pub(super) fn credentials(code: &str) -> QPayError {
        QPayError::Credentials { code: cut(code) }
    }

    /// QPay's error code, when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            QPayError::Refused { code, .. } => Some(code),
            QPayError::Credentials { code } if !code.is_empty() => Some(code),
            _ => None,
        }
    }
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

impl fmt::Display for QPayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QPayError::Unreachable(why) => write!(f, "QPay could not be reached: {why}"),
            QPayError::Credentials { code } if code.is_empty() => {
                f.write_str("QPay refused the merchant credentials: check the client id and secret")
            }
            QPayError::Credentials { code } => write!(
                f,
                "QPay refused the merchant credentials ({code}): check the client id and secret"
            ),
            QPayError::Refused { code, message } if message.is_empty() => {
                write!(f, "QPay refused the request: {code}")
            }
            QPayError::Refused { code, message } => {
                write!(f, "QPay refused the request: {code} ({message})")
            }
            QPayError::Http(status) => {
                write!(f, "QPay answered HTTP {status} without an explanation")
            }
            QPayError::Malformed(why) => write!(f, "QPay's answer could not be read: {why}"),
            QPayError::Invalid(why) => write!(f, "the request to QPay was not sent: {why}"),
        }
    }
}

impl std::error::Error for QPayError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_codes_are_not_refusals() {
        let e = QPayError::refused("NO_CREDENTIALS", "x");
        assert_eq!(
            e,
            QPayError::Credentials {
                code: "NO_CREDENTIALS".into()
            }
        );
        assert_eq!(e.code(), Some("NO_CREDENTIALS"));
        assert_eq!(
            e.to_string(),
            "QPay refused the merchant credentials (NO_CREDENTIALS): check the client id and secret"
        );
        let e = QPayError::refused("INVOICE_PAID", "already paid");
        assert_eq!(e.code(), Some("INVOICE_PAID"));
        assert_eq!(
            e.to_string(),
            "QPay refused the request: INVOICE_PAID (already paid)"
        );
    }

    #[test]
    fn a_long_message_is_cut() {
        let e = QPayError::refused("X", &"a".repeat(10_000));
        assert!(e.to_string().chars().count() < MAX_MESSAGE + 50);
    }
}
