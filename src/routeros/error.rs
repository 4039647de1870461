//! The one error type of the RouterOS client, so callers can tell a refused command from a dead
//! connection and decide whether to retry.

use std::fmt;
use std::io;

/// Result of a RouterOS client operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a RouterOS operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The router refused the command (`!trap`); the connection is still usable.
    Trap {
        category: Option<u32>,
        message: String,
    },
    /// The router ended the session with `!fatal`; every in-flight command fails with it.
    Fatal(String),
    /// The named step (connect, login, TLS handshake, a command) did not finish in time.
    Timeout(String),
    /// A network or TLS error, with the step that was being taken.
    Io { context: String, source: io::Error },
    /// The router rejected the login, with its message.
    LoginRefused(String),
    /// The peer broke the API protocol (bad framing, unexpected reply).
    Protocol(String),
    /// The connection is closed; commands sent on it cannot be answered.
    ConnectionClosed,
    /// The client configuration is unusable (bad CA certificate, host name, fingerprint).
    Config(String),
    /// One command's reply passed `max_reply_items` or `max_reply_bytes` (for a `listen`
    /// stream: what was waiting unread); the command was cancelled and the rest of its reply is
    /// dropped. The connection is still usable.
    ReplyTooLarge {
        /// The command path, once the caller has seen the error.
        command: String,
        max_items: usize,
        max_bytes: usize,
        /// True for a `listen` stream, where the limit is on what waits unread.
        streaming: bool,
    },
}

impl Error {
    /// True for the `!trap` that answers a cancelled command.
    pub fn is_interrupted(&self) -> bool {
        matches!(
            self,
            Error::Trap {
                category: Some(2),
                ..
            }
        )
    }

    /// True if the connection is unusable after this error and the caller should reconnect.
    pub fn is_connection_lost(&self) -> bool {
        matches!(
            self,
            Error::Fatal(_) | Error::Io { .. } | Error::ConnectionClosed | Error::Protocol(_)
        )
    }

    /// Names the command in an error raised before the command was known.
    pub(crate) fn for_command(self, path: &str) -> Error {
        match self {
            Error::ReplyTooLarge {
                command,
                max_items,
                max_bytes,
                streaming,
            } if command.is_empty() => Error::ReplyTooLarge {
                command: path.to_owned(),
                max_items,
                max_bytes,
                streaming,
            },
            other => other,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Trap {
                category: Some(c),
                message,
            } => write!(f, "router refused: {message} (category {c})"),
            Error::Trap {
                category: None,
                message,
            } => write!(f, "router refused: {message}"),
            Error::Fatal(reason) => write!(f, "router closed the session: {reason}"),
            Error::Timeout(what) => write!(f, "timed out: {what}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::LoginRefused(message) => write!(f, "login refused: {message}"),
            Error::Protocol(what) => write!(f, "protocol error: {what}"),
            Error::ConnectionClosed => write!(f, "connection to the router is closed"),
            Error::Config(what) => write!(f, "invalid router configuration: {what}"),
            Error::ReplyTooLarge {
                command,
                max_items,
                max_bytes,
                streaming,
            } => {
                let command = if command.is_empty() {
                    "one command"
                } else {
                    command
                };
                let size = Size(*max_bytes);
                if *streaming {
                    write!(
                        f,
                        "the router sent more than {max_items} replies or {size} that {command} \
                         had not read yet; it is broken or hostile, the stream was stopped"
                    )
                } else {
                    write!(
                        f,
                        "the router sent more than {max_items} replies or {size} to {command}; \
                         it is broken or hostile, the reply was dropped"
                    )
                }
            }
        }
    }
}

/// A byte count as an operator reads it: whole MiB or KiB when it is one.
struct Size(usize);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const KIB: usize = 1024;
        const MIB: usize = 1024 * KIB;
        match self.0 {
            n if n >= MIB && n % MIB == 0 => write!(f, "{} MiB", n / MIB),
            n if n >= KIB && n % KIB == 0 => write!(f, "{} KiB", n / KIB),
            n => write!(f, "{n} bytes"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
